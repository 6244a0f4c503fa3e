/*
 * The issuance job (docs/architecture.md "The job state machine"): a JSON object in the
 * store at jobs/<id>.json, moved through its states by one conditional PUT
 * per transition, under a lease so only one worker acts at a time.
 *
 * The document (struct job.doc) holds: id, state, names, key_type,
 * create_key, deploy, idempotency_key, order (URL), dns (the dns01 state),
 * certificate (PEM once downloaded), lease {owner, expires}, attempts,
 * error {source, code, message}, created, updated, and whatever the caller
 * adds (response_url, requested_by, slack_posts...).
 */
#ifndef AAA_AGENT_JOB_H
#define AAA_AGENT_JOB_H

#include <time.h>

#include <cjson/cJSON.h>

#include "agent/agent.h"

enum job_state {
	JOB_NEW,
	JOB_ORDERED,
	JOB_DNS_PUBLISHED,
	JOB_DNS_INSYNC,
	JOB_CHALLENGES_ANSWERED,
	JOB_AUTHORIZED,
	JOB_FINALIZED,
	JOB_DOWNLOADED,
	JOB_STORED,
	JOB_DEPLOYED,
	JOB_DONE,
	JOB_FAILED,
	JOB_STATE_MAX
};

extern const char *const job_state_names[JOB_STATE_MAX];

/* The state for a name; JOB_STATE_MAX when unknown. */
enum job_state job_state_parse(const char *s);

struct job {
	cJSON *doc; /* owned */
	char *etag; /* owned: of the last read or write */
	char *key;  /* owned: jobs/<id>.json */
};

struct job_request {
	const char *const *names; /* first = certificate name */
	size_t nnames;
	const char *key_type; /* NULL: the stored key's type, else ec256 */
	int create_key;
	const char *const *deploy;
	size_t ndeploy;
	/* The ACME profile asked for; NULL: the one stored with the certificate,
	 * else the configured default (agent_config.profile). */
	const char *acme_profile;
	const char *idempotency_key; /* NULL: a random id */
	const cJSON *extra;	     /* members copied into the document (borrowed) */
	/* With an idempotency key: a finished (done or failed) job of that key is
	 * replaced by a new one instead of handed back (the CLI's key is its
	 * names, so a later run starts afresh but a killed one is found). */
	int replace_finished;
};

/*
 * Creates the job (If-None-Match). When a job with the same idempotency key
 * exists already, *job is that one and *existing is 1: a duplicate delivery
 * finds the first request's job instead of starting another. 0/-1.
 */
int job_create(struct agent *a, const struct job_request *req, struct job *job, int *existing);
/* Loads jobs/<id>.json. 0, 1 not found, -1 error. */
int job_load(struct agent *a, const char *id, struct job *job);
/* Writes the document with If-Match on the etag we hold. 0; 1 someone
 * else changed it (re-load); -1 error. */
int job_save(struct agent *a, struct job *job);
void job_clear(struct job *job);

const char *job_id(const struct job *job);
enum job_state job_state(const struct job *job);
/* Sets the state and "updated" in the document (not saved). */
int job_set_state(struct job *job, enum job_state s);

/*
 * Takes the lease for owner until now + ttl_s, and saves. 0 taken; 1 held
 * by another live worker (*holder set, borrowed from the document) or the
 * job is finished; -1 error.
 */
int job_lease_take(struct agent *a, struct job *job, const char *owner, time_t now, long ttl_s,
		   const char **holder);
/* Drops the lease (saved). */
int job_lease_release(struct agent *a, struct job *job);

/* The job id for an idempotency key: stable, safe as a store key. Caller frees. */
char *job_id_for_key(const char *idempotency_key);

#endif
