/*
 * Argument parsing with glibc's getopt_long (GNU style: --flag=value,
 * --flag value, -d value, -dvalue), driven by the option table of
 * cli/table.c, and the environment twins of the common flags (AAA_EMAIL,
 * AAA_S3_BUCKET, ...) for the Lambda functions.
 */
#define _GNU_SOURCE
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/credentials_profile.h"
#include "aws/endpoint.h"
#include "aws/env.h"
#include "aws/sts.h"
#include "cli/commands.h"
#include "cli/table.h"
#include "config/settings.h"
#include "crypto/hash.h"
#include "http/http.h"
#include "json/json.h"
#include "log/log.h"
#include "version.h"
#include "xml/xml.h"

/* getopt_long's value for the option at table index i. A short option's
 * character is mapped to the same index (see s_parse). */
#define LONG_BASE 256

static void s_print_main_help(FILE *out)
{
	size_t i;

	fprintf(out,
		"aaa %s - ACME Agent for AWS\n\n"
		"usage: aaa COMMAND [OPTIONS]\n"
		"       aaa COMMAND -h|--help\n"
		"       aaa -V|--version\n\ncommands:\n",
		AAA_VERSION);
	for (i = 0; i < cli_ncommands; i++)
		fprintf(out, "  %-10s %s\n", cli_commands[i].name, cli_commands[i].summary);
	fprintf(out, "\nexit codes: 0 ok, 1 failure, 2 usage error\n");
}

static void s_print_cmd_help(FILE *out, const struct cli_command *cmd)
{
	char *syn = cli_synopsis(cmd);
	size_t i;

	fprintf(out, "usage: %s\n\n%s\n\noptions:\n", syn ? syn : cmd->name, cmd->summary);
	free(syn);
	for (i = 0; i < cli_noptions; i++) {
		const struct cli_option *o = &cli_options[i];
		char *label, *help;

		if (!(o->cmds & cmd->bit))
			continue;
		label = cli_option_label(o);
		help = cli_option_help(o);
		fprintf(out, "  %-30s %s", label ? label : o->name, help ? help : o->help);
		if (o->required & cmd->bit)
			fprintf(out, " (required)");
		if (o->env)
			fprintf(out, " [env %s]", o->env);
		fputc('\n', out);
		free(label);
		free(help);
	}
}

/* aaa -V: its own version and those of the libraries it runs with (the
 * shared objects loaded now, not the headers it was built against). */
static void s_print_version(FILE *out)
{
	fprintf(out, "aaa %s\n", AAA_VERSION);
	fprintf(out, "libcurl %s\n", http_library_version());
	fprintf(out, "%s\n", crypto_library_version());
	fprintf(out, "cJSON %s\n", json_library_version());
	fprintf(out, "libxml2 %s\n", xml_library_version());
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
	size_t i;

	for (i = 0; i < cli_noptions; i++)
		if (cli_options[i].kind == CLI_LIST)
			free(((struct str_list *)((char *)opts + cli_options[i].off))->items);
	free(opts->args.items);
	memset(opts, 0, sizeof(*opts));
}

/* The table index of the short option c for cmd, or -1. */
static int s_short_index(const struct cli_command *cmd, int c)
{
	size_t i;

	for (i = 0; i < cli_noptions; i++)
		if (cli_options[i].short_name == c && (cli_options[i].cmds & cmd->bit))
			return (int)i;
	return -1;
}

/* What the user typed for the option that just failed, for the message. */
static const char *s_bad_opt(int argc, char **argv, char *buf, size_t len)
{
	if (optopt > 0 && optopt < LONG_BASE) {
		snprintf(buf, len, "-%c", optopt);
		return buf;
	}
	if (optind - 1 >= 1 && optind - 1 < argc)
		return argv[optind - 1];
	return "?";
}

/* A required option of cmd left unset: its name, or NULL when all are set. */
static const struct cli_option *s_missing(const struct cli_command *cmd, const struct cli_opts *o)
{
	size_t i;

	for (i = 0; i < cli_noptions; i++) {
		const struct cli_option *opt = &cli_options[i];
		const char *base = (const char *)o + opt->off;

		if (!(opt->required & cmd->bit))
			continue;
		if (opt->kind == CLI_STR && *(const char *const *)base == NULL)
			return opt;
		if (opt->kind == CLI_LIST && ((const struct str_list *)base)->n == 0)
			return opt;
	}
	return NULL;
}

/*
 * --profile and --region are the AWS profile and region, as in every AWS
 * tool, and win over AWS_PROFILE and AWS_REGION. A profile that is in
 * neither AWS file is a usage error before any work, and names
 * --acme-profile: "--profile shortlived" most likely meant the CA's
 * certificate profile, and must not fail later as missing credentials.
 */
static int s_aws_settings(const struct cli_command *cmd, const struct cli_opts *o)
{
	struct aws_profiles p;
	int found;

	if (o->region && !aws_region_valid(o->region)) {
		fprintf(stderr, "aaa %s: --region %s: not an AWS region name (such as eu-west-1)\n",
			cmd->name, o->region);
		return EXIT_USAGE;
	}
	if (o->aws_profile) {
		memset(&p, 0, sizeof(p));
		aws_env_set_cli(o->aws_profile, NULL);
		if (aws_profiles_load(aws_env_process(), &p, NULL) != 0) {
			fprintf(stderr,
				"aaa %s: --profile %s: the AWS config files cannot be read\n",
				cmd->name, o->aws_profile);
			aws_profiles_free(&p);
			return EXIT_USAGE;
		}
		found = aws_profile_exists(&p, o->aws_profile);
		if (!found)
			fprintf(stderr,
				"aaa %s: --profile %s: no such AWS profile in %s or %s (--profile "
				"is the AWS profile, as in the AWS CLI; the CA's certificate "
				"profile is --acme-profile)\n",
				cmd->name, o->aws_profile,
				p.config_path ? p.config_path : "~/.aws/config",
				p.credentials_path ? p.credentials_path : "~/.aws/credentials");
		aws_profiles_free(&p);
		if (!found)
			return EXIT_USAGE;
	}
	aws_env_set_cli(o->aws_profile, o->region);
	return 0;
}

/*
 * Parses the options of one command. Returns 0, EXIT_USAGE after printing
 * the problem, or -1 when --help or --version was printed (exit 0).
 */
static int s_parse(const struct cli_command *cmd, int argc, char **argv, struct cli_opts *o)
{
	struct option lopts[2 * 64 + 1];
	char shorts[3 * 64 + 2], bad[8];
	size_t i, n = 0, ns = 0;
	int c, idx;
	const struct cli_option *missing;

	shorts[ns++] = ':';
	for (i = 0; i < cli_noptions && n + 2 < sizeof(lopts) / sizeof(lopts[0]); i++) {
		const struct cli_option *opt = &cli_options[i];
		const char *names[2] = {opt->name, opt->alias};
		size_t k;

		if (!(opt->cmds & cmd->bit))
			continue;
		for (k = 0; k < 2 && names[k]; k++) {
			lopts[n].name = names[k];
			lopts[n].has_arg = opt->arg ? required_argument : no_argument;
			lopts[n].flag = NULL;
			lopts[n].val = LONG_BASE + (int)i;
			n++;
		}
		if (opt->short_name && ns + 3 < sizeof(shorts)) {
			shorts[ns++] = opt->short_name;
			if (opt->arg)
				shorts[ns++] = ':';
		}
	}
	shorts[ns] = '\0';
	memset(&lopts[n], 0, sizeof(lopts[n]));

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, shorts, lopts, &idx)) != -1) {
		const struct cli_option *opt;
		char *base;

		if (c == ':') {
			fprintf(stderr, "aaa %s: option '%s' needs a value\n", cmd->name,
				s_bad_opt(argc, argv, bad, sizeof(bad)));
			return EXIT_USAGE;
		}
		if (c == '?') {
			fprintf(stderr, "aaa %s: unknown option '%s' (see 'aaa %s --help')\n",
				cmd->name, s_bad_opt(argc, argv, bad, sizeof(bad)), cmd->name);
			return EXIT_USAGE;
		}
		if (c < LONG_BASE)
			c = LONG_BASE + s_short_index(cmd, c);
		if (c < LONG_BASE || (size_t)(c - LONG_BASE) >= cli_noptions)
			return EXIT_USAGE;
		opt = &cli_options[c - LONG_BASE];
		base = (char *)o + opt->off;
		switch (opt->kind) {
		case CLI_HELP:
			s_print_cmd_help(stdout, cmd);
			return -1;
		case CLI_VERSION:
			s_print_version(stdout);
			return -1;
		case CLI_FLAG:
			*(int *)base = 1;
			break;
		case CLI_STR:
		case CLI_LIST:
			if (*optarg == '\0') {
				fprintf(stderr, "aaa %s: option '--%s' needs a non-empty value\n",
					cmd->name, opt->name);
				return EXIT_USAGE;
			}
			if (opt->kind == CLI_STR)
				*(const char **)base = optarg;
			else if (s_list_add((struct str_list *)base, optarg) != 0)
				return EXIT_FAIL;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	for (; optind < argc; optind++) {
		if (!cmd->args || o->args.n >= 1) {
			fprintf(stderr, "aaa %s: unexpected argument '%s' (see 'aaa %s --help')\n",
				cmd->name, argv[optind], cmd->name);
			return EXIT_USAGE;
		}
		if (s_list_add(&o->args, argv[optind]) != 0)
			return EXIT_FAIL;
	}
	/* Environment twins fill what the command line left unset. */
	for (i = 0; i < cli_noptions; i++) {
		const struct cli_option *opt = &cli_options[i];
		const char **field = (const char **)((char *)o + opt->off);
		const char *v;

		if (!(opt->cmds & cmd->bit) || !opt->env || opt->kind != CLI_STR || *field)
			continue;
		v = settings_get(opt->env);
		if (v && *v)
			*field = v;
	}
	if ((missing = s_missing(cmd, o))) {
		fprintf(stderr, "aaa %s: missing --%s %s (see 'aaa %s --help')\n", cmd->name,
			missing->name, missing->arg ? missing->arg : "", cmd->name);
		return EXIT_USAGE;
	}
	if (o->verbose && o->quiet) {
		fprintf(stderr, "aaa %s: -v and -q contradict each other; give one\n", cmd->name);
		return EXIT_USAGE;
	}
	/* -q: errors only; -v: info too (unless a level was asked for). */
	if (o->quiet)
		log_configure(LOG_ERROR, 0, stderr);
	else if (o->verbose && !settings()->log_level && !getenv("AWS_LAMBDA_LOG_LEVEL"))
		log_configure(LOG_INFO, 0, stderr);
	if ((cmd->flags & CLI_CMD_STORE) && !o->store && !o->s3_bucket) {
		fprintf(stderr,
			"aaa %s: missing --s3-bucket BUCKET or --store URL (or AAA_S3_BUCKET, "
			"AAA_STORE)\n",
			cmd->name);
		return EXIT_USAGE;
	}
	if (cmd->args && o->args.n == 0) {
		fprintf(stderr, "aaa %s: missing %s (see 'aaa %s --help')\n", cmd->name, cmd->args,
			cmd->name);
		return EXIT_USAGE;
	}
	return s_aws_settings(cmd, o);
}

/*
 * aaa lambda's handlers read their settings from the environment (the
 * function's configuration); a common flag given on its command line
 * becomes that environment variable, so it is honoured, not ignored.
 */
static int s_export_env(const struct cli_opts *o)
{
	size_t i;

	for (i = 0; i < cli_noptions; i++) {
		const struct cli_option *opt = &cli_options[i];
		const char *v;

		if (!opt->env || opt->kind != CLI_STR)
			continue;
		v = *(const char *const *)((const char *)o + opt->off);
		if (v && setenv(opt->env, v, 1) != 0)
			return -1;
	}
	settings_reload();
	return 0;
}

int cli_main(int argc, char **argv)
{
	struct cli_opts opts;
	const struct cli_command *cmd;
	const char *first;
	int rc;

	memset(&opts, 0, sizeof(opts));
	log_init_from_env();
	/* role_arn profiles in ~/.aws/config need STS to become credentials. */
	sts_install();
	if (argc < 2) {
		s_print_main_help(stderr);
		return EXIT_USAGE;
	}
	first = argv[1];
	if (strcmp(first, "--help") == 0 || strcmp(first, "-h") == 0) {
		s_print_main_help(stdout);
		return EXIT_OK;
	}
	if (strcmp(first, "help") == 0) {
		/* aaa help [COMMAND] */
		if (argc > 2 && (cmd = cli_command_find(argv[2]))) {
			s_print_cmd_help(stdout, cmd);
			return EXIT_OK;
		}
		s_print_main_help(argc > 2 ? stderr : stdout);
		return argc > 2 ? EXIT_USAGE : EXIT_OK;
	}
	if (strcmp(first, "--version") == 0 || strcmp(first, "-V") == 0 ||
	    strcmp(first, "version") == 0) {
		s_print_version(stdout);
		return EXIT_OK;
	}
	cmd = cli_command_find(first);
	if (cmd == NULL) {
		fprintf(stderr, "aaa: unknown command '%s' (see 'aaa --help')\n", first);
		return EXIT_USAGE;
	}
	/* On a terminal the progress lines tell the story; logs are for
	 * warnings unless a level is asked for. The runtime keeps info. */
	if (cmd->bit != C_LAMBDA && !settings()->log_level && !getenv("AWS_LAMBDA_LOG_LEVEL"))
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
