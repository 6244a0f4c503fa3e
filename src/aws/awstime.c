#define _DEFAULT_SOURCE
#include "aws/awstime.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "util/time.h"

static const char *const s_months[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* The profile of ISO 8601 that AWS services emit is RFC 3339. */
int aws_time_parse_iso8601(const char *s, time_t *out)
{
	return time_parse_rfc3339(s, out);
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
	return time_digits(p, 2, h) || s_lit(p, ":") || time_digits(p, 2, mi) || s_lit(p, ":") ||
		       time_digits(p, 2, sec)
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
		if (s_lit(&p, ", ") || time_digits(&p, 2, &d))
			goto out;
		if (*p == ' ') { /* IMF-fixdate */
			if (s_lit(&p, " ") || s_word(&p, mname, 3) || s_lit(&p, " ") ||
			    time_digits(&p, 4, &y))
				goto out;
		} else { /* RFC 850 */
			if (s_lit(&p, "-") || s_word(&p, mname, 3) || s_lit(&p, "-") ||
			    time_digits(&p, 2, &y))
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
		if (p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9'
			? time_digits(&p, 2, &d)
			: time_digits(&p, 1, &d))
			goto out;
		if (s_lit(&p, " ") || s_clock(&p, &h, &mi, &sec) || s_lit(&p, " ") ||
		    time_digits(&p, 4, &y))
			goto out;
	}
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	mon = s_month(mname);
	if (*p != '\0' || mon < 0 || time_from_fields(y, mon, d, h, mi, sec, out))
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
