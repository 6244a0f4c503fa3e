/*
 * When to retry an AWS request and how long to wait: pure decisions over
 * what happened (attempt number, transport failure or HTTP status, AWS
 * error code, Retry-After, time spent so far) and a random number passed
 * in. The caller sleeps, re-signs (a fresh X-Amz-Date) and sends again.
 *
 * Retried: transport failures the HTTP layer calls transient, HTTP 5xx
 * (except 501 Not Implemented), 429, and the throttling and transient
 * error codes below, which AWS also sends with 400 (Route53's Throttling
 * and PriorRequestNotComplete) or 503 (S3's SlowDown). Never another 4xx.
 * Backoff: "full jitter", delay = random * min(cap, base * 2^(attempt-1)),
 * at least a Retry-After the server asked for (capped), and no retry that
 * would end after the total time budget.
 *
 * Throttling is a wait, not a failure: with patient_throttling (the
 * default policy), a throttling or PriorRequestNotComplete answer is
 * retried without a count, for as long as the caller's time allows: the
 * invocation's time left when it has a deadline (a Lambda executor then
 * saves its job and resumes in a new invocation), else max_total_ms.
 */
#ifndef AAA_AWS_RETRY_H
#define AAA_AWS_RETRY_H

#include <time.h>

struct aws_retry_policy {
	unsigned max_attempts;		  /* including the first; default 8 */
	unsigned long base_ms;		  /* default 100 */
	unsigned long cap_ms;		  /* largest backoff; default 20 s */
	unsigned long max_total_ms;	  /* whole call, all attempts; default 60 s */
	unsigned long retry_after_cap_ms; /* largest Retry-After honoured; default 20 s */
	int patient_throttling;		  /* throttling bounded by time only; default 1 */
};

#define AWS_RETRY_POLICY_DEFAULT                                                                   \
	{                                                                                          \
		8, 100, 20000, 60000, 20000, 1                                                     \
	}

enum aws_outcome {
	AWS_OUTCOME_RESPONSE,		 /* an HTTP answer arrived (see http_status) */
	AWS_OUTCOME_TRANSPORT_TRANSIENT, /* reset, timeout, refused: worth another try */
	AWS_OUTCOME_TRANSPORT_FATAL,	 /* bad URL, TLS verification failed: never retried */
	AWS_OUTCOME_MAX
};

struct aws_retry_input {
	unsigned attempt; /* attempts made so far (1 after the first) */
	enum aws_outcome outcome;
	long http_status;	  /* with AWS_OUTCOME_RESPONSE */
	const char *error_code;	  /* parsed AWS error code, or NULL */
	const char *retry_after;  /* Retry-After header, or NULL */
	time_t now;		  /* for an HTTP-date Retry-After */
	unsigned long elapsed_ms; /* since the first attempt started */
	double random;		  /* uniform in [0, 1) */
	int has_deadline;	  /* the caller must be done within time_left_ms */
	unsigned long time_left_ms;
};

enum aws_retry_reason {
	AWS_RETRY_NO_ERROR,	 /* 2xx/3xx: nothing to retry */
	AWS_RETRY_TRANSPORT,	 /* transient transport failure */
	AWS_RETRY_SERVER,	 /* 5xx */
	AWS_RETRY_THROTTLED,	 /* 429 or a throttling code */
	AWS_RETRY_TRANSIENT,	 /* RequestTimeout, PriorRequestNotComplete, ... */
	AWS_RETRY_CLOCK_SKEW,	 /* RequestTimeTooSkewed: correct the clock, retry */
	AWS_RETRY_NOT_RETRYABLE, /* client error or fatal transport failure */
	AWS_RETRY_REASON_MAX
};

extern const char *const aws_retry_reason_names[AWS_RETRY_REASON_MAX];

struct aws_retry_decision {
	int retry; /* 1: wait delay_ms and try again */
	unsigned long delay_ms;
	enum aws_retry_reason reason; /* why the outcome was (not) retryable */
	int budget_exhausted;	      /* retryable, but attempts or time ran out */
};

/* NULL policy means AWS_RETRY_POLICY_DEFAULT. */
void aws_retry_decide(const struct aws_retry_policy *policy, const struct aws_retry_input *in,
		      struct aws_retry_decision *out);
/* Class of an AWS error code: AWS_RETRY_THROTTLED, AWS_RETRY_TRANSIENT,
 * AWS_RETRY_CLOCK_SKEW, or AWS_RETRY_NOT_RETRYABLE. */
enum aws_retry_reason aws_retry_classify_code(const char *code);
/* Backoff before attempt+1 without Retry-After: random * min(cap, base*2^(attempt-1)). */
unsigned long aws_retry_backoff_ms(const struct aws_retry_policy *policy, unsigned attempt,
				   double random);
/* Retry-After (delta seconds or an HTTP-date) as milliseconds from now;
 * -1 when absent or unparseable. A date in the past is 0. */
long aws_retry_after_ms(const char *value, time_t now);
/*
 * Server time minus local time, in seconds, from a response's Date header
 * (HTTP-date). The caller signs later requests with now + skew. 0/-1.
 */
int aws_clock_skew_from_date(const char *date_hdr, time_t now, long *skew_seconds);

#endif
