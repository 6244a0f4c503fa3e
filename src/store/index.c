/*
 * The certificate index as a folded base plus per-change deltas. See
 * index.h for the layout, the merge rule and why reads go in the order
 * they do.
 */
#define _GNU_SOURCE
#include "store/index.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/hash.h"
#include "json/json.h"
#include "log/log.h"
#include "store/keys.h"
#include "store/store_backend.h"
#include "util/mem.h"

/* The index's own failure (not a store request's): logged, and in err. */
static void s_fail(struct aaa_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void s_fail(struct aaa_err *err, const char *fmt, ...)
{
	struct aaa_err mine;
	va_list ap;

	if (!err)
		err = &mine;
	va_start(ap, fmt);
	err_vset(err, "store", "", fmt, ap);
	va_end(ap);
	log_error("%s", err->message);
}

void index_seq_format(long long usec, const unsigned char rnd[8], char out[INDEX_SEQ_LEN])
{
	char hex[17];

	if (usec < 0)
		usec = 0;
	if (usec > 9999999999999999LL)
		usec = 9999999999999999LL;
	hex_encode(rnd, 8, hex);
	snprintf(out, INDEX_SEQ_LEN, "%016lld-%s", usec, hex);
}

int index_seq_valid(const char *s)
{
	size_t i;

	if (!s || strlen(s) != INDEX_SEQ_LEN - 1 || s[16] != '-')
		return 0;
	for (i = 0; i < 16; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	for (i = 17; i < INDEX_SEQ_LEN - 1; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* The seq's time in seconds (its first 16 digits are microseconds). */
static time_t s_seq_time(const char *seq)
{
	return (time_t)(strtoll(seq, NULL, 10) / 1000000LL);
}

cJSON *index_delta_new(const char *name, const char *seq, const cJSON *entry)
{
	cJSON *d = cJSON_CreateObject();

	if (!d || !cJSON_AddStringToObject(d, "name", name) ||
	    !cJSON_AddStringToObject(d, "seq", seq))
		goto fail;
	if (entry) {
		if (!cJSON_AddItemToObject(d, "entry", cJSON_Duplicate(entry, 1)))
			goto fail;
	} else if (!cJSON_AddBoolToObject(d, "removed", 1)) {
		goto fail;
	}
	return d;
fail:
	cJSON_Delete(d);
	return NULL;
}

/* The object member k of o, created (replacing a non-object) when needed. */
static cJSON *s_member_obj(cJSON *o, const char *k)
{
	cJSON *m = cJSON_GetObjectItemCaseSensitive(o, k);

	if (cJSON_IsObject(m))
		return m;
	cJSON_DeleteItemFromObjectCaseSensitive(o, k);
	return cJSON_AddObjectToObject(o, k);
}

cJSON *index_base_parse(const char *text, size_t len, const char *what)
{
	cJSON *b = text ? json_parse(text, len, what) : cJSON_CreateObject();

	if (b && !cJSON_IsObject(b)) {
		log_error("%s is not a JSON object", what);
		cJSON_Delete(b);
		return NULL;
	}
	if (!b)
		return NULL;
	if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(b, "version"))) {
		cJSON_DeleteItemFromObjectCaseSensitive(b, "version");
		cJSON_AddNumberToObject(b, "version", 1);
	}
	if (!s_member_obj(b, "certs") || !s_member_obj(b, "removed")) {
		cJSON_Delete(b);
		return NULL;
	}
	return b;
}

/* The newest seq base holds for name (its entry's or its removal's); ""
 * when none (an entry written before seqs existed is older than any). */
static const char *s_held_seq(const cJSON *base, const char *name)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(json_obj(base, "certs"), name);
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(json_obj(base, "removed"), name);
	const char *es = index_seq_valid(json_str(e, "seq")) ? json_str(e, "seq") : "";
	const char *rs = cJSON_IsString(r) && index_seq_valid(r->valuestring) ? r->valuestring : "";

	return strcmp(es, rs) >= 0 ? es : rs;
}

/* The scheduler's INDEX_ARI of the entry a delta replaces (old) goes into
 * the new entry e when both are the same certificate version (serial) and
 * e brings none of its own. 0; -1 out of memory. */
static int s_keep_ari(cJSON *e, const cJSON *old)
{
	const cJSON *ari = cJSON_GetObjectItemCaseSensitive(old, INDEX_ARI);
	const char *was = json_str(old, "serial"), *is = json_str(e, "serial");
	cJSON *copy;

	if (!cJSON_IsObject(ari) || cJSON_GetObjectItemCaseSensitive(e, INDEX_ARI) || !was || !is ||
	    strcmp(was, is) != 0)
		return 0;
	if (!(copy = cJSON_Duplicate(ari, 1)) || !cJSON_AddItemToObject(e, INDEX_ARI, copy)) {
		cJSON_Delete(copy);
		return -1;
	}
	return 0;
}

int index_apply(cJSON *base, const cJSON *delta, const char *what)
{
	const char *name = json_str(delta, "name"), *seq = json_str(delta, "seq");
	const cJSON *entry = json_obj(delta, "entry");
	int removed = json_bool(delta, "removed", 0);
	cJSON *certs = s_member_obj(base, "certs"), *gone = s_member_obj(base, "removed"), *e;

	if (!certs || !gone)
		return -1;
	if (!name || !*name || !index_seq_valid(seq) || (!entry && !removed) ||
	    (entry && removed)) {
		log_warn("%s is not an index change (name, seq, and entry or removed); ignoring it",
			 what);
		return -1;
	}
	if (strcmp(seq, s_held_seq(base, name)) <= 0)
		return 0;
	if (removed) {
		cJSON_DeleteItemFromObjectCaseSensitive(certs, name);
		cJSON_DeleteItemFromObjectCaseSensitive(gone, name);
		return cJSON_AddStringToObject(gone, name, seq) ? 1 : -1;
	}
	if (!(e = cJSON_Duplicate(entry, 1)) ||
	    s_keep_ari(e, cJSON_GetObjectItemCaseSensitive(certs, name)) != 0) {
		cJSON_Delete(e);
		return -1;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(certs, name);
	cJSON_DeleteItemFromObjectCaseSensitive(gone, name);
	cJSON_DeleteItemFromObjectCaseSensitive(e, "seq");
	if (!cJSON_AddStringToObject(e, "seq", seq) || !cJSON_AddItemToObject(certs, name, e)) {
		cJSON_Delete(e);
		return -1;
	}
	return 1;
}

void index_prune(cJSON *base, time_t now)
{
	cJSON *gone = cJSON_GetObjectItemCaseSensitive(base, "removed"), *it, *next;

	if (!cJSON_IsObject(gone))
		return;
	for (it = gone->child; it; it = next) {
		next = it->next;
		if (!cJSON_IsString(it) || !index_seq_valid(it->valuestring) ||
		    s_seq_time(it->valuestring) < now - INDEX_REMOVED_KEEP_S)
			cJSON_Delete(cJSON_DetachItemViaPointer(gone, it));
	}
}

/* Microseconds since the epoch, from the wall clock (the order of changes
 * is the order of their writers' clocks), and strictly increasing within
 * this process, so two changes one writer makes in a row keep their order
 * even within one microsecond or across a clock step back. */
static long long s_now_usec(void)
{
	static long long last;
	struct timespec ts;
	long long now;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
	if (now <= last)
		now = last + 1;
	last = now;
	return now;
}

int index_put(struct store *s, const char *name, const cJSON *entry, struct aaa_err *err)
{
	unsigned char rnd[8];
	char seq[INDEX_SEQ_LEN], *key = NULL, *text = NULL;
	cJSON *d = NULL;
	int rc = STORE_ERROR;

	if (crypto_random(rnd, sizeof(rnd)) != 0) {
		s_fail(err, "index: no random bytes for a change's name");
		goto out;
	}
	index_seq_format(s_now_usec(), rnd, seq);
	if (!(key = str_printf("%s%s.json", INDEX_DELTA_PREFIX, seq)) ||
	    !(d = index_delta_new(name, seq, entry)) || !(text = json_print(d))) {
		s_fail(err, "index: out of memory");
		goto out;
	}
	/* A new key every time: nothing to read first, nothing to lose to a
	 * concurrent writer. */
	if ((rc = store_put(s, key, text, strlen(text), 0, NULL)) != STORE_OK)
		err_copy(err, store_error(s));
out:
	free(key);
	free(text);
	cJSON_Delete(d);
	return rc;
}

void index_view_free(struct index_view *v)
{
	if (!v)
		return;
	cJSON_Delete(v->doc);
	free(v->etag);
	store_keys_free(&v->deltas);
	memset(v, 0, sizeof(*v));
}

/* 1 when key names a delta (index.d/<seq>.json). */
static int s_is_delta(const char *key)
{
	size_t n = strlen(key), p = strlen(INDEX_DELTA_PREFIX);

	return n > p + 5 && strncmp(key, INDEX_DELTA_PREFIX, p) == 0 &&
	       strcmp(key + n - 5, ".json") == 0;
}

int index_read(struct store *s, struct index_view *v, struct aaa_err *err)
{
	struct store_keys listed = {0};
	struct store_object o = {0};
	cJSON **changes = NULL;
	size_t i, nchanges = 0;
	int has_base = 0, vanished = 0, r, rc = STORE_ERROR;

	memset(v, 0, sizeof(*v));
	/* 1. What exists: the base and the deltas share the prefix "index". */
	if (store_list(s, "index", &listed) != STORE_OK)
		goto store_failed;
	if (!(changes = calloc(listed.n + 1, sizeof(cJSON *))))
		goto oom;
	/* 2. The deltas, oldest first (the listing is sorted, seqs sort by time). */
	for (i = 0; i < listed.n; i++) {
		const char *k = listed.keys[i];

		if (strcmp(k, STORE_KEY_INDEX) == 0) {
			has_base = 1;
			continue;
		}
		if (!s_is_delta(k))
			continue;
		store_object_free(&o);
		r = store_get(s, k, &o);
		if (r == STORE_NOT_FOUND) {
			vanished = 1; /* folded since the LIST: the base has it */
			continue;
		}
		if (r != STORE_OK)
			goto store_failed;
		changes[nchanges] = json_parse(o.data, o.len, k);
		if (!changes[nchanges])
			log_warn("%s is damaged; the next fold removes it", k);
		else
			nchanges++;
		/* Damaged ones too: a fold deletes what it cannot ever apply. */
		if (store_keys_add(&v->deltas, k, strlen(k)) != 0)
			goto oom;
	}
	/* 3. The base, after the deltas (see index.h). Skipped when the LIST
	 * showed none and no delta vanished: S3 answers a GET of a missing
	 * object 403 to a caller that may not list the whole bucket. */
	store_object_free(&o);
	r = STORE_NOT_FOUND;
	if (has_base || vanished) {
		r = store_get(s, STORE_KEY_INDEX, &o);
		if (r != STORE_OK && r != STORE_NOT_FOUND)
			goto store_failed;
	}
	if (!(v->doc = index_base_parse(r == STORE_OK ? o.data : NULL, o.len, "index.json"))) {
		s_fail(err, "index.json in %s is damaged (not a JSON object)", store_url(s));
		goto out;
	}
	if (r == STORE_OK && !(v->etag = str_dup(o.etag ? o.etag : "")))
		goto oom;
	for (i = 0; i < nchanges; i++)
		if (index_apply(v->doc, changes[i], "an index change") == 1)
			v->applied++;
	rc = r == STORE_OK || v->deltas.n > 0 ? STORE_OK : STORE_NOT_FOUND;
	goto out;
store_failed:
	err_copy(err, store_error(s));
	goto out;
oom:
	s_fail(err, "index: out of memory");
out:
	if (rc == STORE_ERROR) {
		cJSON_Delete(v->doc);
		v->doc = NULL;
	}
	for (i = 0; changes && i < nchanges; i++)
		cJSON_Delete(changes[i]);
	free(changes);
	store_object_free(&o);
	store_keys_free(&listed);
	return rc;
}

int index_fold(struct store *s, struct index_view *v, time_t now, struct aaa_err *err)
{
	char *text = NULL, *etag = NULL;
	int r, rc = STORE_ERROR;

	if (v->deltas.n == 0 && !v->dirty)
		return STORE_OK;
	index_prune(v->doc, now);
	if (!(text = json_print(v->doc))) {
		s_fail(err, "index: out of memory");
		goto out;
	}
	if (v->etag)
		r = store_replace(s, STORE_KEY_INDEX, v->etag, text, strlen(text), 0, &etag);
	else
		r = store_create(s, STORE_KEY_INDEX, text, strlen(text), 0, &etag);
	if (r == STORE_CONFLICT || r == STORE_NOT_FOUND) {
		log_info("index: index.json changed since it was read; the %zu changes stay for "
			 "the next fold",
			 v->deltas.n);
		rc = STORE_CONFLICT;
		goto out;
	}
	if (r != STORE_OK) {
		err_copy(err, store_error(s));
		goto out;
	}
	free(v->etag);
	v->etag = etag;
	etag = NULL;
	/* The base holds them now; deleting them is only tidying: a delta left
	 * behind is applied again, to no effect, by the next reader. */
	v->dirty = 0;
	if (v->deltas.n &&
	    store_delete_keys(s, (const char *const *)v->deltas.keys, v->deltas.n) != STORE_OK)
		log_warn("index: folded %zu changes into index.json but could not delete them all; "
			 "the next fold does",
			 v->deltas.n);
	rc = STORE_OK;
out:
	free(text);
	free(etag);
	return rc;
}
