/*
 * Digests, HMAC, hex and random bytes (OpenSSL 3 EVP). Pure functions:
 * inputs in, fixed-size outputs through out-parameters, 0/-1.
 */
#ifndef AAA_CRYPTO_HASH_H
#define AAA_CRYPTO_HASH_H

#include <stddef.h>

#define SHA256_LEN 32
#define SHA384_LEN 48
#define SHA1_LEN   20

int crypto_sha256(const void *data, size_t len, unsigned char out[SHA256_LEN]);
/* Lower-case hex of SHA-256 into out (65 bytes with the NUL). */
int crypto_sha256_hex(const void *data, size_t len, char out[2 * SHA256_LEN + 1]);
/* Lower-case hex of SHA-1 into out (41 bytes with the NUL): only for names
 * other tools derive with it (the AWS CLI's SSO token cache file), never
 * for security. */
int crypto_sha1_hex(const void *data, size_t len, char out[2 * SHA1_LEN + 1]);
int crypto_hmac_sha256(const void *key, size_t keylen, const void *data, size_t len,
		       unsigned char out[SHA256_LEN]);
/* Writes 2*len lower-case hex digits and a NUL to out. */
void hex_encode(const unsigned char *in, size_t len, char *out);
/* The OpenSSL loaded now ("OpenSSL 3.0.15 3 Sep 2024"); static storage. */
const char *crypto_library_version(void);
/* Cryptographically secure random bytes; -1 if the CSPRNG fails. */
int crypto_random(void *out, size_t len);
/* Logs and clears OpenSSL's error queue, prefixed with the caller's context. */
void crypto_log_errors(const char *func, const char *what);

#endif
