/*
 * RFC 3339 date-times and the field checks other time formats share. See
 * util/time.h.
 */
#define _DEFAULT_SOURCE
#include "util/time.h"

#include <ctype.h>
#include <string.h>

int time_digits(const char **p, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

static int s_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/*
 * Checks the broken-down fields (timegm would silently normalise
 * "2015-02-31" to March) and converts. Leap seconds (60) are accepted and
 * land on the next second, as timegm does.
 */
int time_from_fields(int y, int mon, int d, int h, int mi, int s, time_t *out)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	struct tm tm;
	int rc = -1;

	if (y < 1970 || y > 9999 || mon < 1 || mon > 12 || d < 1 || h > 23 || mi > 59 || s > 60)
		goto out;
	if (d > mdays[mon - 1] + (mon == 2 && s_leap(y)))
		goto out;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	*out = timegm(&tm);
	rc = 0;
out:
	return rc;
}

int time_parse_rfc3339(const char *s, time_t *out)
{
	int y, mon, d, h, mi, sec, oh = 0, om = 0, sign = 0, rc = -1;
	const char *p = s;
	time_t t;

	if (s == NULL)
		goto out;
	if (time_digits(&p, 4, &y) || *p++ != '-' || time_digits(&p, 2, &mon) || *p++ != '-' ||
	    time_digits(&p, 2, &d))
		goto out;
	if (*p != 'T' && *p != 't')
		goto out;
	p++;
	if (time_digits(&p, 2, &h) || *p++ != ':' || time_digits(&p, 2, &mi) || *p++ != ':' ||
	    time_digits(&p, 2, &sec))
		goto out;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			goto out;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '+' ? 1 : -1;
		if (time_digits(&p, 2, &oh))
			goto out;
		if (*p == ':')
			p++;
		if (time_digits(&p, 2, &om) || oh > 23 || om > 59)
			goto out;
	} else {
		goto out;
	}
	if (*p != '\0' || time_from_fields(y, mon, d, h, mi, sec, &t))
		goto out;
	*out = t - sign * (oh * 3600 + om * 60);
	rc = 0;
out:
	return rc;
}
