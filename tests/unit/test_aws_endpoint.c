/* Services, regions and endpoints: the resolution order of the SDKs'
 * variables, public endpoints per partition, global services, custom URLs
 * and S3 addressing. */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "aws/endpoint.h"
#include "log/log.h"

static struct aws_env env_of(const char *const *vars)
{
	struct aws_env e = {aws_env_list_get, (void *)vars};

	return e;
}

TEST(aws_service_table)
{
	int i;

	for (i = 0; i < AWS_SERVICE_MAX; i++) {
		CHECK(aws_services[i].name != NULL);
		CHECK(aws_services[i].signing_name != NULL);
		CHECK(aws_services[i].env_suffix != NULL);
	}
	CHECK_STR(aws_service_name(AWS_ROUTE53), "Route53");
	CHECK_STR(aws_service_name(AWS_SERVICE_MAX), "unknown");
	CHECK_STR(aws_services[AWS_ELBV2].signing_name, "elasticloadbalancing");
	CHECK_STR(aws_services[AWS_ELBV2].env_suffix, "ELASTIC_LOAD_BALANCING_V2");
	CHECK_STR(aws_services[AWS_ROUTE53].env_suffix, "ROUTE_53");
}

TEST(aws_region_names)
{
	const char *good[] = {"us-east-1",  "eu-central-2",   "us-gov-west-1",
			      "cn-north-1", "ap-southeast-4", "local"};
	const char *bad[] = {
	    "",		  "us-east-1; rm -rf /",
	    "US-EAST-1",  "us--east-1",
	    "-us-east-1", "us-east-1-",
	    "us_east_1",  "us-east-1\n",
	    "eu/west",	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!aws_region_valid(good[i]))
			harness_fail(__FILE__, __LINE__, "refused %s", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (aws_region_valid(bad[i]))
			harness_fail(__FILE__, __LINE__, "accepted \"%s\"", bad[i]);
	CHECK(!aws_region_valid(NULL));
}

TEST(aws_region_resolution_order)
{
	const char *dir = test_tmpdir();
	char home[1100], path[1100];
	const char *both[] = {"AWS_REGION=eu-west-1", "AWS_DEFAULT_REGION=us-west-2", home, NULL};
	const char *deflt[] = {"AWS_DEFAULT_REGION=us-west-2", home, NULL};
	const char *prof[] = {home, NULL};
	const char *other[] = {home, "AWS_PROFILE=other", NULL};
	const char *none[] = {"HOME=/nonexistent", NULL};
	const char *evil[] = {"AWS_REGION=us-east-1; rm", NULL};
	const char *badprof[] = {home, "AWS_PROFILE=bad", NULL};
	struct aws_env e;
	char *r = NULL;
	FILE *f;

	snprintf(home, sizeof(home), "HOME=%s", dir);
	snprintf(path, sizeof(path), "%s/.aws", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/.aws/config", dir);
	f = fopen(path, "w");
	REQUIRE(f != NULL);
	fputs("[default]\nregion = ap-south-1\n[profile other]\nregion = sa-east-1\n"
	      "[profile bad]\nregion = Not A Region\n",
	      f);
	fclose(f);

	e = env_of(both);
	CHECK_INT(aws_region_resolve(&e, &r), 0);
	CHECK_STR(r, "eu-west-1");
	free(r);
	e = env_of(deflt);
	CHECK_INT(aws_region_resolve(&e, &r), 0);
	CHECK_STR(r, "us-west-2");
	free(r);
	e = env_of(prof);
	CHECK_INT(aws_region_resolve(&e, &r), 0);
	CHECK_STR(r, "ap-south-1");
	free(r);
	e = env_of(other);
	CHECK_INT(aws_region_resolve(&e, &r), 0);
	CHECK_STR(r, "sa-east-1");
	free(r);
	e = env_of(none);
	CHECK_INT(aws_region_resolve(&e, &r), 0);
	CHECK(r == NULL);
	e = env_of(evil);
	CHECK_INT(aws_region_resolve(&e, &r), -1);
	CHECK(r == NULL);
	CHECK(strstr(harness_last_error(), "AWS_REGION") != NULL);
	CHECK(strstr(harness_last_error(), "rm") == NULL); /* the bad value is not echoed */
	e = env_of(badprof);
	CHECK_INT(aws_region_resolve(&e, &r), -1);
	CHECK(strstr(harness_last_error(), "profile bad") != NULL);
}

struct ep_case {
	enum aws_service svc;
	const char *region;
	const char *host;
	const char *signing_region;
};

TEST(aws_endpoint_public_defaults)
{
	static const struct ep_case v[] = {
	    {AWS_S3, "eu-west-1", "s3.eu-west-1.amazonaws.com", "eu-west-1"},
	    {AWS_KMS, "us-east-2", "kms.us-east-2.amazonaws.com", "us-east-2"},
	    {AWS_LAMBDA, "ap-northeast-1", "lambda.ap-northeast-1.amazonaws.com", "ap-northeast-1"},
	    {AWS_STS, "eu-central-1", "sts.eu-central-1.amazonaws.com", "eu-central-1"},
	    {AWS_ACM, "us-west-2", "acm.us-west-2.amazonaws.com", "us-west-2"},
	    {AWS_ELB, "eu-west-3", "elasticloadbalancing.eu-west-3.amazonaws.com", "eu-west-3"},
	    {AWS_ELBV2, "eu-west-3", "elasticloadbalancing.eu-west-3.amazonaws.com", "eu-west-3"},
	    /* global services: one host, us-east-1 signing, whatever the client's region */
	    {AWS_ROUTE53, "eu-central-1", "route53.amazonaws.com", "us-east-1"},
	    {AWS_ROUTE53, NULL, "route53.amazonaws.com", "us-east-1"},
	    {AWS_IAM, "ap-southeast-2", "iam.amazonaws.com", "us-east-1"},
	    {AWS_CLOUDFRONT, "sa-east-1", "cloudfront.amazonaws.com", "us-east-1"},
	    /* other partitions */
	    {AWS_S3, "cn-north-1", "s3.cn-north-1.amazonaws.com.cn", "cn-north-1"},
	    {AWS_ROUTE53, "cn-north-1", "route53.amazonaws.com.cn", "cn-northwest-1"},
	    {AWS_IAM, "cn-northwest-1", "iam.cn-north-1.amazonaws.com.cn", "cn-north-1"},
	    {AWS_ROUTE53, "us-gov-east-1", "route53.us-gov.amazonaws.com", "us-gov-west-1"},
	    {AWS_KMS, "us-gov-east-1", "kms.us-gov-east-1.amazonaws.com", "us-gov-east-1"},
	};
	const char *none[] = {NULL};
	struct aws_env e = env_of(none);
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct aws_endpoint ep;

		if (aws_endpoint_resolve(&e, v[i].svc, v[i].region, &ep) != 0) {
			harness_fail(__FILE__, __LINE__, "case %zu failed", i);
		} else {
			CHECK_STR(ep.scheme, "https");
			CHECK_STR(ep.host, v[i].host);
			CHECK_STR(ep.base_path, "");
			CHECK_STR(ep.signing_region, v[i].signing_region);
			CHECK_STR(ep.signing_name, aws_services[v[i].svc].signing_name);
			CHECK_INT(ep.custom, 0);
			CHECK_INT(ep.path_style, 0);
		}
		aws_endpoint_free(&ep);
	}
}

TEST(aws_endpoint_refusals)
{
	const char *none[] = {NULL};
	struct aws_env e = env_of(none);
	struct aws_endpoint ep;

	/* a regional service needs a region, and says how to set one */
	CHECK_INT(aws_endpoint_resolve(&e, AWS_KMS, NULL, &ep), -1);
	CHECK(strstr(harness_last_error(), "set AWS_REGION") != NULL);
	aws_endpoint_free(&ep);
	CHECK_INT(aws_endpoint_resolve(&e, AWS_S3, "us-east-1; rm", &ep), -1);
	aws_endpoint_free(&ep);
	CHECK_INT(aws_endpoint_resolve(&e, AWS_CLOUDFRONT, "us-gov-west-1", &ep), -1);
	aws_endpoint_free(&ep);
	CHECK_INT(aws_endpoint_resolve(&e, AWS_SERVICE_MAX, "us-east-1", &ep), -1);
	aws_endpoint_free(&ep);
}

TEST(aws_endpoint_custom_urls)
{
	const char *specific[] = {"AWS_ENDPOINT_URL=http://127.0.0.1:5000",
				  "AWS_ENDPOINT_URL_ROUTE_53=http://127.0.0.1:5001/r53/", NULL};
	const char *general[] = {"AWS_ENDPOINT_URL=HTTPS://Moto.Local:443", NULL};
	const char *ignored[] = {"AWS_ENDPOINT_URL=http://127.0.0.1:5000",
				 "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true", NULL};
	const char *elbv2[] = {"AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2=http://[::1]:4566",
			       "AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING=http://127.0.0.1:1", NULL};
	struct aws_env e;
	struct aws_endpoint ep;

	e = env_of(specific);
	REQUIRE(aws_endpoint_resolve(&e, AWS_ROUTE53, "eu-west-1", &ep) == 0);
	CHECK_STR(ep.scheme, "http");
	CHECK_STR(ep.host, "127.0.0.1:5001");
	CHECK_STR(ep.base_path, "/r53");
	CHECK_STR(ep.signing_region, "us-east-1");
	CHECK_INT(ep.custom, 1);
	aws_endpoint_free(&ep);
	REQUIRE(aws_endpoint_resolve(&e, AWS_S3, "eu-west-1", &ep) == 0);
	CHECK_STR(ep.host, "127.0.0.1:5000");
	CHECK_STR(ep.signing_region, "eu-west-1");
	CHECK_INT(ep.path_style, 1);
	aws_endpoint_free(&ep);

	e = env_of(general);
	REQUIRE(aws_endpoint_resolve(&e, AWS_KMS, "eu-west-1", &ep) == 0);
	CHECK_STR(ep.scheme, "https");
	CHECK_STR(ep.host, "moto.local");
	CHECK_INT(ep.path_style, 0);
	aws_endpoint_free(&ep);

	e = env_of(ignored);
	REQUIRE(aws_endpoint_resolve(&e, AWS_KMS, "eu-west-1", &ep) == 0);
	CHECK_STR(ep.host, "kms.eu-west-1.amazonaws.com");
	CHECK_INT(ep.custom, 0);
	aws_endpoint_free(&ep);

	/* V2's variable is not V1's */
	e = env_of(elbv2);
	REQUIRE(aws_endpoint_resolve(&e, AWS_ELBV2, "eu-west-1", &ep) == 0);
	CHECK_STR(ep.host, "[::1]:4566");
	aws_endpoint_free(&ep);
	REQUIRE(aws_endpoint_resolve(&e, AWS_ELB, "eu-west-1", &ep) == 0);
	CHECK_STR(ep.host, "127.0.0.1:1");
	aws_endpoint_free(&ep);
}

TEST(aws_endpoint_bad_urls)
{
	const char *bad[] = {
	    "ftp://host",	   "http://",	     "http://user:pw@host", "http://host/?q=1",
	    "http://host/#frag",   "http://ho st",   "http://host:0",	    "http://host:65536",
	    "http://host:x",	   "http://host:",   "http://[::1",	    "http://h\\x",
	    "http://host\r\nX: 1", "127.0.0.1:5000", "http://[zz]:1",	    "http://host:+80",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char var[256];
		const char *vars[] = {var, NULL};
		struct aws_env e = env_of(vars);
		struct aws_endpoint ep;

		snprintf(var, sizeof(var), "AWS_ENDPOINT_URL_KMS=%s", bad[i]);
		if (aws_endpoint_resolve(&e, AWS_KMS, "us-east-1", &ep) == 0)
			harness_fail(__FILE__, __LINE__, "accepted %s", bad[i]);
		else
			CHECK(strstr(harness_last_error(), "AWS_ENDPOINT_URL_KMS") != NULL);
		aws_endpoint_free(&ep);
	}
}

TEST(aws_endpoint_s3_addressing)
{
	const char *none[] = {NULL};
	const char *custom[] = {"AWS_ENDPOINT_URL_S3=http://127.0.0.1:5000/prefix", NULL};
	struct aws_env e = env_of(none);
	struct aws_endpoint ep;
	struct aws_target t;
	char *url;

	REQUIRE(aws_endpoint_resolve(&e, AWS_S3, "eu-west-1", &ep) == 0);
	/* virtual-hosted on AWS; the key encoded once, '/' kept */
	REQUIRE(aws_s3_target(&ep, "my-bucket", "aaa-data/v1/a b+c.pem", &t) == 0);
	CHECK_STR(t.host, "my-bucket.s3.eu-west-1.amazonaws.com");
	CHECK_STR(t.path, "/aaa-data/v1/a%20b%2Bc.pem");
	url = aws_target_url(&t, "versionId=1");
	CHECK_STR(url, "https://my-bucket.s3.eu-west-1.amazonaws.com/aaa-data/v1/a%20b%2Bc.pem"
		       "?versionId=1");
	free(url);
	aws_target_free(&t);
	/* the bucket itself */
	REQUIRE(aws_s3_target(&ep, "my-bucket", NULL, &t) == 0);
	CHECK_STR(t.path, "/");
	aws_target_free(&t);
	/* a dotted bucket does not match *.s3 certificates: path style */
	REQUIRE(aws_s3_target(&ep, "my.bucket", "k", &t) == 0);
	CHECK_STR(t.host, "s3.eu-west-1.amazonaws.com");
	CHECK_STR(t.path, "/my.bucket/k");
	aws_target_free(&t);
	/* invalid names are refused (they would change the path or host) */
	CHECK_INT(aws_s3_target(&ep, "My_Bucket", "k", &t), -1);
	CHECK_INT(aws_s3_target(&ep, "b/../x", "k", &t), -1);
	CHECK_INT(aws_s3_target(&ep, "ab", "k", &t), -1);
	CHECK_INT(aws_s3_target(&ep, "a..b", "k", &t), -1);
	CHECK_INT(aws_s3_target(&ep, "-ab", "k", &t), -1);
	CHECK_INT(aws_s3_target(&ep, NULL, "k", &t), -1);
	aws_endpoint_free(&ep);

	/* custom endpoint: path style under its base path */
	e = env_of(custom);
	REQUIRE(aws_endpoint_resolve(&e, AWS_S3, "us-east-1", &ep) == 0);
	REQUIRE(aws_s3_target(&ep, "my-bucket", "x/y z", &t) == 0);
	CHECK_STR(t.host, "127.0.0.1:5000");
	CHECK_STR(t.base, "http://127.0.0.1:5000");
	CHECK_STR(t.path, "/prefix/my-bucket/x/y%20z");
	aws_target_free(&t);
	REQUIRE(aws_s3_target(&ep, "my-bucket", NULL, &t) == 0);
	CHECK_STR(t.path, "/prefix/my-bucket");
	aws_target_free(&t);
	REQUIRE(aws_endpoint_target(&ep, "/other", &t) == 0);
	CHECK_STR(t.path, "/prefix/other");
	aws_target_free(&t);
	aws_endpoint_free(&ep);
}
