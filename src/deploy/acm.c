/*
 * acm[:REGION]: ImportCertificate; the first import's ARN is kept in the
 * state and every renewal re-imports to it, so whatever uses it is renewed
 * at once. elb, elbv2 and cloudfront import through deploy_acm_ensure.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "aws/acm.h"
#include "aws/endpoint.h"
#include "deploy/ops.h"
#include "json/json.h"
#include "log/log.h"
#include "util/mem.h"

enum { P_IMPORT = 1u << 0, P_TAG = 1u << 1, P_DESCRIBE = 1u << 2 };
static const char *const s_perms[] = {DEPLOY_ACM_PERMISSIONS, NULL};

static int s_parse(const char *a, struct deploy_target *t, struct aaa_err *err)
{
	if (*a == '\0')
		return 0;
	if (!aws_region_valid(a)) {
		err_set(err, "input", "", "\"%s\" is not a region (acm:REGION, e.g. acm:us-east-1)",
			a);
		return -1;
	}
	t->region = str_dup(a);
	return t->region ? 0 : -1;
}

/* ACM tag values allow letters, digits, spaces and _.:/=+-@ only. */
static char *s_tag_value(const char *name)
{
	char *v = str_dup(name), *p;

	for (p = v; p && *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("_.:/=+-@ ", *p)))
			*p = '_';
	return v;
}

/*
 * Imports c into ACM in region (NULL: the configured one), re-importing to
 * the ARN st remembers for that region; st gets "arn", "region" and
 * "key_type" at once.
 */
static int s_import(const char *target, const char *region, const struct deploy_cert *c, cJSON *st,
		    struct aaa_err *err)
{
	struct aws_reply r;
	struct acm_tag tags[2];
	const char *old = json_str(st, "arn"), *old_region = json_str(st, "region");
	const char *old_kt = json_str(st, "key_type");
	const char *where = region;
	char *got = NULL, *tagname = s_tag_value(c->name);
	int rc = -1, arc;

	memset(&r, 0, sizeof(r));
	if (where == NULL && (aws_client_region(&where) != 0 || where == NULL)) {
		err_set(err, "input", "", "%s: no AWS region configured for ACM (set AWS_REGION)",
			target);
		goto out;
	}
	if (old && old_region && strcmp(old_region, where) != 0)
		old = NULL; /* remembered for another region: a new import here */
	if (old && old_kt && c->key_type && strcmp(old_kt, c->key_type) != 0) {
		/* ACM: "The key type and size cannot be changed" on a re-import. */
		log_warn("%s: key type changed from %s to %s, which ACM cannot re-import: a new "
			 "certificate replaces %s (whatever else uses that ARN keeps the old one)",
			 target, old_kt, c->key_type, old);
		old = NULL;
	}
	tags[0].key = "aaa:managed-by";
	tags[0].value = "aaa";
	tags[1].key = "aaa:name";
	tags[1].value = tagname ? tagname : "";
	arc = acm_import(where, old, c->cert_pem, c->key_pem, c->chain_pem, tags, 2, &got, &r);
	if (arc == 1 && old &&
	    (aws_error_is(&r.err, "ResourceNotFoundException") ||
	     aws_error_is(&r.err, "CertificateNotFound"))) {
		log_warn("%s: ACM certificate %s is gone; importing a new one", target, old);
		aws_reply_free(&r);
		arc = acm_import(where, NULL, c->cert_pem, c->key_pem, c->chain_pem, tags, 2, &got,
				 &r);
	}
	if (arc != 0) {
		deploy_fail(err, target, arc, &r, s_perms, P_IMPORT | P_TAG);
		goto out;
	}
	if (deploy_set(st, "arn", got) != 0 || deploy_set(st, "region", where) != 0 ||
	    (c->key_type && deploy_set(st, "key_type", c->key_type) != 0))
		goto out;
	rc = 0;
out:
	free(got);
	free(tagname);
	return deploy_done(rc, target, &r, err);
}

/* DescribeCertificate: ACM holds c's serial under st's ARN; st gets "serial". */
static int s_confirm(const char *target, const struct deploy_cert *c, cJSON *st,
		     struct aaa_err *err)
{
	struct aws_reply r;
	struct acm_cert d;
	const char *arn = json_str(st, "arn");
	int rc = -1, arc;

	memset(&r, 0, sizeof(r));
	memset(&d, 0, sizeof(d));
	arc = acm_describe(json_str(st, "region"), arn, &d, &r);
	if (arc != 0) {
		deploy_fail(err, target, arc, &r, s_perms, P_DESCRIBE);
		goto out;
	}
	if (!deploy_serial_equal(d.serial, c->serial)) {
		err_set(err, "aws", "",
			"%s: ACM %s shows serial %s after the import, not %s; run the "
			"deployment again",
			target, arn, d.serial ? d.serial : "(none)", c->serial);
		goto out;
	}
	if (deploy_set(st, "serial", c->serial) != 0)
		goto out;
	log_info("%s: ACM %s holds serial %s", target, arn, c->serial);
	rc = 0;
out:
	acm_cert_clear(&d);
	return deploy_done(rc, target, &r, err);
}

int deploy_acm_ensure(const char *target, const char *region, const struct deploy_cert *c,
		      cJSON *st, const char **arn, struct aaa_err *err)
{
	*arn = NULL;
	if (s_import(target, region, c, st, err) != 0 || s_confirm(target, c, st, err) != 0)
		return -1;
	*arn = json_str(st, "arn");
	return 0;
}

static int s_run(const char *target, const struct deploy_target *t, const struct deploy_cert *c,
		 cJSON *state, char **detail, struct aaa_err *err)
{
	if (s_import(target, t->region, c, state, err) != 0)
		return -1;
	*detail = str_dup(json_str(state, "arn"));
	return *detail ? 0 : -1;
}

static int s_read_back(const char *target, const struct deploy_target *t,
		       const struct deploy_cert *c, cJSON *state, struct aaa_err *err)
{
	(void)t;
	return s_confirm(target, c, state, err);
}

const struct deploy_ops deploy_acm_ops = {
    DEPLOY_ACM, "acm", "acm[:REGION]", s_parse, s_run, s_read_back, NULL, s_perms,
};
