/*
 * What the deploy target files (acm.c, iam.c, elb.c, elbv2.c,
 * cloudfront.c) share; not for callers outside src/deploy/, who use
 * deploy.h.
 */
#ifndef AAA_DEPLOY_OPS_H
#define AAA_DEPLOY_OPS_H

#include <cjson/cJSON.h>

#include "aws/client.h"
#include "deploy/deploy.h"

extern const struct deploy_ops deploy_acm_ops, deploy_iam_ops, deploy_elb_ops, deploy_elbv2_ops,
    deploy_cloudfront_ops;

/* Sets (or replaces) a string member. 0/-1. */
int deploy_set(cJSON *o, const char *key, const char *value);

/* The member object key of o, created when absent (or not an object). */
cJSON *deploy_sub(cJSON *o, const char *key);

/* The end of a target's step: frees r and returns rc; a failure that set
 * no error is "<target>: out of memory". */
int deploy_done(int rc, const char *target, struct aws_reply *r, struct aaa_err *err);

/*
 * err from a failed call (replacing it): source "aws", the line of
 * deploy_error_line, and for an AWS answer (rc 1) AWS's code, HTTP status
 * and request id; AWS's code picks the hint only then. The permission the
 * hint names is perms[i] for each bit i of mask, joined by " and ".
 */
void deploy_fail(struct aaa_err *err, const char *target, int rc, const struct aws_reply *r,
		 const char *const *perms, unsigned mask);

/*
 * Imports c into ACM in region (NULL: the configured one), re-importing to
 * the ARN st remembers for that region, and confirms the serial with
 * DescribeCertificate. An ARN that ACM no longer knows (deleted by hand)
 * is replaced by a fresh import, with a warning. *arn borrowed from st.
 * elb, elbv2 and cloudfront serve the certificate this imports.
 */
int deploy_acm_ensure(const char *target, const char *region, const struct deploy_cert *c,
		      cJSON *st, const char **arn, struct aaa_err *err);

/* ACM's permissions, which elb, elbv2 and cloudfront need too. */
#define DEPLOY_ACM_PERMISSIONS                                                                     \
	"acm:ImportCertificate", "acm:AddTagsToCertificate", "acm:DescribeCertificate"

#endif
