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
#include "json/json.h"
#include "store/keys.h"
#include "util/mem.h"

static time_t s_time(const cJSON *o, const char *k)
{
	const char *s = json_str(o, k);
	time_t t = 0;

	return s && acme_rfc3339_parse(s, &t) == 0 ? t : 0;
}

int renew_due(const cJSON *e, time_t now, char *why, size_t len)
{
	time_t after = s_time(e, "renew_after"), not_after = s_time(e, "not_after");
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

int renew_ari_moved(struct agent *a, const char *name, const cJSON *meta, time_t now)
{
	char *text = NULL;
	size_t len = 0;
	cJSON *st = NULL;
	const cJSON *e;
	time_t start;
	int moved = 0;

	if (agent_store_get(a, STORE_KEY_ARI, &text, &len, NULL) != 0 ||
	    !(st = json_parse(text, len, NULL)))
		goto out;
	e = json_obj(st, name);
	start = s_time(e, "start");
	moved = e && json_str(e, "serial") && json_str(meta, "serial") &&
		strcmp(json_str(e, "serial"), json_str(meta, "serial")) == 0 && start > 0 &&
		start <= now;
out:
	cJSON_Delete(st);
	free(text);
	return moved;
}
