/*
 * IAM Identity Center (SSO) profiles, as the AWS CLI v2 reads them:
 *
 *   [profile dev]                      [profile old]
 *   sso_session = corp                 sso_start_url = https://x.awsapps.com/start
 *   sso_account_id = 111122223333      sso_region = eu-west-1
 *   sso_role_name = Admin              sso_account_id = 111122223333
 *   [sso-session corp]                 sso_role_name = Admin
 *   sso_start_url = https://x.awsapps.com/start
 *   sso_region = eu-west-1
 *
 * `aws sso login` leaves the access token in ~/.aws/sso/cache/<sha1>.json,
 * the SHA-1 (hex) of the session name, or of the start URL in the legacy
 * form; its accessToken buys the role's credentials from the portal
 * (GetRoleCredentials, through deps->sso_role). aaa reads the cache and
 * never writes it: an expired token is for `aws sso login` to renew.
 */
#define _DEFAULT_SOURCE
#include "aws/credentials.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "aws/awstime.h"
#include "aws/credentials_profile.h"
#include "aws/endpoint.h"
#include "crypto/hash.h"
#include "json/json.h"
#include "log/log.h"
#include "util/mem.h"

#define S_CACHE_MAX (256u * 1024u)

static const struct aws_env *s_env(const struct aws_credentials_deps *d)
{
	return d && d->env ? d->env : aws_env_process();
}

char *aws_sso_cache_path(const struct aws_env *env, const char *key)
{
	const char *home = aws_env_get(env, "HOME");
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	char hex[2 * EVP_MAX_MD_SIZE + 1];

	if (home == NULL || key == NULL ||
	    EVP_Digest(key, strlen(key), md, &n, EVP_sha1(), NULL) != 1)
		return NULL;
	hex_encode(md, n, hex);
	return str_printf("%s/.aws/sso/cache/%s.json", home, hex);
}

/* The [sso-session NAME] section's value of key (config file only). */
static const char *s_session_get(const struct aws_profiles *p, const char *session, const char *key)
{
	char sect[256];

	if ((size_t)snprintf(sect, sizeof(sect), "sso-session %s", session) >= sizeof(sect))
		return NULL;
	return aws_ini_get(&p->config, sect, key);
}

static int s_session_exists(const struct aws_profiles *p, const char *session)
{
	char sect[256];

	return (size_t)snprintf(sect, sizeof(sect), "sso-session %s", session) < sizeof(sect) &&
	       aws_ini_has_section(&p->config, sect);
}

/* "aws sso login" or "aws sso login --profile NAME". */
static void s_login_hint(const char *name, char *out, size_t len)
{
	if (strcmp(name, "default") == 0)
		snprintf(out, len, "aws sso login");
	else
		snprintf(out, len, "aws sso login --profile %s", name);
}

/*
 * The cached token for key: 0 with *token (caller wipes and frees), -1
 * when it is missing, unreadable or expired (logged with the login hint).
 */
static int s_cached_token(const struct aws_env *env, const char *name, const char *key,
			  const char *what, time_t now, char **token)
{
	char *path = aws_sso_cache_path(env, key), *text = NULL, hint[160], *fixed = NULL;
	const char *tok, *exp;
	cJSON *doc = NULL, *it;
	time_t expires = 0;
	size_t len = 0;
	int rc = -1;

	*token = NULL;
	s_login_hint(name, hint, sizeof(hint));
	if (path == NULL) {
		log_error("profile %s uses SSO, but HOME is not set: no token cache to read", name);
		goto out;
	}
	text = aws_read_small_file(path, S_CACHE_MAX, &len);
	if (text == NULL) {
		if (errno == ENOENT)
			log_error("profile %s: no SSO token for %s in %s: run %s", name, what, path,
				  hint);
		else
			log_error("profile %s: cannot read the SSO token cache %s: %s", name, path,
				  strerror(errno));
		goto out;
	}
	doc = json_parse(text, len, "the SSO token cache");
	if (doc == NULL) {
		log_error("profile %s: the SSO token cache %s is not JSON: run %s", name, path,
			  hint);
		goto out;
	}
	tok = json_str(doc, "accessToken");
	exp = json_str(doc, "expiresAt");
	if (tok == NULL || *tok == '\0' || exp == NULL) {
		log_error("profile %s: the SSO token cache %s has no accessToken or expiresAt: "
			  "run %s",
			  name, path, hint);
		goto out;
	}
	/* Older CLIs wrote "2019-11-14T04:05:45UTC". */
	len = strlen(exp);
	if (len > 3 && strcmp(exp + len - 3, "UTC") == 0)
		fixed = str_printf("%.*sZ", (int)(len - 3), exp);
	if (aws_time_parse_iso8601(fixed ? fixed : exp, &expires) != 0) {
		log_error("profile %s: the SSO token cache %s has an unreadable expiresAt: run %s",
			  name, path, hint);
		goto out;
	}
	if (expires <= now) {
		char when[21] = "";

		aws_time_format_iso8601(expires, when);
		log_error("profile %s: the SSO token expired at %s: run %s", name, when, hint);
		goto out;
	}
	*token = str_dup(tok);
	if (*token == NULL)
		goto out;
	log_add_secret(*token);
	rc = 0;
out:
	if (doc) {
		cJSON_ArrayForEach(it, doc)
		{
			if (cJSON_IsString(it) && it->valuestring)
				mem_wipe(it->valuestring, strlen(it->valuestring));
		}
		cJSON_Delete(doc);
	}
	if (text) {
		mem_wipe(text, len);
		free(text);
	}
	free(fixed);
	free(path);
	return rc;
}

/* Where the portal is and which token to use: the sso-session's settings
 * or the profile's own (legacy). The profile's may repeat the session's,
 * never contradict them. 0/-1; *key is the cache key (borrowed). */
static int s_sso_settings(const struct aws_profiles *p, const char *name, const char **start,
			  const char **region, const char **key)
{
	const char *session = aws_profile_get(p, name, "sso_session", NULL);
	const char *pstart = aws_profile_get(p, name, "sso_start_url", NULL);
	const char *pregion = aws_profile_get(p, name, "sso_region", NULL);
	const char *path = p->config_path ? p->config_path : "~/.aws/config";

	*start = pstart;
	*region = pregion;
	*key = pstart;
	if (session) {
		if (!s_session_exists(p, session)) {
			log_error(
			    "profile %s: sso_session %s has no [sso-session %s] section in %s",
			    name, session, session, path);
			return -1;
		}
		*start = s_session_get(p, session, "sso_start_url");
		*region = s_session_get(p, session, "sso_region");
		*key = session;
		if (*start == NULL || *region == NULL) {
			log_error("[sso-session %s] in %s needs sso_start_url and sso_region",
				  session, path);
			return -1;
		}
		if ((pstart && strcmp(pstart, *start) != 0) ||
		    (pregion && strcmp(pregion, *region) != 0)) {
			log_error("profile %s: its sso_start_url/sso_region differ from those of "
				  "[sso-session %s]: remove them from the profile",
				  name, session);
			return -1;
		}
		return 0;
	}
	if (pstart == NULL || pregion == NULL) {
		log_error("profile %s uses SSO and needs %s (or sso_session)", name,
			  pstart ? "sso_region" : "sso_start_url");
		return -1;
	}
	return 0;
}

int aws_credentials_from_sso(const struct aws_credentials_deps *d, const struct aws_profiles *p,
			     const char *name, time_t now, struct aws_credentials **out)
{
	struct aws_sso_request req;
	struct aws_credentials *res = NULL;
	const char *start = NULL, *key = NULL;
	char *token = NULL, *source = NULL, hint[160];
	int rc = -1, r;

	*out = NULL;
	memset(&req, 0, sizeof(req));
	if (aws_profile_get(p, name, "sso_session", NULL) == NULL &&
	    aws_profile_get(p, name, "sso_start_url", NULL) == NULL) {
		rc = 0;
		goto out;
	}
	if (s_sso_settings(p, name, &start, &req.region, &key) != 0)
		goto out;
	req.account_id = aws_profile_get(p, name, "sso_account_id", NULL);
	req.role_name = aws_profile_get(p, name, "sso_role_name", NULL);
	if (req.account_id == NULL || req.role_name == NULL) {
		log_error("profile %s uses SSO and needs sso_account_id and sso_role_name (the "
			  "account and the permission set's role to use)",
			  name);
		goto out;
	}
	if (!aws_region_valid(req.region)) {
		log_error("profile %s: sso_region is not a region name such as us-east-1", name);
		goto out;
	}
	if (s_cached_token(s_env(d), name, key,
			   aws_profile_get(p, name, "sso_session", NULL) ? "sso_session"
									 : "sso_start_url",
			   now, &token) != 0)
		goto out;
	req.access_token = token;
	if (d == NULL || d->sso_role == NULL) {
		log_error("profile %s uses SSO, whose portal call is not available here", name);
		goto out;
	}
	log_debug("profile %s: SSO role %s in account %s from %s", name, req.role_name,
		  req.account_id, start);
	r = d->sso_role(d->sso_role_ctx, &req, &res);
	if (r == 1 || (r == 0 && res == NULL)) {
		s_login_hint(name, hint, sizeof(hint));
		log_error("profile %s: the SSO portal refused the token (expired or signed out): "
			  "run %s",
			  name, hint);
		goto out;
	}
	if (r != 0) {
		log_error("profile %s: SSO GetRoleCredentials for role %s in account %s failed: %s",
			  name, req.role_name, req.account_id,
			  log_last_error()[0] ? log_last_error() : "no answer");
		goto out;
	}
	source = str_printf("SSO role %s in account %s (profile %s)", req.role_name, req.account_id,
			    name);
	if (source == NULL)
		goto out;
	free(res->source);
	res->source = source;
	*out = res;
	res = NULL;
	rc = 0;
out:
	str_wipe_free(token);
	aws_credentials_free(res);
	return rc;
}
