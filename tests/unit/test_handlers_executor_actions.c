/* Executor payload validation against the action table. */
#include <stdlib.h>
#include <string.h>

#include "json/json.h"
#include "handlers/executor_actions.h"
#include "tests/unit/harness.h"

/* The table index of an action's name, or -1. */
static int s_index(const char *name)
{
	size_t i;

	for (i = 0; i < exec_nactions; i++)
		if (strcmp(exec_actions[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Validates text; returns the action's table index or -1 with err filled. */
static int s_validate(const char *text, struct aaa_err *err)
{
	cJSON *ev = json_parse(text, strlen(text), "test event");
	const struct exec_action *a = NULL;
	int rc = -1;

	memset(err, 0, sizeof(*err));
	if (ev && executor_validate(ev, &a, err) == 0)
		rc = (int)(a - exec_actions);
	cJSON_Delete(ev);
	return rc;
}

TEST(runtime_exec_valid_payloads)
{
	struct aaa_err err;

	CHECK_INT(s_validate("{\"action\":\"cert\",\"names\":[\"example.com\",\"*.example.com\"],"
			     "\"create_key\":false,\"key_type\":\"ec256\",\"deploy\":[\"acm\"]}",
			     &err),
		  s_index("cert"));
	CHECK_INT(s_validate("{\"action\":\"renew\",\"name\":\"example.com\"}", &err),
		  s_index("renew"));
	CHECK_INT(s_validate("{\"action\":\"revoke\",\"name\":\"example.com\",\"reason\":"
			     "\"superseded\"}",
			     &err),
		  s_index("revoke"));
	CHECK_INT(s_validate("{\"action\":\"ls\"}", &err), s_index("ls"));
	CHECK_INT(s_validate("{\"action\":\"status\",\"job\":\"j1\"}", &err), s_index("status"));
	CHECK_INT(s_validate("{\"action\":\"status\",\"name\":\"example.com\"}", &err),
		  s_index("status"));
	CHECK_INT(s_validate("{\"action\":\"resume\",\"job\":\"j1\"}", &err), s_index("resume"));
	CHECK_INT(s_validate("{\"action\":\"deploy\",\"name\":\"example.com\"}", &err),
		  s_index("deploy"));
	CHECK_INT(s_validate("{\"action\":\"renew_batch\",\"names\":[\"a.example\","
			     "\"*.a.example\"]}",
			     &err),
		  s_index("renew_batch"));
	CHECK_INT(s_validate("{\"action\":\"renew_batch\",\"names\":[\"a.example\"],"
			     "\"due_only\":true}",
			     &err),
		  s_index("renew_batch"));
	CHECK_INT(s_validate("{\"action\":\"resume_batch\",\"jobs\":[\"j1\",\"j2\"]}", &err),
		  s_index("resume_batch"));
	CHECK_INT(s_validate("{\"action\":\"reg\"}", &err), s_index("reg"));
	CHECK_INT(s_validate("{\"action\":\"reg\",\"agree\":true,\"email\":\"a@b.example\","
			     "\"account_key\":\"kms:k\",\"eab\":{\"kid\":\"k\","
			     "\"hmac_ciphertext\":\"AQID\"}}",
			     &err),
		  s_index("reg"));
	CHECK_INT(s_validate("{\"action\":\"doctor\"}", &err), s_index("doctor"));
	CHECK_INT(s_validate("{\"action\":\"doctor\",\"domains\":[\"example.com\"]}", &err),
		  s_index("doctor"));
	/* doctor alone runs without an agent. */
	CHECK_INT(exec_actions[s_index("doctor")].no_agent, 1);
	CHECK_INT(exec_actions[s_index("reg")].no_agent, 0);
	{
		static const char *const names[] = {"cert",   "renew",	"revoke", "ls",
						    "status", "resume", "deploy"};
		size_t i;

		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (s_index(names[i]) < 0)
				harness_fail(__FILE__, __LINE__, "no action %s", names[i]);
	}
}

TEST(runtime_exec_unknown_action)
{
	struct aaa_err err;

	CHECK_INT(s_validate("{\"action\":\"nope\"}", &err), -1);
	CHECK_STR(err.type, "UnknownAction");
	CHECK(strstr(err.message, "\"nope\"") != NULL);
	CHECK(strstr(err.message, "cert, renew, revoke, ls, status, resume, deploy") != NULL);
	CHECK_INT(s_validate("{\"action\":\"LS\"}", &err), -1);
	CHECK_STR(err.type, "UnknownAction");
	CHECK_INT(s_validate("{\"action\":7}", &err), -1);
	CHECK_STR(err.type, "InvalidRequest");
	CHECK(strstr(err.message, "\"action\"") != NULL);
	/* Every action of the table is named, deploy too. */
	CHECK(strstr(err.message, "cert, renew, revoke, ls, status, resume, deploy") != NULL);
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
	    {"{\"action\":\"status\"}", "\"name\""},
	    {"{\"action\":\"deploy\"}", "\"name\""},
	    {"{\"action\":\"renew_batch\"}", "\"names\""},
	    {"{\"action\":\"renew_batch\",\"names\":[]}", "\"names\""},
	    {"{\"action\":\"renew_batch\",\"name\":\"a.example\"}", "\"names\""},
	    {"{\"action\":\"renew_batch\",\"names\":[\"a\"],\"due_only\":1}", "\"due_only\""},
	    {"{\"action\":\"resume_batch\",\"jobs\":\"j1\"}", "\"jobs\""},
	    {"{\"action\":\"cert\",\"names\":[\"a.example\"],\"deploy\":[\"\"]}", "\"deploy\""},
	    {"{\"action\":\"reg\",\"agree\":\"yes\"}", "\"agree\""},
	    {"{\"action\":\"reg\",\"eab\":\"kid:hmac\"}", "\"eab\""},
	    {"{\"action\":\"reg\",\"email\":[\"a@b.example\"]}", "\"email\""},
	    {"{\"action\":\"doctor\",\"domains\":\"example.com\"}", "\"domains\""},
	};
	struct aaa_err err;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_INT(s_validate(cases[i][0], &err), -1);
		CHECK_STR(err.type, "InvalidRequest");
		if (strstr(err.message, cases[i][1]) == NULL)
			harness_fail(__FILE__, __LINE__, "%s: message '%s' does not name %s",
				     cases[i][0], err.message, cases[i][1]);
	}
}
