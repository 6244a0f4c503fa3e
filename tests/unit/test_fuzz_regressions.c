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
