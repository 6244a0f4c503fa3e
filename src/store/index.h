/*
 * The certificate index: name -> {not_after, renew_after, failures...}, what
 * the scheduler decides on and `aaa renew` / `aaa ls`-like readers list.
 *
 * It is kept as a folded base plus per-change delta objects, so no writer
 * ever rewrites a shared object:
 *
 *   index.json                  the base: {"version":1,"certs":{name:entry},
 *                               "removed":{name:seq}}; an index.json written
 *                               before deltas existed ({"version":1,"certs":
 *                               {...}}) is a valid base as it is.
 *   index.d/<seq>.json          one change: {"name":N,"seq":S,"entry":{...}}
 *                               or, for a removal, {"name":N,"seq":S,
 *                               "removed":true}.
 *
 * A seq is "<16 decimal digits: microseconds since the epoch>-<16 hex
 * digits of randomness>": fixed width, so strcmp orders seqs by time (the
 * writer's clock; the random half only makes keys unique) and S3 lists the
 * deltas oldest first. A writer does one PUT of a new, unique key: no read,
 * no condition, so any number of writers finish at once without a conflict,
 * and the bytes moved do not depend on the number of certificates.
 *
 * Merging (readers and the fold alike): per name, the highest seq wins among
 * the base's entry (its "seq" member; an entry without one is older than any
 * delta), the base's removal record and the deltas. Applying a delta twice,
 * or one the base already holds, changes nothing, so a fold interrupted at
 * any point is simply done again.
 *
 * Reading (index_read): LIST "index" (the base's presence and every delta in
 * one request per 1,000 keys), GET each delta, then GET the base. In that
 * order a delta that vanished between the LIST and its GET was folded by
 * someone else, whose base PUT came before the delete and so before our
 * GET of the base: nothing is ever missing from what a reader sees.
 *
 * Folding (index_fold, the scheduler's pass): one PUT of the merged base
 * with If-Match on the ETag just read (If-None-Match when there was none),
 * then one DeleteObjects per 1,000 of the deltas it folded, exactly those.
 * A fold that loses the race changes nothing and leaves the deltas for the
 * next pass. Removal records older than INDEX_REMOVED_KEEP_S are dropped by
 * the fold (no writer is that late).
 *
 * The scheduler keeps one thing of its own in an entry: INDEX_ARI, what the
 * CA's renewalInfo said when it asked again (handlers/sched_ari.c), written
 * into the base by its fold (index_view.dirty), never as a delta. It belongs
 * to the certificate version: a delta whose entry has the same serial (a
 * failure counted, a deploy flag) keeps it, one of a new version (renewed)
 * drops it, as a removal does.
 */
#ifndef AAA_STORE_INDEX_H
#define AAA_STORE_INDEX_H

#include <stddef.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "store/store.h"
#include "util/err.h"

#define INDEX_DELTA_PREFIX "index.d/"
/* "<16 digits>-<16 hex>" and the NUL. */
#define INDEX_SEQ_LEN 34
/* The entry member the scheduler's ARI re-check keeps:
 * {"start","end","next","checked"}, RFC 3339 times. */
#define INDEX_ARI "ari_check"
/* How long the base remembers a removal (30 days). */
#define INDEX_REMOVED_KEEP_S (30L * 86400L)

/* ---- pure logic (no store, no clock: tests call these directly) ---- */

/* The seq for a time (microseconds since the epoch) and 8 random bytes. */
void index_seq_format(long long usec, const unsigned char rnd[8], char out[INDEX_SEQ_LEN]);
/* 1 when s is a well-formed seq. */
int index_seq_valid(const char *s);

/* A delta document for name (entry NULL: a removal); caller cJSON_Deletes.
 * NULL when out of memory. */
cJSON *index_delta_new(const char *name, const char *seq, const cJSON *entry);

/* A base from index.json's text: {"version":1,"certs":{}} when text is NULL
 * (no base yet); missing members are added. NULL (logged, naming what) when
 * the text is not a JSON object. Caller cJSON_Deletes. */
cJSON *index_base_parse(const char *text, size_t len, const char *what);

/* Applies one delta document to base, newest seq winning (see above).
 * 1 applied, 0 not newer than what base holds, -1 malformed (base
 * unchanged, logged at warning level naming what). */
int index_apply(cJSON *base, const cJSON *delta, const char *what);

/* Drops the removal records of base older than now - INDEX_REMOVED_KEEP_S. */
void index_prune(cJSON *base, time_t now);

/* ---- on a store ---- */

/*
 * Records name's entry (entry NULL: name is removed): one PUT of a new
 * delta. name is used as given (callers normalize it). STORE_OK or
 * STORE_ERROR (logged; err, when not NULL, says why: the store's own
 * description of the request that failed, or the index's).
 */
int index_put(struct store *s, const char *name, const cJSON *entry, struct aaa_err *err);

/* The index as read: base + every delta. Free with index_view_free. */
struct index_view {
	cJSON *doc; /* the merged base: "certs" is what readers iterate */
	char *etag; /* the base's ETag; NULL when there is no base */
	struct store_keys
	    deltas;	/* the delta keys merged (and damaged ones): a fold deletes these */
	size_t applied; /* deltas that changed doc */
	int dirty;	/* the caller changed doc itself (INDEX_ARI): the fold writes it */
};

/*
 * Reads the index into v (zeroed first). STORE_OK; STORE_NOT_FOUND when the
 * store has neither a base nor a delta (v->doc is then an empty base all the
 * same); STORE_ERROR (logged, err as for index_put) when a request failed or
 * the base is damaged.
 */
int index_read(struct store *s, struct index_view *v, struct aaa_err *err);

/*
 * Folds what index_read found: nothing to do without deltas unless dirty;
 * else the base is written (conditionally) and the deltas deleted. STORE_OK (v->etag is
 * then the new base's), STORE_CONFLICT (someone else folded or wrote the
 * base first: nothing written, deltas left), STORE_ERROR (logged, err as for
 * index_put).
 */
int index_fold(struct store *s, struct index_view *v, time_t now, struct aaa_err *err);

void index_view_free(struct index_view *v);

#endif
