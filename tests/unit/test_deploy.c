/*
 * Deploy targets, the pure parts: target strings, the IAM prune decision,
 * IAM names and paths, the user's error lines, serial comparison.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "deploy/deploy.h"
#include "aws/actions.h"
#include "aws/iam.h"
#include "harness.h"

static const char *const LISTENER =
    "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/web/50dc6c495c0c9188/"
    "f2f7dc8efc522ab2";

TEST(deploy_target_parse_each_kind)
{
	struct deploy_target t;
	struct aaa_err err;
	char *s;

	err_clear(&err);
	CHECK_INT(deploy_target_parse("acm", &t, &err), 0);
	CHECK_INT(t.kind, DEPLOY_ACM);
	CHECK(t.region == NULL);
	deploy_target_clear(&t);

	CHECK_INT(deploy_target_parse("acm:eu-west-1", &t, &err), 0);
	CHECK_STR(t.region, "eu-west-1");
	deploy_target_clear(&t);

	CHECK_INT(deploy_target_parse("iam", &t, &err), 0);
	CHECK_INT(t.kind, DEPLOY_IAM);
	CHECK_STR(t.path, "/aaa/");
	deploy_target_clear(&t);

	CHECK_INT(deploy_target_parse("iam:/team/web/", &t, &err), 0);
	CHECK_STR(t.path, "/team/web/");
	deploy_target_clear(&t);

	CHECK_INT(deploy_target_parse("elb:my-lb", &t, &err), 0);
	CHECK_INT(t.kind, DEPLOY_ELB);
	CHECK_STR(t.name, "my-lb");
	CHECK_INT(t.port, 443);
	deploy_target_clear(&t);

	CHECK_INT(deploy_target_parse("elb:my-lb:8443", &t, &err), 0);
	CHECK_INT(t.port, 8443);
	deploy_target_clear(&t);

	s = malloc(strlen(LISTENER) + 16);
	REQUIRE(s != NULL);
	strcpy(s, "elbv2:");
	strcat(s, LISTENER);
	CHECK_INT(deploy_target_parse(s, &t, &err), 0);
	CHECK_INT(t.kind, DEPLOY_ELBV2);
	CHECK_STR(t.listener, LISTENER);
	CHECK_STR(t.region, "eu-west-1");
	CHECK_INT(t.sni, 0);
	deploy_target_clear(&t);
	strcat(s, ":sni");
	CHECK_INT(deploy_target_parse(s, &t, &err), 0);
	CHECK_STR(t.listener, LISTENER);
	CHECK_INT(t.sni, 1);
	deploy_target_clear(&t);
	free(s);

	CHECK_INT(deploy_target_parse("cloudfront:E2QWRUHAPOMQZL", &t, &err), 0);
	CHECK_INT(t.kind, DEPLOY_CLOUDFRONT);
	CHECK_STR(t.dist_id, "E2QWRUHAPOMQZL");
	CHECK_STR(t.region, "us-east-1");
	deploy_target_clear(&t);
	CHECK(!err_is_set(&err));
}

/* Each refusal comes with a message naming the bad part. */
TEST(deploy_target_refusals)
{
	static const struct {
		const char *target, *needle;
	} bad[] = {
	    {"", "empty"},
	    {"s3", "unknown deploy target"},
	    {"acmx", "unknown deploy target"},
	    {"acm:", "a value is missing"},
	    {"acm:EU_WEST", "not a region"},
	    {"acm:us-east-1; rm", "not a region"},
	    {"iam:aaa", "not an IAM path"},
	    {"iam:/aaa", "not an IAM path"},
	    {"iam:/", "not an IAM path"},
	    {"iam:/a b/", "not an IAM path"},
	    {"elb", "needs a load balancer name"},
	    {"elb:", "a value is missing"},
	    {"elb:bad_name", "not a classic load balancer name"},
	    {"elb:lb:0", "not a port"},
	    {"elb:lb:65536", "not a port"},
	    {"elb:lb:44x", "not a port"},
	    {"elbv2", "needs a listener ARN"},
	    {"elbv2:listener/app/x", "not a listener ARN"},
	    {"elbv2:arn:aws:elasticloadbalancing:eu-west-1:1:loadbalancer/app/x/1",
	     "not a listener"},
	    {"elbv2:arn:aws:acm:eu-west-1:1:listener/app/x/1/2", "not a listener ARN"},
	    {"elbv2:arn:aws:elasticloadbalancing::1:listener/app/x/1/2", "not a listener ARN"},
	    {"cloudfront", "not a distribution id"},
	    {"cloudfront:e123", "not a distribution id"},
	    {"cloudfront:E12/../X", "not a distribution id"},
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct aaa_err err;
		int rc;

		err_clear(&err);
		rc = deploy_target_validate(bad[i].target, &err);
		if (rc != -1 || strstr(err.message, bad[i].needle) == NULL ||
		    !err_source_is(&err, "input"))
			harness_fail(__FILE__, __LINE__, "target \"%s\": rc %d, err %s \"%s\"",
				     bad[i].target, rc, err.source, err.message);
	}
}

TEST(deploy_iam_names)
{
	char *n, *p, big[200];

	n = iam_cert_name("*.example.com", "03a1b2c3d4e5f60718293a4b5c6d7e8f90");
	CHECK_STR(n, "_wildcard_.example.com-03a1b2c3d4e5f607");
	free(n);
	p = iam_cert_name_prefix("*.example.com");
	CHECK_STR(p, "_wildcard_.example.com-");
	free(p);
	/* Colons (AWS's serial form) are skipped, case folded. */
	n = iam_cert_name("www.example.com", "0A:1B:2C");
	CHECK_STR(n, "www.example.com-0a1b2c");
	free(n);
	/* A character IAM refuses becomes '_'. */
	n = iam_cert_name("a b/c", "ff");
	CHECK_STR(n, "a_b_c-ff");
	free(n);
	/* Within 128 characters, serial part whole. */
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	n = iam_cert_name(big, "0123456789abcdef0123");
	REQUIRE(n != NULL);
	CHECK_INT(strlen(n), 128);
	CHECK(strcmp(n + 111, "-0123456789abcdef") == 0);
	free(n);
	CHECK(iam_cert_name("x", "") == NULL);

	CHECK(iam_path_valid("/"));
	CHECK(iam_path_valid("/aaa/"));
	CHECK(!iam_path_valid("aaa/"));
	CHECK(!iam_path_valid("/aaa"));
	CHECK(!iam_path_valid("/a\x7f/"));
	CHECK(!iam_path_valid(""));
}

static size_t s_marked(struct deploy_prune_item *it, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(it[i].name, name) == 0)
			return (size_t)it[i].del;
	return 99;
}

/* Four of ours plus two foreign ones: the two newest of ours stay. */
TEST(deploy_prune_keeps_newest_two_and_foreign)
{
	struct deploy_prune_item it[] = {
	    {"ex.com-01", "2026-01-01T00:00:00Z", 0, 0, 0},
	    {"ex.com-02", "2026-02-01T00:00:00Z", 1, 0, 0},
	    {"ex.com-03", "2026-03-01T00:00:00Z", 2, 0, 0},
	    {"ex.com-04", "2026-04-01T00:00:00Z", 3, 0, 0},
	    {"other.com-01", "2025-01-01T00:00:00Z", -1, 0, 0},
	    {"ex.comx-01", "2025-01-01T00:00:00Z", -1, 0, 0},
	};
	size_t n = sizeof(it) / sizeof(it[0]);

	CHECK_INT(deploy_prune_plan(it, n, "ex.com-", "ex.com-04", 2), 2);
	CHECK_INT(s_marked(it, n, "ex.com-01"), 1);
	CHECK_INT(s_marked(it, n, "ex.com-02"), 1);
	CHECK_INT(s_marked(it, n, "ex.com-03"), 0);
	CHECK_INT(s_marked(it, n, "ex.com-04"), 0);
	CHECK_INT(s_marked(it, n, "other.com-01"), 0);
	CHECK_INT(s_marked(it, n, "ex.comx-01"), 0);
}

/* Same upload dates (as an emulator gives): our own order decides; one in
 * use is never marked; the current one is kept even when it sorts oldest. */
TEST(deploy_prune_order_in_use_current)
{
	struct deploy_prune_item it[] = {
	    {"c-aa", "2010-05-08T01:02:03Z", 2, 0, 0},
	    {"c-bb", "2010-05-08T01:02:03Z", 0, 1, 0},
	    {"c-cc", "2010-05-08T01:02:03Z", 1, 0, 0},
	    {"c-dd", "2010-05-08T01:02:03Z", -1, 0, 0},
	};
	size_t n = sizeof(it) / sizeof(it[0]);

	/* current c-dd; newest others by order: c-aa (2), c-cc (1), c-bb (0, in use). */
	CHECK_INT(deploy_prune_plan(it, n, "c-", "c-dd", 2), 1);
	CHECK_INT(s_marked(it, n, "c-dd"), 0);
	CHECK_INT(s_marked(it, n, "c-aa"), 0);
	CHECK_INT(s_marked(it, n, "c-cc"), 1);
	CHECK_INT(s_marked(it, n, "c-bb"), 0);

	/* keep 1: only the current stays (and the one in use). */
	CHECK_INT(deploy_prune_plan(it, n, "c-", "c-dd", 1), 2);
	CHECK_INT(s_marked(it, n, "c-aa"), 1);
	CHECK_INT(s_marked(it, n, "c-bb"), 0);
	/* Nothing of ours beyond the current: nothing marked. */
	CHECK_INT(deploy_prune_plan(it, 1, "c-", "c-aa", 2), 0);
	CHECK_INT(deploy_prune_plan(it, n, "zz-", "zz-1", 2), 0);
}

TEST(deploy_error_lines)
{
	char *s;

	s = deploy_error_line("acm", "ACM ImportCertificate: AccessDeniedException: no (HTTP 400)",
			      "AccessDeniedException", "acm:ImportCertificate");
	CHECK(s && strstr(s, "acm: ACM ImportCertificate: AccessDeniedException") == s);
	CHECK(s && strstr(s, "the role lacks acm:ImportCertificate"));
	free(s);
	s = deploy_error_line("iam", "m", "LimitExceeded", NULL);
	CHECK(s && strstr(s, "quota"));
	free(s);
	s = deploy_error_line("elb:x", "m", "LoadBalancerNotFound", NULL);
	CHECK(s && strstr(s, "check the target"));
	free(s);
	s = deploy_error_line("cloudfront:E1", "m", "NoSuchDistribution", NULL);
	CHECK(s && strstr(s, "check the target"));
	free(s);
	s = deploy_error_line("acm", "connection refused", NULL, NULL);
	CHECK(s && strstr(s, "connection"));
	free(s);
}

TEST(deploy_serial_compare)
{
	CHECK(deploy_serial_equal("03a1ff", "3A:1F:F"));
	CHECK(deploy_serial_equal("0a:1b", "a1b"));
	CHECK(!deploy_serial_equal("0a1b", "0a1c"));
	CHECK(!deploy_serial_equal("", "0"));
	CHECK(!deploy_serial_equal(NULL, "0"));
	CHECK(!deploy_serial_equal("xyz", "xyz"));
}

TEST(deploy_run_refuses_before_aws)
{
	struct deploy_cert c = {"ex.com", "CERT", "", "KEY", "0a", "ec384"};
	cJSON *st = cJSON_CreateObject();
	struct aaa_err err;
	char *detail = NULL;

	REQUIRE(st != NULL);
	/* CloudFront refuses P-384 before any request (none is configured here). */
	CHECK_INT(deploy_run("cloudfront:E1ABC", &c, st, &detail, &err), -1);
	CHECK(strstr(err.message, "ec384") && strstr(err.message, "CloudFront serves RSA"));
	CHECK(detail == NULL);
	CHECK(cJSON_GetArraySize(st) == 0);
	CHECK_INT(deploy_run("nowhere", &c, st, &detail, &err), -1);
	CHECK(strstr(err.message, "unknown deploy target") != NULL);
	CHECK_STR(err.source, "input");
	c.serial = NULL;
	CHECK_INT(deploy_run("acm", &c, st, &detail, &err), -1);
	CHECK(strstr(err.message, "nothing to deploy") != NULL);
	cJSON_Delete(st);
}

/* The table: each kind at its index, and the IAM actions each kind names
 * are rows of the AWS action table granted to the executor and the CLI;
 * every deploy-service row there is needed by some kind. */
TEST(deploy_targets_table_and_permissions)
{
	static const enum aws_service deploy_services[] = {AWS_ACM, AWS_IAM, AWS_ELB, AWS_ELBV2,
							   AWS_CLOUDFRONT};
	const struct aws_action *rows;
	size_t n, k, i, j, s;
	unsigned need = AWS_CALLER_EXECUTOR | AWS_CALLER_CLI;

	rows = aws_actions(&n);
	for (k = 0; k < DEPLOY_KIND_MAX; k++) {
		const struct deploy_ops *o = deploy_targets[k];

		REQUIRE(o != NULL);
		CHECK_INT(o->kind, k);
		CHECK(o->name && o->syntax && o->parse && o->run && o->read_back &&
		      o->permissions && o->permissions[0]);
		for (i = 0; o->permissions[i]; i++) {
			int found = 0;

			for (j = 0; j < n; j++)
				if (strcmp(rows[j].iam, o->permissions[i]) == 0 &&
				    (rows[j].callers & need) == need)
					found = 1;
			if (!found)
				harness_fail(__FILE__, __LINE__,
					     "%s needs %s, which aws/actions.c does not grant the "
					     "executor and the CLI",
					     o->name, o->permissions[i]);
		}
	}
	for (j = 0; j < n; j++) {
		int deploy = 0, found = 0;

		for (s = 0; s < sizeof(deploy_services) / sizeof(deploy_services[0]); s++)
			deploy |= rows[j].service == deploy_services[s];
		if (!deploy)
			continue;
		for (k = 0; k < DEPLOY_KIND_MAX; k++)
			for (i = 0; deploy_targets[k]->permissions[i]; i++)
				found |=
				    strcmp(rows[j].iam, deploy_targets[k]->permissions[i]) == 0;
		if (!found)
			harness_fail(__FILE__, __LINE__,
				     "aws/actions.c grants %s, no deploy target needs it",
				     rows[j].iam);
	}
}

/* An unknown kind's error lists every kind's syntax from the table. */
TEST(deploy_unknown_target_lists_the_table)
{
	struct deploy_target t;
	struct aaa_err err;
	size_t k;

	err_clear(&err);
	CHECK_INT(deploy_target_parse("s3:bucket", &t, &err), -1);
	REQUIRE(err_is_set(&err));
	for (k = 0; k < DEPLOY_KIND_MAX; k++)
		CHECK(strstr(err.message, deploy_targets[k]->syntax) != NULL);
}
