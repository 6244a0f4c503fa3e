/*
 * One function per CLI command; each returns an exit code. They validate
 * their options and call agent/ (or runtime/ for `lambda`).
 */
#ifndef AAA_CLI_COMMANDS_H
#define AAA_CLI_COMMANDS_H

#include <stdio.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "cli/cli.h"

int cmd_reg(const struct cli_opts *opts);
int cmd_authz(const struct cli_opts *opts);
int cmd_cert(const struct cli_opts *opts);
int cmd_ls(const struct cli_opts *opts);
int cmd_sync(const struct cli_opts *opts);
int cmd_revoke(const struct cli_opts *opts);
int cmd_doctor(const struct cli_opts *opts);
int cmd_lambda(const struct cli_opts *opts);
int cmd_renew(const struct cli_opts *opts);
int cmd_completion(const struct cli_opts *opts);
int cmd_manpage(const struct cli_opts *opts);

struct agent;
/* The agent for a command, from its options; NULL after printing why. */
struct agent *cli_agent_open(const char *cmd, const struct cli_opts *opts);
/* A lease owner for jobs run by this process (caller frees). */
char *cli_owner(void);
/* The first live deploy target (acm, iam, elb, elbv2, cloudfront) of
 * targets when the CA is a staging or test one and --allow-staging is not
 * given, else NULL; cli_staging_explain says so and what to do. */
const char *cli_staging_refusal(const struct cli_opts *o, const char *const *targets, size_t n);
void cli_staging_explain(const char *cmd, const struct cli_opts *o, const char *target);
/* aaa ls for people: one row per certificate of the agent_ls JSON. */
void cli_ls_table(FILE *out, const cJSON *ls, time_t now);

#endif
