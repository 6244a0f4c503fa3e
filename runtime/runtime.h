/*
 * The Lambda custom runtime loop over the Runtime API (version 2018-06-01):
 * GET next invocation, route it, call a handler, POST the response or the
 * error. Reads AWS_LAMBDA_RUNTIME_API and _HANDLER. Never ends on one bad
 * event; ends (exit code 1) only when configuration is wrong at start or
 * the Runtime API stays unreachable.
 */
#ifndef AAA_RUNTIME_RUNTIME_H
#define AAA_RUNTIME_RUNTIME_H

#include "runtime/handler.h"

/* Runs the loop with these handlers (borrowed); returns the exit code. */
int runtime_main(const struct rt_handlers *handlers);

/* Epoch milliseconds minus now: the remaining_ms of a live invocation. */
long long runtime_remaining_ms(const struct runtime_ctx *ctx);

#endif
