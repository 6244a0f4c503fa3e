/*
 * The executor: the ACME work behind `aws lambda invoke`, the scheduler's
 * fan-out, Slack's hand-off and its own resumption. Every action answers
 * JSON with at least "job" and "state". A job that fails is an answer
 * ({"state":"failed","error":{...}}), not a function error: Lambda would
 * retry a function error, and a CA that refused the order will refuse it
 * again. Only a malformed event is a Runtime API error.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "acme/post.h"
#include "agent/account.h"
#include "agent/agent.h"
#include "agent/fleet.h"
#include "agent/certs.h"
#include "agent/doctor.h"
#include "agent/issue.h"
#include "agent/job.h"
#include "agent/ops.h"
#include "agent/renew.h"
#include "agent/targets.h"
#include "aws/client.h"
#include "aws/kms.h"
#include "config/settings.h"
#include "crypto/hash.h"
#include "handlers/executor_actions.h"
#include "handlers/handlers.h"
#include "json/json.h"
#include "log/log.h"
#include "slack/reply.h"
#include "util/mem.h"

/* Stop and resume when less than this is left (a Route53 or CA call with
 * its retries fits well inside it). */
#define RESUME_MARGIN_MS SETTING_DEFAULT_LONG(resume_margin_ms)

/*
 * A comma-separated list from the environment, split once per process into
 * a static copy (the environment does not change under a running sandbox).
 */
#define ENV_LIST_MAX 64
struct env_list {
	char *copy;
	const char *items[ENV_LIST_MAX];
	size_t n;
};

static void s_env_list(const char *v, struct env_list *l)
{
	char *save = NULL, *tok;

	if (l->copy || !v || !*v)
		return;
	if (!(l->copy = str_dup(v)))
		return;
	for (tok = strtok_r(l->copy, ",", &save); tok && l->n < ENV_LIST_MAX;
	     tok = strtok_r(NULL, ",", &save))
		if (*tok)
			l->items[l->n++] = tok;
}

void agent_config_from_env(struct agent_config *c)
{
	static struct env_list roles, ids;
	const struct settings *s = settings();

	memset(c, 0, sizeof(*c));
	c->store_url = s->store;
	c->s3_bucket = s->s3_bucket;
	c->kms_key_id = s->s3_kms_key;
	c->directory = s->directory;
	c->email = s->email;
	c->preferred_chain = s->preferred_chain;
	c->profile = s->profile;
	c->renew_before_days = agent_renew_before_days();
	s_env_list(s->zone_roles, &roles);
	s_env_list(s->zone_ids, &ids);
	c->zone_roles = roles.items;
	c->nzone_roles = roles.n;
	c->zone_ids = ids.items;
	c->nzone_ids = ids.n;
}

/* AAA_RESUME_MARGIN_MS overrides the margin (tests with short timeouts). */
static long s_margin_ms(void)
{
	const char *v = settings()->resume_margin_ms;
	char *end = NULL;
	long ms;

	if (!v || !*v)
		return RESUME_MARGIN_MS;
	ms = strtol(v, &end, 10);
	return (*end == '\0' && ms >= 1000 && ms <= 600000) ? ms : RESUME_MARGIN_MS;
}

/* The invocation fails because the agent did: its error, source and code
 * kept, with type as the Lambda errorType. */
static void s_agent_failed(struct aaa_err *err, const struct agent *a, const char *type)
{
	err_copy(err, &a->err);
	err_type(err, type);
}

static long long s_remaining(void *ctx)
{
	const struct runtime_ctx *rc = ctx;

	return rc->remaining_ms ? rc->remaining_ms(rc) : -1;
}

struct agent *agent_open_env(const struct runtime_ctx *ctx, struct aaa_err *err)
{
	struct agent_config c;
	struct agent *a;

	agent_config_from_env(&c);
	if (!(a = agent_open(&c, err))) {
		if (!err_is_set(err))
			err_set(err, "internal", "", "cannot start the agent");
		err_type(err, "Configuration");
		return NULL;
	}
	a->remaining_ms = s_remaining;
	a->remaining_ctx = (void *)ctx;
	return a;
}

/* The answer for a job: its id, state, names, error, certificate. */
static cJSON *s_job_answer(struct agent *a, const struct job *job, const char *action)
{
	cJSON *out = cJSON_CreateObject(), *meta = NULL;
	const char *names0;

	if (!out)
		return NULL;
	cJSON_AddStringToObject(out, "job", job_id(job));
	cJSON_AddStringToObject(out, "action", action);
	cJSON_AddStringToObject(out, "state", json_str(job->doc, "state"));
	cJSON_AddItemToObject(out, "names", cJSON_Duplicate(json_arr(job->doc, "names"), 1));
	if (json_obj(job->doc, "error"))
		cJSON_AddItemToObject(out, "error",
				      cJSON_Duplicate(json_obj(job->doc, "error"), 1));
	if (json_arr(job->doc, "deployed"))
		cJSON_AddItemToObject(out, "deployed",
				      cJSON_Duplicate(json_arr(job->doc, "deployed"), 1));
	names0 = cJSON_GetArrayItem(json_arr(job->doc, "names"), 0)
		     ? cJSON_GetArrayItem(json_arr(job->doc, "names"), 0)->valuestring
		     : NULL;
	if (names0 && job_state(job) == JOB_DONE && agent_meta_load(a, names0, &meta) == 0) {
		cJSON *c = cJSON_AddObjectToObject(out, "cert");
		static const char *const copy[] = {"name",	"serial", "not_before",
						   "not_after", "issuer", "key_type"};
		size_t i;

		for (i = 0; i < sizeof(copy) / sizeof(copy[0]); i++)
			json_add_str_opt(c, copy[i], json_str(meta, copy[i]));
	}
	cJSON_Delete(meta);
	return out;
}

/* Tells Slack how it ended, when the request came from Slack. Never fatal. */
static void s_notify(struct agent *a, struct job *job, const cJSON *answer)
{
	const char *url = json_str(job->doc, "response_url");
	unsigned posts = (unsigned)json_int(job->doc, "slack_posts", 0);
	struct aaa_err err;

	if (!url)
		return;
	if (slack_notify(url, answer, &posts, &err) != 0)
		log_warn("job %s: the Slack reply failed: %s (the certificate is not affected)",
			 job_id(job), err.message);
	cJSON_DeleteItemFromObjectCaseSensitive(job->doc, "slack_posts");
	cJSON_AddNumberToObject(job->doc, "slack_posts", posts);
	if (job_save(a, job) < 0)
		log_warn("job %s: could not record the Slack post count", job_id(job));
}

/* Invokes this function again, asynchronously, with payload p (taken) to
 * carry on with the work who names ("job ID", "batch of N job(s)"). */
static int s_invoke_self(cJSON *p, long long left_ms, const char *who)
{
	/* Whatever happens, answer before the deadline: a second to spare. */
	long budget = left_ms > 2000 ? (long)(left_ms - 1000) : 1000;
	const char *fn = getenv("AWS_LAMBDA_FUNCTION_NAME");
	struct aaa_err err;
	int rc = -1;

	if (!fn || !p) {
		log_error("%s: cannot resume: AWS_LAMBDA_FUNCTION_NAME is not set", who);
		goto out;
	}
	if (agent_invoke_async(fn, p, budget, &err) != 0) {
		log_error("%s: cannot invoke %s to resume: %s", who, fn, err.message);
		goto out;
	}
	log_info("%s: continues in a new invocation of %s", who, fn);
	rc = 0;
out:
	cJSON_Delete(p);
	return rc;
}

/* Invokes this function again to carry on with the job. */
static int s_resume_later(const char *id, long long left_ms)
{
	cJSON *p = cJSON_CreateObject();
	char who[96];

	snprintf(who, sizeof(who), "job %s", id);
	if (p) {
		cJSON_AddStringToObject(p, "action", "resume");
		cJSON_AddStringToObject(p, "job", id);
	}
	return s_invoke_self(p, left_ms, who);
}

static void s_owner(const struct runtime_ctx *ctx, char *owner, size_t len);
static void s_issue_opts(const struct runtime_ctx *ctx, const char *owner, struct issue_opts *io);

/* Runs (or continues) a job and builds the answer. */
static cJSON *s_run(struct agent *a, struct job *job, const struct runtime_ctx *ctx,
		    const char *action)
{
	struct issue_opts io;
	enum issue_result res;
	char owner[96];
	cJSON *out;

	/* A duplicate delivery carries the same request id: the owner must tell
	 * the two apart, or both would think they hold the lease. */
	s_owner(ctx, owner, sizeof(owner));
	s_issue_opts(ctx, owner, &io);
	res = issue_run(a, job, &io);
	out = s_job_answer(a, job, action);
	if (!out)
		return NULL;
	if (res == ISSUE_YIELD) {
		cJSON_AddBoolToObject(
		    out, "resumes",
		    s_resume_later(job_id(job), ctx->remaining_ms ? ctx->remaining_ms(ctx) : -1) ==
			0);
	} else if (res == ISSUE_BUSY) {
		cJSON_AddStringToObject(out, "note",
					"another invocation is working on this job, or it is "
					"finished; nothing was done twice");
	} else {
		if (res == ISSUE_FAILED && !json_obj(out, "error"))
			json_add_error(out, &a->err);
		s_notify(a, job, out);
	}
	return out;
}

/* The answer for a name that got no job: skipped (msg a note) or failed (code, msg). */
static cJSON *s_name_answer(const char *name, const char *state, const char *code, const char *msg)
{
	cJSON *o = cJSON_CreateObject(), *e;

	if (!o)
		return NULL;
	cJSON_AddNullToObject(o, "job");
	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddStringToObject(o, "state", state);
	if (code && (e = cJSON_AddObjectToObject(o, "error"))) {
		cJSON_AddStringToObject(e, "source", "input");
		cJSON_AddStringToObject(e, "code", code);
		cJSON_AddStringToObject(e, "message", msg);
	} else if (msg) {
		cJSON_AddStringToObject(o, "note", msg);
	}
	return o;
}

/*
 * The scheduler's hand-off names the serial it saw ("serial"): Lambda
 * delivers an async event at least once, and a delivery after the first one
 * renewed the certificate must not renew it again. 1 with *out set to the
 * "skipped" answer when the stored serial moved on.
 */
static int s_renewed_since(const cJSON *event, const cJSON *meta, const char *name, cJSON **out)
{
	const char *seen = json_str(event, "serial"), *now = json_str(meta, "serial");
	char *note;

	if (!seen || !now || strcmp(seen, now) == 0)
		return 0;
	note = str_printf("renewed since the scheduler's pass (serial %s, now %s)", seen, now);
	if ((*out = s_name_answer(name, "skipped", NULL, note ? note : "renewed since")))
		cJSON_AddStringToObject(*out, "action", "renew");
	free(note);
	return 1;
}

/* cert and renew: a job per request (the idempotency key finds a repeat). */
static cJSON *s_issue(struct agent *a, const cJSON *event, const struct runtime_ctx *ctx,
		      int renewal, struct aaa_err *err)
{
	struct renew_request rr = {0};
	struct job_request req = {0};
	struct job job = {0};
	const char **names = NULL, **deploy = NULL;
	cJSON *extra = cJSON_CreateObject(), *out = NULL;
	char *key = NULL;
	int existing = 0, r;

	if (!extra)
		goto out;
	if (renewal) {
		const char *name = json_str(event, "name");

		if ((r = renew_request_prepare(a, name, &rr)) != 0) {
			if (r > 0)
				rt_error_set(err, "NotFound", "no stored certificate %s to renew",
					     name);
			else
				s_agent_failed(err, a, "StoreError");
			goto out;
		}
		if (s_renewed_since(event, rr.meta, name, &out))
			goto out;
		req = rr.req;
		if (json_str(event, "idempotency_key"))
			req.idempotency_key = json_str(event, "idempotency_key");
		cJSON_AddBoolToObject(extra, "renewal", 1);
	} else {
		if (json_str_array_view(json_arr(event, "names"), &names, &req.nnames) != 0 ||
		    json_str_array_view(json_arr(event, "deploy"), &deploy, &req.ndeploy) != 0)
			goto out;
		req.names = names;
		req.deploy = deploy;
		req.key_type = json_str(event, "key_type");
		req.acme_profile = json_str(event, "acme_profile");
		if (req.acme_profile && !*req.acme_profile)
			req.acme_profile = NULL; /* "": the default, as when absent */
		req.create_key = json_bool(event, "create_key", 0);
		req.idempotency_key = json_str(event, "idempotency_key");
		/* Without a key of its own, a request is its Lambda request id: a
		 * duplicate delivery of one async event carries the same id. */
		if (!req.idempotency_key && ctx->request_id &&
		    (key = str_printf("request:%s", ctx->request_id)))
			req.idempotency_key = key;
	}
	cJSON_AddStringToObject(extra, "action", renewal ? "renew" : "cert");
	if (json_str(event, "response_url"))
		cJSON_AddStringToObject(extra, "response_url", json_str(event, "response_url"));
	if (json_obj(event, "requested_by"))
		cJSON_AddItemToObject(extra, "requested_by",
				      cJSON_Duplicate(json_obj(event, "requested_by"), 1));
	req.extra = extra;
	if (job_create(a, &req, &job, &existing) != 0) {
		s_agent_failed(err, a, "StoreError");
		goto out;
	}
	if (existing)
		log_info("job %s: the same request again; carrying on with it", job_id(&job));
	out = s_run(a, &job, ctx, renewal ? "renew" : "cert");
out:
	job_clear(&job);
	cJSON_Delete(extra);
	renew_request_clear(&rr);
	free(names);
	free(deploy);
	free(key);
	return out;
}

/* The lease owner of this invocation: the request id and a nonce (a
 * duplicate delivery carries the same request id). */
static void s_owner(const struct runtime_ctx *ctx, char *owner, size_t len)
{
	unsigned nonce = 0;

	if (crypto_random(&nonce, sizeof(nonce)) != 0)
		nonce = (unsigned)getpid();
	snprintf(owner, len, "%.80s/%08x", ctx->request_id ? ctx->request_id : "lambda", nonce);
}

/* The lease and margin of a job run by this invocation. */
static void s_issue_opts(const struct runtime_ctx *ctx, const char *owner, struct issue_opts *io)
{
	memset(io, 0, sizeof(*io));
	io->owner = owner;
	/* The lease lasts as long as this invocation can: a worker that dies
	 * (timeout, crash) leaves a lease the next delivery can take soon. */
	if (ctx->remaining_ms && ctx->remaining_ms(ctx) > 0)
		io->lease_s = (long)(ctx->remaining_ms(ctx) / 1000) + 5;
	io->margin_ms = s_margin_ms();
	/* A short function timeout must still leave room for work: never keep
	 * more than a third of what the invocation started with. */
	if (ctx->remaining_ms) {
		long long start = ctx->remaining_ms(ctx);

		if (start > 0 && io->margin_ms > start / 3)
			io->margin_ms = start / 3 > 1000 ? (long)(start / 3) : 1000;
	}
}

/* The most certificates one batch payload may name (the scheduler sends
 * AAA_BATCH_SIZE, at most this). */
#define BATCH_MAX 100

/* Invokes this function again with resume_batch for the jobs to go on. */
static int s_resume_batch_later(const cJSON *ids, long long left_ms)
{
	cJSON *p = cJSON_CreateObject();
	char who[64];

	snprintf(who, sizeof(who), "batch of %d job(s)", cJSON_GetArraySize(ids));
	if (p) {
		cJSON_AddStringToObject(p, "action", "resume_batch");
		cJSON_AddItemToObject(p, "jobs", cJSON_Duplicate(ids, 1));
	}
	return s_invoke_self(p, left_ms, who);
}

/*
 * Runs the loaded jobs as one batch and answers for all of them:
 * {"job":null,"action","state","jobs":[each job's answer, and entries for
 * names that got no job]}. state: done (every job done or skipped), failed
 * (none done), partial, or in_progress when some were saved to be resumed
 * ("resumes" says whether the resume_batch invocation went out).
 */
static cJSON *s_batch_run(struct agent *a, struct job *jobs, size_t n, cJSON *extra_answers,
			  const struct runtime_ctx *ctx, const char *action)
{
	struct issue_batch_item *items = calloc(n ? n : 1, sizeof(*items));
	struct issue_opts io;
	char owner[96];
	cJSON *out = cJSON_CreateObject(), *arr, *yielded = cJSON_CreateArray(), *it;
	size_t i, ndone = 0, nfailed = 0;

	if (!items || !out || !yielded)
		goto fail;
	s_owner(ctx, owner, sizeof(owner));
	s_issue_opts(ctx, owner, &io);
	for (i = 0; i < n; i++)
		items[i].job = &jobs[i];
	if (n)
		issue_batch_run(a, items, n, &io);
	cJSON_AddNullToObject(out, "job");
	cJSON_AddStringToObject(out, "action", action);
	if (!(arr = cJSON_AddArrayToObject(out, "jobs")))
		goto fail;
	for (i = 0; i < n; i++) {
		if (!(it = s_job_answer(a, &jobs[i], "renew")))
			goto fail;
		cJSON_AddItemToArray(arr, it);
		if (items[i].res == ISSUE_YIELD)
			cJSON_AddItemToArray(yielded, cJSON_CreateString(job_id(&jobs[i])));
		else if (items[i].res == ISSUE_BUSY)
			cJSON_AddStringToObject(it, "note",
						"another invocation is working on this job, or it "
						"is finished; nothing was done twice");
		ndone += job_state(&jobs[i]) == JOB_DONE;
		nfailed += job_state(&jobs[i]) == JOB_FAILED;
	}
	while (extra_answers && cJSON_GetArraySize(extra_answers) > 0) {
		it = cJSON_DetachItemFromArray(extra_answers, 0);
		if (json_str(it, "state") && strcmp(json_str(it, "state"), "failed") == 0)
			nfailed++;
		else
			ndone++; /* skipped: nothing was to be done */
		cJSON_AddItemToArray(arr, it);
	}
	cJSON_AddStringToObject(out, "state",
				cJSON_GetArraySize(yielded) > 0		   ? "in_progress"
				: ndone == (size_t)cJSON_GetArraySize(arr) ? "done"
				: ndone == 0 && nfailed			   ? "failed"
									   : "partial");
	if (cJSON_GetArraySize(yielded) > 0)
		cJSON_AddBoolToObject(out, "resumes",
				      s_resume_batch_later(yielded, ctx->remaining_ms
									? ctx->remaining_ms(ctx)
									: -1) == 0);
	cJSON_AddItemToObject(out, "resume_jobs", yielded);
	yielded = NULL;
	free(items);
	return out;
fail:
	cJSON_Delete(out);
	cJSON_Delete(yielded);
	free(items);
	return NULL;
}

/* 1 when the array of strings arr holds s. */
static int s_listed(const cJSON *arr, const char *s)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, arr)
	{
		if (s && cJSON_IsString(it) && strcmp(it->valuestring, s) == 0)
			return 1;
	}
	return 0;
}

/*
 * renew_batch: the stored certificates named, renewed as one batch (the
 * scheduler's hand-off, grouped by hosted zone). Each gets the job a renew
 * of it would get (same idempotency key), so a repeated delivery finds the
 * jobs. With due_only (the scheduler sets it), a certificate that is no
 * longer due (renewed since the pass, e.g. by an earlier delivery of this
 * event) is skipped rather than renewed twice; "ari_moved" lists the
 * serials the scheduler found due by the CA's moved ARI window, which
 * meta.json's renew_after does not know: those versions are due too.
 */

static cJSON *s_renew_batch(struct agent *a, const cJSON *event, const struct runtime_ctx *ctx,
			    struct aaa_err *err)
{
	const cJSON *names = json_arr(event, "names"), *nm;
	int due_only = json_bool(event, "due_only", 0), existing, r;
	struct job *jobs = NULL;
	cJSON *extra = cJSON_CreateObject(), *others = cJSON_CreateArray(), *out = NULL;
	size_t n = 0, i, cap = (size_t)cJSON_GetArraySize(names);
	char why[512];

	if (cap > BATCH_MAX) {
		rt_error_set(err, "InvalidRequest",
			     "action \"renew_batch\": %zu names, at most %d in one batch", cap,
			     BATCH_MAX);
		goto out;
	}
	if (!extra || !others || !(jobs = calloc(cap ? cap : 1, sizeof(*jobs))))
		goto out;
	cJSON_AddBoolToObject(extra, "renewal", 1);
	cJSON_AddStringToObject(extra, "action", "renew");
	cJSON_ArrayForEach(nm, names)
	{
		struct renew_request rr;
		const char *name = nm->valuestring;
		const cJSON *prev;
		int dup = 0;

		/* A name given twice is one certificate: one job, run once. */
		for (prev = names->child; prev != nm && !dup; prev = prev->next)
			dup = strcmp(prev->valuestring, name) == 0;
		if (dup)
			continue;
		r = renew_request_prepare(a, name, &rr);
		if (r != 0) {
			cJSON_AddItemToArray(
			    others, s_name_answer(name, "failed", r > 0 ? "NotFound" : "StoreError",
						  r > 0 ? "no stored certificate to renew"
							: a->err.message));
			renew_request_clear(&rr);
			continue;
		}
		if (due_only && !renew_due(rr.meta, time(NULL), why, sizeof(why)) &&
		    !s_listed(json_arr(event, "ari_moved"), json_str(rr.meta, "serial"))) {
			cJSON_AddItemToArray(others, s_name_answer(name, "skipped", NULL, why));
			renew_request_clear(&rr);
			continue;
		}
		cJSON_DeleteItemFromObjectCaseSensitive(extra, "renew_of");
		cJSON_AddStringToObject(extra, "renew_of", name);
		rr.req.extra = extra;
		if (job_create(a, &rr.req, &jobs[n], &existing) != 0) {
			cJSON_AddItemToArray(
			    others, s_name_answer(name, "failed", "StoreError", a->err.message));
			renew_request_clear(&rr);
			continue;
		}
		if (existing)
			log_info("job %s: the same request again; carrying on with it",
				 job_id(&jobs[n]));
		n++;
		renew_request_clear(&rr);
	}
	out = s_batch_run(a, jobs, n, others, ctx, "renew_batch");
out:
	for (i = 0; jobs && i < n; i++)
		job_clear(&jobs[i]);
	free(jobs);
	cJSON_Delete(extra);
	cJSON_Delete(others);
	return out;
}

/* resume_batch: the jobs a batch saved before its deadline, as one batch. */
static cJSON *s_resume_batch(struct agent *a, const cJSON *event, const struct runtime_ctx *ctx,
			     struct aaa_err *err)
{
	const cJSON *ids = json_arr(event, "jobs"), *id;
	size_t n = 0, i, cap = (size_t)cJSON_GetArraySize(ids);
	struct job *jobs = NULL;
	cJSON *others = cJSON_CreateArray(), *out = NULL, *o;
	int r;

	if (cap > BATCH_MAX) {
		rt_error_set(err, "InvalidRequest",
			     "action \"resume_batch\": %zu jobs, at most %d in one batch", cap,
			     BATCH_MAX);
		goto out;
	}
	if (!others || !(jobs = calloc(cap ? cap : 1, sizeof(*jobs))))
		goto out;
	cJSON_ArrayForEach(id, ids)
	{
		const cJSON *prev;
		int dup = 0;

		for (prev = ids->child; prev != id && !dup; prev = prev->next)
			dup = strcmp(prev->valuestring, id->valuestring) == 0;
		if (dup)
			continue;
		if ((r = job_load(a, id->valuestring, &jobs[n])) == 0) {
			n++;
			continue;
		}
		o = s_name_answer(id->valuestring, "failed", r > 0 ? "NotFound" : "StoreError",
				  r > 0 ? "no such job" : a->err.message);
		if (o) {
			cJSON_DeleteItemFromObjectCaseSensitive(o, "name");
			cJSON_DeleteItemFromObjectCaseSensitive(o, "job");
			cJSON_AddStringToObject(o, "job", id->valuestring);
		}
		cJSON_AddItemToArray(others, o);
	}
	out = s_batch_run(a, jobs, n, others, ctx, "resume_batch");
out:
	for (i = 0; jobs && i < n; i++)
		job_clear(&jobs[i]);
	free(jobs);
	cJSON_Delete(others);
	return out;
}

static cJSON *s_resume(struct agent *a, const cJSON *event, const struct runtime_ctx *ctx,
		       struct aaa_err *err)
{
	struct job job = {0};
	cJSON *out = NULL;
	int r = job_load(a, json_str(event, "job"), &job);

	if (r != 0) {
		rt_error_set(err, r > 0 ? "NotFound" : "StoreError", "job %s: %s",
			     json_str(event, "job"), r > 0 ? "no such job" : a->err.message);
		return NULL;
	}
	out =
	    s_run(a, &job, ctx, json_str(job.doc, "action") ? json_str(job.doc, "action") : "cert");
	job_clear(&job);
	return out;
}

static cJSON *s_status(struct agent *a, const cJSON *event, const struct runtime_ctx *ctx,
		       struct aaa_err *err)
{
	struct job job = {0};
	cJSON *out = NULL, *meta = NULL;
	const char *id = json_str(event, "job"), *name = json_str(event, "name");
	int r;

	(void)ctx;
	if (id) {
		if ((r = job_load(a, id, &job)) != 0) {
			rt_error_set(err, r > 0 ? "NotFound" : "StoreError", "job %s: %s", id,
				     r > 0 ? "no such job" : a->err.message);
			return NULL;
		}
		out = s_job_answer(a, &job, "status");
		job_clear(&job);
		if (out)
			ca_pause_add(a, out, time(NULL));
		return out;
	}
	if ((r = agent_meta_load(a, name, &meta)) != 0) {
		rt_error_set(err, r > 0 ? "NotFound" : "StoreError", "%s: %s", name,
			     r > 0 ? "no stored certificate" : a->err.message);
		return NULL;
	}
	out = cJSON_CreateObject();
	json_add_str_opt(out, "job", json_str(meta, "job"));
	cJSON_AddStringToObject(out, "action", "status");
	cJSON_AddStringToObject(out, "state",
				json_bool(meta, "revoked", 0)	? "revoked"
				: json_int(meta, "failures", 0) ? "renewal_failing"
								: "valid");
	cJSON_AddItemToObject(out, "cert", cJSON_Duplicate(meta, 1));
	cJSON_Delete(meta);
	ca_pause_add(a, out, time(NULL));
	return out;
}

static cJSON *s_revoke(struct agent *a, const cJSON *event, const struct runtime_ctx *ctx,
		       struct aaa_err *err)
{
	cJSON *out = cJSON_CreateObject();
	int ok = agent_revoke(a, json_str(event, "name"), json_str(event, "reason")) == 0;

	(void)ctx;
	(void)err;
	cJSON_AddNullToObject(out, "job");
	cJSON_AddStringToObject(out, "action", "revoke");
	cJSON_AddStringToObject(out, "state", ok ? "done" : "failed");
	cJSON_AddStringToObject(out, "name", json_str(event, "name"));
	if (!ok)
		json_add_error(out, &a->err);
	return out;
}

/* Deploys the stored certificate again (the scheduler's retry of a failed
 * target; no new certificate is ordered). */
static cJSON *s_deploy(struct agent *a, const cJSON *event, const struct runtime_ctx *ctx,
		       struct aaa_err *err)
{
	cJSON *out = cJSON_CreateObject();
	const char *name = json_str(event, "name");
	int ok = agent_deploy_all(a, name, out) == 0;

	(void)ctx;
	(void)err;
	cJSON_AddNullToObject(out, "job");
	cJSON_AddStringToObject(out, "action", "deploy");
	cJSON_AddStringToObject(out, "state", ok ? "done" : "failed");
	cJSON_AddStringToObject(out, "name", name);
	if (!ok)
		json_add_error(out, &a->err);
	return out;
}

/* The encryption context the EAB HMAC ciphertext is made with; the
 * executor's role may decrypt only what carries it (template.yaml). */
#define EAB_CONTEXT_KEY	  "aaa"
#define EAB_CONTEXT_VALUE "eab-hmac"

static cJSON *s_answer(const char *action)
{
	cJSON *out = cJSON_CreateObject();

	if (out) {
		cJSON_AddNullToObject(out, "job");
		cJSON_AddStringToObject(out, "action", action);
	}
	return out;
}

static void s_error(cJSON *out, const char *source, const char *code, const char *message)
{
	cJSON *e = cJSON_AddObjectToObject(out, "error");

	cJSON_AddStringToObject(out, "state", "failed");
	cJSON_AddStringToObject(e, "source", source);
	cJSON_AddStringToObject(e, "code", code ? code : "");
	cJSON_AddStringToObject(e, "message", message);
}

/*
 * The EAB HMAC key from its KMS ciphertext, decrypted with the stack's key
 * and the EAB encryption context. NULL with the failed answer filled in.
 */
static char *s_eab_hmac(struct agent *a, const char *ct, cJSON *out)
{
	struct aws_reply reply;
	unsigned char *pt = NULL;
	size_t n = 0;
	char *msg;

	memset(&reply, 0, sizeof(reply));
	if (!a->cfg.kms_key_id) {
		s_error(out, "input", "",
			"eab.hmac_ciphertext is decrypted with this stack's KMS key, and "
			"AAA_S3_KMS_KEY is not set");
		return NULL;
	}
	if (kms_decrypt_ctx(ct, a->cfg.kms_key_id, EAB_CONTEXT_KEY, EAB_CONTEXT_VALUE, &pt, &n,
			    &reply) != 0) {
		msg = str_printf(
		    "eab.hmac_ciphertext cannot be decrypted with this stack's key %s and the "
		    "encryption context %s=%s: %s. Make it with: aws kms encrypt --key-id %s "
		    "--encryption-context %s=%s --plaintext fileb://hmac-key.txt --query "
		    "CiphertextBlob --output text (hmac-key.txt: the HMAC key the CA issued, as "
		    "it gave it); nothing was registered",
		    a->cfg.kms_key_id, EAB_CONTEXT_KEY, EAB_CONTEXT_VALUE,
		    reply.message ? reply.message : "KMS Decrypt failed", a->cfg.kms_key_id,
		    EAB_CONTEXT_KEY, EAB_CONTEXT_VALUE);
		s_error(out, "aws", reply.err.code, msg ? msg : "KMS Decrypt failed");
		free(msg);
		aws_reply_free(&reply);
		return NULL;
	}
	aws_reply_free(&reply);
	while (n > 0 &&
	       (pt[n - 1] == '\n' || pt[n - 1] == '\r' || pt[n - 1] == ' ' || pt[n - 1] == '\t'))
		pt[--n] = '\0';
	if (n == 0 || memchr(pt, '\0', n) != NULL) {
		s_error(out, "input", "",
			"eab.hmac_ciphertext decrypts to an empty or binary value: encrypt the "
			"HMAC key as the CA gave it (base64url text); nothing was registered");
		mem_wipe_free(pt, n);
		return NULL;
	}
	log_add_secret((const char *)pt);
	return (char *)pt;
}

/*
 * reg: the account for email (default AAA_EMAIL) with account_key (a key
 * type, or kms:KEY), EAB from a KMS ciphertext. Without agree a CA with
 * terms gets nothing: the answer names the terms URL. Nothing is stored
 * unless the CA accepted the account (agent_account_register).
 */
static cJSON *s_reg(struct agent *a, const cJSON *event, const struct runtime_ctx *ctx,
		    struct aaa_err *err)
{
	const cJSON *eab = json_obj(event, "eab");
	int agree = json_bool(event, "agree", 0), created = 0;
	char *hmac = NULL;
	cJSON *out, *acc;

	(void)ctx;
	if (eab && (!json_str(eab, "kid") || !*json_str(eab, "kid") ||
		    !json_str(eab, "hmac_ciphertext") || !*json_str(eab, "hmac_ciphertext"))) {
		rt_error_set(
		    err, "InvalidRequest",
		    "action \"reg\": \"eab\" needs \"kid\" (the key id the CA issued) "
		    "and \"hmac_ciphertext\" (its HMAC key encrypted with this stack's KMS "
		    "key), non-empty strings");
		return NULL;
	}
	if (!(out = s_answer("reg")))
		return NULL;
	if (json_str(event, "email"))
		a->cfg.email = json_str(event, "email");
	if (json_str(event, "account_key"))
		a->cfg.account_key = json_str(event, "account_key");
	if (eab) {
		if (!(hmac = s_eab_hmac(a, json_str(eab, "hmac_ciphertext"), out)))
			return out;
		a->cfg.eab_kid = json_str(eab, "kid");
		a->cfg.eab_hmac = hmac;
	}
	if (agent_account_register(a, agree, &created) != 0) {
		const char *terms = a->acme ? a->acme->dir.terms_of_service : NULL;

		if (!agree && terms && strstr(a->err.message, "terms of service must be agreed")) {
			cJSON_AddStringToObject(out, "state", "terms_not_agreed");
			cJSON_AddStringToObject(out, "terms_url", terms);
			cJSON_AddStringToObject(
			    out, "message",
			    "nothing was registered: read the CA's terms at terms_url, then invoke "
			    "again with \"agree\":true");
		} else {
			cJSON_AddStringToObject(out, "state", "failed");
			json_add_error(out, &a->err);
			if (eab && strcmp(a->err.source, "acme") == 0)
				cJSON_AddStringToObject(
				    out, "fix",
				    "check eab.kid and that eab.hmac_ciphertext encrypts the HMAC "
				    "key "
				    "the CA issued with that key id (EAB values are often "
				    "single-use: "
				    "ask the CA for a new pair if this one was used)");
		}
		goto out;
	}
	cJSON_AddStringToObject(out, "state", "done");
	acc = cJSON_AddObjectToObject(out, "account");
	json_add_str_opt(acc, "url", a->acme ? a->acme->kid : NULL);
	cJSON_AddBoolToObject(acc, "created", created);
	json_add_str_opt(acc, "directory", a->directory_url);
	/* The contact the CA now has: the one asked for (an existing account's
	 * is updated to it), else the stored one. */
	json_add_str_opt(acc, "email", a->cfg.email ? a->cfg.email : a->account_email);
	cJSON_AddBoolToObject(acc, "eab", eab != NULL);
out:
	a->cfg.eab_hmac = NULL;
	str_wipe_free(hmac);
	return out;
}

/*
 * doctor: the checks of `aaa doctor` with this function's own role and
 * settings (the store, the key, AAA_ZONE_ROLES), for the domains given.
 * Every failure names the permission or setting to fix.
 */
static cJSON *s_doctor(struct agent *a, const cJSON *event, const struct runtime_ctx *ctx,
		       struct aaa_err *err)
{
	struct agent_config c;
	struct doctor_opts o;
	struct doctor_report r;
	const char **domains = NULL;
	size_t n = 0, i;
	cJSON *out = s_answer("doctor"), *arr, *it;
	int failed;

	(void)a;
	(void)ctx;
	(void)err;
	if (!out)
		return NULL;
	memset(&o, 0, sizeof(o));
	agent_config_from_env(&c);
	(void)json_str_array_view(json_arr(event, "domains"), &domains, &n);
	o.s3_bucket = c.s3_bucket;
	o.s3_kms_key = c.kms_key_id;
	o.store = c.store_url;
	o.domains = domains;
	o.ndomains = n;
	o.zone_roles = c.zone_roles;
	o.nzone_roles = c.nzone_roles;
	o.kms_through_s3_only = 1;
	if (doctor_collect(&o, &r) != 0)
		log_warn("doctor: a check could not be recorded (out of memory?)");
	failed = doctor_report_failed(&r);
	cJSON_AddStringToObject(out, "state", failed ? "failed" : "done");
	cJSON_AddBoolToObject(out, "ok", !failed);
	arr = cJSON_AddArrayToObject(out, "checks");
	for (i = 0; arr && i < r.n; i++) {
		if (!(it = cJSON_CreateObject()) || !cJSON_AddItemToArray(arr, it)) {
			cJSON_Delete(it);
			break;
		}
		cJSON_AddStringToObject(it, "name", r.checks[i].name);
		cJSON_AddStringToObject(it, "status", doctor_status_names[r.checks[i].status]);
		json_add_str_opt(it, "detail", r.checks[i].detail);
		if (r.checks[i].fix)
			cJSON_AddStringToObject(it, "fix", r.checks[i].fix);
		else
			cJSON_AddNullToObject(it, "fix");
	}
	doctor_report_free(&r);
	free(domains);
	return out;
}
/*
 * cleanup: the TXT records a job left (its fleet/cleanup/ markers, handed on
 * by the scheduler). Idempotent: a second delivery finds nothing left; a job
 * that still needs its records is "busy" and left for a later pass.
 */
static cJSON *s_cleanup(struct agent *a, const cJSON *event, const struct runtime_ctx *ctx,
			struct aaa_err *err)
{
	cJSON *out = cJSON_CreateObject();
	char owner[96];

	(void)err;
	if (!out)
		return NULL;
	snprintf(owner, sizeof(owner), "cleanup/%.80s", ctx->request_id ? ctx->request_id : "cli");
	cJSON_AddStringToObject(out, "job", json_str(event, "job"));
	cJSON_AddStringToObject(out, "action", "cleanup");
	(void)leftover_cleanup(a, json_str(event, "job"), owner, out);
	return out;
}

static cJSON *s_cert(struct agent *a, const cJSON *event, const struct runtime_ctx *ctx,
		     struct aaa_err *err)
{
	return s_issue(a, event, ctx, 0, err);
}

static cJSON *s_renew(struct agent *a, const cJSON *event, const struct runtime_ctx *ctx,
		      struct aaa_err *err)
{
	return s_issue(a, event, ctx, 1, err);
}

static cJSON *s_ls(struct agent *a, const cJSON *event, const struct runtime_ctx *ctx,
		   struct aaa_err *err)
{
	cJSON *out = agent_ls(a);

	(void)event;
	(void)ctx;
	if (!out)
		s_agent_failed(err, a, "StoreError");
	return out;
}

/* The executor's actions: name, payload members, function (executor_actions.h). */
const struct exec_action exec_actions[] = {
    {"cert",
     {{"names", EXEC_NAMES, NULL},
      {"create_key", EXEC_BOOL_OPT, NULL},
      {"key_type", EXEC_STR_OPT, NULL},
      {"acme_profile", EXEC_STR_OPT, NULL},
      {"deploy", EXEC_LIST_OPT, NULL}},
     s_cert,
     1,
     0},
    {"renew", {{"name", EXEC_STR, NULL}, {"serial", EXEC_STR_OPT, NULL}}, s_renew, 1, 0},
    {"revoke", {{"name", EXEC_STR, NULL}, {"reason", EXEC_STR_OPT, NULL}}, s_revoke, 0, 0},
    {"ls", {{0}}, s_ls, 0, 0},
    {"status",
     {{"job", EXEC_EITHER, "a job id"}, {"name", EXEC_EITHER, "a certificate name"}},
     s_status,
     0,
     0},
    {"resume", {{"job", EXEC_STR, NULL}}, s_resume, 1, 0},
    {"deploy", {{"name", EXEC_STR, NULL}}, s_deploy, 0, 0},
    {"renew_batch",
     {{"names", EXEC_NAMES, NULL},
      {"due_only", EXEC_BOOL_OPT, NULL},
      {"ari_moved", EXEC_LIST_OPT, NULL}},
     s_renew_batch,
     1,
     0},
    {"resume_batch", {{"jobs", EXEC_NAMES, NULL}}, s_resume_batch, 1, 0},
    {"cleanup", {{"job", EXEC_STR, NULL}}, s_cleanup, 0, 0},
    {"reg",
     {{"email", EXEC_STR_OPT, NULL},
      {"agree", EXEC_BOOL_OPT, NULL},
      {"account_key", EXEC_STR_OPT, NULL},
      {"eab", EXEC_OBJ_OPT, NULL}},
     s_reg,
     0,
     0},
    /* No agent: a configuration it would refuse is one of doctor's answers. */
    {"doctor", {{"domains", EXEC_LIST_OPT, NULL}}, s_doctor, 0, 1},
};
const size_t exec_nactions = sizeof(exec_actions) / sizeof(exec_actions[0]);

int agent_executor(const cJSON *event, const struct runtime_ctx *ctx, char **response_json,
		   struct aaa_err *err)
{
	const struct exec_action *action = NULL;
	struct agent *a = NULL;
	cJSON *out = NULL;
	int rc = -1;

	if (executor_validate(event, &action, err) != 0)
		goto out;
	if (!action->no_agent && !(a = agent_open_env(ctx, err)))
		goto out;
	out = action->run(a, event, ctx, err);
	if (out && cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(out, "resumes")) &&
	    json_arr(out, "resume_jobs")) {
		char *ids = json_print(json_arr(out, "resume_jobs"));

		rt_error_set(err, "ResumeFailed",
			     "jobs %s are saved but this function could not invoke itself to "
			     "continue (see the log); Lambda's retry of this event, or "
			     "{\"action\":\"resume_batch\",\"jobs\":%s}, carries them on",
			     ids ? ids : "?", ids ? ids : "[...]");
		free(ids);
		goto out;
	}
	if (out && cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(out, "resumes"))) {
		/* Saved but not handed on: fail the invocation, so Lambda's retry
		 * of this same event (same request id, so the same job) carries on. */
		rt_error_set(err, "ResumeFailed",
			     "job %s is saved at state %s but this function could not invoke "
			     "itself to continue (see the log); Lambda's retry of this event, or "
			     "{\"action\":\"resume\",\"job\":\"%s\"}, carries it on",
			     json_str(out, "job"), json_str(out, "state"), json_str(out, "job"));
		goto out;
	}
	if (!out) {
		if (!err->type[0] && a && err_is_set(&a->err))
			s_agent_failed(err, a, "Internal");
		else if (!err->type[0])
			rt_error_set(err, "Internal", "failed");
		goto out;
	}
	/* A Slack request for an action without a job (ls, status, revoke,
	 * deploy) gets its answer in the channel too; a job posts its own. */
	if (!action->job_posts && json_str(event, "response_url")) {
		unsigned posts = 0;
		struct aaa_err nerr;

		if (slack_notify(json_str(event, "response_url"), out, &posts, &nerr) != 0)
			log_warn("the Slack reply failed: %s", nerr.message);
	}
	if (!(*response_json = json_print(out)))
		goto out;
	rc = 0;
out:
	cJSON_Delete(out);
	agent_free(a);
	return rc;
}
