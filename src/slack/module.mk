# Slack: the slash command path (form, signature, event, command, policy)
# and the replies the executor posts to response_url.
SRCS += src/slack/form.c src/slack/verify.c src/slack/event.c src/slack/command.c \
	src/slack/policy.c src/slack/dispatch.c src/slack/reply.c
UNIT_SRCS += tests/unit/test_slack.c tests/unit/test_slack_reply.c
TOOL_SRCS += tests/tools/slack_tool.c
