/*
 * Shared TXT record set arithmetic. See txtset.h.
 */
#define _GNU_SOURCE
#include "dns/txtset.h"

#include <stdlib.h>
#include <string.h>

#include "aws/route53.h"
#include "util/mem.h"

void dns_txt_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

/* 1 when wire (unquoted) equals one of vals; -1 on OOM. */
static int s_holds(const char *wire, const char *const *vals, size_t n)
{
	char *u = route53_txt_unquote(wire);
	size_t i;
	int found = 0;

	if (u == NULL)
		return -1;
	for (i = 0; i < n && !found; i++)
		found = strcmp(u, vals[i]) == 0;
	free(u);
	return found;
}

/* The result of dns_txt_add or dns_txt_remove: v and n, or nothing on
 * failure. */
static int s_result(int rc, char **v, size_t n, char ***out, size_t *nout)
{
	if (rc != 0) {
		dns_txt_free(v, n);
		v = NULL;
		n = 0;
	}
	*out = v;
	*nout = n;
	return rc;
}

int dns_txt_add(const char *const *cur, size_t ncur, const char *const *ours, size_t nours,
		char ***out, size_t *nout)
{
	char **v = calloc(ncur + nours + 1, sizeof(*v));
	size_t i, j, n = 0;
	int rc = -1, held;

	if (v == NULL)
		goto out;
	for (i = 0; i < ncur; i++) {
		if ((v[n] = str_dup(cur[i])) == NULL)
			goto out;
		n++;
	}
	for (i = 0; i < nours; i++) {
		/* Ours may repeat (apex and wildcard with one value): once. */
		held = 0;
		for (j = 0; j < ncur && !held; j++)
			if ((held = s_holds(cur[j], &ours[i], 1)) < 0)
				goto out;
		for (j = ncur; j < n && !held; j++)
			if ((held = s_holds(v[j], &ours[i], 1)) < 0)
				goto out;
		if (held)
			continue;
		if ((v[n] = route53_txt_quote(ours[i])) == NULL)
			goto out;
		n++;
	}
	rc = 0;
out:
	return s_result(rc, v, n, out, nout);
}

int dns_txt_remove(const char *const *cur, size_t ncur, const char *const *ours, size_t nours,
		   char ***out, size_t *nout)
{
	char **v = calloc(ncur + 1, sizeof(*v));
	size_t i, n = 0;
	int rc = -1, held;

	if (v == NULL)
		goto out;
	for (i = 0; i < ncur; i++) {
		if ((held = s_holds(cur[i], ours, nours)) < 0)
			goto out;
		if (held)
			continue;
		if ((v[n] = str_dup(cur[i])) == NULL)
			goto out;
		n++;
	}
	rc = 0;
out:
	return s_result(rc, v, n, out, nout);
}
