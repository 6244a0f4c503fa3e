/*
 * The handler table the runtime loop receives from `aaa lambda`.
 */
#include "handlers/handlers.h"

#include "handlers/dispatcher.h"

const struct rt_handlers agent_handlers = {{agent_scheduler, agent_dispatcher, agent_executor}};
