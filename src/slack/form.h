/*
 * application/x-www-form-urlencoded bodies (the WHATWG URL standard's
 * parser, as Slack encodes slash commands): '&' separates pairs, the first
 * '=' splits name from value, '+' is a space, %XX is a byte. Invalid %
 * escapes are kept literally, as the standard says; empty pairs are
 * skipped. Values may hold any byte but NUL: a decoded %00 is refused, so
 * every value is a safe C string. Pure; no allocation on lookups.
 */
#ifndef AAA_SLACK_FORM_H
#define AAA_SLACK_FORM_H

#include <stddef.h>

#include "util/err.h"

/* Bodies larger than this are refused (Slack's are a few kB). */
#define SLACK_FORM_MAX_BODY  (64u * 1024u)
#define SLACK_FORM_MAX_PAIRS 64u

struct slack_form_pair {
	char *name;  /* owned, decoded */
	char *value; /* owned, decoded */
};

struct slack_form {
	struct slack_form_pair *pairs;
	size_t n;
};

/*
 * Parses body[0..len) into form (zeroed first; free with slack_form_free,
 * also after a failure). 0, or -1 with err set (source "input"; the message
 * says why: too large, too many pairs, %00; "internal": out of memory).
 */
int slack_form_parse(const char *body, size_t len, struct slack_form *form, struct aaa_err *err);
void slack_form_free(struct slack_form *form);
/* The first value of name (borrowed), NULL when absent. */
const char *slack_form_get(const struct slack_form *form, const char *name);
/* How many times name occurs. */
size_t slack_form_count(const struct slack_form *form, const char *name);

#endif
