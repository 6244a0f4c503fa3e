/*
 * The Lambda handlers of the product (runtime/README.md "Events"): the scheduler
 * and the executor live in agent/, the dispatcher (Slack) too; the runtime
 * loop gets them as one table and knows nothing of what they do.
 */
#ifndef AAA_HANDLERS_HANDLERS_H
#define AAA_HANDLERS_HANDLERS_H

#include "runtime/handler.h"

extern const struct rt_handlers agent_handlers;

int agent_executor(const cJSON *event, const struct runtime_ctx *ctx, char **response_json,
		   struct aaa_err *err);
int agent_scheduler(const cJSON *event, const struct runtime_ctx *ctx, char **response_json,
		    struct aaa_err *err);

/* The executor's settings from the environment (AAA_* twins of the CLI flags). */
struct agent_config;
void agent_config_from_env(struct agent_config *c);

/* The agent for one invocation, configured from the environment, its
 * deadline from ctx. NULL with err "Configuration" (naming what is wrong). */
struct agent;
struct agent *agent_open_env(const struct runtime_ctx *ctx, struct aaa_err *err);

#endif
