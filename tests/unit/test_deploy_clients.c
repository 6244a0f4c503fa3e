/*
 * The deploy clients' request building and answer parsing, offline: ACM's
 * import body and DescribeCertificate (AWS's and moto's serial forms), IAM,
 * ELB and ELBv2 listing pages (with paging markers), listener ARNs,
 * CloudFront's viewer certificate rewrite and its stale-ETag retry rule.
 * Answers are shaped after the AWS API references' examples.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws/acm.h"
#include "aws/cloudfront.h"
#include "aws/elb.h"
#include "aws/elbv2.h"
#include "aws/iam.h"
#include "aws/query.h"
#include "crypto/b64.h"
#include "harness.h"
#include "util/buf.h"
#include "xml/xml.h"

static char *s_unb64(const char *s)
{
	size_t n = 0;
	unsigned char *d = s ? b64_decode(s, strlen(s), &n) : NULL;
	char *out = d ? malloc(n + 1) : NULL;

	if (out) {
		memcpy(out, d, n);
		out[n] = '\0';
	}
	free(d);
	return out;
}

TEST(deploy_acm_import_body)
{
	struct acm_tag tags[] = {{"aaa:managed-by", "aaa"}, {"aaa:name", "ex.com"}};
	char *body = acm_import_body(NULL, "CERT\n", "KEY\n", "CHAIN\n", tags, 2), *d;
	cJSON *j;
	const cJSON *t;

	REQUIRE(body != NULL);
	j = cJSON_Parse(body);
	REQUIRE(j != NULL);
	d = s_unb64(cJSON_GetStringValue(cJSON_GetObjectItem(j, "Certificate")));
	CHECK_STR(d, "CERT\n");
	free(d);
	d = s_unb64(cJSON_GetStringValue(cJSON_GetObjectItem(j, "PrivateKey")));
	CHECK_STR(d, "KEY\n");
	free(d);
	d = s_unb64(cJSON_GetStringValue(cJSON_GetObjectItem(j, "CertificateChain")));
	CHECK_STR(d, "CHAIN\n");
	free(d);
	CHECK(cJSON_GetObjectItem(j, "CertificateArn") == NULL);
	t = cJSON_GetObjectItem(j, "Tags");
	CHECK_INT(cJSON_GetArraySize(t), 2);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(t, 1), "Value")),
		  "ex.com");
	cJSON_Delete(j);
	free(body);

	/* Re-import: the ARN, no tags (AWS refuses tags on a re-import), no empty chain. */
	body = acm_import_body("arn:aws:acm:us-east-1:1:certificate/x", "C", "K", "", tags, 2);
	REQUIRE(body != NULL);
	j = cJSON_Parse(body);
	REQUIRE(j != NULL);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(j, "CertificateArn")),
		  "arn:aws:acm:us-east-1:1:certificate/x");
	CHECK(cJSON_GetObjectItem(j, "Tags") == NULL);
	CHECK(cJSON_GetObjectItem(j, "CertificateChain") == NULL);
	cJSON_Delete(j);
	free(body);
}

TEST(deploy_acm_serial_forms)
{
	char *s;

	s = acm_serial_normalize("0a:1b:ff");
	CHECK_STR(s, "a1bff");
	free(s);
	s = acm_serial_normalize("03:A1");
	CHECK_STR(s, "3a1");
	free(s);
	/* moto writes the decimal integer: 255 = ff; 2^64 = 10000000000000000. */
	s = acm_serial_normalize("255");
	CHECK_STR(s, "ff");
	free(s);
	s = acm_serial_normalize("18446744073709551616");
	CHECK_STR(s, "10000000000000000");
	free(s);
	s = acm_serial_normalize("0");
	CHECK_STR(s, "0");
	free(s);
	CHECK(acm_serial_normalize("") == NULL);
	CHECK(acm_serial_normalize("12:zz") == NULL);
}

TEST(deploy_acm_describe_parse)
{
	const char *j = "{\"Certificate\":{\"CertificateArn\":\"arn:aws:acm:eu-west-1:1:"
			"certificate/abc\",\"Serial\":\"0a:1b:2c\",\"KeyAlgorithm\":"
			"\"EC_prime256v1\",\"Status\":\"ISSUED\",\"Type\":\"IMPORTED\","
			"\"InUseBy\":[\"arn:a\",\"arn:b\"]}}";
	struct acm_cert c;

	REQUIRE(acm_parse_describe(j, strlen(j), &c) == 0);
	CHECK_STR(c.arn, "arn:aws:acm:eu-west-1:1:certificate/abc");
	CHECK_STR(c.serial, "a1b2c");
	CHECK_STR(c.key_algorithm, "EC_prime256v1");
	CHECK_STR(c.type, "IMPORTED");
	CHECK_INT(c.in_use, 2);
	acm_cert_clear(&c);
	CHECK(acm_parse_describe("{}", 2, &c) == -1);
	CHECK(acm_parse_describe("nope", 4, &c) == -1);
}

TEST(deploy_query_body_encoding)
{
	struct buf b = BUF_INIT;

	REQUIRE(aws_query_start(&b, "UploadServerCertificate", "2010-05-08") == 0);
	REQUIRE(aws_query_add(&b, "Path", "/aaa/") == 0);
	REQUIRE(aws_query_add(&b, "CertificateBody", "-----BEGIN X-----\n+a/b=\n") == 0);
	CHECK_STR(b.data, "Action=UploadServerCertificate&Version=2010-05-08&Path=%2Faaa%2F&"
			  "CertificateBody=-----BEGIN%20X-----%0A%2Ba%2Fb%3D%0A");
	buf_free(&b);
}

static const char IAM_PAGE1[] =
    "<ListServerCertificatesResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
    "<ListServerCertificatesResult><IsTruncated>true</IsTruncated><Marker>M2</Marker>"
    "<ServerCertificateMetadataList>"
    "<member><ServerCertificateName>ex.com-01</ServerCertificateName><Path>/aaa/</Path>"
    "<Arn>arn:aws:iam::1:server-certificate/aaa/ex.com-01</Arn>"
    "<UploadDate>2026-01-01T00:00:00Z</UploadDate></member>"
    "<member><ServerCertificateName>root-1</ServerCertificateName><Path>/</Path>"
    "<Arn>arn:aws:iam::1:server-certificate/root-1</Arn></member>"
    "<member><ServerCertificateName>deep</ServerCertificateName><Path>/aaa/x/</Path>"
    "<Arn>arn:aws:iam::1:server-certificate/aaa/x/deep</Arn></member>"
    "</ServerCertificateMetadataList></ListServerCertificatesResult>"
    "</ListServerCertificatesResponse>";

TEST(deploy_iam_list_page)
{
	struct iam_cert_list l = {NULL, 0};
	char *marker = NULL;
	const char *last = "<ListServerCertificatesResponse><ListServerCertificatesResult>"
			   "<IsTruncated>false</IsTruncated><ServerCertificateMetadataList/>"
			   "</ListServerCertificatesResult></ListServerCertificatesResponse>";

	REQUIRE(iam_parse_list_page(IAM_PAGE1, strlen(IAM_PAGE1), "/aaa/", &l, &marker) == 0);
	CHECK_STR(marker, "M2");
	/* root-1 is outside the prefix (an emulator ignoring PathPrefix). */
	REQUIRE(l.n == 2);
	CHECK_STR(l.items[0].name, "ex.com-01");
	CHECK_STR(l.items[0].path, "/aaa/");
	CHECK_STR(l.items[0].upload_date, "2026-01-01T00:00:00Z");
	CHECK_STR(l.items[1].path, "/aaa/x/");
	free(marker);
	REQUIRE(iam_parse_list_page(last, strlen(last), "/aaa/", &l, &marker) == 0);
	CHECK(marker == NULL);
	CHECK_INT(l.n, 2);
	iam_cert_list_clear(&l);
	CHECK(iam_parse_list_page("<x/>", 4, NULL, &l, &marker) == -1);
}

TEST(deploy_elb_describe_page)
{
	const char *x =
	    "<DescribeLoadBalancersResponse xmlns=\"http://elasticloadbalancing.amazonaws.com/"
	    "doc/2012-06-01/\"><DescribeLoadBalancersResult><LoadBalancerDescriptions>"
	    "<member><LoadBalancerName>web</LoadBalancerName><ListenerDescriptions>"
	    "<member><Listener><Protocol>HTTP</Protocol><LoadBalancerPort>80</LoadBalancerPort>"
	    "</Listener></member>"
	    "<member><Listener><Protocol>HTTPS</Protocol><LoadBalancerPort>443</LoadBalancerPort>"
	    "<SSLCertificateId>arn:aws:iam::1:server-certificate/aaa/x</SSLCertificateId>"
	    "</Listener></member></ListenerDescriptions></member>"
	    "</LoadBalancerDescriptions><NextMarker>N</NextMarker></DescribeLoadBalancersResult>"
	    "</DescribeLoadBalancersResponse>";
	struct elb_listener_list l = {NULL, 0};
	char *marker = NULL;

	REQUIRE(elb_parse_describe_page(x, strlen(x), &l, &marker) == 0);
	CHECK_STR(marker, "N");
	REQUIRE(l.n == 2);
	CHECK_STR(l.items[0].lb_name, "web");
	CHECK_INT(l.items[0].port, 80);
	CHECK(l.items[0].cert_id == NULL);
	CHECK_INT(l.items[1].port, 443);
	CHECK_STR(l.items[1].cert_id, "arn:aws:iam::1:server-certificate/aaa/x");
	free(marker);
	elb_listener_list_clear(&l);
	CHECK(elb_name_valid("my-lb-1"));
	CHECK(!elb_name_valid("-lb"));
	CHECK(!elb_name_valid("a_b"));
	CHECK(!elb_name_valid("123456789012345678901234567890123"));
}

TEST(deploy_elbv2_arn_and_page)
{
	const char *x = "<DescribeListenerCertificatesResponse><DescribeListenerCertificatesResult>"
			"<Certificates><member><CertificateArn>arn:d</CertificateArn>"
			"<IsDefault>true</IsDefault></member><member><CertificateArn>arn:s"
			"</CertificateArn><IsDefault>false</IsDefault></member></Certificates>"
			"</DescribeListenerCertificatesResult>"
			"</DescribeListenerCertificatesResponse>";
	struct elbv2_cert_list l = {NULL, 0};
	char *marker = NULL, *region = NULL;

	REQUIRE(elbv2_parse_certs_page(x, strlen(x), &l, &marker) == 0);
	CHECK(marker == NULL);
	REQUIRE(l.n == 2);
	CHECK_STR(l.items[0].arn, "arn:d");
	CHECK_INT(l.items[0].is_default, 1);
	CHECK_INT(l.items[1].is_default, 0);
	elbv2_cert_list_clear(&l);

	CHECK(elbv2_listener_arn_region("arn:aws-us-gov:elasticloadbalancing:us-gov-west-1:1:"
					"listener/net/n/1/2",
					&region) == 0);
	CHECK_STR(region, "us-gov-west-1");
	free(region);
	CHECK(elbv2_listener_arn_region("arn:aws:elasticloadbalancing:us-east-1:1:listener/",
					&region) == -1);
	CHECK(region == NULL);
	CHECK(elbv2_listener_arn_region("arn:aws:elasticloadbalancing:us-east-1:1", &region) == -1);
}

static const char CF_CONFIG[] =
    "<?xml version=\"1.0\"?>"
    "<DistributionConfig xmlns=\"http://cloudfront.amazonaws.com/doc/2020-05-31/\">"
    "<CallerReference>ref</CallerReference><Aliases><Quantity>1</Quantity><Items>"
    "<CNAME>www.example.com</CNAME></Items></Aliases><Comment>keep me</Comment>"
    "<ViewerCertificate><CloudFrontDefaultCertificate>true</CloudFrontDefaultCertificate>"
    "<IAMCertificateId>OLDIAM</IAMCertificateId>"
    "<MinimumProtocolVersion>TLSv1.2_2019</MinimumProtocolVersion>"
    "<CertificateSource>cloudfront</CertificateSource></ViewerCertificate>"
    "<Enabled>true</Enabled></DistributionConfig>";

static const char CF_CUSTOM[] =
    "<DistributionConfig><ViewerCertificate>"
    "<CloudFrontDefaultCertificate>false</CloudFrontDefaultCertificate>"
    "<ACMCertificateArn>arn:old</ACMCertificateArn><SSLSupportMethod>vip</SSLSupportMethod>"
    "<MinimumProtocolVersion>TLSv1.2_2019</MinimumProtocolVersion></ViewerCertificate>"
    "</DistributionConfig>";

/* cloudfront_config_with_acm on xml, parsed back (NULL when it refused). */
static xmlDoc *s_rewrite(const char *xml, const char *arn)
{
	size_t len = 0;
	char *text = cloudfront_config_with_acm(xml, strlen(xml), arn, &len);
	xmlDoc *doc = text ? xml_parse(text, len, "rewritten") : NULL;

	free(text);
	return doc;
}

static char *s_viewer_acm(xmlDoc *doc)
{
	return xml_path_text(xml_root(doc), "ViewerCertificate/ACMCertificateArn");
}

TEST(deploy_cloudfront_viewer_rewrite)
{
	xmlDoc *doc = s_rewrite(CF_CONFIG, "arn:aws:acm:us-east-1:1:certificate/n");
	xmlNode *vc, *n;
	char *s, *text;
	size_t len;
	const char *order[] = {"CloudFrontDefaultCertificate", "ACMCertificateArn",
			       "SSLSupportMethod", "MinimumProtocolVersion"};
	size_t i = 0;

	REQUIRE(doc != NULL);
	s = s_viewer_acm(doc);
	CHECK_STR(s, "arn:aws:acm:us-east-1:1:certificate/n");
	free(s);
	vc = xml_child(xml_root(doc), "ViewerCertificate");
	REQUIRE(vc != NULL);
	for (n = vc->children; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		CHECK(i < 4 && xmlStrcmp(n->name, BAD_CAST order[i]) == 0);
		i++;
	}
	CHECK_INT(i, 4);
	s = xml_path_text(vc, "CloudFrontDefaultCertificate");
	CHECK_STR(s, "false");
	free(s);
	/* CloudFront's own certificate was in place: its TLSv1 floor is not
	 * a choice to keep. */
	s = xml_path_text(vc, "MinimumProtocolVersion");
	CHECK_STR(s, "TLSv1.2_2021");
	free(s);
	s = xml_path_text(vc, "SSLSupportMethod");
	CHECK_STR(s, "sni-only");
	free(s);
	text = xml_to_string(doc, &len);
	REQUIRE(text != NULL);
	/* Nothing else touched; the old certificate's fields gone; one namespace. */
	CHECK(strstr(text, "<Comment>keep me</Comment>") != NULL);
	CHECK(strstr(text, "<CNAME>www.example.com</CNAME>") != NULL);
	CHECK(strstr(text, "OLDIAM") == NULL);
	CHECK(strstr(text, "CertificateSource") == NULL);
	CHECK(strstr(text, "xmlns=\"http://cloudfront.amazonaws.com/doc/2020-05-31/\"") != NULL);
	free(text);
	xmlFreeDoc(doc);

	/* A custom certificate before: the user's minimum version is kept. */
	doc = s_rewrite(CF_CUSTOM, "arn:new");
	REQUIRE(doc != NULL);
	vc = xml_child(xml_root(doc), "ViewerCertificate");
	s = vc ? xml_path_text(vc, "MinimumProtocolVersion") : NULL;
	CHECK_STR(s, "TLSv1.2_2019");
	free(s);
	s = vc ? xml_path_text(vc, "SSLSupportMethod") : NULL;
	CHECK_STR(s, "vip");
	free(s);
	s = s_viewer_acm(doc);
	CHECK_STR(s, "arn:new");
	free(s);
	xmlFreeDoc(doc);

	CHECK(s_rewrite("<Other/>", "arn") == NULL);
	CHECK(s_rewrite("not xml", "arn") == NULL);
}

TEST(deploy_cloudfront_rules)
{
	const char *why = NULL;

	CHECK(cloudfront_should_retry(412, "PreconditionFailed", 1, 5));
	CHECK(cloudfront_should_retry(400, "InvalidIfMatchVersion", 4, 5));
	CHECK(!cloudfront_should_retry(412, "PreconditionFailed", 5, 5));
	CHECK(!cloudfront_should_retry(403, "AccessDenied", 1, 5));
	CHECK(!cloudfront_should_retry(404, "NoSuchDistribution", 1, 5));
	CHECK(cloudfront_key_type_ok("ec256", &why) && why == NULL);
	CHECK(cloudfront_key_type_ok("rsa2048", &why));
	CHECK(cloudfront_key_type_ok("rsa4096", &why));
	CHECK(!cloudfront_key_type_ok("ec384", &why) && why != NULL);
	CHECK(!cloudfront_key_type_ok(NULL, &why));
	CHECK(cloudfront_id_valid("E2QWRUHAPOMQZL"));
	CHECK(!cloudfront_id_valid("e2q"));
	CHECK(!cloudfront_id_valid(""));
}
