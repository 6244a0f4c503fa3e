/*
 * The dispatcher handler: environment, KMS and Lambda around
 * slack_dispatch (see dispatcher.h).
 */
#define _DEFAULT_SOURCE
#include "handlers/dispatcher.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/settings.h"
#include "slack/dispatch.h"
#include "aws/kms.h"
#include "aws/lambda.h"
#include "log/log.h"
#include "util/mem.h"

/* Process state: lives across warm invocations, like Lambda's sandbox. */
static struct {
	int loaded;
	int atexit_done;
	unsigned char *secret; /* owned, wiped */
	size_t secret_len;
	char *token; /* owned, wiped; NULL when not configured */
	struct slack_seen seen;
} s_d;

void agent_dispatcher_cleanup(void)
{
	mem_wipe_free(s_d.secret, s_d.secret_len);
	str_wipe_free(s_d.token);
	s_d.secret = NULL;
	s_d.secret_len = 0;
	s_d.token = NULL;
	s_d.loaded = 0;
}

/*
 * Decrypts the KMS ciphertext in environment variable name into *out
 * (owned, NUL-terminated, registered as a secret). Unset or empty: *out
 * stays NULL and 0 is returned. Trailing white space is dropped: a secret
 * encrypted from `echo ... |` carries a newline that Slack's does not.
 */
static int s_decrypt_env(const char *name, unsigned char **out, size_t *len, struct aaa_err *err)
{
	const char *ct = settings_get(name);
	struct aws_reply reply;
	unsigned char *pt = NULL;
	size_t n = 0;
	int rc = -1;

	*out = NULL;
	*len = 0;
	memset(&reply, 0, sizeof(reply));
	if (ct == NULL || *ct == '\0') {
		rc = 0;
		goto out;
	}
	if (kms_decrypt(ct, NULL, &pt, &n, &reply) != 0) {
		rt_error_set(err, "SlackNotConfigured",
			     "%s could not be decrypted: %s; it must be the Slack value encrypted "
			     "with `aws kms encrypt` (base64), and this function needs kms:Decrypt",
			     name, reply.message ? reply.message : "KMS Decrypt failed");
		log_error("%s", err ? err->message : name);
		goto out;
	}
	while (n > 0 &&
	       (pt[n - 1] == '\n' || pt[n - 1] == '\r' || pt[n - 1] == ' ' || pt[n - 1] == '\t'))
		pt[--n] = '\0';
	if (n == 0 || memchr(pt, '\0', n) != NULL) {
		rt_error_set(err, "SlackNotConfigured", "%s decrypts to an empty or binary value",
			     name);
		log_error("%s decrypts to an empty or binary value", name);
		goto out;
	}
	log_add_secret((const char *)pt);
	*out = pt;
	*len = n;
	pt = NULL;
	rc = 0;
out:
	mem_wipe_free(pt, n);
	aws_reply_free(&reply);
	return rc;
}

/* Once per cold start (and again after a failure). */
static int s_load(struct aaa_err *err)
{
	unsigned char *tok = NULL;
	size_t toklen = 0;
	int rc = -1;

	if (s_d.loaded)
		return 0;
	if (!s_d.atexit_done) {
		atexit(agent_dispatcher_cleanup);
		s_d.atexit_done = 1;
	}
	if (s_decrypt_env("AAA_SLACK_SIGNING_SECRET", &s_d.secret, &s_d.secret_len, err) != 0 ||
	    s_decrypt_env("AAA_SLACK_VERIFICATION_TOKEN", &tok, &toklen, err) != 0)
		goto out;
	s_d.token = (char *)tok;
	tok = NULL;
	if (s_d.secret == NULL && s_d.token == NULL) {
		rt_error_set(err, "SlackNotConfigured",
			     "AAA_SLACK_SIGNING_SECRET is not set: set it to the Slack app's "
			     "signing secret encrypted with `aws kms encrypt` (see docs/slack.md)");
		log_error("AAA_SLACK_SIGNING_SECRET is not set");
		goto out;
	}
	s_d.loaded = 1;
	rc = 0;
out:
	if (rc != 0)
		agent_dispatcher_cleanup();
	return rc;
}

static const struct aws_retry_policy s_invoke_policy = {4, 50, 500, 1500, 500, 0};

/* The executor, asynchronously: Lambda queues the event and answers 202. */
static int s_invoke(void *ctx, const char *function, const char *payload_json, struct aaa_err *err)
{
	struct aws_reply reply;
	int rc;

	(void)ctx;
	memset(&reply, 0, sizeof(reply));
	/* Slack waits 3 s for the whole answer: a throttled Invoke is retried
	 * within 1.5 s, not the default minute. */
	rc = lambda_invoke_policy(function, payload_json, 1, NULL, NULL, &s_invoke_policy, &reply);
	if (rc != 0) {
		err_set(err, "aws", "", "%s",
			reply.message ? reply.message : "Lambda Invoke failed");
		aws_reply_detail(&reply, err);
	}
	aws_reply_free(&reply);
	return rc == 0 ? 0 : -1;
}

int agent_dispatcher(const cJSON *event, const struct runtime_ctx *ctx, char **response_json,
		     struct aaa_err *err)
{
	struct slack_settings s;
	struct slack_deps d;
	int rc = -1;

	(void)ctx;
	*response_json = NULL;
	if (s_load(err) != 0)
		goto out;
	memset(&s, 0, sizeof(s));
	memset(&d, 0, sizeof(d));
	s.secret = s_d.secret;
	s.secret_len = s_d.secret_len;
	s.token = s_d.token;
	s.teams = settings()->slack_teams;
	s.channels = settings()->slack_channels;
	s.users = settings()->slack_users;
	s.domains = settings()->allowed_domains;
	s.executor = settings()->executor_function;
	d.now = (long long)time(NULL);
	d.invoke = s_invoke;
	d.seen = &s_d.seen;
	if (slack_dispatch(&s, &d, event, response_json) != 0) {
		rt_error_set(err, "InternalError", "out of memory answering the Slack request");
		goto out;
	}
	rc = 0;
out:
	return rc;
}
