/*
 * The scheduler: one read of index.json, a decision per certificate, one
 * asynchronous executor invocation per certificate that is due. It holds no
 * key and writes nothing (its IAM policy says so), and the cost of a pass
 * is one S3 request however many certificates there are.
 *
 * It also emits two CloudWatch metrics through the embedded metric format
 * (a JSON line on stdout that CloudWatch Logs turns into metrics; no
 * permission needed): DaysToExpiryMin and RenewalFailures, which the
 * template's alarms watch.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acme/ari.h"
#include "agent/agent.h"
#include "agent/handlers.h"
#include "json/json.h"
#include "log/log.h"
#include "store/keys.h"
#include "util/mem.h"

static time_t s_time(const cJSON *o, const char *k)
{
	const char *s = json_str(o, k);
	time_t t = 0;

	return s && acme_rfc3339_parse(s, &t) == 0 ? t : 0;
}

/* Due when its renewal time has come (ARI window, a third of the lifetime or
 * the configured days, backoff after failures: all folded into renew_after
 * when it was stored), or when it was revoked for a reason that calls for a
 * replacement. */
static int s_due(const cJSON *e, time_t now)
{
	time_t after = s_time(e, "renew_after"), not_after = s_time(e, "not_after");

	if (json_bool(e, "revoked", 0))
		return 1;
	if (after > 0)
		return after <= now;
	return not_after > 0 && not_after - now < 30 * 86400;
}

static void s_emit_metrics(long days_min, long failures)
{
	cJSON *o = cJSON_CreateObject(), *aws, *cwm, *m, *metrics, *dims;
	char *line;

	if (!o)
		return;
	aws = cJSON_AddObjectToObject(o, "_aws");
	cJSON_AddNumberToObject(aws, "Timestamp", (double)time(NULL) * 1000.0);
	cwm = cJSON_AddArrayToObject(aws, "CloudWatchMetrics");
	m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "Namespace", "aaa");
	dims = cJSON_AddArrayToObject(m, "Dimensions");
	cJSON_AddItemToArray(dims, cJSON_CreateArray());
	metrics = cJSON_AddArrayToObject(m, "Metrics");
	cJSON_AddItemToArray(metrics, cJSON_CreateObject());
	cJSON_AddStringToObject(cJSON_GetArrayItem(metrics, 0), "Name", "DaysToExpiryMin");
	cJSON_AddStringToObject(cJSON_GetArrayItem(metrics, 0), "Unit", "Count");
	cJSON_AddItemToArray(metrics, cJSON_CreateObject());
	cJSON_AddStringToObject(cJSON_GetArrayItem(metrics, 1), "Name", "RenewalFailures");
	cJSON_AddStringToObject(cJSON_GetArrayItem(metrics, 1), "Unit", "Count");
	cJSON_AddItemToArray(cwm, m);
	cJSON_AddNumberToObject(o, "DaysToExpiryMin", (double)days_min);
	cJSON_AddNumberToObject(o, "RenewalFailures", (double)failures);
	if ((line = json_print(o))) {
		printf("%s\n", line);
		fflush(stdout);
	}
	free(line);
	cJSON_Delete(o);
}

static int s_invoke(const char *fn, const char *action, const char *name)
{
	cJSON *p = cJSON_CreateObject();
	char *err = NULL;
	int rc = -1;

	if (!p)
		goto out;
	cJSON_AddStringToObject(p, "action", action);
	cJSON_AddStringToObject(p, "name", name);
	if (agent_invoke_async(fn, p, 0, &err) != 0) {
		log_error("scheduler: %s %s: %s", action, name, err);
		goto out;
	}
	rc = 0;
out:
	cJSON_Delete(p);
	free(err);
	return rc;
}

int agent_scheduler(const cJSON *event, const struct runtime_ctx *ctx, char **response_json,
		    struct rt_error *err)
{
	struct agent *a = NULL;
	char *text = NULL;
	size_t len = 0;
	cJSON *idx = NULL, *out = NULL, *due, *failed, *redeploy;
	const cJSON *it;
	const char *fn = getenv("AAA_EXECUTOR_FUNCTION");
	time_t now = time(NULL);
	long days_min = -1, failures = 0, checked = 0;
	int r, rc = -1;

	(void)event;
	if (!fn || !*fn) {
		rt_error_set(err, "Configuration",
			     "AAA_EXECUTOR_FUNCTION is not set: the scheduler needs the executor's "
			     "function name to hand renewals to");
		goto out;
	}
	if (!(a = agent_open_env(ctx, err)))
		goto out;
	r = agent_store_get(a, STORE_KEY_INDEX, &text, &len, NULL);
	if (r < 0) {
		rt_error_set(
		    err, "StoreError",
		    "%s (the scheduler reads only index.json, which `aaa reg` creates; "
		    "check the bucket, the key and the function's s3:GetObject/kms:Decrypt)",
		    a->error);
		goto out;
	}
	if (r == 0 && !(idx = json_parse(text, len, "index.json"))) {
		rt_error_set(err, "StoreError", "index.json in the store is damaged");
		goto out;
	}
	out = cJSON_CreateObject();
	cJSON_AddNullToObject(out, "job");
	cJSON_AddStringToObject(out, "state", "done");
	due = cJSON_AddArrayToObject(out, "renewing");
	redeploy = cJSON_AddArrayToObject(out, "redeploying");
	failed = cJSON_AddArrayToObject(out, "invoke_failed");
	cJSON_ArrayForEach(it, json_obj(idx, "certs"))
	{
		time_t na = s_time(it, "not_after");
		long days = na > 0 ? (long)((na - now) / 86400) : -1;

		checked++;
		if (days >= 0 && (days_min < 0 || days < days_min))
			days_min = days;
		if (json_int(it, "failures", 0) > 0)
			failures++;
		if (!s_due(it, now)) {
			/* The certificate is fine but a target did not take it: deploy again. */
			if (json_bool(it, "deploy_failed", 0)) {
				if (s_invoke(fn, "deploy", it->string) == 0)
					cJSON_AddItemToArray(redeploy,
							     cJSON_CreateString(it->string));
				else
					cJSON_AddItemToArray(failed,
							     cJSON_CreateString(it->string));
			}
			continue;
		}
		if (s_invoke(fn, "renew", it->string) == 0)
			cJSON_AddItemToArray(due, cJSON_CreateString(it->string));
		else
			cJSON_AddItemToArray(failed, cJSON_CreateString(it->string));
	}
	cJSON_AddNumberToObject(out, "checked", (double)checked);
	log_info("scheduler: %ld certificates, %d due, soonest expiry in %ld days", checked,
		 cJSON_GetArraySize(due), days_min);
	s_emit_metrics(days_min < 0 ? 0 : days_min, failures);
	if (!(*response_json = json_print(out)))
		goto out;
	rc = 0;
out:
	free(text);
	cJSON_Delete(idx);
	cJSON_Delete(out);
	agent_free(a);
	return rc;
}
