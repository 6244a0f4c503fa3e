/*
 * Web identity: an OIDC token in a file (GitHub Actions writes one on
 * request, EKS IRSA mounts one and rotates it) exchanged for a role's
 * credentials with STS AssumeRoleWithWebIdentity. See credentials.h.
 */
#define _DEFAULT_SOURCE
#include "aws/credentials.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/credentials_profile.h"
#include "log/log.h"
#include "util/mem.h"

/* STS takes a WebIdentityToken of up to 20000 characters. */
#define S_TOKEN_MAX 20000u

static const struct aws_env *s_env(const struct aws_credentials_deps *d)
{
	return d && d->env ? d->env : aws_env_process();
}

/* The variable's value (when use_env), else the profile's key. *from says which. */
static const char *s_setting(const struct aws_env *env, int use_env, const char *var,
			     const struct aws_profiles *p, const char *name, const char *key,
			     const char **from)
{
	const char *v = use_env ? aws_env_get(env, var) : NULL;

	*from = var;
	if (v == NULL && p && name) {
		v = aws_profile_get(p, name, key, NULL);
		*from = key;
	}
	return v;
}

int aws_credentials_from_web_identity(const struct aws_credentials_deps *d,
				      const struct aws_profiles *p, const char *name, int use_env,
				      time_t now, struct aws_credentials **out, struct aaa_err *err)
{
	const struct aws_env *env = s_env(d);
	struct aws_web_identity_request req;
	struct aaa_err sts;
	struct aws_credentials *res = NULL;
	const char *file, *file_from, *arn_from, *sess_from;
	char session[32], *token = NULL, where[160];
	size_t len = 0;
	int rc = -1;

	*out = NULL;
	memset(&req, 0, sizeof(req));
	file = s_setting(env, use_env, "AWS_WEB_IDENTITY_TOKEN_FILE", p, name,
			 "web_identity_token_file", &file_from);
	if (file == NULL) {
		rc = 0;
		goto out;
	}
	if (name)
		snprintf(where, sizeof(where), "profile %s", name);
	else
		snprintf(where, sizeof(where), "the environment");
	req.role_arn = s_setting(env, use_env, "AWS_ROLE_ARN", p, name, "role_arn", &arn_from);
	if (req.role_arn == NULL) {
		log_fail(err, "aws", "",
			 "web identity (%s from %s) has no role: set AWS_ROLE_ARN%s%s", file_from,
			 where, name ? " or role_arn in profile " : "", name ? name : "");
		goto out;
	}
	req.session_name = aws_role_session_name(s_setting(env, use_env, "AWS_ROLE_SESSION_NAME", p,
							   name, "role_session_name", &sess_from),
						 now, session, sizeof(session));
	if (req.session_name == NULL) {
		log_fail(err, "aws", "",
			 "web identity (%s): %s must be 2-64 characters of letters, digits and "
			 "_+=,.@-",
			 where, sess_from);
		goto out;
	}
	req.region = p && name ? aws_profile_get(p, name, "region", NULL) : NULL;
	/* Read on every refresh: EKS rotates the file, GitHub rewrites it. */
	token = aws_read_small_file(file, S_TOKEN_MAX, &len);
	if (token == NULL) {
		log_fail(err, "aws", "", "web identity: cannot read the token file %s (%s): %s",
			 file, file_from,
			 errno == EFBIG ? "larger than the 20000 characters STS takes"
					: strerror(errno));
		goto out;
	}
	while (len > 0 && strchr(" \t\r\n", token[len - 1]))
		token[--len] = '\0';
	if (len == 0 || memchr(token, '\0', len) != NULL) {
		log_fail(err, "aws", "",
			 "web identity: the token file %s (%s) is empty or not text", file,
			 file_from);
		goto out;
	}
	log_add_secret(token);
	req.token = token;
	if (d == NULL || d->web_identity == NULL) {
		log_fail(err, "aws", "",
			 "web identity (%s) needs STS AssumeRoleWithWebIdentity, which is not "
			 "available here",
			 where);
		goto out;
	}
	log_debug("web identity: assuming role %s with the token in %s", req.role_arn, file);
	err_clear(&sts);
	if (d->web_identity(d->web_identity_ctx, &req, &res, &sts) != 0 || res == NULL) {
		log_fail(
		    err, "aws", sts.code,
		    "web identity: AssumeRoleWithWebIdentity %s with the token in %s failed: %s",
		    req.role_arn, file, err_is_set(&sts) ? sts.message : "no answer");
		err_detail(err, sts.http_status, sts.request_id);
		goto out;
	}
	if (aws_credentials_set_source(res, "web identity role %s (%s)", req.role_arn,
				       name ? where : "AWS_WEB_IDENTITY_TOKEN_FILE") != 0)
		goto out;
	*out = res;
	res = NULL;
	rc = 0;
out:
	mem_wipe_free(token, len);
	aws_credentials_free(res);
	return rc;
}
