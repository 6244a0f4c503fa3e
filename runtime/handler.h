/*
 * What a Lambda handler sees and returns. The runtime loop (runtime.c)
 * classifies an event (route.c) and calls one handler from a table; the
 * table is passed in by the caller (cli/), so runtime/ never depends on the
 * code that does the work (agent/), only on this interface.
 */
#ifndef AAA_RUNTIME_HANDLER_H
#define AAA_RUNTIME_HANDLER_H

#include <cjson/cJSON.h>

/* The three handlers; names are the _HANDLER values that pin one. */
enum rt_handler { RT_SCHEDULER, RT_DISPATCHER, RT_EXECUTOR, RT_HANDLER_MAX };

extern const char *const rt_handler_names[RT_HANDLER_MAX];

/*
 * A failure reported to the Runtime API as {"errorType","errorMessage"}.
 * type is a short CamelCase word ("UnknownAction"); message says what was
 * wrong and what to do. Fixed buffers: a failure path must not allocate.
 */
struct rt_error {
	char type[64];
	char message[1024];
};

/* Fills err (truncating); err may be NULL. */
void rt_error_set(struct rt_error *err, const char *type, const char *fmt, ...)
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
			     char **response_json, struct rt_error *err);

/* Indexed by enum rt_handler. */
struct rt_handlers {
	rt_handler_fn fn[RT_HANDLER_MAX];
};

#endif
