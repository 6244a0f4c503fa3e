/* The AWS paging helper: when another page follows, and the listings it
 * refuses (truncated without a marker, a marker that does not advance, no
 * end). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/paging.h"
#include "tests/unit/harness.h"
#include "util/mem.h"

TEST(aws_pager_follows_markers_until_the_last_page)
{
	struct aws_pager pg;
	struct aws_reply r;

	memset(&r, 0, sizeof(r));
	aws_pager_init(&pg, "marker", "IAM %s", "ListServerCertificates");
	CHECK_STR(pg.what, "IAM ListServerCertificates");
	CHECK(pg.marker == NULL);
	REQUIRE(aws_pager_start(&pg, &r) == 0);
	CHECK_INT(aws_pager_next(&pg, str_dup("m2"), -1, &r), 1);
	CHECK_STR(pg.marker, "m2");
	REQUIRE(aws_pager_start(&pg, &r) == 0);
	CHECK_INT(aws_pager_next(&pg, str_dup("m3"), 1, &r), 1);
	CHECK_STR(pg.marker, "m3");
	REQUIRE(aws_pager_start(&pg, &r) == 0);
	/* No marker (NULL or empty) without a flag: the end. */
	CHECK_INT(aws_pager_next(&pg, str_dup(""), -1, &r), 0);
	CHECK_INT(pg.pages, 3);
	/* A page that says it is the last ends the listing whatever its marker. */
	CHECK_INT(aws_pager_next(&pg, str_dup("m9"), 0, &r), 0);
	CHECK_INT(aws_pager_next(&pg, NULL, -1, &r), 0);
	CHECK(r.message == NULL);
	aws_pager_clear(&pg);
	CHECK(pg.marker == NULL);
}

TEST(aws_pager_refuses_a_marker_that_does_not_advance)
{
	struct aws_pager pg;
	struct aws_reply r;

	memset(&r, 0, sizeof(r));
	aws_pager_init(&pg, "NextMarker", "Route53 ListHostedZones");
	REQUIRE(aws_pager_start(&pg, &r) == 0);
	CHECK_INT(aws_pager_next(&pg, str_dup("Z1"), 1, &r), 1);
	REQUIRE(aws_pager_start(&pg, &r) == 0);
	CHECK_INT(aws_pager_next(&pg, str_dup("Z1"), 1, &r), -1);
	CHECK_STR(r.message, "Route53 ListHostedZones: the listing repeats its NextMarker");
	aws_reply_free(&r);
	aws_pager_clear(&pg);
}

TEST(aws_pager_refuses_truncated_without_a_marker)
{
	struct aws_pager pg;
	struct aws_reply r;

	memset(&r, 0, sizeof(r));
	aws_pager_init(&pg, "continuation token", "S3 ListObjectsV2 %s", "bucket");
	REQUIRE(aws_pager_start(&pg, &r) == 0);
	CHECK_INT(aws_pager_next(&pg, NULL, 1, &r), -1);
	CHECK_STR(r.message,
		  "S3 ListObjectsV2 bucket: truncated listing without a continuation token");
	aws_reply_free(&r);
	CHECK_INT(aws_pager_next(&pg, str_dup(""), 1, &r), -1);
	CHECK(r.message && strstr(r.message, "without a continuation token") != NULL);
	aws_reply_free(&r);
	aws_pager_clear(&pg);
}

TEST(aws_pager_stops_after_the_page_cap)
{
	struct aws_pager pg;
	struct aws_reply r;
	unsigned i;
	char m[16];

	memset(&r, 0, sizeof(r));
	aws_pager_init(&pg, "marker", "ELB DescribeLoadBalancers");
	for (i = 0; i < AWS_PAGES_MAX; i++) {
		REQUIRE(aws_pager_start(&pg, &r) == 0);
		snprintf(m, sizeof(m), "m%u", i);
		REQUIRE(aws_pager_next(&pg, str_dup(m), -1, &r) == 1);
	}
	CHECK_INT(aws_pager_start(&pg, &r), -1);
	CHECK(r.message &&
	      strstr(r.message, "ELB DescribeLoadBalancers: more than 1000 pages") != NULL);
	CHECK_INT(pg.pages, AWS_PAGES_MAX);
	aws_reply_free(&r);
	aws_pager_clear(&pg);
}
