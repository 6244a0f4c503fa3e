/*
 * A small pool of ACME nonces. Every response's Replay-Nonce goes in, each
 * signed request takes one out, so HEAD newNonce is only needed when the
 * pool is empty (the first request, or after errors that carried none).
 */
#ifndef AAA_ACME_NONCE_H
#define AAA_ACME_NONCE_H

#define ACME_NONCE_POOL 4

struct acme_nonce_pool {
	char *n[ACME_NONCE_POOL]; /* owned; newest last */
	int count;
};

/* Adds a copy of nonce (ignored when NULL/empty); drops the oldest when full. */
void acme_nonce_put(struct acme_nonce_pool *p, const char *nonce);
/* The newest nonce (caller frees), NULL when empty. */
char *acme_nonce_take(struct acme_nonce_pool *p);
void acme_nonce_clear(struct acme_nonce_pool *p);

#endif
