# The table of AWS actions aaa calls (the source of the IAM policies) and the
# tool that prints it for tests/integration/test_iam.py.
SRCS += src/aws/actions.c
UNIT_SRCS += tests/unit/test_aws_actions.c
TOOL_SRCS += tests/tools/actions_tool.c
