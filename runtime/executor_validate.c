/*
 * Executor payload validation (DESIGN.md "Executor payloads").
 */
#include "runtime/executor_validate.h"

#include <stdio.h>
#include <string.h>

#include "json/json.h"

const char *const exec_action_names[EXEC_ACTION_MAX] = {"cert",	  "renew",  "revoke", "ls",
							"status", "resume", "deploy"};

/* A required non-empty string member. */
static int s_need_str(const cJSON *ev, const char *action, const char *key, struct rt_error *err)
{
	const char *v = json_str(ev, key);

	if (v == NULL || *v == '\0') {
		rt_error_set(err, "InvalidRequest",
			     "action \"%s\" needs \"%s\", a non-empty string", action, key);
		return -1;
	}
	return 0;
}

/* An optional member: absent, or of the given cJSON type (cJSON_True: any bool). */
static int s_opt_type(const cJSON *ev, const char *action, const char *key, int type,
		      const char *type_name, struct rt_error *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(ev, key);

	int ok = type == cJSON_True ? cJSON_IsBool(v) : (v != NULL && (v->type & 0xff) == type);

	if (v != NULL && !ok) {
		rt_error_set(err, "InvalidRequest", "action \"%s\": \"%s\" must be %s", action, key,
			     type_name);
		return -1;
	}
	return 0;
}

/* An array whose items are all non-empty strings; empty allowed if allow_empty. */
static int s_str_array(const cJSON *ev, const char *action, const char *key, int allow_empty,
		       struct rt_error *err)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(ev, key);
	const cJSON *it;

	if (!cJSON_IsArray(arr) || (!allow_empty && cJSON_GetArraySize(arr) == 0))
		goto bad;
	cJSON_ArrayForEach(it, arr)
	{
		if (!cJSON_IsString(it) || it->valuestring[0] == '\0')
			goto bad;
	}
	return 0;
bad:
	rt_error_set(err, "InvalidRequest", "action \"%s\" needs \"%s\", %s array of strings",
		     action, key, allow_empty ? "an" : "a non-empty");
	return -1;
}

static int s_action_index(const char *name)
{
	int i;

	for (i = 0; i < EXEC_ACTION_MAX; i++)
		if (strcmp(name, exec_action_names[i]) == 0)
			return i;
	return -1;
}

/*
 * Checks members per action. Optional members are checked for type too, so
 * a "deploy":"acm" (string instead of array) fails here with its name
 * rather than deep inside the job.
 */
int executor_validate(const cJSON *event, enum exec_action *out, struct rt_error *err)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(event, "action");
	int idx = -1;
	int rc = -1;

	if (!cJSON_IsString(a)) {
		rt_error_set(err, "InvalidRequest",
			     "\"action\" must be a string: one of cert, renew, revoke, ls, status, "
			     "resume");
		goto out;
	}
	idx = s_action_index(a->valuestring);
	if (idx < 0) {
		rt_error_set(
		    err, "UnknownAction",
		    "unknown action \"%.100s\": valid actions are cert, renew, revoke, ls, "
		    "status, resume, deploy",
		    a->valuestring);
		goto out;
	}
	switch ((enum exec_action)idx) {
	case EXEC_CERT:
		if (s_str_array(event, "cert", "names", 0, err) != 0 ||
		    s_opt_type(event, "cert", "create_key", cJSON_True, "true or false", err) ||
		    s_opt_type(event, "cert", "key_type", cJSON_String, "a string", err))
			goto out;
		if (cJSON_GetObjectItemCaseSensitive(event, "deploy") &&
		    s_str_array(event, "cert", "deploy", 1, err) != 0)
			goto out;
		break;
	case EXEC_RENEW:
		if (s_need_str(event, "renew", "name", err) != 0)
			goto out;
		break;
	case EXEC_REVOKE:
		if (s_need_str(event, "revoke", "name", err) != 0 ||
		    s_opt_type(event, "revoke", "reason", cJSON_String, "a string", err))
			goto out;
		break;
	case EXEC_STATUS:
		if (json_str(event, "job") == NULL && json_str(event, "name") == NULL) {
			rt_error_set(err, "InvalidRequest",
				     "action \"status\" needs \"job\" (a job id) or \"name\" (a "
				     "certificate name)");
			goto out;
		}
		break;
	case EXEC_RESUME:
		if (s_need_str(event, "resume", "job", err) != 0)
			goto out;
		break;
	case EXEC_DEPLOY:
		if (s_need_str(event, "deploy", "name", err) != 0)
			goto out;
		break;
	case EXEC_LS:
	case EXEC_ACTION_MAX:
		break;
	}
	*out = (enum exec_action)idx;
	rc = 0;
out:
	return rc;
}
