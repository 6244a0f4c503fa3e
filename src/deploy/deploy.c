/*
 * deploy_run: one target, in place, confirmed by reading it back, through
 * the target's entry in the table below. The state object carries what a
 * renewal must reuse (the ACM ARN, the IAM names we made); the targets
 * update it as soon as AWS created something, so a later failure never
 * loses an ARN. See deploy.h.
 */
#define _GNU_SOURCE
#include "deploy/deploy.h"

#include <stdlib.h>
#include <string.h>

#include "deploy/ops.h"
#include "log/log.h"
#include "util/buf.h"
#include "util/mem.h"

/* One line per kind, in enum deploy_kind order; a new target is one file
 * and one line here. */
const struct deploy_ops *const deploy_targets[DEPLOY_KIND_MAX] = {
    [DEPLOY_ACM] = &deploy_acm_ops,
    [DEPLOY_IAM] = &deploy_iam_ops,
    [DEPLOY_ELB] = &deploy_elb_ops,
    [DEPLOY_ELBV2] = &deploy_elbv2_ops,
    [DEPLOY_CLOUDFRONT] = &deploy_cloudfront_ops,
};

int deploy_set(cJSON *o, const char *key, const char *value)
{
	cJSON *v = cJSON_CreateString(value ? value : "");

	if (v == NULL)
		return -1;
	if (cJSON_GetObjectItemCaseSensitive(o, key))
		return cJSON_ReplaceItemInObjectCaseSensitive(o, key, v) ? 0 : -1;
	return cJSON_AddItemToObject(o, key, v) ? 0 : -1;
}

int deploy_done(int rc, const char *target, struct aws_reply *r, struct aaa_err *err)
{
	if (rc != 0 && !err_is_set(err))
		err_set(err, "internal", "", "%s: out of memory", target);
	aws_reply_free(r);
	return rc;
}

cJSON *deploy_sub(cJSON *o, const char *key)
{
	cJSON *s = cJSON_GetObjectItemCaseSensitive(o, key);

	if (cJSON_IsObject(s))
		return s;
	cJSON_DeleteItemFromObjectCaseSensitive(o, key);
	return cJSON_AddObjectToObject(o, key);
}

void deploy_fail(struct aaa_err *err, const char *target, int rc, const struct aws_reply *r,
		 const char *const *perms, unsigned mask)
{
	struct buf names = BUF_INIT;
	char *line;
	unsigned i;

	for (i = 0; perms[i]; i++)
		if (mask & (1u << i))
			buf_printf(&names, "%s%s", names.len ? " and " : "", perms[i]);
	line = deploy_error_line(target, r->message, rc == 1 ? r->err.code : NULL, names.data);
	if (line != NULL)
		err_set(err, "aws", "", "%s", line);
	else
		err_set(err, "aws", "", "%s: %s", target, r->message ? r->message : "AWS failed");
	if (rc == 1)
		aws_reply_detail(r, err);
	free(line);
	buf_free(&names);
}

int deploy_run(const char *target, const struct deploy_cert *c, cJSON *state, char **detail,
	       struct aaa_err *err)
{
	const struct deploy_ops *ops;
	struct deploy_target t;
	struct aaa_err e;
	int rc = -1;

	*detail = NULL;
	err_clear(&e);
	memset(&t, 0, sizeof(t));
	if (deploy_target_parse(target, &t, &e) != 0)
		goto out;
	if (c == NULL || c->name == NULL || c->cert_pem == NULL || c->key_pem == NULL ||
	    c->serial == NULL || !cJSON_IsObject(state)) {
		err_set(&e, "input", "",
			"%s: nothing to deploy (certificate, key, serial or state missing)",
			target);
		goto out;
	}
	ops = deploy_targets[t.kind];
	if (ops->run(target, &t, c, state, detail, &e) != 0 ||
	    ops->read_back(target, &t, c, state, &e) != 0 ||
	    deploy_set(state, "serial", c->serial) != 0) {
		/* err goes to the caller, who reports it (once) */
		log_debug("%s", err_is_set(&e) ? e.message : "deployment failed");
		goto out;
	}
	if (ops->tidy)
		ops->tidy(target, &t, c, state, detail);
	log_info("%s: deployed serial %s (%s)", target, c->serial, *detail);
	rc = 0;
out:
	if (rc != 0) {
		free(*detail);
		*detail = NULL;
		if (!err_is_set(&e))
			err_set(&e, "internal", "", "%s: deployment failed", target);
		err_copy(err, &e);
	}
	deploy_target_clear(&t);
	return rc;
}
