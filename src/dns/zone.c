/*
 * Zone choice and option lookup for DNS-01. See zone.h.
 */
#define _GNU_SOURCE
#include "dns/zone.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

char *dns_identifier_normal(const char *identifier)
{
	char *s;
	size_t len, i;

	if (identifier == NULL)
		return NULL;
	s = str_dup(identifier);
	if (s == NULL)
		return NULL;
	len = strlen(s);
	while (len > 0 && s[len - 1] == '.')
		s[--len] = '\0';
	for (i = 0; i < len; i++)
		s[i] = (char)tolower((unsigned char)s[i]);
	if (len == 0) {
		free(s);
		return NULL;
	}
	return s;
}

char *dns_challenge_name(const char *identifier)
{
	char *n = dns_identifier_normal(identifier), *r = NULL;
	const char *base;

	if (n == NULL)
		return NULL;
	base = strncmp(n, "*.", 2) == 0 ? n + 2 : n;
	/* Whitespace, a leading dot, an empty label or another '*' cannot be
	 * a DNS-01 identifier's base name. */
	if (*base && *base != '.' && strstr(base, "..") == NULL && strchr(base, '*') == NULL &&
	    strpbrk(base, " \t\r\n\\\"") == NULL)
		r = str_printf("_acme-challenge.%s", base);
	free(n);
	return r;
}

int dns_name_in_zone(const char *name, const char *zone)
{
	size_t nl = strlen(name), zl = strlen(zone);

	if (nl == zl)
		return strcmp(name, zone) == 0;
	return nl > zl && name[nl - zl - 1] == '.' && strcmp(name + nl - zl, zone) == 0;
}

long dns_zone_choose(const char *name, const struct route53_zone *zones, size_t n,
		     const char *explicit_id)
{
	const char *want = explicit_id ? route53_id_bare(explicit_id) : NULL;
	size_t i, best_len = 0;
	int best_public = 0;
	long best = -1;

	for (i = 0; i < n; i++) {
		char *zn = route53_name_normal(zones[i].name);
		size_t zl;
		int pub = !zones[i].private_zone;

		if (zn == NULL)
			continue;
		zl = strlen(zn);
		if (dns_name_in_zone(name, zn)) {
			if (want) {
				if (strcmp(route53_id_bare(zones[i].id), want) == 0)
					best = (long)i;
			} else if (best < 0 || (pub && !best_public) ||
				   (pub == best_public && zl > best_len)) {
				best = (long)i;
				best_len = zl;
				best_public = pub;
			}
		}
		free(zn);
	}
	return best;
}

int dns_opt_valid(const char *entry)
{
	const char *eq = entry ? strchr(entry, '=') : NULL;

	return eq && eq != entry && eq[1] != '\0';
}

int dns_opt_lookup(const char *const *entries, size_t n, const char *name, char **value)
{
	char *dom = NULL;
	size_t i, best_len = 0;
	long best = -1;
	int rc = -1;

	*value = NULL;
	for (i = 0; i < n; i++) {
		const char *e = entries[i], *eq = dns_opt_valid(e) ? strchr(e, '=') : NULL;
		char *raw;

		free(dom);
		dom = NULL;
		if (eq == NULL)
			continue;
		raw = str_ndup(e, (size_t)(eq - e));
		if (raw == NULL)
			goto out;
		dom = dns_identifier_normal(strncmp(raw, "*.", 2) == 0 ? raw + 2 : raw);
		free(raw);
		if (dom == NULL)
			continue;
		if (dns_name_in_zone(name, dom) && (best < 0 || strlen(dom) > best_len)) {
			best = (long)i;
			best_len = strlen(dom);
		}
	}
	if (best >= 0) {
		*value = str_dup(strchr(entries[best], '=') + 1);
		if (*value == NULL)
			goto out;
	}
	rc = 0;
out:
	free(dom);
	return rc;
}
