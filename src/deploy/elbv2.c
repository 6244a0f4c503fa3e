/*
 * elbv2:LISTENER_ARN[:sni]: an ALB/NLB listener's default certificate, or
 * an SNI certificate (our previous one removed). It serves an ACM
 * certificate this target imports itself in the listener's region; its ARN
 * is kept in the target's own state ("acm": {"arn","region"}).
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "aws/elbv2.h"
#include "deploy/ops.h"
#include "json/json.h"
#include "log/log.h"
#include "util/mem.h"

enum {
	P_DESCRIBE = 1u << 3,
	P_CERTS = 1u << 4,
	P_MODIFY = 1u << 5,
	P_ADD = 1u << 6,
	P_REMOVE = 1u << 7,
};
static const char *const s_perms[] = {DEPLOY_ACM_PERMISSIONS,
				      "elasticloadbalancing:DescribeListeners",
				      "elasticloadbalancing:DescribeListenerCertificates",
				      "elasticloadbalancing:ModifyListener",
				      "elasticloadbalancing:AddListenerCertificates",
				      "elasticloadbalancing:RemoveListenerCertificates",
				      NULL};

static int s_parse(const char *a, struct deploy_target *t, struct aaa_err *err)
{
	size_t n = strlen(a);

	if (n == 0) {
		err_set(err, "input", "", "elbv2 needs a listener ARN (elbv2:LISTENER_ARN[:sni])");
		return -1;
	}
	if (n > 4 && strcmp(a + n - 4, ":sni") == 0) {
		t->sni = 1;
		n -= 4;
	}
	t->listener = str_ndup(a, n);
	if (t->listener == NULL)
		return -1;
	if (elbv2_listener_arn_region(t->listener, &t->region) != 0) {
		err_set(err, "input", "",
			"\"%s\" is not a listener ARN (elbv2:arn:aws:elasticloadbalancing:"
			"REGION:ACCOUNT:listener/...[:sni])",
			t->listener);
		return -1;
	}
	return 0;
}

/* 1 when the listener's certificate list holds arn. */
static int s_listed(const struct elbv2_cert_list *l, const char *arn)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->items[i].arn, arn) == 0)
			return 1;
	return 0;
}

/*
 * Default: ModifyListener replaces the default certificate. SNI: add ours,
 * then remove the one of ours this target added before (when its ARN
 * differs: an ACM re-import keeps the ARN, so usually nothing is removed);
 * never a certificate we did not add, never the default. state "replaced"
 * names the one removed until read_back has seen it gone.
 */
static int s_run(const char *target, const struct deploy_target *t, const struct deploy_cert *c,
		 cJSON *state, char **detail, struct aaa_err *err)
{
	struct aws_reply r;
	cJSON *acm = deploy_sub(state, "acm");
	const char *arn = NULL, *prev;
	char *def = NULL, *prev_copy = NULL;
	int rc = -1, arc;

	memset(&r, 0, sizeof(r));
	prev = json_str(state, "cert_arn");
	prev_copy = prev ? str_dup(prev) : NULL;
	cJSON_DeleteItemFromObjectCaseSensitive(state, "replaced");
	/* The listener first: a wrong ARN costs no ACM import. */
	arc = elbv2_default_cert(t->region, t->listener, &def, &r);
	if (arc != 0) {
		deploy_fail(err, target, arc, &r, s_perms, P_DESCRIBE);
		goto out;
	}
	aws_reply_free(&r);
	if (acm == NULL || deploy_acm_ensure(target, t->region, c, acm, &arn, err) != 0)
		goto out;
	if (!t->sni) {
		arc = elbv2_set_default_cert(t->region, t->listener, arn, &r);
		if (arc != 0) {
			deploy_fail(err, target, arc, &r, s_perms, P_MODIFY);
			goto out;
		}
		if (deploy_set(state, "cert_arn", arn) != 0)
			goto out;
		*detail = str_printf("listener %s: default certificate %s", t->listener, arn);
	} else {
		arc = elbv2_add_cert(t->region, t->listener, arn, &r);
		if (arc != 0) {
			deploy_fail(err, target, arc, &r, s_perms, P_ADD);
			goto out;
		}
		if (deploy_set(state, "cert_arn", arn) != 0)
			goto out;
		if (prev_copy && strcmp(prev_copy, arn) != 0) {
			aws_reply_free(&r);
			arc = elbv2_remove_cert(t->region, t->listener, prev_copy, &r);
			if (arc != 0) {
				deploy_fail(err, target, arc, &r, s_perms, P_REMOVE);
				goto out;
			}
			log_info("%s: removed our previous SNI certificate %s", target, prev_copy);
			if (deploy_set(state, "replaced", prev_copy) != 0)
				goto out;
		}
		*detail = str_printf("listener %s: SNI certificate %s", t->listener, arn);
	}
	rc = *detail ? 0 : -1;
out:
	free(def);
	free(prev_copy);
	return deploy_done(rc, target, &r, err);
}

/* The listener serves state's certificate: as its default, or among its
 * certificates without the one run replaced. */
static int s_read_back(const char *target, const struct deploy_target *t,
		       const struct deploy_cert *c, cJSON *state, struct aaa_err *err)
{
	struct aws_reply r;
	struct elbv2_cert_list l = {NULL, 0};
	const char *arn = json_str(state, "cert_arn"), *old = json_str(state, "replaced");
	char *def = NULL;
	int rc = -1, arc;

	(void)c;
	memset(&r, 0, sizeof(r));
	if (!t->sni) {
		arc = elbv2_default_cert(t->region, t->listener, &def, &r);
		if (arc != 0) {
			deploy_fail(err, target, arc, &r, s_perms, P_DESCRIBE);
			goto out;
		}
		if (def == NULL || arn == NULL || strcmp(def, arn) != 0) {
			err_set(err, "aws", "",
				"%s: the listener's default certificate is %s, not %s", target,
				def ? def : "(none)", arn ? arn : "(none)");
			goto out;
		}
	} else {
		arc = elbv2_list_certs(t->region, t->listener, &l, &r);
		if (arc != 0) {
			deploy_fail(err, target, arc, &r, s_perms, P_CERTS);
			goto out;
		}
		if (arn == NULL || !s_listed(&l, arn) || (old && s_listed(&l, old))) {
			err_set(err, "aws", "",
				"%s: the listener's certificates do not show %s in place "
				"of our previous one",
				target, arn ? arn : "(none)");
			goto out;
		}
		cJSON_DeleteItemFromObjectCaseSensitive(state, "replaced");
	}
	rc = 0;
out:
	aws_reply_free(&r);
	elbv2_cert_list_clear(&l);
	free(def);
	return rc;
}

const struct deploy_ops deploy_elbv2_ops = {
    DEPLOY_ELBV2, "elbv2", "elbv2:LISTENER_ARN[:sni]", s_parse, s_run, s_read_back, NULL, s_perms,
};
