SRCS += src/cli/cli.c src/cli/table.c src/cli/commands.c src/cli/cmd_doctor.c src/cli/cmd_renew.c src/cli/ls_table.c src/cli/staging.c src/cli/gen.c
