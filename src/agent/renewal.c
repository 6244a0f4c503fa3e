/*
 * The renewal decision. A window picked at random spreads the load of many
 * certificates issued at the same time, which is what ARI asks for; the
 * fallback keeps the same spirit with a little jitter.
 */
#include "agent/renewal.h"

long renewal_backoff_s(unsigned failures)
{
	long s = 3600;
	unsigned i;

	if (failures == 0)
		return 0;
	for (i = 1; i < failures && s < 86400; i++)
		s *= 2;
	return s > 86400 ? 86400 : s;
}

time_t renewal_time(const struct renewal_input *in, double random01)
{
	double life = difftime(in->not_after, in->not_before);
	time_t t, latest, retry;

	if (random01 < 0)
		random01 = 0;
	if (random01 > 1)
		random01 = 1;
	if (life < 0)
		life = 0;
	if (in->revoked)
		return in->not_before;
	if (in->ari_start > 0 && in->ari_end > in->ari_start) {
		t = in->ari_start + (time_t)(difftime(in->ari_end, in->ari_start) * random01);
	} else {
		/* The configured days only when they are less than a third of the
		 * lifetime: 30 days before a 6-day certificate's expiry is before it
		 * was issued, and would renew it on every pass. */
		if (in->renew_before_days > 0 && (double)in->renew_before_days * 86400.0 < life / 3)
			t = in->not_after - (time_t)in->renew_before_days * 86400;
		else
			t = in->not_after - (time_t)(life / 3);
		t -= (time_t)(life * 0.02 * random01);
	}
	if (t < in->not_before)
		t = in->not_before;
	if (in->failures > 0) {
		retry = in->last_failure + renewal_backoff_s(in->failures);
		latest = in->not_after - (time_t)(life / 10);
		if (retry > t)
			t = retry < latest ? retry : (latest > t ? latest : t);
	}
	return t;
}
