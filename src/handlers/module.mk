# The three Lambda entry points over the agent core: the scheduler, the
# Slack dispatcher and the executor, and the table the runtime loop gets.
SRCS += src/handlers/executor.c src/handlers/scheduler.c src/handlers/dispatcher.c \
	src/handlers/handlers.c
UNIT_SRCS += tests/unit/test_handlers_dispatcher.c
