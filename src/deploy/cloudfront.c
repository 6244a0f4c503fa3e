/*
 * cloudfront:DIST_ID: the distribution's viewer certificate, switched with
 * If-Match and retried on a stale ETag. It serves an ACM certificate this
 * target imports itself in us-east-1; its ARN is kept in the target's own
 * state ("acm": {"arn","region"}).
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "aws/cloudfront.h"
#include "deploy/ops.h"
#include "json/json.h"
#include "util/mem.h"

enum { P_GET = 1u << 3, P_UPDATE = 1u << 4 };
static const char *const s_perms[] = {DEPLOY_ACM_PERMISSIONS, "cloudfront:GetDistributionConfig",
				      "cloudfront:UpdateDistribution", NULL};

static int s_parse(const char *a, struct deploy_target *t, struct aaa_err *err)
{
	if (!cloudfront_id_valid(a)) {
		err_set(err, "input", "",
			"\"%s\" is not a distribution id (cloudfront:ID, upper-case "
			"letters and digits)",
			a);
		return -1;
	}
	t->dist_id = str_dup(a);
	t->region = str_dup(CLOUDFRONT_ACM_REGION);
	return t->dist_id && t->region ? 0 : -1;
}

static int s_run(const char *target, const struct deploy_target *t, const struct deploy_cert *c,
		 cJSON *state, char **detail, struct aaa_err *err)
{
	struct aws_reply r;
	struct cloudfront_viewer v;
	cJSON *acm;
	const char *arn = NULL, *why = NULL;
	unsigned attempts = 0;
	int rc = -1, arc;

	memset(&r, 0, sizeof(r));
	memset(&v, 0, sizeof(v));
	if (!cloudfront_key_type_ok(c->key_type, &why)) {
		err_set(err, "input", "", "%s: key type %s refused: %s", target,
			c->key_type ? c->key_type : "(unknown)", why);
		goto out;
	}
	/* The distribution first: a wrong id costs no ACM import. */
	arc = cloudfront_get_viewer(t->dist_id, &v, &r);
	if (arc != 0) {
		deploy_fail(err, target, arc, &r, s_perms, P_GET);
		goto out;
	}
	aws_reply_free(&r);
	acm = deploy_sub(state, "acm");
	if (acm == NULL || deploy_acm_ensure(target, t->region, c, acm, &arn, err) != 0)
		goto out;
	arc = cloudfront_set_acm_certificate(t->dist_id, arn, &attempts, &r);
	if (arc != 0) {
		deploy_fail(err, target, arc, &r, s_perms, P_GET | P_UPDATE);
		goto out;
	}
	if (deploy_set(state, "cert_arn", arn) != 0)
		goto out;
	*detail = str_printf("distribution %s: %s%s", t->dist_id, arn,
			     attempts > 1 ? " (retried after a concurrent change)" : "");
	rc = *detail ? 0 : -1;
out:
	cloudfront_viewer_clear(&v);
	return deploy_done(rc, target, &r, err);
}

/* GetDistributionConfig: the viewer side serves state's certificate. */
static int s_read_back(const char *target, const struct deploy_target *t,
		       const struct deploy_cert *c, cJSON *state, struct aaa_err *err)
{
	struct aws_reply r;
	struct cloudfront_viewer v;
	const char *arn = json_str(state, "cert_arn");
	int rc = -1, arc;

	(void)c;
	memset(&r, 0, sizeof(r));
	arc = cloudfront_get_viewer(t->dist_id, &v, &r);
	if (arc != 0) {
		deploy_fail(err, target, arc, &r, s_perms, P_GET);
		goto out;
	}
	if (v.acm_arn == NULL || arn == NULL || strcmp(v.acm_arn, arn) != 0) {
		err_set(err, "aws", "", "%s: the distribution's viewer certificate is %s, not %s",
			target, v.acm_arn ? v.acm_arn : "(none)", arn ? arn : "(none)");
		goto out;
	}
	rc = 0;
out:
	aws_reply_free(&r);
	cloudfront_viewer_clear(&v);
	return rc;
}

const struct deploy_ops deploy_cloudfront_ops = {
    DEPLOY_CLOUDFRONT, "cloudfront", "cloudfront:DIST_ID", s_parse, s_run, s_read_back, NULL,
    s_perms,
};
