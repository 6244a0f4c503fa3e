#include "harness.h"

#include <stdlib.h>

#include "json/json.h"
#include "log/log.h"

TEST(json_parse_and_getters)
{
	static const char doc[] = "{\"status\":\"valid\",\"n\":42,\"f\":1.5,\"ok\":true,"
				  "\"o\":{\"a\":1},\"arr\":[\"x\",\"y\"]}  \n";
	cJSON *j = json_parse(doc, sizeof(doc) - 1, "test doc");
	const char *s = NULL;
	long long n = 0;
	int b = 0;
	const cJSON *o = NULL, *a = NULL;

	REQUIRE(j != NULL);
	CHECK_INT(json_get_str(j, "status", "order", &s), 0);
	CHECK_STR(s, "valid");
	CHECK_INT(json_get_int(j, "n", "order", &n), 0);
	CHECK_INT(n, 42);
	CHECK_INT(json_get_bool(j, "ok", "order", &b), 0);
	CHECK_INT(b, 1);
	CHECK_INT(json_get_obj(j, "o", "order", &o), 0);
	CHECK_INT(json_get_arr(j, "arr", "order", &a), 0);
	CHECK_INT(cJSON_GetArraySize(a), 2);
	CHECK_INT(json_int(j, "missing", 7), 7);
	CHECK_INT(json_int(j, "f", 7), 7); /* 1.5 is not an integer */
	CHECK(json_str(j, "n") == NULL);
	CHECK_INT(json_bool(j, "status", -1), -1);
	cJSON_Delete(j);
}

TEST(json_str_first_takes_the_first_string_present)
{
	static const char doc[] = "{\"code\":7,\"Code\":\"Throttling\",\"message\":\"slow\"}";
	static const char *const codes[] = {"__type", "code", "Code", NULL};
	static const char *const none[] = {"__type", "errorType", NULL};
	static const char *const msgs[] = {"message", "Message", NULL};
	cJSON *j = json_parse(doc, sizeof(doc) - 1, "test doc");

	REQUIRE(j != NULL);
	/* "code" is there but not a string: the next spelling is taken */
	CHECK_STR(json_str_first(j, codes), "Throttling");
	CHECK_STR(json_str_first(j, msgs), "slow");
	CHECK(json_str_first(j, none) == NULL);
	cJSON_Delete(j);
}

TEST(json_errors_name_the_input)
{
	static const char doc[] = "{\"status\":5}";
	cJSON *j = json_parse(doc, sizeof(doc) - 1, "ACME order");
	const char *s = NULL;
	long long n;

	REQUIRE(j != NULL);
	CHECK_INT(json_get_str(j, "status", "ACME order", &s), -1);
	CHECK_STR(harness_last_error(), "ACME order: \"status\" must be a string, not a number");
	CHECK_INT(json_get_int(j, "expires", "ACME order", &n), -1);
	CHECK_STR(harness_last_error(), "ACME order: \"expires\" is missing");
	cJSON_Delete(j);

	CHECK(json_parse("{\"a\":", 5, "Lambda event") == NULL);
	CHECK(strstr(harness_last_error(), "Lambda event: malformed JSON") != NULL);
	CHECK(json_parse("{} {}", 5, "Lambda event") == NULL);
	CHECK(strstr(harness_last_error(), "unexpected data after") != NULL);
	CHECK(json_parse("", 0, "Lambda event") == NULL);
	{
		cJSON *arr = json_parse("[1]", 3, "x"); /* arrays parse */

		CHECK(arr != NULL);
		CHECK_INT(json_get_str(arr, "a", "x", &s), -1);
		cJSON_Delete(arr);
	}
}

TEST(json_parse_not_nul_terminated)
{
	char doc[8] = {'{', '}', 'X', 'X', 'X', 'X', 'X', 'X'};
	cJSON *j = json_parse(doc, 2, "buffer");

	CHECK(j != NULL);
	cJSON_Delete(j);
}

TEST(json_builders)
{
	static const char *const names[] = {"a.example", "*.a.example"};
	cJSON *o = cJSON_CreateObject();
	char *text;

	CHECK_INT(json_add_str_array(o, "names", names, 2), 0);
	CHECK_INT(json_add_str_opt(o, "skip", NULL), 0);
	CHECK_INT(json_add_str_opt(o, "q", "say \"hi\"\n"), 0);
	text = json_print(o);
	CHECK_STR(text, "{\"names\":[\"a.example\",\"*.a.example\"],\"q\":\"say \\\"hi\\\"\\n\"}");
	free(text);
	cJSON_Delete(o);
}

TEST(json_quiet_parse_keeps_last_error)
{
	harness_clear_errors();
	CHECK(json_parse("<html>", 6, NULL) == NULL);
	CHECK_STR(harness_last_error(), "");
}
