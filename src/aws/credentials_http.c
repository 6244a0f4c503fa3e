/*
 * The two providers that ask an HTTP endpoint: container credentials (ECS,
 * EKS Pod Identity, Greengrass, and local emulators) and EC2 instance
 * metadata (IMDSv2). Neither sends a request itself: both go through
 * deps->fetch, so their logic is tested with a fake transport.
 */
#define _DEFAULT_SOURCE
#include "aws/credentials.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/awstime.h"
#include "json/json.h"
#include "log/log.h"
#include "util/mem.h"

#define S_CONTAINER_HOST    "http://169.254.170.2"
#define S_IMDS_V4	    "http://169.254.169.254"
#define S_IMDS_V6	    "http://[fd00:ec2::254]"
#define S_IMDS_CREDS_PATH   "/latest/meta-data/iam/security-credentials/"
#define S_IMDS_TOKEN_TTL    "21600"
#define S_CONTAINER_TIMEOUT 2000L
#define S_IMDS_TIMEOUT	    1000L
#define S_TOKEN_FILE_MAX    16384u

static const struct aws_env *s_env(const struct aws_credentials_deps *d)
{
	return d && d->env ? d->env : aws_env_process();
}

static void s_resp_free(struct aws_fetch_response *r)
{
	mem_wipe_free(r->body, r->body_len);
	memset(r, 0, sizeof(*r));
}

/*
 * The JSON both endpoints return. Expiration is required: temporary
 * credentials without one would be cached forever and fail an hour later.
 */
int aws_credentials_parse_json(const char *body, size_t len, const char *what,
			       struct aws_credentials **out, struct aaa_err *err)
{
	const char *ak, *sk, *tok, *exp, *code;
	cJSON *doc = NULL;
	time_t expiration = 0;
	int rc = -1;

	*out = NULL;
	doc = json_parse(body, len, what);
	if (doc == NULL)
		goto out;
	code = json_str(doc, "Code");
	if (code && strcmp(code, "Success") != 0) {
		log_fail(err, "aws", "", "%s: credentials endpoint answered Code %s", what, code);
		goto out;
	}
	ak = json_str(doc, "AccessKeyId");
	sk = json_str(doc, "SecretAccessKey");
	tok = json_str(doc, "Token");
	exp = json_str(doc, "Expiration");
	if (ak == NULL || sk == NULL || *ak == '\0' || *sk == '\0') {
		log_fail(err, "aws", "", "%s: answer has no AccessKeyId or SecretAccessKey", what);
		goto out;
	}
	if (exp == NULL || aws_time_parse_iso8601(exp, &expiration) != 0) {
		log_fail(err, "aws", "", "%s: answer has no valid Expiration (ISO 8601)", what);
		goto out;
	}
	*out = aws_credentials_new(ak, sk, tok, expiration, what);
	rc = *out ? 0 : -1;
out:
	json_delete_wiped(doc);
	return rc;
}

/*
 * Hosts a plain-http FULL_URI may name (the SDKs' rule): loopback, or the
 * ECS and EKS Pod Identity link-local addresses. Over http anything else
 * would send the authorization token in the clear to whoever answers.
 */
static int s_allowed_http_host(const char *url)
{
	static const char *const allowed[] = {
	    "127.", "localhost", "[::1]", "169.254.170.2", "169.254.170.23", "[fd00:ec2::23]",
	};
	const char *h = url + 7, *end = h + strcspn(h, ":/?#");
	size_t i, n;

	if (*h == '[')
		end = strchr(h, ']') ? strchr(h, ']') + 1 : h;
	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		n = strlen(allowed[i]);
		if (allowed[i][n - 1] == '.') {
			/* 127.0.0.0/8: an IPv4 literal, not "127.evil.example" */
			if ((size_t)(end - h) > n && strncmp(h, allowed[i], n) == 0 &&
			    strspn(h, "0123456789.") == (size_t)(end - h))
				return 1;
		} else if ((size_t)(end - h) == n && strncasecmp(h, allowed[i], n) == 0) {
			return 1;
		}
	}
	return 0;
}

/* The "Authorization: <token>" header from _TOKEN_FILE (re-read on every
 * refresh: EKS rotates it) or _TOKEN. *hdr NULL when neither is set. */
static int s_container_auth(const struct aws_env *env, char **hdr, struct aaa_err *err)
{
	const char *file = aws_env_get(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	const char *tok = aws_env_get(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
	char *data = NULL;
	size_t len = 0;
	int rc = -1;

	*hdr = NULL;
	if (file) {
		data = aws_read_small_file(file, S_TOKEN_FILE_MAX, &len);
		if (data == NULL) {
			log_fail(err, "aws", "",
				 "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE %s: %s", file,
				 strerror(errno));
			goto out;
		}
		while (len > 0 && strchr(" \t\r\n", data[len - 1]))
			data[--len] = '\0';
		tok = data;
	}
	if (tok == NULL) {
		rc = 0;
		goto out;
	}
	if (strpbrk(tok, "\r\n") != NULL) {
		log_fail(err, "aws", "", "the container authorization token contains a line break");
		goto out;
	}
	*hdr = str_printf("Authorization: %s", tok);
	rc = *hdr ? 0 : -1;
out:
	mem_wipe_free(data, len);
	return rc;
}

int aws_credentials_from_container(const struct aws_credentials_deps *d,
				   struct aws_credentials **out, struct aaa_err *err)
{
	const struct aws_env *env = s_env(d);
	const char *rel = aws_env_get(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = aws_env_get(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
	struct aws_fetch_response resp = {0};
	struct aws_fetch_request req;
	const char *headers[2] = {NULL, NULL};
	char *url = NULL, *auth = NULL;
	int rc = -1;

	*out = NULL;
	if (rel == NULL && full == NULL) {
		rc = 0;
		goto out;
	}
	if (rel) {
		if (rel[0] != '/' || strpbrk(rel, " \r\n") != NULL) {
			log_fail(err, "aws", "",
				 "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI must be a path starting "
				 "with /");
			goto out;
		}
		url = str_printf("%s%s", S_CONTAINER_HOST, rel);
	} else {
		if (strpbrk(full, " \r\n") != NULL ||
		    !(strncasecmp(full, "https://", 8) == 0 ||
		      (strncasecmp(full, "http://", 7) == 0 && s_allowed_http_host(full)))) {
			log_fail(err, "aws", "",
				 "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https, or http to a "
				 "loopback or the ECS/EKS link-local address");
			goto out;
		}
		url = str_dup(full);
	}
	if (url == NULL || s_container_auth(env, &auth, err) != 0)
		goto out;
	if (d == NULL || d->fetch == NULL) {
		log_fail(err, "aws", "",
			 "container credentials are configured but no HTTP transport is "
			 "available");
		goto out;
	}
	headers[0] = auth;
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = url;
	req.headers = auth ? headers : NULL;
	req.timeout_ms = S_CONTAINER_TIMEOUT;
	if (d->fetch(d->fetch_ctx, &req, &resp) != 0) {
		log_fail(err, "aws", "", "container credentials endpoint %s did not answer", url);
		goto out;
	}
	if (resp.status != 200) {
		log_fail(err, "aws", "", "container credentials endpoint %s answered HTTP %ld", url,
			 resp.status);
		goto out;
	}
	rc =
	    aws_credentials_parse_json(resp.body, resp.body_len, "container credentials", out, err);
out:
	s_resp_free(&resp);
	free(url);
	str_wipe_free(auth);
	return rc;
}

/* The IMDS base URL (no trailing '/'). Caller frees. */
static char *s_imds_base(const struct aws_env *env)
{
	const char *ep = aws_env_get(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT");
	const char *mode = aws_env_get(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
	size_t n;

	if (ep == NULL)
		return str_dup(mode && strcasecmp(mode, "IPv6") == 0 ? S_IMDS_V6 : S_IMDS_V4);
	n = strlen(ep);
	while (n > 0 && ep[n - 1] == '/')
		n--;
	return str_ndup(ep, n);
}

static int s_fetch(const struct aws_credentials_deps *d, const char *method, const char *url,
		   const char *header, struct aws_fetch_response *resp)
{
	const char *headers[2] = {header, NULL};
	struct aws_fetch_request req;

	s_resp_free(resp);
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.url = url;
	req.headers = headers;
	req.timeout_ms = S_IMDS_TIMEOUT;
	return d->fetch(d->fetch_ctx, &req, resp);
}

/*
 * IMDSv2 in three steps: PUT a session token, GET the role name, GET the
 * role's credentials. No answer to the first step means "not on EC2"
 * (not configured, the chain ends there); there is deliberately no IMDSv1
 * fallback. Once a role is attached, any failure is an error.
 */
int aws_credentials_from_imds(const struct aws_credentials_deps *d, struct aws_credentials **out,
			      struct aaa_err *err)
{
	const struct aws_env *env = s_env(d);
	struct aws_fetch_response resp = {0};
	char *base = NULL, *url = NULL, *tokhdr = NULL, *role = NULL, *source = NULL;
	size_t n;
	int rc = -1;

	*out = NULL;
	if (aws_env_is_true(env, "AWS_EC2_METADATA_DISABLED") || d == NULL || d->fetch == NULL) {
		rc = 0;
		goto out;
	}
	base = s_imds_base(env);
	url = base ? str_printf("%s/latest/api/token", base) : NULL;
	if (url == NULL)
		goto out;
	if (s_fetch(d, "PUT", url, "X-aws-ec2-metadata-token-ttl-seconds: " S_IMDS_TOKEN_TTL,
		    &resp) != 0) {
		log_debug("no instance metadata service at %s", base);
		rc = 0;
		goto out;
	}
	if (resp.status != 200 || resp.body == NULL || resp.body_len == 0 ||
	    strpbrk(resp.body, "\r\n") != NULL) {
		log_debug("instance metadata token request answered HTTP %ld", resp.status);
		rc = 0;
		goto out;
	}
	tokhdr = str_printf("X-aws-ec2-metadata-token: %s", resp.body);
	free(url);
	url = str_printf("%s" S_IMDS_CREDS_PATH, base);
	if (tokhdr == NULL || url == NULL)
		goto out;
	if (s_fetch(d, "GET", url, tokhdr, &resp) != 0) {
		log_fail(err, "aws", "", "instance metadata: no answer listing the IAM role");
		goto out;
	}
	if (resp.status == 404) {
		log_info("instance metadata: this instance has no IAM role");
		rc = 0;
		goto out;
	}
	n = resp.body ? strcspn(resp.body, "\r\n") : 0;
	if (resp.status != 200 || !aws_iam_name_valid(resp.body, n, 1, 64)) {
		log_fail(err, "aws", "",
			 "instance metadata: listing the IAM role answered HTTP %ld%s", resp.status,
			 resp.status == 200 ? " without a valid role name" : "");
		goto out;
	}
	role = str_ndup(resp.body, n);
	free(url);
	url = role ? str_printf("%s" S_IMDS_CREDS_PATH "%s", base, role) : NULL;
	source = role ? str_printf("instance metadata (role %s)", role) : NULL;
	if (url == NULL || source == NULL)
		goto out;
	if (s_fetch(d, "GET", url, tokhdr, &resp) != 0 || resp.status != 200) {
		log_fail(err, "aws", "",
			 "instance metadata: fetching credentials of role %s failed (HTTP %ld)",
			 role, resp.status);
		goto out;
	}
	rc = aws_credentials_parse_json(resp.body, resp.body_len, source, out, err);
out:
	s_resp_free(&resp);
	free(base);
	free(url);
	str_wipe_free(tokhdr);
	free(role);
	free(source);
	return rc;
}
