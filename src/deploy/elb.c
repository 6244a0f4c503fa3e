/*
 * elb:NAME[:PORT]: a classic ELB listener (default port 443) serves an ACM
 * certificate this target imports itself (and re-imports in place on
 * renewal) in the configured region; its ARN is kept in the target's own
 * state ("acm": {"arn","region"}).
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/elb.h"
#include "deploy/ops.h"
#include "json/json.h"
#include "util/mem.h"

enum { P_DESCRIBE = 1u << 3, P_SET = 1u << 4 };
static const char *const s_perms[] = {
    DEPLOY_ACM_PERMISSIONS, "elasticloadbalancing:DescribeLoadBalancers",
    "elasticloadbalancing:SetLoadBalancerListenerSSLCertificate", NULL};

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

static int s_parse(const char *a, struct deploy_target *t, struct aaa_err *err)
{
	const char *colon = strchr(a, ':');

	if (*a == '\0') {
		err_set(err, "input", "", "elb needs a load balancer name (elb:NAME[:PORT])");
		return -1;
	}
	t->port = DEPLOY_ELB_DEFAULT_PORT;
	t->name = colon ? str_ndup(a, (size_t)(colon - a)) : str_dup(a);
	if (t->name == NULL)
		return -1;
	if (!elb_name_valid(t->name)) {
		err_set(err, "input", "",
			"\"%s\" is not a classic load balancer name (elb:NAME[:PORT]; "
			"1-32 letters, digits, '-')",
			t->name);
		return -1;
	}
	if (colon && s_port(colon + 1, &t->port) != 0) {
		err_set(err, "input", "", "\"%s\" is not a port (elb:NAME[:PORT], 1-65535)",
			colon + 1);
		return -1;
	}
	return 0;
}

/* The port's listener: 1 when one matches (with arn: serves it; without:
 * is HTTPS or SSL), 0 when none does, -1 with err set when ELB did not say. */
static int s_listener(const char *target, const struct deploy_target *t, const char *arn,
		      struct aaa_err *err)
{
	struct aws_reply r;
	struct elb_listener_list l = {NULL, 0};
	size_t i;
	int arc, found = 0;

	memset(&r, 0, sizeof(r));
	arc = elb_describe_listeners(t->name, &l, &r);
	if (arc != 0) {
		deploy_fail(err, target, arc, &r, s_perms, P_DESCRIBE);
		found = -1;
	}
	for (i = 0; arc == 0 && i < l.n; i++)
		if (l.items[i].port == t->port &&
		    (arn ? l.items[i].cert_id && strcmp(l.items[i].cert_id, arn) == 0
			 : strcasecmp(l.items[i].protocol, "HTTPS") == 0 ||
			       strcasecmp(l.items[i].protocol, "SSL") == 0))
			found = 1;
	aws_reply_free(&r);
	elb_listener_list_clear(&l);
	return found;
}

static int s_run(const char *target, const struct deploy_target *t, const struct deploy_cert *c,
		 cJSON *state, char **detail, struct aaa_err *err)
{
	struct aws_reply r;
	cJSON *acm = deploy_sub(state, "acm");
	const char *arn = NULL;
	int rc = -1, arc, found;

	memset(&r, 0, sizeof(r));
	/* The listener first: a wrong name or port costs no ACM import. */
	if ((found = s_listener(target, t, NULL, err)) < 0)
		goto out;
	if (!found) {
		err_set(err, "aws", "",
			"%s: load balancer %s has no HTTPS or SSL listener on port %u; "
			"check the target (elb:NAME[:PORT]); nothing was changed",
			target, t->name, t->port);
		goto out;
	}
	if (acm == NULL || deploy_acm_ensure(target, NULL, c, acm, &arn, err) != 0)
		goto out;
	arc = elb_set_listener_cert(t->name, t->port, arn, &r);
	if (arc != 0) {
		deploy_fail(err, target, arc, &r, s_perms, P_SET);
		goto out;
	}
	if (deploy_set(state, "cert_arn", arn) != 0)
		goto out;
	*detail = str_printf("load balancer %s port %u: %s", t->name, t->port, arn);
	rc = *detail ? 0 : -1;
out:
	return deploy_done(rc, target, &r, err);
}

/* DescribeLoadBalancers: the port's listener serves state's certificate. */
static int s_read_back(const char *target, const struct deploy_target *t,
		       const struct deploy_cert *c, cJSON *state, struct aaa_err *err)
{
	const char *arn = json_str(state, "cert_arn");
	int found = arn ? s_listener(target, t, arn, err) : 0;

	(void)c;
	if (found < 0)
		return -1;
	if (!found) {
		err_set(err, "aws", "",
			"%s: load balancer %s port %u does not show %s after the switch; "
			"check that the listener is HTTPS or SSL",
			target, t->name, t->port, arn ? arn : "(none)");
		return -1;
	}
	return 0;
}

const struct deploy_ops deploy_elb_ops = {
    DEPLOY_ELB, "elb", "elb:NAME[:PORT]", s_parse, s_run, s_read_back, NULL, s_perms,
};
