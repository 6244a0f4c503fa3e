SRCS += src/cli/cli.c src/cli/commands.c src/cli/cmd_doctor.c
