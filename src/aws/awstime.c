#define _DEFAULT_SOURCE
#include "aws/awstime.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static const char *const s_months[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* Reads exactly n digits at *p; advances *p. -1 if any is not a digit. */
static int s_digits(const char **p, int n, int *out)
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
static int s_make_time(int y, int mon, int d, int h, int mi, int s, time_t *out)
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

/*
 * Accepts the profile of ISO 8601 that AWS services emit (RFC 3339 with an
 * optional fraction); a lower-case 't'/'z' too, since RFC 3339 allows it.
 */
int aws_time_parse_iso8601(const char *s, time_t *out)
{
	int y, mon, d, h, mi, sec, oh = 0, om = 0, sign = 0, rc = -1;
	const char *p = s;
	time_t t;

	if (s == NULL)
		goto out;
	if (s_digits(&p, 4, &y) || *p++ != '-' || s_digits(&p, 2, &mon) || *p++ != '-' ||
	    s_digits(&p, 2, &d))
		goto out;
	if (*p != 'T' && *p != 't')
		goto out;
	p++;
	if (s_digits(&p, 2, &h) || *p++ != ':' || s_digits(&p, 2, &mi) || *p++ != ':' ||
	    s_digits(&p, 2, &sec))
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
		if (s_digits(&p, 2, &oh))
			goto out;
		if (*p == ':')
			p++;
		if (s_digits(&p, 2, &om) || oh > 23 || om > 59)
			goto out;
	} else {
		goto out;
	}
	if (*p != '\0' || s_make_time(y, mon, d, h, mi, sec, &t))
		goto out;
	*out = t - sign * (oh * 3600 + om * 60);
	rc = 0;
out:
	return rc;
}

static int s_month(const char *name)
{
	int i;

	for (i = 0; i < 12; i++)
		if (strcasecmp(name, s_months[i]) == 0)
			return i + 1;
	return -1;
}

/* Reads 1..max letters into out (NUL-terminated). */
static int s_word(const char **p, char *out, size_t max)
{
	size_t n = 0;

	while (n < max &&
	       (((*p)[n] >= 'A' && (*p)[n] <= 'Z') || ((*p)[n] >= 'a' && (*p)[n] <= 'z')))
		n++;
	if (n == 0 || (((*p)[n] >= 'A' && (*p)[n] <= 'Z') || ((*p)[n] >= 'a' && (*p)[n] <= 'z')))
		return -1;
	memcpy(out, *p, n);
	out[n] = '\0';
	*p += n;
	return 0;
}

static int s_lit(const char **p, const char *lit)
{
	size_t n = strlen(lit);

	if (strncmp(*p, lit, n) != 0)
		return -1;
	*p += n;
	return 0;
}

/* "HH:MM:SS" */
static int s_clock(const char **p, int *h, int *mi, int *sec)
{
	return s_digits(p, 2, h) || s_lit(p, ":") || s_digits(p, 2, mi) || s_lit(p, ":") ||
		       s_digits(p, 2, sec)
		   ? -1
		   : 0;
}

/*
 * The three forms RFC 9110 section 5.6.7 makes recipients accept:
 *   IMF-fixdate  "Sun, 06 Nov 1994 08:49:37 GMT"
 *   RFC 850      "Sunday, 06-Nov-94 08:49:37 GMT" (two-digit year: 70-99
 *                are 19xx, the rest 20xx)
 *   asctime      "Sun Nov  6 08:49:37 1994"
 * Day names are not checked against the date (the RFC says a recipient
 * should not rely on them). Trailing white space (a raw header line) is
 * allowed, nothing else.
 */
int aws_time_parse_http_date(const char *s, time_t *out)
{
	char wday[10], mname[4];
	int d = 0, y = 0, h = 0, mi = 0, sec = 0, mon, rc = -1;
	const char *p = s;

	if (s == NULL)
		goto out;
	while (*p == ' ' || *p == '\t')
		p++;
	if (s_word(&p, wday, 9) != 0)
		goto out;
	if (*p == ',') {
		if (s_lit(&p, ", ") || s_digits(&p, 2, &d))
			goto out;
		if (*p == ' ') { /* IMF-fixdate */
			if (s_lit(&p, " ") || s_word(&p, mname, 3) || s_lit(&p, " ") ||
			    s_digits(&p, 4, &y))
				goto out;
		} else { /* RFC 850 */
			if (s_lit(&p, "-") || s_word(&p, mname, 3) || s_lit(&p, "-") ||
			    s_digits(&p, 2, &y))
				goto out;
			y += y < 70 ? 2000 : 1900;
		}
		if (s_lit(&p, " ") || s_clock(&p, &h, &mi, &sec) || s_lit(&p, " GMT"))
			goto out;
	} else { /* asctime */
		if (s_lit(&p, " ") || s_word(&p, mname, 3) || s_lit(&p, " "))
			goto out;
		if (*p == ' ')
			p++;
		/* p[1] only when p[0] is a digit: "Nov " may end the text. */
		if (p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9' ? s_digits(&p, 2, &d)
									     : s_digits(&p, 1, &d))
			goto out;
		if (s_lit(&p, " ") || s_clock(&p, &h, &mi, &sec) || s_lit(&p, " ") ||
		    s_digits(&p, 4, &y))
			goto out;
	}
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	mon = s_month(mname);
	if (*p != '\0' || mon < 0 || s_make_time(y, mon, d, h, mi, sec, out))
		goto out;
	rc = 0;
out:
	return rc;
}

static int s_gmtime(time_t t, struct tm *tm)
{
	if (gmtime_r(&t, tm) == NULL || tm->tm_year + 1900 < 0 || tm->tm_year + 1900 > 9999)
		return -1;
	return 0;
}

int aws_time_format_amz(time_t t, char out[AWS_AMZ_DATE_LEN + 1])
{
	struct tm tm;

	if (s_gmtime(t, &tm))
		return -1;
	return strftime(out, AWS_AMZ_DATE_LEN + 1, "%Y%m%dT%H%M%SZ", &tm) == AWS_AMZ_DATE_LEN ? 0
											      : -1;
}

int aws_time_format_iso8601(time_t t, char out[21])
{
	struct tm tm;

	if (s_gmtime(t, &tm))
		return -1;
	return strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) == 20 ? 0 : -1;
}
