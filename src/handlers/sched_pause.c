/*
 * The scheduler's side of the fleet-wide CA pause (sched_fleet.h): read the
 * pause an executor recorded, and while it lasts start no renewal.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "agent/certs.h"
#include "handlers/sched_fleet.h"
#include "json/json.h"
#include "log/log.h"
#include "store/keys.h"

void sched_fleet_read(struct agent *a, time_t now, struct sched_fleet *f)
{
	size_t i;
	int listed = 0;

	memset(f, 0, sizeof(*f));
	if (store_list(a->store, STORE_DIR_FLEET "/", &f->keys) != STORE_OK) {
		log_warn("scheduler: cannot list %s/ in the store (s3:ListBucket on that prefix?); "
			 "no CA pause or leftover cleanup is seen this pass",
			 STORE_DIR_FLEET);
		return;
	}
	for (i = 0; i < f->keys.n; i++)
		if (strcmp(f->keys.keys[i], STORE_KEY_CA_PAUSE) == 0)
			listed = 1;
	if (!listed)
		return;
	if (ca_pause_read(a, &f->pause) < 0) {
		log_warn("scheduler: %s (the CA's pause is not seen this pass)", a->err.message);
		return;
	}
	f->paused = f->pause.until > now;
}

void sched_pause_report(const struct sched_fleet *f, size_t waiting, time_t now, cJSON *out)
{
	char u[32];

	if (!f->paused)
		return;
	cJSON_AddItemToObject(out, "ca_pause", ca_pause_json(&f->pause, now));
	agent_time_format(f->pause.until, u, sizeof(u));
	log_warn("scheduler: the CA asked to wait until %s (%s: %s); %zu due certificate%s "
		 "deferred, no renewal started",
		 u, f->pause.code ? f->pause.code : "rate limited",
		 f->pause.detail ? f->pause.detail : "-", waiting, waiting == 1 ? "" : "s");
}

void sched_fleet_clear(struct sched_fleet *f)
{
	store_keys_free(&f->keys);
	ca_pause_clear(&f->pause);
	memset(f, 0, sizeof(*f));
}
