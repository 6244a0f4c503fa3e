/*
 * The backend side of the storage interface (store.h is the caller side).
 *
 * A backend is a table of operations registered under a URL scheme. The core
 * (store.c) parses the URL, checks every key, prefixes the layout root and
 * sorts listings, so a backend only moves bytes for PHYSICAL keys such as
 * "aaa-data/v1/certs/example.com/cert.pem", which are already valid (segments
 * checked by store/keys.h, at most STORE_KEY_MAX bytes, starting with
 * loc->root).
 *
 * Registering. "file" is built in. Another backend registers itself before
 * the first store_open, for example from its own file with a constructor so
 * nothing else must change:
 *
 *     static const struct store_backend_ops s_ops = {"s3", s_open, ...};
 *     __attribute__((constructor)) static void s_register(void)
 *     {
 *             store_register_backend(&s_ops);
 *     }
 *
 * Until a backend for "s3" is registered, store_open("s3://...") fails with
 * "the S3 store backend is not built yet".
 *
 * Return values of the operations are enum store_result values, with the
 * meanings of store.h; each operation describes its own STORE_ERROR in err
 * (never NULL) with context (the physical key or path and the cause; S3's
 * code, HTTP status and request id) through store_fail, which also logs it.
 *
 * For S3 the mapping is: put = PutObject (If-None-Match: * for
 * STORE_COND_IF_ABSENT, If-Match: etag for STORE_COND_IF_MATCH, passing the
 * ETag back exactly as S3 sent it, quotes included); 412 PreconditionFailed
 * is STORE_CONFLICT; 409 ConditionalRequestConflict (a concurrent write was
 * in flight; AWS advises retrying) is retried and then STORE_CONFLICT, which
 * is safe because callers re-read on a conflict; 404 on GetObject, and on a
 * conditional PutObject whose key is gone, is STORE_NOT_FOUND (a server
 * answering 412 there instead is also safe: the caller re-reads);
 * list = ListObjectsV2 with Prefix=pprefix, following continuation tokens;
 * del = DeleteObject (S3 already answers 204 for a missing key);
 * del_many = DeleteObjects, 1,000 keys a request (quiet mode: only the keys
 * that could not be deleted come back, and any is STORE_ERROR).
 */
#ifndef AAA_STORE_STORE_BACKEND_H
#define AAA_STORE_STORE_BACKEND_H

#include <stddef.h>

#include "store/store.h"
#include "util/err.h"

/* What store_url_parse makes of a URL. Owned strings; store_location_free. */
struct store_location {
	char *scheme; /* "file", "s3" */
	char *where;  /* file: the absolute directory; s3: the bucket name */
	char *prefix; /* s3: PREFIX without slashes at the ends, or NULL */
	char *root;   /* physical key prefix: "aaa-data/v1/" or "aaa-data/PREFIX/v1/" */
};

/* How a write is conditioned, as an S3 PutObject header would. */
enum store_cond {
	STORE_COND_NONE,      /* unconditional */
	STORE_COND_IF_ABSENT, /* If-None-Match: * */
	STORE_COND_IF_MATCH,  /* If-Match: etag */
	STORE_COND_MAX
};

struct store_backend_ops {
	const char *scheme;
	/* Prepares a handle; must not create anything yet. STORE_OK or STORE_ERROR. */
	int (*open)(const struct store_location *loc, const struct store_options *opts,
		    void **state, struct aaa_err *err);
	void (*close)(void *state);
	/* Fills out (data NUL-terminated, etag) or returns STORE_NOT_FOUND. */
	int (*get)(void *state, const char *pkey, struct store_object *out, struct aaa_err *err);
	/* One write with its condition; etag is set only for STORE_COND_IF_MATCH.
	 * etag_out may be NULL. STORE_OK, STORE_CONFLICT, STORE_NOT_FOUND (only
	 * for IF_MATCH on a missing key) or STORE_ERROR. */
	int (*put)(void *state, const char *pkey, const void *data, size_t len, unsigned flags,
		   enum store_cond cond, const char *etag, char **etag_out, struct aaa_err *err);
	/* Appends every physical key starting with pprefix to out, in any order. */
	int (*list)(void *state, const char *pprefix, struct store_keys *out, struct aaa_err *err);
	/* Deletes pkey; STORE_OK when it did not exist. */
	int (*del)(void *state, const char *pkey, struct aaa_err *err);
	/* Optional: deletes pkeys[0..n) in as few requests as the backend can
	 * (NULL: the core calls del for each). STORE_OK when all are gone. */
	int (*del_many)(void *state, const char *const *pkeys, size_t n, struct aaa_err *err);
};

/* Registers ops under ops->scheme (the pointer is kept, so it must live for
 * the process). Replaces an earlier registration of the same scheme.
 * 0, or -1 when the table is full. Not thread-safe: call at startup. */
int store_register_backend(const struct store_backend_ops *ops);
/* The ops registered for scheme, or NULL. */
const struct store_backend_ops *store_backend_find(const char *scheme);
/* Removes scheme's registration (tests that stand in a fake backend). */
void store_unregister_backend(const char *scheme);

/*
 * Parses "file://DIR" or "s3://BUCKET[/PREFIX]" into loc (store_location_free
 * releases it, also after a failure). Checks the bucket name (3-63 of
 * a-z 0-9 . -, starting and ending with a letter or digit) and that PREFIX is
 * a valid key path; makes a relative DIR absolute. 0, or -1 with err set
 * (source "input", a message naming the URL; "internal" when out of memory).
 */
int store_url_parse(const char *url, struct store_location *loc, struct aaa_err *err);
void store_location_free(struct store_location *loc);

/*
 * A backend's (or the core's) failure: err gets source "store" and the
 * message, which is also logged at error level under the caller's function
 * name. Returns STORE_ERROR. err may be NULL (then it is only logged).
 */
int store_fail_at(struct aaa_err *err, const char *func, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define store_fail(err, ...) store_fail_at((err), __func__, __VA_ARGS__)

/* Appends a copy of key to k (grows the array). 0 or -1 (allocation). */
int store_keys_add(struct store_keys *k, const char *key, size_t len);

#endif
