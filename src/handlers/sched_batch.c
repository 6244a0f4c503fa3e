/*
 * The scheduler's batches (sched_batch.h). Why 25 a batch by default: a
 * batch's publish is one ChangeResourceRecordSets per zone, which Route53
 * caps at 1,000 values and 32,000 characters of values per request; a
 * record set rewritten conditionally counts its values twice (DELETE +
 * CREATE), and a challenge value is 45 characters quoted, so 25
 * certificates of up to 10 names stay under both (500 values, ~22,500
 * characters). The executor steps a batch's orders one after another at
 * each state (a few CA round trips each), so 25 also leaves most of a
 * 15-minute invocation to the CA's validation and issuance, and a batch
 * that runs out of time is resumed, not lost.
 */
#define _GNU_SOURCE
#include "handlers/sched_batch.h"

#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "config/settings.h"
#include "handlers/sched_fleet.h"
#include "json/json.h"
#include "log/log.h"
#include "util/mem.h"

#define SCHED_BATCH_DEFAULT 25
#define SCHED_BATCH_MAX	    100 /* the executor's renew_batch takes at most this */

long sched_batch_size(void)
{
	const char *v = settings()->batch_size;
	char *end = NULL;
	long n;

	if (!v || !*v)
		return SCHED_BATCH_DEFAULT;
	n = strtol(v, &end, 10);
	if (*end != '\0' || n < 1 || n > SCHED_BATCH_MAX) {
		log_warn(
		    "scheduler: AAA_BATCH_SIZE=%s is not a whole number from 1 to %d; using %d", v,
		    SCHED_BATCH_MAX, SCHED_BATCH_DEFAULT);
		return SCHED_BATCH_DEFAULT;
	}
	return n;
}

char *sched_zone_key(const char *name, const cJSON *entry)
{
	const cJSON *z = cJSON_GetArrayItem(json_arr(entry, "zones"), 0);
	const char *host, *dot;
	char *key, *p;

	if (cJSON_IsString(z) && z->valuestring[0])
		return str_printf("zone:%s", z->valuestring);
	host = strncmp(name, "*.", 2) == 0 ? name + 2 : name;
	dot = strchr(host, '.');
	/* Drop the first label unless what is left is a top-level domain:
	 * x.example.com, *.x.example.com and example.com share "example.com". */
	if (dot && strchr(dot + 1, '.'))
		host = dot + 1;
	if (!(key = str_printf("name:%s", host)))
		return NULL;
	for (p = key; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return key;
}

cJSON *sched_batches(const char *const *names, const cJSON *const *entries, size_t n, long size)
{
	cJSON *out = cJSON_CreateArray(), *b;
	char **keys = calloc(n ? n : 1, sizeof(*keys));
	/* the open batch of keys[i]'s group */
	cJSON **open = calloc(n ? n : 1, sizeof(cJSON *));
	size_t i, j;

	if (!out || !keys || !open)
		goto fail;
	if (size < 1)
		size = 1;
	for (i = 0; i < n; i++) {
		if (!(keys[i] = sched_zone_key(names[i], entries ? entries[i] : NULL)))
			goto fail;
		/* The first name of this key owns the open batch. */
		for (j = 0; j < i && strcmp(keys[j], keys[i]) != 0; j++)
			;
		b = open[j];
		if (!b || cJSON_GetArraySize(b) >= size) {
			if (!(b = cJSON_CreateArray()) || !cJSON_AddItemToArray(out, b)) {
				cJSON_Delete(b);
				goto fail;
			}
			open[j] = b;
		}
		if (!cJSON_AddItemToArray(b, cJSON_CreateString(names[i])))
			goto fail;
	}
	for (i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
	free(open);
	return out;
fail:
	for (i = 0; keys && i < n; i++)
		free(keys[i]);
	free(keys);
	free(open);
	cJSON_Delete(out);
	return NULL;
}

/* serial: the one certificate's serial as the pass saw it, or NULL;
 * ari_moved: name -> serial of those due by a moved ARI window, or NULL. */
static int s_invoke_batch(const char *fn, const cJSON *batch, const char *serial,
			  const cJSON *ari_moved)
{
	const cJSON *nm;
	cJSON *serials = NULL;
	cJSON *p = cJSON_CreateObject();
	char what[320];

	snprintf(what, sizeof(what), "renewing %d certificate(s) from %s",
		 cJSON_GetArraySize(batch), cJSON_GetArrayItem(batch, 0)->valuestring);
	if (!p)
		return sched_invoke(fn, p, what);
	if (cJSON_GetArraySize(batch) == 1) {
		/* One certificate: the plain renew every executor knows. */
		cJSON_AddStringToObject(p, "action", "renew");
		cJSON_AddStringToObject(p, "name", cJSON_GetArrayItem(batch, 0)->valuestring);
		/* A repeated delivery after it was renewed skips it. */
		if (serial)
			cJSON_AddStringToObject(p, "serial", serial);
	} else {
		cJSON_AddStringToObject(p, "action", "renew_batch");
		cJSON_AddItemToObject(p, "names", cJSON_Duplicate(batch, 1));
		/* A repeated delivery after some were renewed skips those. */
		cJSON_AddBoolToObject(p, "due_only", 1);
		cJSON_ArrayForEach(nm, batch)
		{
			const char *moved = json_str(ari_moved, nm->valuestring);

			if (moved &&
			    (serials || (serials = cJSON_AddArrayToObject(p, "ari_moved"))))
				cJSON_AddItemToArray(serials, cJSON_CreateString(moved));
		}
	}
	return sched_invoke(fn, p, what);
}

size_t sched_batch_start(const char *fn, const char *const *names, const cJSON *const *entries,
			 size_t n, const cJSON *ari_moved, cJSON *renewing, cJSON *failed)
{
	long size = sched_batch_size();
	cJSON *batches = sched_batches(names, entries, n, size), *b, *nm;
	size_t started = 0, i;

	if (!batches) {
		log_error("scheduler: out of memory grouping %zu certificates", n);
		for (i = 0; i < n; i++)
			cJSON_AddItemToArray(failed, cJSON_CreateString(names[i]));
		return 0;
	}
	cJSON_ArrayForEach(b, batches)
	{
		const char *one = cJSON_GetArraySize(b) == 1 ? b->child->valuestring : NULL;
		const char *serial = NULL;
		int ok;

		for (i = 0; one && entries && i < n && !serial; i++)
			if (strcmp(names[i], one) == 0)
				serial = json_str(entries[i], "serial");
		ok = s_invoke_batch(fn, b, serial, ari_moved) == 0;

		started += ok;
		cJSON_ArrayForEach(nm, b)
		{
			cJSON_AddItemToArray(ok ? renewing : failed,
					     cJSON_CreateString(nm->valuestring));
		}
	}
	if (n)
		log_info("scheduler: %zu certificate(s) in %d batch(es) of at most %ld (by hosted "
			 "zone), %zu started",
			 n, cJSON_GetArraySize(batches), size, started);
	cJSON_Delete(batches);
	return started;
}
