/*
 * The agent: what aaa does, shared by the CLI and the Lambda handlers.
 * struct agent holds the resolved configuration, the open store and (once
 * needed) the ACME client with the account loaded. Every operation that
 * fails leaves its failure in agent->err (util/err.h): one line for the
 * user, the CA's or AWS's own code, and the source of the failure (for the
 * CLI's line, the executor's answer and the Slack reply).
 */
#ifndef AAA_AGENT_AGENT_H
#define AAA_AGENT_AGENT_H

#include <stddef.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "acme/post.h"
#include "store/store.h"
#include "util/err.h"

#define AGENT_ACCOUNT_NAME "default"

/* Everything borrowed: from argv, the environment or an event. */
struct agent_config {
	const char *store_url;	/* s3://B[/P] or file://DIR; NULL: from s3_bucket */
	const char *s3_bucket;	/* the original aaa's --s3-bucket */
	const char *kms_key_id; /* SSE-KMS key for the s3 store */
	const char *directory;	/* URL or letsencrypt|letsencrypt-staging|zerossl; NULL: staging */
	const char *email;
	const char *eab_kid;
	const char *eab_hmac;
	const char *account_key; /* NULL: local ec256; a key type; or "kms:KEY" */
	const char *preferred_chain;
	const char *profile;
	const char *const *zone_ids; /* "DOMAIN=ZONEID" */
	size_t nzone_ids;
	const char *const *zone_roles; /* "DOMAIN=ROLE_ARN" */
	size_t nzone_roles;
	int renew_before_days; /* 0: a third of the lifetime */
	/* Progress lines ("order created", "DNS records in sync"...) go to
	 * this stream when set (the CLI passes stderr). */
	void *progress; /* FILE * */
};

struct agent {
	struct agent_config cfg;
	struct store *store;
	char *directory_url; /* resolved */
	char *ca_host;	     /* store segment of the directory's host[:port] */
	char *account_dir;   /* accounts/<ca-host>/default */
	struct acme_client *acme;
	char *account_email; /* from account.json, may be NULL */
	/* Milliseconds left for the current invocation (Lambda); NULL: no limit. */
	long long (*remaining_ms)(void *ctx);
	void *remaining_ctx;
	struct aaa_err err; /* the last failure (agent_fail); source "acme", "aws", "dns",
			     * "store", "input", "interrupted"; code the CA's problem type
			     * or AWS's error code, may be "" */
};

/* Opens the store and resolves the directory. NULL and err (source "input":
 * the configuration is wrong). */
struct agent *agent_open(const struct agent_config *cfg, struct aaa_err *err);
void agent_free(struct agent *a);

/* The directory URL for an alias or URL (NULL: Let's Encrypt staging). Borrowed or
 * static; NULL for something that is neither an alias nor an https/http URL. */
const char *agent_directory_resolve(const char *dir);

/* AAA_RENEW_BEFORE_DAYS, a whole number of days (1..365); 0 when unset, and
 * 0 with a warning when it is not such a number. */
int agent_renew_before_days(void);

/* Sets agent->err (source, code, message); logged at info level only: the
 * caller reports it once (the CLI's last line, the executor's answer). */
void agent_fail(struct agent *a, const char *source, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Sets agent->err like agent_fail, keeping cause's source, code, HTTP
 * status and request id (a lower layer's error: dns01_err, a deploy's); the
 * message from fmt, which usually quotes cause->message (cause is not
 * a->err). A cause without a source counts as "internal". */
void agent_fail_from(struct agent *a, const struct aaa_err *cause, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Copies the ACME client's last error (with its problem type) into a->err. */
void agent_fail_acme(struct agent *a, const char *what);

/* One progress line: to cfg.progress when set, else an info log line. */
void agent_progress(const struct agent *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Invokes a Lambda function asynchronously (InvocationType Event) with the
 * JSON payload, retrying for at most budget_ms (0: the default policy).
 * 0, or -1 with err (AWS's one line, code, status and request id).
 */
int agent_invoke_async(const char *function, const cJSON *payload, long budget_ms,
		       struct aaa_err *err);

/* Store helpers: whole-object get (NUL-terminated; *etag optional, caller
 * frees both) and put. 0 ok, 1 not found, -1 error (agent->err set). */
int agent_store_get(struct agent *a, const char *key, char **data, size_t *len, char **etag);
int agent_store_put(struct agent *a, const char *key, const char *data, size_t len, int secret);

#endif
