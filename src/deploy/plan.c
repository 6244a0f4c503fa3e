/*
 * The pure decisions of deploying: which IAM certificates to prune, how to
 * word a failure, whether a serial read back is ours. No I/O here.
 */
#define _GNU_SOURCE
#include "deploy/deploy.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

/* Newest first: a later upload date, then a later position in our list. */
static int s_newer(const struct deploy_prune_item *a, const struct deploy_prune_item *b)
{
	int c = strcmp(a->upload_date ? a->upload_date : "", b->upload_date ? b->upload_date : "");

	if (c != 0)
		return c > 0;
	return a->order > b->order;
}

/*
 * Keeps the current certificate and the newest keep-1 others of ours;
 * an older one still referenced by a listener is kept too (deleting it
 * would break whatever serves it), and nothing outside our prefix is ever
 * a candidate.
 */
size_t deploy_prune_plan(struct deploy_prune_item *items, size_t n, const char *prefix,
			 const char *current, unsigned keep)
{
	size_t i, j, newer, marked = 0;

	for (i = 0; i < n; i++)
		items[i].del = 0;
	if (keep == 0)
		keep = 1;
	for (i = 0; i < n; i++) {
		if (items[i].name == NULL || !str_has_prefix(items[i].name, prefix))
			continue;
		if (current && strcmp(items[i].name, current) == 0)
			continue;
		/* Rank among ours: the current one counts as newest of all. */
		newer = current ? 1 : 0;
		for (j = 0; j < n; j++) {
			if (j == i || items[j].name == NULL ||
			    !str_has_prefix(items[j].name, prefix))
				continue;
			if (current && strcmp(items[j].name, current) == 0)
				continue;
			if (s_newer(&items[j], &items[i]))
				newer++;
		}
		if (newer >= keep && !items[i].in_use) {
			items[i].del = 1;
			marked++;
		}
	}
	return marked;
}

static const char *s_hint(const char *code, const char *permission)
{
	static char buf[256];

	if (code == NULL)
		return "check the connection and the endpoint settings; the deployment is retried "
		       "with the next run";
	if (strstr(code, "AccessDenied") || strcmp(code, "UnauthorizedOperation") == 0 ||
	    strcmp(code, "AuthorizationError") == 0 || strcmp(code, "UnauthorizedAccess") == 0) {
		snprintf(buf, sizeof(buf),
			 "the role lacks %s: add it to the executor's policy (deploy/policies/)",
			 permission ? permission : "a permission");
		return buf;
	}
	if (strcmp(code, "LimitExceeded") == 0 || strcmp(code, "LimitExceededException") == 0 ||
	    strcmp(code, "TooManyCertificates") == 0)
		return "a quota is full: delete unused certificates or ask AWS to raise the quota";
	if (strstr(code, "NotFound") || strcmp(code, "NoSuchEntity") == 0 ||
	    strcmp(code, "NoSuchDistribution") == 0 || strcmp(code, "ListenerNotFound") == 0 ||
	    strcmp(code, "LoadBalancerNotFound") == 0)
		return "check the target's name, ARN and region; nothing was changed there";
	if (strcmp(code, "SignatureDoesNotMatch") == 0 ||
	    strcmp(code, "InvalidClientTokenId") == 0 || strcmp(code, "ExpiredToken") == 0 ||
	    strcmp(code, "UnrecognizedClientException") == 0)
		return "check the AWS credentials";
	return "see AWS's message; the deployment is retried with the next run";
}

char *deploy_error_line(const char *target, const char *message, const char *code,
			const char *permission)
{
	return str_printf("%s: %s; %s", target, message ? message : "failed",
			  s_hint(code, permission));
}

/* Hex digits only, lower case, leading zeros dropped; colons skipped. */
static int s_hex_norm(const char *s, char *out, size_t cap)
{
	size_t n = 0;

	for (; *s; s++) {
		if (*s == ':')
			continue;
		if (!isxdigit((unsigned char)*s) || n + 1 >= cap)
			return -1;
		if (n == 0 && *s == '0')
			continue;
		out[n++] = (char)tolower((unsigned char)*s);
	}
	if (n == 0)
		out[n++] = '0';
	out[n] = '\0';
	return 0;
}

int deploy_serial_equal(const char *a, const char *b)
{
	char x[128], y[128];

	if (a == NULL || b == NULL || *a == '\0' || *b == '\0')
		return 0;
	return s_hex_norm(a, x, sizeof(x)) == 0 && s_hex_norm(b, y, sizeof(y)) == 0 &&
	       strcmp(x, y) == 0;
}
