/*
 * PKCS#12 with OpenSSL 3. See pkcs12.h.
 */
#include "crypto/pkcs12.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "crypto/hash.h"
#include "log/log.h"

/* The key, the leaf and the rest of the chain of two PEM texts. 0/-1. */
static int s_load(const char *key_pem, size_t key_len, const char *fullchain_pem,
		  size_t fullchain_len, EVP_PKEY **pkey, X509 **leaf, STACK_OF(X509) * *chain)
{
	BIO *kb = NULL, *cb = NULL;
	X509 *x = NULL;
	int rc = -1;

	*pkey = NULL;
	*leaf = NULL;
	*chain = NULL;
	if (key_len > INT_MAX || fullchain_len > INT_MAX)
		return -1;
	kb = BIO_new_mem_buf(key_pem, (int)key_len);
	cb = BIO_new_mem_buf(fullchain_pem, (int)fullchain_len);
	*chain = sk_X509_new_null();
	if (kb == NULL || cb == NULL || *chain == NULL)
		goto out;
	*pkey = PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL);
	*leaf = PEM_read_bio_X509(cb, NULL, NULL, NULL);
	if (*pkey == NULL || *leaf == NULL) {
		log_error("PKCS#12: the stored key or certificate does not parse");
		goto out;
	}
	while ((x = PEM_read_bio_X509(cb, NULL, NULL, NULL)) != NULL) {
		if (!sk_X509_push(*chain, x)) {
			X509_free(x);
			goto out;
		}
	}
	rc = 0;
out:
	ERR_clear_error(); /* the loop ends on "no start line" */
	BIO_free(kb);
	BIO_free(cb);
	if (rc != 0) {
		EVP_PKEY_free(*pkey);
		X509_free(*leaf);
		sk_X509_pop_free(*chain, X509_free);
		*pkey = NULL;
		*leaf = NULL;
		*chain = NULL;
	}
	return rc;
}

int pkcs12_build(const char *key_pem, size_t key_len, const char *fullchain_pem,
		 size_t fullchain_len, const char *password, const char *friendly_name,
		 unsigned char **der, size_t *len)
{
	EVP_PKEY *pkey = NULL;
	X509 *leaf = NULL;
	STACK_OF(X509) *chain = NULL;
	PKCS12 *p12 = NULL;
	unsigned char *p = NULL;
	int n = 0, rc = -1;

	*der = NULL;
	*len = 0;
	if (password == NULL ||
	    s_load(key_pem, key_len, fullchain_pem, fullchain_len, &pkey, &leaf, &chain) != 0)
		goto out;
	/* 0 for the algorithms, iterations and MAC: OpenSSL 3's defaults. */
	p12 = PKCS12_create(password, friendly_name, pkey, leaf, chain, 0, 0, 0, 0, 0);
	if (p12 == NULL) {
		crypto_log_errors(__func__, "PKCS12_create");
		goto out;
	}
	n = i2d_PKCS12(p12, &p);
	if (n <= 0) {
		crypto_log_errors(__func__, "i2d_PKCS12");
		goto out;
	}
	*der = malloc((size_t)n);
	if (*der == NULL)
		goto out;
	memcpy(*der, p, (size_t)n);
	*len = (size_t)n;
	rc = 0;
out:
	if (p)
		OPENSSL_clear_free(p, n > 0 ? (size_t)n : 0);
	PKCS12_free(p12);
	EVP_PKEY_free(pkey);
	X509_free(leaf);
	sk_X509_pop_free(chain, X509_free);
	return rc;
}

/* 1 when every certificate of a is in b and the counts agree. */
static int s_same_chain(const STACK_OF(X509) * a, const STACK_OF(X509) * b)
{
	int i, j, na = a ? sk_X509_num(a) : 0, nb = b ? sk_X509_num(b) : 0;

	if (na != nb)
		return 0;
	for (i = 0; i < na; i++) {
		for (j = 0; j < nb; j++)
			if (X509_cmp(sk_X509_value(a, i), sk_X509_value(b, j)) == 0)
				break;
		if (j == nb)
			return 0;
	}
	return 1;
}

int pkcs12_matches(const unsigned char *der, size_t len, const char *password, const char *key_pem,
		   size_t key_len, const char *fullchain_pem, size_t fullchain_len)
{
	const unsigned char *p = der;
	PKCS12 *p12 = NULL;
	EVP_PKEY *pkey = NULL, *have_key = NULL;
	X509 *leaf = NULL, *have_leaf = NULL;
	STACK_OF(X509) *chain = NULL, *have_chain = NULL;
	int same = 0;

	if (der == NULL || password == NULL || len > LONG_MAX)
		return 0;
	p12 = d2i_PKCS12(NULL, &p, (long)len);
	if (p12 == NULL || p != der + len ||
	    !PKCS12_parse(p12, password, &have_key, &have_leaf, &have_chain))
		goto out;
	if (s_load(key_pem, key_len, fullchain_pem, fullchain_len, &pkey, &leaf, &chain) != 0)
		goto out;
	same = have_key != NULL && have_leaf != NULL && EVP_PKEY_eq(have_key, pkey) == 1 &&
	       X509_cmp(have_leaf, leaf) == 0 && s_same_chain(have_chain, chain);
out:
	ERR_clear_error(); /* a wrong password or a foreign file is simply "not the same" */
	PKCS12_free(p12);
	EVP_PKEY_free(pkey);
	EVP_PKEY_free(have_key);
	X509_free(leaf);
	X509_free(have_leaf);
	sk_X509_pop_free(chain, X509_free);
	sk_X509_pop_free(have_chain, X509_free);
	return same;
}
