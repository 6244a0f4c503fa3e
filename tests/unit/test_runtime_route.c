/* Event routing: every event kind, the _HANDLER pin, bad payloads. */
#include <stdlib.h>
#include <string.h>

#include "json/json.h"
#include "runtime/route.h"
#include "tests/unit/harness.h"

/* Classifies text with pin; returns the handler, or -1 with err filled. */
static int s_route(const char *text, enum rt_handler pin, struct aaa_err *err)
{
	cJSON *ev = route_parse(text, strlen(text), err);
	enum rt_handler kind = RT_HANDLER_MAX;
	int rc = -1;

	if (ev && route_classify(ev, pin, &kind, err) == 0)
		rc = (int)kind;
	cJSON_Delete(ev);
	return rc;
}

TEST(runtime_route_eventbridge_rule)
{
	struct aaa_err err;
	const char *ev = "{\"version\":\"0\",\"id\":\"53dc4d37\",\"detail-type\":\"Scheduled "
			 "Event\",\"source\":\"aws.events\",\"account\":\"123456789012\","
			 "\"time\":\"2015-10-08T16:53:06Z\",\"region\":\"us-east-1\","
			 "\"resources\":[\"arn:aws:events:us-east-1:123456789012:rule/my-rule\"],"
			 "\"detail\":{}}";

	CHECK_INT(s_route(ev, RT_HANDLER_MAX, &err), RT_SCHEDULER);
	CHECK_INT(s_route(ev, RT_SCHEDULER, &err), RT_SCHEDULER);
}

TEST(runtime_route_scheduler_variants)
{
	struct aaa_err err;

	CHECK_INT(s_route("{\"aaa\":\"schedule\"}", RT_HANDLER_MAX, &err), RT_SCHEDULER);
	CHECK_INT(s_route("{\"source\":\"aws.scheduler\",\"detail-type\":\"Scheduled Event\"}",
			  RT_HANDLER_MAX, &err),
		  RT_SCHEDULER);
	/* Not a schedule: the wrong source, the wrong detail type, a non-string. */
	CHECK_INT(s_route("{\"source\":\"aws.ec2\",\"detail-type\":\"Scheduled Event\"}",
			  RT_HANDLER_MAX, &err),
		  -1);
	CHECK_STR(err.type, "UnknownEvent");
	CHECK_INT(s_route("{\"source\":\"aws.events\",\"detail-type\":\"EC2 State Change\"}",
			  RT_HANDLER_MAX, &err),
		  -1);
	CHECK_INT(s_route("{\"aaa\":1}", RT_HANDLER_MAX, &err), -1);
	CHECK_INT(s_route("{\"aaa\":\"other\"}", RT_HANDLER_MAX, &err), -1);
}

TEST(runtime_route_api_gateway_v1)
{
	struct aaa_err err;
	const char *ev = "{\"resource\":\"/slack\",\"path\":\"/slack\",\"httpMethod\":\"POST\","
			 "\"headers\":{\"Content-Type\":\"application/x-www-form-urlencoded\"},"
			 "\"requestContext\":{\"requestId\":\"r1\",\"stage\":\"prod\"},"
			 "\"body\":\"dGVhbV9pZD1UMQ==\",\"isBase64Encoded\":true}";

	CHECK_INT(s_route(ev, RT_HANDLER_MAX, &err), RT_DISPATCHER);
	CHECK_INT(s_route(ev, RT_DISPATCHER, &err), RT_DISPATCHER);
	/* httpMethod without requestContext is not a proxy event. */
	CHECK_INT(s_route("{\"httpMethod\":\"POST\"}", RT_HANDLER_MAX, &err), -1);
}

TEST(runtime_route_api_gateway_v2)
{
	struct aaa_err err;
	const char *ev = "{\"version\":\"2.0\",\"routeKey\":\"POST /slack\",\"rawPath\":\"/slack\","
			 "\"rawQueryString\":\"\",\"headers\":{\"x-slack-signature\":\"v0=ab\"},"
			 "\"requestContext\":{\"http\":{\"method\":\"POST\"}},\"body\":\"eA==\","
			 "\"isBase64Encoded\":true}";

	CHECK_INT(s_route(ev, RT_HANDLER_MAX, &err), RT_DISPATCHER);
	/* Payload format 1.0 through an HTTP API carries version "1.0" and httpMethod. */
	CHECK_INT(s_route("{\"version\":\"1.0\",\"httpMethod\":\"POST\",\"requestContext\":{}}",
			  RT_HANDLER_MAX, &err),
		  RT_DISPATCHER);
	CHECK_INT(s_route("{\"version\":\"2.0\",\"routeKey\":\"$default\"}", RT_HANDLER_MAX, &err),
		  -1);
}

TEST(runtime_route_executor)
{
	struct aaa_err err;

	CHECK_INT(s_route("{\"action\":\"ls\"}", RT_HANDLER_MAX, &err), RT_EXECUTOR);
	CHECK_INT(s_route("{\"action\":\"nope\"}", RT_EXECUTOR, &err), RT_EXECUTOR);
	/* A non-string action still goes to the executor, which says what is wrong. */
	CHECK_INT(s_route("{\"action\":5}", RT_HANDLER_MAX, &err), RT_EXECUTOR);
}

TEST(runtime_route_unknown)
{
	struct aaa_err err;
	const char *bad[] = {"{}",	   "[]",   "[{\"action\":\"ls\"}]", "42",
			     "\"action\"", "null", "{\"Action\":\"ls\"}"};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		CHECK_INT(s_route(bad[i], RT_HANDLER_MAX, &err), -1);
		CHECK_STR(err.type, "UnknownEvent");
		CHECK_STR(err.message, "unknown event: expected a scheduled event, an API Gateway "
				       "request or {\"action\": ...}");
	}
}

TEST(runtime_route_pinned_mismatch)
{
	struct aaa_err err;

	CHECK_INT(s_route("{\"action\":\"ls\"}", RT_SCHEDULER, &err), -1);
	CHECK_STR(err.type, "WrongHandler");
	CHECK(strstr(err.message, "scheduler") != NULL);
	CHECK(strstr(err.message, "executor") != NULL);
	CHECK_INT(s_route("{\"aaa\":\"schedule\"}", RT_DISPATCHER, &err), -1);
	CHECK(strstr(err.message, "dispatcher") != NULL);
	CHECK(strstr(err.message, "is for the scheduler") != NULL);
	/* An unknown event stays unknown under a pin. */
	CHECK_INT(s_route("{}", RT_EXECUTOR, &err), -1);
	CHECK_STR(err.type, "UnknownEvent");
}

TEST(runtime_route_malformed_and_oversize)
{
	struct aaa_err err;
	size_t big = ROUTE_MAX_EVENT + 1;
	char *text = malloc(big + 1);
	cJSON *ev;

	CHECK_INT(s_route("{\"action\":", RT_HANDLER_MAX, &err), -1);
	CHECK_STR(err.type, "MalformedJSON");
	CHECK_INT(s_route("not json", RT_HANDLER_MAX, &err), -1);
	CHECK_STR(err.type, "MalformedJSON");
	CHECK(route_parse("", 0, &err) == NULL);
	CHECK_STR(err.type, "InvalidEvent");
	REQUIRE(text != NULL);
	/* A valid JSON string just over the limit: refused by size, not parsed. */
	memset(text, 'a', big);
	text[0] = '"';
	text[big - 1] = '"';
	text[big] = '\0';
	ev = route_parse(text, big, &err);
	CHECK(ev == NULL);
	CHECK_STR(err.type, "InvalidEvent");
	CHECK(strstr(err.message, "6 MB") != NULL);
	/* Exactly at the limit it parses. */
	text[big - 2] = '"';
	ev = route_parse(text, big - 1, &err);
	CHECK(ev != NULL);
	cJSON_Delete(ev);
	free(text);
}

TEST(runtime_route_pin_values)
{
	enum rt_handler h = RT_EXECUTOR;

	CHECK_INT(route_parse_pin(NULL, &h), 0);
	CHECK_INT(h, RT_HANDLER_MAX);
	CHECK_INT(route_parse_pin("", &h), 0);
	CHECK_INT(route_parse_pin("bootstrap", &h), 0);
	CHECK_INT(h, RT_HANDLER_MAX);
	CHECK_INT(route_parse_pin("scheduler", &h), 0);
	CHECK_INT(h, RT_SCHEDULER);
	CHECK_INT(route_parse_pin("dispatcher", &h), 0);
	CHECK_INT(h, RT_DISPATCHER);
	CHECK_INT(route_parse_pin("executor", &h), 0);
	CHECK_INT(h, RT_EXECUTOR);
	CHECK_INT(route_parse_pin("Executor", &h), -1);
	CHECK_INT(route_parse_pin("bogus", &h), -1);
}
