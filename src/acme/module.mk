SRCS += src/acme/problem.c src/acme/challenge.c src/acme/nonce.c src/acme/directory.c \
	src/acme/post.c src/acme/account.c src/acme/order.c src/acme/ari.c
UNIT_SRCS += tests/unit/test_acme.c
TOOL_SRCS += tests/tools/acme_tool.c
