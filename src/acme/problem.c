#define _GNU_SOURCE
#include "acme/problem.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "json/json.h"
#include "util/buf.h"
#include "util/mem.h"

int acme_problem_is(const cJSON *problem, const char *short_type)
{
	const char *t = json_str(problem, "type");

	return t && str_has_prefix(t, ACME_ERR_PREFIX) &&
	       strcmp(t + strlen(ACME_ERR_PREFIX), short_type) == 0;
}

/*
 * Retry-After is either a number of seconds or an HTTP date. We parse the
 * date by hand (IMF-fixdate only, "Sun, 06 Nov 1994 08:49:37 GMT"), which is
 * what RFC 9110 says senders must produce.
 */
long acme_retry_after_seconds(const char *value, time_t now)
{
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	struct tm tm;
	const char *p;
	char *end = NULL;
	long v, rc = -1;
	int i, mon = -1;
	time_t t;

	if (!value)
		goto out;
	while (*value == ' ' || *value == '\t')
		value++;
	if (isdigit((unsigned char)*value)) {
		v = strtol(value, &end, 10);
		while (end && (*end == ' ' || *end == '\t'))
			end++;
		if (end && *end == '\0' && v >= 0)
			rc = v;
		goto out;
	}
	/* "Sun, 06 Nov 1994 08:49:37 GMT" */
	if (strlen(value) != 29 || value[3] != ',' || strcmp(value + 25, " GMT") != 0)
		goto out;
	p = value + 5;
	for (i = 0; i < 12; i++)
		if (strncmp(p + 3, months[i], 3) == 0)
			mon = i;
	if (mon < 0 || !isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]))
		goto out;
	for (i = 7; i < 11; i++)
		if (!isdigit((unsigned char)p[i]))
			goto out;
	if (p[11] != ' ' || p[14] != ':' || p[17] != ':')
		goto out;
	for (i = 12; i < 20; i += 3)
		if (!isdigit((unsigned char)p[i]) || !isdigit((unsigned char)p[i + 1]))
			goto out;
	memset(&tm, 0, sizeof(tm));
	tm.tm_mday = (p[0] - '0') * 10 + (p[1] - '0');
	tm.tm_mon = mon;
	tm.tm_year =
	    (p[7] - '0') * 1000 + (p[8] - '0') * 100 + (p[9] - '0') * 10 + (p[10] - '0') - 1900;
	tm.tm_hour = (p[12] - '0') * 10 + (p[13] - '0');
	tm.tm_min = (p[15] - '0') * 10 + (p[16] - '0');
	tm.tm_sec = (p[18] - '0') * 10 + (p[19] - '0');
	t = timegm(&tm);
	if (t == (time_t)-1)
		goto out;
	rc = t > now ? (long)(t - now) : 0;
out:
	return rc;
}

static void s_append_one(struct buf *b, const cJSON *p)
{
	const char *type = json_str(p, "type");
	const char *detail = json_str(p, "detail");

	buf_append_str(b, type ? type : "(no type)");
	if (detail && *detail)
		buf_printf(b, ": %s", detail);
}

/*
 * A CA error as one line. The short ACME type stays in full (users search
 * for it), subproblems name their identifier so a 5-name order says which
 * name failed, and a rate limit says when to come back instead of leaving
 * people to retry in a loop.
 */
char *acme_problem_format(const cJSON *problem, long http_status, const char *retry_after,
			  time_t now)
{
	struct buf b = BUF_INIT;
	const cJSON *subs, *sp;
	long wait;
	char *line, *c;

	if (!cJSON_IsObject(problem) || !json_str(problem, "type"))
		buf_printf(&b, "HTTP %ld from the CA without a problem document", http_status);
	else
		s_append_one(&b, problem);
	subs = json_arr(problem, "subproblems");
	cJSON_ArrayForEach(sp, subs)
	{
		const cJSON *id = json_obj(sp, "identifier");
		const char *v = json_str(id, "value");

		buf_printf(&b, "; %s: ", v ? v : "(no identifier)");
		s_append_one(&b, sp);
	}
	wait = acme_retry_after_seconds(retry_after, now);
	if (acme_problem_is(problem, "rateLimited")) {
		if (wait >= 0)
			buf_printf(&b,
				   " (rate limited by the CA: retry after %ld s; "
				   "retrying earlier only extends the limit)",
				   wait);
		else
			buf_printf(&b, " (rate limited by the CA: wait before retrying; "
				       "the CA gave no Retry-After)");
	} else if (wait >= 0) {
		buf_printf(&b, " (the CA asks to retry after %ld s)", wait);
	}
	/* The CA's text goes to logs and replies: one line, no control
	 * characters (a "\n" in a detail would forge a log line). */
	line = buf_steal(&b);
	for (c = line; c && *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = ' ';
	return line;
}
