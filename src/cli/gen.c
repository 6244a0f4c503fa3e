/*
 * aaa completion bash|zsh and aaa manpage: shell completion scripts and the
 * manual page, written from the option and command tables the parser uses
 * (cli/table.c), so none of them can name an option the parser does not
 * take or miss one it does. `make install` writes their output to the
 * usual places.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/table.h"
#include "crypto/key.h"
#include "util/buf.h"
#include "version.h"

/* The completion words of an option's value: the table's words, or the
 * names of a table-backed list ("@keytypes", "@reasons"; cli_values_join). */
static void s_words(struct buf *b, const char *values)
{
	char words[256];

	if (cli_values_join(values, words, sizeof(words), " ", " ") == 0)
		buf_append_str(b, words);
	else if (values && values[0] != '@')
		buf_append_str(b, values);
}

static int s_is_path(const char *values, const char *kind)
{
	return values && strcmp(values, kind) == 0;
}

/* ---- bash ---- */

static void s_bash_opt_names(FILE *out, const struct cli_option *o)
{
	if (o->short_name)
		fprintf(out, " -%c", o->short_name);
	fprintf(out, " --%s", o->name);
	if (o->alias)
		fprintf(out, " --%s", o->alias);
}

static void s_bash_command(FILE *out, const struct cli_command *cmd)
{
	struct buf w = BUF_INIT;
	size_t i;
	int any_value = 0;

	fprintf(out, "\t%s)\n\t\tcase \"$prev\" in\n", cmd->name);
	for (i = 0; i < cli_noptions; i++) {
		const struct cli_option *o = &cli_options[i];

		if (!(o->cmds & cmd->bit) || !o->arg)
			continue;
		if (o->short_name)
			fprintf(out, "\t\t-%c|", o->short_name);
		else
			fprintf(out, "\t\t");
		fprintf(out, "--%s%s%s)\n", o->name, o->alias ? "|--" : "",
			o->alias ? o->alias : "");
		if (s_is_path(o->values, "@dir")) {
			fprintf(out, "\t\t\tCOMPREPLY=($(compgen -d -- \"$cur\"))\n");
		} else if (s_is_path(o->values, "@file")) {
			fprintf(out, "\t\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n");
		} else {
			buf_reset(&w);
			s_words(&w, o->values);
			if (w.len)
				fprintf(out, "\t\t\tCOMPREPLY=($(compgen -W \"%s\" -- \"$cur\"))\n",
					w.data);
		}
		fprintf(out, "\t\t\treturn 0\n\t\t\t;;\n");
		any_value = 1;
	}
	if (!any_value)
		fprintf(out, "\t\tNONE_) ;;\n");
	fprintf(out, "\t\tesac\n\t\tCOMPREPLY=($(compgen -W \"");
	for (i = 0; i < cli_noptions; i++)
		if (cli_options[i].cmds & cmd->bit)
			s_bash_opt_names(out, &cli_options[i]);
	if (cmd->values)
		fprintf(out, " %s", cmd->values);
	fprintf(out, "\" -- \"$cur\"))\n\t\t;;\n");
	buf_free(&w);
}

static void s_bash(FILE *out)
{
	size_t i;

	fprintf(out,
		"# bash completion for aaa %s, made by `aaa completion bash` from the\n"
		"# option table its parser uses.\n"
		"_aaa() {\n"
		"\tlocal cur prev\n"
		"\tCOMPREPLY=()\n"
		"\tcur=\"${COMP_WORDS[COMP_CWORD]}\"\n"
		"\tprev=\"${COMP_WORDS[COMP_CWORD - 1]}\"\n"
		"\tif [ \"$COMP_CWORD\" -eq 1 ]; then\n"
		"\t\tCOMPREPLY=($(compgen -W \"",
		AAA_VERSION);
	for (i = 0; i < cli_ncommands; i++)
		fprintf(out, "%s ", cli_commands[i].name);
	fprintf(out, "help -h --help -V --version\" -- \"$cur\"))\n"
		     "\t\treturn 0\n"
		     "\tfi\n"
		     "\tcase \"${COMP_WORDS[1]}\" in\n");
	for (i = 0; i < cli_ncommands; i++)
		s_bash_command(out, &cli_commands[i]);
	fprintf(out, "\thelp)\n\t\tCOMPREPLY=($(compgen -W \"");
	for (i = 0; i < cli_ncommands; i++)
		fprintf(out, "%s ", cli_commands[i].name);
	fprintf(out, "\" -- \"$cur\"))\n\t\t;;\n"
		     "\tesac\n"
		     "\treturn 0\n"
		     "}\n"
		     "complete -F _aaa aaa\n");
}

/* ---- zsh ---- */

/* Text inside a single-quoted zsh word, with _arguments' own specials
 * ([, ], :) escaped. */
static void s_zsh_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", out);
		else if (*s == '[' || *s == ']' || *s == ':')
			fprintf(out, "\\%c", *s);
		else
			fputc(*s, out);
	}
}

static void s_zsh_option(FILE *out, const struct cli_option *o)
{
	const char *suffix = o->arg ? "=" : "";
	struct buf w = BUF_INIT;
	char *help = cli_option_help(o);

	fputs("\t\t\t", out);
	/* Repeatable options may come again; the others exclude their other
	 * spellings once given. */
	if (o->kind == CLI_LIST) {
		fputs("'*'", out);
	} else if (o->short_name || o->alias) {
		fputs("'(", out);
		if (o->short_name)
			fprintf(out, "-%c ", o->short_name);
		fprintf(out, "--%s", o->name);
		if (o->alias)
			fprintf(out, " --%s", o->alias);
		fputs(")'", out);
	}
	if (o->kind == CLI_HELP || o->kind == CLI_VERSION)
		fputs("'(- *)'", out);
	if (o->short_name || o->alias) {
		fputc('{', out);
		if (o->short_name)
			fprintf(out, "-%c%s,", o->short_name, o->arg ? "+" : "");
		fprintf(out, "--%s%s", o->name, suffix);
		if (o->alias)
			fprintf(out, ",--%s%s", o->alias, suffix);
		fputc('}', out);
	} else {
		fprintf(out, "--%s%s", o->name, suffix);
	}
	fputs("'[", out);
	s_zsh_text(out, help ? help : o->help);
	fputc(']', out);
	if (o->arg) {
		fputc(':', out);
		s_zsh_text(out, o->arg);
		fputc(':', out);
		if (s_is_path(o->values, "@dir")) {
			fputs("_files -/", out);
		} else if (s_is_path(o->values, "@file")) {
			fputs("_files", out);
		} else {
			s_words(&w, o->values);
			if (w.len) {
				fputc('(', out);
				s_zsh_text(out, w.data);
				fputc(')', out);
			} else {
				fputc(' ', out);
			}
		}
	}
	fputs("' \\\n", out);
	buf_free(&w);
	free(help);
}

static void s_zsh(FILE *out)
{
	size_t i, j;

	fprintf(out,
		"#compdef aaa\n"
		"# zsh completion for aaa %s, made by `aaa completion zsh` from the\n"
		"# option table its parser uses.\n"
		"_aaa() {\n"
		"\tlocal curcontext=\"$curcontext\" state line ret=1\n"
		"\ttypeset -A opt_args\n"
		"\tlocal -a aaa_commands\n"
		"\taaa_commands=(\n",
		AAA_VERSION);
	for (i = 0; i < cli_ncommands; i++) {
		fprintf(out, "\t\t'%s:", cli_commands[i].name);
		s_zsh_text(out, cli_commands[i].summary);
		fputs("'\n", out);
	}
	fprintf(out, "\t)\n"
		     "\t_arguments -C \\\n"
		     "\t\t'(- *)'{-h,--help}'[show help]' \\\n"
		     "\t\t'(- *)'{-V,--version}'[show the version]' \\\n"
		     "\t\t'1:command:->command' \\\n"
		     "\t\t'*::argument:->argument' && ret=0\n"
		     "\tcase $state in\n"
		     "\t(command)\n"
		     "\t\t_describe -t commands 'aaa command' aaa_commands && ret=0\n"
		     "\t\t;;\n"
		     "\t(argument)\n"
		     "\t\tcurcontext=\"${curcontext%%:*:*}:aaa-$words[1]:\"\n"
		     "\t\tcase $words[1] in\n");
	for (i = 0; i < cli_ncommands; i++) {
		const struct cli_command *cmd = &cli_commands[i];

		fprintf(out, "\t\t(%s)\n\t\t\t_arguments -s -S \\\n", cmd->name);
		for (j = 0; j < cli_noptions; j++)
			if (cli_options[j].cmds & cmd->bit)
				s_zsh_option(out, &cli_options[j]);
		if (cmd->values)
			fprintf(out, "\t\t\t'1:%s:(%s)' \\\n", cmd->args, cmd->values);
		fprintf(out, "\t\t\t&& ret=0\n\t\t\t;;\n");
	}
	fprintf(out, "\t\t(help)\n"
		     "\t\t\t_describe -t commands 'aaa command' aaa_commands && ret=0\n"
		     "\t\t\t;;\n"
		     "\t\tesac\n"
		     "\t\t;;\n"
		     "\tesac\n"
		     "\treturn ret\n"
		     "}\n"
		     "_aaa \"$@\"\n");
}

int cmd_completion(const struct cli_opts *opts)
{
	const char *shell = opts->args.items[0];

	if (strcmp(shell, "bash") == 0)
		s_bash(stdout);
	else if (strcmp(shell, "zsh") == 0)
		s_zsh(stdout);
	else {
		fprintf(stderr, "aaa completion: unknown shell '%s': use bash or zsh\n", shell);
		return EXIT_USAGE;
	}
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
}

/* ---- man page ---- */

/* roff text: a leading '.' or '\'' would be a request, '\' an escape, and
 * '-' must be \- to stay a minus (and searchable) in the output. */
static void s_roff(FILE *out, const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", out);
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", out);
		else if (*s == '-')
			fputs("\\-", out);
		else
			fputc(*s, out);
	}
}

static void s_man_option(FILE *out, const struct cli_option *o, const struct cli_command *cmd)
{
	char *label = cli_option_label(o), *help = cli_option_help(o);

	fputs(".TP\n.B ", out);
	s_roff(out, label ? label : o->name);
	fputc('\n', out);
	s_roff(out, help ? help : o->help);
	if (cmd && (o->required & cmd->bit))
		fputs(" (required)", out);
	if (o->env) {
		fputs("; environment: ", out);
		s_roff(out, o->env);
	}
	fputs(".\n", out);
	free(label);
	free(help);
}

/* Options every command takes go once, under COMMON OPTIONS. */
static int s_common(const struct cli_option *o)
{
	return (o->cmds & C_ALL) == C_ALL;
}

int cmd_manpage(const struct cli_opts *opts)
{
	FILE *out = stdout;
	size_t i, j;

	(void)opts;
	fprintf(out, ".TH AAA 1 \"\" \"aaa %s\" \"User Commands\"\n", AAA_VERSION);
	fputs(".SH NAME\naaa \\- ACME Agent for AWS: TLS certificates for names in Route53, "
	      "kept in S3 with KMS\n"
	      ".SH SYNOPSIS\n",
	      out);
	for (i = 0; i < cli_ncommands; i++) {
		char *syn = cli_synopsis(&cli_commands[i]);

		fputs(".br\n", out);
		s_roff(out, syn ? syn : cli_commands[i].name);
		fputc('\n', out);
		free(syn);
	}
	fputs(".br\naaa \\-h | \\-\\-help | \\-V | \\-\\-version\n"
	      ".SH DESCRIPTION\n"
	      "aaa gets and renews TLS certificates from any ACME CA for names whose DNS is in "
	      "Route53 (DNS\\-01), keeps every secret in S3 encrypted with KMS (or in a folder), "
	      "and deploys certificates to ACM, IAM, ELB, CloudFront or files.\n"
	      "Every option takes its value as \\fB\\-\\-flag value\\fR or "
	      "\\fB\\-\\-flag=value\\fR.\n"
	      ".SH COMMANDS\n",
	      out);
	for (i = 0; i < cli_ncommands; i++) {
		const struct cli_command *cmd = &cli_commands[i];

		fputs(".SS ", out);
		s_roff(out, cmd->name);
		fputc('\n', out);
		s_roff(out, cmd->summary);
		fputs(".\n", out);
		for (j = 0; j < cli_noptions; j++)
			if ((cli_options[j].cmds & cmd->bit) && !s_common(&cli_options[j]))
				s_man_option(out, &cli_options[j], cmd);
	}
	fputs(".SH COMMON OPTIONS\nEvery command accepts these and ignores what it does not "
	      "need.\n",
	      out);
	for (j = 0; j < cli_noptions; j++)
		if (s_common(&cli_options[j]))
			s_man_option(out, &cli_options[j], NULL);
	fputs(".SH ENVIRONMENT\n", out);
	for (j = 0; j < cli_noptions; j++) {
		if (!cli_options[j].env)
			continue;
		fputs(".TP\n.B ", out);
		s_roff(out, cli_options[j].env);
		fputs("\nthe value of \\fB\\-\\-", out);
		s_roff(out, cli_options[j].name);
		fputs("\\fR when it is not given.\n", out);
	}
	fputs(".TP\n.B AWS_PROFILE, AWS_REGION, AWS_ACCESS_KEY_ID, ...\n"
	      "AWS credentials and region, as every AWS tool reads them.\n"
	      ".SH EXIT STATUS\n"
	      "0 ok; 1 failure (bad names, CA or AWS errors); 2 usage error (unknown command or "
	      "option, a missing value or a missing required option).\n"
	      ".SH FILES\n"
	      "In the store: aaa\\-data/v1/accounts/, aaa\\-data/v1/certs/NAME/{meta.json, "
	      "privkey.pem, cert.pem, chain.pem, fullchain.pem}, aaa\\-data/v1/index.json.\n",
	      out);
	return fflush(out) == 0 ? EXIT_OK : EXIT_FAIL;
}
