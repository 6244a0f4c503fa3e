/*
 * The agent's pure parts and its job bookkeeping on a file:// store:
 * renewal decisions, directory aliases, job ids, idempotency and leases.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/agent.h"
#include "agent/certs.h"
#include "agent/job.h"
#include "agent/fleet.h"
#include "agent/renewal.h"
#include "json/json.h"
#include "tests/unit/harness.h"
#include "util/mem.h"

#define DAY 86400L

TEST(renewal_third_of_lifetime_without_ari)
{
	struct renewal_input in = {0};

	in.not_before = 1000000;
	in.not_after = in.not_before + 90 * DAY;
	/* random 0: exactly a third before expiry (day 60). */
	CHECK_INT(renewal_time(&in, 0.0), in.not_before + 60 * DAY);
	/* jitter moves it earlier, by at most 2% of the lifetime. */
	CHECK(renewal_time(&in, 1.0) >= in.not_before + 60 * DAY - (time_t)(0.02 * 90 * DAY) - 1);
	CHECK(renewal_time(&in, 1.0) < in.not_before + 60 * DAY);
	/* a 6-day certificate renews after 4 days. */
	in.not_after = in.not_before + 6 * DAY;
	CHECK_INT(renewal_time(&in, 0.0), in.not_before + 4 * DAY);
}

TEST(renewal_days_before_and_ari_window)
{
	struct renewal_input in = {0};

	in.not_before = 1000000;
	in.not_after = in.not_before + 90 * DAY;
	in.renew_before_days = 20;
	CHECK_INT(renewal_time(&in, 0.0), in.not_after - 20 * DAY);
	/* More than a third of the lifetime: a third (a 6-day certificate with
	 * the template's default of 30 days is not renewed on every pass). */
	in.renew_before_days = 45;
	CHECK_INT(renewal_time(&in, 0.0), in.not_after - 30 * DAY);
	in.renew_before_days = 30;
	in.not_after = in.not_before + 6 * DAY;
	CHECK_INT(renewal_time(&in, 0.0), in.not_before + 4 * DAY);
	in.not_after = in.not_before + 90 * DAY;
	in.ari_start = in.not_before + 50 * DAY;
	in.ari_end = in.not_before + 52 * DAY;
	CHECK_INT(renewal_time(&in, 0.0), in.ari_start);
	CHECK_INT(renewal_time(&in, 0.5), in.ari_start + DAY);
	CHECK(renewal_time(&in, 1.0) <= in.ari_end);
}

TEST(renewal_revoked_now_and_backoff_after_failures)
{
	struct renewal_input in = {0};

	in.not_before = 1000000;
	in.not_after = in.not_before + 90 * DAY;
	in.revoked = 1;
	CHECK_INT(renewal_time(&in, 0.7), in.not_before);
	in.revoked = 0;
	CHECK_INT(renewal_backoff_s(0), 0);
	CHECK_INT(renewal_backoff_s(1), 3600);
	CHECK_INT(renewal_backoff_s(3), 4 * 3600);
	CHECK_INT(renewal_backoff_s(30), 86400);
	in.failures = 2;
	in.last_failure = in.not_before + 61 * DAY;
	CHECK_INT(renewal_time(&in, 0.0), in.last_failure + 7200);
	/* close to expiry the backoff gives way: at the latest with a tenth left. */
	in.failures = 20;
	in.last_failure = in.not_after - 9 * DAY - 3600;
	CHECK(renewal_time(&in, 0.0) <= in.last_failure + 86400);
}

TEST(leftover_marker_keys_parse)
{
	char id[160];
	time_t t = 0;

	CHECK_INT(leftover_parse("fleet/cleanup/k0a1-b_2.1796532549", id, sizeof(id), &t), 0);
	CHECK_STR(id, "k0a1-b_2");
	CHECK_INT(t, 1796532549);
	/* not a marker: another folder, no time, no id, a time that is not a number */
	CHECK_INT(leftover_parse("fleet/ca-pause.json", id, sizeof(id), &t), -1);
	CHECK_INT(leftover_parse("fleet/cleanup/k0a1", id, sizeof(id), &t), -1);
	CHECK_INT(leftover_parse("fleet/cleanup/.123", id, sizeof(id), &t), -1);
	CHECK_INT(leftover_parse("fleet/cleanup/k0.12x", id, sizeof(id), &t), -1);
	CHECK_INT(leftover_parse("fleet/cleanup/k0.", id, sizeof(id), &t), -1);
	CHECK_INT(leftover_parse("fleet/cleanup/a/b.1", id, sizeof(id), &t), -1);
	CHECK_INT(leftover_parse("fleet/cleanup/longer-than-the-buffer.1", id, 8, &t), -1);
}

TEST(agent_directory_aliases)
{
	CHECK_STR(agent_directory_resolve(NULL),
		  "https://acme-staging-v02.api.letsencrypt.org/directory");
	CHECK_STR(agent_directory_resolve("letsencrypt"),
		  "https://acme-v02.api.letsencrypt.org/directory");
	CHECK_STR(agent_directory_resolve("zerossl"), "https://acme.zerossl.com/v2/DV90");
	CHECK_STR(agent_directory_resolve("https://ca.example/dir"), "https://ca.example/dir");
	CHECK(agent_directory_resolve("lets-encrypt") == NULL);
}

TEST(job_state_names_round_trip)
{
	int i;

	for (i = 0; i < JOB_STATE_MAX; i++)
		CHECK_INT(job_state_parse(job_state_names[i]), i);
	CHECK_INT(job_state_parse("bogus"), JOB_STATE_MAX);
}

static struct agent *s_agent(void)
{
	struct agent_config c = {0};
	char *url = str_printf("file://%s/store", test_tmpdir());
	struct aaa_err err;
	struct agent *a;

	c.store_url = url;
	c.directory = "https://127.0.0.1:14000/dir";
	a = agent_open(&c, &err);
	free(url);
	return a;
}

TEST(agent_account_dir_from_directory_host)
{
	struct agent *a = s_agent();

	REQUIRE(a != NULL);
	CHECK_STR(a->account_dir, "accounts/127.0.0.1_14000/default");
	agent_free(a);
}

TEST(job_idempotency_key_finds_the_first_job)
{
	struct agent *a = s_agent();
	const char *names[] = {"example.com", "www.example.com"};
	struct job_request req = {0};
	struct job j1 = {0}, j2 = {0};
	int existing = -1;

	REQUIRE(a != NULL);
	req.names = names;
	req.nnames = 2;
	req.idempotency_key = "slack:T1:trigger-42";
	REQUIRE(job_create(a, &req, &j1, &existing) == 0);
	CHECK_INT(existing, 0);
	CHECK_STR(json_str(j1.doc, "state"), "new");
	REQUIRE(job_create(a, &req, &j2, &existing) == 0);
	CHECK_INT(existing, 1);
	CHECK_STR(job_id(&j1), job_id(&j2));
	job_clear(&j1);
	job_clear(&j2);
	agent_free(a);
}

TEST(job_lease_excludes_a_second_worker_until_it_expires)
{
	struct agent *a = s_agent();
	const char *names[] = {"lease.example.com"};
	struct job_request req = {0};
	struct job j = {0}, other = {0};
	const char *holder = NULL;
	int existing;
	time_t now = 1700000000;

	REQUIRE(a != NULL);
	req.names = names;
	req.nnames = 1;
	REQUIRE(job_create(a, &req, &j, &existing) == 0);
	CHECK_INT(job_lease_take(a, &j, "worker-1", now, 60, &holder), 0);
	REQUIRE(job_load(a, job_id(&j), &other) == 0);
	CHECK_INT(job_lease_take(a, &other, "worker-2", now + 10, 60, &holder), 1);
	CHECK_STR(holder, "worker-1");
	/* Expired: the second worker takes over. */
	CHECK_INT(job_lease_take(a, &other, "worker-2", now + 61, 60, &holder), 0);
	/* The first worker's copy is stale now: its write is refused. */
	CHECK_INT(job_set_state(&j, JOB_ORDERED), 0);
	CHECK_INT(job_save(a, &j), 1);
	job_clear(&j);
	job_clear(&other);
	agent_free(a);
}

TEST(index_entries_are_set_and_removed)
{
	struct agent *a = s_agent();
	cJSON *e = cJSON_CreateObject();
	struct index_view v = {0};
	struct store_object o = {0};
	const cJSON *certs;

	REQUIRE(a != NULL && e != NULL);
	cJSON_AddStringToObject(e, "not_after", "2030-01-01T00:00:00Z");
	CHECK_INT(agent_index_set(a, "a.example.com", e), 0);
	CHECK_INT(agent_index_set(a, "B.Example.COM", e), 0);
	CHECK_INT(agent_index_set(a, "a.example.com", NULL), 0);
	/* Writers add changes; none rewrites index.json. */
	CHECK_INT(store_get(a->store, "index.json", &o), STORE_NOT_FOUND);
	REQUIRE(agent_index_read(a, &v) == 0);
	certs = json_obj(v.doc, "certs");
	CHECK(json_obj(certs, "a.example.com") == NULL);
	CHECK_STR(json_str(json_obj(certs, "b.example.com"), "not_after"), "2030-01-01T00:00:00Z");
	CHECK_INT(cJSON_GetArraySize(certs), 1);
	CHECK_INT(v.deltas.n, 3);
	index_view_free(&v);
	cJSON_Delete(e);
	store_object_free(&o);
	agent_free(a);
}
