/*
 * Test program for http/: sends requests with the shared handle and prints
 * one JSON object per response, then {"connections": N}.
 *   http_probe [--method M] [--header "N: v"]... [--data D] [--max BYTES]
 *              [--timeout-ms MS] [--connect-timeout-ms MS] [--no-proxy] URL...
 * Options apply to every URL that follows them. With --parallel P, the URLs
 * that follow are GETs sent together at the end with http_get_many (at
 * most P at once, within --budget-ms B when given), printed in the order
 * given, each with "sent".
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "http/http.h"
#include "log/log.h"

/* sent: 1, or 0 for a GET http_get_many never started; -1 no such member. */
static void s_print(int rc, struct http_response *resp, int sent, int *failures)
{
	cJSON *o = cJSON_CreateObject(), *hs;
	char *line;
	size_t h;

	if (rc != 0) {
		cJSON_AddStringToObject(o, "error", resp->error);
		cJSON_AddBoolToObject(o, "retryable", resp->retryable);
		(*failures)++;
	}
	if (sent >= 0)
		cJSON_AddBoolToObject(o, "sent", sent);
	cJSON_AddNumberToObject(o, "status", (double)resp->status);
	cJSON_AddStringToObject(o, "body", resp->body.data ? resp->body.data : "");
	cJSON_AddNumberToObject(o, "body_len", (double)resp->body.len);
	hs = cJSON_AddObjectToObject(o, "headers");
	for (h = 0; h < resp->nheaders; h++)
		cJSON_AddStringToObject(hs, resp->headers[h].name, resp->headers[h].value);
	line = cJSON_PrintUnformatted(o);
	printf("%s\n", line);
	free(line);
	cJSON_Delete(o);
	http_response_free(resp);
}

int main(int argc, char **argv)
{
	const char *headers[32] = {NULL};
	size_t nh = 0, ngets = 0, k;
	struct http_request req;
	struct http_get *gets = calloc((size_t)argc, sizeof(*gets));
	int i, failures = 0, parallel = 0;
	long budget = 0;

	log_init_from_env();
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.headers = headers;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--method") == 0 && i + 1 < argc) {
			req.method = argv[++i];
		} else if (strcmp(argv[i], "--header") == 0 && i + 1 < argc && nh < 31) {
			headers[nh++] = argv[++i];
		} else if (strcmp(argv[i], "--data") == 0 && i + 1 < argc) {
			req.body = argv[++i];
			req.body_len = strlen(argv[i]);
		} else if (strcmp(argv[i], "--max") == 0 && i + 1 < argc) {
			req.max_response = strtoul(argv[++i], NULL, 10);
		} else if (strcmp(argv[i], "--timeout-ms") == 0 && i + 1 < argc) {
			req.timeout_ms = strtol(argv[++i], NULL, 10);
		} else if (strcmp(argv[i], "--connect-timeout-ms") == 0 && i + 1 < argc) {
			req.connect_timeout_ms = strtol(argv[++i], NULL, 10);
		} else if (strcmp(argv[i], "--no-proxy") == 0) {
			req.no_proxy = 1;
		} else if (strcmp(argv[i], "--budget-ms") == 0 && i + 1 < argc) {
			budget = strtol(argv[++i], NULL, 10);
		} else if (strcmp(argv[i], "--parallel") == 0 && i + 1 < argc) {
			parallel = atoi(argv[++i]);
		} else if (parallel && gets) {
			gets[ngets].url = argv[i];
			gets[ngets].timeout_ms = req.timeout_ms;
			gets[ngets++].max_response = req.max_response;
		} else {
			struct http_response resp;
			int rc;

			req.url = argv[i];
			rc = http_send(&req, &resp);
			s_print(rc, &resp, -1, &failures);
		}
	}
	if (ngets)
		http_get_many(gets, ngets, parallel, budget);
	for (k = 0; k < ngets; k++)
		s_print(gets[k].rc, &gets[k].resp, gets[k].sent, &failures);
	free(gets);
	printf("{\"connections\":%ld}\n", http_connections_opened());
	http_cleanup();
	return failures ? 1 : 0;
}
