/*
 * The s3:// store backend: physical keys map one to one to object keys in
 * the bucket; every write is SSE-KMS (s3.c adds the headers) with the
 * store's kms_key_id. Status mapping as store_backend.h documents it.
 * Registers itself with a constructor, so linking this file is enough.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/s3.h"
#include "log/log.h"
#include "store/store_backend.h"
#include "util/mem.h"

/* 409 ConditionalRequestConflict: a concurrent conditional write was in
 * flight; AWS advises retrying. After this many tries it is a conflict. */
#define S3_CONFLICT_TRIES 3

struct s3_state {
	char *bucket;
	char *kms_key_id; /* NULL: the bucket's default KMS key */
	char *kms_arn;	  /* the key's ARN as S3 reported it on our own write (an alias's key) */
};

static int s_is_alias(const char *k)
{
	return strncmp(k, "alias/", 6) == 0 || strstr(k, ":alias/") != NULL;
}

/*
 * Objects are trusted only when they are SSE-KMS with the store's key:
 * someone with s3:PutObject but not the key could otherwise plant one
 * encrypted with aws/s3 (or not at all). The configured key may be an ARN
 * (compared whole) or a key id (the ARN's "key/<id>"); an alias is compared
 * with the key ARN our own writes reported, once there was one. 0 or -1
 * with the reason logged.
 */
static int s_check_sse(struct s3_state *st, const char *pkey, const struct aws_reply *r,
		       struct aaa_err *err)
{
	const char *sse = http_response_header(&r->resp, "x-amz-server-side-encryption");
	const char *kid =
	    http_response_header(&r->resp, "x-amz-server-side-encryption-aws-kms-key-id");
	const char *want = st->kms_key_id;
	size_t kl, wl;

	if (!sse || strncmp(sse, "aws:kms", 7) != 0) {
		store_fail(err,
			   "S3 GetObject %s: the object is not SSE-KMS encrypted (%s); refusing it "
			   "(only objects written with the store's KMS key are trusted)",
			   pkey, sse ? sse : "no x-amz-server-side-encryption");
		return -1;
	}
	if (!want)
		return 0;
	if (s_is_alias(want)) {
		if (!st->kms_arn)
			return 0;
		want = st->kms_arn;
	}
	kl = kid ? strlen(kid) : 0;
	wl = strlen(want);
	if (kid && (strcmp(kid, want) == 0 || (kl > wl + 4 && strcmp(kid + kl - wl, want) == 0 &&
					       strncmp(kid + kl - wl - 4, "key/", 4) == 0)))
		return 0;
	store_fail(
	    err, "S3 GetObject %s: encrypted with KMS key %s, not the store's key %s; refusing it",
	    pkey, kid ? kid : "(none named)", st->kms_key_id);
	return -1;
}

static int s_open(const struct store_location *loc, const struct store_options *opts, void **state,
		  struct aaa_err *err)
{
	struct s3_state *st = calloc(1, sizeof(*st));
	int rc = STORE_ERROR;

	if (st == NULL)
		goto out;
	st->bucket = str_dup(loc->where);
	if (st->bucket == NULL)
		goto out;
	if (opts && opts->kms_key_id && opts->kms_key_id[0]) {
		st->kms_key_id = str_dup(opts->kms_key_id);
		if (st->kms_key_id == NULL)
			goto out;
	}
	*state = st;
	st = NULL;
	rc = STORE_OK;
out:
	if (rc != STORE_OK)
		store_fail(err, "s3://%s: out of memory", loc->where);
	if (st) {
		free(st->bucket);
		free(st);
	}
	return rc;
}

static void s_close(void *state)
{
	struct s3_state *st = state;

	if (st == NULL)
		return;
	free(st->bucket);
	free(st->kms_key_id);
	free(st->kms_arn);
	free(st);
}

/* S3 refused (or did not answer): its one line, code, status and request id. */
static void s_fail_reply(struct aaa_err *err, const struct aws_reply *r)
{
	store_fail(err, "%s", r->message ? r->message : "S3 did not answer");
	aws_reply_detail(r, err);
}

static int s_not_found(const struct aws_reply *r)
{
	return r->resp.status == 404 || aws_error_is(&r->err, "NoSuchKey");
}

static int s_get(void *state, const char *pkey, struct store_object *out, struct aaa_err *err)
{
	struct s3_state *st = state;
	struct aws_reply r;
	const char *etag;
	int rc = STORE_ERROR, arc;

	memset(out, 0, sizeof(*out));
	arc = s3_get_object(st->bucket, pkey, &r);
	if (arc == 1 && s_not_found(&r)) {
		rc = STORE_NOT_FOUND;
		goto out;
	}
	if (arc != 0) {
		s_fail_reply(err, &r);
		goto out;
	}
	if (s_check_sse(st, pkey, &r, err) != 0)
		goto out;
	etag = http_response_header(&r.resp, "ETag");
	out->len = r.resp.body.len;
	out->data = malloc(out->len + 1);
	out->etag = str_dup(etag ? etag : "");
	if (out->data == NULL || out->etag == NULL) {
		store_fail(err, "S3 GetObject %s: out of memory", pkey);
		store_object_free(out);
		goto out;
	}
	if (out->len)
		memcpy(out->data, r.resp.body.data, out->len);
	out->data[out->len] = '\0';
	rc = STORE_OK;
out:
	/* The body may be a private key. */
	if (r.resp.body.data)
		mem_wipe(r.resp.body.data, r.resp.body.len);
	aws_reply_free(&r);
	return rc;
}

static void s_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int s_put(void *state, const char *pkey, const void *data, size_t len, unsigned flags,
		 enum store_cond cond, const char *etag, char **etag_out, struct aaa_err *err)
{
	struct s3_state *st = state;
	struct s3_put_options opt;
	struct aws_reply r;
	const char *tag;
	int rc = STORE_ERROR, arc, tries;

	(void)flags; /* every object is SSE-KMS: secrets need nothing more */
	memset(&r, 0, sizeof(r));
	memset(&opt, 0, sizeof(opt));
	opt.kms_key_id = st->kms_key_id;
	opt.if_none_match_star = cond == STORE_COND_IF_ABSENT;
	opt.if_match = cond == STORE_COND_IF_MATCH ? etag : NULL;
	for (tries = 1;; tries++) {
		aws_reply_free(&r);
		arc = s3_put_object(st->bucket, pkey, data, len, &opt, &r);
		if (arc == 1 && r.resp.status == 409 &&
		    aws_error_is(&r.err, "ConditionalRequestConflict") &&
		    tries < S3_CONFLICT_TRIES) {
			log_info("S3 PutObject %s: concurrent conditional write, retry %d/%d", pkey,
				 tries, S3_CONFLICT_TRIES);
			s_sleep_ms(100L * tries);
			continue;
		}
		break;
	}
	if (arc == 1 && cond != STORE_COND_NONE && (r.resp.status == 412 || r.resp.status == 409)) {
		log_debug("%s", r.message);
		rc = STORE_CONFLICT;
		goto out;
	}
	if (arc == 1 && cond == STORE_COND_IF_MATCH && s_not_found(&r)) {
		rc = STORE_NOT_FOUND;
		goto out;
	}
	if (arc != 0) {
		s_fail_reply(err, &r);
		goto out;
	}
	if (st->kms_key_id && s_is_alias(st->kms_key_id) && !st->kms_arn) {
		tag = http_response_header(&r.resp, "x-amz-server-side-encryption-aws-kms-key-id");
		st->kms_arn = tag ? str_dup(tag) : NULL;
	}
	if (etag_out) {
		tag = http_response_header(&r.resp, "ETag");
		*etag_out = str_dup(tag ? tag : "");
		if (*etag_out == NULL) {
			store_fail(err, "S3 PutObject %s: out of memory", pkey);
			goto out;
		}
	}
	rc = STORE_OK;
out:
	aws_reply_free(&r);
	return rc;
}

static int s_add_key(void *ctx, const char *key)
{
	return store_keys_add(ctx, key, strlen(key));
}

static int s_list(void *state, const char *pprefix, struct store_keys *out, struct aaa_err *err)
{
	struct s3_state *st = state;
	struct aws_reply r;
	int rc = STORE_ERROR;

	if (s3_list_objects(st->bucket, pprefix, 0, s_add_key, out, NULL, &r) != 0) {
		s_fail_reply(err, &r);
		goto out;
	}
	rc = STORE_OK;
out:
	aws_reply_free(&r);
	return rc;
}

static int s_del(void *state, const char *pkey, struct aaa_err *err)
{
	struct s3_state *st = state;
	struct aws_reply r;
	int rc = STORE_ERROR, arc;

	arc = s3_delete_object(st->bucket, pkey, &r);
	if (arc == 0 || (arc == 1 && s_not_found(&r))) {
		rc = STORE_OK;
		goto out;
	}
	s_fail_reply(err, &r);
out:
	aws_reply_free(&r);
	return rc;
}

/* One DeleteObjects per S3_DELETE_MAX keys; every batch is tried. */
static int s_del_many(void *state, const char *const *pkeys, size_t n, struct aaa_err *err)
{
	struct s3_state *st = state;
	struct aws_reply r;
	size_t at, m;
	int rc = STORE_OK;

	for (at = 0; at < n; at += m) {
		m = n - at < S3_DELETE_MAX ? n - at : S3_DELETE_MAX;
		if (s3_delete_objects(st->bucket, pkeys + at, m, &r) != 0) {
			s_fail_reply(err, &r);
			rc = STORE_ERROR;
		}
		aws_reply_free(&r);
	}
	return rc;
}

static const struct store_backend_ops s_ops = {"s3",  s_open, s_close, s_get,
					       s_put, s_list, s_del,   s_del_many};

__attribute__((constructor)) static void s_register(void)
{
	store_register_backend(&s_ops);
}
