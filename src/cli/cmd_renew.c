/*
 * aaa renew: what `certbot renew` and `lego renew` do, by the scheduler's
 * own rule (agent/renew.c): every stored certificate (or those named with
 * --domain) that is due is renewed with its stored names, key type, ACME
 * profile and deploy targets; one line per certificate on stdout says why
 * it was or was not renewed. Exit 0 when nothing is due, and when every
 * renewal worked; 1 when one failed (the others still run).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "agent/agent.h"
#include "agent/certs.h"
#include "agent/issue.h"
#include "agent/job.h"
#include "agent/renew.h"
#include "cli/commands.h"
#include "crypto/hash.h"
#include "json/json.h"
#include "store/index.h"
#include "store/keys.h"

#define MAX_RANDOM_DELAY_S 86400L

/* --random-delay: whole seconds, 0..one day. -1 when it is not. */
static long s_delay_arg(const char *s)
{
	char *end = NULL;
	long v;

	if (!s)
		return 0;
	v = strtol(s, &end, 10);
	return (*s && *end == '\0' && v >= 0 && v <= MAX_RANDOM_DELAY_S) ? v : -1;
}

/* The index entry named name (any case), or NULL. */
static const cJSON *s_entry(const cJSON *certs, const char *name)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, certs)
	{
		if (strcasecmp(it->string, name) == 0)
			return it;
	}
	return NULL;
}

static int s_selected(const struct cli_opts *o, const char *name)
{
	size_t i;

	if (o->domains.n == 0)
		return 1;
	for (i = 0; i < o->domains.n; i++)
		if (strcasecmp(o->domains.items[i], name) == 0)
			return 1;
	return 0;
}

/* Renews one certificate to the end; 0, or -1 with a->err.message. */
static int s_renew_one(struct agent *a, const char *name, const char *owner)
{
	struct renew_request rr;
	struct issue_opts io = {0};
	struct job job = {0};
	cJSON *extra = cJSON_CreateObject();
	int existing = 0, rc = -1, r;

	r = renew_request_prepare(a, name, &rr);
	if (r != 0 || !extra) {
		if (r > 0)
			agent_fail(a, "input", "", "no stored certificate %s", name);
		goto out;
	}
	cJSON_AddBoolToObject(extra, "renewal", 1);
	cJSON_AddStringToObject(extra, "action", "renew");
	rr.req.extra = extra;
	if (job_create(a, &rr.req, &job, &existing) != 0)
		goto out;
	io.owner = owner;
	if (issue_run(a, &job, &io) == ISSUE_DONE)
		rc = 0;
	else if (!a->err.message[0])
		agent_fail(a, "input", "", "job %s is %s (another worker holds it, or it ended)",
			   job_id(&job), json_str(job.doc, "state"));
out:
	job_clear(&job);
	cJSON_Delete(extra);
	renew_request_clear(&rr);
	return rc;
}

static void s_sleep_s(long s)
{
	struct timespec ts = {s, 0};

	while (nanosleep(&ts, &ts) != 0)
		;
}

int cmd_renew(const struct cli_opts *opts)
{
	struct agent *a = NULL;
	char *owner = NULL, why[512];
	size_t i, ndue = 0;
	struct index_view view = {0};
	const cJSON *certs, *it;
	const char **due = NULL;
	long delay = s_delay_arg(opts->random_delay);
	time_t now = time(NULL);
	int r, rc = EXIT_FAIL, failed = 0;

	if (delay < 0) {
		fprintf(stderr, "aaa renew: --random-delay %s: give whole seconds, 0 to %ld\n",
			opts->random_delay, MAX_RANDOM_DELAY_S);
		return EXIT_USAGE;
	}
	if (!(a = cli_agent_open("renew", opts)))
		goto out;
	if ((r = agent_index_read(a, &view)) < 0) {
		fprintf(stderr, "aaa renew: %s\n", a->err.message);
		goto out;
	}
	certs = json_obj(view.doc, "certs");
	/* Every name asked for must be stored, before anything is renewed. */
	for (i = 0; i < opts->domains.n; i++) {
		if (!s_entry(certs, opts->domains.items[i])) {
			fprintf(stderr,
				"aaa renew: %s: no stored certificate of that name (aaa ls "
				"lists them)\n",
				opts->domains.items[i]);
			goto out;
		}
	}
	/* Bad input has been refused: fold the changes as a scheduler pass does, so a host that
	 * renews without the Lambda functions keeps them few; losing the race or failing leaves
	 * them for the next run. */
	if (r == 0 && index_fold(a->store, &view, now, NULL) == STORE_ERROR)
		fprintf(stderr, "aaa renew: warning: the index changes were not folded into "
				"index.json (see above); the next run does\n");
	if (!(due = calloc((size_t)cJSON_GetArraySize(certs) + 1, sizeof(*due))))
		goto out;
	cJSON_ArrayForEach(it, certs)
	{
		int is_due;

		if (!s_selected(opts, it->string))
			continue;
		is_due = renew_due(it, now, why, sizeof(why));
		if (is_due || opts->force) {
			due[ndue++] = it->string;
			printf("%s: renewing: %s%s\n", it->string, is_due ? "" : "--force; ", why);
		} else {
			printf("%s: not renewed: %s\n", it->string, why);
		}
	}
	fflush(stdout);
	/* The staging guard, for every due certificate, before any order. */
	for (i = 0; i < ndue; i++) {
		struct renew_request rr;
		const char *bad = NULL;

		if (renew_request_prepare(a, due[i], &rr) == 0)
			bad = cli_staging_refusal(opts, rr.req.deploy, rr.req.ndeploy);
		if (bad)
			cli_staging_explain("renew", opts, bad);
		renew_request_clear(&rr);
		if (bad)
			goto out;
	}
	if (ndue > 0 && delay > 0) {
		unsigned u = 0;

		if (crypto_random(&u, sizeof(u)) == 0)
			delay = (long)(u % (unsigned)(delay + 1));
		fprintf(stderr, "aaa renew: waiting %ld s (--random-delay) before renewing\n",
			delay);
		s_sleep_s(delay);
	}
	if (ndue > 0 && !(owner = cli_owner()))
		goto out;
	for (i = 0; i < ndue; i++) {
		cJSON *meta = NULL;

		a->err.message[0] = '\0';
		if (s_renew_one(a, due[i], owner) != 0) {
			printf("%s: renewal failed: %s\n", due[i],
			       a->err.message[0] ? a->err.message : "see above");
			failed++;
		} else if (agent_meta_load(a, due[i], &meta) == 0) {
			printf("%s: renewed: serial %s, expires %s\n", due[i],
			       json_str(meta, "serial"), json_str(meta, "not_after"));
		}
		cJSON_Delete(meta);
		fflush(stdout);
	}
	rc = failed ? EXIT_FAIL : EXIT_OK;
out:
	free(due);
	free(owner);
	index_view_free(&view);
	agent_free(a);
	return rc;
}
