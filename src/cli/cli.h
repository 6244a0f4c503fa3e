/*
 * The command line: parses arguments into struct cli_opts and dispatches to
 * a command. No logic of its own: commands live in agent/ and runtime/.
 * Exit codes: 0 ok, 1 failure (bad names, CA or AWS errors), 2 usage.
 */
#ifndef AAA_CLI_CLI_H
#define AAA_CLI_CLI_H

#include <stddef.h>

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

struct str_list {
	const char **items; /* borrowed strings (argv or environment) */
	size_t n;
};

/* Everything a command may receive. Strings are borrowed from argv/environ. */
struct cli_opts {
	const char *email;
	const char *s3_bucket;
	const char *s3_kms_key;
	const char *store;
	const char *directory;
	const char *eab_kid;
	const char *eab_hmac_key;
	const char *account_key;
	const char *cn;
	const char *key_type;
	const char *challenge;
	const char *dir;
	const char *post_hook;
	const char *reason;
	const char *preferred_chain;
	const char *acme_profile;
	const char *aws_profile;
	const char *region;
	const char *random_delay;
	const char *format;
	const char *pkcs12_password_file;
	struct str_list domains;
	struct str_list deploy;
	struct str_list zone_roles;
	struct str_list zone_ids;
	struct str_list args; /* positional arguments (commands that take some) */
	int agree;
	int create_key;
	int force;
	int verbose;
	int allow_staging;
	int quiet;
	int json;
};

/* Runs the CLI; returns the process exit code. */
int cli_main(int argc, char **argv);

/* Releases the lists inside opts (not the strings, which are borrowed). */
void cli_opts_free(struct cli_opts *opts);

#endif
