/*
 * Route53 client, offline: the request XML (read back with libxml2, not
 * compared as a string), TXT quoting against hand-written Route53 forms,
 * and parsing of answers shaped like Route53's documented examples.
 */
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "aws/route53.h"
#include "tests/unit/harness.h"
#include "xml/xml.h"

TEST(route53_txt_quote_simple)
{
	char *q = route53_txt_quote("abc-DEF_123");

	CHECK_STR(q, "\"abc-DEF_123\"");
	free(q);
	q = route53_txt_quote("");
	CHECK_STR(q, "\"\"");
	free(q);
}

TEST(route53_txt_quote_escapes)
{
	char *q = route53_txt_quote("a\"b\\c d\n\x7f");

	/* '"' and '\' backslash-escaped, control bytes octal, space kept. */
	CHECK_STR(q, "\"a\\\"b\\\\c d\\012\\177\"");
	free(q);
}

TEST(route53_txt_quote_splits_long_values)
{
	char v[601], *q, *u;
	size_t i;

	for (i = 0; i < 600; i++)
		v[i] = (char)('a' + i % 26);
	v[600] = '\0';
	q = route53_txt_quote(v);
	REQUIRE(q != NULL);
	/* 255 + 255 + 90, each quoted, separated by one space. */
	CHECK_INT(strlen(q), 600 + 6 + 2);
	CHECK(q[0] == '"' && q[256] == '"' && q[257] == ' ' && q[258] == '"');
	CHECK(q[514] == '"' && q[515] == ' ' && q[516] == '"');
	CHECK(strncmp(q + 1, v, 255) == 0);
	CHECK(strncmp(q + 259, v + 255, 255) == 0);
	u = route53_txt_unquote(q);
	CHECK_STR(u, v);
	free(u);
	free(q);
}

TEST(route53_txt_quote_split_counts_unescaped_bytes)
{
	char v[300], *q, *u;
	size_t i;

	/* 254 letters then quotes: the 255th byte is '"' (2 wire chars) and the
	 * split must come after it, not inside its escape. */
	for (i = 0; i < 299; i++)
		v[i] = i < 254 ? 'x' : '"';
	v[299] = '\0';
	q = route53_txt_quote(v);
	REQUIRE(q != NULL);
	CHECK(strncmp(q + 1 + 254, "\\\"\" \"\\\"", 7) == 0);
	u = route53_txt_unquote(q);
	CHECK_STR(u, v);
	free(u);
	free(q);
}

TEST(route53_txt_unquote_forms)
{
	char *u;

	u = route53_txt_unquote("\"part one\" \"part two\"");
	CHECK_STR(u, "part onepart two");
	free(u);
	u = route53_txt_unquote("bare");
	CHECK_STR(u, "bare");
	free(u);
	u = route53_txt_unquote("\"a\\\"b\\\\c\\065\"");
	CHECK_STR(u, "a\"b\\c5");
	free(u);
}

TEST(route53_name_normal_forms)
{
	char *n = route53_name_normal("\\052.Example.COM.");

	CHECK_STR(n, "*.example.com");
	free(n);
	n = route53_name_normal("_acme-challenge.x.test");
	CHECK_STR(n, "_acme-challenge.x.test");
	free(n);
}

TEST(route53_ids)
{
	CHECK_STR(route53_id_bare("/hostedzone/Z123ABC"), "Z123ABC");
	CHECK_STR(route53_id_bare("/change/C9"), "C9");
	CHECK_STR(route53_id_bare("Z1"), "Z1");
	CHECK(route53_id_valid("Z0123456789ABCDEF"));
	CHECK(!route53_id_valid(""));
	CHECK(!route53_id_valid("Z1/../x"));
	CHECK(!route53_id_valid("Z1?x=1"));
	CHECK(!route53_id_valid("Z1 "));
}

static const char *s_text(xmlNode *n, const char *path, char **hold)
{
	free(*hold);
	*hold = xml_path_text(n, path);
	return *hold;
}

TEST(route53_change_xml_read_back)
{
	const char *v1[] = {"\"abc\"", "\"d<e>&f\""};
	const char *v2[] = {"\"old\""};
	struct route53_change ch[2] = {
	    {ROUTE53_UPSERT, "_acme-challenge.example.com", "TXT", 60, v1, 2},
	    {ROUTE53_DELETE, "_acme-challenge.b.example.com", "TXT", 300, v2, 1},
	};
	size_t len = 0;
	char *x = route53_change_xml("aaa dns-01", ch, 2, &len), *t = NULL;
	xmlDoc *doc;
	xmlNode *root, *c, *r;

	REQUIRE(x != NULL);
	CHECK_INT(len, strlen(x));
	doc = xml_parse(x, len, "test");
	REQUIRE(doc != NULL);
	root = xml_root(doc);
	CHECK_STR((const char *)root->name, "ChangeResourceRecordSetsRequest");
	CHECK(root->ns != NULL && strcmp((const char *)root->ns->href,
					 "https://route53.amazonaws.com/doc/2013-04-01/") == 0);
	CHECK_STR(s_text(root, "ChangeBatch/Comment", &t), "aaa dns-01");
	c = xml_path(root, "ChangeBatch/Changes/Change");
	REQUIRE(c != NULL);
	CHECK_STR(s_text(c, "Action", &t), "UPSERT");
	CHECK_STR(s_text(c, "ResourceRecordSet/Name", &t), "_acme-challenge.example.com");
	CHECK_STR(s_text(c, "ResourceRecordSet/Type", &t), "TXT");
	CHECK_STR(s_text(c, "ResourceRecordSet/TTL", &t), "60");
	r = xml_path(c, "ResourceRecordSet/ResourceRecords/ResourceRecord");
	REQUIRE(r != NULL);
	CHECK_STR(s_text(r, "Value", &t), "\"abc\"");
	r = xml_next(r);
	REQUIRE(r != NULL);
	CHECK_STR(s_text(r, "Value", &t), "\"d<e>&f\"");
	CHECK(xml_next(r) == NULL);
	c = xml_next(c);
	REQUIRE(c != NULL);
	CHECK_STR(s_text(c, "Action", &t), "DELETE");
	CHECK_STR(s_text(c, "ResourceRecordSet/TTL", &t), "300");
	CHECK(xml_next(c) == NULL);
	/* The special characters went through libxml2's escaping. */
	CHECK(strstr(x, "d&lt;e&gt;&amp;f") != NULL);
	free(t);
	xmlFreeDoc(doc);
	free(x);
}

TEST(route53_change_xml_refuses_empty)
{
	struct route53_change ch = {ROUTE53_UPSERT, "x.example.com", "TXT", 60, NULL, 0};

	CHECK(route53_change_xml(NULL, NULL, 0, NULL) == NULL);
	CHECK(route53_change_xml(NULL, &ch, 1, NULL) == NULL);
}

static const char s_zones_xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<ListHostedZonesResponse xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\">"
    "<HostedZones>"
    "<HostedZone><Id>/hostedzone/Z111111QQQQQQQ</Id><Name>example.com.</Name>"
    "<CallerReference>r1</CallerReference><Config><Comment>c</Comment>"
    "<PrivateZone>false</PrivateZone></Config><ResourceRecordSetCount>17"
    "</ResourceRecordSetCount></HostedZone>"
    "<HostedZone><Id>/hostedzone/Z222222VVVVVVV</Id><Name>example.com.</Name>"
    "<Config><PrivateZone>true</PrivateZone></Config></HostedZone>"
    "</HostedZones><IsTruncated>true</IsTruncated><NextMarker>Z333333YYYYYYY</NextMarker>"
    "<MaxItems>2</MaxItems></ListHostedZonesResponse>";

TEST(route53_parse_zone_list)
{
	struct route53_zones z;

	memset(&z, 0, sizeof(z));
	REQUIRE(route53_parse_zones(s_zones_xml, sizeof(s_zones_xml) - 1, &z) == 0);
	CHECK_INT(z.n, 2);
	CHECK_STR(z.v[0].id, "Z111111QQQQQQQ");
	CHECK_STR(z.v[0].name, "example.com.");
	CHECK_INT(z.v[0].private_zone, 0);
	CHECK_STR(z.v[1].id, "Z222222VVVVVVV");
	CHECK_INT(z.v[1].private_zone, 1);
	CHECK_INT(z.truncated, 1);
	CHECK_STR(z.next_marker, "Z333333YYYYYYY");
	/* A second page appends. */
	REQUIRE(route53_parse_zones(s_zones_xml, sizeof(s_zones_xml) - 1, &z) == 0);
	CHECK_INT(z.n, 4);
	route53_zones_free(&z);
	CHECK(route53_parse_zones("<Other/>", 8, &z) == -1);
	CHECK(route53_parse_zones("not xml", 7, &z) == -1);
	CHECK_INT(z.n, 0);
}

static const char s_rrsets_xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<ListResourceRecordSetsResponse xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\">"
    "<ResourceRecordSets>"
    "<ResourceRecordSet><Name>_acme-challenge.example.com.</Name><Type>TXT</Type>"
    "<TTL>60</TTL><ResourceRecords><ResourceRecord><Value>\"one\"</Value></ResourceRecord>"
    "<ResourceRecord><Value>\"tw\\\"o\"</Value></ResourceRecord></ResourceRecords>"
    "</ResourceRecordSet>"
    "<ResourceRecordSet><Name>\\052.example.com.</Name><Type>A</Type>"
    "<SetIdentifier>w1</SetIdentifier>"
    "<AliasTarget><HostedZoneId>Z2</HostedZoneId><DNSName>lb.example.net.</DNSName>"
    "<EvaluateTargetHealth>false</EvaluateTargetHealth></AliasTarget></ResourceRecordSet>"
    "</ResourceRecordSets><IsTruncated>true</IsTruncated>"
    "<NextRecordName>www.example.com.</NextRecordName><NextRecordType>CNAME</NextRecordType>"
    "<MaxItems>2</MaxItems></ListResourceRecordSetsResponse>";

TEST(route53_parse_rrset_list)
{
	struct route53_rrsets r;
	char *u;

	REQUIRE(route53_parse_rrsets(s_rrsets_xml, sizeof(s_rrsets_xml) - 1, &r) == 0);
	REQUIRE(r.n == 2);
	CHECK_STR(r.v[0].name, "_acme-challenge.example.com.");
	CHECK_STR(r.v[0].type, "TXT");
	CHECK_INT(r.v[0].ttl, 60);
	REQUIRE(r.v[0].nvalues == 2);
	CHECK_STR(r.v[0].values[1], "\"tw\\\"o\"");
	u = route53_txt_unquote(r.v[0].values[1]);
	CHECK_STR(u, "tw\"o");
	free(u);
	CHECK(r.v[0].set_identifier == NULL);
	CHECK_INT(r.v[1].alias, 1);
	CHECK_INT(r.v[1].ttl, -1);
	CHECK_INT(r.v[1].nvalues, 0);
	CHECK_STR(r.v[1].set_identifier, "w1");
	CHECK_INT(r.truncated, 1);
	CHECK_STR(r.next_name, "www.example.com.");
	CHECK_STR(r.next_type, "CNAME");
	CHECK(r.next_identifier == NULL);
	route53_rrsets_free(&r);
}

TEST(route53_parse_change)
{
	static const char x[] =
	    "<ChangeResourceRecordSetsResponse xmlns=\"https://route53.amazonaws.com/doc/"
	    "2013-04-01/\"><ChangeInfo><Id>/change/C2682N5HXP0BZ4</Id><Status>PENDING</Status>"
	    "<SubmittedAt>2017-03-10T01:36:41.958Z</SubmittedAt></ChangeInfo>"
	    "</ChangeResourceRecordSetsResponse>";
	struct route53_change_info ci;

	REQUIRE(route53_parse_change_info(x, sizeof(x) - 1, &ci) == 0);
	CHECK_STR(ci.id, "C2682N5HXP0BZ4");
	CHECK_STR(ci.status, "PENDING");
	route53_change_info_free(&ci);
	CHECK(route53_parse_change_info("<GetChangeResponse/>", 20, &ci) == -1);
	CHECK(ci.id == NULL);
}
