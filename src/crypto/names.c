#include "crypto/names.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/mem.h"

/* How much of a bad name is quoted back in an error message. */
#define SHOW_MAX 48

/*
 * Writes a printable, bounded rendering of name into out: control characters
 * and quotes are escaped (a name may come from a Slack command or an event),
 * bytes >= 0x80 are kept so a UTF-8 name stays readable, and a long name is
 * cut with "..." and its length.
 */
static void s_show(const char *name, char *out, size_t outlen)
{
	str_show(name, SHOW_MAX, '"', 1, "characters", out, outlen);
}

/*
 * "name \"<shown>\": <reason>" into err (source "input"), when the caller
 * wants a message. The reason is formatted by err_vset (another file)
 * rather than vsnprintf here: clang-tidy 14's valist checker misreports the
 * latter when several files are analysed in one run, as `make lint` does.
 */
static void s_err(struct aaa_err *err, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void s_err(struct aaa_err *err, const char *name, const char *fmt, ...)
{
	char shown[4 * SHOW_MAX + 32];
	va_list ap;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	(void)err_vset(err, "input", "", fmt, ap);
	va_end(ap);
	s_show(name, shown, sizeof(shown));
	(void)err_prefix(err, "name \"%s\"", shown);
}

static int s_is_ldh(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-';
}

/*
 * One pass over the labels. The checks are ordered so the message names the
 * first real problem: non-ASCII before LDH (so an IDN gets the A-label
 * advice), then length limits, then label shape.
 */
int name_validate(const char *name, struct aaa_err *err)
{
	size_t len, i, start, label = 0;
	const char *p;
	int rc = -1;

	if (name == NULL || name[0] == '\0') {
		err_set(err, "input", "", "empty name");
		goto out;
	}
	len = strlen(name);
	for (i = 0; i < len; i++) {
		if ((unsigned char)name[i] >= 0x80) {
			s_err(err, name,
			      "non-ASCII characters; give an internationalized name as its "
			      "A-label (xn--...), e.g. converted with idn2");
			goto out;
		}
	}
	if (len > NAME_MAX_LEN) {
		s_err(err, name, "%zu characters long (at most %d)", len, NAME_MAX_LEN);
		goto out;
	}
	if (name[len - 1] == '.') {
		s_err(err, name, "trailing dot; give the name without it");
		goto out;
	}
	p = name;
	if (strncmp(name, "*.", 2) == 0)
		p = name + 2;
	else if (strcmp(name, "*") == 0) {
		s_err(err, name, "a wildcard needs a domain after \"*.\"");
		goto out;
	}
	start = (size_t)(p - name);
	for (i = start;; i++) {
		if (name[i] == '.' || name[i] == '\0') {
			size_t llen = i - start;

			label++;
			if (llen == 0) {
				s_err(err, name, "label %zu is empty", label);
				goto out;
			}
			if (llen > LABEL_MAX_LEN) {
				s_err(err, name, "label %zu is %zu characters long (at most %d)",
				      label, llen, LABEL_MAX_LEN);
				goto out;
			}
			if (name[start] == '-' || name[i - 1] == '-') {
				s_err(err, name, "label %zu starts or ends with '-'", label);
				goto out;
			}
			if (name[i] == '\0')
				break;
			start = i + 1;
			continue;
		}
		if (name[i] == '*') {
			s_err(
			    err, name,
			    "'*' is only allowed as the whole leftmost label (\"*.example.com\")");
			goto out;
		}
		if (!s_is_ldh((unsigned char)name[i])) {
			char shown[8];

			if (name[i] > 0x20 && name[i] < 0x7f)
				snprintf(shown, sizeof(shown), "'%c'", name[i]);
			else
				snprintf(shown, sizeof(shown), "0x%02x", (unsigned char)name[i]);
			s_err(err, name,
			      "character %s is not allowed (letters, digits, '-' and '.' only)",
			      shown);
			goto out;
		}
	}
	rc = 0;
out:
	return rc;
}

int names_validate_list(const char *const *names, size_t n, struct aaa_err *err)
{
	size_t i, j;
	int rc = -1;

	if (names == NULL || n == 0) {
		err_set(err, "input", "", "no names given");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (name_validate(names[i], err) != 0)
			goto out;
		for (j = 0; j < i; j++) {
			if (name_equal(names[i], names[j])) {
				s_err(err, names[i], "given more than once");
				goto out;
			}
		}
	}
	rc = 0;
out:
	return rc;
}

int name_equal(const char *a, const char *b)
{
	for (;; a++, b++) {
		unsigned char x = (unsigned char)*a, y = (unsigned char)*b;

		if (x >= 'A' && x <= 'Z')
			x = (unsigned char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (unsigned char)(y - 'A' + 'a');
		if (x != y)
			return 0;
		if (x == '\0')
			return 1;
	}
}

int name_is_wildcard(const char *name)
{
	return name != NULL && strncmp(name, "*.", 2) == 0;
}

void name_lower(char *name)
{
	for (; name != NULL && *name != '\0'; name++) {
		if (*name >= 'A' && *name <= 'Z')
			*name = (char)(*name - 'A' + 'a');
	}
}

void name_normalize(char *name)
{
	size_t n;

	if (name == NULL)
		return;
	name_lower(name);
	n = strlen(name);
	if (n > 1 && name[n - 1] == '.')
		name[n - 1] = '\0';
}
