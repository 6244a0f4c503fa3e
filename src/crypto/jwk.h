/*
 * Public keys as JSON Web Keys (RFC 7517/7518) and their RFC 7638
 * thumbprints, as ACME uses them: the account key in a JWS "jwk" header, the
 * thumbprint in every key authorization.
 *
 * RSA: {"e","kty":"RSA","n"} with minimal big-endian integers; EC:
 * {"crv":"P-256"|"P-384","kty":"EC","x","y"} with coordinates left-padded to
 * the field size (RFC 7518 6.2.1.2). Members are base64url without padding.
 * Only public members are ever produced.
 */
#ifndef AAA_CRYPTO_JWK_H
#define AAA_CRYPTO_JWK_H

#include <cjson/cJSON.h>

#include "crypto/key.h"

/* The public JWK of k (members in lexicographic order). Caller cJSON_Deletes. */
cJSON *jwk_public(const struct key *k);

/*
 * RFC 7638 thumbprint of a public JWK: base64url(SHA-256(JSON of the
 * required members in lexicographic order, no whitespace)). Extra members of
 * jwk are ignored. Caller frees; NULL if jwk lacks a required member.
 */
char *jwk_thumbprint(const cJSON *jwk);

/* Same for a key: jwk_thumbprint(jwk_public(k)). Caller frees. */
char *jwk_key_thumbprint(const struct key *k);

/*
 * A public-only key from a JWK (RSA or EC on P-256/P-384), e.g. to verify a
 * JWS. Refuses JWKs that carry private members ("d"), so a private key is
 * never accepted where a public one is expected. Caller frees.
 */
struct key *jwk_to_key(const cJSON *jwk);

#endif
