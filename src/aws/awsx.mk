# KMS, STS and Lambda clients (owner: awsx), over the generic aws_call.
SRCS += src/aws/kms.c src/aws/sts.c src/aws/lambda.c
UNIT_SRCS += tests/unit/test_kms_fake.c tests/unit/test_kms.c tests/unit/test_sts.c \
	tests/unit/test_lambda_client.c
TOOL_SRCS += tests/tools/awsx_tool.c
