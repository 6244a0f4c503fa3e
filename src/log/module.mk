SRCS += src/log/log.c
UNIT_SRCS += tests/unit/test_log.c
