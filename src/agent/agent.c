/*
 * struct agent: configuration resolved once, the store opened once, and
 * the error line every operation leaves for the user.
 */
#define _GNU_SOURCE
#include "agent/agent.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acme/problem.h"
#include "aws/lambda.h"
#include "config/settings.h"
#include "json/json.h"
#include "log/log.h"
#include "store/keys.h"
#include "util/buf.h"
#include "util/mem.h"

static const struct {
	const char *alias, *url;
} s_directories[] = {
    {"letsencrypt", "https://acme-v02.api.letsencrypt.org/directory"},
    {"letsencrypt-staging", "https://acme-staging-v02.api.letsencrypt.org/directory"},
    {"zerossl", "https://acme.zerossl.com/v2/DV90"},
};

const char *agent_directory_resolve(const char *dir)
{
	size_t i;

	if (dir == NULL || *dir == '\0')
		return s_directories[1].url;
	for (i = 0; i < sizeof(s_directories) / sizeof(s_directories[0]); i++)
		if (strcmp(dir, s_directories[i].alias) == 0)
			return s_directories[i].url;
	if (str_has_prefix(dir, "https://") || str_has_prefix(dir, "http://"))
		return dir;
	return NULL;
}

/*
 * The directory URL's authority, host[:port] lower-cased, for
 * store_key_account_dir (which turns the port into a "_port" segment
 * suffix); user info and path are dropped.
 */
static char *s_ca_host(const char *url)
{
	const char *p = strstr(url, "://"), *end;
	char *host = NULL, *at;

	if (!p)
		return NULL;
	p += 3;
	end = p + strcspn(p, "/?#");
	if (!(host = str_ndup(p, (size_t)(end - p))))
		return NULL;
	if ((at = strrchr(host, '@')))
		memmove(host, at + 1, strlen(at + 1) + 1);
	for (at = host; *at; at++)
		if (*at >= 'A' && *at <= 'Z')
			*at = (char)(*at - 'A' + 'a');
	return host;
}

struct agent *agent_open(const struct agent_config *cfg, struct aaa_err *err)
{
	struct agent *a = calloc(1, sizeof(*a));
	struct store_options so = {0};
	char *url = NULL;
	const char *dir;
	int rc = -1;

	err_clear(err);
	if (!a)
		goto out;
	a->cfg = *cfg;
	if (!(dir = agent_directory_resolve(cfg->directory))) {
		err_set(err, "input", "",
			"--directory %s: not a URL nor one of letsencrypt, "
			"letsencrypt-staging, zerossl",
			cfg->directory);
		goto out;
	}
	if (!(a->directory_url = str_dup(dir)) || !(a->ca_host = s_ca_host(dir))) {
		err_set(err, "input", "", "--directory %s: cannot read the host", dir);
		goto out;
	}
	if (!(a->account_dir = store_key_account_dir(a->ca_host, AGENT_ACCOUNT_NAME))) {
		err_set(err, "input", "", "--directory %s: the host cannot name a store folder",
			dir);
		goto out;
	}
	if (cfg->store_url && *cfg->store_url)
		url = str_dup(cfg->store_url);
	else if (cfg->s3_bucket && *cfg->s3_bucket)
		url = str_printf("s3://%s", cfg->s3_bucket);
	if (!url) {
		err_set(err, "input", "",
			"no store: give --s3-bucket B --s3-kms-key K, or --store "
			"s3://B[/PREFIX] or file://DIR (or AAA_S3_BUCKET / AAA_STORE)");
		goto out;
	}
	so.kms_key_id = cfg->kms_key_id;
	if (!(a->store = store_open(url, &so))) {
		err_set(err, "store", "", "cannot open the store %s (see the line above)", url);
		goto out;
	}
	rc = 0;
out:
	free(url);
	if (rc) {
		if (!err_is_set(err))
			err_set(err, "internal", "", "out of memory");
		agent_free(a);
		a = NULL;
	}
	return a;
}

int agent_renew_before_days(void)
{
	const char *name = "AAA_RENEW_BEFORE_DAYS", *v = settings()->renew_before_days;
	char *end = NULL;
	long d;

	if (!v || !*v)
		return 0;
	d = strtol(v, &end, 10);
	if (*end != '\0' || d < 1 || d > 365) {
		log_warn("%s=%s: not a number of days (1..365); using a third of the lifetime",
			 name, v);
		return 0;
	}
	return (int)d;
}

void agent_free(struct agent *a)
{
	if (!a)
		return;
	acme_client_free(a->acme);
	store_close(a->store);
	free(a->directory_url);
	free(a->ca_host);
	free(a->account_dir);
	free(a->account_email);
	free(a);
}

void agent_fail(struct agent *a, const char *source, const char *code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vset(&a->err, source, code, fmt, ap);
	va_end(ap);
	/* The caller reports it (the CLI's last line, the executor's answer). */
	log_info("%s", a->err.message);
}

void agent_fail_from(struct agent *a, const struct aaa_err *cause, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vset(&a->err, cause && cause->source[0] ? cause->source : "internal",
		 cause ? cause->code : "", fmt, ap);
	va_end(ap);
	if (cause)
		err_detail(&a->err, cause->http_status,
			   cause->request_id[0] ? cause->request_id : NULL);
	log_info("%s", a->err.message);
}

/*
 * The ACME client keeps the CA's last problem as text ("urn:...:rateLimited:
 * detail ..."); its type is the first word when it is a URN, which is what
 * the executor's answer reports as the code.
 */
void agent_fail_acme(struct agent *a, const char *what)
{
	const char *e = a->acme && a->acme->error[0] ? a->acme->error : "no answer from the CA";
	char code[160] = "";
	const char *u = strstr(e, "urn:");

	if (u) {
		/* "urn:ietf:params:acme:error:x": keep the colons of the URN. */
		size_t n =
		    strspn(u, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:-._");
		while (n > 0 && u[n - 1] == ':')
			n--;
		if (n >= sizeof(code))
			n = sizeof(code) - 1;
		memcpy(code, u, n);
		code[n] = '\0';
	}
	agent_fail(a, "acme", code, "%s: %s", what, e);
}

void agent_progress(const struct agent *a, const char *fmt, ...)
{
	va_list ap;
	FILE *f = a->cfg.progress;

	if (f) {
		struct buf b = BUF_INIT;
		char *safe = NULL;

		va_start(ap, fmt);
		if (buf_vprintf(&b, fmt, ap) == 0 && (safe = log_escape(b.data)))
			fprintf(f, "aaa: %s\n", safe);
		va_end(ap);
		fflush(f);
		free(safe);
		buf_free(&b);
	}
	if (!f) {
		va_start(ap, fmt);
		log_vmsg(LOG_INFO, __func__, fmt, ap);
		va_end(ap);
	}
}

/*
 * The store's own error (S3's code, status and request id, or the system's
 * reason) is carried into the one line the user sees, so a failed write
 * names AccessDenied or EACCES, not only the key.
 */
static void s_store_fail(struct agent *a, const char *verb, const char *key, const char *prep)
{
	const struct aaa_err *se = store_error(a->store);

	agent_fail(a, "store", se->code, "cannot %s %s %s the store %s%s%s", verb, key, prep,
		   store_url(a->store), se->message[0] ? ": " : "", se->message);
	err_detail(&a->err, se->http_status, se->request_id);
}

int agent_store_get(struct agent *a, const char *key, char **data, size_t *len, char **etag)
{
	struct store_object o = {0};
	int r, rc = -1;

	r = store_get(a->store, key, &o);
	*data = NULL;
	if (etag)
		*etag = NULL;
	if (r == STORE_NOT_FOUND) {
		rc = 1;
		goto out;
	}
	if (r != STORE_OK) {
		s_store_fail(a, "read", key, "from");
		goto out;
	}
	*data = o.data;
	o.data = NULL;
	if (len)
		*len = o.len;
	if (etag) {
		*etag = o.etag;
		o.etag = NULL;
	}
	rc = 0;
out:
	store_object_free(&o);
	return rc;
}

int agent_store_put(struct agent *a, const char *key, const char *data, size_t len, int secret)
{
	if (store_put(a->store, key, data, len, secret ? STORE_SECRET : 0, NULL) != STORE_OK) {
		s_store_fail(a, "write", key, "to");
		return -1;
	}
	return 0;
}

int agent_invoke_async(const char *function, const cJSON *payload, long budget_ms,
		       struct aaa_err *err)
{
	char *text = json_print(payload), *resp = NULL, *ferr = NULL;
	struct aws_reply reply = {0};
	struct aws_retry_policy pol = AWS_RETRY_POLICY_DEFAULT;
	int rc = -1;

	err_clear(err);
	if (!text)
		goto out;
	if (budget_ms > 0) {
		pol.max_total_ms = (unsigned long)budget_ms;
		pol.patient_throttling = 0; /* the caller's budget holds */
		if (pol.cap_ms > pol.max_total_ms / 2)
			pol.cap_ms = pol.max_total_ms / 2;
	}
	if (lambda_invoke_policy(function, text, 1, &resp, &ferr, budget_ms > 0 ? &pol : NULL,
				 &reply) != 0) {
		err_set(err, "aws", "", "%s",
			reply.message ? reply.message : "Lambda Invoke failed");
		aws_reply_detail(&reply, err);
		goto out;
	}
	rc = 0;
out:
	if (rc != 0 && !err_is_set(err))
		err_set(err, "internal", "", "out of memory");
	aws_reply_free(&reply);
	free(text);
	free(resp);
	free(ferr);
	return rc;
}
