/*
 * The AWS action table: well-formed rows, the IAM prefix of each action is
 * its service's, and the separation of the handlers (the
 * dispatcher cannot touch Route53 or keys, the scheduler only reads and
 * invokes) holds in the table the policies are made from.
 */
#include <string.h>

#include <cjson/cJSON.h>

#include "aws/actions.h"
#include "harness.h"

/* The IAM service prefixes, written out here rather than read from
 * endpoint.c, so a wrong signing name there does not hide a wrong row. */
static const char *s_prefix(enum aws_service s)
{
	switch (s) {
	case AWS_S3:
		return "s3:";
	case AWS_KMS:
		return "kms:";
	case AWS_ROUTE53:
		return "route53:";
	case AWS_LAMBDA:
		return "lambda:";
	case AWS_STS:
		return "sts:";
	case AWS_ACM:
		return "acm:";
	case AWS_IAM:
		return "iam:";
	case AWS_ELB:
	case AWS_ELBV2:
		return "elasticloadbalancing:";
	case AWS_CLOUDFRONT:
		return "cloudfront:";
	case AWS_SSO:
		return "sso:";
	case AWS_SSO_OIDC:
		return "sso-oauth:";
	default:
		return "?";
	}
}

TEST(aws_actions_rows_well_formed)
{
	size_t n, i, j;
	const struct aws_action *t = aws_actions(&n);

	REQUIRE(n > 0);
	for (i = 0; i < n; i++) {
		CHECK(t[i].iam != NULL);
		CHECK(strncmp(t[i].iam, s_prefix(t[i].service), strlen(s_prefix(t[i].service))) ==
		      0);
		CHECK(t[i].callers != 0);
		CHECK((t[i].callers & ~0xfu) == 0);
		CHECK(aws_scope_name(t[i].scope) != NULL);
		CHECK(t[i].why != NULL && t[i].why[0] != '\0');
		/* A row either names an operation a client calls, or says
		 * which call needs it on our behalf. */
		CHECK((t[i].operation == NULL) != (t[i].via == NULL));
		for (j = i + 1; j < n; j++) {
			CHECK(!(t[i].service == t[j].service && t[i].operation && t[j].operation &&
				strcmp(t[i].operation, t[j].operation) == 0));
			/* One IAM action, one resource scope: a policy
			 * statement grants an action on one kind of ARN. */
			if (strcmp(t[i].iam, t[j].iam) == 0)
				CHECK(t[i].scope == t[j].scope);
		}
	}
}

/* Collects the IAM actions of one caller into a comma-joined string. */
static void s_actions_of(unsigned caller, char *out, size_t len)
{
	size_t n, i;
	const struct aws_action *t = aws_actions(&n);

	out[0] = '\0';
	for (i = 0; i < n; i++) {
		if ((t[i].callers & caller) == 0 || strstr(out, t[i].iam))
			continue;
		if (out[0])
			strncat(out, ",", len - strlen(out) - 1);
		strncat(out, t[i].iam, len - strlen(out) - 1);
	}
}

TEST(aws_actions_dispatcher_only_decrypts_and_invokes)
{
	char buf[4096];

	s_actions_of(AWS_CALLER_DISPATCHER, buf, sizeof(buf));
	CHECK_STR(buf, "kms:Decrypt,lambda:InvokeFunction");
}

TEST(aws_actions_scheduler_folds_the_index_and_invokes)
{
	char buf[4096];

	s_actions_of(AWS_CALLER_SCHEDULER, buf, sizeof(buf));
	/* S3 on the index alone (its policy names index.json and index.d/ objects, and
	 * limits the listing's prefix): read, write the folded index.json,
	 * delete the folded changes. No Route53, no key, no certificate. */
	CHECK_STR(buf, "s3:GetObject,s3:PutObject,s3:DeleteObject,s3:ListBucket,"
		       "kms:GenerateDataKey,kms:Decrypt,lambda:InvokeFunction");
}

TEST(aws_actions_find)
{
	const struct aws_action *a;

	a = aws_action_find(AWS_S3, "ListObjectsV2");
	REQUIRE(a != NULL);
	CHECK_STR(a->iam, "s3:ListBucket");
	CHECK(a->scope == AWS_SCOPE_BUCKET);
	a = aws_action_find(AWS_S3, "HeadObject");
	REQUIRE(a != NULL);
	CHECK_STR(a->iam, "s3:GetObject");
	/* Same operation name, two APIs: each its own row. */
	CHECK(aws_action_find(AWS_ELB, "DescribeLoadBalancers") !=
	      aws_action_find(AWS_ELBV2, "DescribeLoadBalancers"));
	CHECK(aws_action_find(AWS_S3, "CreateBucket") == NULL);
	CHECK(aws_action_find(AWS_KMS, NULL) == NULL);
	CHECK(aws_action_find(AWS_ROUTE53, "getchange") == NULL);
}

TEST(aws_actions_names)
{
	CHECK_STR(aws_caller_name(AWS_CALLER_SCHEDULER), "scheduler");
	CHECK_STR(aws_caller_name(AWS_CALLER_CLI), "cli");
	CHECK(aws_caller_name(0) == NULL);
	CHECK(aws_caller_name(AWS_CALLER_SCHEDULER | AWS_CALLER_EXECUTOR) == NULL);
	CHECK_STR(aws_scope_name(AWS_SCOPE_ANY), "*");
	CHECK(aws_scope_name(AWS_SCOPE_MAX) == NULL);
}

TEST(aws_actions_json_matches_table)
{
	cJSON *j = aws_actions_json(), *row;
	size_t n;
	const struct aws_action *t = aws_actions(&n);

	REQUIRE(j != NULL);
	CHECK_INT(cJSON_GetArraySize(j), (int)n);
	row = cJSON_GetArrayItem(j, 0);
	REQUIRE(row != NULL);
	CHECK_STR(cJSON_GetObjectItem(row, "iam")->valuestring, t[0].iam);
	CHECK_STR(cJSON_GetObjectItem(row, "service")->valuestring, "S3");
	CHECK(cJSON_IsNull(cJSON_GetObjectItem(row, "via")));
	CHECK_INT(cJSON_GetArraySize(cJSON_GetObjectItem(row, "callers")), 3);
	cJSON_Delete(j);
}
