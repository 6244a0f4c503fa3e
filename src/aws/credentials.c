#define _DEFAULT_SOURCE
#include "aws/credentials.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/credentials_profile.h"
#include "log/log.h"
#include "util/mem.h"

/* A role chain (profile -> source_profile -> ...) longer than this is
 * almost certainly a loop. */
#define S_MAX_ROLE_CHAIN 5

struct aws_credentials *aws_credentials_new(const char *access_key_id, const char *secret,
					    const char *token, time_t expiration,
					    const char *source)
{
	struct aws_credentials *c = NULL, *ret = NULL;

	if (access_key_id == NULL || secret == NULL)
		goto out;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		goto out;
	c->access_key_id = str_dup(access_key_id);
	c->secret_access_key = str_dup(secret);
	c->session_token = token && *token ? str_dup(token) : NULL;
	c->source = str_dup(source ? source : "unknown");
	c->expiration = expiration;
	if (c->access_key_id == NULL || c->secret_access_key == NULL || c->source == NULL ||
	    (token && *token && c->session_token == NULL))
		goto out;
	ret = c;
	c = NULL;
out:
	aws_credentials_free(c);
	return ret;
}

struct aws_credentials *aws_credentials_dup(const struct aws_credentials *c)
{
	if (c == NULL)
		return NULL;
	return aws_credentials_new(c->access_key_id, c->secret_access_key, c->session_token,
				   c->expiration, c->source);
}

struct aws_credentials *aws_credentials_issued(const char *access_key_id, const char *secret,
					       const char *token, time_t expiration,
					       const char *fmt, ...)
{
	struct aws_credentials *c;
	va_list ap;
	char *source;

	va_start(ap, fmt);
	source = str_vprintf(fmt, ap);
	va_end(ap);
	c = source ? aws_credentials_new(access_key_id, secret, token, expiration, source) : NULL;
	free(source);
	if (c) {
		log_add_secret(c->secret_access_key);
		if (c->session_token)
			log_add_secret(c->session_token);
	}
	return c;
}

int aws_credentials_set_source(struct aws_credentials *c, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = str_vprintf(fmt, ap);
	va_end(ap);
	if (s == NULL)
		return -1;
	free(c->source);
	c->source = s;
	return 0;
}

void aws_credentials_free(struct aws_credentials *c)
{
	if (c == NULL)
		return;
	str_wipe_free(c->access_key_id);
	str_wipe_free(c->secret_access_key);
	str_wipe_free(c->session_token);
	free(c->source);
	mem_wipe(c, sizeof(*c));
	free(c);
}

int aws_credentials_expiring(const struct aws_credentials *c, time_t now)
{
	return c->expiration != 0 && c->expiration - AWS_CREDENTIALS_REFRESH_MARGIN <= now;
}

static const struct aws_env *s_env(const struct aws_credentials_deps *d)
{
	return d && d->env ? d->env : aws_env_process();
}

/*
 * AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN, or the
 * legacy AWS_SECURITY_TOKEN). One without the other is an error: a
 * half-set environment must not fall through to another identity.
 */
int aws_credentials_from_env(const struct aws_env *env, struct aws_credentials **out,
			     struct aaa_err *err)
{
	const char *ak = aws_env_get(env, "AWS_ACCESS_KEY_ID");
	const char *sk = aws_env_get(env, "AWS_SECRET_ACCESS_KEY");
	const char *tok = aws_env_get(env, "AWS_SESSION_TOKEN");
	int rc = -1;

	*out = NULL;
	if (tok == NULL)
		tok = aws_env_get(env, "AWS_SECURITY_TOKEN");
	if (ak == NULL && sk == NULL) {
		rc = 0;
		goto out;
	}
	if (ak == NULL || sk == NULL) {
		log_fail(err, "aws", "", "%s is set but %s is not: set both or neither",
			 ak ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
			 ak ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
		goto out;
	}
	*out = aws_credentials_new(ak, sk, tok, 0, "environment");
	rc = *out ? 0 : -1;
out:
	return rc;
}

/* Static keys of one profile: 0 with *out, 0 with NULL when the profile
 * has none, -1 when only half of them is there. */
static int s_profile_static(const struct aws_profiles *p, const char *name,
			    struct aws_credentials **out, struct aaa_err *err)
{
	const char *path = NULL, *spath = NULL;
	const char *ak = aws_profile_get(p, name, "aws_access_key_id", &path);
	const char *sk = aws_profile_get(p, name, "aws_secret_access_key", &spath);
	const char *tok = aws_profile_get(p, name, "aws_session_token", NULL);
	char *source = NULL;
	int rc = -1;

	*out = NULL;
	if (tok == NULL)
		tok = aws_profile_get(p, name, "aws_security_token", NULL);
	if (ak == NULL && sk == NULL) {
		rc = 0;
		goto out;
	}
	if (ak == NULL || sk == NULL || *ak == '\0' || *sk == '\0') {
		log_fail(err, "aws", "", "profile %s in %s has %s but no %s", name,
			 path ? path : spath, ak ? "aws_access_key_id" : "aws_secret_access_key",
			 ak ? "aws_secret_access_key" : "aws_access_key_id");
		goto out;
	}
	source = str_printf("profile %s (%s)", name, path);
	*out = aws_credentials_new(ak, sk, tok, 0, source);
	rc = *out ? 0 : -1;
out:
	free(source);
	return rc;
}

const char *aws_role_session_name(const char *given, time_t now, char *buf, size_t len)
{
	if (given == NULL) {
		snprintf(buf, len, "aaa-%lld", (long long)now);
		given = buf;
	}
	return aws_iam_name_valid(given, strlen(given), 2, 64) ? given : NULL;
}

int aws_iam_name_valid(const char *s, size_t len, size_t min, size_t max)
{
	size_t i;

	if (s == NULL || len < min || len > max)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || (s[i] && strchr("_+=,.@-", s[i]))))
			return 0;
	return 1;
}

static int s_profile_creds(const struct aws_credentials_deps *d, const struct aws_profiles *p,
			   const char *name, time_t now, int depth, struct aws_credentials **out,
			   struct aaa_err *err);

/*
 * Where the role's source credentials come from: source_profile (another
 * profile, or this one's own static keys when it names itself), or
 * credential_source (Environment, Ec2InstanceMetadata, EcsContainer).
 */
static int s_role_source(const struct aws_credentials_deps *d, const struct aws_profiles *p,
			 const char *name, time_t now, int depth, struct aws_credentials **out,
			 struct aaa_err *err)
{
	const char *sp = aws_profile_get(p, name, "source_profile", NULL);
	const char *cs = aws_profile_get(p, name, "credential_source", NULL);
	int rc = -1;

	*out = NULL;
	if ((sp == NULL) == (cs == NULL)) {
		log_fail(err, "aws", "",
			 "profile %s has role_arn and must have exactly one of source_profile "
			 "and credential_source",
			 name);
		goto out;
	}
	if (sp && strcmp(sp, name) == 0) {
		rc = s_profile_static(p, name, out, err);
	} else if (sp) {
		if (!aws_profile_exists(p, sp)) {
			log_fail(err, "aws", "", "profile %s: source_profile %s does not exist",
				 name, sp);
			goto out;
		}
		rc = s_profile_creds(d, p, sp, now, depth + 1, out, err);
	} else if (strcasecmp(cs, "Environment") == 0) {
		rc = aws_credentials_from_env(s_env(d), out, err);
	} else if (strcasecmp(cs, "Ec2InstanceMetadata") == 0) {
		rc = aws_credentials_from_imds(d, out, err);
	} else if (strcasecmp(cs, "EcsContainer") == 0) {
		rc = aws_credentials_from_container(d, out, err);
	} else {
		log_fail(err, "aws", "",
			 "profile %s: credential_source %s is not one of Environment, "
			 "Ec2InstanceMetadata, EcsContainer",
			 name, cs);
		goto out;
	}
	if (rc == 0 && *out == NULL) {
		log_fail(err, "aws", "", "profile %s: its %s %s supplied no credentials", name,
			 sp ? "source_profile" : "credential_source", sp ? sp : cs);
		rc = -1;
	}
out:
	return rc;
}

/* role_arn: source credentials, then AssumeRole through d->assume_role. */
static int s_profile_role(const struct aws_credentials_deps *d, const struct aws_profiles *p,
			  const char *name, const char *role_arn, time_t now, int depth,
			  struct aws_credentials **out, struct aaa_err *err)
{
	struct aws_assume_role_request req;
	struct aaa_err sts;
	struct aws_credentials *src = NULL, *res = NULL;
	const char *dur = aws_profile_get(p, name, "duration_seconds", NULL);
	char session[32], *end = NULL;
	long secs = 0;
	int rc = -1;

	*out = NULL;
	memset(&req, 0, sizeof(req));
	if (aws_profile_get(p, name, "mfa_serial", NULL)) {
		log_fail(err, "aws", "",
			 "profile %s: mfa_serial needs an interactive MFA code; aaa cannot use "
			 "this profile (use one without mfa_serial)",
			 name);
		goto out;
	}
	if (dur) {
		secs = strtol(dur, &end, 10);
		if (*dur == '\0' || *end != '\0' || secs < 900 || secs > 43200) {
			log_fail(err, "aws", "", "profile %s: duration_seconds must be 900..43200",
				 name);
			goto out;
		}
	}
	req.role_arn = role_arn;
	req.external_id = aws_profile_get(p, name, "external_id", NULL);
	req.region = aws_profile_get(p, name, "region", NULL);
	req.duration_seconds = (int)secs;
	req.session_name = aws_role_session_name(
	    aws_profile_get(p, name, "role_session_name", NULL), now, session, sizeof(session));
	if (req.session_name == NULL) {
		log_fail(err, "aws", "",
			 "profile %s: role_session_name must be 2-64 characters of "
			 "letters, digits and _+=,.@-",
			 name);
		goto out;
	}
	if (d == NULL || d->assume_role == NULL) {
		log_fail(err, "aws", "",
			 "profile %s: role_arn needs STS AssumeRole, which is not available here",
			 name);
		goto out;
	}
	if (s_role_source(d, p, name, now, depth, &src, err) != 0)
		goto out;
	log_debug("profile %s: assuming role %s with credentials from %s", name, role_arn,
		  src->source);
	err_clear(&sts);
	if (d->assume_role(d->assume_role_ctx, src, &req, &res, &sts) != 0 || res == NULL) {
		log_fail(err, "aws", sts.code,
			 "profile %s: AssumeRole %s failed (credentials from %s)", name, role_arn,
			 src->source);
		err_detail(err, sts.http_status, sts.request_id);
		goto out;
	}
	if (aws_credentials_set_source(res, "role %s (profile %s)", role_arn, name) != 0)
		goto out;
	*out = res;
	res = NULL;
	rc = 0;
out:
	aws_credentials_free(src);
	aws_credentials_free(res);
	return rc;
}

/*
 * What a profile holds after role_arn and web identity, in botocore's order:
 * SSO, the credentials file's keys, credential_process, the config file's
 * keys.
 */
static int s_profile_rest(const struct aws_credentials_deps *d, const struct aws_profiles *p,
			  const char *name, time_t now, struct aws_credentials **out,
			  struct aaa_err *err)
{
	const char *cp;
	int rc;

	*out = NULL;
	rc = aws_credentials_from_sso(d, p, name, now, out, err);
	if (rc != 0 || *out != NULL)
		return rc;
	if (aws_ini_get(&p->credentials, name, "aws_access_key_id") ||
	    aws_ini_get(&p->credentials, name, "aws_secret_access_key"))
		return s_profile_static(p, name, out, err);
	cp = aws_profile_get(p, name, "credential_process", NULL);
	if (cp)
		return aws_credentials_from_process(name, cp, now, out, err);
	return s_profile_static(p, name, out, err);
}

/* One profile's credentials; use_env: the selected profile, whose web
 * identity may come from the environment. */
static int s_profile_creds(const struct aws_credentials_deps *d, const struct aws_profiles *p,
			   const char *name, time_t now, int depth, struct aws_credentials **out,
			   struct aaa_err *err)
{
	const char *role_arn = aws_profile_get(p, name, "role_arn", NULL);
	const char *wif = aws_profile_get(p, name, "web_identity_token_file", NULL);
	int rc = -1;

	*out = NULL;
	if (depth > S_MAX_ROLE_CHAIN) {
		log_fail(err, "aws", "",
			 "profile %s: role chain through source_profile is longer than %d "
			 "(a loop?)",
			 name, S_MAX_ROLE_CHAIN);
		goto out;
	}
	if (role_arn && wif == NULL) {
		rc = s_profile_role(d, p, name, role_arn, now, depth, out, err);
		goto out;
	}
	rc = aws_credentials_from_web_identity(d, p, name, depth == 0, now, out, err);
	if (rc != 0 || *out != NULL)
		goto out;
	rc = s_profile_rest(d, p, name, now, out, err);
out:
	return rc;
}

/*
 * The shared-files provider. An explicitly selected profile (AWS_PROFILE)
 * that exists in neither file is an error; a missing "default" is not.
 */
int aws_credentials_from_profile(const struct aws_credentials_deps *d, time_t now,
				 struct aws_credentials **out, struct aaa_err *err)
{
	const struct aws_env *env = s_env(d);
	const char *name = aws_profile_name(env);
	struct aws_profiles p;
	int rc = -1;

	*out = NULL;
	if (aws_profiles_load(env, &p, err) != 0)
		goto out;
	if (!aws_profile_exists(&p, name)) {
		if (strcmp(name, "default") == 0) {
			/* no profile: the web identity variables alone still count */
			rc = aws_credentials_from_web_identity(d, &p, NULL, 1, now, out, err);
			goto out;
		}
		log_fail(err, "aws", "", "AWS profile %s not found in %s or %s", name,
			 p.credentials_path ? p.credentials_path : "~/.aws/credentials",
			 p.config_path ? p.config_path : "~/.aws/config");
		goto out;
	}
	rc = s_profile_creds(d, &p, name, now, 0, out, err);
out:
	aws_profiles_free(&p);
	return rc;
}

int aws_credentials_resolve(const struct aws_credentials_deps *d, time_t now,
			    struct aws_credentials **out, struct aaa_err *err)
{
	int rc;

	*out = NULL;
	/* A profile named on the command line is what the user asked for:
	 * the environment's keys do not shadow it (as in the AWS CLI). */
	rc = aws_env_profile_explicit(s_env(d)) ? 0 : aws_credentials_from_env(s_env(d), out, err);
	if (rc == 0 && *out == NULL)
		rc = aws_credentials_from_profile(d, now, out, err);
	if (rc == 0 && *out == NULL)
		rc = aws_credentials_from_container(d, out, err);
	if (rc == 0 && *out == NULL)
		rc = aws_credentials_from_imds(d, out, err);
	if (rc == 0 && *out == NULL) {
		log_fail(err, "aws", "", "%s", AWS_NO_CREDENTIALS_MSG);
		rc = -1;
	}
	if (rc == 0)
		log_info("using AWS credentials from %s (access key %.4s...)", (*out)->source,
			 (*out)->access_key_id);
	return rc;
}

struct aws_credentials_chain {
	struct aws_credentials_deps deps;
	struct aws_credentials *cached;
};

struct aws_credentials_chain *aws_credentials_chain_new(const struct aws_credentials_deps *deps)
{
	struct aws_credentials_chain *c = calloc(1, sizeof(*c));

	if (c && deps)
		c->deps = *deps;
	return c;
}

int aws_credentials_chain_get(struct aws_credentials_chain *chain, time_t now,
			      const struct aws_credentials **out, struct aaa_err *err)
{
	struct aws_credentials *fresh = NULL;
	int rc = -1;

	*out = NULL;
	if (chain->cached && !aws_credentials_expiring(chain->cached, now)) {
		*out = chain->cached;
		rc = 0;
		goto out;
	}
	if (aws_credentials_resolve(&chain->deps, now, &fresh, err) != 0) {
		if (chain->cached && chain->cached->expiration > now) {
			log_warn("refreshing AWS credentials failed; using those from %s until "
				 "they expire",
				 chain->cached->source);
			*out = chain->cached;
			rc = 0;
		}
		goto out;
	}
	aws_credentials_free(chain->cached);
	chain->cached = fresh;
	*out = fresh;
	rc = 0;
out:
	return rc;
}

void aws_credentials_chain_clear(struct aws_credentials_chain *chain)
{
	if (chain == NULL)
		return;
	aws_credentials_free(chain->cached);
	chain->cached = NULL;
}

void aws_credentials_chain_free(struct aws_credentials_chain *chain)
{
	if (chain == NULL)
		return;
	aws_credentials_chain_clear(chain);
	free(chain);
}
