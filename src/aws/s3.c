/*
 * S3 object operations over aws_call. See s3.h.
 */
#define _GNU_SOURCE
#include "aws/s3.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/paging.h"
#include "crypto/b64.h"
#include "crypto/hash.h"
#include "log/log.h"
#include "util/buf.h"
#include "util/mem.h"
#include "xml/xml.h"

static void s_init(struct aws_call *c, const char *op, const char *method, const char *bucket,
		   const char *key)
{
	aws_call_init(c, AWS_S3, op, method, NULL, key ? key : bucket);
	c->bucket = bucket;
	c->key = key;
}

/*
 * A bucket in another region answers 301 PermanentRedirect (or 400
 * AuthorizationHeaderMalformed) with x-amz-bucket-region: say which region
 * to set rather than leave the user with a bare redirect code. A missing
 * bucket is named, with the settings to check.
 */
static int s_region_hint(int rc, const char *bucket, struct aws_reply *reply)
{
	const char *region;
	char *m;

	if (rc != 1 || reply->message == NULL)
		return rc;
	if (aws_error_is(&reply->err, "NoSuchBucket")) {
		m = str_printf("%s; bucket %s does not exist here (check --s3-bucket/AAA_S3_BUCKET "
			       "and AWS_REGION)",
			       reply->message, bucket);
		if (m) {
			free(reply->message);
			reply->message = m;
		}
		return rc;
	}
	region = http_response_header(&reply->resp, "x-amz-bucket-region");
	if (region == NULL || !aws_region_valid(region))
		return rc;
	m = str_printf("%s; bucket %s is in region %s: set AWS_REGION=%s", reply->message, bucket,
		       region, region);
	if (m) {
		free(reply->message);
		reply->message = m;
	}
	return rc;
}

static int s_call(const struct aws_call *c, struct aws_reply *reply)
{
	return s_region_hint(aws_call(c, reply), c->bucket, reply);
}

int s3_get_object(const char *bucket, const char *key, struct aws_reply *reply)
{
	struct aws_call c;

	s_init(&c, "GetObject", "GET", bucket, key);
	return s_call(&c, reply);
}

/*
 * Every PUT asks for SSE-KMS explicitly, never trusting the bucket's
 * default: the bucket policy in deploy/ refuses anything else, and an
 * object written without it would hold a private key under S3-managed keys.
 */
int s3_put_object(const char *bucket, const char *key, const void *data, size_t len,
		  const struct s3_put_options *opt, struct aws_reply *reply)
{
	struct aws_call c;
	struct aws_header h[6];
	size_t n = 0;

	h[n].name = "Content-Type";
	h[n++].value = opt && opt->content_type ? opt->content_type : "application/octet-stream";
	h[n].name = "x-amz-server-side-encryption";
	h[n++].value = "aws:kms";
	if (opt && opt->kms_key_id) {
		h[n].name = "x-amz-server-side-encryption-aws-kms-key-id";
		h[n++].value = opt->kms_key_id;
	}
	h[n].name = "x-amz-server-side-encryption-bucket-key-enabled";
	h[n++].value = "true";
	if (opt && opt->if_none_match_star) {
		h[n].name = "If-None-Match";
		h[n++].value = "*";
	}
	if (opt && opt->if_match) {
		h[n].name = "If-Match";
		h[n++].value = opt->if_match;
	}
	s_init(&c, "PutObject", "PUT", bucket, key);
	c.headers = h;
	c.nheaders = n;
	c.body = data ? data : "";
	c.body_len = len;
	return s_call(&c, reply);
}

int s3_head_object(const char *bucket, const char *key, struct aws_reply *reply)
{
	struct aws_call c;

	s_init(&c, "HeadObject", "HEAD", bucket, key);
	return s_call(&c, reply);
}

int s3_delete_object(const char *bucket, const char *key, struct aws_reply *reply)
{
	struct aws_call c;

	s_init(&c, "DeleteObject", "DELETE", bucket, key);
	return s_call(&c, reply);
}

static int s_query_add(struct buf *q, const char *name, const char *value)
{
	return buf_printf(q, "%s%s=", q->len ? "&" : "", name) ||
	       aws_uri_encode_buf(q, value, strlen(value), 1);
}

/*
 * Pages through ListObjectsV2. Each page's buffers are freed at the top of
 * the pass; the continuation token is the only state carried over.
 */
int s3_list_objects(const char *bucket, const char *prefix, unsigned max_keys, s3_key_fn fn,
		    void *ctx, unsigned *pages, struct aws_reply *reply)
{
	struct aws_call c;
	struct aws_pager pg;
	struct buf q = BUF_INIT;
	char *trunc = NULL, mk[16];
	xmlDoc *doc = NULL;
	xmlNode *n;
	int rc = -1, more;

	memset(reply, 0, sizeof(*reply));
	aws_pager_init(&pg, "continuation token", "S3 ListObjectsV2 %s", bucket);
	do {
		buf_free(&q);
		if (doc)
			xmlFreeDoc(doc);
		doc = NULL;
		free(trunc);
		trunc = NULL;
		aws_reply_free(reply);
		if (aws_pager_start(&pg, reply) != 0)
			goto out;
		if (s_query_add(&q, "list-type", "2") ||
		    (pg.marker && s_query_add(&q, "continuation-token", pg.marker)))
			goto out;
		if (max_keys) {
			snprintf(mk, sizeof(mk), "%u", max_keys);
			if (s_query_add(&q, "max-keys", mk))
				goto out;
		}
		if (prefix && *prefix && s_query_add(&q, "prefix", prefix))
			goto out;
		s_init(&c, "ListObjectsV2", "GET", bucket, NULL);
		c.resource = prefix && *prefix ? prefix : bucket;
		c.query = q.data;
		rc = s_call(&c, reply);
		if (rc != 0)
			goto out;
		rc = -1;
		doc = xml_parse(reply->resp.body.data, reply->resp.body.len,
				"S3 ListObjectsV2 answer");
		if (doc == NULL || xml_root(doc) == NULL) {
			reply->message =
			    str_printf("S3 ListObjectsV2 %s: the answer is not XML", bucket);
			goto out;
		}
		for (n = xml_child(xml_root(doc), "Contents"); n; n = xml_next(n)) {
			char *key = xml_path_text(n, "Key");
			int frc = key ? fn(ctx, key) : -1;

			free(key);
			if (frc != 0)
				goto out;
		}
		trunc = xml_path_text(xml_root(doc), "IsTruncated");
		more = aws_pager_next(&pg, xml_path_text(xml_root(doc), "NextContinuationToken"),
				      trunc && strcmp(trunc, "true") == 0, reply);
	} while (more > 0);
	rc = more; /* 0: complete; -1: the pager refused the marker */
out:
	if (doc)
		xmlFreeDoc(doc);
	buf_free(&q);
	free(trunc);
	return aws_pager_end(&pg, rc, "failed", pages, reply);
}

/* The DeleteObjects body: <Delete><Quiet>true</Quiet><Object><Key>k</Key>
 * </Object>...</Delete>, keys escaped by libxml2. Caller frees. */
static char *s_delete_body(const char *const *keys, size_t n, size_t *len)
{
	xmlNode *root = NULL, *o;
	xmlDoc *doc = xml_new_doc("Delete", "http://s3.amazonaws.com/doc/2006-03-01/", &root);
	size_t i;
	int built = 0;

	if (doc == NULL || xml_add(root, "Quiet", "true") == NULL)
		goto out;
	for (i = 0; i < n; i++)
		if ((o = xml_add(root, "Object", NULL)) == NULL ||
		    xml_add(o, "Key", keys[i]) == NULL)
			goto out;
	built = 1;
out:
	return xml_finish(doc, built, len);
}

int s3_delete_objects(const char *bucket, const char *const *keys, size_t n,
		      struct aws_reply *reply)
{
	struct aws_call c;
	struct aws_header h[3];
	unsigned char sum[SHA256_LEN];
	char *body = NULL, *sum64 = NULL, *key = NULL, *code = NULL;
	xmlDoc *doc = NULL;
	xmlNode *e;
	size_t len = 0;
	int rc = -1;

	memset(reply, 0, sizeof(*reply));
	if (n == 0 || n > S3_DELETE_MAX) {
		reply->message = str_printf("S3 DeleteObjects %s: %zu keys (1 to %d a request)",
					    bucket, n, S3_DELETE_MAX);
		return -1;
	}
	if ((body = s_delete_body(keys, n, &len)) == NULL || crypto_sha256(body, len, sum) != 0 ||
	    (sum64 = b64_encode(sum, sizeof(sum))) == NULL)
		goto out;
	h[0].name = "Content-Type";
	h[0].value = "application/xml";
	h[1].name = "x-amz-sdk-checksum-algorithm";
	h[1].value = "SHA256";
	h[2].name = "x-amz-checksum-sha256";
	h[2].value = sum64;
	s_init(&c, "DeleteObjects", "POST", bucket, NULL);
	c.query = "delete=";
	c.headers = h;
	c.nheaders = 3;
	c.body = body;
	c.body_len = len;
	if ((rc = s_call(&c, reply)) != 0)
		goto out;
	/* 200 with <Error> elements: those keys are still there. */
	doc = xml_parse(reply->resp.body.data, reply->resp.body.len, "S3 DeleteObjects answer");
	if (doc == NULL || xml_root(doc) == NULL) {
		reply->message = str_printf("S3 DeleteObjects %s: the answer is not XML", bucket);
		rc = -1;
		goto out;
	}
	if ((e = xml_child(xml_root(doc), "Error")) != NULL) {
		key = xml_path_text_def(e, "Key", "?");
		code = xml_path_text_def(e, "Code", "?");
		reply->message = str_printf("S3 DeleteObjects %s: %s: %s (and maybe more keys)",
					    bucket, key ? key : "?", code ? code : "?");
		rc = 1;
	}
out:
	if (rc == -1 && reply->message == NULL)
		reply->message = str_printf("S3 DeleteObjects %s: failed", bucket);
	if (doc)
		xmlFreeDoc(doc);
	free(body);
	free(sum64);
	free(key);
	free(code);
	return rc;
}
