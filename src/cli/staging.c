/*
 * The staging guard: a certificate from a staging or test CA is not trusted
 * by browsers, so it never goes to a live TLS endpoint (ACM, IAM, ELB,
 * ELBv2, CloudFront) unless --allow-staging says so. Checked before any
 * order is placed. Known staging directories: Let's Encrypt's (the default)
 * and every URL in AAA_STAGING_DIRECTORIES (comma-separated), where users
 * mark their own test CAs.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "cli/commands.h"
#include "config/settings.h"

static int s_is_staging(const char *url)
{
	const char *marked = settings()->staging_directories;
	size_t n = strlen(url);

	if (strcmp(url, agent_directory_resolve("letsencrypt-staging")) == 0)
		return 1;
	for (const char *p = marked; p && *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len == n && strncmp(p, url, n) == 0)
			return 1;
		p = end ? end + 1 : NULL;
	}
	return 0;
}

static int s_live_target(const char *t)
{
	static const char *const live[] = {"acm", "iam", "elb", "elbv2", "cloudfront"};
	size_t i, n = strcspn(t, ":");

	for (i = 0; i < sizeof(live) / sizeof(live[0]); i++)
		if (strlen(live[i]) == n && strncmp(live[i], t, n) == 0)
			return 1;
	return 0;
}

const char *cli_staging_refusal(const struct cli_opts *o, const char *const *targets, size_t n)
{
	const char *url = agent_directory_resolve(o->directory);
	size_t i;

	if (o->allow_staging || !url || !s_is_staging(url))
		return NULL;
	for (i = 0; i < n; i++)
		if (s_live_target(targets[i]))
			return targets[i];
	return NULL;
}

void cli_staging_explain(const char *cmd, const struct cli_opts *o, const char *target)
{
	fprintf(stderr,
		"aaa %s: %s is a staging or test CA, whose certificates browsers do not trust; "
		"refusing to deploy one to %s (a live endpoint). For a trusted certificate use "
		"--directory letsencrypt; to deploy it anyway, --allow-staging\n",
		cmd, agent_directory_resolve(o->directory), target);
}
