SRCS += src/cli/cli.c src/cli/commands.c
