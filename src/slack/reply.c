/*
 * Block Kit replies to a slash command's response_url (see slack/reply.h).
 */
#define _DEFAULT_SOURCE
#include "slack/reply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/settings.h"
#include "http/http.h"
#include "json/json.h"
#include "log/log.h"
#include "util/buf.h"
#include "util/mem.h"

/* Slack's ack of a response_url post is tiny ("ok"). */
#define REPLY_TIMEOUT_MS 10000L
#define REPLY_MAX_ANSWER 65536u

/* The prefix for a message: its value when it is the default, else the
 * variable's name (a test's prefix is no business of the reader). */
static const char *s_prefix_shown(void)
{
	const struct setting *row = settings_find("AAA_SLACK_RESPONSE_URL_PREFIX");

	return strcmp(settings()->slack_response_url_prefix, row->def) == 0 ? row->def : row->name;
}

int slack_response_url_allowed(const char *url, const char *prefix)
{
	struct buf want = BUF_INIT;
	const char *auth, *p;
	int ok = 0;

	if (prefix == NULL || *prefix == '\0')
		prefix = settings()->slack_response_url_prefix;
	if (url == NULL || buf_append_str(&want, prefix) != 0)
		goto out;
	/* A prefix that ends inside the authority would match other hosts. */
	auth = strstr(want.data, "://");
	if (auth == NULL || strchr(auth + 3, '/') == NULL) {
		if (buf_append_str(&want, "/") != 0)
			goto out;
	}
	if (strncmp(url, want.data, want.len) != 0)
		goto out;
	for (p = url; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || *p == '\\' ||
		    *p == '#')
			goto out;
	ok = 1;
out:
	buf_free(&want);
	return ok;
}

char *slack_escape(const char *text)
{
	struct buf b = BUF_INIT;
	const char *p;
	char *out = NULL;

	/* Appending "" reserves and terminates: an empty text gives "". */
	if (buf_reserve(&b, strlen(text) + 1) != 0 || buf_append(&b, "", 0) != 0)
		goto out;
	for (p = text; *p; p++) {
		int r;

		if (*p == '&')
			r = buf_append_str(&b, "&amp;");
		else if (*p == '<')
			r = buf_append_str(&b, "&lt;");
		else if (*p == '>')
			r = buf_append_str(&b, "&gt;");
		else
			r = buf_append(&b, p, 1);
		if (r != 0)
			goto out;
	}
	out = buf_steal(&b);
out:
	buf_free(&b);
	return out;
}

/*
 * Escaped text cut to max bytes: never inside a UTF-8 sequence or an
 * &entity;, and marked with "..." when cut. Caller frees.
 */
static char *s_text(const char *raw, size_t max)
{
	char *t = slack_escape(raw ? raw : "");
	size_t cut, i;

	if (t == NULL || strlen(t) <= max)
		return t;
	cut = str_utf8_cut(t, max - 3);
	for (i = cut; i > 0 && i + 6 > cut; i--) {
		if (t[i - 1] == ';')
			break;
		if (t[i - 1] == '&') {
			cut = i - 1;
			break;
		}
	}
	memcpy(t + cut, "...", 4);
	return t;
}

/* A new block {"type":type} appended to blocks (borrowed), or NULL. */
static cJSON *s_block(cJSON *blocks, const char *type)
{
	cJSON *b = cJSON_CreateObject();

	if (b == NULL || !cJSON_AddItemToArray(blocks, b)) {
		cJSON_Delete(b);
		return NULL;
	}
	return cJSON_AddStringToObject(b, "type", type) ? b : NULL;
}

/* Adds {"type":"section","text":{"type":"mrkdwn","text":...}}; text is
 * already mrkdwn (escaped where it holds data). */
static int s_section(cJSON *blocks, const char *mrkdwn)
{
	cJSON *b = s_block(blocks, "section");
	cJSON *t = b ? cJSON_AddObjectToObject(b, "text") : NULL;

	return t && cJSON_AddStringToObject(t, "type", "mrkdwn") &&
		       cJSON_AddStringToObject(t, "text", mrkdwn)
		   ? 0
		   : -1;
}

/* Adds {"type":"context","elements":[{"type":"mrkdwn","text":...}]}. */
static int s_context(cJSON *blocks, const char *mrkdwn)
{
	cJSON *b = s_block(blocks, "context");
	cJSON *els = b ? cJSON_AddArrayToObject(b, "elements") : NULL;
	cJSON *t = els ? cJSON_CreateObject() : NULL;

	if (t == NULL || !cJSON_AddItemToArray(els, t)) {
		cJSON_Delete(t);
		return -1;
	}
	return cJSON_AddStringToObject(t, "type", "mrkdwn") &&
		       cJSON_AddStringToObject(t, "text", mrkdwn)
		   ? 0
		   : -1;
}

/* Appends "*label*\nvalue" (value escaped and cut) as one field. */
static int s_field(cJSON *fields, const char *label, const char *value)
{
	cJSON *f = NULL;
	char *v = NULL, *txt = NULL;
	int rc = -1;

	if (value == NULL || *value == '\0')
		return 0;
	v = s_text(value, SLACK_MAX_FIELD_TEXT - 64);
	txt = v ? str_printf("*%s*\n%s", label, v) : NULL;
	f = cJSON_CreateObject();
	if (txt == NULL || f == NULL || cJSON_AddStringToObject(f, "type", "mrkdwn") == NULL ||
	    cJSON_AddStringToObject(f, "text", txt) == NULL || !cJSON_AddItemToArray(fields, f))
		goto out;
	f = NULL;
	rc = 0;
out:
	cJSON_Delete(f);
	free(v);
	free(txt);
	return rc;
}

/* "a.example, b.example and 3 more" from a JSON string array (raw). */
static char *s_names(const cJSON *names, size_t show)
{
	struct buf b = BUF_INIT;
	const cJSON *n;
	size_t i = 0, total = (size_t)cJSON_GetArraySize(names);
	char *out = NULL;

	if (buf_append_str(&b, "") != 0)
		goto out;
	cJSON_ArrayForEach(n, names)
	{
		if (!cJSON_IsString(n))
			continue;
		if (i == show) {
			if (buf_printf(&b, " and %zu more", total - show) != 0)
				goto out;
			break;
		}
		if (buf_printf(&b, "%s%s", i ? ", " : "", n->valuestring) != 0)
			goto out;
		i++;
	}
	out = buf_steal(&b);
out:
	buf_free(&b);
	return out;
}

/* The certificate's facts as fields (at most 10, Slack's limit). */
static int s_cert_fields(cJSON *blocks, const cJSON *result, const cJSON *cert)
{
	cJSON *b = s_block(blocks, "section"), *fields = NULL;
	const cJSON *names = json_arr(result, "names");
	char *n = NULL;
	int rc = -1;

	if (b == NULL)
		goto out;
	fields = cJSON_AddArrayToObject(b, "fields");
	if (names == NULL)
		names = json_arr(cert, "names");
	n = names ? s_names(names, 20) : NULL;
	if (fields == NULL || s_field(fields, "Names", n) != 0 ||
	    s_field(fields, "Expires", json_str(cert, "not_after")) != 0 ||
	    s_field(fields, "Valid from", json_str(cert, "not_before")) != 0 ||
	    s_field(fields, "Serial", json_str(cert, "serial")) != 0 ||
	    s_field(fields, "Issuer", json_str(cert, "issuer")) != 0 ||
	    s_field(fields, "Key type", json_str(cert, "key_type")) != 0)
		goto out;
	if (cJSON_GetArraySize(fields) == 0)
		cJSON_DeleteItemFromArray(blocks, cJSON_GetArraySize(blocks) - 1);
	rc = 0;
out:
	free(n);
	return rc;
}

/* One line per deploy target: ok or the failure's detail. */
static int s_deployed(cJSON *blocks, const cJSON *deployed)
{
	struct buf b = BUF_INIT;
	const cJSON *d;
	char *t = NULL, *det = NULL, *txt = NULL;
	int rc = -1;

	if (cJSON_GetArraySize(deployed) == 0)
		return 0;
	if (buf_append_str(&b, "*Deployed*") != 0)
		goto out;
	cJSON_ArrayForEach(d, deployed)
	{
		int ok = json_bool(d, "ok", 0);

		free(t);
		free(det);
		t = slack_escape(json_str(d, "target") ? json_str(d, "target") : "?");
		det = slack_escape(json_str(d, "detail") ? json_str(d, "detail") : "");
		if (t == NULL || det == NULL ||
		    buf_printf(&b, "\n%s %s%s%s", ok ? ":white_check_mark:" : ":warning:", t,
			       *det ? ": " : "", det) != 0)
			goto out;
	}
	/* Cut raw: the text is already escaped; s_text would escape again. */
	if (buf_cut(&b, SLACK_MAX_SECTION_TEXT - 4, "...") != 0)
		goto out;
	rc = s_section(blocks, b.data);
out:
	free(t);
	free(det);
	free(txt);
	buf_free(&b);
	return rc;
}

/* The error: what failed (source, code), the message, what to do. */
static int s_error(cJSON *blocks, const cJSON *error)
{
	char *src = s_text(json_str(error, "source") ? json_str(error, "source") : "", 32);
	char *code = s_text(json_str(error, "code") ? json_str(error, "code") : "", 200);
	char *msg = s_text(json_str(error, "message") ? json_str(error, "message") : "no message",
			   SLACK_MAX_SECTION_TEXT - 300);
	char *hint = s_text(json_str(error, "hint") ? json_str(error, "hint") : "", 2000);
	char *txt = NULL, *h = NULL;
	int rc = -1;

	if (src == NULL || code == NULL || msg == NULL || hint == NULL)
		goto out;
	txt = str_printf("*%s%serror*%s%s%s\n%s", src, *src ? " " : "", *code ? " `" : "", code,
			 *code ? "`" : "", msg);
	if (txt == NULL || s_section(blocks, txt) != 0)
		goto out;
	if (*hint) {
		h = str_printf("What to do: %s", hint);
		if (h == NULL || s_context(blocks, h) != 0)
			goto out;
	}
	rc = 0;
out:
	free(src);
	free(code);
	free(msg);
	free(hint);
	free(txt);
	free(h);
	return rc;
}

/*
 * One certificate of a list: the flat {"name","not_after"} of an executor
 * answer, or a domain of `aaa ls` ({"domain","certificate":{"not_after",
 * "revoked"}}). Raw text (caller escapes); caller frees.
 */
static char *s_list_line(const cJSON *c)
{
	const cJSON *crt = json_obj(c, "certificate");
	const char *name = json_str(c, "name") ? json_str(c, "name") : json_str(c, "domain");
	const char *exp = json_str(c, "not_after");

	if (exp == NULL)
		exp = json_str(crt, "not_after");
	if (exp == NULL)
		exp = json_str(c, "expires");
	return str_printf(
	    "%s%s%s%s", name ? name : "?", exp ? ": expires " : "", exp ? exp : "",
	    (json_bool(c, "revoked", 0) || json_bool(crt, "revoked", 0)) ? " (revoked)" : "");
}

/* ls: one line per certificate within one section, "... and N more" past
 * Slack's section limit. */
static int s_list(cJSON *blocks, const cJSON *certs)
{
	struct buf b = BUF_INIT;
	const cJSON *c;
	size_t n = 0, total = (size_t)cJSON_GetArraySize(certs);
	char *line = NULL;
	int rc = -1;

	if (buf_printf(&b, "*%zu certificate%s*", total, total == 1 ? "" : "s") != 0)
		goto out;
	cJSON_ArrayForEach(c, certs)
	{
		char *raw = s_list_line(c);

		free(line);
		line = raw ? s_text(raw, 300) : NULL;
		free(raw);
		if (line == NULL)
			goto out;
		if (b.len + strlen(line) + 40 > SLACK_MAX_SECTION_TEXT) {
			if (buf_printf(&b, "\n... and %zu more", total - n) != 0)
				goto out;
			break;
		}
		if (buf_printf(&b, "\n%s", line) != 0)
			goto out;
		n++;
	}
	rc = s_section(blocks, b.data);
out:
	free(line);
	buf_free(&b);
	return rc;
}

/*
 * `aaa ls` answers a list of accounts, each with its "domains"; the reply
 * lists the domains of all of them. NULL when ls is not that shape (or on
 * allocation failure); caller frees.
 */
static cJSON *s_ls_domains(const cJSON *ls)
{
	cJSON *out = NULL;
	const cJSON *acct, *d;

	if (!cJSON_IsArray(ls))
		return NULL;
	out = cJSON_CreateArray();
	cJSON_ArrayForEach(acct, ls)
	{
		cJSON_ArrayForEach(d, json_arr(acct, "domains"))
		{
			cJSON *copy = cJSON_Duplicate(d, 1);

			if (out == NULL || copy == NULL || !cJSON_AddItemToArray(out, copy)) {
				cJSON_Delete(copy);
				cJSON_Delete(out);
				return NULL;
			}
		}
	}
	return out;
}

static const char *s_verb(const char *action)
{
	if (strcmp(action, "cert") == 0)
		return "issued";
	if (strcmp(action, "renew") == 0)
		return "renewed";
	if (strcmp(action, "revoke") == 0)
		return "revoked";
	return "done";
}

/*
 * The headline, the facts, the error, the job id. Everything that came from
 * the CA, AWS or a user is escaped; only our own emoji and bold markers
 * are mrkdwn. A final result of cert/renew/revoke is posted in the channel
 * (the team sees its certificate change); status, ls and progress only to
 * the person who asked.
 */
cJSON *slack_reply_message(const cJSON *result)
{
	cJSON *msg = cJSON_CreateObject(), *blocks = NULL, *ls = s_ls_domains(result), *ret = NULL;
	const cJSON *certs = ls ? ls : json_arr(result, "certs");
	const char *action = ls ? "ls" : json_str(result, "action");
	const char *state = json_str(result, "state");
	const cJSON *cert = json_obj(result, "cert");
	const cJSON *error = json_obj(result, "error");
	const cJSON *names = json_arr(result, "names");
	char *who = NULL, *head = NULL, *job = NULL, *prog = NULL, *line = NULL;
	int failed, done, public_;

	if (action == NULL)
		action = "job";
	if (state == NULL)
		state = error ? "failed" : "done";
	failed = strcmp(state, "failed") == 0 || (error != NULL && strcmp(state, "done") != 0);
	done = !failed && strcmp(state, "done") == 0;
	public_ =
	    (done || failed) && (strcmp(action, "cert") == 0 || strcmp(action, "renew") == 0 ||
				 strcmp(action, "revoke") == 0);
	if (names == NULL)
		names = json_arr(cert, "names");
	{
		char *raw = names ? s_names(names, 5) : NULL;
		const char *fallback =
		    json_str(result, "name") ? json_str(result, "name") : json_str(cert, "name");

		who = s_text(raw ? raw : (fallback ? fallback : ""), 600);
		free(raw);
	}
	job = s_text(json_str(result, "job") ? json_str(result, "job") : "", 100);
	if (msg == NULL || who == NULL || job == NULL)
		goto out;
	if (strcmp(action, "ls") == 0 && done)
		head = str_printf(":page_facing_up: Certificates");
	else if (failed)
		head = str_printf(":x: *%s*%s%s failed", action, *who ? " for " : "", who);
	else if (strcmp(action, "status") == 0)
		/* A status is information whatever the state it reports. */
		head = str_printf(":information_source: *%s*: %s", *who ? who : "status", state);
	else if (done)
		head = str_printf(":white_check_mark: Certificate *%s* %s", *who ? who : "?",
				  s_verb(action));
	else
		head = str_printf(":hourglass_flowing_sand: *%s*%s%s: %s", action,
				  *who ? " for " : "", who, state);
	if (head == NULL ||
	    cJSON_AddStringToObject(msg, "response_type", public_ ? "in_channel" : "ephemeral") ==
		NULL ||
	    cJSON_AddFalseToObject(msg, "replace_original") == NULL)
		goto out;
	/* The notification text: the headline without emoji codes' clutter. */
	if (cJSON_AddStringToObject(msg, "text", head) == NULL)
		goto out;
	blocks = cJSON_AddArrayToObject(msg, "blocks");
	if (blocks == NULL || s_section(blocks, head) != 0)
		goto out;
	if (json_str(result, "progress")) {
		prog = s_text(json_str(result, "progress"), 1000);
		if (prog == NULL || s_section(blocks, prog) != 0)
			goto out;
	}
	if (cert != NULL && !failed && s_cert_fields(blocks, result, cert) != 0)
		goto out;
	if (!failed && s_deployed(blocks, json_arr(result, "deployed")) != 0)
		goto out;
	if (certs != NULL && s_list(blocks, certs) != 0)
		goto out;
	if (error != NULL && s_error(blocks, error) != 0)
		goto out;
	if (*job) {
		line = str_printf("job %s", job);
		if (line == NULL || s_context(blocks, line) != 0)
			goto out;
	}
	ret = msg;
	msg = NULL;
out:
	cJSON_Delete(msg);
	cJSON_Delete(ls);
	free(who);
	free(head);
	free(job);
	free(prog);
	free(line);
	return ret;
}

cJSON *slack_progress_message(const char *job, const char *text)
{
	char *t = s_text(text ? text : "", 1000);
	char *j = s_text(job ? job : "", 100);
	char *line = NULL;
	cJSON *msg = NULL;

	if (t && j)
		line = *j ? str_printf(":hourglass_flowing_sand: %s (job %s)", t, j)
			  : str_printf(":hourglass_flowing_sand: %s", t);
	free(t);
	free(j);
	if (line && (msg = cJSON_CreateObject()) != NULL &&
	    (cJSON_AddStringToObject(msg, "response_type", "ephemeral") == NULL ||
	     cJSON_AddFalseToObject(msg, "replace_original") == NULL ||
	     cJSON_AddStringToObject(msg, "text", line) == NULL)) {
		cJSON_Delete(msg);
		msg = NULL;
	}
	free(line);
	return msg;
}

/*
 * One POST. The count goes up before the request is sent: a post that
 * reached Slack but whose answer was lost still used one of the five.
 */
static int s_post(const char *response_url, const cJSON *msg, unsigned *posts_used,
		  struct aaa_err *err)
{
	static const char *const headers[] = {"Content-Type: application/json; charset=utf-8",
					      NULL};
	struct http_request req;
	struct http_response resp;
	struct aaa_err e;
	char *body = NULL;
	int rc = -1;

	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	err_clear(&e);
	if (!slack_response_url_allowed(response_url, NULL)) {
		err_set(&e, "slack", "",
			"the response_url is not under the allowed prefix (%s); not "
			"posting",
			s_prefix_shown());
		goto out;
	}
	if (*posts_used >= SLACK_MAX_POSTS) {
		err_set(&e, "slack", "",
			"Slack allows %u posts per response_url; %u were used, not "
			"posting",
			SLACK_MAX_POSTS, *posts_used);
		goto out;
	}
	body = msg ? json_print(msg) : NULL;
	if (body == NULL) {
		err_set(&e, "internal", "", "out of memory building the Slack message");
		goto out;
	}
	req.method = "POST";
	req.url = response_url;
	req.headers = headers;
	req.body = body;
	req.body_len = strlen(body);
	req.timeout_ms = REPLY_TIMEOUT_MS;
	req.max_response = REPLY_MAX_ANSWER;
	(*posts_used)++;
	if (http_send(&req, &resp) != 0) {
		err_set(&e, "slack", "", "posting to Slack failed: %s", resp.error);
		goto out;
	}
	if (resp.status < 200 || resp.status > 299) {
		/* str_ndup copies n bytes: never more than the body holds. */
		char *answer = str_ndup(resp.body.data ? resp.body.data : "",
					resp.body.len < 100 ? resp.body.len : 100);
		char *p;

		for (p = answer; p && *p; p++)
			if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
				*p = '?';
		err_set(&e, "slack", "", "Slack refused the post: HTTP %ld: %s", resp.status,
			answer ? answer : "");
		err_detail(&e, (int)resp.status, NULL);
		free(answer);
		goto out;
	}
	rc = 0;
out:
	if (rc != 0 && !err_is_set(&e))
		err_set(&e, "slack", "", "posting to Slack failed");
	if (rc != 0) {
		log_warn("slack post %u: %s", *posts_used, e.message);
		err_copy(err, &e);
	}
	http_response_free(&resp);
	free(body);
	return rc;
}

int slack_notify(const char *response_url, const cJSON *result, unsigned *posts_used,
		 struct aaa_err *err)
{
	cJSON *msg = slack_reply_message(result);
	int rc = s_post(response_url, msg, posts_used, err);

	cJSON_Delete(msg);
	return rc;
}

int slack_notify_progress(const char *response_url, const char *job, const char *text,
			  unsigned *posts_used, struct aaa_err *err)
{
	cJSON *msg = slack_progress_message(job, text);
	int rc = s_post(response_url, msg, posts_used, err);

	cJSON_Delete(msg);
	return rc;
}
