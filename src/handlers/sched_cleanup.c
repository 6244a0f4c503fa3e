/*
 * The scheduler finishes cleanups nobody else will (sched_fleet.h): every
 * fleet/cleanup/<job-id>.<time> marker older than LEFTOVER_STALE_S (a job
 * younger than that may still be running and remove its records itself) is
 * handed to the executor's "cleanup" action, one invocation per job, at most
 * SCHED_CLEANUP_MAX a pass (the rest next pass).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/fleet.h"
#include "handlers/sched_fleet.h"
#include "json/json.h"
#include "log/log.h"

#define SCHED_CLEANUP_MAX 100

static int s_seen(const cJSON *arr, const char *id)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, arr)
	{
		if (cJSON_IsString(it) && strcmp(it->valuestring, id) == 0)
			return 1;
	}
	return 0;
}

void sched_cleanup_start(const struct sched_fleet *f, const char *fn, time_t now, cJSON *out)
{
	cJSON *started = cJSON_AddArrayToObject(out, "cleaning"), *p;
	char id[160], what[200];
	size_t i, n = 0, later = 0;
	time_t when;

	if (!started)
		return;
	for (i = 0; i < f->keys.n; i++) {
		if (leftover_parse(f->keys.keys[i], id, sizeof(id), &when) != 0 ||
		    now - when < LEFTOVER_STALE_S || s_seen(started, id))
			continue;
		if (n >= SCHED_CLEANUP_MAX) {
			later++;
			continue;
		}
		if (!(p = cJSON_CreateObject()))
			return;
		cJSON_AddStringToObject(p, "action", "cleanup");
		cJSON_AddStringToObject(p, "job", id);
		snprintf(what, sizeof(what), "cleanup %s", id);
		if (sched_invoke(fn, p, what) == 0) {
			cJSON_AddItemToArray(started, cJSON_CreateString(id));
			n++;
		}
	}
	if (n || later)
		log_info("scheduler: %zu leftover cleanup%s handed to the executor%s", n,
			 n == 1 ? "" : "s", later ? ", the rest next pass" : "");
}
