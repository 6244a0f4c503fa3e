/*
 * Job documents in the store and their lease. Every write is conditional
 * on the etag we read, so two workers can never both move a job: the loser
 * sees "someone else changed it" and re-reads.
 */
#define _GNU_SOURCE
#include "agent/job.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/certs.h"
#include "crypto/hash.h"
#include "crypto/names.h"
#include "json/json.h"
#include "log/log.h"
#include "store/keys.h"
#include "util/mem.h"

const char *const job_state_names[JOB_STATE_MAX] = {
    "new",	  "ordered",   "dns_published", "dns_insync", "challenges_answered",
    "authorized", "finalized", "downloaded",	"stored",     "deployed",
    "done",	  "failed",
};

enum job_state job_state_parse(const char *s)
{
	int i;

	for (i = 0; s && i < JOB_STATE_MAX; i++)
		if (strcmp(s, job_state_names[i]) == 0)
			return (enum job_state)i;
	return JOB_STATE_MAX;
}

void job_clear(struct job *job)
{
	cJSON_Delete(job->doc);
	free(job->etag);
	free(job->key);
	memset(job, 0, sizeof(*job));
}

const char *job_id(const struct job *job)
{
	return json_str(job->doc, "id");
}

enum job_state job_state(const struct job *job)
{
	return job_state_parse(json_str(job->doc, "state"));
}

static int s_set_str(cJSON *o, const char *k, const char *v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(o, k);
	return cJSON_AddStringToObject(o, k, v) ? 0 : -1;
}

static int s_touch(cJSON *doc)
{
	char when[32];

	agent_time_format(time(NULL), when, sizeof(when));
	return s_set_str(doc, "updated", when);
}

int job_set_state(struct job *job, enum job_state s)
{
	if (s >= JOB_STATE_MAX)
		return -1;
	log_info("job %s: %s", job_id(job), job_state_names[s]);
	return s_set_str(job->doc, "state", job_state_names[s]) || s_touch(job->doc) ? -1 : 0;
}

/* "k" + the first 32 hex digits of SHA-256: stable across deliveries. */
char *job_id_for_key(const char *idempotency_key)
{
	char hex[2 * SHA256_LEN + 1];

	if (crypto_sha256_hex(idempotency_key, strlen(idempotency_key), hex) != 0)
		return NULL;
	hex[32] = '\0';
	return str_printf("k%s", hex);
}

static char *s_random_id(void)
{
	unsigned char r[16];
	char hex[33];

	if (crypto_random(r, sizeof(r)) != 0)
		return NULL;
	hex_encode(r, sizeof(r), hex);
	return str_printf("j%s", hex);
}

int job_load(struct agent *a, const char *id, struct job *job)
{
	char *text = NULL;
	size_t len = 0;
	int rc = -1;

	memset(job, 0, sizeof(*job));
	if (!(job->key = store_key_job(id))) {
		agent_fail(a, "input", "", "job id '%s' is not valid", id);
		goto out;
	}
	rc = agent_store_get(a, job->key, &text, &len, &job->etag);
	if (rc != 0)
		goto out;
	if (!(job->doc = json_parse(text, len, job->key))) {
		agent_fail(a, "store", "", "%s in the store is damaged", job->key);
		rc = -1;
	}
out:
	free(text);
	if (rc != 0) {
		free(job->key);
		free(job->etag);
		memset(job, 0, sizeof(*job));
	}
	return rc;
}

int job_save(struct agent *a, struct job *job)
{
	char *text = json_print(job->doc), *etag = NULL;
	int r, rc = -1;

	if (!text)
		goto out;
	r = store_replace(a->store, job->key, job->etag, text, strlen(text), 0, &etag);
	if (r == STORE_CONFLICT || r == STORE_NOT_FOUND) {
		log_warn("job %s was changed by another worker", job_id(job));
		rc = 1;
		goto out;
	}
	if (r != STORE_OK) {
		agent_fail(a, "store", "", "cannot save %s to %s", job->key, store_url(a->store));
		goto out;
	}
	free(job->etag);
	job->etag = etag;
	etag = NULL;
	rc = 0;
out:
	free(text);
	free(etag);
	return rc;
}

/*
 * The deploy targets, only when the request names some: without them a
 * renewal keeps the certificate's stored list. "none" alone clears it.
 */
static int s_add_deploy(cJSON *d, const struct job_request *req)
{
	if (req->ndeploy == 0)
		return 0;
	if (req->ndeploy == 1 && strcmp(req->deploy[0], "none") == 0)
		return cJSON_AddArrayToObject(d, "deploy") ? 0 : -1;
	return json_add_str_array(d, "deploy", req->deploy, req->ndeploy);
}

/*
 * The names as the job keeps them: normalized (name_normalize), so the
 * job, the store folder, meta.json and the index spell a certificate one
 * way. Duplicates stay, for the new step to refuse by name.
 */
static cJSON *s_names_array(const struct job_request *req)
{
	cJSON *arr = cJSON_CreateArray();
	size_t i;
	char *n;

	for (i = 0; arr && i < req->nnames; i++) {
		if (!(n = str_dup(req->names[i])))
			goto fail;
		name_normalize(n);
		if (!cJSON_AddItemToArray(arr, cJSON_CreateString(n))) {
			free(n);
			goto fail;
		}
		free(n);
	}
	return arr;
fail:
	cJSON_Delete(arr);
	return NULL;
}

static cJSON *s_new_doc(const char *id, const struct job_request *req)
{
	cJSON *d = cJSON_CreateObject();
	const cJSON *it;
	char when[32];

	agent_time_format(time(NULL), when, sizeof(when));
	if (!d)
		return NULL;
	if (req->extra) {
		cJSON_ArrayForEach(it, req->extra)
		{
			if (!cJSON_AddItemToObject(d, it->string, cJSON_Duplicate(it, 1)))
				goto fail;
		}
	}
	if (s_set_str(d, "id", id) || s_set_str(d, "state", "new") ||
	    !cJSON_AddItemToObject(d, "names", s_names_array(req)) ||
	    (req->key_type && s_set_str(d, "key_type", req->key_type)) ||
	    (req->acme_profile && s_set_str(d, "acme_profile", req->acme_profile)) ||
	    !cJSON_AddBoolToObject(d, "create_key", req->create_key) || s_add_deploy(d, req) != 0 ||
	    (req->idempotency_key && s_set_str(d, "idempotency_key", req->idempotency_key)) ||
	    !cJSON_AddNumberToObject(d, "attempts", 0) || s_set_str(d, "created", when) ||
	    s_set_str(d, "updated", when))
		goto fail;
	return d;
fail:
	cJSON_Delete(d);
	return NULL;
}

int job_create(struct agent *a, const struct job_request *req, struct job *job, int *existing)
{
	char *id = NULL, *text = NULL;
	int r, rc = -1;

	memset(job, 0, sizeof(*job));
	*existing = 0;
	id = req->idempotency_key ? job_id_for_key(req->idempotency_key) : s_random_id();
	if (!id || !(job->key = store_key_job(id)) || !(job->doc = s_new_doc(id, req)) ||
	    !(text = json_print(job->doc)))
		goto out;
	r = store_create(a->store, job->key, text, strlen(text), 0, &job->etag);
	if (r == STORE_CONFLICT) {
		/* The same request delivered again: hand back the first one's job. */
		job_clear(job);
		if (job_load(a, id, job) != 0)
			goto out;
		if (req->replace_finished &&
		    (job_state(job) == JOB_DONE || job_state(job) == JOB_FAILED)) {
			cJSON_Delete(job->doc);
			if (!(job->doc = s_new_doc(id, req)) || job_save(a, job) != 0) {
				if (!a->err.message[0])
					agent_fail(a, "store", "",
						   "jobs/%s.json changed while starting it again",
						   id);
				goto out;
			}
			rc = 0;
			goto out;
		}
		*existing = 1;
		rc = 0;
		goto out;
	}
	if (r != STORE_OK) {
		agent_fail(a, "store", "", "cannot create jobs/%s.json in %s", id,
			   store_url(a->store));
		goto out;
	}
	rc = 0;
out:
	if (rc != 0)
		job_clear(job);
	free(id);
	free(text);
	return rc;
}

int job_lease_take(struct agent *a, struct job *job, const char *owner, time_t now, long ttl_s,
		   const char **holder)
{
	const cJSON *lease = json_obj(job->doc, "lease");
	const char *who = json_str(lease, "owner");
	long long until = json_int(lease, "expires", 0);
	enum job_state st = job_state(job);
	cJSON *l;
	int r;

	*holder = NULL;
	if (st == JOB_DONE || st == JOB_FAILED) {
		*holder = job_state_names[st];
		return 1;
	}
	if (who && strcmp(who, owner) != 0 && until > (long long)now) {
		*holder = who;
		return 1;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(job->doc, "lease");
	if (!(l = cJSON_AddObjectToObject(job->doc, "lease")) ||
	    !cJSON_AddStringToObject(l, "owner", owner) ||
	    !cJSON_AddNumberToObject(l, "expires", (double)(now + ttl_s)))
		return -1;
	r = job_save(a, job);
	if (r == 1)
		*holder = "another worker (the job changed while taking the lease)";
	return r;
}

int job_lease_release(struct agent *a, struct job *job)
{
	cJSON_DeleteItemFromObjectCaseSensitive(job->doc, "lease");
	return job_save(a, job) == 0 ? 0 : -1;
}
