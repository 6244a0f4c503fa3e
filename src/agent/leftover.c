/*
 * Leftover TXT records (leftover.h): the marker a job writes before it
 * publishes, and the executor's cleanup of a marker that stayed.
 */
#define _GNU_SOURCE
#include "agent/leftover.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acme/ari.h"
#include "agent/certs.h"
#include "dns/dns01.h"
#include "json/json.h"
#include "log/log.h"
#include "store/keys.h"
#include "util/mem.h"

/* The lease an abandoned job is taken with while it is failed. */
#define LEFTOVER_LEASE_S 120

int leftover_parse(const char *key, char *id, size_t idlen, time_t *when)
{
	const char *p = key, *dot;
	char *end = NULL;
	long long t;

	if (strncmp(p, STORE_DIR_CLEANUP "/", strlen(STORE_DIR_CLEANUP "/")) != 0)
		return -1;
	p += strlen(STORE_DIR_CLEANUP "/");
	if (!(dot = strrchr(p, '.')) || dot == p || (size_t)(dot - p) >= idlen ||
	    memchr(p, '/', (size_t)(dot - p)))
		return -1;
	t = strtoll(dot + 1, &end, 10);
	if (!dot[1] || *end || t < 0)
		return -1;
	memcpy(id, p, (size_t)(dot - p));
	id[dot - p] = '\0';
	*when = (time_t)t;
	return 0;
}

int leftover_mark(struct agent *a, struct job *job, const cJSON *dns_state)
{
	cJSON *o = cJSON_CreateObject();
	time_t now = time(NULL);
	char *key = str_printf("%s/%s.%lld", STORE_DIR_CLEANUP, job_id(job), (long long)now);
	char *text = NULL, when[32];
	int rc = -1;

	agent_time_format(now, when, sizeof(when));
	if (!o || !key || !cJSON_AddStringToObject(o, "job", job_id(job)) ||
	    !cJSON_AddItemToObject(o, "names", cJSON_Duplicate(json_arr(job->doc, "names"), 1)) ||
	    !cJSON_AddStringToObject(o, "since", when) ||
	    !cJSON_AddItemToObject(o, "dns", cJSON_Duplicate(dns_state, 1)) ||
	    !(text = json_print(o)))
		goto out;
	if (agent_store_put(a, key, text, strlen(text), 0) != 0)
		goto out;
	/* A marker of an earlier attempt of this job (resumed before its save)
	 * stays listed; the scheduler's cleanup of it finds the job running. */
	cJSON_DeleteItemFromObjectCaseSensitive(job->doc, "cleanup_marker");
	rc = cJSON_AddStringToObject(job->doc, "cleanup_marker", key) ? 0 : -1;
out:
	if (rc != 0 && !err_is_set(&a->err))
		agent_fail(a, "store", "", "job %s: cannot write its cleanup marker", job_id(job));
	cJSON_Delete(o);
	free(key);
	free(text);
	return rc;
}

void leftover_unmark(struct agent *a, struct job *job)
{
	const char *key = json_str(job->doc, "cleanup_marker");

	if (!key)
		return;
	if (store_delete(a->store, key) != STORE_OK) {
		log_warn("job %s: its cleanup marker %s stays; the scheduler's next pass finds "
			 "the records gone and removes it",
			 job_id(job), key);
		return;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(job->doc, "cleanup_marker");
}

static time_t s_time(const cJSON *o, const char *k)
{
	const char *s = json_str(o, k);
	time_t t = 0;

	return s && acme_rfc3339_parse(s, &t) == 0 ? t : 0;
}

/*
 * Whether the job still needs its records: 1 yes (busy), 0 no (the records
 * may go; an abandoned job has been failed), -1 error.
 */
static int s_job_needs_records(struct agent *a, struct job *job, const char *owner, cJSON *out)
{
	enum job_state st = job_state(job);
	time_t now = time(NULL), updated = s_time(job->doc, "updated");
	const char *holder = NULL;
	const char *name0;
	int r;

	if (st == JOB_DONE || st == JOB_FAILED || st >= JOB_AUTHORIZED)
		return 0;
	if (updated > 0 && now - updated < LEFTOVER_STALE_S) {
		cJSON_AddStringToObject(out, "note",
					"the job is in progress; left for a later pass");
		return 1;
	}
	r = job_lease_take(a, job, owner, now, LEFTOVER_LEASE_S, &holder);
	if (r != 0) {
		if (r > 0)
			cJSON_AddStringToObject(out, "note",
						"a worker holds the job; left for a later pass");
		return r;
	}
	/* Nobody will carry it on: fail it before its records go, so no late
	 * resume answers a challenge whose record is gone. */
	agent_fail(a, "dns", "abandoned",
		   "the job stopped at %s without a worker (killed or timed out) and was "
		   "abandoned; the scheduler's cleanup removed its TXT records",
		   job_state_names[st]);
	json_add_error(job->doc, &a->err);
	job_set_state(job, JOB_FAILED);
	cJSON_DeleteItemFromObjectCaseSensitive(job->doc, "lease");
	if ((r = job_save(a, job)) != 0)
		return r;
	cJSON_AddBoolToObject(out, "job_failed", 1);
	name0 = cJSON_GetArrayItem(json_arr(job->doc, "names"), 0)
		    ? cJSON_GetArrayItem(json_arr(job->doc, "names"), 0)->valuestring
		    : NULL;
	if (name0 && json_bool(job->doc, "renewal", 0))
		agent_cert_record_failure(a, name0, a->err.message);
	err_clear(&a->err);
	return 0;
}

/* One marker: 0 records and marker gone, 1 the job still needs them, -1 failed (a->err). */
static int s_one(struct agent *a, const char *id, const char *key, const char *owner, cJSON *out,
		 cJSON *removed)
{
	struct dns01_opts o;
	struct dns01 *d = NULL;
	struct job job = {0};
	char *text = NULL;
	size_t len = 0;
	cJSON *mark = NULL;
	const cJSON *it;
	int r, rc = -1;

	if ((r = agent_store_get(a, key, &text, &len, NULL)) != 0) {
		rc = r > 0 ? 0 : -1; /* gone already: another cleanup did it */
		goto out;
	}
	if (!(mark = json_parse(text, len, key))) {
		/* Nothing to act on; keeping it would hand it on every pass. */
		log_warn("%s is damaged; deleting it", key);
		rc = store_delete(a->store, key) == STORE_OK ? 0 : -1;
		goto out;
	}
	r = job_load(a, id, &job);
	if (r < 0)
		goto out;
	if (r == 0 && (r = s_job_needs_records(a, &job, owner, out)) != 0) {
		rc = r;
		goto out;
	}
	memset(&o, 0, sizeof(o));
	o.zone_ids = a->cfg.zone_ids;
	o.nzone_ids = a->cfg.nzone_ids;
	o.zone_roles = a->cfg.zone_roles;
	o.nzone_roles = a->cfg.nzone_roles;
	if (!(d = dns01_from_state(json_obj(mark, "dns"), &o))) {
		agent_fail(a, "store", "", "%s holds no readable DNS state", key);
		goto out;
	}
	if (dns01_cleanup(d) != 0) {
		agent_fail(
		    a, "dns", "",
		    "job %s: removing its TXT records failed: %s (the marker stays; the next "
		    "scheduler pass tries again)",
		    id, dns01_error(d));
		goto out;
	}
	cJSON_ArrayForEach(it, json_arr(json_obj(mark, "dns"), "records"))
	{
		if (json_str(it, "name"))
			cJSON_AddItemToArray(removed, cJSON_CreateString(json_str(it, "name")));
	}
	/* A finished job no longer lists records someone must remove. */
	if (r == 0 && job.doc && (job_state(&job) == JOB_DONE || job_state(&job) == JOB_FAILED) &&
	    (json_obj(job.doc, "dns") || json_str(job.doc, "cleanup_marker"))) {
		cJSON_DeleteItemFromObjectCaseSensitive(job.doc, "dns");
		cJSON_DeleteItemFromObjectCaseSensitive(job.doc, "cleanup_marker");
		if (job_save(a, &job) != 0)
			log_warn("job %s: could not record that its records are gone", id);
	}
	if (store_delete(a->store, key) != STORE_OK) {
		agent_fail(a, "store", "", "cannot delete %s", key);
		goto out;
	}
	log_info("job %s: leftover TXT records removed, %s deleted", id, key);
	rc = 0;
out:
	dns01_free(d);
	job_clear(&job);
	cJSON_Delete(mark);
	free(text);
	return rc;
}

int leftover_cleanup(struct agent *a, const char *id, const char *owner, cJSON *out)
{
	struct store_keys k = {0};
	char *prefix = str_printf("%s/%s.", STORE_DIR_CLEANUP, id), jid[160];
	cJSON *removed = cJSON_AddArrayToObject(out, "removed");
	time_t t;
	size_t i, n = 0;
	int r, busy = 0, rc = -1;

	if (!prefix || !removed)
		goto out;
	if (store_list(a->store, prefix, &k) != STORE_OK) {
		agent_fail(a, "store", "", "cannot list %s* in %s", prefix, store_url(a->store));
		goto out;
	}
	for (i = 0; i < k.n; i++) {
		if (leftover_parse(k.keys[i], jid, sizeof(jid), &t) != 0 || strcmp(jid, id) != 0)
			continue;
		n++;
		if ((r = s_one(a, id, k.keys[i], owner, out, removed)) < 0)
			goto out;
		busy |= r > 0;
	}
	if (n == 0)
		cJSON_AddStringToObject(out, "note", "nothing left: no cleanup marker");
	cJSON_AddStringToObject(out, "state", busy ? "busy" : "done");
	rc = busy ? 1 : 0;
out:
	if (rc < 0) {
		cJSON_AddStringToObject(out, "state", "failed");
		json_add_error(out, &a->err);
	}
	store_keys_free(&k);
	free(prefix);
	return rc;
}
