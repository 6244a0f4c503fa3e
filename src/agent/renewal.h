/*
 * When to renew (README.md "Scheduler"), as pure functions: the
 * scheduler and the tests pass the time and the randomness in.
 */
#ifndef AAA_AGENT_RENEWAL_H
#define AAA_AGENT_RENEWAL_H

#include <time.h>

struct renewal_input {
	time_t not_before, not_after;
	time_t ari_start, ari_end; /* 0 when the CA gave no window */
	int renew_before_days;	   /* 0: when a third of the lifetime remains */
	int revoked;		   /* renew at once */
	unsigned failures;	   /* consecutive failed renewals */
	time_t last_failure;	   /* when the last one failed */
};

/*
 * The time to renew: a point picked by random01 (0..1) inside the CA's ARI
 * window when there is one (RFC 9773 4.2); else not_after minus a third of
 * the lifetime (90, 45 and 6-day certificates alike) or minus
 * renew_before_days when that is less, with up to 2% of the lifetime of
 * jitter earlier. A
 * revoked certificate: not_before (now). After failures, never before
 * last_failure + backoff (1 h doubling, capped at 24 h, and never past the
 * point where less than a tenth of the lifetime would remain).
 */
time_t renewal_time(const struct renewal_input *in, double random01);

/* Backoff after n consecutive failures, in seconds (0 for none). */
long renewal_backoff_s(unsigned failures);

#endif
