/*
 * The STS client against a scripted server: the query-protocol form each
 * operation sends, the XML answers read (credentials with expiration,
 * account and ARN), errors in STS's <ErrorResponse>, the per-call source
 * credentials, and the adapter that the credentials chain calls.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "aws/sts.h"
#include "aws/awstime.h"
#include "harness.h"
#include "test_kms_fake.h"

/* What the call under test says failed (its struct aaa_err). */
static struct aaa_err s_err;

static struct fake_aws s_f;

#define ASSUME_OK                                                                                  \
	"<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"                 \
	"<AssumeRoleResult><AssumedRoleUser><AssumedRoleId>AROA1:s</AssumedRoleId>"                \
	"<Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn></AssumedRoleUser>"                  \
	"<Credentials><AccessKeyId>ASIATEMP</AccessKeyId>"                                         \
	"<SecretAccessKey>tempsecret</SecretAccessKey><SessionToken>tok+/=</SessionToken>"         \
	"<Expiration>2030-01-02T03:04:05Z</Expiration></Credentials></AssumeRoleResult>"           \
	"<ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></AssumeRoleResponse>"

#define IDENTITY_OK                                                                                \
	"<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"          \
	"<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/alice</Arn>"                 \
	"<UserId>AIDA1</UserId><Account>123456789012</Account></GetCallerIdentityResult>"          \
	"</GetCallerIdentityResponse>"

TEST(sts_assume_role_form_and_credentials)
{
	struct aws_reply r;
	struct aws_credentials *src = aws_credentials_new("AKIDSRC", "srcsecret", NULL, 0, "t");
	struct aws_credentials *out = NULL;
	char *ok = fake_aws_answer("200 OK", "Content-Type: text/xml\r\n", ASSUME_OK);
	time_t want;

	REQUIRE(src != NULL);
	REQUIRE(fake_aws_serve(&s_f, 1, ok) == 0);
	CHECK_INT(sts_assume_role("arn:aws:iam::123456789012:role/dns", "aaa-1", "ext id", 900, src,
				  &out, &r),
		  0);
	CHECK(strncmp(s_f.head[0], "POST / HTTP/1.1\r\n", 17) == 0);
	CHECK(fake_aws_has_header(&s_f, 0, "Content-Type",
				  "application/x-www-form-urlencoded; charset=utf-8"));
	/* signed with the source credentials, not the environment's */
	CHECK(strstr(s_f.head[0], "Credential=AKIDSRC/") != NULL);
	CHECK(strstr(s_f.head[0], "/us-east-1/sts/aws4_request") != NULL);
	CHECK_STR(s_f.body[0], "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A"
			       "123456789012%3Arole%2Fdns&RoleSessionName=aaa-1&ExternalId=ext%20id"
			       "&DurationSeconds=900");
	REQUIRE(out != NULL);
	CHECK_STR(out->access_key_id, "ASIATEMP");
	CHECK_STR(out->secret_access_key, "tempsecret");
	CHECK_STR(out->session_token, "tok+/=");
	CHECK(aws_time_parse_iso8601("2030-01-02T03:04:05Z", &want) == 0);
	CHECK(out->expiration == want);
	CHECK_STR(out->source, "sts:AssumeRole arn:aws:iam::123456789012:role/dns");
	/* the secret in the answer was wiped */
	CHECK(r.resp.body.data == NULL || strstr(r.resp.body.data, "tempsecret") == NULL);
	aws_reply_free(&r);
	aws_credentials_free(out);
	aws_credentials_free(src);
	fake_aws_stop(&s_f);
}

TEST(sts_assume_role_minimal_form_uses_default_chain)
{
	struct aws_reply r;
	struct aws_credentials *out = NULL;
	char *ok = fake_aws_answer("200 OK", "", ASSUME_OK);

	REQUIRE(fake_aws_serve(&s_f, 1, ok) == 0);
	CHECK_INT(sts_assume_role("arn:aws:iam::1:role/r", "s", NULL, 0, NULL, &out, &r), 0);
	CHECK(strstr(s_f.head[0], "Credential=AKIDUNIT/") != NULL);
	CHECK_STR(s_f.body[0], "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A"
			       "1%3Arole%2Fr&RoleSessionName=s");
	aws_reply_free(&r);
	aws_credentials_free(out);
	fake_aws_stop(&s_f);
}

TEST(sts_access_denied_and_answer_without_credentials)
{
	struct aws_reply r;
	struct aws_credentials *out = NULL;
	char *denied = fake_aws_answer(
	    "403 Forbidden", "",
	    "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not "
	    "authorized to perform: sts:AssumeRole</Message></Error><RequestId>q1</RequestId>"
	    "</ErrorResponse>");
	char *empty = fake_aws_answer("200 OK", "",
				      "<AssumeRoleResponse><AssumeRoleResult/>"
				      "</AssumeRoleResponse>");

	REQUIRE(fake_aws_serve(&s_f, 2, denied, empty) == 0);
	CHECK_INT(sts_assume_role("arn:aws:iam::1:role/r", "s", NULL, 0, NULL, &out, &r), 1);
	CHECK_STR(r.message, "STS AssumeRole arn:aws:iam::1:role/r: AccessDenied: not authorized "
			     "to perform: sts:AssumeRole (request id q1, HTTP 403)");
	CHECK(out == NULL);
	aws_reply_free(&r);
	CHECK_INT(sts_assume_role("arn:aws:iam::1:role/r", "s", NULL, 0, NULL, &out, &r), -1);
	CHECK_STR(r.message, "STS AssumeRole arn:aws:iam::1:role/r: the answer has no credentials");
	CHECK(out == NULL);
	aws_reply_free(&r);
	fake_aws_stop(&s_f);
}

TEST(sts_get_caller_identity_reads_account_and_arn)
{
	struct aws_reply r;
	char *account = NULL, *arn = NULL;
	char *ok = fake_aws_answer("200 OK", "", IDENTITY_OK);

	REQUIRE(fake_aws_serve(&s_f, 1, ok) == 0);
	CHECK_INT(sts_get_caller_identity(NULL, &account, &arn, &r), 0);
	CHECK_STR(s_f.body[0], "Action=GetCallerIdentity&Version=2011-06-15");
	CHECK_STR(account, "123456789012");
	CHECK_STR(arn, "arn:aws:iam::123456789012:user/alice");
	aws_reply_free(&r);
	free(account);
	free(arn);
	fake_aws_stop(&s_f);
}

TEST(sts_adapter_signs_with_the_profile_source)
{
	struct aws_credentials *src = aws_credentials_new("AKIDPROF", "profsecret", NULL, 0, "p");
	struct aws_credentials *out = NULL;
	struct aws_assume_role_request req;
	char *ok = fake_aws_answer("200 OK", "", ASSUME_OK);

	REQUIRE(src != NULL);
	REQUIRE(fake_aws_serve(&s_f, 1, ok) == 0);
	memset(&req, 0, sizeof(req));
	req.role_arn = "arn:aws:iam::1:role/r";
	req.session_name = "aaa-7";
	req.duration_seconds = 3600;
	req.region = "eu-west-1"; /* the profile's region */
	CHECK_INT(sts_assume_role_adapter(NULL, src, &req, &out, &s_err), 0);
	CHECK(strstr(s_f.head[0], "Credential=AKIDPROF/") != NULL);
	CHECK(strstr(s_f.head[0], "/eu-west-1/sts/aws4_request") != NULL);
	CHECK(strstr(s_f.body[0], "&DurationSeconds=3600") != NULL);
	CHECK(out && strcmp(out->access_key_id, "ASIATEMP") == 0);
	aws_credentials_free(out);
	out = NULL;
	CHECK_INT(sts_assume_role_adapter(NULL, NULL, &req, &out, &s_err), -1);
	CHECK(out == NULL);
	aws_credentials_free(src);
	fake_aws_stop(&s_f);
}
