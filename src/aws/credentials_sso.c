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
 * (GetRoleCredentials, through deps->sso_role). An sso_session token near
 * its end is refreshed as the AWS CLI does (SSO OIDC CreateToken with the
 * cached refresh token, through deps->sso_refresh) and written back to the
 * same file; an expired token that cannot be refreshed, and every legacy
 * token, is for `aws sso login` to renew.
 */
#define _DEFAULT_SOURCE
#include "aws/credentials.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "aws/awstime.h"
#include "aws/credentials_profile.h"
#include "aws/endpoint.h"
#include "crypto/hash.h"
#include "json/json.h"
#include "log/log.h"
#include "util/mem.h"

#define S_CACHE_MAX (256u * 1024u)
/* botocore refreshes an sso_session token with less than 15 minutes left. */
#define S_REFRESH_WINDOW (15 * 60)

static const struct aws_env *s_env(const struct aws_credentials_deps *d)
{
	return d && d->env ? d->env : aws_env_process();
}

char *aws_sso_cache_path(const struct aws_env *env, const char *key)
{
	const char *home = aws_env_get(env, "HOME");
	char hex[2 * SHA1_LEN + 1];

	if (home == NULL || key == NULL || crypto_sha1_hex(key, strlen(key), hex) != 0)
		return NULL;
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

/* An expiresAt: ISO 8601, or older CLIs' "2019-11-14T04:05:45UTC". 0/-1. */
static int s_parse_time(const char *v, time_t *out)
{
	size_t n = v ? strlen(v) : 0;
	char *fixed = NULL;
	int rc;

	if (n > 3 && strcmp(v + n - 3, "UTC") == 0)
		fixed = str_printf("%.*sZ", (int)(n - 3), v);
	rc = v ? aws_time_parse_iso8601(fixed ? fixed : v, out) : -1;
	free(fixed);
	return rc;
}

/* Sets doc's member key to a copy of value, wiping the old one (a secret). 0/-1. */
static int s_set_str(cJSON *doc, const char *key, const char *value)
{
	cJSON *old = cJSON_GetObjectItemCaseSensitive(doc, key), *v = cJSON_CreateString(value);

	if (v == NULL)
		return -1;
	if (old && cJSON_IsString(old) && old->valuestring)
		mem_wipe(old->valuestring, strlen(old->valuestring));
	if (old)
		return cJSON_ReplaceItemInObjectCaseSensitive(doc, key, v) ? 0 : -1;
	return cJSON_AddItemToObject(doc, key, v) ? 0 : -1;
}

/* Writes text to path through a 0600 temporary file and a rename: the AWS
 * CLI shares the file and must never see it half-written. 0/-1 (errno). */
static int s_write_atomic(const char *path, const char *text)
{
	char *tmp = str_printf("%s.aaa-XXXXXX", path);
	size_t len = strlen(text), off = 0;
	ssize_t w;
	int fd = -1, rc = -1, e;

	if (tmp == NULL)
		return -1;
	fd = mkstemp(tmp); /* 0600 */
	if (fd < 0)
		goto out;
	while (off < len) {
		w = write(fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto out;
		off += (size_t)w;
	}
	if (fsync(fd) != 0)
		goto out;
	if (close(fd) != 0) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto out;
	rc = 0;
out:
	e = errno;
	if (fd >= 0)
		close(fd);
	if (rc != 0)
		unlink(tmp);
	free(tmp);
	errno = e;
	return rc;
}

/*
 * The AWS CLI's refresh of an sso_session token: when it has less than
 * S_REFRESH_WINDOW left, SSO OIDC CreateToken with the cached refresh token
 * and client registration; the new token goes back into the cache file.
 * 0 with doc updated and *expires set; -1 when there is nothing to refresh
 * with or the refresh failed (logged at info: the caller decides).
 */
static int s_refresh(const struct aws_credentials_deps *d, const char *name, const char *path,
		     const char *region, cJSON *doc, time_t now, time_t *expires)
{
	struct aws_sso_refresh_request req;
	struct aws_sso_token tok = {NULL, NULL, 0};
	const char *regexp = json_str(doc, "registrationExpiresAt");
	char when[21] = "", *text = NULL;
	time_t reg = 0;
	int rc = -1;

	memset(&req, 0, sizeof(req));
	req.region = region;
	req.client_id = json_str(doc, "clientId");
	req.client_secret = json_str(doc, "clientSecret");
	req.refresh_token = json_str(doc, "refreshToken");
	if (req.client_id == NULL || req.client_secret == NULL || req.refresh_token == NULL ||
	    d == NULL || d->sso_refresh == NULL)
		goto out;
	if (regexp && s_parse_time(regexp, &reg) == 0 && reg <= now) {
		log_info("profile %s: the SSO client registration expired; not refreshing", name);
		goto out;
	}
	if (d->sso_refresh(d->sso_refresh_ctx, &req, &tok) != 0 || tok.access_token == NULL ||
	    *tok.access_token == '\0' || tok.expires_in <= 0) {
		log_info("profile %s: refreshing the SSO token failed", name);
		goto out;
	}
	log_add_secret(tok.access_token);
	if (tok.refresh_token)
		log_add_secret(tok.refresh_token);
	*expires = now + tok.expires_in;
	aws_time_format_iso8601(*expires, when);
	if (s_set_str(doc, "accessToken", tok.access_token) != 0 ||
	    s_set_str(doc, "expiresAt", when) != 0 ||
	    (tok.refresh_token && s_set_str(doc, "refreshToken", tok.refresh_token) != 0))
		goto out;
	rc = 0;
	log_info("profile %s: refreshed the SSO token (valid until %s)", name, when);
	text = cJSON_PrintUnformatted(doc);
	if (text == NULL || s_write_atomic(path, text) != 0)
		log_warn("profile %s: could not save the refreshed SSO token in %s (%s); it is "
			 "used for this run only",
			 name, path, text ? strerror(errno) : "out of memory");
out:
	str_wipe_free(text);
	aws_sso_token_free(&tok);
	return rc;
}

/*
 * The cached token for key: 0 with *token (caller wipes and frees), -1
 * when it is missing, unreadable or expired (logged with the login hint).
 * refresh: an sso_session profile, whose token may be refreshed.
 */
static int s_cached_token(const struct aws_credentials_deps *d, const char *name, const char *key,
			  const char *region, int refresh, time_t now, char **token,
			  struct aaa_err *err)
{
	char *path = aws_sso_cache_path(s_env(d), key), *text = NULL, hint[160], when[21] = "";
	const char *tok, *exp;
	cJSON *doc = NULL;
	time_t expires = 0;
	size_t len = 0;
	int rc = -1, refreshed = 0;

	*token = NULL;
	s_login_hint(name, hint, sizeof(hint));
	if (path == NULL) {
		log_fail(err, "aws", "",
			 "profile %s uses SSO, but HOME is not set: no token cache to read", name);
		goto out;
	}
	text = aws_read_small_file(path, S_CACHE_MAX, &len);
	if (text == NULL) {
		if (errno == ENOENT)
			log_fail(err, "aws", "", "profile %s: no SSO token for %s in %s: run %s",
				 name, refresh ? "sso_session" : "sso_start_url", path, hint);
		else
			log_fail(err, "aws", "",
				 "profile %s: cannot read the SSO token cache %s: %s", name, path,
				 strerror(errno));
		goto out;
	}
	doc = json_parse(text, len, "the SSO token cache");
	if (doc == NULL || !cJSON_IsObject(doc)) {
		log_fail(err, "aws", "",
			 "profile %s: the SSO token cache %s is not a JSON object: run %s", name,
			 path, hint);
		goto out;
	}
	tok = json_str(doc, "accessToken");
	exp = json_str(doc, "expiresAt");
	if (tok == NULL || *tok == '\0' || exp == NULL) {
		log_fail(err, "aws", "",
			 "profile %s: the SSO token cache %s has no accessToken or expiresAt: "
			 "run %s",
			 name, path, hint);
		goto out;
	}
	if (s_parse_time(exp, &expires) != 0) {
		log_fail(err, "aws", "",
			 "profile %s: the SSO token cache %s has an unreadable expiresAt: run %s",
			 name, path, hint);
		goto out;
	}
	if (refresh && expires - now < S_REFRESH_WINDOW &&
	    s_refresh(d, name, path, region, doc, now, &expires) == 0)
		refreshed = 1;
	if (expires <= now) {
		aws_time_format_iso8601(expires, when);
		log_fail(err, "aws", "", "profile %s: the SSO token expired at %s%s: run %s", name,
			 when,
			 refresh && !refreshed && json_str(doc, "refreshToken")
			     ? " and could not be refreshed"
			     : "",
			 hint);
		goto out;
	}
	*token = str_dup(json_str(doc, "accessToken"));
	if (*token == NULL)
		goto out;
	log_add_secret(*token);
	rc = 0;
out:
	json_delete_wiped(doc);
	mem_wipe_free(text, len);
	free(path);
	return rc;
}

/* Where the portal is and which token to use: the sso-session's settings
 * or the profile's own (legacy). The profile's may repeat the session's,
 * never contradict them. 0/-1; *key is the cache key (borrowed). */
static int s_sso_settings(const struct aws_profiles *p, const char *name, const char **start,
			  const char **region, const char **key, struct aaa_err *err)
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
			log_fail(err, "aws", "",
				 "profile %s: sso_session %s has no [sso-session %s] section in %s",
				 name, session, session, path);
			return -1;
		}
		*start = s_session_get(p, session, "sso_start_url");
		*region = s_session_get(p, session, "sso_region");
		*key = session;
		if (*start == NULL || *region == NULL) {
			log_fail(err, "aws", "",
				 "[sso-session %s] in %s needs sso_start_url and sso_region",
				 session, path);
			return -1;
		}
		if ((pstart && strcmp(pstart, *start) != 0) ||
		    (pregion && strcmp(pregion, *region) != 0)) {
			log_fail(err, "aws", "",
				 "profile %s: its sso_start_url/sso_region differ from those of "
				 "[sso-session %s]: remove them from the profile",
				 name, session);
			return -1;
		}
		return 0;
	}
	if (pstart == NULL || pregion == NULL) {
		log_fail(err, "aws", "", "profile %s uses SSO and needs %s (or sso_session)", name,
			 pstart ? "sso_region" : "sso_start_url");
		return -1;
	}
	return 0;
}

int aws_credentials_from_sso(const struct aws_credentials_deps *d, const struct aws_profiles *p,
			     const char *name, time_t now, struct aws_credentials **out,
			     struct aaa_err *err)
{
	struct aws_sso_request req;
	struct aaa_err portal;
	struct aws_credentials *res = NULL;
	const char *start = NULL, *key = NULL;
	char *token = NULL, hint[160];
	int rc = -1, r;

	*out = NULL;
	memset(&req, 0, sizeof(req));
	if (aws_profile_get(p, name, "sso_session", NULL) == NULL &&
	    aws_profile_get(p, name, "sso_start_url", NULL) == NULL) {
		rc = 0;
		goto out;
	}
	if (s_sso_settings(p, name, &start, &req.region, &key, err) != 0)
		goto out;
	req.account_id = aws_profile_get(p, name, "sso_account_id", NULL);
	req.role_name = aws_profile_get(p, name, "sso_role_name", NULL);
	if (req.account_id == NULL || req.role_name == NULL) {
		log_fail(err, "aws", "",
			 "profile %s uses SSO and needs sso_account_id and sso_role_name (the "
			 "account and the permission set's role to use)",
			 name);
		goto out;
	}
	if (!aws_region_valid(req.region)) {
		log_fail(err, "aws", "",
			 "profile %s: sso_region is not a region name such as us-east-1", name);
		goto out;
	}
	if (s_cached_token(d, name, key, req.region,
			   aws_profile_get(p, name, "sso_session", NULL) != NULL, now, &token,
			   err) != 0)
		goto out;
	req.access_token = token;
	if (d == NULL || d->sso_role == NULL) {
		log_fail(err, "aws", "",
			 "profile %s uses SSO, whose portal call is not available here", name);
		goto out;
	}
	log_debug("profile %s: SSO role %s in account %s from %s", name, req.role_name,
		  req.account_id, start);
	err_clear(&portal);
	r = d->sso_role(d->sso_role_ctx, &req, &res, &portal);
	if (r == 1 || (r == 0 && res == NULL)) {
		s_login_hint(name, hint, sizeof(hint));
		log_fail(err, "aws", "",
			 "profile %s: the SSO portal refused the token (expired or signed out): "
			 "run %s",
			 name, hint);
		goto out;
	}
	if (r != 0) {
		log_fail(err, "aws", portal.code,
			 "profile %s: SSO GetRoleCredentials for role %s in account %s failed: %s",
			 name, req.role_name, req.account_id,
			 err_is_set(&portal) ? portal.message : "no answer");
		err_detail(err, portal.http_status, portal.request_id);
		goto out;
	}
	if (aws_credentials_set_source(res, "SSO role %s in account %s (profile %s)", req.role_name,
				       req.account_id, name) != 0)
		goto out;
	*out = res;
	res = NULL;
	rc = 0;
out:
	str_wipe_free(token);
	aws_credentials_free(res);
	return rc;
}

void aws_sso_token_free(struct aws_sso_token *t)
{
	if (t == NULL)
		return;
	str_wipe_free(t->access_token);
	str_wipe_free(t->refresh_token);
	memset(t, 0, sizeof(*t));
}
