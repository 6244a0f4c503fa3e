/*
 * STS over aws_call with the query protocol. See sts.h.
 */
#define _GNU_SOURCE
#include "aws/sts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/awstime.h"
#include "aws/sso.h"
#include "log/log.h"
#include "util/buf.h"
#include "util/mem.h"
#include "xml/xml.h"

#define STS_CONTENT_TYPE "application/x-www-form-urlencoded; charset=utf-8"

static void s_message(struct aws_reply *reply, const char *op, const char *resource,
		      const char *what)
{
	free(reply->message);
	reply->message =
	    str_printf("STS %s%s%s: %s", op, resource ? " " : "", resource ? resource : "", what);
}

/* name=value with the value percent-encoded (RFC 3986, as SigV4 does). */
static int s_form_add(struct buf *b, const char *name, const char *value)
{
	return buf_printf(b, "%s%s=", b->len ? "&" : "", name) ||
	       aws_uri_encode_buf(b, value, strlen(value), 1);
}

/*
 * One query-protocol call with the form body; the answer parsed into
 * *doc (caller xmlFreeDocs). 0, 1 or -1 as in sts.h.
 */
static int s_call(const char *op, const char *resource, const struct buf *form,
		  const struct aws_credentials *creds, int anonymous, const char *region,
		  xmlDoc **doc, struct aws_reply *reply)
{
	struct aws_call c;
	struct aws_header h[1];
	int rc;

	*doc = NULL;
	h[0].name = "Content-Type";
	h[0].value = STS_CONTENT_TYPE;
	aws_call_init(&c, AWS_STS, op, "POST", "/", resource);
	c.headers = h;
	c.nheaders = 1;
	c.body = form->data;
	c.body_len = form->len;
	c.credentials = creds;
	c.anonymous = anonymous;
	c.region = region;
	rc = aws_call(&c, reply);
	if (rc != 0)
		return rc;
	*doc = xml_parse(reply->resp.body.data ? reply->resp.body.data : "", reply->resp.body.len,
			 NULL);
	if (*doc == NULL || xml_root(*doc) == NULL) {
		s_message(reply, op, resource, "the answer is not XML");
		return -1;
	}
	return 0;
}

/*
 * The <RESULT>/Credentials of an STS answer as *out (source "sts:OP
 * ROLE"); the secrets are registered with the log's redaction. Without
 * exp_required a missing Expiration means credentials that do not expire.
 * 0, or -1 with reply->message set.
 */
static int s_credentials(xmlDoc *doc, const char *result, const char *op, const char *role_arn,
			 int exp_required, struct aws_credentials **out, struct aws_reply *reply)
{
	char path[96];
	xmlNode *cr;
	char *ak = NULL, *sk = NULL, *tok = NULL, *exp = NULL;
	time_t expiration = 0;
	int rc = -1;

	snprintf(path, sizeof(path), "%s/Credentials", result);
	cr = xml_path(xml_root(doc), path);
	ak = cr ? xml_path_text(cr, "AccessKeyId") : NULL;
	sk = cr ? xml_path_text(cr, "SecretAccessKey") : NULL;
	tok = cr ? xml_path_text(cr, "SessionToken") : NULL;
	exp = cr ? xml_path_text(cr, "Expiration") : NULL;
	if (ak == NULL || sk == NULL || tok == NULL || *ak == '\0' || *sk == '\0') {
		s_message(reply, op, role_arn, "the answer has no credentials");
		goto out;
	}
	if (exp == NULL && exp_required) {
		s_message(reply, op, role_arn, "the answer has no Expiration date");
		goto out;
	}
	if (exp && aws_time_parse_iso8601(exp, &expiration) != 0) {
		s_message(reply, op, role_arn, "the answer's Expiration is not a date");
		goto out;
	}
	*out = aws_credentials_issued(ak, sk, tok, expiration, "sts:%s %s", op, role_arn);
	if (*out == NULL)
		goto out;
	rc = 0;
out:
	free(ak);
	str_wipe_free(sk);
	str_wipe_free(tok);
	free(exp);
	return rc;
}

/* AssumeRole in region (NULL: the configured one). */
static int s_assume_role(const char *role_arn, const char *session_name, const char *external_id,
			 int duration_s, const struct aws_credentials *source, const char *region,
			 struct aws_credentials **out, struct aws_reply *reply)
{
	struct buf form = BUF_INIT;
	xmlDoc *doc = NULL;
	char dur[16];
	int rc = -1;

	*out = NULL;
	memset(reply, 0, sizeof(*reply));
	if (role_arn == NULL || session_name == NULL) {
		s_message(reply, "AssumeRole", role_arn,
			  "a role ARN and a session name are needed");
		goto out;
	}
	snprintf(dur, sizeof(dur), "%d", duration_s);
	if (s_form_add(&form, "Action", "AssumeRole") ||
	    s_form_add(&form, "Version", STS_API_VERSION) ||
	    s_form_add(&form, "RoleArn", role_arn) ||
	    s_form_add(&form, "RoleSessionName", session_name) ||
	    (external_id && s_form_add(&form, "ExternalId", external_id)) ||
	    (duration_s > 0 && s_form_add(&form, "DurationSeconds", dur))) {
		s_message(reply, "AssumeRole", role_arn, "out of memory");
		goto out;
	}
	rc = s_call("AssumeRole", role_arn, &form, source, 0, region, &doc, reply);
	if (reply->resp.body.data)
		mem_wipe(reply->resp.body.data, reply->resp.body.len);
	if (rc != 0)
		goto out;
	rc = s_credentials(doc, "AssumeRoleResult", "AssumeRole", role_arn, 0, out, reply);
out:
	if (rc == -1 && reply->message == NULL)
		s_message(reply, "AssumeRole", role_arn, "failed");
	if (doc)
		xmlFreeDoc(doc);
	buf_free(&form);
	return rc;
}

int sts_assume_role(const char *role_arn, const char *session_name, const char *external_id,
		    int duration_s, const struct aws_credentials *source,
		    struct aws_credentials **out, struct aws_reply *reply)
{
	return s_assume_role(role_arn, session_name, external_id, duration_s, source, NULL, out,
			     reply);
}

/* The form of AssumeRoleWithWebIdentity; it holds the token, so the
 * caller wipes it. 0/-1. */
static int s_web_identity_form(struct buf *form, const char *role_arn, const char *session_name,
			       const char *token, int duration_s)
{
	char dur[16];

	snprintf(dur, sizeof(dur), "%d", duration_s);
	return s_form_add(form, "Action", "AssumeRoleWithWebIdentity") ||
	       s_form_add(form, "Version", STS_API_VERSION) ||
	       s_form_add(form, "RoleArn", role_arn) ||
	       s_form_add(form, "RoleSessionName", session_name) ||
	       s_form_add(form, "WebIdentityToken", token) ||
	       (duration_s > 0 && s_form_add(form, "DurationSeconds", dur));
}

int sts_assume_role_with_web_identity(const char *role_arn, const char *session_name,
				      const char *token, int duration_s, const char *region,
				      struct aws_credentials **out, struct aws_reply *reply)
{
	static const char op[] = "AssumeRoleWithWebIdentity";
	struct buf form = BUF_INIT;
	xmlDoc *doc = NULL;
	int rc = -1;

	*out = NULL;
	memset(reply, 0, sizeof(*reply));
	if (role_arn == NULL || session_name == NULL || token == NULL) {
		s_message(reply, op, role_arn, "a role ARN, a session name and a token are needed");
		goto out;
	}
	if (s_web_identity_form(&form, role_arn, session_name, token, duration_s) != 0) {
		s_message(reply, op, role_arn, "out of memory");
		goto out;
	}
	/* anonymous: the token authenticates the call; it is not signed */
	rc = s_call("AssumeRoleWithWebIdentity", role_arn, &form, NULL, 1, region, &doc, reply);
	if (reply->resp.body.data)
		mem_wipe(reply->resp.body.data, reply->resp.body.len);
	if (rc != 0)
		goto out;
	rc = s_credentials(doc, "AssumeRoleWithWebIdentityResult", op, role_arn, 1, out, reply);
out:
	if (rc == -1 && reply->message == NULL)
		s_message(reply, op, role_arn, "failed");
	if (doc)
		xmlFreeDoc(doc);
	if (form.data)
		mem_wipe(form.data, form.len);
	buf_free(&form);
	return rc;
}

int sts_get_caller_identity(const struct aws_credentials *creds, char **account, char **arn,
			    struct aws_reply *reply)
{
	struct buf form = BUF_INIT;
	xmlDoc *doc = NULL;
	char *acc = NULL, *a = NULL;
	int rc = -1;

	if (account)
		*account = NULL;
	if (arn)
		*arn = NULL;
	memset(reply, 0, sizeof(*reply));
	if (s_form_add(&form, "Action", "GetCallerIdentity") ||
	    s_form_add(&form, "Version", STS_API_VERSION)) {
		s_message(reply, "GetCallerIdentity", NULL, "out of memory");
		goto out;
	}
	rc = s_call("GetCallerIdentity", NULL, &form, creds, 0, NULL, &doc, reply);
	if (rc != 0)
		goto out;
	rc = -1;
	acc = xml_path_text(xml_root(doc), "GetCallerIdentityResult/Account");
	a = xml_path_text(xml_root(doc), "GetCallerIdentityResult/Arn");
	if (acc == NULL || a == NULL) {
		s_message(reply, "GetCallerIdentity", NULL, "the answer has no Account or Arn");
		goto out;
	}
	if (account) {
		*account = acc;
		acc = NULL;
	}
	if (arn) {
		*arn = a;
		a = NULL;
	}
	rc = 0;
out:
	if (doc)
		xmlFreeDoc(doc);
	buf_free(&form);
	free(acc);
	free(a);
	return rc;
}

/* An adapter's failure: STS's line (or what) with its code, status and
 * request id, logged where it happens. */
static void s_reply_fail(struct aaa_err *err, const struct aws_reply *reply, const char *what)
{
	log_fail(err, "aws", "", "%s", reply->message ? reply->message : what);
	aws_reply_detail(reply, err);
}

/*
 * The chain calls this while it resolves a role_arn profile, with the
 * source profile's credentials, so the call is always signed with source
 * (never the default chain, which is what is being resolved), in the
 * profile's region when it names one.
 */
int sts_assume_role_adapter(void *ctx, const struct aws_credentials *source,
			    const struct aws_assume_role_request *req, struct aws_credentials **out,
			    struct aaa_err *err)
{
	struct aws_reply reply;
	int rc = -1;

	(void)ctx;
	*out = NULL;
	if (source == NULL)
		return log_fail(err, "aws", "", "AssumeRole %s: no source credentials",
				req->role_arn);
	if (s_assume_role(req->role_arn, req->session_name, req->external_id, req->duration_seconds,
			  source, req->region, out, &reply) == 0)
		rc = 0;
	else
		s_reply_fail(err, &reply, "STS AssumeRole failed");
	aws_reply_free(&reply);
	return rc;
}

/*
 * For web identity: the profile's region, else the configured one, else
 * us-east-1 (STS answers there for every account, as the SDKs' global
 * endpoint does; a CI job need not set a region to get credentials).
 */
int sts_web_identity_adapter(void *ctx, const struct aws_web_identity_request *req,
			     struct aws_credentials **out, struct aaa_err *err)
{
	struct aws_reply reply;
	const char *region = req->region;
	int rc = -1;

	(void)ctx;
	*out = NULL;
	if (region == NULL && (aws_client_region(&region) != 0 || region == NULL))
		region = "us-east-1";
	if (sts_assume_role_with_web_identity(req->role_arn, req->session_name, req->token, 0,
					      region, out, &reply) == 0)
		rc = 0;
	else
		s_reply_fail(err, &reply, "STS AssumeRoleWithWebIdentity failed");
	aws_reply_free(&reply);
	return rc;
}

void sts_install(void)
{
	aws_client_set_assume_role(sts_assume_role_adapter, NULL);
	aws_client_set_web_identity(sts_web_identity_adapter, NULL);
	sso_install();
}
