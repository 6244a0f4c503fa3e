/*
 * Executor payload validation against the action table (executor_actions.h).
 */
#include "handlers/executor_actions.h"

#include <stdio.h>
#include <string.h>

#include "json/json.h"

/* A required non-empty string member. */
static int s_need_str(const cJSON *ev, const char *action, const char *key, struct aaa_err *err)
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
		      const char *type_name, struct aaa_err *err)
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
		       struct aaa_err *err)
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

/* "cert, renew, ..." from the table. */
static void s_action_list(char *buf, size_t len)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < exec_nactions && used < len; i++) {
		int n =
		    snprintf(buf + used, len - used, "%s%s", i ? ", " : "", exec_actions[i].name);

		if (n < 0)
			break;
		used += (size_t)n;
	}
}

/* The EXEC_EITHER members: one of them must be a string. */
static int s_either(const cJSON *ev, const struct exec_action *act, struct aaa_err *err)
{
	char need[256];
	size_t i, used = 0, n = 0;

	need[0] = '\0';
	for (i = 0; i < EXEC_MEMBERS_MAX && act->members[i].key; i++) {
		const struct exec_member *m = &act->members[i];
		int w;

		if (m->kind != EXEC_EITHER)
			continue;
		if (json_str(ev, m->key) != NULL)
			return 0;
		if (used < sizeof(need)) {
			w = snprintf(need + used, sizeof(need) - used, "%s\"%s\" (%s)",
				     n ? " or " : "", m->key, m->what ? m->what : "a string");
			if (w > 0)
				used += (size_t)w;
		}
		n++;
	}
	if (n == 0)
		return 0;
	rt_error_set(err, "InvalidRequest", "action \"%s\" needs %s", act->name, need);
	return -1;
}

static int s_member(const cJSON *ev, const char *action, const struct exec_member *m,
		    struct aaa_err *err)
{
	switch (m->kind) {
	case EXEC_STR:
		return s_need_str(ev, action, m->key, err);
	case EXEC_NAMES:
		return s_str_array(ev, action, m->key, 0, err);
	case EXEC_LIST_OPT:
		if (cJSON_GetObjectItemCaseSensitive(ev, m->key) == NULL)
			return 0;
		return s_str_array(ev, action, m->key, 1, err);
	case EXEC_STR_OPT:
		return s_opt_type(ev, action, m->key, cJSON_String, "a string", err);
	case EXEC_BOOL_OPT:
		return s_opt_type(ev, action, m->key, cJSON_True, "true or false", err);
	case EXEC_OBJ_OPT:
		return s_opt_type(ev, action, m->key, cJSON_Object, "an object", err);
	case EXEC_EITHER:
		return 0; /* all of them at once, in s_either */
	}
	return 0;
}

/*
 * Checks members per action. Optional members are checked for type too, so
 * a "deploy":"acm" (string instead of array) fails here with its name
 * rather than deep inside the job.
 */
int executor_validate(const cJSON *event, const struct exec_action **out, struct aaa_err *err)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(event, "action");
	const struct exec_action *act = NULL;
	char names[512];
	size_t i;

	s_action_list(names, sizeof(names));
	if (!cJSON_IsString(a)) {
		rt_error_set(err, "InvalidRequest", "\"action\" must be a string: one of %s",
			     names);
		return -1;
	}
	for (i = 0; i < exec_nactions && !act; i++)
		if (strcmp(a->valuestring, exec_actions[i].name) == 0)
			act = &exec_actions[i];
	if (!act) {
		rt_error_set(err, "UnknownAction",
			     "unknown action \"%.100s\": valid actions are %s", a->valuestring,
			     names);
		return -1;
	}
	for (i = 0; i < EXEC_MEMBERS_MAX && act->members[i].key; i++)
		if (s_member(event, act->name, &act->members[i], err) != 0)
			return -1;
	if (s_either(event, act, err) != 0)
		return -1;
	*out = act;
	return 0;
}
