/*
 * aaa ls on a terminal: the certificates as a table people read, as
 * `certbot certificates` shows them. Made from the same JSON that goes to
 * pipes and --json (agent_ls), so the two never say different things.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acme/ari.h"
#include "agent/certs.h"
#include "cli/commands.h"
#include "json/json.h"
#include "util/buf.h"

/* "a, b, c" of a string array; "-" when empty (caller frees). */
static char *s_join(const cJSON *arr)
{
	struct buf b = BUF_INIT;
	const cJSON *it;

	cJSON_ArrayForEach(it, arr)
	{
		if (!cJSON_IsString(it))
			continue;
		if (b.len)
			buf_append_str(&b, ", ");
		buf_append_str(&b, it->valuestring);
	}
	if (!b.len)
		buf_append_str(&b, "-");
	return buf_steal(&b);
}

static const char *s_state(const cJSON *c, time_t now)
{
	time_t na = agent_time_member(c, "not_after");

	if (json_bool(c, "revoked", 0))
		return "revoked";
	if (na > 0 && na <= now)
		return "expired";
	if (json_str(c, "last_error"))
		return "renewal failing";
	return "valid";
}

void cli_ls_table(FILE *out, const cJSON *ls, time_t now)
{
	const cJSON *acc, *d;
	int rows = 0;

	fprintf(out, "%-32s %9s  %-15s  %-8s  %-10s  %-20s  %s\n", "NAME", "DAYS LEFT", "STATE",
		"KEY", "RENEWAL", "ISSUER", "NAMES / DEPLOY");
	cJSON_ArrayForEach(acc, ls)
	{
		cJSON_ArrayForEach(d, json_arr(acc, "domains"))
		{
			const cJSON *c = json_obj(d, "certificate");
			time_t na = agent_time_member(c, "not_after"),
			       ra = agent_time_member(c, "renew_after");
			char days[16] = "-", renew[16] = "-";
			char *names = s_join(json_arr(c, "san")),
			     *deploy = s_join(json_arr(c, "deploy"));
			const char *issuer = json_str(c, "issuer");
			struct tm tm;

			if (!c || !json_str(c, "serial")) {
				free(names);
				free(deploy);
				continue;
			}
			if (na > 0)
				snprintf(days, sizeof(days), "%.1f", difftime(na, now) / 86400.0);
			if (ra > 0 && ra <= now)
				snprintf(renew, sizeof(renew), "due now");
			else if (ra > 0 && gmtime_r(&ra, &tm))
				strftime(renew, sizeof(renew), "%Y-%m-%d", &tm);
			fprintf(out, "%-32s %9s  %-15s  %-8s  %-10s  %-20.20s  %s / %s\n",
				json_str(d, "domain"), days, s_state(c, now),
				json_str(c, "key_type") ? json_str(c, "key_type") : "-", renew,
				issuer ? issuer : "-", names ? names : "-", deploy ? deploy : "-");
			rows++;
			free(names);
			free(deploy);
		}
	}
	if (rows == 0)
		fprintf(out, "(no certificate yet: aaa cert --cn NAME issues one)\n");
	/* The CA asked the fleet to wait (agent/fleet.h): no renewal starts before. */
	cJSON_ArrayForEach(acc, ls)
	{
		const cJSON *p = json_obj(acc, "ca_pause");

		if (p)
			fprintf(out, "CA paused until %s: %s (%s)\n", json_str(p, "until"),
				json_str(p, "detail") ? json_str(p, "detail") : "rate limited",
				json_str(acc, "directory") ? json_str(acc, "directory") : "?");
	}
}
