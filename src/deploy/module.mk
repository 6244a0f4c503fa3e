# Deploy targets: target parsing, the pure decisions, the runs.
SRCS += src/deploy/target.c src/deploy/plan.c src/deploy/deploy.c
UNIT_SRCS += tests/unit/test_deploy.c tests/unit/test_deploy_clients.c tests/unit/test_deploy_http.c
TOOL_SRCS += tests/tools/deploy_tool.c
