#define _DEFAULT_SOURCE
#include "aws/credentials_ini.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log/log.h"
#include "util/mem.h"

static int s_space(char c)
{
	return c == ' ' || c == '\t';
}

static int s_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '.';
}

/* Trims [*b, *e) in place of the pointers. */
static void s_trim(const char **b, const char **e)
{
	while (*b < *e && s_space(**b))
		(*b)++;
	while (*e > *b && s_space((*e)[-1]))
		(*e)--;
}

/* Takes ownership of section, key and value (freed on failure). */
static int s_add(struct aws_ini *ini, char *section, char *key, char *value, unsigned line)
{
	struct aws_ini_entry *nv;
	int rc = -1;

	if (section == NULL || (key == NULL) != (value == NULL))
		goto out;
	if (ini->n == ini->cap) {
		size_t cap = ini->cap ? ini->cap * 2 : 32;

		nv = realloc(ini->v, cap * sizeof(*nv));
		if (nv == NULL)
			goto out;
		ini->v = nv;
		ini->cap = cap;
	}
	ini->v[ini->n].section = section;
	ini->v[ini->n].key = key;
	ini->v[ini->n].value = value;
	ini->v[ini->n].line = line;
	ini->n++;
	section = key = value = NULL;
	rc = 0;
out:
	free(section);
	free(key);
	str_wipe_free(value);
	return rc;
}

static char *s_lower_dup(const char *b, size_t n)
{
	char *s = str_ndup(b, n), *p;

	for (p = s; p && *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return s;
}

/* Parses "key = value" in [b, e) into lower-cased key and trimmed value. */
static int s_key_value(const char *b, const char *e, char **key, char **value)
{
	const char *eq = memchr(b, '=', (size_t)(e - b)), *kb = b, *ke = eq, *vb, *ve = e, *p;
	int rc = -1;

	if (eq == NULL)
		goto out;
	vb = eq + 1;
	s_trim(&kb, &ke);
	s_trim(&vb, &ve);
	if (kb == ke)
		goto out;
	for (p = kb; p < ke; p++)
		if (!s_key_char(*p))
			goto out;
	*key = s_lower_dup(kb, (size_t)(ke - kb));
	*value = str_ndup(vb, (size_t)(ve - vb));
	rc = *key && *value ? 0 : -1;
out:
	return rc;
}

static int s_has_section(const struct aws_ini *ini, const char *section)
{
	size_t i;

	for (i = 0; i < ini->n; i++)
		if (ini->v[i].key == NULL && strcmp(ini->v[i].section, section) == 0)
			return 1;
	return 0;
}

/*
 * One pass over the lines. State: the current section, and the key whose
 * empty value opened a nested block (indented lines belong to it).
 */
int aws_ini_parse(const char *text, size_t len, const char *name, struct aws_ini *out,
		  struct aaa_err *err)
{
	const char *p = text, *end = text + len, *eol, *b, *e, *why = NULL;
	char *section = NULL, *parent = NULL, *key = NULL, *value = NULL, *full = NULL;
	unsigned line = 0;
	int rc = -1, added;

	memset(out, 0, sizeof(*out));
	if (memchr(text, '\0', len) != NULL) {
		why = "NUL byte in file";
		goto out;
	}
	for (; p < end; p = eol + 1) {
		line++;
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		b = p;
		e = eol > p && eol[-1] == '\r' ? eol - 1 : eol;
		s_trim(&b, &e);
		if (b == e || *b == '#' || *b == ';')
			continue;
		if (s_space(*p)) {
			/* indented: a sub-property of the key that opened a block */
			if (parent == NULL) {
				why = "indented line (continuation lines are not supported)";
				goto out;
			}
			if (s_key_value(b, e, &key, &value) != 0) {
				why = "expected \"name = value\" in a nested block";
				goto out;
			}
			full = str_printf("%s.%s", parent, key);
			if (full == NULL)
				goto out_nomem;
			if (aws_ini_get(out, section, full) != NULL) {
				why = "duplicate key";
				goto out;
			}
			added = s_add(out, str_dup(section), full, value, line);
			full = value = NULL; /* s_add owns them now, also on failure */
			if (added != 0)
				goto out_nomem;
			free(key);
			key = NULL;
			continue;
		}
		free(parent);
		parent = NULL;
		if (*b == '[') {
			const char *close = memchr(b, ']', (size_t)(e - b)), *nb = b + 1,
				   *ne = close;

			if (close == NULL) {
				why = "section header without ']'";
				goto out;
			}
			s_trim(&nb, &ne);
			b = close + 1;
			while (b < e && s_space(*b))
				b++;
			if (nb == ne || memchr(nb, '[', (size_t)(ne - nb)) ||
			    (b < e && *b != '#' && *b != ';')) {
				why = "malformed section header";
				goto out;
			}
			free(section);
			section = str_ndup(nb, (size_t)(ne - nb));
			if (section == NULL)
				goto out_nomem;
			if (s_has_section(out, section)) {
				why = "duplicate section";
				goto out;
			}
			if (s_add(out, str_dup(section), NULL, NULL, line) != 0)
				goto out_nomem;
			continue;
		}
		if (section == NULL) {
			why = "setting outside any [section]";
			goto out;
		}
		if (s_key_value(b, e, &key, &value) != 0) {
			why = "expected \"name = value\"";
			goto out;
		}
		if (aws_ini_get(out, section, key) != NULL) {
			why = "duplicate key";
			goto out;
		}
		if (*value == '\0' && (parent = str_dup(key)) == NULL)
			goto out_nomem;
		added = s_add(out, str_dup(section), key, value, line);
		key = value = NULL;
		if (added != 0)
			goto out_nomem;
	}
	rc = 0;
	goto out;
out_nomem:
	why = "out of memory";
out:
	if (rc != 0) {
		log_fail(err, "aws", "", "%s line %u: %s", name ? name : "config", line,
			 why ? why : "parse error");
		aws_ini_free(out);
	}
	free(section);
	free(parent);
	free(key);
	free(full);
	str_wipe_free(value);
	return rc;
}

const char *aws_ini_get(const struct aws_ini *ini, const char *section, const char *key)
{
	size_t i;

	for (i = 0; ini && i < ini->n; i++)
		if (ini->v[i].key && strcmp(ini->v[i].section, section) == 0 &&
		    strcasecmp(ini->v[i].key, key) == 0)
			return ini->v[i].value;
	return NULL;
}

int aws_ini_has_section(const struct aws_ini *ini, const char *section)
{
	return ini ? s_has_section(ini, section) : 0;
}

void aws_ini_free(struct aws_ini *ini)
{
	size_t i;

	if (ini == NULL)
		return;
	for (i = 0; i < ini->n; i++) {
		free(ini->v[i].section);
		free(ini->v[i].key);
		str_wipe_free(ini->v[i].value);
	}
	free(ini->v);
	memset(ini, 0, sizeof(*ini));
}
