/*
 * Test program for the KMS, STS and Lambda clients and the KMS account
 * key, so pytest can drive them against the local stack. Output is one
 * JSON object on stdout; on an AWS failure {"rc","code","status","message"}
 * and exit 1.
 *
 *   awsx_tool kms-encrypt KEY TEXT                 {"ciphertext"}
 *   awsx_tool kms-decrypt CIPHERTEXT [KEY]         {"plaintext"}
 *   awsx_tool kms-sign KEY ALG FILE                {"signature"} (base64, as KMS returns it)
 *   awsx_tool kms-pubkey KEY                       {"public_key","key_spec"}
 *   awsx_tool kms-jws KEY URL NONCE PAYLOAD_JSON   the flattened JWS from kms_signer
 *   awsx_tool acme-reg-kms DIRECTORY KEY EMAIL     {"account","created","alg"}
 *   awsx_tool sts-whoami                           {"account","arn"} (default chain,
 *                                                  role_arn profiles through sts_install)
 *   awsx_tool sts-assume ROLE SESSION [EXTERNAL_ID] {"access_key_id","expiration",
 *                                                  "account","arn"} (GetCallerIdentity
 *                                                  signed with the assumed credentials)
 *   awsx_tool lambda-invoke NAME PAYLOAD [event]   {"status","response","function_error"}
 * Exit 0 ok, 1 failure, 2 usage.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "acme/account.h"
#include "acme/post.h"
#include "aws/kms_signer.h"
#include "aws/client.h"
#include "aws/kms.h"
#include "aws/lambda.h"
#include "aws/sts.h"
#include "crypto/b64.h"
#include "http/http.h"
#include "log/log.h"
#include "util/mem.h"

static int s_print(cJSON *o)
{
	char *s = cJSON_PrintUnformatted(o);

	if (s)
		printf("%s\n", s);
	free(s);
	cJSON_Delete(o);
	return s ? 0 : 1;
}

/* The failure object for an AWS answer (rc 1) or no answer (rc -1). */
static int s_fail(int rc, struct aws_reply *r)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "rc", rc);
	cJSON_AddStringToObject(o, "code", r->err.code ? r->err.code : "");
	cJSON_AddNumberToObject(o, "status", (double)r->resp.status);
	cJSON_AddStringToObject(o, "message", r->message ? r->message : "");
	fprintf(stderr, "%s\n", r->message ? r->message : "failed");
	s_print(o);
	return 1;
}

static char *s_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *d = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		d = malloc((size_t)n + 1);
		if (d && fread(d, 1, (size_t)n, f) != (size_t)n) {
			free(d);
			d = NULL;
		} else if (d) {
			*len = (size_t)n;
		}
	}
	fclose(f);
	return d;
}

static int s_kms(int argc, char **argv)
{
	const char *cmd = argv[1];
	struct aws_reply r;
	cJSON *o;
	char *s = NULL, *spec = NULL, *msg = NULL;
	unsigned char *b = NULL;
	size_t len = 0, mlen = 0;
	int rc;

	memset(&r, 0, sizeof(r));
	if (strcmp(cmd, "kms-encrypt") == 0 && argc == 4) {
		rc = kms_encrypt(argv[2], argv[3], strlen(argv[3]), &s, &r);
		if (rc != 0)
			goto fail;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "ciphertext", s);
	} else if (strcmp(cmd, "kms-decrypt") == 0 && (argc == 3 || argc == 4)) {
		rc = kms_decrypt(argv[2], argc == 4 ? argv[3] : NULL, &b, &len, &r);
		if (rc != 0)
			goto fail;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "plaintext", (char *)b);
		mem_wipe(b, len);
	} else if (strcmp(cmd, "kms-sign") == 0 && argc == 5) {
		msg = s_read(argv[4], &mlen);
		if (msg == NULL)
			return 2;
		rc = kms_sign(argv[2], argv[3], msg, mlen, &b, &len, &r);
		if (rc != 0)
			goto fail;
		s = b64_encode(b, len);
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "signature", s);
	} else if (strcmp(cmd, "kms-pubkey") == 0 && argc == 3) {
		rc = kms_get_public_key(argv[2], &b, &len, &spec, &r);
		if (rc != 0)
			goto fail;
		s = b64_encode(b, len);
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "public_key", s);
		cJSON_AddStringToObject(o, "key_spec", spec);
	} else {
		return 2;
	}
	aws_reply_free(&r);
	free(s);
	free(spec);
	free(b);
	free(msg);
	return s_print(o);
fail:
	rc = s_fail(rc, &r);
	aws_reply_free(&r);
	free(s);
	free(spec);
	free(b);
	free(msg);
	return rc;
}

static int s_jws(int argc, char **argv)
{
	struct jws_signer *s = NULL;
	cJSON *payload = NULL;
	struct aaa_err err;
	char *text = NULL;
	int rc = 1;

	if (argc != 6)
		return 2;
	payload = cJSON_Parse(argv[5]);
	s = kms_signer_new(argv[2], &err);
	if (s == NULL || payload == NULL) {
		fprintf(stderr, "%s\n", s == NULL ? err.message : "bad payload");
		goto out;
	}
	text = jws_build_text(s, argv[3], argv[4], NULL, payload);
	if (text == NULL)
		goto out;
	printf("%s\n", text);
	rc = 0;
out:
	jws_signer_free(s);
	cJSON_Delete(payload);
	free(text);
	return rc;
}

static int s_acme_reg(int argc, char **argv)
{
	struct acme_account_opts ao = {.email = NULL, .agree = 1};
	struct acme_client *c = NULL;
	struct jws_signer *s;
	struct aaa_err err;
	cJSON *o;
	int created = 0, rc = 1;

	if (argc != 5)
		return 2;
	ao.email = argv[4];
	s = kms_signer_new(argv[3], &err);
	if (s == NULL) {
		fprintf(stderr, "%s\n", err.message);
		goto out;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "alg", jws_signer_alg(s));
	c = acme_client_new(argv[2], s); /* takes s */
	if (c == NULL || acme_account_register(c, &ao, &created) != 0) {
		fprintf(stderr, "register failed: %s\n", c ? c->error : "no client");
		cJSON_Delete(o);
		goto out;
	}
	cJSON_AddStringToObject(o, "account", c->kid);
	cJSON_AddBoolToObject(o, "created", created);
	rc = s_print(o);
out:
	acme_client_free(c);
	return rc;
}

static int s_sts(int argc, char **argv)
{
	struct aws_reply r;
	struct aws_credentials *cr = NULL;
	char *account = NULL, *arn = NULL, exp[32];
	cJSON *o;
	int rc;

	memset(&r, 0, sizeof(r));
	if (strcmp(argv[1], "sts-whoami") == 0 && argc == 2) {
		rc = sts_get_caller_identity(NULL, &account, &arn, &r);
	} else if (strcmp(argv[1], "sts-assume") == 0 && (argc == 4 || argc == 5)) {
		rc =
		    sts_assume_role(argv[2], argv[3], argc == 5 ? argv[4] : NULL, 0, NULL, &cr, &r);
		if (rc == 0) {
			aws_reply_free(&r);
			rc = sts_get_caller_identity(cr, &account, &arn, &r);
		}
	} else {
		return 2;
	}
	if (rc != 0) {
		rc = s_fail(rc, &r);
		goto out;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "account", account);
	cJSON_AddStringToObject(o, "arn", arn);
	if (cr) {
		cJSON_AddStringToObject(o, "access_key_id", cr->access_key_id);
		snprintf(exp, sizeof(exp), "%lld", (long long)cr->expiration);
		cJSON_AddStringToObject(o, "expiration", exp);
		cJSON_AddBoolToObject(o, "session_token", cr->session_token != NULL);
	}
	rc = s_print(o);
out:
	aws_reply_free(&r);
	aws_credentials_free(cr);
	free(account);
	free(arn);
	return rc;
}

static int s_lambda(int argc, char **argv)
{
	struct aws_reply r;
	char *resp = NULL, *fe = NULL;
	cJSON *o;
	int rc, async = argc == 5 && strcmp(argv[4], "event") == 0;

	if (argc != 4 && !async)
		return 2;
	rc = lambda_invoke(argv[2], argv[3], async, &resp, &fe, &r);
	if (rc != 0) {
		rc = s_fail(rc, &r);
		goto out;
	}
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "status", (double)r.resp.status);
	if (resp)
		cJSON_AddStringToObject(o, "response", resp);
	else
		cJSON_AddNullToObject(o, "response");
	if (fe)
		cJSON_AddStringToObject(o, "function_error", fe);
	else
		cJSON_AddNullToObject(o, "function_error");
	rc = s_print(o);
out:
	aws_reply_free(&r);
	free(resp);
	free(fe);
	return rc;
}

int main(int argc, char **argv)
{
	int rc = 2;

	log_init_from_env();
	if (http_init() != 0)
		return 1;
	sts_install();
	if (argc >= 2 && strcmp(argv[1], "kms-jws") == 0)
		rc = s_jws(argc, argv);
	else if (argc >= 2 && strcmp(argv[1], "acme-reg-kms") == 0)
		rc = s_acme_reg(argc, argv);
	else if (argc >= 2 && strncmp(argv[1], "kms-", 4) == 0)
		rc = s_kms(argc, argv);
	else if (argc >= 2 && strncmp(argv[1], "sts-", 4) == 0)
		rc = s_sts(argc, argv);
	else if (argc >= 2 && strcmp(argv[1], "lambda-invoke") == 0)
		rc = s_lambda(argc, argv);
	if (rc == 2)
		fprintf(stderr,
			"usage: awsx_tool kms-encrypt KEY TEXT | kms-decrypt CT [KEY] | "
			"kms-sign KEY ALG FILE | kms-pubkey KEY | "
			"kms-jws KEY URL NONCE PAYLOAD | acme-reg-kms DIRECTORY KEY EMAIL | "
			"sts-whoami | sts-assume ROLE SESSION [EXTERNAL_ID] | "
			"lambda-invoke NAME PAYLOAD [event]\n");
	aws_client_cleanup();
	http_cleanup();
	return rc;
}
