/*
 * crypto/-internal view of struct key: the OpenSSL object behind it. Only
 * files under src/crypto/ include this header (it pulls in OpenSSL).
 */
#ifndef AAA_CRYPTO_KEY_EVP_H
#define AAA_CRYPTO_KEY_EVP_H

#include <openssl/evp.h>

#include "crypto/key.h"

struct key {
	EVP_PKEY *pkey;
	enum key_type type;
};

/* Borrowed: valid while k lives. */
EVP_PKEY *key_evp(const struct key *k);

/*
 * Wraps pkey after checking it is one of the supported types. Takes
 * ownership of pkey in every case (freed on failure). what names the source
 * in the error message. NULL on failure (logged).
 */
struct key *key_wrap_evp(EVP_PKEY *pkey, const char *what);

#endif
