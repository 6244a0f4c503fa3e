SRCS += runtime/route.c runtime/executor_validate.c runtime/runtime.c
UNIT_SRCS += tests/unit/test_runtime_route.c tests/unit/test_runtime_executor.c
