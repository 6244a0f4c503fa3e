#include "harness.h"

#include <stdlib.h>

#include "log/log.h"
#include "xml/xml.h"

TEST(xml_paths_ignore_namespaces)
{
	static const char doc[] =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
	    "<Name>b</Name><IsTruncated>true</IsTruncated>"
	    "<Contents><Key>aaa-data/a</Key></Contents>"
	    "<Contents><Key>aaa-data/b &amp; c</Key></Contents>"
	    "<NextContinuationToken>tok</NextContinuationToken></ListBucketResult>";
	xmlDoc *d = xml_parse(doc, sizeof(doc) - 1, "S3 ListObjectsV2");
	xmlNode *root, *c;
	char *t;
	int n = 0;

	REQUIRE(d != NULL);
	root = xml_root(d);
	t = xml_path_text(root, "NextContinuationToken");
	CHECK_STR(t, "tok");
	free(t);
	for (c = xml_child(root, "Contents"); c; c = xml_next(c)) {
		t = xml_path_text(c, "Key");
		if (n == 1)
			CHECK_STR(t, "aaa-data/b & c");
		free(t);
		n++;
	}
	CHECK_INT(n, 2);
	CHECK(xml_path_text(root, "Missing/Key") == NULL);
	t = xml_path_text_def(root, "Missing", "dflt");
	CHECK_STR(t, "dflt");
	free(t);
	xmlFreeDoc(d);
}

TEST(xml_path_text_first_takes_the_first_present)
{
	static const char doc[] = "<Response><Errors/><RequestID>r-2</RequestID>"
				  "<Other>o</Other></Response>";
	static const char *const ids[] = {"RequestId", "RequestID", "Other", NULL};
	static const char *const none[] = {"RequestId", "Errors/Error", NULL};
	xmlDoc *d = xml_parse(doc, sizeof(doc) - 1, "test doc");
	char *t;

	REQUIRE(d != NULL);
	t = xml_path_text_first(xml_root(d), ids);
	CHECK_STR(t, "r-2");
	free(t);
	CHECK(xml_path_text_first(xml_root(d), none) == NULL);
	xmlFreeDoc(d);
}

TEST(xml_error_document)
{
	static const char doc[] = "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
				  "<Message>Rate exceeded</Message></Error>"
				  "<RequestId>r-1</RequestId></ErrorResponse>";
	xmlDoc *d = xml_parse(doc, sizeof(doc) - 1, "AWS error");
	char *code, *rid;

	REQUIRE(d != NULL);
	code = xml_path_text(xml_root(d), "Error/Code");
	rid = xml_path_text(xml_root(d), "RequestId");
	CHECK_STR(code, "Throttling");
	CHECK_STR(rid, "r-1");
	free(code);
	free(rid);
	xmlFreeDoc(d);
}

TEST(xml_refuses_bad_input)
{
	static const char xxe[] = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM "
				  "\"file:///etc/passwd\">]><r>&x;</r>";
	xmlDoc *d;
	char *t;

	CHECK(xml_parse("<a><b></a>", 10, "Route53 answer") == NULL);
	CHECK(strstr(harness_last_error(), "Route53 answer: malformed XML") != NULL);
	CHECK(xml_parse("", 0, "x") == NULL);
	/* External entities are never loaded. */
	d = xml_parse(xxe, sizeof(xxe) - 1, "xxe");
	if (d) {
		t = xml_path_text(xml_root(d), "");
		CHECK(t == NULL || strstr(t, "root:") == NULL);
		free(t);
		t = (char *)xmlNodeGetContent(xml_root(d));
		CHECK(t == NULL || strstr(t, "root:") == NULL);
		xmlFree(t);
		xmlFreeDoc(d);
	}
}

TEST(xml_builder_escapes)
{
	xmlNode *root = NULL, *batch;
	xmlDoc *d = xml_new_doc("ChangeResourceRecordSetsRequest",
				"https://route53.amazonaws.com/doc/2013-04-01/", &root);
	char *text;

	REQUIRE(d != NULL);
	batch = xml_add(root, "ChangeBatch", NULL);
	xml_add(batch, "Comment", "a <b> & \"c\"");
	text = xml_to_string(d, NULL);
	CHECK(strstr(text, "<ChangeResourceRecordSetsRequest "
			   "xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\">") != NULL);
	CHECK(strstr(text, "<Comment>a &lt;b&gt; &amp; \"c\"</Comment>") != NULL);
	free(text);
	xmlFreeDoc(d);
}

TEST(xml_quiet_parse_keeps_last_error)
{
	harness_clear_errors();
	CHECK(xml_parse("{\"json\":1}", 10, NULL) == NULL);
	CHECK_STR(harness_last_error(), "");
}
