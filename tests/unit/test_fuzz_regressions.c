/*
 * Inputs the libFuzzer targets (tests/fuzz) found to crash, leak or break an
 * invariant, minimized. Each input is copied into a heap block of exactly
 * its length (plus the NUL), so the ASan build of the unit tests catches a
 * one-byte over-read the way the fuzzer did; the plain build checks the
 * result.
 */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "acme/problem.h"
#include "aws/awstime.h"
#include "aws/elb.h"
#include "aws/elbv2.h"
#include "aws/iam.h"
#include "aws/route53.h"
#include "aws/s3.h"
#include "crypto/jwk.h"
#include "crypto/key.h"
#include "test_kms_fake.h"

/* The input in a heap block of exactly strlen(s) + 1 bytes. */
static char *s_exact(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc(n);

	if (p)
		memcpy(p, s, n);
	return p;
}

/* Counts the keys of a listing (s3_key_fn). */
static int s_count_key(void *ctx, const char *key)
{
	(void)key;
	++*(size_t *)ctx;
	return 0;
}

/* fuzz_awstime: an asctime date cut after "Nov " plus the optional space
 * read p[1] past the NUL (aws_time_parse_http_date, src/aws/awstime.c). */
TEST(fuzz_regression_http_date_asctime_cut)
{
	const char *v[] = {"SSan Nov  ", "Sun Nov  ", "Sun Nov ", "Sun Nov  6", "Sun Nov 0"};
	size_t i;
	time_t t = 0;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char *s = s_exact(v[i]);

		REQUIRE(s != NULL);
		CHECK_INT(aws_time_parse_http_date(s, &t), -1);
		free(s);
	}
	/* The well-formed asctime form still parses (date -u -d ... +%s). */
	{
		char *s = s_exact("Sun Nov  6 08:49:37 1994");

		REQUIRE(s != NULL);
		CHECK_INT(aws_time_parse_http_date(s, &t), 0);
		CHECK_INT((long long)t, 784111777LL);
		free(s);
	}
}

/* fuzz_jwk: an RSA JWK whose "e" is "AA" (the single byte 0) was accepted
 * (OpenSSL builds the key), and jwk_public then wrote "e" as "", which no
 * reader accepts: the key did not survive its own round trip
 * (key_from_rsa_public, src/crypto/key.c). Such a key is refused now. */
TEST(fuzz_regression_jwk_rsa_exponent_zero)
{
	static const char n[] =
	    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhMq8LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc"
	    "_"
	    "BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-"
	    "65YGjQR0_"
	    "FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-"
	    "bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-"
	    "kEgU8awapJzKnqDKgw";
	const char *bad[] = {"AA", "AQ", "AAE", "AQAA"}; /* 0, 1, 1, 65536 */
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cJSON *j = cJSON_CreateObject();

		REQUIRE(j != NULL);
		cJSON_AddStringToObject(j, "kty", "RSA");
		cJSON_AddStringToObject(j, "n", n);
		cJSON_AddStringToObject(j, "e", bad[i]);
		CHECK(jwk_to_key(j) == NULL);
		cJSON_Delete(j);
	}
	/* The same modulus with e = 65537 ("AQAB") still reads and round-trips. */
	{
		cJSON *j = cJSON_CreateObject(), *pub;
		struct key *k, *k2;

		REQUIRE(j != NULL);
		cJSON_AddStringToObject(j, "kty", "RSA");
		cJSON_AddStringToObject(j, "n", n);
		cJSON_AddStringToObject(j, "e", "AQAB");
		k = jwk_to_key(j);
		REQUIRE(k != NULL);
		pub = jwk_public(k);
		REQUIRE(pub != NULL);
		k2 = jwk_to_key(pub);
		CHECK(k2 != NULL && key_public_equal(k, k2) == 1);
		key_free(k2);
		cJSON_Delete(pub);
		key_free(k);
		cJSON_Delete(j);
	}
}

/* fuzz_acme: a CA's problem detail, type or subproblem identifier with a
 * newline came out of acme_problem_format (src/acme/problem.c), documented
 * as one line, verbatim: a CA could forge log lines. */
TEST(fuzz_regression_acme_problem_one_line)
{
	cJSON *p = cJSON_Parse("{\"type\":\"urn:ietf:params:acme:error:rejectedIdentifier\\r\","
			       "\"detail\":\"some\\nrejected\\u0007\",\"subproblems\":[{\"type\":"
			       "\"urn:ietf:params:acme:error:caa\",\"detail\":\"CAA\\nforbids\","
			       "\"identifier\":{\"type\":\"dns\",\"value\":\"a.example\\n"
			       "level=info\"}}]}");
	char *m;
	const char *c;

	REQUIRE(p != NULL);
	m = acme_problem_format(p, 400, NULL, 0);
	REQUIRE(m != NULL);
	for (c = m; *c; c++)
		CHECK((unsigned char)*c >= 0x20 && *c != 0x7f);
	CHECK(strstr(m, "some rejected") != NULL);
	CHECK(strstr(m, "CAA forbids") != NULL);
	free(m);
	cJSON_Delete(p);
}

/* fuzz_aws_answers: a paginated listing whose marker or continuation token
 * does not advance (a broken proxy, an emulator) made route53_list_hosted_zones
 * and s3_list_objects (src/aws/route53.c, src/aws/s3.c) request the same page
 * forever, the zone list growing until memory ran out. Now the second page
 * that repeats the marker ends the listing with an error. */
TEST(fuzz_regression_listing_marker_repeats)
{
	static const char r53[] =
	    "<ListHostedZonesResponse><HostedZones><HostedZone><Id>/hostedzone/Z1</Id>"
	    "<Name>example.com.</Name></HostedZone></HostedZones><IsTruncated>true</IsTruncated>"
	    "<NextMarker>Z2</NextMarker><MaxItems>1</MaxItems></ListHostedZonesResponse>";
	static const char s3[] =
	    "<ListBucketResult><Name>b</Name><IsTruncated>true</IsTruncated>"
	    "<NextContinuationToken>T1</NextContinuationToken><Contents><Key>k</Key></Contents>"
	    "</ListBucketResult>";
	struct fake_aws f;
	struct aws_reply reply;
	struct route53_zones z;
	unsigned pages = 0;
	size_t keys = 0;
	char *a[3];
	int i;

	/* Route53: page 1 gives marker Z2, page 2 gives Z2 again: stop there. */
	memset(&f, 0, sizeof(f));
	for (i = 0; i < 3; i++) {
		a[i] = fake_aws_answer("200 OK", "Content-Type: text/xml\r\n", r53);
		REQUIRE(a[i] != NULL);
		f.answers[i] = a[i];
	}
	f.nanswers = 3;
	REQUIRE(fake_aws_start(&f) == 0);
	memset(&z, 0, sizeof(z));
	memset(&reply, 0, sizeof(reply));
	CHECK(route53_list_hosted_zones(NULL, &z, &pages, &reply) != 0);
	CHECK_INT((int)pages, 2);
	CHECK(reply.message != NULL && strstr(reply.message, "repeats") != NULL);
	aws_reply_free(&reply);
	route53_zones_free(&z);
	fake_aws_stop(&f);
	CHECK_INT(f.served, 2);
	for (i = 0; i < 3; i++)
		free(a[i]);

	/* S3: the same with NextContinuationToken. */
	memset(&f, 0, sizeof(f));
	for (i = 0; i < 3; i++) {
		a[i] = fake_aws_answer("200 OK", "Content-Type: application/xml\r\n", s3);
		REQUIRE(a[i] != NULL);
		f.answers[i] = a[i];
	}
	f.nanswers = 3;
	REQUIRE(fake_aws_start(&f) == 0);
	pages = 0;
	memset(&reply, 0, sizeof(reply));
	CHECK(s3_list_objects("bkt", "p/", 0, s_count_key, &keys, &pages, &reply) != 0);
	CHECK_INT((int)pages, 2);
	CHECK_INT((int)keys, 2);
	CHECK(reply.message != NULL && strstr(reply.message, "repeats") != NULL);
	aws_reply_free(&reply);
	fake_aws_stop(&f);
	CHECK_INT(f.served, 2);
	for (i = 0; i < 3; i++)
		free(a[i]);
}

/* fuzz_deploy_answers: the same loop in the deploy clients' listings (IAM
 * ListServerCertificates, ELB DescribeLoadBalancers, ELBv2
 * DescribeListenerCertificates and the load balancer walk of
 * elbv2_certs_in_use in src/aws/iam.c, elb.c, elbv2.c): a repeated marker is
 * now an error after two requests. */
#define S_LISTENER                                                                                 \
	"arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/lb/50dc6c495c0c9188/"    \
	"f2f7dc8efc522ab2"

static const char *const s_deploy_pages[4] = {
    "<ListServerCertificatesResponse><ListServerCertificatesResult><IsTruncated>true"
    "</IsTruncated><Marker>m1</Marker><ServerCertificateMetadataList/>"
    "</ListServerCertificatesResult></ListServerCertificatesResponse>",
    "<DescribeLoadBalancersResponse><DescribeLoadBalancersResult><NextMarker>n1</NextMarker>"
    "<LoadBalancerDescriptions/></DescribeLoadBalancersResult></DescribeLoadBalancersResponse>",
    "<DescribeListenerCertificatesResponse><DescribeListenerCertificatesResult><NextMarker>c1"
    "</NextMarker><Certificates/></DescribeListenerCertificatesResult>"
    "</DescribeListenerCertificatesResponse>",
    "<DescribeLoadBalancersResponse><DescribeLoadBalancersResult><NextMarker>l1</NextMarker>"
    "<LoadBalancers/></DescribeLoadBalancersResult></DescribeLoadBalancersResponse>",
};

TEST(fuzz_regression_deploy_listing_marker_repeats)
{
	struct fake_aws f;
	struct aws_reply reply;
	struct iam_cert_list il;
	struct elb_listener_list el;
	struct elbv2_cert_list vl;
	unsigned pages = 0;
	char *a[3];
	int k, i, rc = 0;

	for (k = 0; k < 4; k++) {
		memset(&f, 0, sizeof(f));
		for (i = 0; i < 3; i++) {
			a[i] = fake_aws_answer("200 OK", "Content-Type: text/xml\r\n",
					       s_deploy_pages[k]);
			REQUIRE(a[i] != NULL);
			f.answers[i] = a[i];
		}
		f.nanswers = 3;
		REQUIRE(fake_aws_start(&f) == 0);
		memset(&reply, 0, sizeof(reply));
		memset(&il, 0, sizeof(il));
		memset(&el, 0, sizeof(el));
		memset(&vl, 0, sizeof(vl));
		if (k == 0)
			rc = iam_list("/aaa/", &il, &pages, &reply);
		else if (k == 1)
			rc = elb_describe_listeners(NULL, &el, &reply);
		else if (k == 2)
			rc = elbv2_list_certs("us-east-1", S_LISTENER, &vl, &reply);
		else
			rc = elbv2_certs_in_use("us-east-1", &vl, &reply);
		CHECK(rc != 0);
		CHECK(reply.message != NULL && strstr(reply.message, "repeats") != NULL);
		aws_reply_free(&reply);
		iam_cert_list_clear(&il);
		elb_listener_list_clear(&el);
		elbv2_cert_list_clear(&vl);
		fake_aws_stop(&f);
		CHECK_INT(f.served, 2);
		for (i = 0; i < 3; i++)
			free(a[i]);
	}
}
