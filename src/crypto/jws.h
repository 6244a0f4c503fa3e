/*
 * JSON Web Signatures as ACME uses them (RFC 8555 6.2, RFC 7515): the
 * flattened JSON serialization {"protected","payload","signature"}, with a
 * protected header of alg, nonce, url and either jwk or kid.
 *
 * Signing goes through struct jws_signer, an algorithm name, the public JWK
 * and a callback, so a key that never leaves a KMS can sign ACME requests:
 * its callback calls KMS Sign and converts the result with
 * jws_ecdsa_der_to_raw (ECDSA) or uses it as is (RSASSA-PKCS1-v1_5), and
 * crypto/ knows nothing about AWS. jws_signer_from_key wraps a local key.
 *
 * Algorithms: RS256 for RSA keys of every size, ES256 for P-256 and ES384
 * for P-384 (RFC 7518 3.1), HS256 only for External Account Binding.
 */
#ifndef AAA_CRYPTO_JWS_H
#define AAA_CRYPTO_JWS_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "crypto/key.h"

/*
 * Signs in[0..inlen) (the JWS signing input, not a digest) and returns the
 * JOSE signature bytes in *sig (malloc'd; the caller of the callback frees
 * them): the PKCS#1 v1.5 signature for RS256, raw r||s of fixed width for
 * ES256/ES384. A signer that can only sign digests computes one with
 * jws_alg_digest. 0 or -1 (logged).
 */
typedef int (*jws_sign_fn)(void *ctx, const unsigned char *in, size_t inlen, unsigned char **sig,
			   size_t *siglen);

struct jws_signer;

/*
 * A signer from its parts. alg is "RS256", "ES256" or "ES384"; jwk is the
 * public JWK (copied). ctx is handed to fn and, when ctx_free is not NULL,
 * released by jws_signer_free. NULL on failure (ctx is then not freed).
 */
struct jws_signer *jws_signer_new(const char *alg, const cJSON *jwk, jws_sign_fn fn, void *ctx,
				  void (*ctx_free)(void *ctx));

/* A signer for a local key pair; holds its own reference to k. */
struct jws_signer *jws_signer_from_key(struct key *k);

void jws_signer_free(struct jws_signer *s);

/* Borrowed views, valid while s lives. */
const char *jws_signer_alg(const struct jws_signer *s);
const cJSON *jws_signer_jwk(const struct jws_signer *s);

/* Runs the signer's callback; *sig is malloc'd, caller frees. */
int jws_signer_sign(const struct jws_signer *s, const void *in, size_t inlen, unsigned char **sig,
		    size_t *siglen);

/* "RS256", "ES256" or "ES384" for k's type; NULL if none. Static string. */
const char *jws_alg_for_key(const struct key *k);

/* Bytes of each of r and s in a raw ECDSA signature: 32 (ES256), 48 (ES384), 0 otherwise. */
size_t jws_ecdsa_width(const char *alg);

/*
 * The digest alg signs over (SHA-256 for RS256/ES256/HS256, SHA-384 for
 * ES384) into out (at least 48 bytes); length in *outlen. For signers that
 * sign a digest (KMS Sign with MessageType DIGEST).
 */
int jws_alg_digest(const char *alg, const void *data, size_t len, unsigned char *out,
		   size_t *outlen);

/*
 * Signs data with a local private key and returns the JOSE signature bytes
 * (see jws_sign_fn) in *sig; caller frees. 0 or -1.
 */
int jws_sign_bytes(const struct key *k, const void *data, size_t len, unsigned char **sig,
		   size_t *siglen);

/*
 * DER ECDSA-Sig-Value (what OpenSSL and KMS produce) to the raw r||s JOSE
 * uses: each integer left-padded with zeros to width bytes; out must hold
 * 2*width bytes. Refuses trailing data and integers wider than width.
 */
int jws_ecdsa_der_to_raw(const unsigned char *der, size_t derlen, size_t width, unsigned char *out);

/* The reverse, for verification: raw r||s (even length) to DER; caller frees *der. */
int jws_ecdsa_raw_to_der(const unsigned char *raw, size_t rawlen, unsigned char **der,
			 size_t *derlen);

/*
 * A flattened JWS for an ACME request. Protected header: alg, then kid if
 * kid is not NULL else the signer's jwk, then nonce (omitted when NULL, as
 * for the inner JWS of a key change), then url. payload is serialized
 * without whitespace; NULL means the empty payload of a POST-as-GET.
 * Returns the JSON object (caller cJSON_Deletes), NULL on failure.
 */
cJSON *jws_build(const struct jws_signer *s, const char *url, const char *nonce, const char *kid,
		 const cJSON *payload);

/* jws_build, printed without whitespace (the request body). Caller frees. */
char *jws_build_text(const struct jws_signer *s, const char *url, const char *nonce,
		     const char *kid, const cJSON *payload);

/*
 * The External Account Binding JWS of RFC 8555 7.3.4: protected
 * {"alg":"HS256","kid":kid,"url":url}, payload the account's public JWK,
 * MAC with the CA-issued key hmac_b64url (base64url; trailing '=' padding
 * tolerated). The result goes into newAccount's "externalAccountBinding".
 * Caller cJSON_Deletes; NULL on failure (a bad key is reported without
 * its value).
 */
cJSON *jws_eab(const char *kid, const char *hmac_b64url, const char *url, const cJSON *account_jwk);

/*
 * Verifies a flattened JWS (text). key: the public key to check with, or
 * NULL to use the "jwk" of the protected header (refused if the header has
 * no jwk). The header's alg must be the one for the key. On success the
 * decoded header (caller cJSON_Deletes) and payload (NUL-terminated,
 * caller frees) are returned through the optional out-parameters.
 * 0 valid, -1 invalid or malformed (logged at debug level only).
 */
int jws_verify(const char *text, const struct key *key, cJSON **header, char **payload,
	       size_t *payload_len);

/* Same for an HS256 JWS (EAB) with the raw MAC key. */
int jws_verify_hs256(const char *text, const unsigned char *mac_key, size_t keylen, cJSON **header,
		     char **payload, size_t *payload_len);

#endif
