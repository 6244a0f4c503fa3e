/* ISO 8601 and HTTP-date parsing, SigV4 date formatting. Expected epoch
 * values computed independently (date -u -d ... +%s). */
#include "harness.h"

#include <string.h>

#include "aws/awstime.h"

TEST(aws_time_iso8601)
{
	struct {
		const char *in;
		long long want; /* -1: must be refused */
	} v[] = {
	    {"2015-08-30T12:36:00Z", 1440938160},
	    {"2015-08-30T12:36:00.123456Z", 1440938160},
	    {"2015-08-30t12:36:00z", 1440938160},
	    {"2015-08-30T14:36:00+02:00", 1440938160},
	    {"2015-08-30T10:06:00-0230", 1440938160},
	    {"2024-02-29T23:59:59Z", 1709251199},
	    {"1970-01-01T00:00:00Z", 0},
	    {"2023-02-29T00:00:00Z", -1}, /* not a leap year */
	    {"2015-13-01T00:00:00Z", -1},
	    {"2015-08-30T24:00:00Z", -1},
	    {"2015-08-30T12:36:00", -1}, /* no zone: ambiguous */
	    {"2015-08-30 12:36:00Z", -1},
	    {"2015-08-30T12:36:00Zjunk", -1},
	    {"2015-08-30T12:36:00.Z", -1},
	    {"", -1},
	};
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		time_t t = 12345;
		int rc = aws_time_parse_iso8601(v[i].in, &t);

		if (v[i].want < 0) {
			if (rc != -1)
				harness_fail(__FILE__, __LINE__, "accepted %s", v[i].in);
		} else if (rc != 0 || (long long)t != v[i].want) {
			harness_fail(__FILE__, __LINE__, "%s -> rc %d, %lld; want %lld", v[i].in,
				     rc, (long long)t, v[i].want);
		}
	}
	CHECK_INT(aws_time_parse_iso8601(NULL, &(time_t){0}), -1);
}

TEST(aws_time_http_date)
{
	struct {
		const char *in;
		long long want;
	} v[] = {
	    {"Sun, 06 Nov 1994 08:49:37 GMT", 784111777},
	    {"Sunday, 06-Nov-94 08:49:37 GMT", 784111777},
	    {"Sun Nov  6 08:49:37 1994", 784111777},
	    {"Thu, 29 Feb 2024 23:59:58 GMT\r\n", 1709251198},
	    {"Wed Nov 16 08:49:37 1994", 784975777},
	    {"Sun, 6 Nov 1994 08:49:37 GMT", -1},
	    {"Sun, 06 Nov 1994 8:49:37 GMT", -1},
	    {"Sun, 06 November 1994 08:49:37 GMT", -1},
	    {"Sun, 06 Nov 1994 08:49:37 GMT x", -1},
	    {"Sun, 06 Nov 1994 08:49:37 UTC", -1},
	    {"Sun, 31 Feb 1994 08:49:37 GMT", -1},
	    {"Sun, 06 Foo 1994 08:49:37 GMT", -1},
	    {"120", -1},
	    {"", -1},
	};
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		time_t t = 0;
		int rc = aws_time_parse_http_date(v[i].in, &t);

		if (v[i].want < 0) {
			if (rc != -1)
				harness_fail(__FILE__, __LINE__, "accepted %s", v[i].in);
		} else if (rc != 0 || (long long)t != v[i].want) {
			harness_fail(__FILE__, __LINE__, "%s -> rc %d, %lld; want %lld", v[i].in,
				     rc, (long long)t, v[i].want);
		}
	}
}

TEST(aws_time_format)
{
	char amz[AWS_AMZ_DATE_LEN + 1], iso[21];

	CHECK_INT(aws_time_format_amz(1440938160, amz), 0);
	CHECK_STR(amz, "20150830T123600Z");
	CHECK_INT(aws_time_format_iso8601(1709251199, iso), 0);
	CHECK_STR(iso, "2024-02-29T23:59:59Z");
	CHECK_INT(aws_time_format_amz((time_t)400000000000LL, amz), -1); /* year > 9999 */
}
