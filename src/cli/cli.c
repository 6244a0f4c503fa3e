/*
 * Argument parsing with glibc's getopt_long (long GNU style, --flag=value
 * and --flag value), a table of commands, and the environment twins of the
 * common flags (AAA_EMAIL, AAA_S3_BUCKET, ...) for the Lambda functions.
 */
#define _GNU_SOURCE
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/sts.h"
#include "cli/commands.h"
#include "log/log.h"
#include "version.h"

enum opt_id {
	OPT_EMAIL = 256,
	OPT_S3_BUCKET,
	OPT_S3_KMS_KEY,
	OPT_STORE,
	OPT_DIRECTORY,
	OPT_EAB_KID,
	OPT_EAB_HMAC_KEY,
	OPT_ACCOUNT_KEY,
	OPT_AGREE,
	OPT_DOMAIN,
	OPT_CN,
	OPT_CREATE_KEY,
	OPT_KEY_TYPE,
	OPT_CHALLENGE,
	OPT_DEPLOY,
	OPT_DIR,
	OPT_POST_HOOK,
	OPT_REASON,
	OPT_PREFERRED_CHAIN,
	OPT_PROFILE,
	OPT_ZONE_ROLE,
	OPT_ZONE_ID,
	OPT_JSON,
	OPT_HELP,
	OPT_MAX
};

/* Bits for the commands that accept an option. */
enum {
	C_REG = 1 << 0,
	C_AUTHZ = 1 << 1,
	C_CERT = 1 << 2,
	C_LS = 1 << 3,
	C_SYNC = 1 << 4,
	C_REVOKE = 1 << 5,
	C_DOCTOR = 1 << 6,
	C_LAMBDA = 1 << 7,
};

/* The common flags of the original aaa: every command accepts them (and
 * their environment twins), so scripts that pass the same flags to every
 * command keep working; a command ignores what it does not need. */
#define C_ALL (C_REG | C_AUTHZ | C_CERT | C_LS | C_SYNC | C_REVOKE | C_DOCTOR | C_LAMBDA)

struct opt_spec {
	const char *name;
	int id;
	int has_arg;
	unsigned cmds;
	const char *env; /* environment twin, or NULL */
	const char *arg; /* placeholder in help, NULL for a switch */
	const char *help;
};

static const struct opt_spec s_opts[] = {
    {"email", OPT_EMAIL, 1, C_ALL, "AAA_EMAIL", "EMAIL", "contact email of the ACME account"},
    {"s3-bucket", OPT_S3_BUCKET, 1, C_ALL, "AAA_S3_BUCKET", "BUCKET",
     "S3 bucket holding aaa-data/ (with --s3-kms-key)"},
    {"s3-kms-key", OPT_S3_KMS_KEY, 1, C_ALL, "AAA_S3_KMS_KEY", "KEY",
     "KMS key id, ARN or alias for SSE-KMS"},
    {"store", OPT_STORE, 1, C_ALL, "AAA_STORE", "URL",
     "store URL: s3://BUCKET[/PREFIX] or file://DIR"},
    {"directory", OPT_DIRECTORY, 1, C_ALL, "AAA_DIRECTORY", "URL",
     "ACME directory URL, or letsencrypt, letsencrypt-staging (default), zerossl"},
    {"eab-kid", OPT_EAB_KID, 1, C_REG, NULL, "KID", "External Account Binding key id"},
    {"eab-hmac-key", OPT_EAB_HMAC_KEY, 1, C_REG, NULL, "KEY",
     "External Account Binding HMAC key (base64url)"},
    {"account-key", OPT_ACCOUNT_KEY, 1, C_REG, NULL, "SPEC",
     "account key type (ec256, rsa2048, ...) or kms:KEY_ID to sign with KMS"},
    {"agree", OPT_AGREE, 0, C_REG, NULL, NULL, "agree to the CA's terms of service"},
    {"domain", OPT_DOMAIN, 1, C_AUTHZ | C_CERT | C_SYNC | C_REVOKE | C_DOCTOR, NULL, "NAME",
     "a domain name (repeatable)"},
    {"cn", OPT_CN, 1, C_CERT, NULL, "NAME", "common name; the certificate's name in the store"},
    {"create-key", OPT_CREATE_KEY, 0, C_CERT, NULL, NULL,
     "generate a new certificate key instead of reusing the stored one"},
    {"key-type", OPT_KEY_TYPE, 1, C_CERT, NULL, "TYPE",
     "ec256 (default), ec384, rsa2048, rsa3072 or rsa4096"},
    {"challenge", OPT_CHALLENGE, 1, C_AUTHZ, NULL, "TYPE", "challenge type: dns-01"},
    {"deploy", OPT_DEPLOY, 1, C_CERT, NULL, "TARGET",
     "deploy target: acm[:REGION], iam[:PATH], elb:NAME[:PORT], elbv2:ARN, cloudfront:ID"},
    {"dir", OPT_DIR, 1, C_SYNC, NULL, "DIR",
     "folder for cert.pem chain.pem fullchain.pem privkey.pem (default: ./NAME)"},
    {"post-hook", OPT_POST_HOOK, 1, C_SYNC, NULL, "CMD", "command to run when files changed"},
    {"reason", OPT_REASON, 1, C_REVOKE, NULL, "REASON",
     "revocation reason: unspecified, keyCompromise, superseded, cessationOfOperation"},
    {"preferred-chain", OPT_PREFERRED_CHAIN, 1, C_CERT, NULL, "ISSUER",
     "pick the alternate chain whose root has this issuer name"},
    {"profile", OPT_PROFILE, 1, C_CERT, NULL, "NAME", "ACME certificate profile"},
    {"zone-role", OPT_ZONE_ROLE, 1, C_AUTHZ | C_CERT | C_DOCTOR, NULL, "DOMAIN=ROLE_ARN",
     "assume this role for the hosted zone of DOMAIN (repeatable)"},
    {"zone-id", OPT_ZONE_ID, 1, C_AUTHZ | C_CERT | C_DOCTOR, NULL, "DOMAIN=ZONE_ID",
     "use this hosted zone for DOMAIN instead of looking it up (repeatable)"},
    {"json", OPT_JSON, 0, C_DOCTOR, NULL, NULL, "print the report as JSON"},
};

#define NOPTS (sizeof(s_opts) / sizeof(s_opts[0]))

struct command {
	const char *name;
	unsigned bit;
	int (*run)(const struct cli_opts *opts);
	const char *usage;
	const char *summary;
};

static const struct command s_cmds[] = {
    {"reg", C_REG, cmd_reg, "--email EMAIL [--agree] [--eab-kid K --eab-hmac-key H]",
     "register an ACME account (prints the terms URL unless --agree)"},
    {"authz", C_AUTHZ, cmd_authz, "--domain NAME... [--challenge dns-01]",
     "authorize names with DNS-01 on Route53"},
    {"cert", C_CERT, cmd_cert, "--cn NAME [--domain NAME...] [--create-key] [--key-type T]",
     "issue or renew a certificate"},
    {"ls", C_LS, cmd_ls, "", "list account, authorizations and certificates as JSON"},
    {"sync", C_SYNC, cmd_sync, "--domain NAME [--dir DIR] [--post-hook CMD]",
     "write a stored certificate and key into a folder"},
    {"revoke", C_REVOKE, cmd_revoke, "--domain NAME [--reason R]", "revoke a certificate"},
    {"doctor", C_DOCTOR, cmd_doctor, "[--domain NAME...] [--json]",
     "check credentials, bucket, KMS key and hosted zones"},
    {"lambda", C_LAMBDA, cmd_lambda, "", "run the AWS Lambda runtime loop (used by bootstrap)"},
};

#define NCMDS (sizeof(s_cmds) / sizeof(s_cmds[0]))

static void s_print_main_help(FILE *out)
{
	size_t i;

	fprintf(out,
		"aaa %s - ACME Agent for AWS\n\n"
		"usage: aaa COMMAND [OPTIONS]\n"
		"       aaa COMMAND --help\n"
		"       aaa --version\n\ncommands:\n",
		AAA_VERSION);
	for (i = 0; i < NCMDS; i++)
		fprintf(out, "  %-8s %s\n", s_cmds[i].name, s_cmds[i].summary);
	fprintf(out, "\nexit codes: 0 ok, 1 failure, 2 usage error\n");
}

static void s_print_cmd_help(FILE *out, const struct command *cmd)
{
	char left[64];
	size_t i;

	fprintf(out, "usage: aaa %s %s\n\n%s\n\noptions:\n", cmd->name, cmd->usage, cmd->summary);
	for (i = 0; i < NOPTS; i++) {
		if (!(s_opts[i].cmds & cmd->bit))
			continue;
		snprintf(left, sizeof(left), "--%s%s%s", s_opts[i].name, s_opts[i].arg ? " " : "",
			 s_opts[i].arg ? s_opts[i].arg : "");
		fprintf(out, "  %-28s %s", left, s_opts[i].help);
		if (s_opts[i].env)
			fprintf(out, " [env %s]", s_opts[i].env);
		fputc('\n', out);
	}
	fprintf(out, "  %-28s %s\n", "--help", "show this help");
}

static const struct command *s_find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < NCMDS; i++)
		if (strcmp(s_cmds[i].name, name) == 0)
			return &s_cmds[i];
	return NULL;
}

static const char **s_field(struct cli_opts *o, int id)
{
	switch (id) {
	case OPT_EMAIL:
		return &o->email;
	case OPT_S3_BUCKET:
		return &o->s3_bucket;
	case OPT_S3_KMS_KEY:
		return &o->s3_kms_key;
	case OPT_STORE:
		return &o->store;
	case OPT_DIRECTORY:
		return &o->directory;
	case OPT_EAB_KID:
		return &o->eab_kid;
	case OPT_EAB_HMAC_KEY:
		return &o->eab_hmac_key;
	case OPT_ACCOUNT_KEY:
		return &o->account_key;
	case OPT_CN:
		return &o->cn;
	case OPT_KEY_TYPE:
		return &o->key_type;
	case OPT_CHALLENGE:
		return &o->challenge;
	case OPT_DIR:
		return &o->dir;
	case OPT_POST_HOOK:
		return &o->post_hook;
	case OPT_REASON:
		return &o->reason;
	case OPT_PREFERRED_CHAIN:
		return &o->preferred_chain;
	case OPT_PROFILE:
		return &o->profile;
	default:
		return NULL;
	}
}

static int s_list_add(struct str_list *l, const char *s)
{
	const char **p = realloc(l->items, (l->n + 1) * sizeof(*p));

	if (p == NULL)
		return -1;
	p[l->n++] = s;
	l->items = p;
	return 0;
}

void cli_opts_free(struct cli_opts *opts)
{
	free(opts->domains.items);
	free(opts->deploy.items);
	free(opts->zone_roles.items);
	free(opts->zone_ids.items);
	memset(opts, 0, sizeof(*opts));
}

/*
 * Parses the options of one command. Returns 0, EXIT_USAGE after printing
 * the problem, or -1 when --help was printed (exit 0).
 */
static int s_parse(const struct command *cmd, int argc, char **argv, struct cli_opts *o)
{
	struct option lopts[NOPTS + 2];
	size_t i, n = 0;
	int c, idx;
	int rc = EXIT_USAGE;

	for (i = 0; i < NOPTS; i++) {
		if (!(s_opts[i].cmds & cmd->bit))
			continue;
		lopts[n].name = s_opts[i].name;
		lopts[n].has_arg = s_opts[i].has_arg ? required_argument : no_argument;
		lopts[n].flag = NULL;
		lopts[n].val = s_opts[i].id;
		n++;
	}
	lopts[n].name = "help";
	lopts[n].has_arg = no_argument;
	lopts[n].flag = NULL;
	lopts[n].val = OPT_HELP;
	n++;
	memset(&lopts[n], 0, sizeof(lopts[n]));

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":", lopts, &idx)) != -1) {
		const char **field;

		switch (c) {
		case OPT_HELP:
			s_print_cmd_help(stdout, cmd);
			return -1;
		case OPT_AGREE:
			o->agree = 1;
			break;
		case OPT_CREATE_KEY:
			o->create_key = 1;
			break;
		case OPT_JSON:
			o->json = 1;
			break;
		case OPT_DOMAIN:
			if (s_list_add(&o->domains, optarg) != 0)
				goto out;
			break;
		case OPT_DEPLOY:
			if (s_list_add(&o->deploy, optarg) != 0)
				goto out;
			break;
		case OPT_ZONE_ROLE:
			if (s_list_add(&o->zone_roles, optarg) != 0)
				goto out;
			break;
		case OPT_ZONE_ID:
			if (s_list_add(&o->zone_ids, optarg) != 0)
				goto out;
			break;
		case ':':
			fprintf(stderr, "aaa %s: option '%s' needs a value\n", cmd->name,
				argv[optind - 1]);
			goto out;
		case '?':
			fprintf(stderr, "aaa %s: unknown option '%s' (see 'aaa %s --help')\n",
				cmd->name, argv[optind - 1], cmd->name);
			goto out;
		default:
			field = s_field(o, c);
			if (field == NULL)
				goto out;
			if (*optarg == '\0') {
				fprintf(stderr, "aaa %s: option '%s' needs a non-empty value\n",
					cmd->name, argv[optind - 1]);
				goto out;
			}
			*field = optarg;
			break;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "aaa %s: unexpected argument '%s' (see 'aaa %s --help')\n",
			cmd->name, argv[optind], cmd->name);
		goto out;
	}
	/* Environment twins fill what the command line left unset. */
	for (i = 0; i < NOPTS; i++) {
		const char **field = s_field(o, s_opts[i].id);
		const char *v;

		if (!(s_opts[i].cmds & cmd->bit) || s_opts[i].env == NULL || field == NULL ||
		    *field != NULL)
			continue;
		v = getenv(s_opts[i].env);
		if (v && *v)
			*field = v;
	}
	rc = 0;
out:
	return rc;
}

/*
 * aaa lambda's handlers read their settings from the environment (the
 * function's configuration); a common flag given on its command line
 * becomes that environment variable, so it is honoured, not ignored.
 */
static int s_export_env(struct cli_opts *o)
{
	size_t i;

	for (i = 0; i < NOPTS; i++) {
		const char **field = s_field(o, s_opts[i].id);

		if (s_opts[i].env == NULL || field == NULL || *field == NULL)
			continue;
		if (setenv(s_opts[i].env, *field, 1) != 0)
			return -1;
	}
	return 0;
}

int cli_main(int argc, char **argv)
{
	struct cli_opts opts;
	const struct command *cmd;
	int rc;

	memset(&opts, 0, sizeof(opts));
	log_init_from_env();
	/* role_arn profiles in ~/.aws/config need STS to become credentials. */
	sts_install();
	if (argc < 2) {
		s_print_main_help(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		s_print_main_help(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("aaa %s\n", AAA_VERSION);
		return EXIT_OK;
	}
	cmd = s_find_cmd(argv[1]);
	if (cmd == NULL) {
		fprintf(stderr, "aaa: unknown command '%s' (see 'aaa --help')\n", argv[1]);
		return EXIT_USAGE;
	}
	/* On a terminal the progress lines tell the story; logs are for
	 * warnings unless a level is asked for. The runtime keeps info. */
	if (strcmp(argv[1], "lambda") != 0 && !getenv("AAA_LOG_LEVEL") &&
	    !getenv("AWS_LAMBDA_LOG_LEVEL"))
		log_configure(LOG_WARN, 0, stderr);
	rc = s_parse(cmd, argc - 1, argv + 1, &opts);
	if (rc == -1)
		rc = EXIT_OK;
	else if (rc == 0 && cmd->bit == C_LAMBDA && s_export_env(&opts) != 0)
		rc = EXIT_FAIL;
	else if (rc == 0)
		rc = cmd->run(&opts);
	cli_opts_free(&opts);
	return rc;
}
