SRCS += src/json/json.c
UNIT_SRCS += tests/unit/test_json.c
