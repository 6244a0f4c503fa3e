/*
 * Validation of executor payloads ({"action": ...}), before any work: the
 * action must be known and carry its required members. Pure; knows the
 * payload shapes of DESIGN.md "Executor payloads", nothing of ACME.
 */
#ifndef AAA_RUNTIME_EXECUTOR_VALIDATE_H
#define AAA_RUNTIME_EXECUTOR_VALIDATE_H

#include <cjson/cJSON.h>

#include "runtime/handler.h"

enum exec_action {
	EXEC_CERT,
	EXEC_RENEW,
	EXEC_REVOKE,
	EXEC_LS,
	EXEC_STATUS,
	EXEC_RESUME,
	EXEC_DEPLOY,
	EXEC_ACTION_MAX
};

extern const char *const exec_action_names[EXEC_ACTION_MAX];

/*
 * 0 and *out when event is a valid executor payload; -1 and err otherwise:
 * "UnknownAction" (listing the valid actions) or "InvalidRequest" (naming
 * the member that is missing or of the wrong type).
 */
int executor_validate(const cJSON *event, enum exec_action *out, struct rt_error *err);

#endif
