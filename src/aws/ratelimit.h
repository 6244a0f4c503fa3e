/*
 * Client-side rate limiting per AWS service, after the AWS SDKs' "adaptive"
 * retry mode: a token bucket that stays out of the way until the service
 * first answers with throttling, then sends no faster than a rate that
 * drops (times 0.7) on every throttling answer and climbs back along a
 * cubic curve (the TCP CUBIC shape: fast while far below the rate that was
 * throttled, slow near it, probing above it later) on every success.
 *
 * Pure: time comes in as seconds on a monotonic clock, so the tests drive
 * it deterministically. One struct per service and process (client.c);
 * Lambda sandboxes are separate processes, so each executor limits itself
 * and the fleet-wide rate is bounded by making fewer calls.
 *
 * A reservation bucket: aws_rate_acquire takes one token now, letting the
 * balance go negative, and says how long to wait before sending, so a
 * caller never spins. The wait is bounded by 1 / AWS_RATE_MIN per queued
 * request (one process sends one request at a time).
 */
#ifndef AAA_AWS_RATELIMIT_H
#define AAA_AWS_RATELIMIT_H

/* Lowest send rate the bucket ever falls to, requests per second. */
#define AWS_RATE_MIN 0.5
/* Multiplicative decrease on a throttling answer. */
#define AWS_RATE_BETA 0.7
/* Cubic growth constant (requests per second per second cubed). */
#define AWS_RATE_SCALE 0.4
/* The limit never runs ahead of twice the rate actually measured. */
#define AWS_RATE_MEASURED_CAP 2.0
/* The measured send rate is smoothed over half-second buckets. */
#define AWS_RATE_SMOOTHING  0.8
#define AWS_RATE_BUCKET_SEC 0.5

struct aws_rate {
	int enabled;	      /* 0 until the first throttling answer */
	double fill_rate;     /* tokens per second once enabled */
	double capacity;      /* at most this many tokens saved up (burst) */
	double tokens;	      /* may go negative: reservations not yet due */
	double last_fill;     /* when tokens was last brought up to date */
	double measured;      /* smoothed requests per second sent */
	double last_bucket;   /* start of the half-second bucket being counted */
	unsigned long count;  /* responses in that bucket */
	double w_max;	      /* the rate at the last throttling answer */
	double k;	      /* seconds after it the cubic curve reaches w_max */
	double last_throttle; /* when the last throttling answer came */
};

/* A bucket that never waits until the first throttling answer. */
void aws_rate_init(struct aws_rate *r, double now);
/* Takes one token; returns the milliseconds to wait before sending (0
 * while the bucket is not enabled or a token is there). */
unsigned long aws_rate_acquire(struct aws_rate *r, double now);
/* Every answer (and transport failure) feeds the limiter: throttled 1 for
 * a throttling answer, 0 otherwise. */
void aws_rate_update(struct aws_rate *r, double now, int throttled);

#endif
