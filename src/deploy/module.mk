# Deploy targets: one file per kind (acm, iam, elb, elbv2, cloudfront) and
# the table in deploy.c; target parsing, the pure decisions, the runs.
SRCS += src/deploy/target.c src/deploy/plan.c src/deploy/deploy.c src/deploy/acm.c \
	src/deploy/iam.c src/deploy/elb.c src/deploy/elbv2.c src/deploy/cloudfront.c
UNIT_SRCS += tests/unit/test_deploy.c tests/unit/test_deploy_clients.c tests/unit/test_deploy_http.c
TOOL_SRCS += tests/tools/deploy_tool.c
