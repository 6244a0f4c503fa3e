/*
 * The scheduler: one read of the index, a decision per certificate, one
 * asynchronous executor invocation per certificate that is due. It holds no
 * key. The index is index.json plus one small change object per completed
 * certificate under index.d/ (store/index.h); the pass reads both (one LIST,
 * a GET per change, one GET of index.json) and folds the changes: it writes
 * index.json (one conditional PUT), the deletion of the index.d/ objects it
 * folded (one DeleteObjects per 1,000), with what the CA's renewalInfo said
 * when asked again in the entries (sched_ari.c; an old fleet/ari.json is
 * folded in once and deleted), and its IAM policy allows nothing else. A
 * pass costs a handful of S3 requests however many certificates there are
 * (with one listing of fleet/ and the objects found there: sched_fleet.h),
 * plus one per certificate completed since the last pass and a renewalInfo
 * GET per certificate the CA is asked about again.
 *
 * It also emits CloudWatch metrics through the embedded metric format (a
 * JSON line on stdout that CloudWatch Logs turns into metrics; no
 * permission needed), which the template's alarms watch:
 *   RenewalFailures         certificates whose last renewal failed (always)
 *   DaysToExpiryMin         days until the soonest expiry, negative once a
 *                           certificate has expired (only with a certificate)
 *   LifetimeLeftPercentMin  the smallest share of its lifetime a certificate
 *                           has left, 0 once expired (only with a
 *                           certificate): one threshold fits 90-day and
 *                           6-day certificates alike
 * A store with nothing in it yet (no index.json: before `aaa reg`) is a pass
 * with nothing to do, not an error.
 *
 * Bounded, ordered fan-out: a pass starts at most AAA_RENEW_BUDGET renewals
 * (certificates, handed out in batches by hosted zone: sched_batch.h)
 * (default SCHED_DEFAULT_BUDGET), most urgent first: revoked certificates,
 * then the earliest renewal time (expiry when there is none). The rest are
 * "deferred" and, still due, come first on a later pass as their renewal
 * times are the earliest; so a mass renewal (a CA's mass revocation, a first
 * import) drains at the budget's pace instead of starting every executor
 * at the same second against Route53's 5 requests per second.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acme/ari.h"
#include "agent/agent.h"
#include "agent/certs.h"
#include "agent/renew.h"
#include "config/settings.h"
#include "handlers/handlers.h"
#include "handlers/sched_batch.h"
#include "handlers/sched_fleet.h"
#include "json/json.h"
#include "log/log.h"
#include "store/index.h"
#include "store/store.h"
#include "util/mem.h"

/* Certificates one pass starts renewing when AAA_RENEW_BUDGET is not set:
 * 20 batches (twice a new account's Lambda concurrency quota of 10) of the
 * default batch size, so the executor's sandboxes stay busy between passes
 * without a burst that Route53 turns into throttling. */
#define SCHED_DEFAULT_BUDGET SETTING_DEFAULT_LONG(renew_budget)

struct s_due_cert {
	const char *name; /* borrowed from the index */
	int revoked;
	time_t when; /* renew_after, else not_after */
};

/* Most urgent first: revoked, then the earliest time; the name breaks ties
 * so every pass orders the same certificates the same way. */
static int s_urgency_cmp(const void *pa, const void *pb)
{
	const struct s_due_cert *a = pa, *b = pb;

	if (a->revoked != b->revoked)
		return b->revoked - a->revoked;
	if (a->when != b->when)
		return a->when < b->when ? -1 : 1;
	return strcmp(a->name, b->name);
}

/* AAA_RENEW_BUDGET: a positive integer; anything else is the default. */
static long s_budget(void)
{
	const char *v = settings()->renew_budget;
	char *end = NULL;
	long n;

	if (!v || !*v)
		return SCHED_DEFAULT_BUDGET;
	n = strtol(v, &end, 10);
	if (*end != '\0' || n < 1) {
		log_warn("scheduler: AAA_RENEW_BUDGET=%s is not a positive integer; using %ld", v,
			 SCHED_DEFAULT_BUDGET);
		return SCHED_DEFAULT_BUDGET;
	}
	return n;
}

/* One metric of the EMF line: its definition and its value. */
static void s_metric(cJSON *defs, cJSON *o, const char *name, double value)
{
	cJSON *m = cJSON_CreateObject();

	if (!m || !cJSON_AddItemToArray(defs, m)) {
		cJSON_Delete(m);
		return;
	}
	cJSON_AddStringToObject(m, "Name", name);
	cJSON_AddStringToObject(m, "Unit", "None");
	cJSON_AddNumberToObject(o, name, value);
}

/* Two decimals: a day is 864 s at that precision, plenty for an alarm. */
static double s_round2(double v)
{
	return (double)(long long)(v * 100.0 + (v < 0 ? -0.5 : 0.5)) / 100.0;
}

/* has_certs 0: no expiry metric at all (an alarm on it sees no data, which
 * it treats as not breaching), rather than a 0 that reads as "expires now". */
static void s_emit_metrics(int has_certs, double days_min, double pct_min, long failures)
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
	cJSON_AddItemToArray(cwm, m);
	s_metric(metrics, o, "RenewalFailures", (double)failures);
	if (has_certs) {
		s_metric(metrics, o, "DaysToExpiryMin", s_round2(days_min));
		s_metric(metrics, o, "LifetimeLeftPercentMin", s_round2(pct_min));
	}
	if ((line = json_print(o))) {
		printf("%s\n", line);
		fflush(stdout);
	}
	free(line);
	cJSON_Delete(o);
}

int sched_invoke(const char *fn, cJSON *p, const char *what)
{
	struct aaa_err err;
	int rc = -1;

	err_clear(&err);
	if (p && agent_invoke_async(fn, p, 0, &err) == 0)
		rc = 0;
	else
		log_error("scheduler: %s: %s", what,
			  !p		     ? "out of memory"
			  : err_is_set(&err) ? err.message
					     : "invoke failed");
	cJSON_Delete(p);
	return rc;
}

static int s_invoke(const char *fn, const char *action, const char *name)
{
	cJSON *p = cJSON_CreateObject();
	char what[320];

	snprintf(what, sizeof(what), "%s %s", action, name);
	if (p) {
		cJSON_AddStringToObject(p, "action", action);
		cJSON_AddStringToObject(p, "name", name);
	}
	return sched_invoke(fn, p, what);
}

int agent_scheduler(const cJSON *event, const struct runtime_ctx *ctx, char **response_json,
		    struct aaa_err *err)
{
	struct agent *a = NULL;
	struct index_view view = {0};
	const cJSON *idx = NULL;
	cJSON *out = NULL, *due, *failed, *redeploy, *deferred, *ari_moved = cJSON_CreateObject();
	const cJSON *it;
	struct s_due_cert *todo = NULL;
	const char **start = NULL;
	const cJSON **entries = NULL;
	size_t nstart = 0;
	struct sched_fleet fleet = {0};
	struct sched_ari ari = {0};
	time_t ari_when;
	size_t ntodo = 0, i;
	long budget = s_budget();
	const char *fn = settings()->executor_function;
	time_t now = time(NULL);
	double days_min = 0, pct_min = 0;
	long failures = 0, checked = 0;
	int r, rc = -1, has_certs = 0, fold = STORE_OK;

	(void)event;
	if (!fn || !*fn) {
		rt_error_set(err, "Configuration",
			     "AAA_EXECUTOR_FUNCTION is not set: the scheduler needs the executor's "
			     "function name to hand renewals to");
		goto out;
	}
	if (!(a = agent_open_env(ctx, err)))
		goto out;
	r = agent_index_read(a, &view);
	if (r < 0) {
		rt_error_set(
		    err, "StoreError",
		    "%s (the scheduler lists index.json and index.d/, reads them and "
		    "folds the changes into index.json; check the bucket, the key and the "
		    "function's s3:ListBucket, s3:GetObject, s3:PutObject, s3:DeleteObject, "
		    "kms:Decrypt and kms:GenerateDataKey)",
		    a->err.message);
		goto out;
	}
	idx = view.doc;
	sched_fleet_read(a, now, &fleet);
	if (r == 0)
		sched_ari_migrate(a, &fleet, cJSON_GetObjectItemCaseSensitive(view.doc, "certs"),
				  &ari);
	out = cJSON_CreateObject();
	cJSON_AddNullToObject(out, "job");
	cJSON_AddStringToObject(out, "state", "done");
	due = cJSON_AddArrayToObject(out, "renewing");
	redeploy = cJSON_AddArrayToObject(out, "redeploying");
	failed = cJSON_AddArrayToObject(out, "invoke_failed");
	deferred = cJSON_AddArrayToObject(out, "deferred");
	todo = calloc((size_t)cJSON_GetArraySize(json_obj(idx, "certs")) + 1, sizeof(*todo));
	start = calloc((size_t)cJSON_GetArraySize(json_obj(idx, "certs")) + 1, sizeof(*start));
	entries = calloc((size_t)cJSON_GetArraySize(json_obj(idx, "certs")) + 1, sizeof(cJSON *));
	if (!todo || !start || !entries || !ari_moved) {
		rt_error_set(err, "OutOfMemory", "the scheduler ran out of memory");
		goto out;
	}
	if (r > 0)
		cJSON_AddStringToObject(
		    out, "note",
		    "nothing to do: the store has no index.json yet (no account "
		    "and no certificate; the executor's reg action or `aaa reg` "
		    "creates it)");
	sched_ari_check(a, &ari, cJSON_GetObjectItemCaseSensitive(view.doc, "certs"), now, out);
	/* The fold writes the changes and what the CA said (in the entries). It
	 * is housekeeping: losing the race, or failing, leaves the changes for
	 * the next pass (which asks the CA again) and this pass decides on what
	 * it read and heard. */
	view.dirty = ari.changed;
	if (r == 0 && (fold = index_fold(a->store, &view, now, NULL)) != STORE_OK)
		log_warn("scheduler: the %zu index changes were not folded (%s); the next pass "
			 "folds them",
			 view.deltas.n, store_result_name(fold));
	sched_ari_done(a, &ari, r == 0 && fold == STORE_OK);
	cJSON_ArrayForEach(it, json_obj(idx, "certs"))
	{
		time_t na = agent_time_member(it, "not_after"),
		       nb = agent_time_member(it, "not_before");
		char why[512];

		checked++;
		if (na > 0) {
			/* An expired certificate counts too: negative days, 0 %. */
			double days = difftime(na, now) / 86400.0;
			double pct = na > nb && nb > 0
					 ? 100.0 * difftime(na, now) / difftime(na, nb)
					 : (days > 0 ? 100.0 : 0.0);

			if (pct < 0)
				pct = 0;
			if (!has_certs || days < days_min)
				days_min = days;
			if (!has_certs || pct < pct_min)
				pct_min = pct;
			has_certs = 1;
		}
		if (json_int(it, "failures", 0) > 0)
			failures++;
		ari_when = 0;
		if (!renew_due(it, now, why, sizeof(why)) && !sched_ari_due(it, now, &ari_when)) {
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
		todo[ntodo].name = it->string;
		todo[ntodo].revoked = json_bool(it, "revoked", 0);
		/* The executor's own rule (meta.json's renew_after) does not know
		 * the moved window: the batch names the version it may renew. */
		if (ari_when && json_str(it, "serial"))
			cJSON_AddStringToObject(ari_moved, it->string, json_str(it, "serial"));
		todo[ntodo].when = ari_when ? ari_when : agent_time_member(it, "renew_after");
		if (todo[ntodo].when == 0)
			todo[ntodo].when = agent_time_member(it, "not_after");
		ntodo++;
	}
	qsort(todo, ntodo, sizeof(*todo), s_urgency_cmp);
	for (i = 0; i < ntodo; i++) {
		if ((long)i >= budget || fleet.paused) {
			cJSON_AddItemToArray(deferred, cJSON_CreateString(todo[i].name));
			continue;
		}
		start[nstart] = todo[i].name;
		entries[nstart++] = json_obj(json_obj(idx, "certs"), todo[i].name);
	}
	/* The budget counts certificates; they go out in batches by hosted zone. */
	sched_batch_start(fn, start, entries, nstart, ari_moved, due, failed);
	sched_pause_report(&fleet, ntodo, now, out);
	sched_cleanup_start(&fleet, fn, now, out);
	if (ntodo > (size_t)budget && !fleet.paused)
		log_info("scheduler: %zu due, %ld started (AAA_RENEW_BUDGET), the rest next pass",
			 ntodo, budget);
	cJSON_AddNumberToObject(out, "checked", (double)checked);
	cJSON_AddNumberToObject(out, "index_folded",
				(double)(r == 0 && fold == STORE_OK ? view.deltas.n : 0));
	if (has_certs)
		log_info("scheduler: %ld certificates, %d due, soonest expiry in %.1f days",
			 checked, cJSON_GetArraySize(due), days_min);
	else
		log_info("scheduler: no certificate, nothing to do");
	s_emit_metrics(has_certs, days_min, pct_min, failures);
	if (!(*response_json = json_print(out)))
		goto out;
	rc = 0;
out:
	sched_fleet_clear(&fleet);
	cJSON_Delete(ari_moved);
	free(todo);
	free(start);
	free(entries);
	index_view_free(&view);
	cJSON_Delete(out);
	agent_free(a);
	return rc;
}
