/*
 * Slack allowlists (see slack/policy.h).
 */
#define _DEFAULT_SOURCE
#include "slack/policy.h"

#include <string.h>
#include <strings.h>

static int s_blank(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Calls match(item, len, arg) for each trimmed non-empty item of list;
 * returns 1 at the first match.
 */
static int s_each(const char *list, int (*match)(const char *, size_t, const void *),
		  const void *arg)
{
	const char *p = list;

	while (p && *p) {
		const char *end = strchr(p, ',');
		const char *e = end ? end : p + strlen(p);

		while (p < e && s_blank(*p))
			p++;
		while (e > p && s_blank(e[-1]))
			e--;
		if (e > p && match(p, (size_t)(e - p), arg))
			return 1;
		p = end ? end + 1 : NULL;
	}
	return 0;
}

static int s_has_item(const char *list)
{
	const char *p;

	for (p = list; p && *p; p++)
		if (*p != ',' && !s_blank(*p))
			return 1;
	return 0;
}

/* Slack ids are case-sensitive upper-case strings: exact comparison. */
static int s_exact(const char *item, size_t len, const void *arg)
{
	const char *value = arg;

	return strlen(value) == len && memcmp(item, value, len) == 0;
}

int slack_list_allows(const char *list, const char *value)
{
	if (!s_has_item(list))
		return 1;
	if (value == NULL || *value == '\0')
		return 0;
	return s_each(list, s_exact, value);
}

/*
 * "*.example.com" matches when name ends in ".example.com" with at least
 * one character before the dot; the comparison of the suffix is on whole
 * labels because the pattern's suffix starts with the dot.
 */
static int s_domain(const char *item, size_t len, const void *arg)
{
	const char *name = arg;
	size_t nlen = strlen(name);

	if (len >= 3 && item[0] == '*' && item[1] == '.') {
		const char *suffix = item + 1; /* ".example.com" */
		size_t slen = len - 1;

		return nlen > slen && strncasecmp(name + nlen - slen, suffix, slen) == 0;
	}
	return nlen == len && strncasecmp(name, item, len) == 0;
}

int slack_domain_allowed(const char *patterns, const char *name)
{
	if (name == NULL || *name == '\0')
		return 0;
	return s_each(patterns, s_domain, name);
}
