/*
 * Form body parsing for Slack slash commands (see slack/form.h).
 */
#include "slack/form.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

/*
 * Decodes s[0..len) into a new string. A '%' not followed by two hex
 * digits stays as it is (WHATWG); a decoded NUL is refused (-1 in *bad) so
 * no value can be cut short by a C string function later. Caller frees.
 */
static char *s_decode(const char *s, size_t len, int *bad)
{
	char *out;
	size_t i, o = 0;

	if (len > SLACK_FORM_MAX_BODY)
		return NULL;
	out = malloc(len + 1);
	if (out == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		int hi, lo;

		if (s[i] == '+') {
			out[o++] = ' ';
		} else if (s[i] == '%' && i + 2 < len &&
			   (hi = hex_value((unsigned char)s[i + 1])) >= 0 &&
			   (lo = hex_value((unsigned char)s[i + 2])) >= 0) {
			out[o] = (char)(hi * 16 + lo);
			if (out[o] == '\0')
				*bad = 1;
			o++;
			i += 2;
		} else if (s[i] == '\0') {
			*bad = 1;
			out[o++] = s[i];
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return out;
}

void slack_form_free(struct slack_form *form)
{
	size_t i;

	if (form == NULL)
		return;
	for (i = 0; form->pairs != NULL && i < form->n; i++) {
		free(form->pairs[i].name);
		free(form->pairs[i].value);
	}
	free(form->pairs);
	form->pairs = NULL;
	form->n = 0;
}

/*
 * One pass over the body; each pair is decoded into owned strings. The
 * dispatcher parses only after the signature verified, but the size and
 * pair caps keep even a signed oddity (or a fuzzer) cheap.
 */
int slack_form_parse(const char *body, size_t len, struct slack_form *form, struct aaa_err *err)
{
	size_t start = 0, i;
	int rc = -1;

	memset(form, 0, sizeof(*form));
	if (len > SLACK_FORM_MAX_BODY) {
		err_set(err, "input", "", "form body is %zu bytes, over the %u byte limit", len,
			SLACK_FORM_MAX_BODY);
		goto out;
	}
	form->pairs = calloc(SLACK_FORM_MAX_PAIRS, sizeof(*form->pairs));
	if (form->pairs == NULL) {
		err_set(err, "internal", "", "out of memory");
		goto out;
	}
	for (i = 0; i <= len; i++) {
		const char *pair, *eq;
		size_t plen, nlen;
		int bad = 0;
		struct slack_form_pair *p;

		if (i < len && body[i] != '&')
			continue;
		pair = body + start;
		plen = i - start;
		start = i + 1;
		if (plen == 0)
			continue;
		if (form->n == SLACK_FORM_MAX_PAIRS) {
			err_set(err, "input", "", "form body has more than %u fields",
				SLACK_FORM_MAX_PAIRS);
			goto out;
		}
		eq = memchr(pair, '=', plen);
		nlen = eq ? (size_t)(eq - pair) : plen;
		p = &form->pairs[form->n];
		p->name = s_decode(pair, nlen, &bad);
		p->value = eq ? s_decode(eq + 1, plen - nlen - 1, &bad) : s_decode("", 0, &bad);
		form->n++;
		if (p->name == NULL || p->value == NULL) {
			err_set(err, "internal", "", "out of memory");
			goto out;
		}
		if (bad) {
			err_set(err, "input", "", "form body holds a NUL byte");
			goto out;
		}
	}
	rc = 0;
out:
	if (rc != 0)
		slack_form_free(form);
	return rc;
}

const char *slack_form_get(const struct slack_form *form, const char *name)
{
	size_t i;

	for (i = 0; i < form->n; i++)
		if (strcmp(form->pairs[i].name, name) == 0)
			return form->pairs[i].value;
	return NULL;
}

size_t slack_form_count(const struct slack_form *form, const char *name)
{
	size_t i, n = 0;

	for (i = 0; i < form->n; i++)
		if (strcmp(form->pairs[i].name, name) == 0)
			n++;
	return n;
}
