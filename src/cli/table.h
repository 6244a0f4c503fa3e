/*
 * The CLI's one description of itself: every command and every option,
 * with its short form, alias, environment twin, the commands that accept it
 * and those that need it. The parser, --help, the bash and zsh completion
 * scripts and the man page are all made from these two tables, so they
 * cannot disagree.
 */
#ifndef AAA_CLI_TABLE_H
#define AAA_CLI_TABLE_H

#include <stddef.h>

#include "cli/cli.h"

/* One bit per command, for the option table's cmds and required masks. */
enum {
	C_REG = 1 << 0,
	C_AUTHZ = 1 << 1,
	C_CERT = 1 << 2,
	C_LS = 1 << 3,
	C_SYNC = 1 << 4,
	C_REVOKE = 1 << 5,
	C_DOCTOR = 1 << 6,
	C_LAMBDA = 1 << 7,
	C_RENEW = 1 << 8,
	C_COMPLETION = 1 << 9,
	C_MANPAGE = 1 << 10,
};

/* The common flags of the original aaa: every command accepts them (and
 * their environment twins), so scripts passing the same flags to every
 * command keep working; a command ignores what it does not need. */
#define C_ALL                                                                                      \
	(C_REG | C_AUTHZ | C_CERT | C_LS | C_SYNC | C_REVOKE | C_DOCTOR | C_LAMBDA | C_RENEW |     \
	 C_COMPLETION | C_MANPAGE)

enum cli_kind {
	CLI_STR,  /* const char * at off: the last one given wins */
	CLI_LIST, /* struct str_list at off: repeatable */
	CLI_FLAG, /* int at off, set to 1 */
	CLI_HELP, /* -h, --help */
	CLI_VERSION,
	CLI_KIND_MAX
};

struct cli_option {
	const char *name;  /* long name, without "--" */
	const char *alias; /* another long name, or NULL */
	char short_name;   /* 0: none */
	enum cli_kind kind;
	size_t off;	   /* offsetof(struct cli_opts, ...) for STR, LIST, FLAG */
	unsigned cmds;	   /* commands that accept it */
	unsigned required; /* commands that need it (a usage error without it) */
	const char *env;   /* environment twin, or NULL */
	const char *arg;   /* placeholder for its value; NULL for a switch */
	const char *help;
	/* What a completion offers for the value: NULL nothing in particular,
	 * "@file" or "@dir" a path, else the words, space-separated. */
	const char *values;
};

/* Commands with CLI_CMD_STORE need a store (--s3-bucket or --store). */
#define CLI_CMD_STORE 1u

struct cli_command {
	const char *name;
	unsigned bit;
	unsigned flags;
	int (*run)(const struct cli_opts *opts);
	const char *args;   /* positional arguments in usage ("bash|zsh"), or NULL: none */
	const char *values; /* the positional argument's words for completion, or NULL */
	const char *summary;
};

extern const struct cli_option cli_options[];
extern const size_t cli_noptions;
extern const struct cli_command cli_commands[];
extern const size_t cli_ncommands;

/* The command called name, or NULL. */
const struct cli_command *cli_command_find(const char *name);

/* The usage line of cmd without "usage: " ("aaa cert --cn NAME [OPTIONS]"),
 * required options spelled out (caller frees). */
char *cli_synopsis(const struct cli_command *cmd);

/*
 * The words of a table-backed value list ("@keytypes": crypto/key.c's key
 * types, "@reasons": acme/order.c's subscriber revocation reasons) joined
 * with sep and last into buf; -1 when values is not such a list.
 */
int cli_values_join(const char *values, char *buf, size_t len, const char *sep, const char *last);

/* The option's help text; one that ends with ':' gets its table-backed
 * values listed ("revocation reason: unspecified, ... or
 * cessationOfOperation"). Caller frees; NULL when out of memory. */
char *cli_option_help(const struct cli_option *o);

/* The option's left column for help and the man page: "-d, --domain NAME"
 * (caller frees). */
char *cli_option_label(const struct cli_option *o);

#endif
