# Deploy targets (issue 8): target parsing, the pure decisions, the runs.
SRCS += src/agent/deploy_target.c src/agent/deploy_plan.c src/agent/deploy.c
UNIT_SRCS += tests/unit/test_deploy.c tests/unit/test_deploy_clients.c tests/unit/test_deploy_http.c
TOOL_SRCS += tests/tools/deploy_tool.c
