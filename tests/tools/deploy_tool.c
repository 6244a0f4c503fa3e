/*
 * Test program for the deploy targets, so pytest can drive them against
 * the local stack (moto behind the verifying proxy):
 *
 *   deploy_tool validate TARGET
 *       {"result":"ok"} or {"error":...}; exit 0, or 2 when refused
 *   deploy_tool run TARGET NAME KEYTYPE CERT.pem KEY.pem CHAIN.pem STATE.json
 *       deploys; STATE.json (missing or empty: {}) is read and written back
 *       (0600) even after a failure, as the executor persists it;
 *       prints {"result":"ok"|"error","detail","error","serial","state"}
 *       and exits 0 or 1
 *   deploy_tool iam-name NAME SERIAL
 *       {"name":...,"prefix":...}
 *   deploy_tool targets
 *       the table of kinds: {"acm":["acm:ImportCertificate",...],...}, each
 *       kind with the IAM actions it needs
 * The serial comes from the certificate (crypto/x509.h), as the agent does.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "deploy/deploy.h"
#include "aws/client.h"
#include "aws/iam.h"
#include "crypto/x509.h"
#include "http/http.h"
#include "json/json.h"
#include "log/log.h"
#include "util/mem.h"

static char *s_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *d = NULL;
	long n;

	*len = 0;
	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		d = malloc((size_t)n + 1);
		if (d && fread(d, 1, (size_t)n, f) != (size_t)n) {
			free(d);
			d = NULL;
		} else if (d) {
			d[n] = '\0';
			*len = (size_t)n;
		}
	}
	fclose(f);
	return d;
}

static int s_write(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	size_t n = strlen(text);
	int rc = -1;

	if (fd < 0)
		return -1;
	if (write(fd, text, n) == (ssize_t)n)
		rc = 0;
	close(fd);
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

static int s_run(char **argv)
{
	struct deploy_cert dc;
	struct cert_info ci;
	cJSON *state = NULL, *out = cJSON_CreateObject();
	char *cert = NULL, *key = NULL, *chain = NULL, *st = NULL, *detail = NULL, *text = NULL;
	struct aaa_err err;
	size_t clen, klen, chlen, slen;
	int rc = 1;

	memset(&ci, 0, sizeof(ci));
	cert = s_read(argv[4], &clen);
	key = s_read(argv[5], &klen);
	chain = s_read(argv[6], &chlen);
	st = s_read(argv[7], &slen);
	if (cert == NULL || key == NULL || chain == NULL) {
		fprintf(stderr, "deploy_tool: cannot read the certificate, key or chain\n");
		goto out;
	}
	state = st && slen ? json_parse(st, slen, "state file") : cJSON_CreateObject();
	if (state == NULL || cert_info_get(cert, clen, &ci, "certificate") != 0)
		goto out;
	dc.name = argv[2];
	dc.key_type = argv[3];
	dc.cert_pem = cert;
	dc.key_pem = key;
	dc.chain_pem = chain;
	dc.serial = ci.serial;
	err_clear(&err);
	if (deploy_run(argv[1], &dc, state, &detail, &err) == 0)
		rc = 0;
	text = cJSON_PrintUnformatted(state);
	if (text == NULL || s_write(argv[7], text) != 0) {
		fprintf(stderr, "deploy_tool: cannot write the state\n");
		rc = 1;
	}
	cJSON_AddStringToObject(out, "result", rc == 0 ? "ok" : "error");
	json_add_str_opt(out, "detail", detail);
	if (err_is_set(&err)) {
		/* The error object the executor would report, and AWS's detail. */
		json_add_str_opt(out, "error", err.message);
		cJSON_AddStringToObject(out, "source", err.source);
		cJSON_AddStringToObject(out, "code", err.code);
		cJSON_AddNumberToObject(out, "http_status", err.http_status);
		cJSON_AddStringToObject(out, "request_id", err.request_id);
	}
	json_add_str_opt(out, "serial", ci.serial);
	cJSON_AddItemToObject(out, "state", state);
	state = NULL;
	s_print(out);
	out = NULL;
out:
	cert_info_clear(&ci);
	cJSON_Delete(state);
	cJSON_Delete(out);
	free(cert);
	str_wipe_free(key);
	free(chain);
	free(st);
	free(detail);
	free(text);
	return rc;
}

int main(int argc, char **argv)
{
	struct aaa_err err;
	cJSON *o;
	int rc = 2;

	log_init_from_env();
	if (http_init() != 0)
		return 1;
	if (argc == 3 && strcmp(argv[1], "validate") == 0) {
		o = cJSON_CreateObject();
		if (deploy_target_validate(argv[2], &err) == 0) {
			cJSON_AddStringToObject(o, "result", "ok");
			rc = 0;
		} else {
			cJSON_AddStringToObject(o, "error", err.message);
		}
		s_print(o);
	} else if (argc == 9 && strcmp(argv[1], "run") == 0) {
		rc = s_run(argv + 1);
	} else if (argc == 4 && strcmp(argv[1], "iam-name") == 0) {
		char *n = iam_cert_name(argv[2], argv[3]), *p = iam_cert_name_prefix(argv[2]);

		o = cJSON_CreateObject();
		json_add_str_opt(o, "name", n);
		json_add_str_opt(o, "prefix", p);
		s_print(o);
		free(n);
		free(p);
		rc = 0;
	} else if (argc == 2 && strcmp(argv[1], "targets") == 0) {
		size_t k, i;

		o = cJSON_CreateObject();
		for (k = 0; o && k < DEPLOY_KIND_MAX; k++) {
			cJSON *perms = cJSON_AddArrayToObject(o, deploy_targets[k]->name);

			for (i = 0; perms && deploy_targets[k]->permissions[i]; i++)
				cJSON_AddItemToArray(
				    perms, cJSON_CreateString(deploy_targets[k]->permissions[i]));
		}
		s_print(o);
		rc = 0;
	} else {
		fprintf(stderr, "usage: deploy_tool validate TARGET | run TARGET NAME KEYTYPE CERT "
				"KEY CHAIN STATE | iam-name NAME SERIAL | targets\n");
	}
	aws_client_cleanup();
	http_cleanup();
	return rc;
}
