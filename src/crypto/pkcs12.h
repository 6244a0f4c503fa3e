/*
 * PKCS#12 (RFC 7292) files for servers that want one (Java keystores,
 * Windows, some appliances): the private key, the leaf certificate and its
 * chain under one password, with OpenSSL 3's default algorithms (AES-256-CBC
 * with PBKDF2, an HMAC-SHA256 MAC).
 */
#ifndef AAA_CRYPTO_PKCS12_H
#define AAA_CRYPTO_PKCS12_H

#include <stddef.h>

/*
 * A PKCS#12 of key_pem and fullchain_pem (leaf first, then the chain)
 * protected by password, the leaf under friendly_name. *der (caller wipes
 * and frees) and *len. 0, or -1 (logged).
 */
int pkcs12_build(const char *key_pem, size_t key_len, const char *fullchain_pem,
		 size_t fullchain_len, const char *password, const char *friendly_name,
		 unsigned char **der, size_t *len);

/*
 * 1 when der opens with password and holds exactly this key, this leaf and
 * this chain (the chain in any order), else 0: a PKCS#12 is salted afresh
 * each time it is built, so its bytes cannot be compared to tell whether
 * it must be written again.
 */
int pkcs12_matches(const unsigned char *der, size_t len, const char *password, const char *key_pem,
		   size_t key_len, const char *fullchain_pem, size_t fullchain_len);

#endif
