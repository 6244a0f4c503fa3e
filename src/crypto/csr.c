#include "crypto/csr.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crypto/b64.h"
#include "crypto/hash.h"
#include "crypto/key_evp.h"
#include "crypto/names.h"
#include "log/log.h"

/* The subjectAltName extension with one dNSName per name. */
static X509_EXTENSION *s_san(const char *const *names, size_t n)
{
	GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
	X509_EXTENSION *ext = NULL;
	size_t i;

	if (gens == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		GENERAL_NAME *g = GENERAL_NAME_new();
		ASN1_IA5STRING *ia5 = ASN1_IA5STRING_new();

		if (g == NULL || ia5 == NULL ||
		    ASN1_STRING_set(ia5, names[i], (int)strlen(names[i])) != 1) {
			GENERAL_NAME_free(g);
			ASN1_IA5STRING_free(ia5);
			goto out;
		}
		GENERAL_NAME_set0_value(g, GEN_DNS, ia5);
		if (sk_GENERAL_NAME_push(gens, g) <= 0) {
			GENERAL_NAME_free(g);
			goto out;
		}
	}
	ext = X509V3_EXT_i2d(NID_subject_alt_name, 0, gens);
out:
	GENERAL_NAMES_free(gens);
	return ext;
}

/*
 * Builds and signs the request. Validation first, so a bad name never
 * reaches OpenSSL and the message names it.
 */
static X509_REQ *s_build(const struct key *k, const char *cn, const char *const *names, size_t n)
{
	STACK_OF(X509_EXTENSION) *exts = NULL;
	X509_EXTENSION *san = NULL;
	X509_NAME *subj = NULL;
	X509_REQ *req = NULL;
	struct aaa_err err;
	size_t i;
	int ok = 0;

	if (names_validate_list(names, n, &err) != 0) {
		log_error("CSR: %s", err.message);
		goto out;
	}
	if (cn == NULL)
		cn = names[0];
	for (i = 0; i < n && !name_equal(cn, names[i]); i++)
		;
	if (i == n) {
		log_error("CSR: common name %s is not one of the names", cn);
		goto out;
	}
	if (!key_has_private(k)) {
		log_error("CSR: no private key to sign with");
		goto out;
	}
	req = X509_REQ_new();
	subj = X509_NAME_new();
	san = s_san(names, n);
	exts = sk_X509_EXTENSION_new_null();
	if (req == NULL || subj == NULL || san == NULL || exts == NULL ||
	    X509_REQ_set_version(req, X509_REQ_VERSION_1) != 1)
		goto out;
	if (strlen(cn) <= CSR_CN_MAX &&
	    X509_NAME_add_entry_by_NID(subj, NID_commonName, MBSTRING_ASC,
				       (const unsigned char *)cn, -1, -1, 0) != 1)
		goto out;
	if (X509_REQ_set_subject_name(req, subj) != 1 || sk_X509_EXTENSION_push(exts, san) <= 0)
		goto out;
	san = NULL; /* owned by exts */
	if (X509_REQ_add_extensions(req, exts) != 1 || X509_REQ_set_pubkey(req, key_evp(k)) != 1 ||
	    X509_REQ_sign(req, key_evp(k), EVP_sha256()) <= 0)
		goto out;
	ok = 1;
out:
	if (!ok && req != NULL) {
		crypto_log_errors(__func__, "CSR");
		X509_REQ_free(req);
		req = NULL;
	}
	X509_EXTENSION_free(san);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_NAME_free(subj);
	return req;
}

int csr_create_der(const struct key *k, const char *cn, const char *const *names, size_t n,
		   unsigned char **der, size_t *derlen)
{
	X509_REQ *req = s_build(k, cn, names, n);
	unsigned char *buf = NULL;
	int len, rc = -1;

	*der = NULL;
	if (req == NULL)
		goto out;
	len = i2d_X509_REQ(req, &buf);
	if (len <= 0) {
		crypto_log_errors(__func__, "i2d_X509_REQ");
		goto out;
	}
	*der = malloc((size_t)len);
	if (*der == NULL)
		goto out;
	memcpy(*der, buf, (size_t)len);
	*derlen = (size_t)len;
	rc = 0;
out:
	OPENSSL_free(buf);
	X509_REQ_free(req);
	return rc;
}

char *csr_create_pem(const struct key *k, const char *cn, const char *const *names, size_t n)
{
	X509_REQ *req = s_build(k, cn, names, n);
	BIO *bio = NULL;
	char *data = NULL, *out = NULL;
	long len;

	if (req == NULL)
		goto out;
	bio = BIO_new(BIO_s_mem());
	if (bio == NULL || PEM_write_bio_X509_REQ(bio, req) != 1) {
		crypto_log_errors(__func__, "PEM_write_bio_X509_REQ");
		goto out;
	}
	len = BIO_get_mem_data(bio, &data);
	if (len <= 0)
		goto out;
	out = malloc((size_t)len + 1);
	if (out == NULL)
		goto out;
	memcpy(out, data, (size_t)len);
	out[len] = '\0';
out:
	BIO_free(bio);
	X509_REQ_free(req);
	return out;
}

char *csr_create_b64url(const struct key *k, const char *cn, const char *const *names, size_t n)
{
	unsigned char *der = NULL;
	size_t len = 0;
	char *out = NULL;

	if (csr_create_der(k, cn, names, n, &der, &len) == 0)
		out = b64url_encode(der, len);
	free(der);
	return out;
}
