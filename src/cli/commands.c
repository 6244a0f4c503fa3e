/*
 * Command bodies: map the options onto agent/, print the result, and turn
 * failures into one line on stderr and exit status 1.
 */
#define _GNU_SOURCE
#include "cli/commands.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "agent/account.h"
#include "agent/agent.h"
#include "config/settings.h"
#include "handlers/handlers.h"
#include "agent/issue.h"
#include "agent/job.h"
#include "agent/ops.h"
#include "agent/certs.h"
#include "crypto/names.h"
#include "json/json.h"
#include "log/log.h"
#include "runtime/runtime.h"
#include "store/keys.h"
#include "util/buf.h"
#include "util/cancel.h"
#include "util/mem.h"

/*
 * The first line of the file at path into buf (size bytes): how a secret
 * reaches aaa without a command line, where /proc/PID/cmdline shows it.
 * NULL with err set (source "input": "LABEL cannot be read", "LABEL is
 * empty") on failure.
 */
static const char *s_secret_file(const char *path, const char *label, char *buf, size_t size,
				 struct aaa_err *err)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f) {
		err_set(err, "input", "", "%s %s cannot be read: %s", label, path, strerror(errno));
		return NULL;
	}
	n = fread(buf, 1, size - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (!buf[0]) {
		err_set(err, "input", "", "%s %s is empty", label, path);
		return NULL;
	}
	return buf;
}

/*
 * The EAB HMAC key without putting it on a command line:
 * AAA_EAB_HMAC_KEY, or the first line of the file AAA_EAB_HMAC_KEY_FILE
 * names; --eab-hmac-key still wins. NULL when none is set; NULL and err
 * set when the file cannot be read (err is cleared first).
 */
static char s_eab_buf[1024];

static const char *s_eab_hmac(const struct cli_opts *o, struct aaa_err *err)
{
	const char *v = settings()->eab_hmac_key, *path = settings()->eab_hmac_key_file;

	err_clear(err);
	if (o->eab_hmac_key)
		return o->eab_hmac_key;
	if (v && *v)
		return v;
	if (!path || !*path)
		return NULL;
	return s_secret_file(path, "AAA_EAB_HMAC_KEY_FILE", s_eab_buf, sizeof(s_eab_buf), err);
}

static void s_config(const struct cli_opts *o, struct agent_config *c)
{
	struct aaa_err err;

	memset(c, 0, sizeof(*c));
	c->store_url = o->store;
	c->s3_bucket = o->s3_bucket;
	c->kms_key_id = o->s3_kms_key;
	c->directory = o->directory;
	c->email = o->email;
	c->eab_kid = o->eab_kid;
	c->eab_hmac = s_eab_hmac(o, &err);
	c->account_key = o->account_key;
	c->preferred_chain = o->preferred_chain;
	c->zone_roles = o->zone_roles.items;
	c->nzone_roles = o->zone_roles.n;
	c->zone_ids = o->zone_ids.items;
	c->nzone_ids = o->zone_ids.n;
	/* Progress lines are for people watching: on a terminal, or with -v;
	 * never with -q. */
	c->progress = o->quiet ? NULL : (o->verbose || isatty(STDERR_FILENO)) ? stderr : NULL;
	c->renew_before_days = agent_renew_before_days();
}

static struct agent *s_open(const char *cmd, const struct cli_opts *o)
{
	struct agent_config c;
	struct agent *a;
	struct aaa_err err;

	s_config(o, &c);
	if (!(a = agent_open(&c, &err)))
		fprintf(stderr, "aaa %s: %s\n", cmd,
			err_is_set(&err) ? err.message : "cannot start");
	return a;
}

static int s_fail(const char *cmd, struct agent *a)
{
	/* The message may quote the CA or AWS: escaped, like every log line. */
	char *safe = log_escape(a->err.message[0] ? a->err.message : "failed (see above)");

	fprintf(stderr, "aaa %s: %s\n", cmd, safe ? safe : "failed");
	free(safe);
	agent_free(a);
	return EXIT_FAIL;
}

static void s_print_json(const cJSON *j)
{
	char *text = json_print_pretty(j);

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
	struct aaa_err eab_err;
	const char *hmac = s_eab_hmac(opts, &eab_err);

	if (err_is_set(&eab_err)) {
		fprintf(stderr, "aaa reg: %s\n", eab_err.message);
		agent_free(a);
		return EXIT_USAGE;
	}
	if ((opts->eab_kid == NULL) != (hmac == NULL)) {
		fprintf(stderr, "aaa reg: --eab-kid and the HMAC key (AAA_EAB_HMAC_KEY, "
				"AAA_EAB_HMAC_KEY_FILE or --eab-hmac-key) go together\n");
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

/*
 * The CLI's idempotency key: its normalized names (the first, then the
 * rest sorted), so a run killed with SIGKILL is found and finished by the
 * next run for the same names instead of leaving its records and order.
 */
static int s_cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static char *s_cli_key(const char *cmd, const char **names, size_t n)
{
	char **v = calloc(n ? n : 1, sizeof(*v));
	struct buf b = BUF_INIT;
	char *out = NULL;
	size_t i;

	if (!v)
		return NULL;
	for (i = 0; i < n; i++) {
		if (!(v[i] = str_dup(names[i])))
			goto out;
		name_normalize(v[i]);
	}
	if (n > 1)
		qsort(v + 1, n - 1, sizeof(*v), s_cmp_str);
	buf_append_str(&b, "cli ");
	buf_append_str(&b, cmd);
	for (i = 0; i < n; i++) {
		buf_append_str(&b, "\n");
		buf_append_str(&b, v[i]);
	}
	out = buf_steal(&b);
out:
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
	buf_free(&b);
	return out;
}

/*
 * A job left by a killed aaa on this host (its lease owner cli-<host>-<pid>
 * names a process that is gone) is adopted: its lease is dropped here, so
 * issue_run takes it over and finishes or cleans it.
 */
static void s_adopt(struct job *job, const char *owner)
{
	const char *who = json_str(json_obj(job->doc, "lease"), "owner");
	const char *dash;
	char *end = NULL;
	long pid;

	if (!who || strcmp(who, owner) == 0 || strncmp(who, owner, strlen("cli-")) != 0)
		return;
	dash = strrchr(who, '-');
	if (!dash || (size_t)(dash - who) != (size_t)(strrchr(owner, '-') - owner) ||
	    strncmp(who, owner, (size_t)(dash - who)) != 0)
		return;
	pid = strtol(dash + 1, &end, 10);
	if (!end || *end || pid <= 0 || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
		return;
	fprintf(stderr,
		"aaa: job %s was left unfinished by a killed aaa (pid %ld); taking it over\n",
		job_id(job), pid);
	cJSON_DeleteItemFromObjectCaseSensitive(job->doc, "lease");
}

static void s_on_signal(int sig)
{
	cancel_request(sig);
	/* A second one ends the process the default way. */
	signal(sig, SIG_DFL);
}

static void s_catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = s_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
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
	const char *staging = NULL;
	struct agent *a = NULL;
	struct job_request req = {0};
	struct issue_opts io = {0};
	struct job job = {0};
	const char **names = NULL;
	char *owner = NULL, *key = NULL;
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
	/* Before anything is opened or ordered. */
	if (!authz_only &&
	    (staging = cli_staging_refusal(opts, opts->deploy.items, opts->deploy.n))) {
		cli_staging_explain(cmd, opts, staging);
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
	req.replace_finished = 1;
	if (!(req.idempotency_key = key = s_cli_key(cmd, names, n)) || !(owner = s_owner()) ||
	    job_create(a, &req, &job, &existing) != 0) {
		rc = s_fail(cmd, a);
		a = NULL;
		goto out;
	}
	if (existing)
		s_adopt(&job, owner);
	io.owner = owner;
	io.authz_only = authz_only;
	/* Ctrl-C or SIGTERM: the job stops at its next wait and removes its
	 * records before we exit. */
	s_catch_signals();
	res = issue_run(a, &job, &io);
	if (res == ISSUE_BUSY && !a->err.message[0])
		agent_fail(a, "input", "",
			   "job %s for these names is being run by another aaa (%s); try again "
			   "when it ends",
			   job_id(&job),
			   json_str(json_obj(job.doc, "lease"), "owner")
			       ? json_str(json_obj(job.doc, "lease"), "owner")
			       : "busy");
	if (res != ISSUE_DONE) {
		int sig = cancel_requested();

		rc = s_fail(cmd, a);
		a = NULL;
		if (sig)
			rc = 128 + sig;
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
	free(key);
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
	/* People on a terminal get a table; --json and every pipe get the
	 * original aaa's JSON. */
	if (!opts->json && isatty(STDOUT_FILENO))
		cli_ls_table(stdout, out, time(NULL));
	else
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

/* --format: 0 and *f, or -1 for a word it does not know. */
static int s_sync_format(const char *w, enum agent_sync_format *f)
{
	if (w == NULL || strcmp(w, "pem") == 0)
		*f = AGENT_SYNC_PEM;
	else if (strcmp(w, "combined") == 0)
		*f = AGENT_SYNC_COMBINED;
	else if (strcmp(w, "pkcs12") == 0)
		*f = AGENT_SYNC_PKCS12;
	else
		return -1;
	return 0;
}

int cmd_sync(const struct cli_opts *opts)
{
	const char *name = s_one_domain("sync", opts);
	struct agent *a = NULL;
	enum agent_sync_format format;
	const char *password = NULL;
	struct aaa_err err;
	char pw_buf[1024];
	char *dir = NULL;
	cJSON *out;
	int changed = 0, rc = EXIT_FAIL;

	if (!name)
		return EXIT_USAGE;
	if (s_sync_format(opts->format, &format) != 0) {
		fprintf(stderr, "aaa sync: --format %s: expected pem, combined or pkcs12\n",
			opts->format);
		return EXIT_USAGE;
	}
	/* The PKCS#12 password never comes from argv: a file, else the environment. */
	err_clear(&err);
	if (format == AGENT_SYNC_PKCS12) {
		if (opts->pkcs12_password_file)
			password =
			    s_secret_file(opts->pkcs12_password_file, "--pkcs12-password-file",
					  pw_buf, sizeof(pw_buf), &err);
		else
			password = settings()->pkcs12_password;
		if (err_is_set(&err)) {
			fprintf(stderr, "aaa sync: %s\n", err.message);
			return EXIT_FAIL;
		}
		if (!password || !*password) {
			fprintf(stderr, "aaa sync: --format pkcs12 needs a password: "
					"AAA_PKCS12_PASSWORD or --pkcs12-password-file FILE\n");
			return EXIT_USAGE;
		}
	}
	/* Without --dir, a folder named after the certificate in the current
	 * directory, where the original aaa's sync wrote. */
	if (opts->dir)
		dir = str_dup(opts->dir);
	else if (!(dir = store_cert_name_encode(name))) {
		fprintf(stderr, "aaa sync: --domain %s: not a DNS name\n", name);
		rc = EXIT_USAGE;
		goto out;
	}
	if (!dir || !(a = s_open("sync", opts)))
		goto out;
	if (agent_sync(a, name, dir, opts->post_hook, format, password, &changed) != 0) {
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
	mem_wipe(pw_buf, sizeof(pw_buf));
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

struct agent *cli_agent_open(const char *cmd, const struct cli_opts *opts)
{
	return s_open(cmd, opts);
}

char *cli_owner(void)
{
	return s_owner();
}
