/*
 * The renewal rule and the renewal request (renew.h), shared by the
 * scheduler, the executor's renew action and aaa renew, so a host renewing
 * from cron and the Lambda scheduler decide alike.
 */
#define _GNU_SOURCE
#include "agent/renew.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acme/ari.h"
#include "agent/certs.h"
#include "agent/renewal.h"
#include "json/json.h"
#include "store/keys.h"
#include "util/mem.h"

int renew_due(const cJSON *e, time_t now, char *why, size_t len)
{
	time_t after = agent_time_member(e, "renew_after"),
	       not_after = agent_time_member(e, "not_after");
	char when[32] = "", exp[32] = "";
	int due;

	if (after > 0)
		agent_time_format(after, when, sizeof(when));
	if (not_after > 0)
		agent_time_format(not_after, exp, sizeof(exp));
	if (json_bool(e, "revoked", 0)) {
		snprintf(why, len, "revoked: replaced at once");
		return 1;
	}
	if (after > 0) {
		due = after <= now;
		if (due && json_int(e, "failures", 0) > 0)
			snprintf(why, len, "due since %s, after %lld failed renewals (last: %s)",
				 when, json_int(e, "failures", 0),
				 json_str(e, "last_error") ? json_str(e, "last_error") : "?");
		else if (due)
			snprintf(why, len, "due since %s (expires %s)", when, exp);
		else
			snprintf(why, len, "not due until %s (expires %s)", when, exp);
		return due;
	}
	due = not_after > 0 && not_after - now < 30 * 86400;
	snprintf(why, len, "%s: expires %s and no renewal time is stored", due ? "due" : "not due",
		 not_after > 0 ? exp : "at an unknown time");
	return due;
}

int renew_request_prepare(struct agent *a, const char *name, struct renew_request *r)
{
	int rc;

	memset(r, 0, sizeof(*r));
	if ((rc = agent_meta_load(a, name, &r->meta)) != 0)
		return rc;
	if (json_str_array_view(json_arr(r->meta, "names"), &r->names, &r->req.nnames) != 0 ||
	    json_str_array_view(json_arr(r->meta, "deploy"), &r->deploy, &r->req.ndeploy) != 0) {
		agent_fail(a, "store", "",
			   "%s: meta.json has a name or target that is not a string", name);
		return -1;
	}
	if (r->req.nnames == 0) {
		r->one[0] = name;
		r->req.nnames = 1;
	}
	r->req.names = r->names ? r->names : r->one;
	r->req.deploy = r->deploy;
	r->req.key_type = json_str(r->meta, "key_type");
	/* One renewal per certificate version and attempt, however often the
	 * scheduler's fan-out is delivered or cron runs. */
	r->key = str_printf("renew:%s:%s:%lld", name, json_str(r->meta, "serial"),
			    json_int(r->meta, "failures", 0));
	if (!r->key)
		return -1;
	r->req.idempotency_key = r->key;
	return 0;
}

void renew_request_clear(struct renew_request *r)
{
	cJSON_Delete(r->meta);
	free(r->names);
	free(r->deploy);
	free(r->key);
	memset(r, 0, sizeof(*r));
}

/*
 * The renewal time (renewal.h). A window picked at random spreads the load of many
 * certificates issued at the same time, which is what ARI asks for; the
 * fallback keeps the same spirit with a little jitter.
 */

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
