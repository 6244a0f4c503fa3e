/*
 * The scheduler's batches (handlers/sched_batch.h), without any request:
 * the zone key of a certificate (its recorded zone, else its parent
 * domain), the grouping by key in batches of at most the size, most urgent
 * first, and AAA_BATCH_SIZE.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "config/settings.h"
#include "handlers/sched_batch.h"
#include "tests/unit/harness.h"

static void s_key_is(const char *name, const char *entry_json, const char *want)
{
	cJSON *e = entry_json ? cJSON_Parse(entry_json) : NULL;
	char *k = sched_zone_key(name, e);

	CHECK_STR(k, want);
	free(k);
	cJSON_Delete(e);
}

TEST(sched_batch_zone_key)
{
	/* The zone recorded at issuance wins over the name. */
	s_key_is("www.example.com", "{\"zones\":[\"Z1\",\"Z2\"]}", "zone:Z1");
	s_key_is("other.example.net", "{\"zones\":[\"Z1\"]}", "zone:Z1");
	/* Without it, the parent domain: an apex, its wildcard and its names alike. */
	s_key_is("www.example.com", NULL, "name:example.com");
	s_key_is("example.com", "{}", "name:example.com");
	s_key_is("*.example.com", "{\"zones\":[]}", "name:example.com");
	s_key_is("p.example.com", NULL, "name:example.com");
	s_key_is("*.p.example.com", NULL, "name:example.com");
	s_key_is("WWW.Example.COM", NULL, "name:example.com");
	s_key_is("localhost", NULL, "name:localhost");
	/* A zone id that is not a string is no hint. */
	s_key_is("a.example.org", "{\"zones\":[7]}", "name:example.org");
}

static const char *s_at(const cJSON *batches, int b, int i)
{
	const cJSON *x = cJSON_GetArrayItem(cJSON_GetArrayItem(batches, b), i);

	return x ? x->valuestring : NULL;
}

TEST(sched_batch_groups_by_zone_in_order_and_size)
{
	/* Most urgent first; three zones (Z1, Z2, and one only by name). */
	static const char *const names[] = {"a1.one.test",  "b1.two.test", "a2.one.test",
					    "x.three.test", "a3.one.test", "*.a3.one.test",
					    "b2.two.test",  "a4.one.test", "*.three.test"};
	static const char *const zones[] = {"Z1", "Z2", "Z1", NULL, "Z1", "Z1", "Z2", "Z1", NULL};
	const size_t n = sizeof(names) / sizeof(names[0]);
	const cJSON *entries[sizeof(names) / sizeof(names[0])];
	cJSON *store[sizeof(names) / sizeof(names[0])], *b;
	size_t i, total = 0;

	for (i = 0; i < n; i++) {
		store[i] = cJSON_CreateObject();
		if (zones[i]) {
			cJSON *z = cJSON_AddArrayToObject(store[i], "zones");

			cJSON_AddItemToArray(z, cJSON_CreateString(zones[i]));
		}
		entries[i] = store[i];
	}
	b = sched_batches(names, entries, n, 3);
	REQUIRE(b != NULL);
	/* Z1 has 5 (3 + 2), Z2 has 2, three.test has 2: 4 batches, in the order
	 * of their most urgent member. */
	CHECK_INT(cJSON_GetArraySize(b), 4);
	CHECK_STR(s_at(b, 0, 0), "a1.one.test");
	CHECK_STR(s_at(b, 0, 1), "a2.one.test");
	CHECK_STR(s_at(b, 0, 2), "a3.one.test");
	CHECK_INT(cJSON_GetArraySize(cJSON_GetArrayItem(b, 0)), 3);
	CHECK_STR(s_at(b, 1, 0), "b1.two.test");
	CHECK_STR(s_at(b, 1, 1), "b2.two.test");
	CHECK_STR(s_at(b, 2, 0), "x.three.test");
	CHECK_STR(s_at(b, 2, 1), "*.three.test");
	/* The apex's wildcard goes with the zone; the full batch overflows into
	 * a new one of the same zone. */
	CHECK_STR(s_at(b, 3, 0), "*.a3.one.test");
	CHECK_STR(s_at(b, 3, 1), "a4.one.test");
	for (i = 0; i < (size_t)cJSON_GetArraySize(b); i++)
		total += (size_t)cJSON_GetArraySize(cJSON_GetArrayItem(b, (int)i));
	CHECK_INT((int)total, (int)n);
	cJSON_Delete(b);
	/* Size 1: every certificate alone, in urgency order. */
	b = sched_batches(names, entries, n, 1);
	REQUIRE(b != NULL);
	CHECK_INT(cJSON_GetArraySize(b), (int)n);
	for (i = 0; i < n; i++)
		CHECK_STR(s_at(b, (int)i, 0), names[i]);
	cJSON_Delete(b);
	/* No entries at all: grouped by name. */
	b = sched_batches(names, NULL, n, 25);
	REQUIRE(b != NULL);
	CHECK_INT(cJSON_GetArraySize(b), 3);
	cJSON_Delete(b);
	b = sched_batches(names, entries, 0, 25);
	REQUIRE(b != NULL);
	CHECK_INT(cJSON_GetArraySize(b), 0);
	cJSON_Delete(b);
	for (i = 0; i < n; i++)
		cJSON_Delete(store[i]);
}

TEST(sched_batch_size_setting)
{
	unsetenv("AAA_BATCH_SIZE");
	settings_reload();
	CHECK_INT((int)sched_batch_size(), 25);
	setenv("AAA_BATCH_SIZE", "7", 1);
	settings_reload();
	CHECK_INT((int)sched_batch_size(), 7);
	setenv("AAA_BATCH_SIZE", "100", 1);
	settings_reload();
	CHECK_INT((int)sched_batch_size(), 100);
	/* Out of range or not a number: the default, with a warning. */
	setenv("AAA_BATCH_SIZE", "101", 1);
	settings_reload();
	CHECK_INT((int)sched_batch_size(), 25);
	setenv("AAA_BATCH_SIZE", "0", 1);
	settings_reload();
	CHECK_INT((int)sched_batch_size(), 25);
	setenv("AAA_BATCH_SIZE", "5x", 1);
	settings_reload();
	CHECK_INT((int)sched_batch_size(), 25);
	unsetenv("AAA_BATCH_SIZE");
	settings_reload();
}
