/* libFuzzer target: ISO 8601 expirations and HTTP dates (Date, Retry-After). */
#include "aws/awstime.h"
#include "aws/retry.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	time_t t = 0, t2 = 0;
	char buf[32];

	fuzz_quiet();
	if (s == NULL)
		return 0;
	/* What parses formats, and the formatted text parses to the same time. */
	if (aws_time_parse_iso8601(s, &t) == 0 && aws_time_format_iso8601(t, buf) == 0) {
		if (aws_time_parse_iso8601(buf, &t2) != 0 || t2 != t)
			abort();
	}
	(void)aws_time_format_amz(t, buf);
	if (aws_time_parse_http_date(s, &t) == 0 && aws_time_format_iso8601(t, buf) == 0) {
		if (aws_time_parse_iso8601(buf, &t2) != 0 || t2 != t)
			abort();
	}
	/* Retry-After and Date headers, seen from a fixed "now". */
	{
		long skew = 0, ms = aws_retry_after_ms(s, 1700000000);

		if (ms < -1)
			abort();
		(void)aws_clock_skew_from_date(s, 1700000000, &skew);
	}
	free(s);
	return 0;
}
