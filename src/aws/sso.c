/*
 * The SSO portal's GetRoleCredentials over aws_call. See sso.h.
 */
#define _GNU_SOURCE
#include "aws/sso.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/json.h"
#include "log/log.h"
#include "util/buf.h"
#include "util/mem.h"

static void s_message(struct aws_reply *reply, const char *what)
{
	free(reply->message);
	reply->message = str_printf("SSO GetRoleCredentials: %s", what);
}

/* An unsigned call whose JSON answer holds secrets: *doc is the parsed
 * answer (NULL if it is not JSON), and the raw body is wiped either way. */
static int s_call_json(const struct aws_call *c, struct aws_reply *reply, cJSON **doc)
{
	int rc = aws_call(c, reply);

	if (rc == 0)
		*doc = json_parse(reply->resp.body.data ? reply->resp.body.data : "",
				  reply->resp.body.len, NULL);
	if (reply->resp.body.data)
		mem_wipe(reply->resp.body.data, reply->resp.body.len);
	return rc;
}

int sso_get_role_credentials(const char *region, const char *access_token, const char *account_id,
			     const char *role_name, struct aws_credentials **out,
			     struct aws_reply *reply)
{
	struct buf q = BUF_INIT, res = BUF_INIT;
	struct aws_header h[1];
	struct aws_call c;
	const cJSON *rc_obj, *exp;
	cJSON *doc = NULL;
	const char *ak, *sk, *tok;
	int rc = -1;

	*out = NULL;
	memset(reply, 0, sizeof(*reply));
	if (region == NULL || access_token == NULL || account_id == NULL || role_name == NULL) {
		s_message(reply, "a region, a token, an account and a role are needed");
		goto out;
	}
	if (strpbrk(access_token, "\r\n") != NULL) {
		s_message(reply, "the cached access token contains a line break");
		goto out;
	}
	if (buf_append_str(&q, "account_id=") ||
	    aws_uri_encode_buf(&q, account_id, strlen(account_id), 1) ||
	    buf_append_str(&q, "&role_name=") ||
	    aws_uri_encode_buf(&q, role_name, strlen(role_name), 1) ||
	    buf_printf(&res, "%s in account %s", role_name, account_id)) {
		s_message(reply, "out of memory");
		goto out;
	}
	h[0].name = "x-amz-sso_bearer_token";
	h[0].value = access_token;
	aws_call_init(&c, AWS_SSO, "GetRoleCredentials", "GET", "/federation/credentials",
		      res.data);
	c.query = q.data;
	c.headers = h;
	c.nheaders = 1;
	c.region = region;
	c.anonymous = 1; /* the bearer token authenticates the call */
	rc = s_call_json(&c, reply, &doc);
	if (rc != 0)
		goto out;
	rc = -1;
	rc_obj = doc ? json_obj(doc, "roleCredentials") : NULL;
	ak = rc_obj ? json_str(rc_obj, "accessKeyId") : NULL;
	sk = rc_obj ? json_str(rc_obj, "secretAccessKey") : NULL;
	tok = rc_obj ? json_str(rc_obj, "sessionToken") : NULL;
	exp = rc_obj ? cJSON_GetObjectItemCaseSensitive(rc_obj, "expiration") : NULL;
	if (ak == NULL || sk == NULL || tok == NULL || *ak == '\0' || *sk == '\0') {
		s_message(reply, "the answer has no roleCredentials");
		goto out;
	}
	/* milliseconds; a date between 1970 and 9999 (0 would mean "never") */
	if (!cJSON_IsNumber(exp) || !(exp->valuedouble >= 1000.0) ||
	    exp->valuedouble > 253402300799000.0) {
		s_message(reply, "the answer has no valid expiration");
		goto out;
	}
	*out = aws_credentials_issued(ak, sk, tok, (time_t)(exp->valuedouble / 1000.0),
				      "sso:GetRoleCredentials %s", res.data);
	if (*out == NULL)
		goto out;
	rc = 0;
out:
	if (rc == -1 && reply->message == NULL)
		s_message(reply, "failed");
	json_delete_wiped(doc);
	buf_free(&q);
	buf_free(&res);
	return rc;
}

int sso_role_adapter(void *ctx, const struct aws_sso_request *req, struct aws_credentials **out,
		     struct aaa_err *err)
{
	struct aws_reply reply;
	int rc;

	(void)ctx;
	*out = NULL;
	rc = sso_get_role_credentials(req->region, req->access_token, req->account_id,
				      req->role_name, out, &reply);
	if (rc == 1 &&
	    (reply.err.http_status == 401 || aws_error_is(&reply.err, "UnauthorizedException"))) {
		log_info("%s", reply.message ? reply.message : "SSO GetRoleCredentials: refused");
	} else if (rc != 0) {
		log_fail(err, "aws", "", "%s",
			 reply.message ? reply.message : "SSO GetRoleCredentials failed");
		aws_reply_detail(&reply, err);
		rc = -1;
	}
	aws_reply_free(&reply);
	return rc;
}

int sso_oidc_refresh_token(const char *region, const char *client_id, const char *client_secret,
			   const char *refresh_token, struct aws_sso_token *out,
			   struct aws_reply *reply)
{
	struct aws_header h[1];
	struct aws_call c;
	cJSON *req = NULL, *doc = NULL;
	const cJSON *exp;
	const char *at, *rt;
	char *body = NULL;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	memset(reply, 0, sizeof(*reply));
	if (region == NULL || client_id == NULL || client_secret == NULL || refresh_token == NULL) {
		free(reply->message);
		reply->message = str_printf("SSO OIDC CreateToken: a region, a client and a "
					    "refresh token are needed");
		goto out;
	}
	req = cJSON_CreateObject();
	if (req == NULL || !cJSON_AddStringToObject(req, "clientId", client_id) ||
	    !cJSON_AddStringToObject(req, "clientSecret", client_secret) ||
	    !cJSON_AddStringToObject(req, "grantType", "refresh_token") ||
	    !cJSON_AddStringToObject(req, "refreshToken", refresh_token))
		goto out;
	body = cJSON_PrintUnformatted(req);
	if (body == NULL)
		goto out;
	h[0].name = "Content-Type";
	h[0].value = "application/json";
	aws_call_init(&c, AWS_SSO_OIDC, "CreateToken", "POST", "/token", NULL);
	c.headers = h;
	c.nheaders = 1;
	c.body = body;
	c.body_len = strlen(body);
	c.region = region;
	c.anonymous = 1; /* the client secret and refresh token authenticate it */
	rc = s_call_json(&c, reply, &doc);
	if (rc != 0)
		goto out;
	rc = -1;
	at = doc ? json_str(doc, "accessToken") : NULL;
	rt = doc ? json_str(doc, "refreshToken") : NULL;
	exp = doc ? cJSON_GetObjectItemCaseSensitive(doc, "expiresIn") : NULL;
	/* seconds: at least one, at most ~30 years (a cast must not overflow) */
	if (at == NULL || *at == '\0' || !cJSON_IsNumber(exp) || !(exp->valuedouble >= 1.0) ||
	    exp->valuedouble > 1e9) {
		free(reply->message);
		reply->message =
		    str_printf("SSO OIDC CreateToken: the answer has no accessToken or expiresIn");
		goto out;
	}
	out->access_token = str_dup(at);
	out->refresh_token = rt && *rt ? str_dup(rt) : NULL;
	out->expires_in = (long)exp->valuedouble;
	if (out->access_token == NULL || (rt && *rt && out->refresh_token == NULL))
		goto out;
	rc = 0;
out:
	if (rc == -1 && reply->message == NULL)
		reply->message = str_printf("SSO OIDC CreateToken: failed");
	if (rc != 0)
		aws_sso_token_free(out);
	json_delete_wiped(doc);
	json_delete_wiped(req);
	str_wipe_free(body);
	return rc;
}

int sso_refresh_adapter(void *ctx, const struct aws_sso_refresh_request *req,
			struct aws_sso_token *out)
{
	struct aws_reply reply;
	int rc;

	(void)ctx;
	rc = sso_oidc_refresh_token(req->region, req->client_id, req->client_secret,
				    req->refresh_token, out, &reply);
	if (rc != 0) {
		/* not an error yet: a token that is still valid is used anyway */
		log_info("%s", reply.message ? reply.message : "SSO OIDC CreateToken failed");
		rc = -1;
	}
	aws_reply_free(&reply);
	return rc;
}

void sso_install(void)
{
	aws_client_set_sso(sso_role_adapter, NULL, sso_refresh_adapter, NULL);
}
