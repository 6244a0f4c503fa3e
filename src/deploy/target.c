/*
 * Target strings: parsed and checked before any order is placed, so a bad
 * --deploy is refused at once with what was wrong.
 */
#define _GNU_SOURCE
#include "deploy/deploy.h"

#include <stdlib.h>
#include <string.h>

#include "aws/cloudfront.h"
#include "aws/elb.h"
#include "aws/elbv2.h"
#include "aws/endpoint.h"
#include "aws/iam.h"
#include "util/mem.h"

const char *const deploy_kind_names[DEPLOY_KIND_MAX] = {"acm", "iam", "elb", "elbv2", "cloudfront"};

void deploy_target_clear(struct deploy_target *t)
{
	free(t->region);
	free(t->path);
	free(t->name);
	free(t->listener);
	free(t->dist_id);
	memset(t, 0, sizeof(*t));
}

static int s_port(const char *s, unsigned *port)
{
	char *end = NULL;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -1;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v == 0 || v > 65535)
		return -1;
	*port = (unsigned)v;
	return 0;
}

/* The part after "<kind>:", or "" for a bare kind; NULL when s is not that kind. */
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

static int s_parse_acm(const char *a, struct deploy_target *t, char **err)
{
	t->kind = DEPLOY_ACM;
	if (*a == '\0')
		return 0;
	if (!aws_region_valid(a)) {
		*err = str_printf("\"%s\" is not a region (acm:REGION, e.g. acm:us-east-1)", a);
		return -1;
	}
	t->region = str_dup(a);
	return t->region ? 0 : -1;
}

static int s_parse_iam(const char *a, struct deploy_target *t, char **err)
{
	t->kind = DEPLOY_IAM;
	if (*a == '\0')
		a = DEPLOY_IAM_DEFAULT_PATH;
	if (!iam_path_valid(a) || strcmp(a, "/") == 0) {
		*err = str_printf("\"%s\" is not an IAM path of our own (iam:/PATH/, starting and "
				  "ending with '/', not \"/\" alone; default %s)",
				  a, DEPLOY_IAM_DEFAULT_PATH);
		return -1;
	}
	t->path = str_dup(a);
	return t->path ? 0 : -1;
}

static int s_parse_elb(const char *a, struct deploy_target *t, char **err)
{
	const char *colon = strchr(a, ':');
	int rc = -1;

	t->kind = DEPLOY_ELB;
	t->port = DEPLOY_ELB_DEFAULT_PORT;
	t->name = colon ? str_ndup(a, (size_t)(colon - a)) : str_dup(a);
	if (t->name == NULL)
		goto out;
	if (!elb_name_valid(t->name)) {
		*err = str_printf("\"%s\" is not a classic load balancer name (elb:NAME[:PORT]; "
				  "1-32 letters, digits, '-')",
				  t->name);
		goto out;
	}
	if (colon && s_port(colon + 1, &t->port) != 0) {
		*err = str_printf("\"%s\" is not a port (elb:NAME[:PORT], 1-65535)", colon + 1);
		goto out;
	}
	rc = 0;
out:
	return rc;
}

static int s_parse_elbv2(const char *a, struct deploy_target *t, char **err)
{
	size_t n = strlen(a);
	int rc = -1;

	t->kind = DEPLOY_ELBV2;
	if (n > 4 && strcmp(a + n - 4, ":sni") == 0) {
		t->sni = 1;
		n -= 4;
	}
	t->listener = str_ndup(a, n);
	if (t->listener == NULL)
		goto out;
	if (elbv2_listener_arn_region(t->listener, &t->region) != 0) {
		*err =
		    str_printf("\"%s\" is not a listener ARN (elbv2:arn:aws:elasticloadbalancing:"
			       "REGION:ACCOUNT:listener/...[:sni])",
			       t->listener);
		goto out;
	}
	rc = 0;
out:
	return rc;
}

static int s_parse_cloudfront(const char *a, struct deploy_target *t, char **err)
{
	t->kind = DEPLOY_CLOUDFRONT;
	if (!cloudfront_id_valid(a)) {
		*err = str_printf("\"%s\" is not a distribution id (cloudfront:ID, upper-case "
				  "letters and digits)",
				  a);
		return -1;
	}
	t->dist_id = str_dup(a);
	t->region = str_dup(CLOUDFRONT_ACM_REGION);
	return t->dist_id && t->region ? 0 : -1;
}

int deploy_target_parse(const char *target, struct deploy_target *t, char **err)
{
	const char *a;
	int rc = -1;

	memset(t, 0, sizeof(*t));
	*err = NULL;
	if (target == NULL || *target == '\0' || strlen(target) > 2048) {
		*err = str_dup("empty or overlong deploy target");
		goto out;
	}
	if (target[strlen(target) - 1] == ':') {
		*err =
		    str_printf("deploy target \"%s\" ends with ':' (a value is missing)", target);
		goto out;
	}
	/* elbv2 before elb: "elbv2:..." must not read as elb "v2". */
	if ((a = s_arg(target, "elbv2")) != NULL) {
		if (*a == '\0') {
			*err = str_dup("elbv2 needs a listener ARN (elbv2:LISTENER_ARN[:sni])");
			goto out;
		}
		rc = s_parse_elbv2(a, t, err);
	} else if ((a = s_arg(target, "elb")) != NULL) {
		if (*a == '\0') {
			*err = str_dup("elb needs a load balancer name (elb:NAME[:PORT])");
			goto out;
		}
		rc = s_parse_elb(a, t, err);
	} else if ((a = s_arg(target, "acm")) != NULL) {
		rc = s_parse_acm(a, t, err);
	} else if ((a = s_arg(target, "iam")) != NULL) {
		rc = s_parse_iam(a, t, err);
	} else if ((a = s_arg(target, "cloudfront")) != NULL) {
		rc = s_parse_cloudfront(a, t, err);
	} else {
		*err = str_printf("unknown deploy target \"%s\" (acm[:REGION], iam[:PATH], "
				  "elb:NAME[:PORT], elbv2:LISTENER_ARN[:sni], cloudfront:DIST_ID)",
				  target);
	}
out:
	if (rc != 0) {
		if (*err == NULL)
			*err = str_printf("deploy target \"%s\": out of memory", target);
		deploy_target_clear(t);
	}
	return rc;
}

int deploy_target_validate(const char *target, char **err)
{
	struct deploy_target t;
	int rc = deploy_target_parse(target, &t, err);

	deploy_target_clear(&t);
	return rc;
}
