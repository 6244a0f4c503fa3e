/*
 * Command bodies: map the options onto agent/, print the result, and turn
 * failures into one line on stderr and exit status 1.
 */
#define _GNU_SOURCE
#include "cli/commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "agent/account.h"
#include "agent/agent.h"
#include "handlers/handlers.h"
#include "agent/issue.h"
#include "agent/job.h"
#include "agent/ops.h"
#include "agent/certs.h"
#include "json/json.h"
#include "runtime/runtime.h"
#include "store/keys.h"
#include "util/mem.h"

static void s_config(const struct cli_opts *o, struct agent_config *c)
{
	memset(c, 0, sizeof(*c));
	c->store_url = o->store;
	c->s3_bucket = o->s3_bucket;
	c->kms_key_id = o->s3_kms_key;
	c->directory = o->directory;
	c->email = o->email;
	c->eab_kid = o->eab_kid;
	c->eab_hmac = o->eab_hmac_key;
	c->account_key = o->account_key;
	c->preferred_chain = o->preferred_chain;
	c->zone_roles = o->zone_roles.items;
	c->nzone_roles = o->zone_roles.n;
	c->zone_ids = o->zone_ids.items;
	c->nzone_ids = o->zone_ids.n;
	c->progress = stderr;
	c->renew_before_days = agent_env_days("AAA_RENEW_BEFORE_DAYS");
}

static struct agent *s_open(const char *cmd, const struct cli_opts *o)
{
	struct agent_config c;
	struct agent *a;
	char *err = NULL;

	s_config(o, &c);
	if (!(a = agent_open(&c, &err)))
		fprintf(stderr, "aaa %s: %s\n", cmd, err ? err : "cannot start");
	free(err);
	return a;
}

static int s_fail(const char *cmd, struct agent *a)
{
	fprintf(stderr, "aaa %s: %s\n", cmd, a->error[0] ? a->error : "failed (see above)");
	agent_free(a);
	return EXIT_FAIL;
}

static void s_print_json(const cJSON *j)
{
	char *text = cJSON_Print(j);

	if (text)
		printf("%s\n", text);
	free(text);
}

int cmd_reg(const struct cli_opts *opts)
{
	struct agent *a = s_open("reg", opts);
	cJSON *out;
	int created = 0;

	if (!a)
		return EXIT_FAIL;
	if ((opts->eab_kid == NULL) != (opts->eab_hmac_key == NULL)) {
		fprintf(stderr, "aaa reg: --eab-kid and --eab-hmac-key go together\n");
		agent_free(a);
		return EXIT_USAGE;
	}
	if (agent_account_register(a, opts->agree, &created) != 0)
		return s_fail("reg", a);
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "account", a->acme->kid);
	cJSON_AddStringToObject(out, "directory", a->directory_url);
	json_add_str_opt(out, "email", a->account_email);
	cJSON_AddBoolToObject(out, "created", created);
	s_print_json(out);
	cJSON_Delete(out);
	agent_free(a);
	return EXIT_OK;
}

/* The certificate's names: --cn first, then each --domain not equal to it. */
static const char **s_names(const struct cli_opts *o, size_t *n)
{
	const char **names = calloc(o->domains.n + 1, sizeof(*names));
	size_t i;

	*n = 0;
	if (!names)
		return NULL;
	if (o->cn)
		names[(*n)++] = o->cn;
	for (i = 0; i < o->domains.n; i++)
		if (!o->cn || strcasecmp(o->domains.items[i], o->cn) != 0)
			names[(*n)++] = o->domains.items[i];
	return names;
}

static char *s_owner(void)
{
	char host[128] = "host";

	gethostname(host, sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	return str_printf("cli-%s-%ld", host, (long)getpid());
}

/* cert and authz: one job, run here to the end. */
static int s_issue(const char *cmd, const struct cli_opts *opts, int authz_only)
{
	struct agent *a = NULL;
	struct job_request req = {0};
	struct issue_opts io = {0};
	struct job job = {0};
	const char **names = NULL;
	char *owner = NULL;
	cJSON *out = NULL;
	size_t n = 0;
	int existing = 0, rc = EXIT_FAIL;
	enum issue_result res;

	if (!(names = s_names(opts, &n)))
		goto out;
	if (n == 0) {
		fprintf(stderr, "aaa %s: give the names: %s\n", cmd,
			authz_only ? "--domain NAME..." : "--cn NAME [--domain NAME...]");
		rc = EXIT_USAGE;
		goto out;
	}
	if (authz_only && opts->challenge && strcmp(opts->challenge, "dns-01") != 0) {
		fprintf(stderr, "aaa authz: --challenge %s: only dns-01 is supported\n",
			opts->challenge);
		rc = EXIT_USAGE;
		goto out;
	}
	if (!(a = s_open(cmd, opts)))
		goto out;
	req.names = names;
	req.nnames = n;
	req.key_type = opts->key_type;
	req.create_key = opts->create_key;
	req.acme_profile = opts->acme_profile;
	req.deploy = opts->deploy.items;
	req.ndeploy = opts->deploy.n;
	if (!(owner = s_owner()) || job_create(a, &req, &job, &existing) != 0) {
		rc = s_fail(cmd, a);
		a = NULL;
		goto out;
	}
	io.owner = owner;
	io.authz_only = authz_only;
	res = issue_run(a, &job, &io);
	if (res != ISSUE_DONE) {
		rc = s_fail(cmd, a);
		a = NULL;
		goto out;
	}
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "job", job_id(&job));
	cJSON_AddStringToObject(out, "state", json_str(job.doc, "state"));
	cJSON_AddItemToObject(out, "names", cJSON_Duplicate(json_arr(job.doc, "names"), 1));
	if (!authz_only) {
		/* The one certificate's summary, as aaa ls shows it (one read, not a
		 * listing of the whole store). */
		cJSON *meta = NULL;

		if (agent_meta_load(a, names[0], &meta) == 0)
			cJSON_AddItemToObject(out, "certificate", agent_cert_summary(meta));
		cJSON_Delete(meta);
		if (json_arr(job.doc, "deployed"))
			cJSON_AddItemToObject(out, "deployed",
					      cJSON_Duplicate(json_arr(job.doc, "deployed"), 1));
	}
	s_print_json(out);
	rc = EXIT_OK;
out:
	cJSON_Delete(out);
	job_clear(&job);
	free(names);
	free(owner);
	agent_free(a);
	return rc;
}

int cmd_authz(const struct cli_opts *opts)
{
	return s_issue("authz", opts, 1);
}

int cmd_cert(const struct cli_opts *opts)
{
	return s_issue("cert", opts, 0);
}

int cmd_ls(const struct cli_opts *opts)
{
	struct agent *a = s_open("ls", opts);
	cJSON *out;

	if (!a)
		return EXIT_FAIL;
	if (!(out = agent_ls(a)))
		return s_fail("ls", a);
	s_print_json(out);
	cJSON_Delete(out);
	agent_free(a);
	return EXIT_OK;
}

static const char *s_one_domain(const char *cmd, const struct cli_opts *opts)
{
	if (opts->domains.n != 1) {
		fprintf(stderr, "aaa %s: give exactly one --domain (the certificate's name)\n",
			cmd);
		return NULL;
	}
	return opts->domains.items[0];
}

int cmd_sync(const struct cli_opts *opts)
{
	const char *name = s_one_domain("sync", opts);
	struct agent *a = NULL;
	char *dir = NULL;
	cJSON *out;
	int changed = 0, rc = EXIT_FAIL;

	if (!name)
		return EXIT_USAGE;
	/* Without --dir, a folder named after the certificate in the current
	 * directory, where the original aaa's sync wrote. */
	if (opts->dir)
		dir = str_dup(opts->dir);
	else if (!(dir = store_cert_name_encode(name))) {
		fprintf(stderr, "aaa sync: --domain %s: not a DNS name\n", name);
		return EXIT_USAGE;
	}
	if (!dir || !(a = s_open("sync", opts)))
		goto out;
	if (agent_sync(a, name, dir, opts->post_hook, &changed) != 0) {
		rc = s_fail("sync", a);
		a = NULL;
		goto out;
	}
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "domain", name);
	cJSON_AddStringToObject(out, "dir", dir);
	cJSON_AddBoolToObject(out, "changed", changed);
	s_print_json(out);
	cJSON_Delete(out);
	rc = EXIT_OK;
out:
	agent_free(a);
	free(dir);
	return rc;
}

int cmd_revoke(const struct cli_opts *opts)
{
	const char *name = s_one_domain("revoke", opts);
	struct agent *a;
	cJSON *out;

	if (!name)
		return EXIT_USAGE;
	if (!(a = s_open("revoke", opts)))
		return EXIT_FAIL;
	if (agent_revoke(a, name, opts->reason) != 0)
		return s_fail("revoke", a);
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "domain", name);
	cJSON_AddBoolToObject(out, "revoked", 1);
	s_print_json(out);
	cJSON_Delete(out);
	agent_free(a);
	return EXIT_OK;
}

int cmd_lambda(const struct cli_opts *opts)
{
	(void)opts;
	return runtime_main(&agent_handlers);
}
