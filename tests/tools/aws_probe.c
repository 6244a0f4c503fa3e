/*
 * Test program for the AWS core, wired to http/ the way the service
 * clients will be: build request -> sign -> send -> classify. It holds the
 * two adapters the credentials chain needs (an HTTP fetch for container
 * and IMDS credentials, an STS AssumeRole call) and takes the STS client's
 * web identity and the SSO client's portal adapters, so the integration
 * tests run the real chain against real servers on 127.0.0.1.
 *
 *   aws_probe creds    {"source","access_key_id","session_token":bool,"expiration"}
 *   aws_probe region   {"region": "..." | null}
 *   aws_probe call SERVICE OPERATION METHOD PATH [--query Q] [--body B]
 *             [--header "N: v"]... [--bucket B [--key K]] [--unsigned-payload]
 *                      {"status","code","message","request_id","line","body"}
 * Exit 0 on success (call: any 2xx), 1 otherwise; the log goes to stderr.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "aws/awserr.h"
#include "aws/awstime.h"
#include "aws/client.h"
#include "aws/credentials.h"
#include "aws/endpoint.h"
#include "aws/sigv4.h"
#include "aws/sso.h"
#include "aws/sts.h"
#include "http/http.h"
#include "log/log.h"
#include "util/buf.h"
#include "util/mem.h"
#include "xml/xml.h"

#define MAX_HDRS 24

struct call {
	enum aws_service svc;
	const char *method;
	const char *path;   /* encoded; ignored for S3 with a bucket */
	const char *query;  /* wire query or NULL */
	const char *bucket; /* S3 */
	const char *key;    /* S3 object key, raw */
	struct aws_header hdrs[MAX_HDRS];
	size_t nh;
	const void *body;
	size_t body_len;
	int unsigned_payload;
};

/* The glue every client will have: endpoint, target, sign, send. */
static int s_send(const struct aws_credentials *creds, const char *region, const struct call *c,
		  struct http_response *resp)
{
	struct aws_endpoint ep;
	struct aws_target t;
	struct aws_header hdrs[MAX_HDRS + 1];
	struct sigv4_request sr;
	struct sigv4_params sp;
	struct sigv4_result res;
	struct http_request hr;
	char **lines = NULL, *url = NULL;
	int rc = -1;

	memset(&t, 0, sizeof(t));
	memset(&res, 0, sizeof(res));
	memset(resp, 0, sizeof(*resp));
	if (aws_endpoint_resolve(aws_env_process(), c->svc, region, &ep) != 0)
		goto out;
	if ((c->svc == AWS_S3 && c->bucket ? aws_s3_target(&ep, c->bucket, c->key, &t)
					   : aws_endpoint_target(&ep, c->path, &t)) != 0)
		goto out;
	hdrs[0].name = "Host";
	hdrs[0].value = t.host;
	memcpy(hdrs + 1, c->hdrs, c->nh * sizeof(*hdrs));
	memset(&sr, 0, sizeof(sr));
	sr.method = c->method;
	sr.path = t.path;
	sr.query = c->query;
	sr.headers = hdrs;
	sr.nheaders = c->nh + 1;
	sr.payload = c->body;
	sr.payload_len = c->body_len;
	sr.payload_hash = c->unsigned_payload ? SIGV4_UNSIGNED_PAYLOAD : NULL;
	memset(&sp, 0, sizeof(sp));
	sp.creds = creds;
	sp.region = ep.signing_region;
	sp.service = ep.signing_name;
	sp.now = time(NULL);
	sp.flags = c->svc == AWS_S3 ? SIGV4_S3 : 0;
	if (sigv4_sign(&sr, &sp, &res) != 0)
		goto out;
	lines = sigv4_header_lines(&sr, &res);
	url = aws_target_url(&t, res.query);
	if (lines == NULL || url == NULL)
		goto out;
	memset(&hr, 0, sizeof(hr));
	hr.method = c->method;
	hr.url = url;
	hr.headers = (const char *const *)lines;
	hr.body = c->body;
	hr.body_len = c->body_len;
	if (http_send(&hr, resp) != 0) {
		log_error("%s %s: %s", aws_service_name(c->svc), c->method, resp->error);
		goto out;
	}
	rc = 0;
out:
	sigv4_header_lines_free(lines);
	free(url);
	sigv4_result_free(&res);
	aws_target_free(&t);
	aws_endpoint_free(&ep);
	return rc;
}

static int s_form_add(struct buf *b, const char *k, const char *v)
{
	return buf_printf(b, "%s%s=", b->len ? "&" : "", k) ||
	       aws_uri_encode_buf(b, v, strlen(v), 1);
}

/* STS AssumeRole (query protocol), as the STS client will do it. */
static int s_assume_role(void *ctx, const struct aws_credentials *src,
			 const struct aws_assume_role_request *req, struct aws_credentials **out,
			 struct aaa_err *err)
{
	struct buf body = BUF_INIT;
	struct http_response resp;
	struct call c;
	char dur[16], *region = NULL, *ak = NULL, *sk = NULL, *tok = NULL, *exp = NULL;
	xmlDoc *doc = NULL;
	time_t expiration = 0;
	int rc = -1;

	(void)ctx;
	(void)err;
	memset(&resp, 0, sizeof(resp));
	if (s_form_add(&body, "Action", "AssumeRole") ||
	    s_form_add(&body, "Version", "2011-06-15") ||
	    s_form_add(&body, "RoleArn", req->role_arn) ||
	    s_form_add(&body, "RoleSessionName", req->session_name) ||
	    (req->external_id && s_form_add(&body, "ExternalId", req->external_id)))
		goto out;
	if (req->duration_seconds) {
		snprintf(dur, sizeof(dur), "%d", req->duration_seconds);
		if (s_form_add(&body, "DurationSeconds", dur))
			goto out;
	}
	if (req->region)
		region = str_dup(req->region);
	else if (aws_region_resolve(aws_env_process(), &region) != 0)
		goto out;
	memset(&c, 0, sizeof(c));
	c.svc = AWS_STS;
	c.method = "POST";
	c.path = "/";
	c.hdrs[0].name = "Content-Type";
	c.hdrs[0].value = "application/x-www-form-urlencoded; charset=utf-8";
	c.nh = 1;
	c.body = body.data;
	c.body_len = body.len;
	if (s_send(src, region ? region : "us-east-1", &c, &resp) != 0)
		goto out;
	if (resp.status != 200) {
		struct aws_error e;
		char *line = NULL;

		if (aws_error_from_response(&resp, &e) == 0)
			line = aws_error_format(&e, "STS", "AssumeRole", req->role_arn);
		log_error("%s", line ? line : "STS AssumeRole failed");
		free(line);
		aws_error_free(&e);
		goto out;
	}
	doc = xml_parse(resp.body.data, resp.body.len, "STS AssumeRole answer");
	if (doc == NULL)
		goto out;
	ak = xml_path_text(xml_root(doc), "AssumeRoleResult/Credentials/AccessKeyId");
	sk = xml_path_text(xml_root(doc), "AssumeRoleResult/Credentials/SecretAccessKey");
	tok = xml_path_text(xml_root(doc), "AssumeRoleResult/Credentials/SessionToken");
	exp = xml_path_text(xml_root(doc), "AssumeRoleResult/Credentials/Expiration");
	if (ak == NULL || sk == NULL || tok == NULL || exp == NULL ||
	    aws_time_parse_iso8601(exp, &expiration) != 0)
		goto out;
	*out = aws_credentials_new(ak, sk, tok, expiration, "sts");
	rc = *out ? 0 : -1;
out:
	if (doc)
		xmlFreeDoc(doc);
	buf_free(&body);
	http_response_free(&resp);
	free(region);
	free(ak);
	str_wipe_free(sk);
	str_wipe_free(tok);
	free(exp);
	return rc;
}

static int s_print(cJSON *o)
{
	char *s = cJSON_PrintUnformatted(o);

	if (s)
		printf("%s\n", s);
	free(s);
	cJSON_Delete(o);
	return s ? 0 : -1;
}

static int s_service(const char *name, enum aws_service *out)
{
	int i;

	for (i = 0; i < AWS_SERVICE_MAX; i++)
		if (strcasecmp(aws_services[i].name, name) == 0) {
			*out = (enum aws_service)i;
			return 0;
		}
	return -1;
}

int main(int argc, char **argv)
{
	struct aws_credentials_deps deps = {.fetch = aws_client_fetch,
					    .assume_role = s_assume_role,
					    .web_identity = sts_web_identity_adapter,
					    .sso_role = sso_role_adapter,
					    .sso_refresh = sso_refresh_adapter};
	struct aws_credentials_chain *chain = NULL;
	const struct aws_credentials *creds = NULL;
	struct http_response resp;
	struct call c;
	char *region = NULL;
	cJSON *o;
	int i, rc = 1;

	memset(&resp, 0, sizeof(resp));
	log_init_from_env();
	if (http_init() != 0)
		goto out;
	chain = aws_credentials_chain_new(&deps);
	if (argc < 2 || chain == NULL)
		goto usage;
	if (strcmp(argv[1], "region") == 0) {
		if (aws_region_resolve(aws_env_process(), &region) != 0)
			goto out;
		o = cJSON_CreateObject();
		if (region)
			cJSON_AddStringToObject(o, "region", region);
		else
			cJSON_AddNullToObject(o, "region");
		rc = s_print(o) ? 1 : 0;
		goto out;
	}
	if (aws_credentials_chain_get(chain, time(NULL), &creds, NULL) != 0)
		goto out;
	if (strcmp(argv[1], "creds") == 0) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "source", creds->source);
		cJSON_AddStringToObject(o, "access_key_id", creds->access_key_id);
		cJSON_AddBoolToObject(o, "session_token", creds->session_token != NULL);
		cJSON_AddNumberToObject(o, "expiration", (double)creds->expiration);
		rc = s_print(o) ? 1 : 0;
		goto out;
	}
	if (strcmp(argv[1], "call") != 0 || argc < 6)
		goto usage;
	memset(&c, 0, sizeof(c));
	if (s_service(argv[2], &c.svc) != 0)
		goto usage;
	c.method = argv[4];
	c.path = argv[5];
	for (i = 6; i < argc; i++) {
		if (strcmp(argv[i], "--query") == 0 && i + 1 < argc) {
			c.query = argv[++i];
		} else if (strcmp(argv[i], "--body") == 0 && i + 1 < argc) {
			c.body = argv[++i];
			c.body_len = strlen(argv[i]);
		} else if (strcmp(argv[i], "--bucket") == 0 && i + 1 < argc) {
			c.bucket = argv[++i];
		} else if (strcmp(argv[i], "--key") == 0 && i + 1 < argc) {
			c.key = argv[++i];
		} else if (strcmp(argv[i], "--unsigned-payload") == 0) {
			c.unsigned_payload = 1;
		} else if (strcmp(argv[i], "--header") == 0 && i + 1 < argc && c.nh < MAX_HDRS) {
			char *h = argv[++i], *colon = strchr(h, ':');

			if (colon == NULL)
				goto usage;
			*colon = '\0';
			c.hdrs[c.nh].name = h;
			c.hdrs[c.nh++].value = colon + 1 + strspn(colon + 1, " ");
		} else {
			goto usage;
		}
	}
	if (aws_region_resolve(aws_env_process(), &region) != 0 ||
	    s_send(creds, region, &c, &resp) != 0)
		goto out;
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "status", (double)resp.status);
	cJSON_AddStringToObject(o, "body", resp.body.data ? resp.body.data : "");
	if (resp.status < 200 || resp.status > 299) {
		struct aws_error e;
		char *line;

		if (aws_error_from_response(&resp, &e) == 0) {
			line = aws_error_format(&e, aws_service_name(c.svc), argv[3],
						c.key ? c.key : c.bucket);
			cJSON_AddStringToObject(o, "code", e.code);
			cJSON_AddStringToObject(o, "message", e.message);
			if (e.request_id)
				cJSON_AddStringToObject(o, "request_id", e.request_id);
			if (line)
				cJSON_AddStringToObject(o, "line", line);
			free(line);
		}
		aws_error_free(&e);
	}
	rc = s_print(o) == 0 && resp.status >= 200 && resp.status <= 299 ? 0 : 1;
	goto out;
usage:
	fprintf(stderr, "usage: aws_probe creds | region | call SERVICE OPERATION METHOD PATH "
			"[--query Q] [--body B] [--header \"N: v\"]... [--bucket B [--key K]] "
			"[--unsigned-payload]\n");
	rc = 2;
out:
	http_response_free(&resp);
	free(region);
	aws_credentials_chain_free(chain);
	http_cleanup();
	return rc;
}
