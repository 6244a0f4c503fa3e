/*
 * Event classification (see route.h for the shapes recognised).
 */
#include "runtime/route.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "json/json.h"

const char *const rt_handler_names[RT_HANDLER_MAX] = {"scheduler", "dispatcher", "executor"};

void rt_error_set(struct aaa_err *err, const char *type, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vset(err, NULL, NULL, fmt, ap);
	va_end(ap);
	err_type(err, type);
}

/*
 * The size check comes first: a 7 MB body is refused without parsing it.
 * Lambda itself refuses such payloads at Invoke, so seeing one here means a
 * misbehaving caller or emulator; the answer is still a clean error.
 */
cJSON *route_parse(const char *body, size_t len, struct aaa_err *err)
{
	cJSON *ev = NULL;

	if (len > ROUTE_MAX_EVENT) {
		rt_error_set(err, "InvalidEvent",
			     "event is %zu bytes, over the %u byte (6 MB) limit", len,
			     ROUTE_MAX_EVENT);
		goto out;
	}
	if (body == NULL || len == 0) {
		rt_error_set(err, "InvalidEvent", "event is empty: expected a JSON object");
		goto out;
	}
	ev = json_parse(body, len, "Lambda event");
	if (ev == NULL)
		rt_error_set(err, "MalformedJSON",
			     "event is not valid JSON: send a JSON object such as "
			     "{\"action\": \"ls\"}");
out:
	return ev;
}

static int s_str_is(const cJSON *ev, const char *key, const char *want)
{
	const char *v = json_str(ev, key);

	return v != NULL && strcmp(v, want) == 0;
}

/*
 * EventBridge Scheduler delivers exactly the target's Input, and has no
 * fixed default payload, so a schedule must say it is one: either the
 * documented {"aaa":"schedule"} input, or an input shaped like an
 * EventBridge rule's event with "source":"aws.scheduler".
 */
static int s_is_schedule(const cJSON *ev)
{
	if (s_str_is(ev, "detail-type", "Scheduled Event") &&
	    (s_str_is(ev, "source", "aws.events") || s_str_is(ev, "source", "aws.scheduler")))
		return 1;
	return s_str_is(ev, "aaa", "schedule");
}

/* REST v1 proxy events have httpMethod and requestContext; HTTP API v2
 * payload format 2.0 has version "2.0", routeKey and rawPath. */
static int s_is_api_gateway(const cJSON *ev)
{
	if (json_str(ev, "httpMethod") && json_obj(ev, "requestContext"))
		return 1;
	return s_str_is(ev, "version", "2.0") && json_str(ev, "routeKey") &&
	       json_str(ev, "rawPath");
}

int route_classify(const cJSON *event, enum rt_handler pinned, enum rt_handler *out,
		   struct aaa_err *err)
{
	enum rt_handler kind = RT_HANDLER_MAX;
	int rc = -1;

	if (cJSON_IsObject(event)) {
		if (s_is_schedule(event))
			kind = RT_SCHEDULER;
		else if (s_is_api_gateway(event))
			kind = RT_DISPATCHER;
		else if (cJSON_GetObjectItemCaseSensitive(event, "action"))
			kind = RT_EXECUTOR;
	}
	if (kind == RT_HANDLER_MAX) {
		rt_error_set(err, "UnknownEvent",
			     "unknown event: expected a scheduled event, an API Gateway request "
			     "or {\"action\": ...}");
		goto out;
	}
	if (pinned != RT_HANDLER_MAX && pinned != kind) {
		rt_error_set(err, "WrongHandler",
			     "this function is the %s (_HANDLER=%s) but the event is for the %s; "
			     "send it to the %s function",
			     rt_handler_names[pinned], rt_handler_names[pinned],
			     rt_handler_names[kind], rt_handler_names[kind]);
		goto out;
	}
	*out = kind;
	rc = 0;
out:
	return rc;
}

int route_parse_pin(const char *value, enum rt_handler *out)
{
	int i;

	if (value == NULL || *value == '\0' || strcmp(value, "any") == 0 ||
	    strcmp(value, "bootstrap") == 0) {
		*out = RT_HANDLER_MAX;
		return 0;
	}
	for (i = 0; i < RT_HANDLER_MAX; i++) {
		if (strcmp(value, rt_handler_names[i]) == 0) {
			*out = (enum rt_handler)i;
			return 0;
		}
	}
	return -1;
}
