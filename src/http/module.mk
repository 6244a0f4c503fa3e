SRCS += src/http/http.c
UNIT_SRCS += tests/unit/test_http.c
TOOL_SRCS += tests/tools/http_probe.c
