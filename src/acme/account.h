/*
 * ACME accounts (RFC 8555 7.3): create with explicit agreement to the
 * terms, look up, update contact, key rollover, deactivate. On success the
 * account URL is in c->kid; failures leave the message in c->error (also
 * logged).
 */
#ifndef AAA_ACME_ACCOUNT_H
#define AAA_ACME_ACCOUNT_H

#include "acme/post.h"

struct acme_account_opts {
	const char *email;    /* NULL: no contact */
	int agree;	      /* the user agreed to the CA's terms of service */
	const char *eab_kid;  /* External Account Binding key id, or NULL */
	const char *eab_hmac; /* its base64url MAC key (secret), or NULL */
};

/*
 * newAccount. Refuses before any request when the CA has terms and agree is
 * 0 (the message names the terms URL) or requires EAB and none is given.
 * *created (optional): 1 for 201, 0 when the key already had an account.
 */
int acme_account_register(struct acme_client *c, const struct acme_account_opts *o, int *created);

/* onlyReturnExisting: 0 and c->kid set if found; 1 if the CA has no account
 * for this key; -1 on error. */
int acme_account_lookup(struct acme_client *c);

/* Replaces the contact list with mailto:email (NULL: none). */
int acme_account_update_contact(struct acme_client *c, const char *email);

/*
 * keyChange (7.3.5): the inner JWS is signed by new_signer, the outer by the
 * current key. On success c->signer is new_signer (ownership taken, also on
 * failure) and the old signer is freed.
 */
int acme_account_key_change(struct acme_client *c, struct jws_signer *new_signer);

/* status "deactivated" (7.3.6): the account can never be used again. */
int acme_account_deactivate(struct acme_client *c);

/* The mailto: URI for an email, refusing anything that could smuggle in a
 * second URI or header ("," "?" whitespace). Caller frees; NULL if invalid. */
char *acme_contact_uri(const char *email);

#endif
