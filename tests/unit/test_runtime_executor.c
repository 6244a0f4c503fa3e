/* Executor payload validation. */
#include <stdlib.h>
#include <string.h>

#include "json/json.h"
#include "runtime/executor_validate.h"
#include "tests/unit/harness.h"

/* Validates text; returns the action or -1 with err filled. */
static int s_validate(const char *text, struct rt_error *err)
{
	cJSON *ev = json_parse(text, strlen(text), "test event");
	enum exec_action a = EXEC_ACTION_MAX;
	int rc = -1;

	memset(err, 0, sizeof(*err));
	if (ev && executor_validate(ev, &a, err) == 0)
		rc = (int)a;
	cJSON_Delete(ev);
	return rc;
}

TEST(runtime_exec_valid_payloads)
{
	struct rt_error err;

	CHECK_INT(s_validate("{\"action\":\"cert\",\"names\":[\"example.com\",\"*.example.com\"],"
			     "\"create_key\":false,\"key_type\":\"ec256\",\"deploy\":[\"acm\"]}",
			     &err),
		  EXEC_CERT);
	CHECK_INT(s_validate("{\"action\":\"renew\",\"name\":\"example.com\"}", &err), EXEC_RENEW);
	CHECK_INT(s_validate("{\"action\":\"revoke\",\"name\":\"example.com\",\"reason\":"
			     "\"superseded\"}",
			     &err),
		  EXEC_REVOKE);
	CHECK_INT(s_validate("{\"action\":\"ls\"}", &err), EXEC_LS);
	CHECK_INT(s_validate("{\"action\":\"status\",\"job\":\"j1\"}", &err), EXEC_STATUS);
	CHECK_INT(s_validate("{\"action\":\"status\",\"name\":\"example.com\"}", &err),
		  EXEC_STATUS);
	CHECK_INT(s_validate("{\"action\":\"resume\",\"job\":\"j1\"}", &err), EXEC_RESUME);
	CHECK_STR(exec_action_names[EXEC_RESUME], "resume");
	CHECK_STR(exec_action_names[EXEC_LS], "ls");
}

TEST(runtime_exec_unknown_action)
{
	struct rt_error err;

	CHECK_INT(s_validate("{\"action\":\"nope\"}", &err), -1);
	CHECK_STR(err.type, "UnknownAction");
	CHECK(strstr(err.message, "\"nope\"") != NULL);
	CHECK(strstr(err.message, "cert, renew, revoke, ls, status, resume") != NULL);
	CHECK_INT(s_validate("{\"action\":\"LS\"}", &err), -1);
	CHECK_STR(err.type, "UnknownAction");
	CHECK_INT(s_validate("{\"action\":7}", &err), -1);
	CHECK_STR(err.type, "InvalidRequest");
	CHECK(strstr(err.message, "\"action\"") != NULL);
}

/* Each case: payload, the member the error must name. */
TEST(runtime_exec_missing_fields)
{
	static const char *const cases[][2] = {
	    {"{\"action\":\"cert\"}", "\"names\""},
	    {"{\"action\":\"cert\",\"names\":[]}", "\"names\""},
	    {"{\"action\":\"cert\",\"names\":\"example.com\"}", "\"names\""},
	    {"{\"action\":\"cert\",\"names\":[\"a.example\",3]}", "\"names\""},
	    {"{\"action\":\"cert\",\"names\":[\"\"]}", "\"names\""},
	    {"{\"action\":\"cert\",\"names\":[\"a.example\"],\"deploy\":\"acm\"}", "\"deploy\""},
	    {"{\"action\":\"cert\",\"names\":[\"a.example\"],\"create_key\":\"yes\"}",
	     "\"create_key\""},
	    {"{\"action\":\"cert\",\"names\":[\"a.example\"],\"key_type\":256}", "\"key_type\""},
	    {"{\"action\":\"renew\"}", "\"name\""},
	    {"{\"action\":\"renew\",\"name\":\"\"}", "\"name\""},
	    {"{\"action\":\"revoke\",\"name\":[\"x\"]}", "\"name\""},
	    {"{\"action\":\"revoke\",\"name\":\"a.example\",\"reason\":1}", "\"reason\""},
	    {"{\"action\":\"status\"}", "\"job\""},
	    {"{\"action\":\"resume\"}", "\"job\""},
	    {"{\"action\":\"resume\",\"name\":\"a.example\"}", "\"job\""},
	};
	struct rt_error err;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_INT(s_validate(cases[i][0], &err), -1);
		CHECK_STR(err.type, "InvalidRequest");
		if (strstr(err.message, cases[i][1]) == NULL)
			harness_fail(__FILE__, __LINE__, "%s: message '%s' does not name %s",
				     cases[i][0], err.message, cases[i][1]);
	}
}
