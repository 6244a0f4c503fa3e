/*
 * Placeholder handlers until the scheduler, the Slack dispatcher and the
 * executor's jobs are built: each answers NotImplemented, naming what is
 * missing, so a deployed function never pretends to have done work. The
 * executor validates its payload first, so bad requests already get their
 * real errors.
 */
#include "runtime/handler.h"

#include "runtime/executor_validate.h"

static int s_scheduler(const cJSON *event, const struct runtime_ctx *ctx, char **response_json,
		       struct rt_error *err)
{
	(void)event;
	(void)ctx;
	(void)response_json;
	rt_error_set(
	    err, "NotImplemented",
	    "the scheduler (renewal of due certificates) is not built yet in this version");
	return -1;
}

static int s_dispatcher(const cJSON *event, const struct runtime_ctx *ctx, char **response_json,
			struct rt_error *err)
{
	(void)event;
	(void)ctx;
	(void)response_json;
	rt_error_set(err, "NotImplemented",
		     "the dispatcher (Slack commands through API Gateway) is not built yet in "
		     "this version");
	return -1;
}

static int s_executor(const cJSON *event, const struct runtime_ctx *ctx, char **response_json,
		      struct rt_error *err)
{
	enum exec_action action;

	(void)ctx;
	(void)response_json;
	if (executor_validate(event, &action, err) != 0)
		return -1;
	rt_error_set(err, "NotImplemented",
		     "the executor action \"%s\" is not built yet in this version",
		     exec_action_names[action]);
	return -1;
}

const struct rt_handlers rt_stub_handlers = {{s_scheduler, s_dispatcher, s_executor}};
