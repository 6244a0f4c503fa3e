/*
 * The Slack slash command path (see slack/dispatch.h).
 */
#define _DEFAULT_SOURCE
#include "slack/dispatch.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agent/job.h"
#include "slack/command.h"
#include "slack/event.h"
#include "slack/form.h"
#include "slack/policy.h"
#include "slack/reply.h"
#include "slack/verify.h"
#include "acme/order.h"
#include "crypto/hash.h"
#include "crypto/key.h"
#include "json/json.h"
#include "log/log.h"
#include "util/buf.h"
#include "util/mem.h"

/* How long a handed-off request is remembered: a response_url's life. */
#define SEEN_SECONDS 1800

/* Fields Slack sends once; a repeated one is refused rather than guessed. */
static const char *const s_single[] = {"token",	     "team_id",	      "channel_id", "user_id",
				       "user_name",  "command",	      "text",	    "response_url",
				       "trigger_id", "enterprise_id", "api_app_id"};

int slack_idempotency_key(const char *team, const char *trigger_id, const void *body,
			  size_t body_len, char out[48])
{
	struct buf b = BUF_INIT;
	unsigned char md[SHA256_LEN];
	char hex[33];
	int rc = -1;

	if (trigger_id != NULL && *trigger_id != '\0') {
		/* NUL separators: "T1"+"23" and "T12"+"3" differ. */
		if (buf_append(&b, "slack-trigger", 14) != 0 ||
		    buf_append(&b, team ? team : "", strlen(team ? team : "") + 1) != 0 ||
		    buf_append_str(&b, trigger_id) != 0)
			goto out;
		if (crypto_sha256(b.data, b.len, md) != 0)
			goto out;
	} else if (crypto_sha256(body, body_len, md) != 0) {
		goto out;
	}
	hex_encode(md, 16, hex);
	snprintf(out, 48, "slack-%s", hex);
	rc = 0;
out:
	buf_free(&b);
	return rc;
}

static int s_seen_find(const struct slack_seen *seen, const char *key, long long now)
{
	size_t i;

	if (seen == NULL)
		return 0;
	for (i = 0; i < SLACK_SEEN_MAX; i++)
		if (seen->e[i].at != 0 && now - seen->e[i].at <= SEEN_SECONDS &&
		    strcmp(seen->e[i].key, key) == 0)
			return 1;
	return 0;
}

static void s_seen_add(struct slack_seen *seen, const char *key, long long now)
{
	if (seen == NULL)
		return;
	snprintf(seen->e[seen->next].key, sizeof(seen->e[0].key), "%s", key);
	seen->e[seen->next].at = now ? now : 1;
	seen->next = (seen->next + 1) % SLACK_SEEN_MAX;
}

/*
 * Builds the proxy response and takes ownership of body (deleted here).
 * The only place that decides the response's shape.
 */
static int s_answer(int status, cJSON *body, char **response_json)
{
	*response_json = body ? slack_event_response(status, body) : NULL;
	cJSON_Delete(body);
	return *response_json ? 0 : -1;
}

/* {"error": msg} for the 4xx answers Slack shows as a failure. */
static int s_http_error(int status, const char *msg, char **response_json)
{
	cJSON *b = cJSON_CreateObject();

	if (b != NULL && cJSON_AddStringToObject(b, "error", msg) == NULL) {
		cJSON_Delete(b);
		b = NULL;
	}
	return s_answer(status, b, response_json);
}

/* A 200 ephemeral message: only the person who typed the command sees it. */
static int s_ephemeral(const char *text, char **response_json)
{
	cJSON *b = cJSON_CreateObject();

	if (b != NULL && (cJSON_AddStringToObject(b, "response_type", "ephemeral") == NULL ||
			  cJSON_AddStringToObject(b, "text", text) == NULL)) {
		cJSON_Delete(b);
		b = NULL;
	}
	return s_answer(200, b, response_json);
}

/* The same with printf formatting; user input in the arguments must be
 * escaped by the caller (slack_escape). */
static int s_ephemeralf(char **response_json, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int s_ephemeralf(char **response_json, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	int rc = -1;

	va_start(ap, fmt);
	if (buf_vprintf(&b, fmt, ap) == 0)
		rc = s_ephemeral(b.data, response_json);
	va_end(ap);
	buf_free(&b);
	return rc;
}

/* The command as the user typed it (escaped; caller frees), for the
 * messages that show it. */
static char *s_command_name(const struct slack_form *f)
{
	const char *c = slack_form_get(f, "command");

	return slack_escape((c && c[0] == '/' && strlen(c) < 64) ? c : "/letsencrypt");
}

static int s_help(const struct slack_form *f, char **response_json)
{
	static const char *const lines[] = {" renew NAME`: renew it now",
					    " status NAME`: its expiry, serial and last error",
					    " ls`: every certificate"};
	struct buf b = BUF_INIT;
	char *c = s_command_name(f);
	char types[160], reasons[160];
	size_t i;
	int rc = -1;

	/* The key types and reasons from their tables. */
	key_type_join(types, sizeof(types), "|", "|");
	acme_revoke_reason_join(reasons, sizeof(reasons), "|", "|");
	if (c == NULL ||
	    buf_printf(&b,
		       "*%s* gets TLS certificates for the names this workspace may use.\n"
		       "`%s cert NAME... [--create-key] [--key-type %s]`: issue a certificate (the "
		       "first name is its name)\n",
		       c, c, types) != 0)
		goto out;
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		if (buf_printf(&b, "`%s%s\n", c, lines[i]) != 0)
			goto out;
	if (buf_printf(&b, "`%s revoke NAME [%s]`: revoke it\n`%s help`: this text\n", c, reasons,
		       c) != 0)
		goto out;
	if (buf_append_str(&b, "The result is posted here when the work is done.") != 0)
		goto out;
	rc = s_ephemeral(b.data, response_json);
out:
	buf_free(&b);
	free(c);
	return rc;
}

/* The allowlists, in the order team, channel, user. 0 allowed, else a
 * refusal was answered (rc in *rc). */
static int s_check_who(const struct slack_settings *s, const struct slack_form *f,
		       char **response_json, int *rc)
{
	static const struct {
		const char *field, *what, *env;
	} rules[] = {{"team_id", "workspace", "AAA_SLACK_TEAMS"},
		     {"channel_id", "channel", "AAA_SLACK_CHANNELS"},
		     {"user_id", "user", "AAA_SLACK_USERS"}};
	const char *lists[3];
	size_t i;

	lists[0] = s->teams;
	lists[1] = s->channels;
	lists[2] = s->users;
	for (i = 0; i < 3; i++) {
		const char *v = slack_form_get(f, rules[i].field);
		char *esc;

		if (slack_list_allows(lists[i], v))
			continue;
		esc = slack_escape(v ? v : "");
		log_warn("refused: %s %s is not in %s", rules[i].what, v ? v : "(none)",
			 rules[i].env);
		*rc = esc ? s_ephemeralf(response_json,
					 "Sorry, this %s (%s) may not use this command: it is not "
					 "in the allowlist %s. Ask the administrator of aaa.",
					 rules[i].what, esc, rules[i].env)
			  : -1;
		free(esc);
		return -1;
	}
	return 0;
}

/* Every name against AAA_ALLOWED_DOMAINS. 0 allowed, else answered. */
static int s_check_names(const struct slack_settings *s, const struct slack_cmd *cmd,
			 char **response_json, int *rc)
{
	size_t i;

	for (i = 0; i < cmd->nnames; i++) {
		char *esc, *pats;

		if (slack_domain_allowed(s->domains, cmd->names[i]))
			continue;
		esc = slack_escape(cmd->names[i]);
		pats = slack_escape(s->domains ? s->domains : "");
		log_warn("refused: %s is not allowed by AAA_ALLOWED_DOMAINS", cmd->names[i]);
		if (esc == NULL || pats == NULL)
			*rc = -1;
		else if (s->domains == NULL || *s->domains == '\0')
			*rc = s_ephemeralf(response_json,
					   "Sorry, %s may not be requested: no domain may be "
					   "requested through Slack until the administrator sets "
					   "AAA_ALLOWED_DOMAINS.",
					   esc);
		else
			*rc = s_ephemeralf(response_json,
					   "Sorry, %s may not be requested: the rule "
					   "AAA_ALLOWED_DOMAINS allows only %s.",
					   esc, pats);
		free(esc);
		free(pats);
		return -1;
	}
	return 0;
}

/* The executor payload: the command's, plus where to answer and who asked. */
static char *s_payload(const struct slack_cmd *cmd, const struct slack_form *f, const char *key)
{
	cJSON *p = slack_cmd_payload(cmd), *by;
	char *out = NULL;

	if (p == NULL)
		goto out;
	by = cJSON_AddObjectToObject(p, "requested_by");
	if (cJSON_AddStringToObject(p, "response_url", slack_form_get(f, "response_url")) == NULL ||
	    cJSON_AddStringToObject(p, "idempotency_key", key) == NULL || by == NULL ||
	    json_add_str_opt(by, "team", slack_form_get(f, "team_id")) != 0 ||
	    json_add_str_opt(by, "channel", slack_form_get(f, "channel_id")) != 0 ||
	    json_add_str_opt(by, "user", slack_form_get(f, "user_id")) != 0 ||
	    json_add_str_opt(by, "user_name", slack_form_get(f, "user_name")) != 0)
		goto out;
	out = json_print(p);
out:
	cJSON_Delete(p);
	return out;
}

/*
 * Everything after the form is parsed and authenticated. Each refusal
 * answers and leaves; the invocation is the last step.
 */
static int s_command(const struct slack_settings *s, const struct slack_deps *d,
		     const struct slack_http *req, const struct slack_form *f, char **response_json)
{
	struct slack_cmd cmd;
	struct aaa_err perr, ierr;
	char key[48];
	const char *retry = slack_event_header(req, "X-Slack-Retry-Num");
	const char *url = slack_form_get(f, "response_url");
	char *payload = NULL, *esc = NULL, *what = NULL, *ref = NULL;
	int rc = -1, parsed = 0;
	size_t i;

	memset(&cmd, 0, sizeof(cmd));
	for (i = 0; i < sizeof(s_single) / sizeof(s_single[0]); i++) {
		if (slack_form_count(f, s_single[i]) > 1) {
			log_warn("refused: form field %s is repeated", s_single[i]);
			rc = s_http_error(400, "a form field is repeated", response_json);
			goto out;
		}
	}
	if (slack_idempotency_key(slack_form_get(f, "team_id"), slack_form_get(f, "trigger_id"),
				  req->body, req->body_len, key) != 0)
		goto out;
	if (s_seen_find(d->seen, key, d->now)) {
		if (retry == NULL) {
			log_warn("refused: request %s was already handled (a replay)", key);
			rc = s_http_error(401, "request already handled", response_json);
		} else {
			log_info("a Slack retry of %s: already handed to the executor", key);
			rc = s_ephemeralf(response_json, "Still working on it (request %s).", key);
		}
		goto out;
	}
	if (s_check_who(s, f, response_json, &rc) != 0)
		goto out;
	if (slack_cmd_parse(slack_form_get(f, "text"), &cmd, &perr) != 0) {
		char *c = s_command_name(f);

		esc = slack_escape(perr.message);
		rc = (esc && c) ? s_ephemeralf(response_json, "Sorry, %s. Try `%s help`.", esc, c)
				: -1;
		free(c);
		goto out;
	}
	parsed = 1;
	if (cmd.action == SLACK_HELP) {
		rc = s_help(f, response_json);
		goto out;
	}
	if (s_check_names(s, &cmd, response_json, &rc) != 0)
		goto out;
	if (url == NULL || !slack_response_url_allowed(url, s->response_url_prefix)) {
		log_warn("refused: the response_url is missing or not under the allowed prefix");
		rc = s_ephemeral("Sorry, this request has no usable response_url, so the result "
				 "could not be posted back; nothing was started.",
				 response_json);
		goto out;
	}
	if (s->executor == NULL || *s->executor == '\0' || d->invoke == NULL) {
		log_error("AAA_EXECUTOR_FUNCTION is not set: cannot hand off %s", key);
		rc = s_ephemeral("Sorry, aaa is not fully configured (AAA_EXECUTOR_FUNCTION is "
				 "not set); nothing was started. Tell the administrator.",
				 response_json);
		goto out;
	}
	payload = s_payload(&cmd, f, key);
	what = slack_cmd_describe(&cmd);
	if (payload == NULL || what == NULL)
		goto out;
	err_clear(&ierr);
	if (d->invoke(d->invoke_ctx, s->executor, payload, &ierr) != 0) {
		log_error("could not invoke %s for job %s: %s", s->executor, key, ierr.message);
		rc = s_ephemeralf(response_json,
				  "Sorry, the job could not be started (the executor did not "
				  "accept it); nothing was done. Try again in a minute.");
		goto out;
	}
	s_seen_add(d->seen, key, d->now);
	/* cert and renew become a job whose id the executor derives from the
	 * key (job.h) and shows in its result; the user sees the same id now. */
	if (cmd.action == SLACK_CERT || cmd.action == SLACK_RENEW) {
		char *jid = job_id_for_key(key);

		ref = jid ? str_printf("job %s", jid) : NULL;
		free(jid);
	} else {
		ref = str_printf("request %s", key);
	}
	log_info("handed %s (request %s) to %s", what, key, s->executor);
	esc = slack_escape(what);
	rc = (esc && ref)
		 ? s_ephemeralf(response_json,
				"Working on it: %s (%s). The result will be posted here.", esc, ref)
		 : -1;
out:
	if (parsed)
		slack_cmd_free(&cmd);
	free(payload);
	free(esc);
	free(what);
	free(ref);
	return rc;
}

/*
 * The signature covers the raw body, so it is checked before the body is
 * parsed; the legacy token, inside the form, after. With a signing secret
 * the signature is required; a configured token is required in addition.
 */
int slack_dispatch(const struct slack_settings *s, const struct slack_deps *d, const cJSON *event,
		   char **response_json)
{
	struct slack_http req;
	struct slack_form form;
	struct aaa_err why;
	int rc = -1;

	*response_json = NULL;
	memset(&form, 0, sizeof(form));
	if (slack_event_read(event, &req, &why) != 0) {
		log_warn("refused: %s", why.message);
		rc = s_http_error(400, why.message, response_json);
		goto out;
	}
	if (strcmp(req.method, "POST") != 0) {
		rc = s_http_error(405, "Slack commands are POST requests", response_json);
		goto out;
	}
	if ((s->secret == NULL || s->secret_len == 0) && (s->token == NULL || *s->token == '\0')) {
		log_error("neither a signing secret nor a verification token is configured");
		rc = s_http_error(401, "invalid request signature", response_json);
		goto out;
	}
	if (s->secret != NULL && s->secret_len > 0 &&
	    slack_signature_verify(s->secret, s->secret_len,
				   slack_event_header(&req, "X-Slack-Request-Timestamp"),
				   slack_event_header(&req, "X-Slack-Signature"), req.body,
				   req.body_len, d->now, &why) != 0) {
		log_warn("refused: %s", why.message);
		rc = s_http_error(401, "invalid request signature", response_json);
		goto out;
	}
	if (slack_form_parse(req.body, req.body_len, &form, &why) != 0) {
		log_warn("refused: %s", why.message);
		rc = s_http_error(400, why.message, response_json);
		goto out;
	}
	if (s->token != NULL && *s->token != '\0' &&
	    !slack_token_equal(s->token, slack_form_get(&form, "token"))) {
		log_warn("refused: the verification token does not match");
		rc = s_http_error(401, "invalid request signature", response_json);
		goto out;
	}
	rc = s_command(s, d, &req, &form, response_json);
out:
	slack_form_free(&form);
	slack_event_free(&req);
	return rc;
}
