# AWS service clients over the generic call (client.c). Kept apart from
# module.mk, which lists the signing/credentials core.
SRCS += src/aws/client.c src/aws/s3.c
UNIT_SRCS += tests/unit/test_aws_client.c tests/unit/test_aws_client_call.c
TOOL_SRCS += tests/tools/aws_tool.c
