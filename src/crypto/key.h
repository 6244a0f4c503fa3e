/*
 * Asymmetric keys: the ACME account key and certificate keys.
 *
 * struct key is opaque so nothing outside crypto/ needs OpenSSL headers. A
 * key holds either a key pair (generated or loaded from PEM) or only a
 * public key (built from JWK members or a SubjectPublicKeyInfo, e.g. the
 * public half of a KMS key). Only the five types below are supported; any
 * other key is refused when loaded, with a message naming what was found.
 */
#ifndef AAA_CRYPTO_KEY_H
#define AAA_CRYPTO_KEY_H

#include <stddef.h>

enum key_type { KEY_RSA2048, KEY_RSA3072, KEY_RSA4096, KEY_EC256, KEY_EC384, KEY_TYPE_MAX };

/* "rsa2048", "rsa3072", "rsa4096", "ec256", "ec384". */
extern const char *const key_type_names[KEY_TYPE_MAX];

struct key;

/* The type named s (exact, lower case as in key_type_names); -1 if unknown. */
int key_type_parse(const char *s);
/* Name of t for logs; "unknown" when out of range. */
const char *key_type_name(enum key_type t);
/* The case-insensitive match of s in key_type_names; -1 if unknown. */
int key_type_parse_nocase(const char *s);
/* "rsa2048, rsa3072, rsa4096, ec256 or ec384", from key_type_names, for
 * messages; truncated to len. */
void key_type_choices(char *buf, size_t len);
/* The names joined with sep, and last before the last one. */
void key_type_join(char *buf, size_t len, const char *sep, const char *last);

/* A fresh key pair; NULL on failure (logged). Caller frees with key_free. */
struct key *key_generate(enum key_type type);

/*
 * Loads a private key from PEM text: PKCS#8 ("PRIVATE KEY") or traditional
 * ("RSA PRIVATE KEY", "EC PRIVATE KEY"). Refuses encrypted keys, keys of an
 * unsupported type, curve or size, and text without a private key; the
 * logged error names `what` (a file name or storage key, for the message
 * only) and what was found. pem need not be NUL-terminated. Caller frees.
 */
struct key *key_load_pem(const char *pem, size_t len, const char *what);

/*
 * Loads a public key from a DER SubjectPublicKeyInfo (what KMS GetPublicKey
 * returns). Same type restrictions. Caller frees.
 */
struct key *key_load_public_der(const unsigned char *der, size_t len, const char *what);

/* Public-only RSA key from big-endian modulus and exponent (odd,
 * 3 <= e < n). Caller frees. */
struct key *key_from_rsa_public(const unsigned char *n, size_t nlen, const unsigned char *e,
				size_t elen);

/*
 * Public-only EC key on P-256 (type KEY_EC256) or P-384 (KEY_EC384) from the
 * big-endian affine coordinates (each at most the field size). Caller frees.
 */
struct key *key_from_ec_public(enum key_type type, const unsigned char *x, size_t xlen,
			       const unsigned char *y, size_t ylen);

/*
 * The private key as unencrypted PKCS#8 PEM, NUL-terminated, length in *len
 * (may be NULL). Caller must wipe and free it: str_wipe_free(). NULL on
 * failure or for a public-only key.
 */
char *key_save_pem(const struct key *k, size_t *len);

/* The public key as a SubjectPublicKeyInfo PEM ("PUBLIC KEY"). Caller frees. */
char *key_public_pem(const struct key *k);

enum key_type key_get_type(const struct key *k);

/* 1 if k holds a private key, 0 if public only. */
int key_has_private(const struct key *k);

/* 1 if a and b have the same public key, 0 if not, -1 on error. */
int key_public_equal(const struct key *a, const struct key *b);

/* A new reference to the same key (freed separately). NULL on failure. */
struct key *key_ref(struct key *k);

void key_free(struct key *k);

#endif
