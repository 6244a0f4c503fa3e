/*
 * The one generic AWS call every service client uses: credentials (the
 * default chain, resolved once per process and cached), endpoint, SigV4,
 * http_send on the shared handle, an adaptive client-side rate limit per
 * service (ratelimit.h), retries with full-jitter backoff and
 * RequestTimeTooSkewed clock correction, and AWS errors parsed into code,
 * message and request id.
 *
 * A service client fills a struct aws_call, calls aws_call(), and reads the
 * final answer from struct aws_reply. Nothing is logged at error level here:
 * the caller decides whether a 404 or a 412 is an error (the store's
 * "not found" and "someone else won" are results), and logs reply->message,
 * a complete line such as
 *   S3 PutObject aaa-data/v1/x: AccessDenied: Access Denied (request id X, HTTP 403)
 *   S3 GetObject aaa-data/v1/x: connection refused ... after 8 attempts
 */
#ifndef AAA_AWS_CLIENT_H
#define AAA_AWS_CLIENT_H

#include <stddef.h>

#include "aws/awserr.h"
#include "aws/credentials.h"
#include "aws/endpoint.h"
#include "aws/retry.h"
#include "aws/sigv4.h"
#include "http/http.h"
#include "util/err.h"

struct aws_call {
	enum aws_service service;
	const char *operation; /* "PutObject", for messages */
	const char *resource;  /* "aaa-data/v1/x" or NULL, for messages */
	const char *method;
	const char *path;   /* wire path (encoded once); ignored when bucket is set */
	const char *bucket; /* S3: bucket (path or virtual-host style per endpoint.h) */
	const char *key;    /* S3: raw object key, encoded here ('/' kept); may be NULL */
	const char *query;  /* wire query without '?', or NULL */
	const struct aws_header *headers; /* extra headers (never Host or x-amz-date) */
	size_t nheaders;
	const void *body;
	size_t body_len;
	/* NULL: the retry policy default. Tests and latency-bound callers may
	 * pass a tighter one. */
	const struct aws_retry_policy *policy;
	/* NULL: the process's default chain. Else these (borrowed), e.g. an
	 * assumed role for a hosted zone in another account. */
	const struct aws_credentials *credentials;
	/* NULL: the configured one. Else this region (borrowed), e.g. ACM in
	 * us-east-1 for CloudFront, or the region in a listener's ARN. */
	const char *region;
	/* 1: sent unsigned, with no credentials at all (STS
	 * AssumeRoleWithWebIdentity, the SSO portal: the request carries its
	 * own token). The credentials chain itself calls these, so they must
	 * never ask it for credentials. */
	int anonymous;
};

/* The final answer. Free with aws_reply_free (also after a failure). */
struct aws_reply {
	struct http_response resp; /* status 0 when no HTTP answer arrived */
	struct aws_error err;	   /* filled when the final answer is not 2xx */
	char *message;		   /* one line for the user when rc != 0; owned */
	unsigned attempts;
};

/*
 * Sends c, retrying what retry.h calls retryable. Returns 0 when the final
 * answer is 2xx (3xx for HEAD/GET conditional answers are also 0), 1 when it
 * is an AWS error answer (reply->err, reply->message set), -1 when no answer
 * arrived or nothing could be sent (credentials, endpoint, transport;
 * reply->message says which). Logs retries at info/debug level only.
 */
int aws_call(const struct aws_call *c, struct aws_reply *reply);
/* c emptied, then set for service svc's operation op sent with method to
 * path (NULL for S3's bucket and key), about resource (for messages; may be
 * NULL). The caller adds the rest (query, headers, body, ...). */
void aws_call_init(struct aws_call *c, enum aws_service svc, const char *op, const char *method,
		   const char *path, const char *resource);
void aws_reply_free(struct aws_reply *reply);
/*
 * The AWS detail of reply into err, whose source and message the caller set:
 * AWS's error code (when the answer was an AWS error), the HTTP status and
 * the request id, so a refusal can be quoted to AWS support.
 */
void aws_reply_detail(const struct aws_reply *reply, struct aaa_err *err);

/*
 * The STS AssumeRole adapter for role_arn profiles, set by the STS client
 * at startup (before the first call). Without it such profiles fail with a
 * clear message from the credentials chain.
 */
void aws_client_set_assume_role(aws_assume_role_fn fn, void *ctx);
/* The same for web identity (STS AssumeRoleWithWebIdentity) and SSO
 * profiles (the portal's GetRoleCredentials, SSO OIDC's token refresh);
 * sts_install sets them all. */
void aws_client_set_web_identity(aws_web_identity_fn fn, void *ctx);
void aws_client_set_sso(aws_sso_role_fn fn, void *ctx, aws_sso_refresh_fn refresh,
			void *refresh_ctx);
/* Region for regional services (cached): borrowed, NULL when none is
 * configured. 0/-1 (invalid configuration, logged). */
int aws_client_region(const char **out);
/*
 * The time this process's work must end by: fn(ctx) gives the milliseconds
 * left (-1: no deadline). Throttling answers are waited out until then
 * (retry.h's patient_throttling), so a Lambda invocation stops retrying in
 * time to save its job. NULL fn: no deadline (the CLI).
 */
void aws_client_set_time_left(long long (*fn)(void *ctx), void *ctx);
/*
 * The adaptive rate limiter of service s (ratelimit.h), for tests and the
 * bench: *enabled 1 once throttled, *rate the send rate it allows, and
 * *throttles the throttling answers seen. Borrowed values; any may be NULL.
 */
void aws_client_rate(enum aws_service s, int *enabled, double *rate, unsigned long *throttles);
/* Server clock minus ours, learnt from a RequestTimeTooSkewed answer. */
long aws_client_clock_skew(void);
/* Frees the cached credentials chain and region and forgets the clock
 * offset (end of process, tests). */
void aws_client_cleanup(void);

/*
 * The line for a transport failure: "<label>: <error>, after N attempts"
 * (just "<label>: <error>" for one attempt). Caller frees.
 */
char *aws_client_transport_message(const char *label, const char *error, unsigned attempts);

/* The container/IMDS fetch of the credentials chain (aws_fetch_fn) over
 * http/, never through a proxy; the response body is wiped after the copy
 * is handed over. Exposed for tools that build their own chain. */
int aws_client_fetch(void *ctx, const struct aws_fetch_request *req,
		     struct aws_fetch_response *resp);

#endif
