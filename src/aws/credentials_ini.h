/*
 * A small, strict parser for the AWS shared config and credentials files
 * (INI). What it accepts: "[section]" headers, "key = value" lines,
 * comments on their own line ('#' or ';'), blank lines, and the SDKs'
 * nested sub-properties (a key with an empty value followed by indented
 * "sub = value" lines, stored as "key.sub"). Keys are case-insensitive
 * (lower-cased), section names and values are kept as written (trimmed).
 * Inline comments are not stripped (botocore keeps them in the value).
 *
 * Anything else - a key outside a section, a line with no '=', a duplicate
 * section or key, an indented continuation line - is an error naming the
 * file and line but never the line's content (it may be a secret).
 */
#ifndef AAA_AWS_CREDENTIALS_INI_H
#define AAA_AWS_CREDENTIALS_INI_H

#include <stddef.h>

#include "util/err.h"

#define AWS_INI_MAX_SIZE (1024u * 1024u)

struct aws_ini_entry {
	char *section;
	char *key; /* NULL: the entry only records that the section exists */
	char *value;
	unsigned line;
};

struct aws_ini {
	struct aws_ini_entry *v;
	size_t n, cap;
};

#define AWS_INI_INIT                                                                               \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

/* Parses len bytes of text; name (a path) is used in errors. out is empty
 * after a failure. 0/-1. */
int aws_ini_parse(const char *text, size_t len, const char *name, struct aws_ini *out,
		  struct aaa_err *err);
/* Value of key (any case) in section, or NULL. Borrowed from ini. */
const char *aws_ini_get(const struct aws_ini *ini, const char *section, const char *key);
int aws_ini_has_section(const struct aws_ini *ini, const char *section);
/* Wipes (credentials files hold secrets) and frees every entry. */
void aws_ini_free(struct aws_ini *ini);

#endif
