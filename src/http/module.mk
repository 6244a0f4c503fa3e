SRCS += src/http/http.c
TOOL_SRCS += tests/tools/http_probe.c
