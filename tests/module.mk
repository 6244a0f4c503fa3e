UNIT_SRCS += tests/unit/harness.c
UNIT_SRCS += tests/unit/test_fuzz_regressions.c
