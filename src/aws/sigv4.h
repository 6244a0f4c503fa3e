/*
 * AWS Signature Version 4 (AWS4-HMAC-SHA256), header and presigned-query
 * forms. A pure function of its inputs: the time, the credentials and the
 * request all come in; nothing is read from the clock or the environment.
 *
 * How a service client uses it: build the request (method, wire path, wire
 * query, headers including Host, body) -> sigv4_sign() -> send the request
 * with sigv4_header_lines() and the result's query -> classify the answer.
 *
 * Path model (the one botocore and aws-c-auth share): req->path is the path
 * exactly as it goes on the wire, already URI-encoded once by the client
 * (aws_uri_encode(key, 0)). For most services the canonical path is that
 * wire path normalised (".", ".." and empty segments removed) and encoded
 * a second time, as the SigV4 spec requires. S3 is the exception: its
 * canonical path is the wire path itself, never normalised or re-encoded
 * (SIGV4_PATH_ENCODED, part of SIGV4_S3).
 *
 * The session token is signed (x-amz-security-token is in SignedHeaders, or
 * X-Amz-Security-Token in the canonical query), as S3, KMS, Route53, STS and
 * every other service aaa calls expect. SIGV4_OMIT_TOKEN selects the legacy
 * variant (token attached after signing) that the test suite also covers.
 */
#ifndef AAA_AWS_SIGV4_H
#define AAA_AWS_SIGV4_H

#include <stddef.h>
#include <time.h>

#include "aws/awstime.h"
#include "aws/credentials.h"
#include "util/buf.h"

#define SIGV4_ALGORITHM	       "AWS4-HMAC-SHA256"
#define SIGV4_UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"
#define SIGV4_EMPTY_SHA256     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define SIGV4_MAX_EXPIRES      604800UL /* presigned URLs: 7 days at most */

/* A borrowed name/value view of one HTTP header. */
struct aws_header {
	const char *name;
	const char *value;
};

enum sigv4_flags {
	/* Keep ".", ".." and "//" in the canonical path (S3, and the
	 * "-unnormalized" vectors). */
	SIGV4_NO_NORMALIZE = 1u << 0,
	/* The canonical path is the wire path verbatim: no second encoding,
	 * no normalisation (S3's single encoding). */
	SIGV4_PATH_ENCODED = 1u << 1,
	/* Header mode: add and sign x-amz-content-sha256 (required by S3). */
	SIGV4_CONTENT_SHA256 = 1u << 2,
	/* Presigned URL: the signature goes into the query string. */
	SIGV4_PRESIGN = 1u << 3,
	/* Legacy: attach the session token after signing, unsigned. */
	SIGV4_OMIT_TOKEN = 1u << 4,
};
#define SIGV4_S3 (SIGV4_NO_NORMALIZE | SIGV4_PATH_ENCODED | SIGV4_CONTENT_SHA256)

struct sigv4_request {
	const char *method;		  /* "GET", "PUT", ... */
	const char *path;		  /* wire path; NULL or "" means "/" */
	const char *query;		  /* wire query without '?'; NULL or "" for none */
	const struct aws_header *headers; /* must hold Host; never x-amz-date, authorization,
					     x-amz-security-token, x-amz-content-sha256 */
	size_t nheaders;
	const void *payload; /* the body (may be NULL when payload_len is 0) */
	size_t payload_len;
	/* NULL: SHA-256 of payload. Otherwise its lower-case hex SHA-256
	 * (precomputed) or SIGV4_UNSIGNED_PAYLOAD. */
	const char *payload_hash;
};

struct sigv4_params {
	const struct aws_credentials *creds; /* borrowed */
	const char *region;		     /* signing region ("us-east-1" for global services) */
	const char *service;		     /* signing name ("s3", "route53", ...) */
	time_t now;
	unsigned flags;	       /* enum sigv4_flags */
	unsigned long expires; /* SIGV4_PRESIGN: X-Amz-Expires, 1..SIGV4_MAX_EXPIRES */
};

#define SIGV4_MAX_ADDED 4

/*
 * Everything the signer produced, each stage on its own (tests compare them
 * one by one; a SignatureDoesNotMatch is debugged by logging
 * canonical_request at debug level). Owned by the result; free with
 * sigv4_result_free (which wipes, as the token may appear in several).
 */
struct sigv4_result {
	char *canonical_request;
	char *string_to_sign;
	char *signed_headers;		     /* "host;x-amz-date" */
	char *scope;			     /* "20150830/us-east-1/service/aws4_request" */
	char amz_date[AWS_AMZ_DATE_LEN + 1]; /* "20150830T123600Z" */
	char payload_hash[2 * 32 + 1];	     /* hex digest or UNSIGNED-PAYLOAD */
	char signature[2 * 32 + 1];	     /* hex */
	char *authorization;		     /* header mode: the Authorization value */
	/* The query string to send (without '?', "" when none): the canonical
	 * query, which is a valid encoding of the caller's; in presign mode it
	 * carries the X-Amz-* parameters and X-Amz-Signature. */
	char *query;
	/* Header mode: the headers to add to the request, in this order:
	 * X-Amz-Date, X-Amz-Security-Token, x-amz-content-sha256,
	 * Authorization (each only when it applies). Values point into this
	 * result. Empty in presign mode. */
	struct aws_header added[SIGV4_MAX_ADDED];
	size_t nadded;
	char *token; /* private copy of the session token the views point to */
};

/* Signs req. out is filled (and must be freed) also after a failure. 0/-1,
 * errors logged with the reason (never a secret). */
int sigv4_sign(const struct sigv4_request *req, const struct sigv4_params *p,
	       struct sigv4_result *out);
void sigv4_result_free(struct sigv4_result *r);

/*
 * The request's headers followed by the signer's, as "Name: value" strings
 * for http_request.headers: NULL-terminated, caller frees with
 * sigv4_header_lines_free (which wipes: Authorization and the token).
 */
char **sigv4_header_lines(const struct sigv4_request *req, const struct sigv4_result *r);
void sigv4_header_lines_free(char **lines);

/* The stages, exposed so each one can be checked on its own. */

/* Canonical URI for a wire path under flags (SIGV4_NO_NORMALIZE,
 * SIGV4_PATH_ENCODED). Caller frees; NULL on allocation failure. */
char *sigv4_canonical_path(const char *path, unsigned flags);
/* Canonical query string of a wire query: each key and value decoded then
 * encoded strictly, sorted by encoded key then value. Caller frees. */
char *sigv4_canonical_query(const char *query);
/* "AWS4-HMAC-SHA256\n<amz_date>\n<scope>\n<hex sha256(canonical)>". Caller frees. */
char *sigv4_string_to_sign(const char *amz_date, const char *scope, const char *canonical_request);
/* kSigning = HMAC chain over date (YYYYMMDD), region, service, "aws4_request". 0/-1. */
int sigv4_signing_key(const char *secret, const char *date8, const char *region,
		      const char *service, unsigned char key[32]);
/* Hex HMAC-SHA256(kSigning, string_to_sign). 0/-1. */
int sigv4_signature(const char *secret, const char *date8, const char *region, const char *service,
		    const char *string_to_sign, char hex[2 * 32 + 1]);

/*
 * URI encoding as SigV4 defines it (RFC 3986 unreserved characters kept,
 * every other byte as %XX with upper-case hex). encode_slash = 0 keeps '/'
 * (object keys in S3 paths), 1 encodes it (query values, path segments).
 */
char *aws_uri_encode(const char *s, int encode_slash);
int aws_uri_encode_buf(struct buf *b, const void *s, size_t len, int encode_slash);

#endif
