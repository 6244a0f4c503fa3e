# Slack: the slash command dispatcher (behind API Gateway) and the replies
# the executor posts to response_url.
SRCS += src/agent/slack_form.c src/agent/slack_verify.c src/agent/slack_event.c \
	src/agent/slack_command.c src/agent/slack_policy.c src/agent/slack_dispatch.c \
	src/agent/slack_reply.c src/agent/dispatcher.c
UNIT_SRCS += tests/unit/test_slack.c
UNIT_SRCS += tests/unit/test_dispatcher.c
UNIT_SRCS += tests/unit/test_slack_reply.c
TOOL_SRCS += tests/tools/slack_tool.c
