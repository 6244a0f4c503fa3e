/*
 * The storage interface: everything aaa keeps (accounts, keys, certificates,
 * jobs, the index) goes through these few calls, so the agent never knows
 * whether it talks to S3 or to a directory.
 *
 * A store is opened from a URL:
 *   file://DIR              a directory on this host; DIR is taken literally
 *                           (no percent-decoding, no host part): file:///var/lib/aaa
 *                           is "/var/lib/aaa", file://state is "./state" made
 *                           absolute at open time.
 *   s3://BUCKET[/PREFIX]    an S3 bucket, every PUT with SSE-KMS (the backend
 *                           comes with the AWS layer; until it registers itself,
 *                           store_open says so and fails).
 *
 * Keys. Callers pass keys RELATIVE TO THE LAYOUT ROOT, e.g. "index.json",
 * "certs/example.com/cert.pem" (build them with store/keys.h). The store
 * prefixes the root itself, so no caller can write outside it:
 *   file://DIR            -> DIR/aaa-data/v1/<key>
 *   s3://BUCKET           -> s3://BUCKET/aaa-data/v1/<key>
 *   s3://BUCKET/PREFIX    -> s3://BUCKET/aaa-data/PREFIX/v1/<key>
 * The physical key always starts with "aaa-data/" because the bucket policy
 * shipped in deploy/ protects everything under "aaa-data/"; a PREFIX (to
 * share a bucket between deployments, e.g. "staging") therefore goes after
 * it, not before it.
 * Every key is checked (store/keys.h) before anything is touched: a bad key
 * is STORE_ERROR with a message naming the key, and nothing is written.
 *
 * Results: every operation returns an enum store_result. "Not found" and
 * "someone else won" are results, not errors: only STORE_ERROR (-1) means
 * the operation failed; it has been logged with its context, and
 * store_error(s) describes it (source "store"; S3's code, HTTP status and
 * request id when S3 refused).
 *
 * ETags are opaque strings chosen by the backend (the file backend uses the
 * hex SHA-256 of the content; S3 uses its ETag header). Only compare them by
 * passing one back to store_replace.
 *
 * Modes: the file backend writes every object 0600 and every directory it
 * creates 0700, secret or not: the simplest rule that cannot leak a key
 * through a misclassified write. S3 encrypts every object with SSE-KMS.
 * STORE_SECRET still marks key material so that intent is visible at the call
 * site and a backend may treat it more strictly.
 *
 * Not thread-safe per handle; independent handles (and processes) may work
 * on one store at once, the conditional writes are atomic across processes.
 */
#ifndef AAA_STORE_STORE_H
#define AAA_STORE_STORE_H

#include <stddef.h>

#include "util/err.h"

enum store_result {
	STORE_ERROR = -1,    /* failed; logged with context, store_error says why */
	STORE_OK = 0,	     /* done */
	STORE_NOT_FOUND = 1, /* the key does not exist (get; replace of a deleted key) */
	STORE_CONFLICT = 2,  /* a conditional write lost: someone else won, re-read */
	STORE_RESULT_MAX
};

/* "error", "ok", "not found", "conflict"; "?" for anything else. */
const char *store_result_name(int rc);

/* Flags for the write calls. */
#define STORE_SECRET 0x1u /* private key material (see "Modes" above) */

struct store_options {
	const char *kms_key_id; /* s3: SSE-KMS key id/ARN/alias; NULL = the bucket default */
};

/* An object read from the store. data is NUL-terminated (data[len] == 0) so
 * JSON and PEM can be used as strings; it may also hold NULs. Owned: free
 * with store_object_free, which wipes data (it may be a private key). */
struct store_object {
	char *data;
	size_t len;
	char *etag;
};

/* A sorted (bytewise, as S3 lists) array of keys, relative to the layout
 * root like the keys callers pass. Owned: free with store_keys_free. */
struct store_keys {
	char **keys;
	size_t n;
	size_t cap; /* allocated entries, for store_keys_add */
};

struct store;

/*
 * Opens the store named by url. opts may be NULL. Nothing is created on
 * disk or in the bucket until the first write. Returns NULL after logging
 * what is wrong with the URL ("unknown scheme", "S3 backend not built",
 * "bad bucket name"); caller frees with store_close.
 */
struct store *store_open(const char *url, const struct store_options *opts);
void store_close(struct store *s);
/* The URL the store was opened with (borrowed). */
const char *store_url(const struct store *s);
/* Why the last operation on s returned STORE_ERROR (borrowed; emptied when
 * the next operation starts, so read it before calling the store again). */
const struct aaa_err *store_error(const struct store *s);

/* STORE_OK with *out filled (caller frees with store_object_free),
 * STORE_NOT_FOUND (out zeroed), or STORE_ERROR. */
int store_get(struct store *s, const char *key, struct store_object *out);

/*
 * Writes the whole object, atomically (a reader sees the old or the new
 * content, never a mix). etag_out, when not NULL, receives the new ETag
 * (caller frees) for a later store_replace. STORE_OK or STORE_ERROR.
 */
int store_put(struct store *s, const char *key, const void *data, size_t len, unsigned flags,
	      char **etag_out);

/* Create-if-absent (S3 If-None-Match: *): STORE_OK, STORE_CONFLICT when the
 * key already exists (nothing written), or STORE_ERROR. */
int store_create(struct store *s, const char *key, const void *data, size_t len, unsigned flags,
		 char **etag_out);

/* Replace-if-unchanged (S3 If-Match: etag): STORE_OK, STORE_CONFLICT when
 * the object changed since etag was read, STORE_NOT_FOUND when it was
 * deleted, or STORE_ERROR. Nothing is written unless STORE_OK. */
int store_replace(struct store *s, const char *key, const char *etag, const void *data, size_t len,
		  unsigned flags, char **etag_out);

/*
 * Every key that starts with prefix (a plain string prefix, as S3's: "certs/"
 * lists all certificates' files, "certs/ex" those of names starting with
 * "ex"; "" lists everything). STORE_OK with *out filled (possibly empty;
 * caller frees with store_keys_free) or STORE_ERROR. Backends page
 * internally; the result is complete.
 */
int store_list(struct store *s, const char *prefix, struct store_keys *out);

/* Deletes key; a key that does not exist is STORE_OK. */
int store_delete(struct store *s, const char *key);

/* Deletes every one of keys[0..n) (S3: one DeleteObjects per 1,000 keys);
 * keys that do not exist are fine. STORE_OK when all are gone, else
 * STORE_ERROR (logged; some may be gone). */
int store_delete_keys(struct store *s, const char *const *keys, size_t n);

void store_object_free(struct store_object *o);
void store_keys_free(struct store_keys *k);

#endif
