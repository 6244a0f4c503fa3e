/* The retry policy: which outcomes are retried, the full-jitter backoff
 * and its bounds, Retry-After, and the clock skew from a Date header. */
#include "harness.h"

#include <string.h>

#include "aws/retry.h"

static struct aws_retry_decision decide(unsigned attempt, enum aws_outcome o, long status,
					const char *code, const char *retry_after,
					unsigned long elapsed, double rnd)
{
	struct aws_retry_input in;
	struct aws_retry_decision d;

	memset(&in, 0, sizeof(in));
	in.attempt = attempt;
	in.outcome = o;
	in.http_status = status;
	in.error_code = code;
	in.retry_after = retry_after;
	in.now = 784111777;
	in.elapsed_ms = elapsed;
	in.random = rnd;
	aws_retry_decide(NULL, &in, &d);
	return d;
}

TEST(aws_retry_what_is_retried)
{
	struct {
		enum aws_outcome o;
		long status;
		const char *code;
		int retry;
		enum aws_retry_reason reason;
	} v[] = {
	    {AWS_OUTCOME_TRANSPORT_TRANSIENT, 0, NULL, 1, AWS_RETRY_TRANSPORT},
	    {AWS_OUTCOME_TRANSPORT_FATAL, 0, NULL, 0, AWS_RETRY_NOT_RETRYABLE},
	    {AWS_OUTCOME_RESPONSE, 200, NULL, 0, AWS_RETRY_NO_ERROR},
	    {AWS_OUTCOME_RESPONSE, 304, NULL, 0, AWS_RETRY_NO_ERROR},
	    {AWS_OUTCOME_RESPONSE, 500, "InternalError", 1, AWS_RETRY_SERVER},
	    {AWS_OUTCOME_RESPONSE, 502, NULL, 1, AWS_RETRY_SERVER},
	    {AWS_OUTCOME_RESPONSE, 503, "ServiceUnavailable", 1, AWS_RETRY_SERVER},
	    {AWS_OUTCOME_RESPONSE, 504, NULL, 1, AWS_RETRY_SERVER},
	    {AWS_OUTCOME_RESPONSE, 501, "NotImplemented", 0, AWS_RETRY_NOT_RETRYABLE},
	    {AWS_OUTCOME_RESPONSE, 429, NULL, 1, AWS_RETRY_THROTTLED},
	    {AWS_OUTCOME_RESPONSE, 503, "SlowDown", 1, AWS_RETRY_THROTTLED},
	    {AWS_OUTCOME_RESPONSE, 400, "Throttling", 1, AWS_RETRY_THROTTLED},
	    {AWS_OUTCOME_RESPONSE, 400, "ThrottlingException", 1, AWS_RETRY_THROTTLED},
	    {AWS_OUTCOME_RESPONSE, 400, "ThrottledException", 1, AWS_RETRY_THROTTLED},
	    {AWS_OUTCOME_RESPONSE, 400, "RequestLimitExceeded", 1, AWS_RETRY_THROTTLED},
	    {AWS_OUTCOME_RESPONSE, 429, "TooManyRequestsException", 1, AWS_RETRY_THROTTLED},
	    {AWS_OUTCOME_RESPONSE, 400, "PriorRequestNotComplete", 1, AWS_RETRY_TRANSIENT},
	    {AWS_OUTCOME_RESPONSE, 400, "RequestTimeout", 1, AWS_RETRY_TRANSIENT},
	    {AWS_OUTCOME_RESPONSE, 400, "IDPCommunicationError", 1, AWS_RETRY_TRANSIENT},
	    {AWS_OUTCOME_RESPONSE, 403, "RequestTimeTooSkewed", 1, AWS_RETRY_CLOCK_SKEW},
	    {AWS_OUTCOME_RESPONSE, 400, "ValidationException", 0, AWS_RETRY_NOT_RETRYABLE},
	    {AWS_OUTCOME_RESPONSE, 403, "AccessDenied", 0, AWS_RETRY_NOT_RETRYABLE},
	    {AWS_OUTCOME_RESPONSE, 404, "NoSuchKey", 0, AWS_RETRY_NOT_RETRYABLE},
	    {AWS_OUTCOME_RESPONSE, 409, "Conflict", 0, AWS_RETRY_NOT_RETRYABLE},
	    {AWS_OUTCOME_RESPONSE, 412, "PreconditionFailed", 0, AWS_RETRY_NOT_RETRYABLE},
	    {AWS_OUTCOME_RESPONSE, 400, "throttling", 0, AWS_RETRY_NOT_RETRYABLE}, /* exact */
	};
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct aws_retry_decision d =
		    decide(1, v[i].o, v[i].status, v[i].code, NULL, 0, 0.5);

		if (d.retry != v[i].retry || d.reason != v[i].reason)
			harness_fail(__FILE__, __LINE__, "case %zu (%ld %s): retry %d reason %s", i,
				     v[i].status, v[i].code ? v[i].code : "-", d.retry,
				     aws_retry_reason_names[d.reason]);
	}
}

TEST(aws_retry_full_jitter_backoff)
{
	const struct aws_retry_policy p = AWS_RETRY_POLICY_DEFAULT;

	/* ceiling doubles from 100 ms and stops at 20 s */
	CHECK_INT(aws_retry_backoff_ms(&p, 1, 0.999999), 99);
	CHECK_INT(aws_retry_backoff_ms(&p, 2, 0.5), 100);
	CHECK_INT(aws_retry_backoff_ms(&p, 3, 0.5), 200);
	CHECK_INT(aws_retry_backoff_ms(&p, 8, 0.5), 6400);
	CHECK_INT(aws_retry_backoff_ms(&p, 9, 0.5), 10000);
	CHECK_INT(aws_retry_backoff_ms(&p, 10, 0.5), 10000);
	CHECK_INT(aws_retry_backoff_ms(&p, 1000, 0.5), 10000);
	/* full jitter: anywhere from 0 */
	CHECK_INT(aws_retry_backoff_ms(&p, 5, 0.0), 0);
	/* out-of-range randomness is clamped, never above the ceiling */
	CHECK_INT(aws_retry_backoff_ms(&p, 1, 7.0), 99);
	CHECK_INT(aws_retry_backoff_ms(&p, 1, -1.0), 0);
	CHECK_INT(decide(3, AWS_OUTCOME_RESPONSE, 503, NULL, NULL, 0, 0.25).delay_ms, 100);
}

TEST(aws_retry_bounds)
{
	struct aws_retry_decision d;

	/* 8 attempts in all: after the 8th, no more */
	d = decide(7, AWS_OUTCOME_RESPONSE, 503, NULL, NULL, 0, 0.5);
	CHECK_INT(d.retry, 1);
	d = decide(8, AWS_OUTCOME_RESPONSE, 503, NULL, NULL, 0, 0.5);
	CHECK_INT(d.retry, 0);
	CHECK_INT(d.budget_exhausted, 1);
	CHECK_INT(d.reason, AWS_RETRY_SERVER);
	/* no retry that would end after 60 s in all */
	d = decide(2, AWS_OUTCOME_RESPONSE, 503, NULL, NULL, 59950, 0.9);
	CHECK_INT(d.retry, 0);
	CHECK_INT(d.budget_exhausted, 1);
	d = decide(2, AWS_OUTCOME_RESPONSE, 503, NULL, NULL, 59950, 0.1);
	CHECK_INT(d.retry, 1);
	CHECK_INT(d.delay_ms, 20);
	d = decide(2, AWS_OUTCOME_RESPONSE, 503, NULL, NULL, 70000, 0.0);
	CHECK_INT(d.retry, 0);
	/* a client error is not "exhausted": it was never retryable */
	d = decide(1, AWS_OUTCOME_RESPONSE, 403, "AccessDenied", NULL, 0, 0.5);
	CHECK_INT(d.budget_exhausted, 0);
}

TEST(aws_retry_after)
{
	struct aws_retry_decision d;

	CHECK_INT(aws_retry_after_ms("3", 0), 3000);
	CHECK_INT(aws_retry_after_ms(" 0 ", 0), 0);
	CHECK_INT(aws_retry_after_ms("3x", 0), -1);
	CHECK_INT(aws_retry_after_ms("-3", 0), -1);
	CHECK_INT(aws_retry_after_ms(NULL, 0), -1);
	CHECK_INT(aws_retry_after_ms("99999999999999999999", 0), 86400L * 1000);
	CHECK_INT(aws_retry_after_ms("Sun, 06 Nov 1994 08:49:47 GMT", 784111777), 10000);
	CHECK_INT(aws_retry_after_ms("Sun, 06 Nov 1994 08:49:00 GMT", 784111777), 0);
	/* honoured as a floor on the jittered delay... */
	d = decide(1, AWS_OUTCOME_RESPONSE, 429, NULL, "5", 0, 0.5);
	CHECK_INT(d.retry, 1);
	CHECK_INT(d.delay_ms, 5000);
	d = decide(1, AWS_OUTCOME_RESPONSE, 503, NULL, "Sun, 06 Nov 1994 08:49:39 GMT", 0, 0.5);
	CHECK_INT(d.delay_ms, 2000);
	/* ...capped at 20 s */
	d = decide(1, AWS_OUTCOME_RESPONSE, 503, "SlowDown", "3600", 0, 0.5);
	CHECK_INT(d.delay_ms, 20000);
	/* and never makes a client error retryable */
	d = decide(1, AWS_OUTCOME_RESPONSE, 400, "InvalidInput", "1", 0, 0.5);
	CHECK_INT(d.retry, 0);
	/* garbage is ignored, the backoff stands */
	d = decide(1, AWS_OUTCOME_RESPONSE, 503, NULL, "soon", 0, 0.5);
	CHECK_INT(d.delay_ms, 50);
}

TEST(aws_retry_clock_skew)
{
	long skew = 0;
	struct aws_retry_decision d;

	CHECK_INT(aws_clock_skew_from_date("Sun, 06 Nov 1994 08:59:37 GMT", 784111777, &skew), 0);
	CHECK_INT(skew, 600);
	CHECK_INT(aws_clock_skew_from_date("Sun, 06 Nov 1994 08:39:37 GMT", 784111777, &skew), 0);
	CHECK_INT(skew, -600);
	CHECK_INT(aws_clock_skew_from_date("yesterday", 784111777, &skew), -1);
	CHECK_INT(aws_clock_skew_from_date(NULL, 784111777, &skew), -1);
	/* after correcting the clock, retry at once */
	d = decide(1, AWS_OUTCOME_RESPONSE, 403, "RequestTimeTooSkewed", NULL, 0, 0.9);
	CHECK_INT(d.retry, 1);
	CHECK_INT(d.delay_ms, 0);
}
