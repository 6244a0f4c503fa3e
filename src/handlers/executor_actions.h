/*
 * The executor's actions as one table: each action's name, the members its
 * payload must (or may) carry, and the function that does it. The table
 * itself is in executor.c, beside the functions; this file checks a payload
 * against it before any work, and builds every error message from it, so a
 * new action is one function and one table line.
 */
#ifndef AAA_HANDLERS_EXECUTOR_ACTIONS_H
#define AAA_HANDLERS_EXECUTOR_ACTIONS_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "runtime/handler.h"

/* What one member of a payload must be. */
enum exec_member_kind {
	EXEC_STR,      /* required: a non-empty string */
	EXEC_NAMES,    /* required: a non-empty array of non-empty strings */
	EXEC_LIST_OPT, /* optional: an array (may be empty) of non-empty strings */
	EXEC_STR_OPT,  /* optional: a string */
	EXEC_BOOL_OPT, /* optional: true or false */
	EXEC_OBJ_OPT,  /* optional: an object (its members are the action's to check) */
	EXEC_EITHER,   /* at least one of the action's EXEC_EITHER members is a string */
};

struct exec_member {
	const char *key;
	enum exec_member_kind kind;
	const char *what; /* EXEC_EITHER: what it names, for the error ("a job id") */
};

#define EXEC_MEMBERS_MAX 6

struct agent;

/*
 * Does the action: its answer (caller deletes), or NULL with err (or
 * a->err) saying why. The event has passed executor_validate.
 */
typedef cJSON *(*exec_run_fn)(struct agent *a, const cJSON *event, const struct runtime_ctx *ctx,
			      struct aaa_err *err);

struct exec_action {
	const char *name;
	/* Checked in order; the first that fails names itself. Ends at key NULL. */
	struct exec_member members[EXEC_MEMBERS_MAX];
	exec_run_fn run;
	/* 1: the job posts its outcome to Slack itself (cert, renew, resume);
	 * 0: the executor posts the answer to the event's response_url. */
	int job_posts;
	/* 1: run without an agent (a is NULL): doctor, which reports a
	 * configuration the agent would refuse as one of its checks. */
	int no_agent;
};

/* The table (executor.c), in the order the error messages list them. */
extern const struct exec_action exec_actions[];
extern const size_t exec_nactions;

/*
 * 0 and *out when event is a valid executor payload; -1 and err otherwise:
 * "UnknownAction" (listing the valid actions) or "InvalidRequest" (naming
 * the member that is missing or of the wrong type).
 */
int executor_validate(const cJSON *event, const struct exec_action **out, struct aaa_err *err);

#endif
