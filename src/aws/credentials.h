/*
 * AWS credentials and the default provider chain, in the order of the AWS
 * CLI v2 (botocore):
 *
 *   1. environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
 *   2. the selected profile (AWS_PROFILE, else "default") of ~/.aws/config and
 *      ~/.aws/credentials (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE):
 *      a. role_arn with source_profile or credential_source -> STS AssumeRole
 *      b. web identity: AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN
 *         (+ AWS_ROLE_SESSION_NAME), or web_identity_token_file + role_arn in
 *         the profile -> STS AssumeRoleWithWebIdentity (GitHub Actions OIDC,
 *         EKS IRSA); the variables win over the profile, key by key
 *      c. IAM Identity Center (SSO): sso_session (an [sso-session NAME]
 *         section) or the legacy sso_start_url + sso_region, with
 *         sso_account_id + sso_role_name; the token `aws sso login` cached in
 *         ~/.aws/sso/cache (an sso_session's token refreshed with SSO OIDC
 *         CreateToken when it nears its end, as the CLI does) -> the
 *         portal's GetRoleCredentials
 *      d. static keys in the credentials file
 *      e. credential_process: a command whose JSON output holds the keys
 *      f. static keys in the config file
 *   3. container: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI
 *   4. EC2 instance metadata (IMDSv2), unless AWS_EC2_METADATA_DISABLED=true
 *
 * A source_profile may itself be any of a-f (the variables of b are read
 * only for the selected profile, as botocore does).
 *
 * The network steps go through injected functions (struct
 * aws_credentials_deps): an HTTP fetch (container, IMDS), AssumeRole,
 * AssumeRoleWithWebIdentity and the SSO portal call. The STS and SSO
 * clients provide the real ones (sts_install); unit tests pass fakes, and a
 * fake environment (aws/env.h). credential_process runs the command itself.
 *
 * Every provider returns 0 with *out set when it found credentials, 0 with
 * *out NULL when it is not configured (the chain tries the next one), and
 * -1 when it is configured but broken (logged; the chain stops there, as
 * the SDKs do, rather than silently using another identity). No message
 * ever holds a secret: keys, session tokens, SSO and web identity tokens,
 * or a credential_process's output.
 */
#ifndef AAA_AWS_CREDENTIALS_H
#define AAA_AWS_CREDENTIALS_H

#include <stddef.h>
#include <time.h>

#include "aws/env.h"
#include "util/err.h"

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
/*
 * Credentials AWS issued just now (STS, the SSO portal): like
 * aws_credentials_new with the source formatted, and the secret and the
 * token registered with the log's redaction. NULL on failure.
 */
struct aws_credentials *aws_credentials_issued(const char *access_key_id, const char *secret,
					       const char *token, time_t expiration,
					       const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Replaces c->source with the formatted text (a provider naming the role
 * or profile the credentials it got came through). 0, or -1 (out of
 * memory; c unchanged). */
int aws_credentials_set_source(struct aws_credentials *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void aws_credentials_free(struct aws_credentials *c);
/* 1 when c expires within AWS_CREDENTIALS_REFRESH_MARGIN of now. */
int aws_credentials_expiring(const struct aws_credentials *c, time_t now);
/* 1 when s[0..len) is an IAM role or role session name: min..max characters
 * of letters, digits and _+=,.@- (what IMDS and role_session_name may hold). */
int aws_iam_name_valid(const char *s, size_t len, size_t min, size_t max);
/* A role session name: given, else "aaa-<now>" written to buf; NULL when
 * given is not 2-64 characters of letters, digits and _+=,.@- (AWS's rule). */
const char *aws_role_session_name(const char *given, time_t now, char *buf, size_t len);

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

/* Calls STS AssumeRole signed with source; fills *out (caller frees). 0, or
 * -1 with err (STS's line and code). */
typedef int (*aws_assume_role_fn)(void *ctx, const struct aws_credentials *source,
				  const struct aws_assume_role_request *req,
				  struct aws_credentials **out, struct aaa_err *err);

struct aws_web_identity_request {
	const char *role_arn;
	const char *session_name;
	const char *token;  /* the OIDC token (a secret), read from the token file */
	const char *region; /* the profile's region, or NULL: the configured one */
};

/* Calls STS AssumeRoleWithWebIdentity (unsigned: the token is the
 * credential); fills *out (caller frees). 0, or -1 with err (STS's line). */
typedef int (*aws_web_identity_fn)(void *ctx, const struct aws_web_identity_request *req,
				   struct aws_credentials **out, struct aaa_err *err);

struct aws_sso_request {
	const char *region;	  /* sso_region: where the portal is */
	const char *access_token; /* from the SSO token cache (a secret) */
	const char *account_id;
	const char *role_name;
};

/* Calls the IAM Identity Center portal's GetRoleCredentials; fills *out
 * (caller frees). 0; 1 when the portal refused the token (expired or
 * signed out: the caller says to run aws sso login); -1 otherwise, with err
 * (the portal's line). */
typedef int (*aws_sso_role_fn)(void *ctx, const struct aws_sso_request *req,
			       struct aws_credentials **out, struct aaa_err *err);

struct aws_sso_refresh_request {
	const char *region; /* sso_region: where the OIDC service is */
	const char *client_id;
	const char *client_secret; /* secrets, from the token cache */
	const char *refresh_token;
};

/* A new access token (both strings owned; refresh_token NULL when the
 * service kept the old one). Free with aws_sso_token_free. */
struct aws_sso_token {
	char *access_token;
	char *refresh_token;
	long expires_in; /* seconds */
};
void aws_sso_token_free(struct aws_sso_token *t);

/* Calls SSO OIDC CreateToken with grant type refresh_token (what the AWS
 * CLI does for an sso_session profile near its token's expiry). 0, or -1
 * (logged). */
typedef int (*aws_sso_refresh_fn)(void *ctx, const struct aws_sso_refresh_request *req,
				  struct aws_sso_token *out);

struct aws_credentials_deps {
	const struct aws_env *env; /* NULL: the process environment */
	aws_fetch_fn fetch;	   /* NULL: container and IMDS are skipped */
	void *fetch_ctx;
	aws_assume_role_fn assume_role; /* NULL: role_arn profiles fail clearly */
	void *assume_role_ctx;
	aws_web_identity_fn web_identity; /* NULL: web identity fails clearly */
	void *web_identity_ctx;
	aws_sso_role_fn sso_role; /* NULL: SSO profiles fail clearly */
	void *sso_role_ctx;
	aws_sso_refresh_fn sso_refresh; /* NULL: an expiring SSO token is not refreshed */
	void *sso_refresh_ctx;
};

/* --- the providers (contract in the comment at the top) --- */

int aws_credentials_from_env(const struct aws_env *env, struct aws_credentials **out,
			     struct aaa_err *err);
int aws_credentials_from_profile(const struct aws_credentials_deps *d, time_t now,
				 struct aws_credentials **out, struct aaa_err *err);
int aws_credentials_from_container(const struct aws_credentials_deps *d,
				   struct aws_credentials **out, struct aaa_err *err);
int aws_credentials_from_imds(const struct aws_credentials_deps *d, struct aws_credentials **out,
			      struct aaa_err *err);
/*
 * Web identity for profile name (NULL: no profile, the variables only);
 * use_env: read AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN and
 * AWS_ROLE_SESSION_NAME first (the selected profile only).
 */
struct aws_profiles;
int aws_credentials_from_web_identity(const struct aws_credentials_deps *d,
				      const struct aws_profiles *p, const char *name, int use_env,
				      time_t now, struct aws_credentials **out,
				      struct aaa_err *err);
/* IAM Identity Center for profile name (see the top of this file). */
int aws_credentials_from_sso(const struct aws_credentials_deps *d, const struct aws_profiles *p,
			     const char *name, time_t now, struct aws_credentials **out,
			     struct aaa_err *err);
/* The SSO token cache file for key (an sso_session name or a start URL):
 * $HOME/.aws/sso/cache/<sha1 hex of key>.json. Caller frees; NULL without HOME. */
char *aws_sso_cache_path(const struct aws_env *env, const char *key);
/*
 * credential_process of profile name: command is split into words as a
 * POSIX shell would (quotes, backslashes; no expansion, no shell), run with
 * stdin inherited, and its stdout read as {"Version":1,"AccessKeyId",
 * "SecretAccessKey","SessionToken"?,"Expiration"?}. A nonzero exit is an
 * error quoting the first line of its stderr.
 */
int aws_credentials_from_process(const char *name, const char *command, time_t now,
				 struct aws_credentials **out, struct aaa_err *err);
/* The words of command (shell-like splitting, as above): a NULL-terminated
 * array, free with aws_argv_free. NULL on an unterminated quote, a trailing
 * backslash or an empty command (logged without the command's text). */
char **aws_split_command(const char *command, struct aaa_err *err);
void aws_argv_free(char **argv);
/* The whole chain, uncached. 0 with *out set, or -1 (logged; with
 * AWS_NO_CREDENTIALS_MSG when no provider was configured). */
int aws_credentials_resolve(const struct aws_credentials_deps *d, time_t now,
			    struct aws_credentials **out, struct aaa_err *err);

/*
 * Parses the JSON that container endpoints and IMDS return
 * ({"AccessKeyId","SecretAccessKey","Token","Expiration"}; IMDS adds
 * "Code":"Success"). what names the source in errors and becomes the
 * credentials' source. 0/-1.
 */
int aws_credentials_parse_json(const char *body, size_t len, const char *what,
			       struct aws_credentials **out, struct aaa_err *err);

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
			      const struct aws_credentials **out, struct aaa_err *err);
/* Drops the cache (after ExpiredToken, say); the next get resolves again. */
void aws_credentials_chain_clear(struct aws_credentials_chain *chain);
void aws_credentials_chain_free(struct aws_credentials_chain *chain);

#endif
