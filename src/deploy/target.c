/*
 * Target strings: parsed and checked before any order is placed, so a bad
 * --deploy is refused at once with what was wrong. Each kind parses its
 * own part (deploy_ops.parse); this file finds the kind.
 */
#define _GNU_SOURCE
#include "deploy/deploy.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/mem.h"

void deploy_target_clear(struct deploy_target *t)
{
	free(t->region);
	free(t->path);
	free(t->name);
	free(t->listener);
	free(t->dist_id);
	memset(t, 0, sizeof(*t));
}

/* The part after "<kind>:", or "" for a bare kind; NULL when s is not that
 * kind ("elbv2:..." is not kind "elb"). */
static const char *s_arg(const char *s, const char *kind)
{
	size_t n = strlen(kind);

	if (strncmp(s, kind, n) != 0)
		return NULL;
	if (s[n] == '\0')
		return "";
	if (s[n] != ':')
		return NULL;
	return s + n + 1;
}

/* "unknown deploy target ..." listing every kind's syntax, into err. */
static void s_unknown(const char *target, struct aaa_err *err)
{
	struct buf b = BUF_INIT;
	size_t k;

	buf_printf(&b, "unknown deploy target \"%s\" (", target);
	for (k = 0; k < DEPLOY_KIND_MAX; k++)
		buf_printf(&b, "%s%s", k ? ", " : "", deploy_targets[k]->syntax);
	buf_append_str(&b, ")");
	if (b.data != NULL)
		err_set(err, "input", "", "%s", b.data);
	buf_free(&b);
}

int deploy_target_parse(const char *target, struct deploy_target *t, struct aaa_err *err)
{
	const char *a = NULL;
	struct aaa_err e;
	size_t k;
	int rc = -1;

	memset(t, 0, sizeof(*t));
	err_clear(&e);
	if (target == NULL || *target == '\0' || strlen(target) > 2048) {
		err_set(&e, "input", "", "empty or overlong deploy target");
		goto out;
	}
	if (target[strlen(target) - 1] == ':') {
		err_set(&e, "input", "", "deploy target \"%s\" ends with ':' (a value is missing)",
			target);
		goto out;
	}
	for (k = 0; k < DEPLOY_KIND_MAX; k++)
		if ((a = s_arg(target, deploy_targets[k]->name)) != NULL)
			break;
	if (k == DEPLOY_KIND_MAX) {
		s_unknown(target, &e);
		goto out;
	}
	t->kind = deploy_targets[k]->kind;
	rc = deploy_targets[k]->parse(a, t, &e);
out:
	if (rc != 0) {
		if (!err_is_set(&e))
			err_set(&e, "internal", "", "deploy target \"%s\": out of memory", target);
		err_copy(err, &e);
		deploy_target_clear(t);
	}
	return rc;
}

int deploy_target_validate(const char *target, struct aaa_err *err)
{
	struct deploy_target t;
	int rc = deploy_target_parse(target, &t, err);

	deploy_target_clear(&t);
	return rc;
}
