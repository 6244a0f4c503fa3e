/*
 * Slash command text parsing (see slack/command.h).
 */
#define _DEFAULT_SOURCE
#include "slack/command.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "acme/order.h"
#include "crypto/key.h"
#include "crypto/names.h"
#include "json/json.h"
#include "util/buf.h"
#include "util/mem.h"

const char *const slack_action_names[SLACK_ACTION_MAX] = {"cert", "renew",  "status",
							  "ls",	  "revoke", "help"};

void slack_cmd_free(struct slack_cmd *cmd)
{
	size_t i;

	if (cmd == NULL)
		return;
	for (i = 0; i < cmd->nnames; i++)
		free(cmd->names[i]);
	free(cmd->names);
	free(cmd->key_type);
	free(cmd->reason);
	memset(cmd, 0, sizeof(*cmd));
}

static int s_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/*
 * Quotes a word for a message: at most 64 bytes, non-printable bytes as
 * '?', so a refusal can never carry a control character or a huge echo.
 */
static void s_quote(const char *w, char *out, size_t outlen)
{
	size_t len = strlen(w), i, o = 0;

	for (i = 0; i < len && i < 64 && o + 1 < outlen; i++)
		out[o++] = ((unsigned char)w[i] < 0x20 || w[i] == 0x7f) ? '?' : w[i];
	if (i < len && o + 4 < outlen) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

/*
 * Slack's clients turn "--" into an em dash (U+2014) as people type; such a
 * word is read as the option it was meant to be. Returns the option name
 * after the dashes, or NULL for a word that is not an option.
 */
static const char *s_option(const char *w)
{
	if (strncmp(w, "--", 2) == 0)
		return w + 2;
	if (strncmp(w, "\xe2\x80\x94", 3) == 0)
		return w + 3;
	return NULL;
}

/* Splits text into words (owned copies). -1 on allocation failure. */
static int s_split(const char *text, char ***words, size_t *n)
{
	const char *p = text;
	char **w = NULL;
	size_t cnt = 0, cap = 0;
	int rc = -1;

	while (*p) {
		const char *start;

		while (*p && s_is_space(*p))
			p++;
		if (*p == '\0')
			break;
		start = p;
		while (*p && !s_is_space(*p))
			p++;
		if (cnt == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			char **nw = realloc(w, ncap * sizeof(*nw));

			if (nw == NULL)
				goto out;
			w = nw;
			cap = ncap;
		}
		w[cnt] = str_ndup(start, (size_t)(p - start));
		if (w[cnt] == NULL)
			goto out;
		cnt++;
	}
	rc = 0;
out:
	*words = w;
	*n = cnt;
	return rc;
}

static int s_lookup(const char *w, const char *const *table, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcasecmp(w, table[i]) == 0)
			return (int)i;
	return -1;
}

/*
 * With "Escape channels, users, and links" on, Slack sends a name it
 * linkified as "<http://www.example.com|www.example.com>"; the name is
 * what was typed, after the '|' (or after the scheme without one). The
 * word is rewritten in place; anything else is left as it is.
 */
static void s_unlink(char *w)
{
	size_t len = strlen(w);
	char *inner, *bar;

	if (len < 2 || w[0] != '<' || w[len - 1] != '>')
		return;
	w[len - 1] = '\0';
	inner = w + 1;
	bar = strchr(inner, '|');
	if (bar != NULL)
		inner = bar + 1;
	else if (strncmp(inner, "http://", 7) == 0)
		inner += 7;
	else if (strncmp(inner, "https://", 8) == 0)
		inner += 8;
	memmove(w, inner, strlen(inner) + 1);
}

/* Validates and appends a name (lower-cased). */
static int s_add_name(struct slack_cmd *cmd, char *w, struct aaa_err *err)
{
	struct aaa_err why;
	char q[80];
	char *copy;

	s_unlink(w);

	if (name_validate(w, &why) != 0) {
		s_quote(w, q, sizeof(q));
		/* why names the input itself; keep only its reason when it is long. */
		err_set(err, "input", "", "\"%s\" is not a valid domain name: %.160s", q,
			why.message);
		return -1;
	}
	copy = str_dup(w);
	if (copy == NULL) {
		err_set(err, "internal", "", "out of memory");
		return -1;
	}
	name_lower(copy);
	cmd->names[cmd->nnames++] = copy;
	return 0;
}

/*
 * Every word is accounted for: an unknown option, a surplus argument or a
 * missing one is an error naming it, never silently ignored, so a typo
 * cannot issue a different certificate from the one asked for.
 */
int slack_cmd_parse(const char *text, struct slack_cmd *cmd, struct aaa_err *err)
{
	char **w = NULL;
	char q[80], choices[128];
	int kt;
	size_t n = 0, i;
	int a, rc = -1;

	memset(cmd, 0, sizeof(*cmd));
	if (text == NULL)
		text = "";
	if (strlen(text) > SLACK_MAX_TEXT) {
		err_set(err, "input", "", "the command is %zu characters long; the limit is %d",
			strlen(text), SLACK_MAX_TEXT);
		goto out;
	}
	if (s_split(text, &w, &n) != 0) {
		err_set(err, "internal", "", "out of memory");
		goto out;
	}
	if (n == 0) {
		cmd->action = SLACK_HELP;
		rc = 0;
		goto out;
	}
	a = s_lookup(w[0], slack_action_names, SLACK_ACTION_MAX);
	if (a < 0) {
		s_quote(w[0], q, sizeof(q));
		err_set(err, "input", "",
			"unknown command \"%s\": use cert, renew, status, ls, revoke or help", q);
		goto out;
	}
	cmd->action = (enum slack_action)a;
	cmd->names = calloc(SLACK_MAX_NAMES, sizeof(*cmd->names));
	if (cmd->names == NULL) {
		err_set(err, "internal", "", "out of memory");
		goto out;
	}
	for (i = 1; i < n; i++) {
		const char *opt = s_option(w[i]);

		if (cmd->action == SLACK_CERT && opt != NULL) {
			char *eq = strchr(w[i], '=');
			const char *val = NULL;

			if (eq != NULL) {
				*eq = '\0';
				val = eq + 1;
			}
			if (strcmp(opt, "create-key") == 0 && val == NULL) {
				cmd->create_key = 1;
				continue;
			}
			if (strcmp(opt, "key-type") == 0) {
				if (val == NULL && i + 1 < n)
					val = w[++i];
				kt = val ? key_type_parse_nocase(val) : -1;
				if (kt < 0) {
					s_quote(val ? val : "", q, sizeof(q));
					key_type_choices(choices, sizeof(choices));
					err_set(err, "input", "", "--key-type \"%s\": use %s", q,
						choices);
					goto out;
				}
				free(cmd->key_type);
				cmd->key_type = str_dup(key_type_names[kt]);
				if (cmd->key_type == NULL)
					goto out;
				continue;
			}
			s_quote(w[i], q, sizeof(q));
			err_set(err, "input", "",
				"unknown option \"%s\" for cert: use --create-key or --key-type T",
				q);
			goto out;
		}
		if (opt != NULL) {
			s_quote(w[i], q, sizeof(q));
			err_set(err, "input", "", "%s takes no option \"%s\"",
				slack_action_names[cmd->action], q);
			goto out;
		}
		if (cmd->action == SLACK_REVOKE && cmd->nnames == 1 && cmd->reason == NULL) {
			int r = acme_revoke_reason_parse(w[i]);

			if (r < 0 || !acme_revoke_reason_subscriber(r)) {
				s_quote(w[i], q, sizeof(q));
				acme_revoke_reason_choices(choices, sizeof(choices));
				err_set(err, "input", "",
					"unknown revocation reason \"%s\": use %s", q, choices);
				goto out;
			}
			cmd->reason = str_dup(acme_revoke_reason_names[r]);
			if (cmd->reason == NULL)
				goto out;
			continue;
		}
		if ((cmd->action == SLACK_LS || cmd->action == SLACK_HELP) ||
		    (cmd->action != SLACK_CERT && cmd->nnames == 1) ||
		    (cmd->action == SLACK_CERT && cmd->nnames == SLACK_MAX_NAMES)) {
			s_quote(w[i], q, sizeof(q));
			if (cmd->action == SLACK_CERT)
				err_set(err, "input", "",
					"too many names: a certificate holds at most %d",
					SLACK_MAX_NAMES);
			else
				err_set(err, "input", "", "%s: unexpected \"%s\"",
					slack_action_names[cmd->action], q);
			goto out;
		}
		if (s_add_name(cmd, w[i], err) != 0)
			goto out;
	}
	if (cmd->action != SLACK_LS && cmd->action != SLACK_HELP && cmd->nnames == 0) {
		err_set(err, "input", "", "%s needs %s", slack_action_names[cmd->action],
			cmd->action == SLACK_CERT ? "at least one domain name"
						  : "a certificate name");
		goto out;
	}
	if (cmd->nnames > 1 &&
	    names_validate_list((const char *const *)cmd->names, cmd->nnames, err) != 0)
		goto out;
	rc = 0;
out:
	for (i = 0; i < n; i++)
		free(w[i]);
	free(w);
	if (rc != 0)
		slack_cmd_free(cmd);
	return rc;
}

cJSON *slack_cmd_payload(const struct slack_cmd *cmd)
{
	cJSON *p = NULL;
	int ok = 0;

	if (cmd->action == SLACK_HELP)
		goto out;
	p = cJSON_CreateObject();
	if (p == NULL ||
	    cJSON_AddStringToObject(p, "action", slack_action_names[cmd->action]) == NULL)
		goto out;
	switch (cmd->action) {
	case SLACK_CERT:
		if (json_add_str_array(p, "names", (const char *const *)cmd->names, cmd->nnames) !=
			0 ||
		    cJSON_AddBoolToObject(p, "create_key", cmd->create_key) == NULL ||
		    (cmd->key_type &&
		     cJSON_AddStringToObject(p, "key_type", cmd->key_type) == NULL))
			goto out;
		break;
	case SLACK_REVOKE:
		if (cmd->reason && cJSON_AddStringToObject(p, "reason", cmd->reason) == NULL)
			goto out;
		/* fall through */
	case SLACK_RENEW:
	case SLACK_STATUS:
		if (cJSON_AddStringToObject(p, "name", cmd->names[0]) == NULL)
			goto out;
		break;
	default:
		break;
	}
	ok = 1;
out:
	if (!ok) {
		cJSON_Delete(p);
		p = NULL;
	}
	return p;
}

char *slack_cmd_describe(const struct slack_cmd *cmd)
{
	struct buf b = BUF_INIT;
	char *out = NULL;
	size_t i;

	if (buf_append_str(&b, slack_action_names[cmd->action]) != 0)
		goto out;
	for (i = 0; i < cmd->nnames; i++) {
		if (i == 5) {
			if (buf_printf(&b, " and %zu more", cmd->nnames - 5) != 0)
				goto out;
			break;
		}
		if (buf_printf(&b, "%s%s", i == 0 ? " for " : ", ", cmd->names[i]) != 0)
			goto out;
	}
	out = buf_steal(&b);
out:
	buf_free(&b);
	return out;
}
