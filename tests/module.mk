UNIT_SRCS += tests/unit/harness.c
