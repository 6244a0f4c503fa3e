/*
 * HTTP client: the only user of libcurl. One easy handle is kept for the
 * whole process, so connections stay alive across calls and across warm
 * Lambda invocations. TLS verification is always on; AAA_CA_BUNDLE adds a
 * trusted CA file (test CAs such as pebble's) to the system bundle.
 *
 * A transport failure (no answer) is not an HTTP status: http_send returns
 * -1 and fills resp->error; any answer, 200 or 503, returns 0 with
 * resp->status set.
 *
 * http_get_many sends many GETs side by side (libcurl's multi interface),
 * for callers that ask one server about many things at once, like the
 * scheduler's ARI re-check.
 */
#ifndef AAA_HTTP_HTTP_H
#define AAA_HTTP_HTTP_H

#include <stddef.h>

#include "util/buf.h"

#define HTTP_DEFAULT_CONNECT_TIMEOUT_MS 5000L
#define HTTP_DEFAULT_TIMEOUT_MS		30000L
#define HTTP_NO_TIMEOUT			(-1L)
#define HTTP_DEFAULT_MAX_RESPONSE	(8u * 1024u * 1024u)

struct http_header {
	char *name;
	char *value;
};

struct http_request {
	const char *method; /* GET, HEAD, POST, PUT, DELETE, ... */
	const char *url;
	const char *const *headers; /* "Name: value" strings, NULL-terminated; may be NULL */
	const void *body;	    /* may be NULL */
	size_t body_len;
	long connect_timeout_ms; /* 0: default */
	long timeout_ms;	 /* 0: default; HTTP_NO_TIMEOUT: none (Lambda /next) */
	size_t max_response;	 /* 0: default; a larger body is a transport error */
	int no_proxy;		 /* never use a proxy (the local Lambda Runtime API) */
};

struct http_response {
	long status; /* 0 when there was no answer */
	struct buf body;
	struct http_header *headers; /* of the final response only */
	size_t nheaders;
	char error[256]; /* transport error, for the user */
	/* A transport error that may pass on a retry (reset, timeout, refused,
	 * DNS); 0 for TLS verification, a bad URL, a response too large. */
	int retryable;
};

/* Once per process (idempotent). Reads AAA_CA_BUNDLE. 0/-1. */
int http_init(void);
/* Frees the shared handle and the CA bundle. */
void http_cleanup(void);
/*
 * Sends req and fills resp (caller frees with http_response_free, also after
 * a failure). Returns 0 when an HTTP response arrived, -1 on transport
 * failure (resp->error says why: connect refused, timeout, TLS, too large).
 */
int http_send(const struct http_request *req, struct http_response *resp);
/*
 * At most this many GETs of one http_get_many call are in flight: enough to
 * hide a round trip's latency behind the others (8 GETs of ~100 ms each
 * take ~100 ms, not 800), few enough that no server sees a burst from one
 * client (Let's Encrypt's ARI endpoint takes 1,000 requests/s overall).
 */
#define HTTP_GET_MANY_MAX 8

/* One GET of http_get_many: url and limits in, resp and rc out. */
struct http_get {
	const char *url;	   /* borrowed */
	long timeout_ms;	   /* the whole request: 0 default, as http_request's */
	size_t max_response;	   /* 0: default */
	struct http_response resp; /* as http_send fills it; caller frees */
	int rc;			   /* as http_send returns: 0 answered, -1 transport failure */
	int sent; /* 0: never started, the budget was spent first (rc -1, retryable) */
};

/*
 * Sends the n GETs of gets, in order, at most http_parallel(parallel, n) at
 * once, with the TLS settings, user agent and limits of http_send (each its
 * own timeout, counted from its own start). budget_ms > 0 bounds the whole
 * call: no GET starts after it, and none runs past it (its timeout is cut to
 * what is left); those never started end with sent 0. Every gets[i] ends
 * with rc and resp set as http_send would set them, also when the client
 * itself failed (the reason in resp.error); the caller frees each resp.
 * Returns how many were answered (rc 0), whatever their HTTP status.
 */
size_t http_get_many(struct http_get *gets, size_t n, int parallel, long budget_ms);
/* How many GETs http_get_many runs at once for n of them: parallel, or
 * HTTP_GET_MANY_MAX when parallel is below 1 or above it; never above n. */
int http_parallel(int parallel, size_t n);
/* First header with this name, any case; borrowed; NULL if absent. */
const char *http_response_header(const struct http_response *resp, const char *name);
void http_response_free(struct http_response *resp);
/*
 * The origin of an absolute URL, "scheme://host:port" in lower case with
 * the scheme's default port filled in; NULL for a URL that does not parse.
 * Caller frees.
 */
char *http_url_origin(const char *url);
/* Number of new connections opened so far (tests of keep-alive). */
long http_connections_opened(void);
/* The version of the libcurl loaded now, with its TLS library ("8.1.2
 * (OpenSSL/3.0.15)"); static storage. */
const char *http_library_version(void);

#endif
