/*
 * The Lambda Runtime API loop (API version 2018-06-01), after
 * aws-lambda-cpp but without its faults: /runtime/init/error is reported,
 * every error carries Lambda-Runtime-Function-Error-Type, and a failed POST
 * never ends the loop.
 *
 * Lambda freezes the sandbox between invocations, so GET /next has no
 * total timeout (a frozen wait must not time out on thaw); the connect
 * timeout is short because the API is local. No proxy is ever used for it.
 */
#define _GNU_SOURCE
#include "runtime/runtime.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http/http.h"
#include "json/json.h"
#include "log/log.h"
#include "runtime/route.h"
#include "util/mem.h"

#define RT_PREFIX	      "/2018-06-01/runtime"
#define RT_CONNECT_MS	      1000L
#define RT_POST_TIMEOUT_MS    10000L
#define RT_NEXT_ATTEMPTS      6
#define RT_NEXT_BACKOFF_MS    50L
#define RT_MAX_RESPONSE	      (6u * 1024u * 1024u)
#define RT_MAX_EVENT_RECEIVED (ROUTE_MAX_EVENT + 1024u * 1024u)

/* One invocation as read from /next; owned strings. */
struct rt_invocation {
	char *request_id;
	char *function_arn;
	char *trace_id;
	long long deadline_ms;
	struct http_response resp; /* holds the event body */
};

static long long s_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000LL + ts.tv_nsec / 1000000L;
}

long long runtime_remaining_ms(const struct runtime_ctx *ctx)
{
	return ctx->deadline_ms - s_now_ms();
}

static void s_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* Request ids go into URL paths: allow only what Lambda uses (uuid-like). */
static int s_safe_id(const char *id)
{
	const char *p;

	if (id == NULL || *id == '\0' || strlen(id) > 128)
		return 0;
	for (p = id; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
			return 0;
	return 1;
}

/*
 * Sets req up as method on RT_PREFIX path of the local API: a short connect
 * timeout, timeout_ms in all, never a proxy. Returns the URL req points to
 * (caller frees), NULL when out of memory.
 */
static char *s_request(struct http_request *req, const char *method, const char *api,
		       const char *path, long timeout_ms)
{
	char *url = str_printf("http://%s" RT_PREFIX "%s", api, path);

	memset(req, 0, sizeof(*req));
	req->method = method;
	req->url = url;
	req->connect_timeout_ms = RT_CONNECT_MS;
	req->timeout_ms = timeout_ms;
	req->no_proxy = 1;
	return url;
}

/*
 * POSTs body to RT_PREFIX path. An answer other than 202 is logged with the
 * API's reason (e.g. 413 for a too-large response); 0 only on 202.
 */
static int s_post(const char *api, const char *path, const char *error_type, const char *body,
		  size_t len)
{
	struct http_request req;
	struct http_response resp;
	char *url = NULL;
	char *type_hdr = NULL;
	const char *hdrs[3] = {"Content-Type: application/json", NULL, NULL};
	int rc = -1;

	memset(&resp, 0, sizeof(resp));
	url = s_request(&req, "POST", api, path, RT_POST_TIMEOUT_MS);
	if (error_type) {
		type_hdr = str_printf("Lambda-Runtime-Function-Error-Type: %s", error_type);
		hdrs[1] = type_hdr;
	}
	if (url == NULL || (error_type && type_hdr == NULL))
		goto out;
	req.headers = hdrs;
	req.body = body;
	req.body_len = len;
	if (http_send(&req, &resp) != 0) {
		log_error("runtime POST %s: %s", path, resp.error);
		goto out;
	}
	if (resp.status != 202) {
		log_error("runtime POST %s: HTTP %ld: %.300s", path, resp.status,
			  resp.body.data ? resp.body.data : "");
		goto out;
	}
	rc = 0;
out:
	http_response_free(&resp);
	free(url);
	free(type_hdr);
	return rc;
}

/* Builds {"errorType","errorMessage"} with cJSON; the message is redacted. */
static char *s_error_body(const struct aaa_err *err)
{
	cJSON *o = cJSON_CreateObject();
	char *safe = log_redact(err->message);
	char *text = NULL;

	if (o == NULL || safe == NULL)
		goto out;
	if (!cJSON_AddStringToObject(o, "errorType", err->type) ||
	    !cJSON_AddStringToObject(o, "errorMessage", safe))
		goto out;
	text = json_print(o);
out:
	cJSON_Delete(o);
	free(safe);
	return text;
}

static int s_post_error(const char *api, const char *path, const struct aaa_err *err)
{
	char *body = s_error_body(err);
	int rc = -1;

	if (body == NULL) {
		log_error("runtime: out of memory building the error body");
		goto out;
	}
	rc = s_post(api, path, err->type, body, strlen(body));
out:
	free(body);
	return rc;
}

/*
 * Configuration is wrong at start: tell Lambda through /init/error (it
 * shows in the Invoke answer as Runtime.InitError... with our type), then
 * the caller exits.
 */
static void s_init_error(const char *api, const char *type, const char *msg)
{
	struct aaa_err err;

	rt_error_set(&err, type, "%s", msg);
	log_error("%s", msg);
	if (s_post_error(api, "/init/error", &err) != 0)
		log_error("runtime: could not report the init error");
}

/*
 * Sets _X_AMZN_TRACE_ID to this invocation's trace header (unset when NULL
 * or too long). Not with setenv: glibc never frees a value setenv replaced
 * (a getenv pointer may still point at it), so a new trace id per
 * invocation grew a warm process by ~150 bytes each time, for ever. One
 * static "NAME=value" buffer handed to putenv is rewritten in place.
 */
static void s_set_trace_env(const char *trace_id)
{
	static char env[1024];
	static const char name[] = "_X_AMZN_TRACE_ID=";

	if (trace_id && strlen(trace_id) < sizeof(env) - sizeof(name)) {
		snprintf(env, sizeof(env), "%s%s", name, trace_id);
		putenv(env);
	} else {
		unsetenv("_X_AMZN_TRACE_ID");
	}
}

static void s_invocation_free(struct rt_invocation *inv)
{
	free(inv->request_id);
	free(inv->function_arn);
	free(inv->trace_id);
	http_response_free(&inv->resp);
	memset(inv, 0, sizeof(*inv));
}

/*
 * One GET /next. 0 with inv filled (caller frees), -1 on transport failure
 * or an answer without a usable request id.
 */
static int s_next_once(const char *api, struct rt_invocation *inv)
{
	struct http_request req;
	char *url = NULL;
	const char *v;
	int rc = -1;

	url = s_request(&req, "GET", api, "/invocation/next", HTTP_NO_TIMEOUT);
	if (url == NULL)
		goto out;
	req.max_response = RT_MAX_EVENT_RECEIVED;
	if (http_send(&req, &inv->resp) != 0) {
		log_error("runtime GET next: %s", inv->resp.error);
		goto out;
	}
	if (inv->resp.status != 200) {
		log_error("runtime GET next: HTTP %ld", inv->resp.status);
		goto out;
	}
	v = http_response_header(&inv->resp, "Lambda-Runtime-Aws-Request-Id");
	if (!s_safe_id(v)) {
		log_error("runtime GET next: missing or unusable Lambda-Runtime-Aws-Request-Id");
		goto out;
	}
	inv->request_id = str_dup(v);
	inv->function_arn =
	    str_dup(http_response_header(&inv->resp, "Lambda-Runtime-Invoked-Function-Arn"));
	inv->trace_id = str_dup(http_response_header(&inv->resp, "Lambda-Runtime-Trace-Id"));
	v = http_response_header(&inv->resp, "Lambda-Runtime-Deadline-Ms");
	inv->deadline_ms = v ? strtoll(v, NULL, 10) : 0;
	if (inv->request_id == NULL)
		goto out;
	rc = 0;
out:
	free(url);
	return rc;
}

/* GET /next with a bounded, growing backoff (50 ms .. 1.6 s, 6 tries). */
static int s_next(const char *api, struct rt_invocation *inv)
{
	long backoff = RT_NEXT_BACKOFF_MS;
	int i;

	for (i = 0; i < RT_NEXT_ATTEMPTS; i++) {
		if (i > 0) {
			s_sleep_ms(backoff);
			backoff *= 2;
		}
		s_invocation_free(inv);
		if (s_next_once(api, inv) == 0)
			return 0;
	}
	return -1;
}

/*
 * Routes and runs one invocation, then reports the outcome. Every failure
 * becomes a Runtime API error; nothing here ends the loop.
 */
static void s_handle(const char *api, const struct rt_handlers *handlers, enum rt_handler pinned,
		     struct rt_invocation *inv)
{
	struct runtime_ctx ctx;
	struct aaa_err err;
	enum rt_handler kind = RT_HANDLER_MAX;
	cJSON *event = NULL;
	char *response = NULL;
	char *path = NULL;
	int ok = 0;

	memset(&err, 0, sizeof(err));
	ctx.request_id = inv->request_id;
	ctx.deadline_ms = inv->deadline_ms;
	ctx.function_arn = inv->function_arn ? inv->function_arn : "";
	ctx.trace_id = inv->trace_id;
	ctx.remaining_ms = runtime_remaining_ms;

	event = route_parse(inv->resp.body.data, inv->resp.body.len, &err);
	if (event == NULL)
		goto report;
	if (route_classify(event, pinned, &kind, &err) != 0)
		goto report;
	log_info("invocation for the %s", rt_handler_names[kind]);
	if (handlers->fn[kind] == NULL) {
		rt_error_set(&err, "NotImplemented", "no %s handler in this build",
			     rt_handler_names[kind]);
		goto report;
	}
	if (handlers->fn[kind](event, &ctx, &response, &err) != 0) {
		/* A handler names the failure; one that gave only a message, or
		 * nothing, is reported as an internal error with what it gave. */
		if (err.type[0] == '\0') {
			char why[sizeof(err.message)];

			snprintf(why, sizeof(why), "%s",
				 err.message[0] ? err.message : "see the logs");
			rt_error_set(&err, "InternalError", "the %s failed: %s",
				     rt_handler_names[kind], why);
		}
		goto report;
	}
	if (response == NULL)
		response = str_dup("null");
	if (response == NULL || strlen(response) > RT_MAX_RESPONSE) {
		rt_error_set(&err, "ResponseTooLarge",
			     "the %s's response is over Lambda's 6 MB limit",
			     rt_handler_names[kind]);
		goto report;
	}
	ok = 1;
report:
	if (ok) {
		path = str_printf("/invocation/%s/response", inv->request_id);
		if (path)
			s_post(api, path, NULL, response, strlen(response));
	} else {
		log_error("%s: %s", err.type, err.message);
		path = str_printf("/invocation/%s/error", inv->request_id);
		if (path)
			s_post_error(api, path, &err);
	}
	free(path);
	free(response);
	cJSON_Delete(event);
}

int runtime_main(const struct rt_handlers *handlers)
{
	struct rt_invocation inv;
	const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
	const char *pin = getenv("_HANDLER");
	enum rt_handler pinned = RT_HANDLER_MAX;
	int rc = 1;

	memset(&inv, 0, sizeof(inv));
	if (api == NULL || *api == '\0') {
		log_error("aaa lambda: AWS_LAMBDA_RUNTIME_API is not set: this command is the "
			  "Lambda runtime loop and runs inside AWS Lambda (or its emulator)");
		goto out;
	}
	if (http_init() != 0) {
		log_error("aaa lambda: HTTP client not available");
		goto out;
	}
	if (route_parse_pin(pin, &pinned) != 0) {
		char msg[512];

		snprintf(msg, sizeof(msg),
			 "_HANDLER=%.100s is not a handler: use scheduler, dispatcher, executor "
			 "or leave it empty to serve every event kind",
			 pin);
		s_init_error(api, "InvalidHandler", msg);
		goto out;
	}
	for (;;) {
		if (s_next(api, &inv) != 0) {
			log_error("aaa lambda: the Runtime API at %s stays unreachable; exiting",
				  api);
			goto out;
		}
		log_set_request_id(inv.request_id);
		/* The X-Ray SDK convention: the trace header of this invocation. */
		s_set_trace_env(inv.trace_id);
		log_debug("invocation %s, deadline %lld, trace %s", inv.request_id, inv.deadline_ms,
			  getenv("_X_AMZN_TRACE_ID") ? getenv("_X_AMZN_TRACE_ID") : "-");
		s_handle(api, handlers, pinned, &inv);
		log_set_request_id(NULL);
		s_invocation_free(&inv);
	}
out:
	s_invocation_free(&inv);
	http_cleanup();
	return rc;
}
