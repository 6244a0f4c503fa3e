SRCS += src/util/buf.c src/util/cancel.c src/util/err.c src/util/mem.c src/util/time.c
UNIT_SRCS += tests/unit/test_util.c
