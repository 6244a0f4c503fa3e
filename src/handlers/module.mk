# The three Lambda entry points over the agent core: the scheduler, the
# Slack dispatcher and the executor (its action table and the payload
# checks built from it), and the table the runtime loop gets.
SRCS += src/handlers/executor.c src/handlers/executor_actions.c src/handlers/scheduler.c \
	src/handlers/dispatcher.c src/handlers/handlers.c src/handlers/sched_pause.c \
	src/handlers/sched_batch.c src/handlers/sched_cleanup.c src/handlers/sched_ari.c
UNIT_SRCS += tests/unit/test_handlers_dispatcher.c tests/unit/test_handlers_executor_actions.c \
	tests/unit/test_handlers_sched_batch.c
