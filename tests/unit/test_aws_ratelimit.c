/* The adaptive rate limiter (ratelimit.h), driven by a simulated clock and
 * a simulated service that throttles beyond a fixed rate, and the retry
 * policy's "throttling is a wait" budget. */
#include "harness.h"

#include <string.h>

#include "aws/ratelimit.h"
#include "aws/retry.h"

static double s_abs(double x)
{
	return x < 0 ? -x : x;
}

TEST(aws_rate_out_of_the_way_until_throttled)
{
	struct aws_rate r;
	int i;

	aws_rate_init(&r, 100.0);
	/* any number of successes at any speed: never a wait */
	for (i = 0; i < 1000; i++) {
		CHECK_INT(aws_rate_acquire(&r, 100.0 + i * 0.001), 0);
		aws_rate_update(&r, 100.0 + i * 0.001, 0);
	}
	CHECK_INT(r.enabled, 0);
}

TEST(aws_rate_throttle_slows_then_recovers)
{
	struct aws_rate r;
	double t = 0, first;
	int i;

	aws_rate_init(&r, t);
	/* 20 requests per second for two seconds, then a throttle */
	for (i = 0; i < 40; i++, t += 0.05)
		aws_rate_update(&r, t, 0);
	aws_rate_update(&r, t, 1);
	CHECK_INT(r.enabled, 1);
	/* the allowed rate drops below what was sent (times 0.7) */
	CHECK(r.fill_rate < r.w_max);
	CHECK(s_abs(r.fill_rate - r.w_max * AWS_RATE_BETA) < 1e-9);
	first = r.fill_rate;
	/* no burst saved up right after a throttle: the next send waits */
	CHECK(aws_rate_acquire(&r, t) > 0);
	/* each further throttle lowers it again, never below the floor */
	for (i = 0; i < 50; i++)
		aws_rate_update(&r, t + 0.01 * i, 1);
	CHECK(r.fill_rate < first);
	CHECK(r.fill_rate >= AWS_RATE_MIN);
	CHECK(s_abs(r.fill_rate - AWS_RATE_MIN) < 1e-9);
}

/* The cubic curve is back at the throttled rate k seconds after the
 * throttle, k = cbrt(w_max * (1 - beta) / scale). */
TEST(aws_rate_cubic_zero_point)
{
	struct aws_rate r;
	double t = 0;
	int i;

	aws_rate_init(&r, t);
	for (i = 0; i < 200; i++, t += 0.01) /* 100 requests per second */
		aws_rate_update(&r, t, 0);
	aws_rate_update(&r, t, 1);
	/* w_max * 0.3 / 0.4 = k^3 */
	CHECK(s_abs(r.k * r.k * r.k - r.w_max * (1 - AWS_RATE_BETA) / AWS_RATE_SCALE) < 1e-6);
	CHECK(r.k > 0);
}

TEST(aws_rate_acquire_spaces_requests)
{
	struct aws_rate r;
	unsigned long w1, w2, w3;

	aws_rate_init(&r, 0);
	r.enabled = 1;
	r.fill_rate = 2; /* one token per 500 ms */
	r.capacity = 2;
	r.tokens = 0;
	r.last_fill = 0;
	/* reservations queue: 500, 1000, 1500 ms from now */
	w1 = aws_rate_acquire(&r, 0);
	w2 = aws_rate_acquire(&r, 0);
	w3 = aws_rate_acquire(&r, 0);
	CHECK_INT(w1, 500);
	CHECK_INT(w2, 1000);
	CHECK_INT(w3, 1500);
	/* after 10 s idle the burst is the capacity, no more */
	CHECK_INT(aws_rate_acquire(&r, 10), 0);
	CHECK_INT(aws_rate_acquire(&r, 10), 0);
	CHECK(aws_rate_acquire(&r, 10) > 0);
}

/*
 * A closed loop: one client sending as fast as the limiter lets it to a
 * service that allows 5 requests per second (a token bucket of its own,
 * burst 5). Over a simulated minute the client's throttled share is small
 * and its useful rate close to the service's limit: the limiter found it.
 */
TEST(aws_rate_converges_on_a_service_limit)
{
	struct aws_rate r;
	double t = 0, srv_tokens = 5, srv_last = 0;
	unsigned long ok = 0, throttled = 0, late_ok = 0, late_throttled = 0;

	aws_rate_init(&r, t);
	while (t < 60) {
		int thr;

		t += (double)aws_rate_acquire(&r, t) / 1000.0;
		t += 0.02; /* the request's round trip */
		srv_tokens += (t - srv_last) * 5;
		if (srv_tokens > 5)
			srv_tokens = 5;
		srv_last = t;
		thr = srv_tokens < 1;
		if (!thr)
			srv_tokens -= 1;
		aws_rate_update(&r, t, thr);
		if (thr)
			throttled++;
		else
			ok++;
		if (t > 20) {
			if (thr)
				late_throttled++;
			else
				late_ok++;
		}
	}
	/* without a limiter it would send ~50/s and be throttled 90 % */
	CHECK(late_throttled * 5 < late_ok);
	/* and it still uses most of the 5/s it is given */
	CHECK(late_ok > 40 * 3);
	CHECK(ok + throttled > 0);
}

static struct aws_retry_decision s_decide(const struct aws_retry_policy *p, unsigned attempt,
					  const char *code, unsigned long elapsed, int has_deadline,
					  unsigned long left)
{
	struct aws_retry_input in;
	struct aws_retry_decision d;

	memset(&in, 0, sizeof(in));
	in.attempt = attempt;
	in.outcome = AWS_OUTCOME_RESPONSE;
	in.http_status = 400;
	in.error_code = code;
	in.elapsed_ms = elapsed;
	in.random = 0.5;
	in.has_deadline = has_deadline;
	in.time_left_ms = left;
	aws_retry_decide(p, &in, &d);
	return d;
}

TEST(aws_retry_throttling_is_a_wait_bounded_by_time)
{
	const struct aws_retry_policy def = AWS_RETRY_POLICY_DEFAULT;
	const struct aws_retry_policy quick = {4, 50, 500, 1500, 500, 0};
	struct aws_retry_decision d;

	/* far past the attempt count: still retried while time remains */
	d = s_decide(&def, 40, "Throttling", 1000, 0, 0);
	CHECK_INT(d.retry, 1);
	CHECK(d.delay_ms <= 20000);
	d = s_decide(&def, 40, "PriorRequestNotComplete", 1000, 0, 0);
	CHECK_INT(d.retry, 1);
	/* an invocation with 10 minutes left waits beyond the 60 s default */
	d = s_decide(&def, 40, "Throttling", 120000, 1, 600000);
	CHECK_INT(d.retry, 1);
	/* but not past its deadline: the job saves and resumes instead */
	d = s_decide(&def, 40, "Throttling", 120000, 1, 3000);
	CHECK_INT(d.retry, 0);
	CHECK_INT(d.budget_exhausted, 1);
	/* without a deadline, max_total_ms bounds it */
	d = s_decide(&def, 40, "Throttling", 59000, 0, 0);
	CHECK_INT(d.retry, 0);
	/* a server error keeps its attempt count */
	d = s_decide(&def, 8, "InternalError", 0, 1, 600000);
	CHECK_INT(d.retry, 0);
	/* a deadline shorter than max_total_ms bounds every retry */
	d = s_decide(&def, 2, "Throttling", 0, 1, 10);
	CHECK_INT(d.retry, 0);
	/* a caller's tight policy keeps its count and budget */
	d = s_decide(&quick, 4, "Throttling", 0, 1, 600000);
	CHECK_INT(d.retry, 0);
	d = s_decide(&quick, 2, "Throttling", 1480, 1, 600000);
	CHECK_INT(d.retry, 0);
}
