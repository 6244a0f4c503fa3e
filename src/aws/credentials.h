/*
 * AWS credentials and the default provider chain, in the SDKs' order:
 *
 *   1. environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
 *   2. shared files: the AWS_PROFILE (else "default") profile of
 *      ~/.aws/credentials and ~/.aws/config (AWS_SHARED_CREDENTIALS_FILE,
 *      AWS_CONFIG_FILE), static keys or role_arn with source_profile or
 *      credential_source -> STS AssumeRole
 *   3. container: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI
 *   4. EC2 instance metadata (IMDSv2), unless AWS_EC2_METADATA_DISABLED=true
 *
 * The network steps go through two function pointers (struct
 * aws_credentials_deps): an HTTP fetch (container, IMDS) and an AssumeRole
 * call. The lead wires them to http/ and the STS client; unit tests pass
 * fakes, and a fake environment (aws/env.h).
 *
 * Every provider returns 0 with *out set when it found credentials, 0 with
 * *out NULL when it is not configured (the chain tries the next one), and
 * -1 when it is configured but broken (logged; the chain stops there, as
 * the SDKs do, rather than silently using another identity).
 */
#ifndef AAA_AWS_CREDENTIALS_H
#define AAA_AWS_CREDENTIALS_H

#include <stddef.h>
#include <time.h>

#include "aws/env.h"

/* Refresh temporary credentials this long before they expire. */
#define AWS_CREDENTIALS_REFRESH_MARGIN 300

#define AWS_NO_CREDENTIALS_MSG                                                                     \
	"no AWS credentials found: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, "     \
	"or run with an IAM role"

/* All members owned; aws_credentials_free wipes the secrets. */
struct aws_credentials {
	char *access_key_id;
	char *secret_access_key;
	char *session_token; /* NULL when none */
	time_t expiration;   /* 0: does not expire */
	char *source;	     /* where they came from, for logs ("environment", ...) */
};

/* Copies every argument (token and source may be NULL). NULL on failure. */
struct aws_credentials *aws_credentials_new(const char *access_key_id, const char *secret,
					    const char *token, time_t expiration,
					    const char *source);
struct aws_credentials *aws_credentials_dup(const struct aws_credentials *c);
void aws_credentials_free(struct aws_credentials *c);
/* 1 when c expires within AWS_CREDENTIALS_REFRESH_MARGIN of now. */
int aws_credentials_expiring(const struct aws_credentials *c, time_t now);
/* 1 when s[0..len) is an IAM role or role session name: min..max characters
 * of letters, digits and _+=,.@- (what IMDS and role_session_name may hold). */
int aws_iam_name_valid(const char *s, size_t len, size_t min, size_t max);

/* --- the injected transports --- */

struct aws_fetch_request {
	const char *method; /* "GET" or "PUT" */
	const char *url;
	const char *const *headers; /* "Name: value", NULL-terminated; may be NULL */
	long timeout_ms;	    /* whole request */
};

struct aws_fetch_response {
	long status;
	char *body; /* malloc'ed, NUL-terminated, set by the fetcher; the
		       provider wipes and frees it (it holds secrets) */
	size_t body_len;
};

/* 0 when an HTTP answer arrived (any status), -1 on transport failure
 * (nothing listening, timeout). */
typedef int (*aws_fetch_fn)(void *ctx, const struct aws_fetch_request *req,
			    struct aws_fetch_response *resp);

struct aws_assume_role_request {
	const char *role_arn;
	const char *session_name;
	const char *external_id; /* NULL when none */
	const char *region;	 /* profile's region for the STS endpoint, or NULL */
	int duration_seconds;	 /* 0: STS default */
};

/* Calls STS AssumeRole signed with source; fills *out (caller frees). 0/-1. */
typedef int (*aws_assume_role_fn)(void *ctx, const struct aws_credentials *source,
				  const struct aws_assume_role_request *req,
				  struct aws_credentials **out);

struct aws_credentials_deps {
	const struct aws_env *env; /* NULL: the process environment */
	aws_fetch_fn fetch;	   /* NULL: container and IMDS are skipped */
	void *fetch_ctx;
	aws_assume_role_fn assume_role; /* NULL: role_arn profiles fail clearly */
	void *assume_role_ctx;
};

/* --- the providers (contract in the comment at the top) --- */

int aws_credentials_from_env(const struct aws_env *env, struct aws_credentials **out);
int aws_credentials_from_profile(const struct aws_credentials_deps *d, time_t now,
				 struct aws_credentials **out);
int aws_credentials_from_container(const struct aws_credentials_deps *d,
				   struct aws_credentials **out);
int aws_credentials_from_imds(const struct aws_credentials_deps *d, struct aws_credentials **out);
/* The whole chain, uncached. 0 with *out set, or -1 (logged; with
 * AWS_NO_CREDENTIALS_MSG when no provider was configured). */
int aws_credentials_resolve(const struct aws_credentials_deps *d, time_t now,
			    struct aws_credentials **out);

/*
 * Parses the JSON that container endpoints and IMDS return
 * ({"AccessKeyId","SecretAccessKey","Token","Expiration"}; IMDS adds
 * "Code":"Success"). what names the source in errors and becomes the
 * credentials' source. 0/-1.
 */
int aws_credentials_parse_json(const char *body, size_t len, const char *what,
			       struct aws_credentials **out);

/* --- the cached chain --- */

struct aws_credentials_chain;

/* deps is copied (the pointers in it stay borrowed). NULL on failure. */
struct aws_credentials_chain *aws_credentials_chain_new(const struct aws_credentials_deps *deps);
/*
 * Credentials valid at now: the cached ones until AWS_CREDENTIALS_REFRESH_MARGIN
 * before they expire, then fresh ones. If a refresh fails while the cached
 * credentials have not yet expired, those are used (with a warning).
 * *out is borrowed until the next get, clear or free. 0/-1.
 */
int aws_credentials_chain_get(struct aws_credentials_chain *chain, time_t now,
			      const struct aws_credentials **out);
/* Drops the cache (after ExpiredToken, say); the next get resolves again. */
void aws_credentials_chain_clear(struct aws_credentials_chain *chain);
void aws_credentials_chain_free(struct aws_credentials_chain *chain);

#endif
