/*
 * The adaptive rate limiter: see ratelimit.h. Three parts, each a few
 * lines: the token bucket (refill, acquire), the measured send rate (a
 * smoothed count per half-second bucket), and the cubic rate adjustment
 * (decrease on throttling, cubic growth back after it).
 */
#include "aws/ratelimit.h"

#include <string.h>

/*
 * floor, ceil and a cube root without libm (the shipped build links no
 * libm): times here are seconds since boot, far inside a long long, and
 * the cube root is of a small positive rate, where Newton's method
 * converges in a few steps.
 */
static double s_floor(double x)
{
	double t = (double)(long long)x;

	return t > x ? t - 1 : t;
}

static double s_ceil(double x)
{
	double t = (double)(long long)x;

	return t < x ? t + 1 : t;
}

static double s_cbrt(double x)
{
	double y = x > 1 ? x / 3 : 1;
	int i;

	if (x <= 0)
		return 0;
	for (i = 0; i < 100; i++) {
		double next = y - (y * y * y - x) / (3 * y * y);

		if (next == y)
			break;
		y = next;
	}
	return y;
}

void aws_rate_init(struct aws_rate *r, double now)
{
	memset(r, 0, sizeof(*r));
	r->fill_rate = AWS_RATE_MIN;
	r->capacity = 1;
	r->last_fill = now;
	r->last_bucket = s_floor(now / AWS_RATE_BUCKET_SEC) * AWS_RATE_BUCKET_SEC;
	r->last_throttle = now;
}

static void s_refill(struct aws_rate *r, double now)
{
	if (now > r->last_fill) {
		r->tokens += (now - r->last_fill) * r->fill_rate;
		if (r->tokens > r->capacity)
			r->tokens = r->capacity;
	}
	r->last_fill = now;
}

unsigned long aws_rate_acquire(struct aws_rate *r, double now)
{
	double wait;

	if (!r->enabled)
		return 0;
	s_refill(r, now);
	r->tokens -= 1;
	if (r->tokens >= 0)
		return 0;
	wait = -r->tokens / r->fill_rate;
	return (unsigned long)s_ceil(wait * 1000.0);
}

/* The smoothed send rate, counted per half-second bucket. */
static double s_measure(struct aws_rate *r, double now)
{
	double bucket = s_floor(now / AWS_RATE_BUCKET_SEC) * AWS_RATE_BUCKET_SEC;

	r->count++;
	if (bucket > r->last_bucket) {
		double rate = (double)r->count / (bucket - r->last_bucket);

		r->measured = rate * AWS_RATE_SMOOTHING + r->measured * (1 - AWS_RATE_SMOOTHING);
		r->count = 0;
		r->last_bucket = bucket;
	}
	return r->measured;
}

/* Seconds after a throttle at which the cubic curve is back at w_max. */
static double s_zero_point(double w_max)
{
	return s_cbrt(w_max * (1 - AWS_RATE_BETA) / AWS_RATE_SCALE);
}

static void s_set_rate(struct aws_rate *r, double now, double rate)
{
	s_refill(r, now);
	if (rate < AWS_RATE_MIN)
		rate = AWS_RATE_MIN;
	r->fill_rate = rate;
	/* a burst of about one second's worth, never less than one request */
	r->capacity = rate < 1 ? 1 : rate;
	if (r->tokens > r->capacity)
		r->tokens = r->capacity;
}

void aws_rate_update(struct aws_rate *r, double now, int throttled)
{
	double measured = s_measure(r, now), rate;

	if (throttled) {
		/* the rate that got throttled: what we sent, or the limit we
		 * were already holding to when that is lower */
		double at = r->enabled && r->fill_rate < measured ? r->fill_rate : measured;

		if (!r->enabled) {
			/* the first throttle: start with no saved-up burst */
			r->enabled = 1;
			r->tokens = 0;
			r->last_fill = now;
		}
		r->w_max = at;
		r->k = s_zero_point(at);
		r->last_throttle = now;
		rate = at * AWS_RATE_BETA;
	} else {
		double dt = now - r->last_throttle - r->k;

		if (!r->enabled)
			return;
		rate = AWS_RATE_SCALE * dt * dt * dt + r->w_max;
	}
	if (rate > AWS_RATE_MEASURED_CAP * measured)
		rate = AWS_RATE_MEASURED_CAP * measured;
	s_set_rate(r, now, rate);
}
