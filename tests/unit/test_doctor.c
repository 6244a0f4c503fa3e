/*
 * aaa doctor's pure parts: store URL parsing, the region table, the fix
 * named for each failure (codes and checks), and the report in text and
 * JSON. The checks against AWS are in tests/integration/test_doctor.py.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "agent/doctor.h"
#include "aws/client.h"
#include "dns/dns01.h"
#include "harness.h"

TEST(doctor_store_parse_forms)
{
	char *b = NULL, *p = NULL;

	CHECK_INT(doctor_store_parse("s3://bkt", &b, &p), 0);
	CHECK_STR(b, "bkt");
	CHECK(p == NULL);
	free(b);
	CHECK_INT(doctor_store_parse("s3://bkt/staging/", &b, &p), 0);
	CHECK_STR(b, "bkt");
	CHECK_STR(p, "staging");
	free(b);
	free(p);
	CHECK_INT(doctor_store_parse("file:///var/lib/aaa", &b, &p), 1);
	CHECK_STR(b, "/var/lib/aaa");
	free(b);
	CHECK_INT(doctor_store_parse("s3://", &b, &p), -1);
	CHECK_INT(doctor_store_parse("http://x", &b, &p), -1);
	CHECK_INT(doctor_store_parse(NULL, &b, &p), -1);
	CHECK(b == NULL && p == NULL);
}

TEST(doctor_region_table)
{
	CHECK(doctor_region_known("us-east-1"));
	CHECK(doctor_region_known("eu-central-2"));
	CHECK(doctor_region_known("us-gov-west-1"));
	CHECK(!doctor_region_known("mars-east-1"));
	CHECK(!doctor_region_known("us-east-1 "));
	CHECK(!doctor_region_known(NULL));
}

static void s_reply(struct aws_reply *r, long status, const char *code, const char *msg)
{
	memset(r, 0, sizeof(*r));
	r->err.http_status = status;
	r->err.code = (char *)code;
	r->err.message = (char *)msg;
	r->message = (char *)"line";
}

static void s_fix_is(const char *check, int rc, const struct aws_reply *r, const char *want)
{
	char *fix = doctor_fix(check, rc, r, "bkt", "alias/k");

	CHECK_STR(fix, want);
	free(fix);
}

TEST(doctor_fix_names_the_permission_and_resource)
{
	struct aws_reply r;

	s_reply(&r, 403, "AccessDenied", "Access Denied");
	s_fix_is("bucket", 1, &r, "allow s3:ListBucket on arn:aws:s3:::bkt");
	s_fix_is("s3-put", 1, &r, "allow s3:PutObject on arn:aws:s3:::bkt/aaa-data/*");
	s_fix_is("s3-get", 1, &r, "allow s3:GetObject on arn:aws:s3:::bkt/aaa-data/*");
	s_fix_is("s3-delete", 1, &r, "allow s3:DeleteObject on arn:aws:s3:::bkt/aaa-data/*");
	s_reply(&r, 403, "AccessDenied", "not authorized to perform: kms:GenerateDataKey");
	s_fix_is("s3-put", 1, &r, "allow kms:GenerateDataKey on alias/k (SSE-KMS writes need it)");
	s_reply(&r, 403, "AccessDenied", "not authorized to perform: kms:Decrypt");
	s_fix_is("s3-get", 1, &r, "allow kms:Decrypt on alias/k (SSE-KMS reads need it)");
	s_reply(&r, 400, "AccessDeniedException", "no");
	s_fix_is("kms", 1, &r, "allow kms:Encrypt, kms:Decrypt and kms:GenerateDataKey on alias/k");
}

TEST(doctor_fix_from_codes)
{
	struct aws_reply r;

	s_reply(&r, 404, "NoSuchBucket", "x");
	s_fix_is("bucket", 1, &r,
		 "create bucket bkt, or fix --s3-bucket/AAA_S3_BUCKET (--store) and AWS_REGION");
	s_reply(&r, 400, "NotFoundException", "x");
	s_fix_is("kms", 1, &r,
		 "KMS key alias/k does not exist in this region: fix --s3-kms-key/AAA_S3_KMS_KEY "
		 "(an id, ARN or alias/NAME)");
	s_reply(&r, 400, "KMS.DisabledException", "x");
	s_fix_is("s3-put", 1, &r, "KMS key alias/k is disabled: enable it (aws kms enable-key)");
	s_reply(&r, 403, "SignatureDoesNotMatch", "x");
	s_fix_is("identity", 1, &r,
		 "the access key is unknown or its secret is wrong: check "
		 "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or the profile's keys");
	s_reply(&r, 403, "ExpiredToken", "x");
	s_fix_is("identity", 1, &r,
		 "the session credentials expired: get new ones (AWS_SESSION_TOKEN, aws sso "
		 "login)");
	/* not a refusal: no permission is blamed */
	s_reply(&r, 500, "InternalError", "x");
	s_fix_is("kms", 1, &r,
		 "AWS answered InternalError (HTTP 500): check AWS_REGION and the endpoint, then "
		 "retry");
	s_reply(&r, 0, NULL, NULL);
	r.message = (char *)"STS GetCallerIdentity: no AWS credentials found: set ...";
	s_fix_is("identity", -1, &r,
		 "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run with an "
		 "IAM role");
	r.message = (char *)"STS GetCallerIdentity: connection refused";
	s_fix_is("identity", -1, &r,
		 "check network access to AWS (AWS_REGION, AWS_ENDPOINT_URL, HTTPS_PROXY)");
}

static char *s_print(const struct doctor_report *r, int json)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (f == NULL)
		return NULL;
	doctor_report_print(r, f, json);
	fclose(f);
	return text;
}

TEST(doctor_report_text_and_json)
{
	struct doctor_report r;
	char *text, *js;
	cJSON *doc, *c;

	memset(&r, 0, sizeof(r));
	REQUIRE(doctor_report_add(&r, "region", DOCTOR_OK, "us-east-1", NULL) == 0);
	REQUIRE(doctor_report_add(&r, "kms", DOCTOR_FAIL, "KMS Encrypt k: AccessDeniedException",
				  "allow kms:Encrypt on k") == 0);
	REQUIRE(doctor_report_add(&r, "s3-put", DOCTOR_SKIP, "needs the bucket", NULL) == 0);
	CHECK(doctor_report_failed(&r));
	text = s_print(&r, 0);
	CHECK_STR(text, "ok    region     us-east-1\n"
			"FAIL  kms        KMS Encrypt k: AccessDeniedException\n"
			"      fix: allow kms:Encrypt on k\n"
			"skip  s3-put     needs the bucket\n"
			"aaa doctor: 1 of 3 checks failed\n");
	js = s_print(&r, 1);
	doc = js ? cJSON_Parse(js) : NULL;
	REQUIRE(doc != NULL);
	CHECK(cJSON_IsFalse(cJSON_GetObjectItem(doc, "ok")));
	c = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "checks"), 1);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(c, "name")), "kms");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(c, "status")), "fail");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(c, "fix")), "allow kms:Encrypt on k");
	c = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "checks"), 0);
	CHECK(cJSON_IsNull(cJSON_GetObjectItem(c, "fix")));
	cJSON_Delete(doc);
	free(text);
	free(js);
	doctor_report_free(&r);
	CHECK(!doctor_report_failed(&r));
}

TEST(doctor_zone_fix_from_the_error_not_its_words)
{
	struct aaa_err e;
	char *f;

	err_set(&e, "dns", "", "*.x.example: no Route53 hosted zone holds ...");
	f = doctor_zone_fix("*.x.example", DNS01_NO_ZONE, &e);
	CHECK_STR(f, "create a Route53 hosted zone for x.example or a parent domain");
	free(f);
	f = doctor_zone_fix("a.example", DNS01_CNAME_NO_ZONE, &e);
	CHECK_STR(f, "create the hosted zone the CNAME of _acme-challenge.a.example points into, "
		     "or give its role with --zone-role");
	free(f);
	/* Route53's refusal, by its code and status: the words may say anything. */
	err_set(&e, "aws", "AccessDenied", "cannot list Route53 hosted zones: refused");
	err_detail(&e, 403, "rid");
	f = doctor_zone_fix("a.example", -1, &e);
	CHECK(f && strncmp(f, "allow route53:ListHostedZones", 29) == 0);
	free(f);
	err_set(&e, "aws", "", "cannot list Route53 hosted zones: HTTP 403");
	err_detail(&e, 403, NULL);
	f = doctor_zone_fix("a.example", -1, &e);
	CHECK(f && strncmp(f, "allow route53:ListHostedZones", 29) == 0);
	free(f);
	/* The same AccessDenied from STS, assuming the zone role: the role's
	 * trust, not Route53's permissions. */
	err_set(&e, "aws", "AccessDenied", "cannot assume zone role r: not authorized");
	f = doctor_zone_fix("a.example", DNS01_ROLE_FAILED, &e);
	CHECK(f && strncmp(f, "allow sts:AssumeRole", 20) == 0);
	free(f);
	/* Words alone decide nothing: a DNS-side failure that quotes them. */
	err_set(&e, "dns", "", "a.example: AccessDenied is not authorized in this zone id");
	f = doctor_zone_fix("a.example", -1, &e);
	CHECK_STR(f, "see the error line above");
	free(f);
}
