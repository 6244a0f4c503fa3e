/*
 * The ACME client handle and its one way to talk to the CA: a JWS-signed
 * POST (RFC 8555 6.2), POST-as-GET for every read (6.3), nonces reused from
 * every response (7.2) and a bounded retry on badNonce (6.5).
 */
#ifndef AAA_ACME_POST_H
#define AAA_ACME_POST_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "acme/directory.h"
#include "acme/nonce.h"
#include "crypto/jws.h"

/* Each badNonce answer carries a fresh nonce, so a retry costs one request.
 * 15 keeps a CA that rejects half of all nonces (pebble's NONCEREJECT=50)
 * from failing an issuance (0.5^16 per request) while staying bounded. */
#define ACME_BADNONCE_RETRIES 15

struct acme_client {
	char *directory_url;	   /* owned */
	struct acme_directory dir; /* owned */
	struct jws_signer *signer; /* owned: the account key */
	char *kid;		   /* owned: account URL, NULL before newAccount */
	struct acme_nonce_pool nonces;
	unsigned long requests;	   /* HTTP requests to the CA, HEAD and directory included */
	unsigned long nonce_heads; /* of which HEAD newNonce */
	unsigned long bad_nonces;  /* badNonce answers retried */
	long poll_cap_ms;	   /* longest wait between polls without a Retry-After */
	long poll_timeout_ms;	   /* give up polling after this long */
	long asked_ms;		   /* CLOCK_MONOTONIC ms of the last challenge answer or
				      finalize (0: none): the first poll counts from it */
	long asked_retry_after_s;  /* that answer's Retry-After in s, -1 if none */
	/* The last signed request's refusal (reset by every request): its HTTP
	 * status (0: none or no answer), its Retry-After in s (-1 if none), and
	 * 1 when it was the CA's rateLimited problem or a 503 with Retry-After
	 * (the CA asks everyone to wait: the fleet pauses new orders). */
	long err_status;
	long err_retry_after_s;
	int err_rate_limited;
	char error[2048]; /* the last CA error, for the user */
};

struct acme_response {
	long status;
	char *body; /* owned, NUL-terminated */
	size_t body_len;
	cJSON *json;	   /* owned: body parsed when it is JSON, else NULL */
	char *location;	   /* owned, NULL if absent */
	char *retry_after; /* owned, NULL if absent */
	char **alternates; /* owned: Link rel="alternate" URLs */
	size_t nalternates;
	char *up; /* owned: Link rel="up" or NULL */
};

/*
 * 0 if url is on the directory's origin (or one AAA_ACME_ALLOW_ORIGINS
 * allows, https only); else -1 with c->error naming it. Every request to
 * the CA passes through it.
 */
int acme_url_allowed(struct acme_client *c, const char *url);

/*
 * Fetches the directory and takes ownership of signer (also on failure).
 * NULL on failure (logged).
 */
struct acme_client *acme_client_new(const char *directory_url, struct jws_signer *signer);
void acme_client_free(struct acme_client *c);

/*
 * Signed POST of payload to url (payload NULL: POST-as-GET). Uses kid when
 * set, else the jwk (newAccount, revocation by certificate key). signer:
 * NULL for the account key, else another key (then with its jwk). Returns
 * 0 for a 2xx answer; -1 otherwise with c->error set (a formatted problem
 * document or the transport failure) and, when the CA answered, r filled so
 * the caller may look at the problem. Caller frees r with
 * acme_response_free either way.
 */
int acme_post_with(struct acme_client *c, const struct jws_signer *signer, const char *url,
		   const cJSON *payload, struct acme_response *r);
int acme_post(struct acme_client *c, const char *url, const cJSON *payload,
	      struct acme_response *r);
int acme_post_as_get(struct acme_client *c, const char *url, struct acme_response *r);
void acme_response_free(struct acme_response *r);

/*
 * The URL of a Link header value with the given rel ("up", "alternate"),
 * e.g. `<https://ca/cert/1/1>;rel="alternate"`. Caller frees; NULL if the
 * value has no such link. Several links in one value are comma-separated.
 */
char *acme_link_find(const char *value, const char *rel, const char **next);

#endif
