/*
 * Test program for the Slack pieces:
 *
 *   slack_tool notify URL RESULT_JSON [N [POSTS_USED]]
 *       posts slack_notify(URL, RESULT_JSON) N times (default 1) with one
 *       posts counter starting at POSTS_USED (default 0); prints
 *       {"results":[{"rc":0|-1,"error":..}...],"posts_used":N}
 *   slack_tool progress URL JOB TEXT
 *   slack_tool bench N
 *       runs slack_dispatch N times on signed HTTP API events (a cert for
 *       2 names, an invoker that only copies the payload) and prints
 *       {"n":N,"p50_us":..,"p99_us":..,"max_us":..}: the dispatcher's own
 *       time from event to response, without the network.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "slack/dispatch.h"
#include "slack/reply.h"
#include "slack/verify.h"
#include "crypto/b64.h"
#include "log/log.h"
#include "util/mem.h"

static int s_notify(int argc, char **argv)
{
	cJSON *result = NULL, *out = cJSON_CreateObject(), *arr;
	unsigned used = 0;
	int n = 1, i, rc = 0;
	char *text;

	if (argc < 4) {
		fprintf(stderr, "usage: slack_tool notify URL RESULT_JSON [N [POSTS_USED]]\n");
		return 2;
	}
	result = cJSON_Parse(argv[3]);
	if (argc > 4)
		n = atoi(argv[4]);
	if (argc > 5)
		used = (unsigned)strtoul(argv[5], NULL, 10);
	arr = cJSON_AddArrayToObject(out, "results");
	for (i = 0; i < n; i++) {
		cJSON *r = cJSON_CreateObject();
		struct aaa_err err;
		int one = slack_notify(argv[2], result, &used, &err);

		cJSON_AddNumberToObject(r, "rc", one);
		if (one != 0)
			cJSON_AddStringToObject(r, "error", err.message);
		cJSON_AddItemToArray(arr, r);
		if (one != 0)
			rc = 1;
	}
	cJSON_AddNumberToObject(out, "posts_used", used);
	text = cJSON_PrintUnformatted(out);
	printf("%s\n", text);
	free(text);
	cJSON_Delete(out);
	cJSON_Delete(result);
	return rc;
}

static int s_progress(int argc, char **argv)
{
	unsigned used = 0;
	struct aaa_err err;
	int rc;

	if (argc < 5)
		return 2;
	rc = slack_notify_progress(argv[2], argv[3], argv[4], &used, &err);
	printf("{\"rc\":%d,\"posts_used\":%u}\n", rc, used);
	if (rc != 0)
		fprintf(stderr, "%s\n", err.message);
	return rc == 0 ? 0 : 1;
}

static int s_nop_invoke(void *ctx, const char *function, const char *payload_json,
			struct aaa_err *err)
{
	(void)function;
	(void)err;
	*(size_t *)ctx += strlen(payload_json);
	return 0;
}

static int s_cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static long long s_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static int s_bench(int argc, char **argv)
{
	const char *secret = "bench-signing-secret";
	struct slack_settings s;
	struct slack_deps d;
	long long *t;
	size_t sink = 0;
	int n = argc > 2 ? atoi(argv[2]) : 1000, i;

	if (n <= 0)
		return 2;
	t = calloc((size_t)n, sizeof(*t));
	memset(&s, 0, sizeof(s));
	memset(&d, 0, sizeof(d));
	s.secret = (const unsigned char *)secret;
	s.secret_len = strlen(secret);
	s.domains = "*.example.com";
	s.executor = "aaa-executor";
	d.now = (long long)time(NULL);
	d.invoke = s_nop_invoke;
	d.invoke_ctx = &sink;
	log_configure(LOG_WARN, 0, stderr);
	for (i = 0; i < n; i++) {
		char body[512], ts[32], sig[68], ev[2048];
		char *b64, *resp = NULL;
		cJSON *e;
		long long t0;

		snprintf(ts, sizeof(ts), "%lld", d.now);
		snprintf(
		    body, sizeof(body),
		    "token=x&team_id=T1&channel_id=C1&user_id=U1&user_name=u&command=%%2F"
		    "letsencrypt&text=cert+www.example.com+api.example.com&response_url="
		    "https%%3A%%2F%%2Fhooks.slack.com%%2Fcommands%%2FT1%%2F1%%2Fx&trigger_id=%d",
		    i);
		slack_signature_compute(secret, strlen(secret), ts, body, strlen(body), sig);
		b64 = b64_encode(body, strlen(body));
		snprintf(
		    ev, sizeof(ev),
		    "{\"version\":\"2.0\",\"routeKey\":\"POST /slack\",\"rawPath\":\"/slack\","
		    "\"headers\":{\"x-slack-signature\":\"%s\",\"x-slack-request-timestamp\":"
		    "\"%s\"},\"requestContext\":{\"http\":{\"method\":\"POST\"}},\"body\":\"%s\","
		    "\"isBase64Encoded\":true}",
		    sig, ts, b64);
		free(b64);
		/* Timed like the handler: from the event's text to the response. */
		t0 = s_us();
		e = cJSON_Parse(ev);
		if (slack_dispatch(&s, &d, e, &resp) != 0 ||
		    strstr(resp, "Working on it") == NULL) {
			fprintf(stderr, "request %d failed: %s\n", i, resp ? resp : "(none)");
			return 1;
		}
		cJSON_Delete(e);
		t[i] = s_us() - t0;
		free(resp);
	}
	qsort(t, (size_t)n, sizeof(*t), s_cmp);
	printf("{\"n\":%d,\"p50_us\":%lld,\"p99_us\":%lld,\"max_us\":%lld,\"payload_bytes\":%zu}\n",
	       n, t[n / 2], t[(size_t)n * 99 / 100], t[n - 1], sink);
	free(t);
	return 0;
}

int main(int argc, char **argv)
{
	log_init_from_env();
	if (argc >= 2 && strcmp(argv[1], "notify") == 0)
		return s_notify(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "progress") == 0)
		return s_progress(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "bench") == 0)
		return s_bench(argc, argv);
	fprintf(stderr, "usage: slack_tool notify|progress|bench ...\n");
	return 2;
}
