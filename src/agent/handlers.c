/*
 * The handler table the runtime loop receives from `aaa lambda`.
 */
#include "agent/handlers.h"

#include "agent/dispatcher.h"

const struct rt_handlers agent_handlers = {{agent_scheduler, agent_dispatcher, agent_executor}};
