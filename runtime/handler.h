/*
 * What a Lambda handler sees and returns. The runtime loop (runtime.c)
 * classifies an event (route.c) and calls one handler from a table; the
 * table is passed in by the caller (cli/), so runtime/ never depends on the
 * code that does the work (agent/), only on this interface.
 */
#ifndef AAA_RUNTIME_HANDLER_H
#define AAA_RUNTIME_HANDLER_H

#include <cjson/cJSON.h>

#include "util/err.h"

/* The three handlers; names are the _HANDLER values that pin one. */
enum rt_handler { RT_SCHEDULER, RT_DISPATCHER, RT_EXECUTOR, RT_HANDLER_MAX };

extern const char *const rt_handler_names[RT_HANDLER_MAX];

/*
 * A handler's failure is the one error type (util/err.h), reported to the
 * Runtime API as {"errorType": err->type, "errorMessage": err->message}.
 * type is a short CamelCase word ("UnknownAction"); message says what was
 * wrong and what to do. A handler that fails because the agent failed
 * copies a->err (keeping its source and code) and sets the type.
 *
 * rt_error_set fills type and message (truncating), clearing the rest; err
 * may be NULL. */
void rt_error_set(struct aaa_err *err, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* One invocation's context; every string is borrowed for the invocation. */
struct runtime_ctx {
	const char *request_id;
	long long deadline_ms; /* epoch milliseconds (Lambda-Runtime-Deadline-Ms); 0 unknown */
	const char *function_arn;
	const char *trace_id; /* may be NULL */
	/* Milliseconds left before the deadline (may be negative); clock-injected
	 * so handlers stay testable. */
	long long (*remaining_ms)(const struct runtime_ctx *ctx);
};

/*
 * A handler: 0 and *response_json (caller frees; JSON text) on success;
 * -1 and err filled on failure. event is borrowed.
 */
typedef int (*rt_handler_fn)(const cJSON *event, const struct runtime_ctx *ctx,
			     char **response_json, struct aaa_err *err);

/* Indexed by enum rt_handler. */
struct rt_handlers {
	rt_handler_fn fn[RT_HANDLER_MAX];
};

#endif
