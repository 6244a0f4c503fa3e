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

/* The input in a heap block of exactly strlen(s) + 1 bytes. */
static char *s_exact(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc(n);

	if (p)
		memcpy(p, s, n);
	return p;
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
