SRCS += src/config/settings.c
UNIT_SRCS += tests/unit/test_config.c
