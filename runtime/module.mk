SRCS += runtime/route.c runtime/runtime.c
UNIT_SRCS += tests/unit/test_runtime_route.c
