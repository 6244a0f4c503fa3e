/*
 * Command bodies. Until a command's feature lands it says so plainly and
 * exits 1: a tool that pretends to have issued a certificate is worse than
 * one that refuses.
 */
#include "cli/commands.h"

#include <stdio.h>

#include "runtime/runtime.h"

static int s_not_built(const char *name, const char *issue)
{
	fprintf(stderr,
		"aaa %s: not built yet in this version (%s); see the status table in README.md\n",
		name, issue);
	return EXIT_FAIL;
}

int cmd_reg(const struct cli_opts *opts)
{
	(void)opts;
	return s_not_built("reg", "ACME client");
}

int cmd_authz(const struct cli_opts *opts)
{
	(void)opts;
	return s_not_built("authz", "ACME client");
}

int cmd_cert(const struct cli_opts *opts)
{
	(void)opts;
	return s_not_built("cert", "ACME client");
}

int cmd_ls(const struct cli_opts *opts)
{
	(void)opts;
	return s_not_built("ls", "ACME client");
}

int cmd_sync(const struct cli_opts *opts)
{
	(void)opts;
	return s_not_built("sync", "ACME client");
}

int cmd_revoke(const struct cli_opts *opts)
{
	(void)opts;
	return s_not_built("revoke", "ACME client");
}

int cmd_lambda(const struct cli_opts *opts)
{
	(void)opts;
	return runtime_main(&rt_stub_handlers);
}
