/*
 * The storage core (store.c): URL parsing, the backend table, and what
 * every backend can rely on (checked keys, the layout root, sorted lists).
 * A recording fake stands in for the S3 backend, so these tests do not
 * depend on any real backend.
 */
#include "harness.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log/log.h"
#include "store/store.h"
#include "store/store_backend.h"
#include "util/mem.h"

TEST(store_result_names)
{
	CHECK_STR(store_result_name(STORE_OK), "ok");
	CHECK_STR(store_result_name(STORE_ERROR), "error");
	CHECK_STR(store_result_name(STORE_NOT_FOUND), "not found");
	CHECK_STR(store_result_name(STORE_CONFLICT), "conflict");
	CHECK_STR(store_result_name(STORE_RESULT_MAX), "?");
	CHECK_STR(store_result_name(-2), "?");
}

TEST(store_url_parse_good)
{
	struct store_location loc;
	struct aaa_err err;
	char cwd[4096], *expect;

	CHECK_INT(store_url_parse("file:///var/lib/aaa", &loc, &err), 0);
	CHECK_STR(loc.scheme, "file");
	CHECK_STR(loc.where, "/var/lib/aaa");
	CHECK_STR(loc.root, "aaa-data/v1/");
	CHECK(loc.prefix == NULL);
	store_location_free(&loc);

	REQUIRE(getcwd(cwd, sizeof(cwd)) != NULL);
	CHECK_INT(store_url_parse("file://state/aaa", &loc, &err), 0);
	expect = str_printf("%s/state/aaa", cwd);
	CHECK_STR(loc.where, expect);
	free(expect);
	store_location_free(&loc);

	CHECK_INT(store_url_parse("s3://my-bucket.example", &loc, &err), 0);
	CHECK_STR(loc.scheme, "s3");
	CHECK_STR(loc.where, "my-bucket.example");
	CHECK(loc.prefix == NULL);
	CHECK_STR(loc.root, "aaa-data/v1/");
	store_location_free(&loc);

	CHECK_INT(store_url_parse("s3://bkt/", &loc, &err), 0);
	CHECK(loc.prefix == NULL);
	CHECK_STR(loc.root, "aaa-data/v1/");
	store_location_free(&loc);

	/* The prefix goes under aaa-data/, which the bucket policy protects. */
	CHECK_INT(store_url_parse("s3://bkt/staging/", &loc, &err), 0);
	CHECK_STR(loc.prefix, "staging");
	CHECK_STR(loc.root, "aaa-data/staging/v1/");
	store_location_free(&loc);
	CHECK_INT(store_url_parse("s3://bkt/team/a", &loc, &err), 0);
	CHECK_STR(loc.root, "aaa-data/team/a/v1/");
	store_location_free(&loc);
}

static void s_url_bad(const char *url, const char *expect)
{
	struct store_location loc;
	struct aaa_err err;

	if (store_url_parse(url, &loc, &err) != -1)
		harness_fail(__FILE__, __LINE__, "URL '%s' accepted", url);
	else if (strstr(err.message, expect) == NULL)
		harness_fail(__FILE__, __LINE__, "URL '%s': error \"%s\" lacks \"%s\"", url,
			     err.message, expect);
	store_location_free(&loc);
}

TEST(store_url_parse_bad)
{
	s_url_bad("", "no store given");
	s_url_bad("/var/lib/aaa", "has no scheme");
	s_url_bad("http://example.com/x", "unknown scheme 'http'");
	s_url_bad("file://", "has no directory");
	s_url_bad("s3://", "bad bucket name");
	s_url_bad("s3://ab", "bad bucket name");
	s_url_bad("s3://My_Bucket", "bad bucket name");
	s_url_bad("s3://-bucket", "bad bucket name");
	s_url_bad("s3://bucket/../x", "escapes the store root");
	s_url_bad("s3://bucket/a//b", "empty segment");
	s_url_bad("s3://bucket/.hidden", "starting with '.'");
}

/* A recording backend that plays S3. */
static struct {
	int calls;
	char root[128], where[128], kms[128];
	char pkey[1200], etag[128];
	unsigned flags;
	int cond;
	int put_result;
} s_rec;

static int s_fake_open(const struct store_location *loc, const struct store_options *opts,
		       void **state, struct aaa_err *err)
{
	(void)err;
	snprintf(s_rec.root, sizeof(s_rec.root), "%s", loc->root);
	snprintf(s_rec.where, sizeof(s_rec.where), "%s", loc->where);
	snprintf(s_rec.kms, sizeof(s_rec.kms), "%s", opts->kms_key_id ? opts->kms_key_id : "");
	*state = &s_rec;
	return STORE_OK;
}

static void s_fake_close(void *state)
{
	(void)state;
}

static int s_fake_get(void *state, const char *pkey, struct store_object *out, struct aaa_err *err)
{
	(void)state;
	(void)err;
	s_rec.calls++;
	snprintf(s_rec.pkey, sizeof(s_rec.pkey), "%s", pkey);
	out->data = str_dup("body");
	out->len = 4;
	out->etag = str_dup("\"e1\"");
	return STORE_OK;
}

static int s_fake_put(void *state, const char *pkey, const void *data, size_t len, unsigned flags,
		      enum store_cond cond, const char *etag, char **etag_out, struct aaa_err *err)
{
	(void)state;
	(void)data;
	(void)len;
	s_rec.calls++;
	snprintf(s_rec.pkey, sizeof(s_rec.pkey), "%s", pkey);
	snprintf(s_rec.etag, sizeof(s_rec.etag), "%s", etag ? etag : "(none)");
	s_rec.flags = flags;
	s_rec.cond = (int)cond;
	if (s_rec.put_result == STORE_ERROR) {
		err_set(err, "store", "AccessDenied", "S3 PutObject %s: AccessDenied", pkey);
		err_detail(err, 403, "req-7");
		return STORE_ERROR;
	}
	if (etag_out != NULL)
		*etag_out = str_dup("\"e2\"");
	return s_rec.put_result;
}

/* Unsorted, with one key outside the root that the core must drop. */
static int s_fake_list(void *state, const char *pprefix, struct store_keys *out,
		       struct aaa_err *err)
{
	static const char *keys[] = {
	    "aaa-data/staging/v1/certs/b.com/cert.pem", "aaa-data/other/v1/certs/x",
	    "aaa-data/staging/v1/certs/a.com/z", "aaa-data/staging/v1/certs/a.com/cert.pem"};

	(void)state;
	(void)err;
	s_rec.calls++;
	snprintf(s_rec.pkey, sizeof(s_rec.pkey), "%s", pprefix);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (store_keys_add(out, keys[i], strlen(keys[i])) != 0)
			return STORE_ERROR;
	return STORE_OK;
}

static int s_fake_del(void *state, const char *pkey, struct aaa_err *err)
{
	(void)state;
	(void)err;
	s_rec.calls++;
	snprintf(s_rec.pkey, sizeof(s_rec.pkey), "%s", pkey);
	return STORE_OK;
}

static const struct store_backend_ops s_fake_ops = {
    "s3", s_fake_open, s_fake_close, s_fake_get, s_fake_put, s_fake_list, s_fake_del, NULL,
};

TEST(store_s3_not_built_message)
{
	const struct store_backend_ops *real = store_backend_find("s3");

	if (real != NULL)
		return; /* the S3 backend is linked in: nothing to check here */
	harness_clear_errors();
	CHECK(store_open("s3://my-bucket", NULL) == NULL);
	CHECK(strstr(harness_last_error(), "s3 store backend is not built yet") != NULL);
	CHECK(strstr(harness_last_error(), "s3://my-bucket") != NULL);
	harness_clear_errors();
	CHECK(store_open("ftp://x/y", NULL) == NULL);
	CHECK(strstr(harness_last_error(), "unknown scheme 'ftp'") != NULL);
}

TEST(store_core_dispatch)
{
	const struct store_backend_ops *real = store_backend_find("s3");
	struct store_options opts = {"alias/aaa"};
	struct store_object obj;
	struct store_keys keys;
	struct store *s;
	char *etag = NULL, big[1100];
	int before;

	REQUIRE(store_register_backend(&s_fake_ops) == 0);
	memset(&s_rec, 0, sizeof(s_rec));
	s = store_open("s3://bkt/staging", &opts);
	REQUIRE(s != NULL);
	CHECK_STR(store_url(s), "s3://bkt/staging");
	CHECK_STR(s_rec.where, "bkt");
	CHECK_STR(s_rec.root, "aaa-data/staging/v1/");
	CHECK_STR(s_rec.kms, "alias/aaa");

	/* Callers pass layout keys; the backend gets physical ones. */
	CHECK_INT(store_put(s, "certs/a.com/privkey.pem", "k", 1, STORE_SECRET, &etag), STORE_OK);
	CHECK_STR(s_rec.pkey, "aaa-data/staging/v1/certs/a.com/privkey.pem");
	CHECK_INT(s_rec.cond, STORE_COND_NONE);
	CHECK_INT(s_rec.flags, STORE_SECRET);
	CHECK_STR(etag, "\"e2\"");
	free(etag);
	etag = NULL;

	CHECK_INT(store_create(s, "jobs/j1.json", "{}", 2, 0, NULL), STORE_OK);
	CHECK_INT(s_rec.cond, STORE_COND_IF_ABSENT);
	CHECK_STR(s_rec.pkey, "aaa-data/staging/v1/jobs/j1.json");

	CHECK_INT(store_replace(s, "jobs/j1.json", "\"e1\"", "{}", 2, 0, &etag), STORE_OK);
	CHECK_INT(s_rec.cond, STORE_COND_IF_MATCH);
	CHECK_STR(s_rec.etag, "\"e1\"");
	free(etag);
	etag = NULL;

	/* A backend's conflict comes through, and no etag is handed out. */
	s_rec.put_result = STORE_CONFLICT;
	etag = (char *)"stale";
	CHECK_INT(store_replace(s, "jobs/j1.json", "\"e1\"", "{}", 2, 0, &etag), STORE_CONFLICT);
	CHECK(etag == NULL);
	CHECK(!err_is_set(store_error(s)));
	/* A backend's failure is the store's error, with S3's detail. */
	s_rec.put_result = STORE_ERROR;
	CHECK_INT(store_put(s, "jobs/j1.json", "{}", 2, 0, NULL), STORE_ERROR);
	CHECK_STR(store_error(s)->message,
		  "S3 PutObject aaa-data/staging/v1/jobs/j1.json: AccessDenied");
	CHECK_STR(store_error(s)->code, "AccessDenied");
	CHECK_INT(store_error(s)->http_status, 403);
	CHECK_STR(store_error(s)->request_id, "req-7");
	s_rec.put_result = STORE_OK;

	CHECK_INT(store_get(s, "index.json", &obj), STORE_OK);
	CHECK_STR(s_rec.pkey, "aaa-data/staging/v1/index.json");
	CHECK_STR(obj.data, "body");
	CHECK_STR(obj.etag, "\"e1\"");
	store_object_free(&obj);
	CHECK(obj.data == NULL && obj.etag == NULL);

	CHECK_INT(store_delete(s, "jobs/j1.json"), STORE_OK);
	CHECK_STR(s_rec.pkey, "aaa-data/staging/v1/jobs/j1.json");

	CHECK_INT(store_list(s, "certs/", &keys), STORE_OK);
	CHECK_STR(s_rec.pkey, "aaa-data/staging/v1/certs/");
	CHECK_INT(keys.n, 3);
	if (keys.n == 3) {
		CHECK_STR(keys.keys[0], "certs/a.com/cert.pem");
		CHECK_STR(keys.keys[1], "certs/a.com/z");
		CHECK_STR(keys.keys[2], "certs/b.com/cert.pem");
	}
	store_keys_free(&keys);

	/* Bad keys never reach the backend. */
	before = s_rec.calls;
	CHECK_INT(store_put(s, "certs/../../x", "k", 1, 0, NULL), STORE_ERROR);
	CHECK(strstr(store_error(s)->message, "store key 'certs/../../x' escapes the store root") !=
	      NULL);
	CHECK_STR(store_error(s)->source, "store");
	CHECK_INT(store_get(s, "/etc/passwd", &obj), STORE_ERROR);
	CHECK(obj.data == NULL);
	CHECK_INT(store_create(s, "a//b", "k", 1, 0, NULL), STORE_ERROR);
	CHECK_INT(store_replace(s, "..", "\"e1\"", "k", 1, 0, NULL), STORE_ERROR);
	CHECK_INT(store_delete(s, "a/./b"), STORE_ERROR);
	CHECK_INT(store_list(s, "../", &keys), STORE_ERROR);
	CHECK_INT(keys.n, 0);
	/* replace without an etag is a caller bug, not a conflict. */
	CHECK_INT(store_replace(s, "jobs/j1.json", NULL, "k", 1, 0, NULL), STORE_ERROR);
	CHECK_INT(store_replace(s, "jobs/j1.json", "", "k", 1, 0, NULL), STORE_ERROR);
	/* Valid alone, too long with the root in front (S3's 1024-byte limit). */
	memset(big, 'a', sizeof(big));
	for (size_t i = 200; i < 1020; i += 200)
		big[i] = '/';
	big[1020] = '\0';
	CHECK_INT(store_put(s, big, "k", 1, 0, NULL), STORE_ERROR);
	if (strstr(store_error(s)->message, "too long with the store root") == NULL)
		harness_fail(__FILE__, __LINE__, "got: %s", store_error(s)->message);
	CHECK_INT(s_rec.calls, before);

	store_close(s);
	if (real != NULL)
		store_register_backend(real);
	else
		store_unregister_backend("s3");
	CHECK(store_backend_find("s3") == real);
	CHECK(store_backend_find("file") != NULL);
}
