/*
 * S3 client: the object operations aaa needs, over aws_call (which
 * signs with S3's single path encoding and payload hash, and retries).
 * Keys are raw here and encoded once by the endpoint layer ('/' kept);
 * path-style addressing on custom endpoints comes from endpoint.h.
 *
 * Every function returns 0 on a 2xx answer, 1 on an AWS error answer
 * (reply->err.http_status / code say which: 404 NoSuchKey, 412
 * PreconditionFailed...), -1 when no answer arrived; reply->message is the
 * one line for the user. Nothing is logged at error level: the caller
 * decides. Free the reply with aws_reply_free in every case.
 */
#ifndef AAA_AWS_S3_H
#define AAA_AWS_S3_H

#include <stddef.h>

#include "aws/client.h"

struct s3_put_options {
	const char *kms_key_id;	  /* SSE-KMS key id/ARN/alias; NULL: the bucket's default key */
	const char *if_match;	  /* If-Match: etag (as S3 sent it) */
	int if_none_match_star;	  /* If-None-Match: * (create if absent) */
	const char *content_type; /* NULL: application/octet-stream */
};

/* The object's bytes are in reply->resp.body, its ETag in the ETag header. */
int s3_get_object(const char *bucket, const char *key, struct aws_reply *reply);
/* Always with x-amz-server-side-encryption: aws:kms and the bucket key. */
int s3_put_object(const char *bucket, const char *key, const void *data, size_t len,
		  const struct s3_put_options *opt, struct aws_reply *reply);
int s3_head_object(const char *bucket, const char *key, struct aws_reply *reply);
int s3_delete_object(const char *bucket, const char *key, struct aws_reply *reply);

/* DeleteObjects: the most keys one request may name. */
#define S3_DELETE_MAX 1000

/*
 * Deletes keys[0..n) (n at most S3_DELETE_MAX) with one DeleteObjects in
 * quiet mode, sent with its SHA-256 checksum (S3 requires an integrity
 * header on this call). Keys that did not exist count as deleted, as S3
 * says. 0 when every key is gone; 1 when S3 refused the request or named
 * keys it could not delete (reply->message names the first and its code);
 * -1 as above.
 */
int s3_delete_objects(const char *bucket, const char *const *keys, size_t n,
		      struct aws_reply *reply);

/* Called for each key of a listing, in S3's order; non-zero stops with -1. */
typedef int (*s3_key_fn)(void *ctx, const char *key);

/*
 * ListObjectsV2 under prefix, following continuation tokens to the end;
 * max_keys 0 is S3's default page (1000). pages, when not NULL, receives
 * the number of requests made. 0, 1 or -1 as above (-1 also when fn
 * failed or an answer was not the XML ListBucketResult).
 */
int s3_list_objects(const char *bucket, const char *prefix, unsigned max_keys, s3_key_fn fn,
		    void *ctx, unsigned *pages, struct aws_reply *reply);

#endif
