/*
 * ACME orders (RFC 8555 7.4-7.6): new order, its authorizations and DNS-01
 * challenges, answering and polling, finalize with a CSR, certificate
 * download with alternate chains, and revocation. Failures leave the
 * message in c->error (also logged).
 */
#ifndef AAA_ACME_ORDER_H
#define AAA_ACME_ORDER_H

#include <stddef.h>

#include "acme/post.h"
#include "crypto/key.h"

struct acme_authz {
	char *url;	    /* owned */
	char *identifier;   /* owned: the name, "*." restored for a wildcard */
	char *status;	    /* owned */
	char *chall_url;    /* owned: the dns-01 challenge, NULL if none offered */
	char *chall_token;  /* owned */
	char *chall_status; /* owned: the dns-01 challenge's own status, may be NULL */
	char *expires;	    /* owned, may be NULL */
};

struct acme_order {
	char *url, *status, *finalize, *certificate, *expires; /* owned */
	char **authz_urls;
	size_t nauthz_urls;
	struct acme_authz *authz; /* filled by acme_order_authorizations */
	size_t nauthz;
	size_t nidentifiers; /* the order's own "identifiers" (what it is for) */
};

/* Fills the fields of o from an order object (url untouched). 0/-1. */
int acme_order_parse(const cJSON *json, struct acme_order *o);
void acme_order_clear(struct acme_order *o);

struct acme_order_opts {
	const char *profile;  /* a profile the directory lists, or NULL */
	const char *replaces; /* ARI certID of the certificate renewed (RFC 9773), or NULL */
};

/* The newOrder payload (names lower-cased). Caller cJSON_Deletes. */
cJSON *acme_order_payload(const char *const *names, size_t n, const struct acme_order_opts *opts);

/*
 * Validates names (crypto/names.h) and creates the order. opts may be NULL.
 * A profile the directory does not list is refused before any request;
 * "replaces" is sent only to a CA with renewalInfo, and when the CA
 * refuses the order with it (e.g. the certificate was already replaced),
 * the order is made again without it (logged).
 */
int acme_order_new(struct acme_client *c, const char *const *names, size_t n,
		   const struct acme_order_opts *opts, struct acme_order *o);
/* The order at url (a job resuming with only the URL); o->url is set. */
int acme_order_fetch(struct acme_client *c, const char *url, struct acme_order *o);
/* POST-as-GET each authorization; refuses one with no dns-01 challenge unless valid. */
int acme_order_authorizations(struct acme_client *c, struct acme_order *o);
/*
 * Tells the CA to validate. Skipped when the authorization is valid or the
 * challenge already left "pending" (RFC 8555 7.1.6: a job resumed after it
 * answered). When the CA refuses the answer, the authorization is read again
 * (a updated): a challenge that was answered meanwhile is not an error.
 */
int acme_challenge_answer(struct acme_client *c, struct acme_authz *a);
/* Polls until valid (0) or invalid/timeout (-1, message with the challenge's error). */
int acme_authz_wait(struct acme_client *c, struct acme_authz *a);
/*
 * Polls the order itself until it leaves "pending" (RFC 8555 7.1.6): one
 * request covers every authorization, where polling each costs one per
 * name. "ready" (or later) is 0; "invalid" is -1 and only then are the
 * authorizations fetched, to name the one that failed and the CA's error.
 */
int acme_order_wait_ready(struct acme_client *c, struct acme_order *o);
/*
 * Finalize with a CSR for the order's names signed by key (cn NULL: first
 * name), then poll until valid; o->certificate is then set. The same as
 * acme_order_finalize_send then acme_order_wait_valid, between which a
 * caller can do work of its own while the CA issues (the first poll is due
 * ACME_POLL_FIRST_MS after the finalize answer, whatever was done meanwhile).
 */
int acme_order_finalize_send(struct acme_client *c, struct acme_order *o, const struct key *key,
			     const char *const *names, size_t n);
int acme_order_wait_valid(struct acme_client *c, struct acme_order *o);
int acme_order_finalize(struct acme_client *c, struct acme_order *o, const struct key *key,
			const char *const *names, size_t n);
/*
 * Downloads the certificate chain (PEM, caller frees) and the alternate
 * chains' URLs (caller frees each and the array; may be NULL).
 */
int acme_certificate_download(struct acme_client *c, const char *url, char **pem, char ***alts,
			      size_t *nalts);
/*
 * 1 if the topmost certificate of a PEM chain was issued by a CA whose
 * subject CN is issuer_cn (certbot's --preferred-chain rule), 0 if not, -1
 * if the text holds no certificate.
 */
int acme_chain_issued_by(const char *pem, const char *issuer_cn);

/*
 * Downloads the default chain and, when preferred_issuer is set and the
 * default does not match it, each alternate (Link rel="alternate") until
 * one does; without a match the default is kept (logged). *pem caller
 * frees; *chosen (optional) is 0 for the default, i for alternate i;
 * alts/nalts (optional) receive the alternates' URLs as in
 * acme_certificate_download.
 */
int acme_certificate_download_preferred(struct acme_client *c, const char *url,
					const char *preferred_issuer, char **pem, size_t *chosen,
					char ***alts_out, size_t *nalts_out);

/*
 * revokeCert with a reason code (RFC 5280 5.3.1). cert_key NULL: signed by
 * the account; else by the certificate's own key (jwk in the header).
 */
int acme_revoke(struct acme_client *c, const char *cert_pem, int reason, struct key *cert_key);

/*
 * Delay before poll number attempt (0-based), counted from the request
 * that set the CA working (the last challenge answer, finalize) or from the
 * previous poll's answer: the Retry-After the CA gave (>= 0), in full, else
 * ACME_POLL_FIRST_MS growing by half each poll up to cap_ms. A CA that validates at once is
 * found done by the first poll; one that takes seconds costs a poll per
 * growth step; never sooner than the CA asked, never a tight loop. 100 ms,
 * not less: with 50 ms a loaded pebble was still validating at the first
 * poll, one more request per order (18 against 17 for 5 names, medians of 7
 * side by side) for no gain in wall time.
 */
#define ACME_POLL_FIRST_MS 100
long acme_poll_delay_ms(int attempt, long retry_after_s, long cap_ms);

/* RFC 5280 5.3.1 CRLReason names, indexed by code (NULL: 7 is unused, 8
 * removeFromCRL is not for ACME). */
#define ACME_REVOKE_REASON_MAX 11
extern const char *const acme_revoke_reason_names[ACME_REVOKE_REASON_MAX];

/* Reason name ("keyCompromise", "superseded", ..., any case) to code; -1 if unknown. */
int acme_revoke_reason_parse(const char *s);

/* 1 when a subscriber gives this reason for its own certificate
 * (unspecified, keyCompromise, affiliationChanged, superseded,
 * cessationOfOperation), else 0. */
int acme_revoke_reason_subscriber(int code);

/* "unspecified, keyCompromise, ... or cessationOfOperation": the
 * subscriber's reasons from the table, for messages; truncated to len. */
void acme_revoke_reason_choices(char *buf, size_t len);
/* The subscriber's reasons joined with sep, and last before the last one. */
void acme_revoke_reason_join(char *buf, size_t len, const char *sep, const char *last);

#endif
