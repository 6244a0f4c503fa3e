/*
 * DNS-01 values (RFC 8555 8.1 and 8.4). Pure functions.
 */
#ifndef AAA_ACME_CHALLENGE_H
#define AAA_ACME_CHALLENGE_H

/* token "." thumbprint. Caller frees; NULL if an input is NULL or has a '.'. */
char *acme_key_authorization(const char *token, const char *thumbprint);

/* base64url(SHA-256(key_authorization)), the TXT record value. Caller frees. */
char *acme_dns01_txt_value(const char *key_authorization);

/* "_acme-challenge.<name>" with a leading "*." removed, lower case. Caller frees. */
char *acme_dns01_record_name(const char *name);

#endif
