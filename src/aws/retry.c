#define _DEFAULT_SOURCE
#include "aws/retry.h"

#include <stdlib.h>
#include <string.h>

#include "aws/awstime.h"

const char *const aws_retry_reason_names[AWS_RETRY_REASON_MAX] = {
    "no error",	       "transport failure", "server error",  "throttled",
    "transient error", "clock skew",	    "not retryable",
};

/* The SDKs' throttling codes (botocore's standard retry mode). */
static const char *const s_throttling[] = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "RequestThrottled",
    "SlowDown",
    "EC2ThrottledException",
};

static const char *const s_transient[] = {
    "RequestTimeout",
    "RequestTimeoutException",
    "PriorRequestNotComplete",
    /* STS AssumeRoleWithWebIdentity could not reach the identity provider
     * (botocore retries it for STS) */
    "IDPCommunicationError",
};

static int s_in(const char *code, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(code, list[i]) == 0)
			return 1;
	return 0;
}

enum aws_retry_reason aws_retry_classify_code(const char *code)
{
	if (code == NULL)
		return AWS_RETRY_NOT_RETRYABLE;
	if (s_in(code, s_throttling, sizeof(s_throttling) / sizeof(s_throttling[0])))
		return AWS_RETRY_THROTTLED;
	if (s_in(code, s_transient, sizeof(s_transient) / sizeof(s_transient[0])))
		return AWS_RETRY_TRANSIENT;
	if (strcmp(code, "RequestTimeTooSkewed") == 0)
		return AWS_RETRY_CLOCK_SKEW;
	return AWS_RETRY_NOT_RETRYABLE;
}

unsigned long aws_retry_backoff_ms(const struct aws_retry_policy *policy, unsigned attempt,
				   double random)
{
	const struct aws_retry_policy def = AWS_RETRY_POLICY_DEFAULT;
	unsigned long ceiling;
	unsigned i;

	if (policy == NULL)
		policy = &def;
	ceiling = policy->base_ms;
	for (i = 1; i < attempt && ceiling < policy->cap_ms; i++)
		ceiling *= 2;
	if (ceiling > policy->cap_ms)
		ceiling = policy->cap_ms;
	if (!(random >= 0.0))
		random = 0.0;
	if (random >= 1.0)
		random = 0.999999;
	return (unsigned long)(random * (double)ceiling);
}

long aws_retry_after_ms(const char *value, time_t now)
{
	const char *p = value;
	unsigned long secs = 0;
	time_t when;

	if (value == NULL)
		return -1;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p >= '0' && *p <= '9') {
		for (; *p >= '0' && *p <= '9'; p++) {
			secs = secs * 10 + (unsigned long)(*p - '0');
			if (secs > 86400)
				secs = 86400; /* a day is as good as forever here */
		}
		while (*p == ' ' || *p == '\t')
			p++;
		return *p == '\0' ? (long)secs * 1000 : -1;
	}
	if (aws_time_parse_http_date(value, &when) != 0)
		return -1;
	if (when <= now)
		return 0;
	return when - now > 86400 ? 86400L * 1000 : (long)(when - now) * 1000;
}

/* What kind of failure the outcome is, before any budget is considered. */
static enum aws_retry_reason s_classify(const struct aws_retry_input *in)
{
	enum aws_retry_reason r;

	if (in->outcome == AWS_OUTCOME_TRANSPORT_TRANSIENT)
		return AWS_RETRY_TRANSPORT;
	if (in->outcome != AWS_OUTCOME_RESPONSE)
		return AWS_RETRY_NOT_RETRYABLE;
	if (in->http_status >= 200 && in->http_status < 400)
		return AWS_RETRY_NO_ERROR;
	/* the code decides first: Route53 throttles with 400, S3 with 503 */
	r = aws_retry_classify_code(in->error_code);
	if (r != AWS_RETRY_NOT_RETRYABLE)
		return r;
	if (in->http_status == 429)
		return AWS_RETRY_THROTTLED;
	if (in->http_status >= 500 && in->http_status <= 599 && in->http_status != 501)
		return AWS_RETRY_SERVER;
	return AWS_RETRY_NOT_RETRYABLE;
}

void aws_retry_decide(const struct aws_retry_policy *policy, const struct aws_retry_input *in,
		      struct aws_retry_decision *out)
{
	const struct aws_retry_policy def = AWS_RETRY_POLICY_DEFAULT;
	unsigned long delay, budget;
	long after;
	int patient;

	if (policy == NULL)
		policy = &def;
	memset(out, 0, sizeof(*out));
	out->reason = s_classify(in);
	if (out->reason == AWS_RETRY_NO_ERROR || out->reason == AWS_RETRY_NOT_RETRYABLE)
		return;
	/* a throttled service asks us to wait: time, not a count, bounds it */
	patient = policy->patient_throttling &&
		  (out->reason == AWS_RETRY_THROTTLED || out->reason == AWS_RETRY_TRANSIENT);
	if (!patient && in->attempt >= policy->max_attempts) {
		out->budget_exhausted = 1;
		return;
	}
	/* a corrected clock needs no wait */
	delay = out->reason == AWS_RETRY_CLOCK_SKEW
		    ? 0
		    : aws_retry_backoff_ms(policy, in->attempt, in->random);
	after = aws_retry_after_ms(in->retry_after, in->now);
	if (after >= 0) {
		unsigned long a = (unsigned long)after;

		if (a > policy->retry_after_cap_ms)
			a = policy->retry_after_cap_ms;
		if (a > delay)
			delay = a;
	}
	budget = in->elapsed_ms >= policy->max_total_ms ? 0 : policy->max_total_ms - in->elapsed_ms;
	if (in->has_deadline && (patient || in->time_left_ms < budget))
		budget = in->time_left_ms;
	if (budget == 0 || delay > budget) {
		out->budget_exhausted = 1;
		return;
	}
	out->retry = 1;
	out->delay_ms = delay;
}

int aws_clock_skew_from_date(const char *date_hdr, time_t now, long *skew_seconds)
{
	time_t server;

	if (aws_time_parse_http_date(date_hdr, &server) != 0)
		return -1;
	*skew_seconds = (long)(server - now);
	return 0;
}
