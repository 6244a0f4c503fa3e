/*
 * The storage core: URL parsing, the backend table, and the checks every
 * operation gets whatever the backend (key validation, the layout root,
 * sorted listings). Backends see only valid physical keys.
 */
#define _DEFAULT_SOURCE
#include "store/store.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log/log.h"
#include "store/keys.h"
#include "store/store_backend.h"
#include "store/store_file.h"
#include "util/mem.h"

#define STORE_ROOT_DIR "aaa-data"
#define STORE_ROOT_VER "v1"
#define BACKENDS_MAX   8
#define BUCKET_MIN     3
#define BUCKET_MAX     63

struct store {
	const struct store_backend_ops *ops;
	void *state;
	char *url;
	struct store_location loc;
	struct aaa_err err; /* the last failed operation's (store_error) */
};

static const struct store_backend_ops *s_backends[BACKENDS_MAX] = {&store_file_ops};

static const char *const s_result_names[STORE_RESULT_MAX + 1] = {"error", "ok", "not found",
								 "conflict"};

const char *store_result_name(int rc)
{
	if (rc < STORE_ERROR || rc >= STORE_RESULT_MAX)
		return "?";
	return s_result_names[rc + 1];
}

int store_register_backend(const struct store_backend_ops *ops)
{
	size_t i;

	for (i = 0; i < BACKENDS_MAX; i++) {
		if (s_backends[i] == NULL || strcmp(s_backends[i]->scheme, ops->scheme) == 0) {
			s_backends[i] = ops;
			return 0;
		}
	}
	return -1;
}

const struct store_backend_ops *store_backend_find(const char *scheme)
{
	size_t i;

	for (i = 0; i < BACKENDS_MAX && s_backends[i] != NULL; i++)
		if (strcmp(s_backends[i]->scheme, scheme) == 0)
			return s_backends[i];
	return NULL;
}

/* Keeps the table packed: the last entry moves into the freed slot. */
void store_unregister_backend(const char *scheme)
{
	size_t i, last;

	for (last = 0; last < BACKENDS_MAX && s_backends[last] != NULL; last++)
		;
	for (i = 0; i < last; i++) {
		if (strcmp(s_backends[i]->scheme, scheme) == 0) {
			s_backends[i] = s_backends[last - 1];
			s_backends[last - 1] = NULL;
			return;
		}
	}
}

void store_location_free(struct store_location *loc)
{
	if (loc == NULL)
		return;
	free(loc->scheme);
	free(loc->where);
	free(loc->prefix);
	free(loc->root);
	memset(loc, 0, sizeof(*loc));
}

/* S3's rules for new buckets (no uppercase, no underscores), which is also
 * what virtual-host and path-style addressing both accept. */
static int s_bucket_ok(const char *b, size_t len)
{
	size_t i;

	if (len < BUCKET_MIN || len > BUCKET_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		char c = b[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		if (!alnum && c != '.' && c != '-')
			return 0;
		if ((i == 0 || i == len - 1) && !alnum)
			return 0;
	}
	return 1;
}

/* file://DIR: DIR literal, made absolute against the current directory so a
 * later chdir (a post-hook runner, say) cannot move the store. */
static int s_parse_file(const char *url, const char *rest, struct store_location *loc,
			struct aaa_err *err)
{
	char cwd[PATH_MAX];
	size_t len = strlen(rest);
	int rc = -1;

	if (len == 0) {
		err_set(err, "input", "", "store URL '%s' has no directory; use file://DIR", url);
		goto out;
	}
	if (memchr(rest, '\n', len) != NULL) {
		err_set(err, "input", "", "store URL has a newline in its directory");
		goto out;
	}
	if (rest[0] == '/') {
		loc->where = str_dup(rest);
	} else {
		if (getcwd(cwd, sizeof(cwd)) == NULL) {
			err_set(err, "input", "",
				"store URL '%s': cannot resolve the relative directory", url);
			goto out;
		}
		loc->where = str_printf("%s/%s", cwd, rest);
	}
	loc->root = str_dup(STORE_ROOT_DIR "/" STORE_ROOT_VER "/");
	if (loc->where == NULL || loc->root == NULL) {
		err_set(err, "internal", "", "out of memory");
		goto out;
	}
	rc = 0;
out:
	return rc;
}

/* s3://BUCKET[/PREFIX]: the PREFIX goes after "aaa-data/" (see store.h). */
static int s_parse_s3(const char *url, const char *rest, struct store_location *loc,
		      struct aaa_err *err)
{
	const char *slash = strchr(rest, '/');
	size_t blen = slash ? (size_t)(slash - rest) : strlen(rest), plen;
	int rc = -1;

	if (!s_bucket_ok(rest, blen)) {
		err_set(err, "input", "",
			"store URL '%s': bad bucket name (3-63 of a-z 0-9 . -, starting and "
			"ending with a letter or digit)",
			url);
		goto out;
	}
	loc->where = str_ndup(rest, blen);
	if (loc->where == NULL)
		goto oom;
	if (slash != NULL) {
		const char *p = slash + 1;

		plen = strlen(p);
		while (plen > 0 && p[plen - 1] == '/')
			plen--;
		if (plen > 0) {
			loc->prefix = str_ndup(p, plen);
			if (loc->prefix == NULL)
				goto oom;
			if (store_key_validate(loc->prefix, err) != 0) {
				err_prefix(err, "store URL '%s': bad prefix", url);
				goto out;
			}
		}
	}
	loc->root = loc->prefix ? str_printf(STORE_ROOT_DIR "/%s/" STORE_ROOT_VER "/", loc->prefix)
				: str_dup(STORE_ROOT_DIR "/" STORE_ROOT_VER "/");
	if (loc->root == NULL)
		goto oom;
	rc = 0;
	goto out;
oom:
	err_set(err, "internal", "", "out of memory");
out:
	return rc;
}

int store_url_parse(const char *url, struct store_location *loc, struct aaa_err *err)
{
	const char *sep;
	int rc = -1;

	memset(loc, 0, sizeof(*loc));
	if (url == NULL || url[0] == '\0') {
		err_set(err, "input", "", "no store given; use --store file://DIR or s3://BUCKET");
		goto out;
	}
	sep = strstr(url, "://");
	if (sep == NULL || sep == url) {
		err_set(err, "input", "",
			"store URL '%s' has no scheme; use file://DIR or s3://BUCKET[/PREFIX]",
			url);
		goto out;
	}
	loc->scheme = str_ndup(url, (size_t)(sep - url));
	if (loc->scheme == NULL) {
		err_set(err, "internal", "", "out of memory");
		goto out;
	}
	if (strcmp(loc->scheme, "file") == 0)
		rc = s_parse_file(url, sep + 3, loc, err);
	else if (strcmp(loc->scheme, "s3") == 0)
		rc = s_parse_s3(url, sep + 3, loc, err);
	else
		err_set(err, "input", "",
			"store URL '%s': unknown scheme '%s'; use file://DIR or "
			"s3://BUCKET[/PREFIX]",
			url, loc->scheme);
out:
	return rc;
}

struct store *store_open(const char *url, const struct store_options *opts)
{
	struct store *s = NULL, *ret = NULL;
	struct store_options none = {NULL};
	struct aaa_err err;

	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		log_error("out of memory");
		goto out;
	}
	if (store_url_parse(url, &s->loc, &err) != 0) {
		log_error("%s", err.message);
		goto out;
	}
	s->ops = store_backend_find(s->loc.scheme);
	if (s->ops == NULL) {
		log_error("store URL '%s': the %s store backend is not built yet; use "
			  "file://DIR for now",
			  url, s->loc.scheme);
		goto out;
	}
	s->url = str_dup(url);
	if (s->url == NULL) {
		log_error("out of memory");
		goto out;
	}
	if (s->ops->open(&s->loc, opts ? opts : &none, &s->state, &s->err) != STORE_OK)
		goto out;
	ret = s;
	s = NULL;
out:
	store_close(s);
	return ret;
}

void store_close(struct store *s)
{
	if (s == NULL)
		return;
	if (s->ops != NULL && s->state != NULL)
		s->ops->close(s->state);
	free(s->url);
	store_location_free(&s->loc);
	free(s);
}

const char *store_url(const struct store *s)
{
	return s->url;
}

const struct aaa_err *store_error(const struct store *s)
{
	return &s->err;
}

int store_fail_at(struct aaa_err *err, const char *func, const char *fmt, ...)
{
	struct aaa_err local;
	va_list ap;

	if (err == NULL)
		err = &local;
	va_start(ap, fmt);
	err_vset(err, "store", "", fmt, ap);
	va_end(ap);
	log_msg(LOG_ERROR, func, "%s", err->message);
	return STORE_ERROR;
}

/* root + key after checking key; NULL with s->err set. Caller frees. */
static char *s_physical(struct store *s, const char *key, const char *op)
{
	struct aaa_err err;
	char *p;

	if (store_key_validate(key, &err) != 0) {
		store_fail(&s->err, "%s %s: %s", op, s->url, err.message);
		return NULL;
	}
	p = str_printf("%s%s", s->loc.root, key);
	if (p == NULL) {
		store_fail(&s->err, "out of memory");
	} else if (strlen(p) > STORE_KEY_MAX) {
		store_fail(&s->err,
			   "%s %s: store key '%.60s%s' (%zu bytes) is too long with the store "
			   "root '%s' in front (at most %d bytes in all)",
			   op, s->url, key, strlen(key) > 60 ? "..." : "", strlen(key), s->loc.root,
			   STORE_KEY_MAX);
		free(p);
		p = NULL;
	}
	return p;
}

int store_get(struct store *s, const char *key, struct store_object *out)
{
	char *pkey = NULL;
	int rc = STORE_ERROR;

	memset(out, 0, sizeof(*out));
	err_clear(&s->err);
	pkey = s_physical(s, key, "get");
	if (pkey == NULL)
		goto out;
	rc = s->ops->get(s->state, pkey, out, &s->err);
	if (rc != STORE_OK)
		store_object_free(out);
out:
	free(pkey);
	return rc;
}

/* The three writes are one backend call with a condition, as on S3. */
static int s_write(struct store *s, const char *op, const char *key, const void *data, size_t len,
		   unsigned flags, enum store_cond cond, const char *etag, char **etag_out)
{
	char *pkey = NULL, *tag = NULL;
	int rc = STORE_ERROR;

	if (etag_out != NULL)
		*etag_out = NULL;
	err_clear(&s->err);
	pkey = s_physical(s, key, op);
	if (pkey == NULL)
		goto out;
	if (data == NULL && len > 0) {
		store_fail(&s->err, "%s %s: '%s': no data", op, s->url, key);
		goto out;
	}
	if (cond == STORE_COND_IF_MATCH && (etag == NULL || etag[0] == '\0')) {
		store_fail(&s->err, "%s %s: '%s': no etag to compare with", op, s->url, key);
		goto out;
	}
	rc = s->ops->put(s->state, pkey, data ? data : "", len, flags, cond, etag,
			 etag_out ? &tag : NULL, &s->err);
	if (rc == STORE_OK && etag_out != NULL) {
		*etag_out = tag;
		tag = NULL;
	}
out:
	free(tag);
	free(pkey);
	return rc;
}

int store_put(struct store *s, const char *key, const void *data, size_t len, unsigned flags,
	      char **etag_out)
{
	return s_write(s, "put", key, data, len, flags, STORE_COND_NONE, NULL, etag_out);
}

int store_create(struct store *s, const char *key, const void *data, size_t len, unsigned flags,
		 char **etag_out)
{
	return s_write(s, "create", key, data, len, flags, STORE_COND_IF_ABSENT, NULL, etag_out);
}

int store_replace(struct store *s, const char *key, const char *etag, const void *data, size_t len,
		  unsigned flags, char **etag_out)
{
	return s_write(s, "replace", key, data, len, flags, STORE_COND_IF_MATCH, etag, etag_out);
}

static int s_cmp_keys(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Lists through the backend with the physical prefix, then strips the root,
 * drops anything outside it (a defensive check: a backend must not return
 * such keys) and sorts bytewise, so every backend lists the same way.
 */
int store_list(struct store *s, const char *prefix, struct store_keys *out)
{
	struct store_keys raw = {NULL, 0, 0};
	struct aaa_err err;
	char *pprefix = NULL;
	size_t i, rlen = strlen(s->loc.root);
	int rc = STORE_ERROR;

	memset(out, 0, sizeof(*out));
	err_clear(&s->err);
	if (prefix == NULL)
		prefix = "";
	if (store_prefix_validate(prefix, &err) != 0) {
		store_fail(&s->err, "list %s: %s", s->url, err.message);
		goto out;
	}
	pprefix = str_printf("%s%s", s->loc.root, prefix);
	if (pprefix == NULL) {
		store_fail(&s->err, "out of memory");
		goto out;
	}
	if (s->ops->list(s->state, pprefix, &raw, &s->err) != STORE_OK)
		goto out;
	for (i = 0; i < raw.n; i++) {
		const char *k = raw.keys[i];

		if (strncmp(k, pprefix, strlen(pprefix)) != 0 || k[rlen] == '\0')
			continue;
		if (store_keys_add(out, k + rlen, strlen(k + rlen)) != 0) {
			store_fail(&s->err, "out of memory");
			goto out;
		}
	}
	if (out->n > 1)
		qsort(out->keys, out->n, sizeof(out->keys[0]), s_cmp_keys);
	rc = STORE_OK;
out:
	if (rc != STORE_OK)
		store_keys_free(out);
	store_keys_free(&raw);
	free(pprefix);
	return rc;
}

int store_delete(struct store *s, const char *key)
{
	char *pkey;
	int rc = STORE_ERROR;

	err_clear(&s->err);
	pkey = s_physical(s, key, "delete");
	if (pkey != NULL)
		rc = s->ops->del(s->state, pkey, &s->err);
	free(pkey);
	return rc;
}

int store_delete_keys(struct store *s, const char *const *keys, size_t n)
{
	char **pkeys;
	size_t i;
	int rc = STORE_ERROR;

	err_clear(&s->err);
	if ((pkeys = calloc(n + 1, sizeof(char *))) == NULL)
		return store_fail(&s->err, "out of memory");
	/* Every key checked and mapped before anything is deleted. */
	for (i = 0; i < n; i++)
		if ((pkeys[i] = s_physical(s, keys[i], "delete")) == NULL)
			goto out;
	if (s->ops->del_many != NULL) {
		rc = n ? s->ops->del_many(s->state, (const char *const *)pkeys, n, &s->err)
		       : STORE_OK;
		goto out;
	}
	rc = STORE_OK;
	for (i = 0; i < n; i++)
		if (s->ops->del(s->state, pkeys[i], &s->err) != STORE_OK)
			rc = STORE_ERROR;
out:
	for (i = 0; i < n; i++)
		free(pkeys[i]);
	free(pkeys);
	return rc;
}

void store_object_free(struct store_object *o)
{
	if (o == NULL)
		return;
	mem_wipe_free(o->data, o->len);
	free(o->etag);
	memset(o, 0, sizeof(*o));
}

void store_keys_free(struct store_keys *k)
{
	size_t i;

	if (k == NULL)
		return;
	for (i = 0; i < k->n; i++)
		free(k->keys[i]);
	free(k->keys);
	k->keys = NULL;
	k->n = 0;
	k->cap = 0;
}

int store_keys_add(struct store_keys *k, const char *key, size_t len)
{
	char **grown, *copy;

	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 16;

		grown = realloc(k->keys, cap * sizeof(*grown));
		if (grown == NULL)
			return -1;
		k->keys = grown;
		k->cap = cap;
	}
	copy = str_ndup(key, len);
	if (copy == NULL)
		return -1;
	k->keys[k->n++] = copy;
	return 0;
}
