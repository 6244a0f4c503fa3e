/*
 * What the fleet shares through the store (fleet.h): the CA pause and the
 * leftover-cleanup markers.
 *
 * The fleet-wide CA pause, kept in the store so every executor
 * and the scheduler's next pass see what one executor heard.
 */
#define _GNU_SOURCE
#include "agent/fleet.h"

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

/* Conditional writes lost to another executor before giving up. */
#define CA_PAUSE_TRIES 8

void ca_pause_clear(struct ca_pause *p)
{
	free(p->directory);
	free(p->code);
	free(p->detail);
	memset(p, 0, sizeof(*p));
}

static void s_from_json(const cJSON *doc, struct ca_pause *p)
{
	p->until = agent_time_member(doc, "until");
	p->since = agent_time_member(doc, "since");
	p->directory = str_dup(json_str(doc, "directory"));
	p->code = str_dup(json_str(doc, "code"));
	p->detail = str_dup(json_str(doc, "detail"));
}

int ca_pause_read(struct agent *a, struct ca_pause *p)
{
	char *text = NULL;
	size_t len = 0;
	cJSON *doc = NULL;
	int r;

	memset(p, 0, sizeof(*p));
	r = agent_store_get(a, STORE_KEY_CA_PAUSE, &text, &len, NULL);
	if (r != 0)
		return r;
	/* A damaged record is no pause: the CA says again if it still means it. */
	if ((doc = json_parse(text, len, STORE_KEY_CA_PAUSE)))
		s_from_json(doc, p);
	else
		log_warn("%s in the store is damaged; ignoring it", STORE_KEY_CA_PAUSE);
	cJSON_Delete(doc);
	free(text);
	return doc ? 0 : 1;
}

static char *s_doc(const struct agent *a, time_t until, const char *code, const char *detail)
{
	cJSON *o = cJSON_CreateObject();
	char u[32], s[32], *text = NULL;

	if (!o)
		return NULL;
	agent_time_format(until, u, sizeof(u));
	agent_time_format(time(NULL), s, sizeof(s));
	if (cJSON_AddStringToObject(o, "until", u) && cJSON_AddStringToObject(o, "since", s) &&
	    json_add_str_opt(o, "directory", a->directory_url) == 0 &&
	    json_add_str_opt(o, "code", code && *code ? code : NULL) == 0 &&
	    json_add_str_opt(o, "detail", detail) == 0)
		text = json_print(o);
	cJSON_Delete(o);
	return text;
}

int ca_pause_note(struct agent *a, time_t until, const char *code, const char *detail)
{
	struct store_object o = {0};
	char *text = s_doc(a, until, code, detail);
	int tries, r, rc = -1;

	if (!text)
		return -1;
	for (tries = 0; tries < CA_PAUSE_TRIES; tries++) {
		store_object_free(&o);
		r = store_get(a->store, STORE_KEY_CA_PAUSE, &o);
		if (r == STORE_OK) {
			cJSON *doc = json_parse(o.data, o.len, NULL);
			time_t have = doc ? agent_time_member(doc, "until") : 0;

			cJSON_Delete(doc);
			if (have >= until) {
				rc = 0; /* a longer pause is recorded already */
				goto out;
			}
			r = store_replace(a->store, STORE_KEY_CA_PAUSE, o.etag, text, strlen(text),
					  0, NULL);
		} else if (r == STORE_NOT_FOUND) {
			r = store_create(a->store, STORE_KEY_CA_PAUSE, text, strlen(text), 0, NULL);
		} else {
			goto out;
		}
		if (r == STORE_OK) {
			char u[32];

			agent_time_format(until, u, sizeof(u));
			log_warn("the CA asks to wait: new orders are paused fleet-wide until %s "
				 "(recorded in %s)",
				 u, STORE_KEY_CA_PAUSE);
			rc = 0;
			goto out;
		}
		if (r != STORE_CONFLICT && r != STORE_NOT_FOUND)
			goto out;
	}
out:
	if (rc != 0)
		log_error("could not record the CA's pause in %s/%s", store_url(a->store),
			  STORE_KEY_CA_PAUSE);
	store_object_free(&o);
	free(text);
	return rc;
}

cJSON *ca_pause_json(const struct ca_pause *p, time_t now)
{
	cJSON *o = cJSON_CreateObject();
	char u[32], s[32];

	if (!o)
		return NULL;
	agent_time_format(p->until, u, sizeof(u));
	cJSON_AddStringToObject(o, "until", u);
	if (p->since > 0) {
		agent_time_format(p->since, s, sizeof(s));
		cJSON_AddStringToObject(o, "since", s);
	}
	json_add_str_opt(o, "directory", p->directory);
	json_add_str_opt(o, "code", p->code);
	json_add_str_opt(o, "detail", p->detail);
	cJSON_AddNumberToObject(o, "seconds_left", p->until > now ? (double)(p->until - now) : 0.0);
	return o;
}

void ca_pause_ls(struct agent *a, cJSON *ls, time_t now)
{
	struct ca_pause p;
	cJSON *acc;

	if (ca_pause_read(a, &p) != 0)
		return;
	if (p.until > now) {
		cJSON_ArrayForEach(acc, ls)
		{
			const char *d = json_str(acc, "directory");

			if (d && p.directory && strcmp(d, p.directory) == 0)
				cJSON_AddItemToObject(acc, "ca_pause", ca_pause_json(&p, now));
		}
	}
	ca_pause_clear(&p);
}

void ca_pause_add(struct agent *a, cJSON *out, time_t now)
{
	struct ca_pause p;

	if (ca_pause_read(a, &p) != 0)
		return;
	if (p.until > now)
		cJSON_AddItemToObject(out, "ca_pause", ca_pause_json(&p, now));
	ca_pause_clear(&p);
}

/*
 * Leftover TXT records (fleet.h): the marker a job writes before it
 * publishes, and the executor's cleanup of a marker that stayed.
 */

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

/*
 * Whether the job still needs its records: 1 yes (busy), 0 no (the records
 * may go; an abandoned job has been failed), -1 error.
 */
static int s_job_needs_records(struct agent *a, struct job *job, const char *owner, cJSON *out)
{
	enum job_state st = job_state(job);
	time_t now = time(NULL), updated = agent_time_member(job->doc, "updated");
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
		agent_fail_from(
		    a, dns01_err(d),
		    "job %s: removing its TXT records failed: %s (the marker stays; the "
		    "next scheduler pass tries again)",
		    id, dns01_err(d)->message);
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
