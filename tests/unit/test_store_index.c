/*
 * The index as base + deltas (store/index.h): the merge rule on its own
 * (pure, fixed seqs), then on a real file:// store: writers that each add one
 * delta, a reader that sees base + deltas, a fold that writes the base and
 * deletes exactly what it folded, a fold that loses the race, an index.json
 * from before deltas, and many processes writing at once.
 */
#define _GNU_SOURCE
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "json/json.h"
#include "store/index.h"
#include "store/store.h"
#include "util/mem.h"

static const unsigned char R0[8] = {0}, R1[8] = {1, 2, 3, 4, 5, 6, 7, 8};

static cJSON *s_entry(const char *not_after)
{
	cJSON *e = cJSON_CreateObject();

	cJSON_AddStringToObject(e, "not_after", not_after);
	cJSON_AddNumberToObject(e, "failures", 0);
	return e;
}

/* The delta {name, seq at usec, entry with not_after na (NULL: removal)}. */
static cJSON *s_delta(const char *name, long long usec, const char *na)
{
	char seq[INDEX_SEQ_LEN];
	cJSON *e = na ? s_entry(na) : NULL, *d;

	index_seq_format(usec, R1, seq);
	d = index_delta_new(name, seq, e);
	cJSON_Delete(e);
	return d;
}

static const char *s_na(const cJSON *base, const char *name)
{
	return json_str(cJSON_GetObjectItemCaseSensitive(json_obj(base, "certs"), name),
			"not_after");
}

TEST(index_seq_sorts_by_time_and_is_checked)
{
	char a[INDEX_SEQ_LEN], b[INDEX_SEQ_LEN];

	index_seq_format(1700000000000000LL, R1, a);
	CHECK_STR(a, "1700000000000000-0102030405060708");
	CHECK(index_seq_valid(a));
	index_seq_format(999, R0, b);
	CHECK_STR(b, "0000000000000999-0000000000000000");
	CHECK(strcmp(b, a) < 0);
	CHECK(!index_seq_valid("1700000000000000-010203040506070"));
	CHECK(!index_seq_valid("1700000000000000_0102030405060708"));
	CHECK(!index_seq_valid("17000000000000x0-0102030405060708"));
	CHECK(!index_seq_valid("1700000000000000-01020304050607AG"));
	CHECK(!index_seq_valid(NULL));
}

TEST(index_old_format_base_is_a_base)
{
	const char *old = "{\"version\":1,\"certs\":{\"a.example\":{\"not_after\":"
			  "\"2030-01-01T00:00:00Z\",\"failures\":0}}}";
	cJSON *b = index_base_parse(old, strlen(old), "index.json"), *d;

	REQUIRE(b != NULL);
	CHECK_STR(s_na(b, "a.example"), "2030-01-01T00:00:00Z");
	CHECK(cJSON_IsObject(json_obj(b, "removed")));
	/* Any delta is newer than an entry without a seq. */
	d = s_delta("a.example", 1, "2031-01-01T00:00:00Z");
	CHECK_INT(index_apply(b, d, "d"), 1);
	CHECK_STR(s_na(b, "a.example"), "2031-01-01T00:00:00Z");
	cJSON_Delete(d);
	cJSON_Delete(b);
	CHECK(index_base_parse("[1]", 3, "index.json") == NULL);
	CHECK(index_base_parse("{\"certs\":", 9, "index.json") == NULL);
	b = index_base_parse(NULL, 0, "index.json");
	CHECK(b != NULL && json_int(b, "version", 0) == 1 && json_obj(b, "certs"));
	cJSON_Delete(b);
}

TEST(index_newest_change_wins_in_any_order)
{
	cJSON *b1 = index_base_parse(NULL, 0, "x"), *b2 = index_base_parse(NULL, 0, "x");
	cJSON *d1 = s_delta("a.example", 100, "2030-01-01T00:00:00Z");
	cJSON *d2 = s_delta("a.example", 200, "2031-01-01T00:00:00Z");
	cJSON *d3 = s_delta("b.example", 150, "2032-01-01T00:00:00Z");

	REQUIRE(b1 && b2 && d1 && d2 && d3);
	CHECK_INT(index_apply(b1, d1, "d1"), 1);
	CHECK_INT(index_apply(b1, d2, "d2"), 1);
	CHECK_INT(index_apply(b1, d3, "d3"), 1);
	/* The other order: the older change arrives late and loses. */
	CHECK_INT(index_apply(b2, d3, "d3"), 1);
	CHECK_INT(index_apply(b2, d2, "d2"), 1);
	CHECK_INT(index_apply(b2, d1, "d1"), 0);
	CHECK_STR(s_na(b1, "a.example"), "2031-01-01T00:00:00Z");
	CHECK_STR(s_na(b2, "a.example"), "2031-01-01T00:00:00Z");
	CHECK_STR(s_na(b2, "b.example"), "2032-01-01T00:00:00Z");
	/* Applying again (a fold redone) changes nothing. */
	CHECK_INT(index_apply(b1, d2, "d2"), 0);
	CHECK_INT(cJSON_GetArraySize(json_obj(b1, "certs")), 2);
	cJSON_Delete(b1);
	cJSON_Delete(b2);
	cJSON_Delete(d1);
	cJSON_Delete(d2);
	cJSON_Delete(d3);
}

TEST(index_removal_is_remembered_then_pruned)
{
	cJSON *b = index_base_parse(NULL, 0, "x");
	long long t0 = 1700000000LL * 1000000LL;
	cJSON *add = s_delta("a.example", t0, "2030-01-01T00:00:00Z");
	cJSON *rm = s_delta("a.example", t0 + 10, NULL);
	cJSON *late = s_delta("a.example", t0 + 5, "2029-01-01T00:00:00Z");
	cJSON *again = s_delta("a.example", t0 + 20, "2033-01-01T00:00:00Z");

	REQUIRE(b && add && rm && late && again);
	CHECK_INT(index_apply(b, add, "add"), 1);
	CHECK_INT(index_apply(b, rm, "rm"), 1);
	CHECK(s_na(b, "a.example") == NULL);
	/* A change older than the removal does not bring the name back. */
	CHECK_INT(index_apply(b, late, "late"), 0);
	CHECK(s_na(b, "a.example") == NULL);
	index_prune(b, (time_t)(t0 / 1000000LL) + INDEX_REMOVED_KEEP_S - 1);
	CHECK(json_str(json_obj(b, "removed"), "a.example") != NULL);
	index_prune(b, (time_t)(t0 / 1000000LL) + INDEX_REMOVED_KEEP_S + 1);
	CHECK(json_str(json_obj(b, "removed"), "a.example") == NULL);
	/* A newer change after a removal adds it back. */
	CHECK_INT(index_apply(b, rm, "rm"), 1);
	CHECK_INT(index_apply(b, again, "again"), 1);
	CHECK_STR(s_na(b, "a.example"), "2033-01-01T00:00:00Z");
	CHECK(json_str(json_obj(b, "removed"), "a.example") == NULL);
	cJSON_Delete(b);
	cJSON_Delete(add);
	cJSON_Delete(rm);
	cJSON_Delete(late);
	cJSON_Delete(again);
}

TEST(index_malformed_change_is_refused)
{
	cJSON *b = index_base_parse(NULL, 0, "x");
	cJSON *d = cJSON_Parse("{\"name\":\"a.example\",\"seq\":\"12\",\"entry\":{}}");
	cJSON *d2 = cJSON_Parse("{\"name\":\"a.example\",\"seq\":\"1700000000000000-"
				"0102030405060708\"}");

	REQUIRE(b && d && d2);
	CHECK_INT(index_apply(b, d, "bad seq"), -1);
	CHECK_INT(index_apply(b, d2, "no entry"), -1);
	CHECK_INT(cJSON_GetArraySize(json_obj(b, "certs")), 0);
	cJSON_Delete(b);
	cJSON_Delete(d);
	cJSON_Delete(d2);
}

/* ---- on a file:// store ---- */

static struct store *s_open_tmp(char **dir_out)
{
	char *url = str_printf("file://%s", test_tmpdir());
	struct store *s = store_open(url, NULL);

	if (dir_out)
		*dir_out = str_dup(test_tmpdir());
	free(url);
	return s;
}

static size_t s_count(struct store *s, const char *prefix)
{
	struct store_keys k = {0};
	size_t n = 0;

	if (store_list(s, prefix, &k) == STORE_OK)
		n = k.n;
	store_keys_free(&k);
	return n;
}

TEST(index_put_read_fold_on_a_store)
{
	struct store *s = s_open_tmp(NULL);
	struct index_view v = {0}, w = {0};
	struct store_object o = {0};
	cJSON *e = s_entry("2030-01-01T00:00:00Z"), *base = NULL;
	const char *old = "{\"version\":1,\"certs\":{\"old.example\":{\"not_after\":"
			  "\"2029-01-01T00:00:00Z\"},\"a.example\":{\"not_after\":\"2001-01-01T00:"
			  "00:00Z\"}}}";

	REQUIRE(s && e);
	/* Nothing at all: not found, but an empty base all the same. */
	CHECK_INT(index_read(s, &v, NULL), STORE_NOT_FOUND);
	CHECK(v.doc && json_obj(v.doc, "certs"));
	index_view_free(&v);
	/* An index.json from before deltas, then two writers. */
	REQUIRE(store_put(s, "index.json", old, strlen(old), 0, NULL) == STORE_OK);
	CHECK_INT(index_put(s, "a.example", e, NULL), STORE_OK);
	CHECK_INT(index_put(s, "b.example", e, NULL), STORE_OK);
	CHECK_INT(index_put(s, "old.example", NULL, NULL), STORE_OK);
	CHECK_INT(s_count(s, INDEX_DELTA_PREFIX), 3);
	/* The base is untouched by writers. */
	REQUIRE(store_get(s, "index.json", &o) == STORE_OK);
	CHECK_STR(o.data, old);
	store_object_free(&o);
	/* A reader sees base + deltas. */
	REQUIRE(index_read(s, &v, NULL) == STORE_OK);
	CHECK_INT(v.deltas.n, 3);
	CHECK_INT(v.applied, 3);
	CHECK_STR(s_na(v.doc, "a.example"), "2030-01-01T00:00:00Z");
	CHECK_STR(s_na(v.doc, "b.example"), "2030-01-01T00:00:00Z");
	CHECK(s_na(v.doc, "old.example") == NULL);
	/* A change written after the read is not folded, and not deleted. */
	CHECK_INT(index_put(s, "c.example", e, NULL), STORE_OK);
	CHECK_INT(index_fold(s, &v, time(NULL), NULL), STORE_OK);
	CHECK_INT(s_count(s, INDEX_DELTA_PREFIX), 1);
	REQUIRE(store_get(s, "index.json", &o) == STORE_OK);
	base = index_base_parse(o.data, o.len, "index.json");
	store_object_free(&o);
	REQUIRE(base != NULL);
	CHECK_STR(s_na(base, "a.example"), "2030-01-01T00:00:00Z");
	CHECK(s_na(base, "old.example") == NULL);
	CHECK(s_na(base, "c.example") == NULL);
	cJSON_Delete(base);
	/* The next reader has everything: the folded base and the late change. */
	REQUIRE(index_read(s, &w, NULL) == STORE_OK);
	CHECK_INT(cJSON_GetArraySize(json_obj(w.doc, "certs")), 3);
	CHECK_STR(s_na(w.doc, "c.example"), "2030-01-01T00:00:00Z");
	index_view_free(&w);
	index_view_free(&v);
	cJSON_Delete(e);
	store_close(s);
}

TEST(index_fold_that_loses_writes_nothing_and_keeps_the_changes)
{
	struct store *s = s_open_tmp(NULL);
	struct index_view v = {0}, w = {0}, x = {0};
	cJSON *e = s_entry("2030-01-01T00:00:00Z");

	REQUIRE(s && e);
	CHECK_INT(index_put(s, "a.example", e, NULL), STORE_OK);
	/* Two folds read the same (no base yet); the first wins. */
	REQUIRE(index_read(s, &v, NULL) == STORE_OK);
	REQUIRE(index_read(s, &w, NULL) == STORE_OK);
	CHECK(v.etag == NULL);
	CHECK_INT(index_put(s, "b.example", e, NULL), STORE_OK);
	REQUIRE(index_read(s, &x, NULL) == STORE_OK);
	CHECK_INT(index_fold(s, &x, time(NULL), NULL), STORE_OK);
	CHECK_INT(index_fold(s, &v, time(NULL), NULL), STORE_CONFLICT);
	CHECK_INT(s_count(s, INDEX_DELTA_PREFIX), 0);
	index_view_free(&v);
	REQUIRE(index_read(s, &v, NULL) == STORE_OK);
	CHECK_INT(cJSON_GetArraySize(json_obj(v.doc, "certs")), 2);
	/* With a base: a stale ETag loses too. */
	CHECK_INT(index_put(s, "c.example", e, NULL), STORE_OK);
	index_view_free(&w);
	REQUIRE(index_read(s, &w, NULL) == STORE_OK);
	CHECK_INT(index_put(s, "d.example", e, NULL), STORE_OK);
	index_view_free(&x);
	REQUIRE(index_read(s, &x, NULL) == STORE_OK);
	CHECK_INT(index_fold(s, &x, time(NULL), NULL), STORE_OK);
	CHECK_INT(index_fold(s, &w, time(NULL), NULL), STORE_CONFLICT);
	index_view_free(&v);
	REQUIRE(index_read(s, &v, NULL) == STORE_OK);
	CHECK_INT(cJSON_GetArraySize(json_obj(v.doc, "certs")), 4);
	CHECK_INT(v.deltas.n, 0);
	/* Nothing to fold: nothing written. */
	CHECK_INT(index_fold(s, &v, time(NULL), NULL), STORE_OK);
	index_view_free(&v);
	index_view_free(&w);
	index_view_free(&x);
	cJSON_Delete(e);
	store_close(s);
}

TEST(index_damaged_change_is_skipped_and_folded_away)
{
	struct aaa_err err;
	struct store *s = s_open_tmp(NULL);
	struct index_view v = {0};
	cJSON *e = s_entry("2030-01-01T00:00:00Z");

	REQUIRE(s && e);
	CHECK_INT(index_put(s, "a.example", e, NULL), STORE_OK);
	REQUIRE(store_put(s, "index.d/0000000000000001-0000000000000000.json", "{", 1, 0, NULL) ==
		STORE_OK);
	REQUIRE(index_read(s, &v, NULL) == STORE_OK);
	CHECK_INT(v.deltas.n, 2);
	CHECK_INT(v.applied, 1);
	CHECK_INT(index_fold(s, &v, time(NULL), NULL), STORE_OK);
	CHECK_INT(s_count(s, INDEX_DELTA_PREFIX), 0);
	index_view_free(&v);
	/* A damaged base is an error, not an empty index. */
	REQUIRE(store_put(s, "index.json", "{", 1, 0, NULL) == STORE_OK);
	err_clear(&err);
	CHECK_INT(index_read(s, &v, &err), STORE_ERROR);
	CHECK(v.doc == NULL);
	CHECK(strstr(err.message, "index.json") && strstr(err.message, "damaged"));
	index_view_free(&v);
	cJSON_Delete(e);
	store_close(s);
}

/* Many processes record a change each, at once, while another folds
 * repeatedly: every name is there at the end. */
TEST(index_concurrent_writers_and_folds_lose_nothing)
{
	enum { WRITERS = 24, PER = 5 };
	struct store *s = s_open_tmp(NULL);
	struct index_view v = {0};
	pid_t pids[WRITERS + 1];
	int i, j, status, bad = 0;

	REQUIRE(s != NULL);
	for (i = 0; i <= WRITERS; i++) {
		pids[i] = fork();
		REQUIRE(pids[i] >= 0);
		if (pids[i] > 0)
			continue;
		if (i == WRITERS) {
			/* The folder. */
			for (j = 0; j < 40; j++) {
				struct index_view f = {0};

				if (index_read(s, &f, NULL) == STORE_ERROR)
					_exit(1);
				if (index_fold(s, &f, time(NULL), NULL) == STORE_ERROR)
					_exit(1);
				index_view_free(&f);
			}
			_exit(0);
		}
		for (j = 0; j < PER; j++) {
			char name[64];
			cJSON *e = s_entry("2030-01-01T00:00:00Z");

			snprintf(name, sizeof(name), "w%d-%d.example", i, j);
			if (index_put(s, name, e, NULL) != STORE_OK)
				_exit(1);
			cJSON_Delete(e);
		}
		_exit(0);
	}
	for (i = 0; i <= WRITERS; i++) {
		waitpid(pids[i], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			bad++;
	}
	CHECK_INT(bad, 0);
	REQUIRE(index_read(s, &v, NULL) != STORE_ERROR);
	CHECK_INT(cJSON_GetArraySize(json_obj(v.doc, "certs")), WRITERS * PER);
	CHECK_INT(index_fold(s, &v, time(NULL), NULL), STORE_OK);
	index_view_free(&v);
	REQUIRE(index_read(s, &v, NULL) == STORE_OK);
	CHECK_INT(cJSON_GetArraySize(json_obj(v.doc, "certs")), WRITERS * PER);
	CHECK_INT(v.deltas.n, 0);
	index_view_free(&v);
	store_close(s);
}

/* An entry of version serial (not_after na); ari_start: the scheduler's
 * INDEX_ARI with that start, or none. */
static cJSON *s_version(const char *serial, const char *ari_start)
{
	cJSON *e = s_entry("2030-01-01T00:00:00Z"), *ari;

	cJSON_AddStringToObject(e, "serial", serial);
	if (ari_start) {
		ari = cJSON_AddObjectToObject(e, INDEX_ARI);
		cJSON_AddStringToObject(ari, "start", ari_start);
		cJSON_AddStringToObject(ari, "next", "2030-01-01T06:00:00Z");
	}
	return e;
}

static const char *s_ari_start(const cJSON *base, const char *name)
{
	return json_str(
	    json_obj(cJSON_GetObjectItemCaseSensitive(json_obj(base, "certs"), name), INDEX_ARI),
	    "start");
}

/* What the scheduler heard about a version stays with that version: a
 * change of the same serial keeps it, a renewal (new serial) or a removal
 * drops it, a change that brings its own wins. */
TEST(index_ari_check_belongs_to_the_certificate_version)
{
	cJSON *base = index_base_parse(NULL, 0, "index.json"), *e, *d;
	char seq[INDEX_SEQ_LEN];

	REQUIRE(base);
	e = s_version("01", NULL);
	index_seq_format(100, R1, seq);
	d = index_delta_new("a.example", seq, e);
	CHECK_INT(index_apply(base, d, "d1"), 1);
	cJSON_Delete(d);
	cJSON_Delete(e);
	/* The scheduler writes what the CA said into the entry itself. */
	cJSON_AddItemToObject(
	    cJSON_GetObjectItemCaseSensitive(json_obj(base, "certs"), "a.example"), INDEX_ARI,
	    cJSON_Parse("{\"start\":\"2020-01-01T00:00:00Z\",\"next\":\"2030-01-01T00:00:00Z\"}"));
	/* A failure counted on the same version: kept. */
	e = s_version("01", NULL);
	cJSON_ReplaceItemInObject(e, "failures", cJSON_CreateNumber(1));
	index_seq_format(200, R1, seq);
	d = index_delta_new("a.example", seq, e);
	CHECK_INT(index_apply(base, d, "d2"), 1);
	CHECK_STR(s_ari_start(base, "a.example"), "2020-01-01T00:00:00Z");
	CHECK_INT(json_int(cJSON_GetObjectItemCaseSensitive(json_obj(base, "certs"), "a.example"),
			   "failures", 0),
		  1);
	/* Applied again: nothing changes, still kept. */
	CHECK_INT(index_apply(base, d, "d2"), 0);
	CHECK_STR(s_ari_start(base, "a.example"), "2020-01-01T00:00:00Z");
	cJSON_Delete(d);
	cJSON_Delete(e);
	/* A change that brings its own: it wins. */
	e = s_version("01", "2021-01-01T00:00:00Z");
	index_seq_format(300, R1, seq);
	d = index_delta_new("a.example", seq, e);
	CHECK_INT(index_apply(base, d, "d3"), 1);
	CHECK_STR(s_ari_start(base, "a.example"), "2021-01-01T00:00:00Z");
	cJSON_Delete(d);
	cJSON_Delete(e);
	/* Renewed: the new version starts without it. */
	e = s_version("02", NULL);
	index_seq_format(400, R1, seq);
	d = index_delta_new("a.example", seq, e);
	CHECK_INT(index_apply(base, d, "d4"), 1);
	CHECK(s_ari_start(base, "a.example") == NULL);
	CHECK(json_obj(cJSON_GetObjectItemCaseSensitive(json_obj(base, "certs"), "a.example"),
		       INDEX_ARI) == NULL);
	cJSON_Delete(d);
	cJSON_Delete(e);
	/* Removed and written again with the same serial: nothing comes back. */
	cJSON_AddItemToObject(
	    cJSON_GetObjectItemCaseSensitive(json_obj(base, "certs"), "a.example"), INDEX_ARI,
	    cJSON_Parse("{\"start\":\"2020-01-01T00:00:00Z\"}"));
	index_seq_format(500, R1, seq);
	d = index_delta_new("a.example", seq, NULL);
	CHECK_INT(index_apply(base, d, "d5"), 1);
	cJSON_Delete(d);
	e = s_version("02", NULL);
	index_seq_format(600, R1, seq);
	d = index_delta_new("a.example", seq, e);
	CHECK_INT(index_apply(base, d, "d6"), 1);
	CHECK(s_ari_start(base, "a.example") == NULL);
	cJSON_Delete(d);
	cJSON_Delete(e);
	cJSON_Delete(base);
}

/* A base the caller changed itself (dirty) is written without a delta, and
 * kept by the next fold of a change of the same version. */
TEST(index_dirty_view_is_folded_without_changes)
{
	struct store *s = s_open_tmp(NULL);
	struct index_view v = {0}, w = {0};
	cJSON *e = s_version("01", NULL), *entry;

	REQUIRE(s && e);
	REQUIRE(index_put(s, "a.example", e, NULL) == STORE_OK);
	REQUIRE(index_read(s, &v, NULL) == STORE_OK);
	REQUIRE(index_fold(s, &v, time(NULL), NULL) == STORE_OK);
	index_view_free(&v);
	CHECK_INT(s_count(s, INDEX_DELTA_PREFIX), 0);
	/* Nothing changed, nothing to fold: no write (the ETag stays). */
	REQUIRE(index_read(s, &v, NULL) == STORE_OK);
	REQUIRE(v.etag);
	{
		char *etag = str_dup(v.etag);

		CHECK_INT(index_fold(s, &v, time(NULL), NULL), STORE_OK);
		CHECK_STR(v.etag, etag);
		/* The scheduler's own change: written. */
		entry = cJSON_GetObjectItemCaseSensitive(json_obj(v.doc, "certs"), "a.example");
		cJSON_AddItemToObject(entry, INDEX_ARI,
				      cJSON_Parse("{\"start\":\"2020-01-01T00:00:00Z\"}"));
		v.dirty = 1;
		CHECK_INT(index_fold(s, &v, time(NULL), NULL), STORE_OK);
		CHECK(strcmp(v.etag, etag) != 0);
		CHECK_INT(v.dirty, 0);
		free(etag);
	}
	index_view_free(&v);
	/* An executor's change of the same version, folded: still there. */
	cJSON_ReplaceItemInObject(e, "failures", cJSON_CreateNumber(2));
	REQUIRE(index_put(s, "a.example", e, NULL) == STORE_OK);
	REQUIRE(index_read(s, &w, NULL) == STORE_OK);
	CHECK_STR(s_ari_start(w.doc, "a.example"), "2020-01-01T00:00:00Z");
	REQUIRE(index_fold(s, &w, time(NULL), NULL) == STORE_OK);
	index_view_free(&w);
	REQUIRE(index_read(s, &w, NULL) == STORE_OK);
	CHECK_STR(s_ari_start(w.doc, "a.example"), "2020-01-01T00:00:00Z");
	CHECK_INT(json_int(cJSON_GetObjectItemCaseSensitive(json_obj(w.doc, "certs"), "a.example"),
			   "failures", 0),
		  2);
	index_view_free(&w);
	cJSON_Delete(e);
	store_close(s);
}
