/*
 * CSRs: the request is read back with OpenSSL's own parser (this test file,
 * like the crypto/ it tests, may use OpenSSL), so names, CN, key and
 * signature are checked independently of how csr.c built them. Refusals
 * must name the bad input.
 */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crypto/b64.h"
#include "crypto/csr.h"
#include "crypto/key.h"
#include "log/log.h"
#include "test_crypto_util.h"

static X509_REQ *s_parse(const unsigned char *der, size_t len)
{
	const unsigned char *p = der;

	return d2i_X509_REQ(NULL, &p, (long)len);
}

/* The CN, or "" when the subject has none. Static buffer. */
static const char *s_cn(X509_REQ *req)
{
	static char cn[256];

	cn[0] = '\0';
	X509_NAME_get_text_by_NID(X509_REQ_get_subject_name(req), NID_commonName, cn, sizeof(cn));
	return cn;
}

/* The SAN dNSNames joined with ",". Static buffer. */
static const char *s_sans(X509_REQ *req)
{
	static char out[4096];
	STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(req);
	GENERAL_NAMES *gens = NULL;
	int i;

	out[0] = '\0';
	for (i = 0; i < sk_X509_EXTENSION_num(exts); i++) {
		X509_EXTENSION *e = sk_X509_EXTENSION_value(exts, i);

		if (OBJ_obj2nid(X509_EXTENSION_get_object(e)) == NID_subject_alt_name)
			gens = X509V3_EXT_d2i(e);
	}
	for (i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens); i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);

		if (g->type != GEN_DNS)
			continue;
		if (out[0])
			strcat(out, ",");
		strncat(out, (const char *)ASN1_STRING_get0_data(g->d.dNSName),
			(size_t)ASN1_STRING_length(g->d.dNSName));
	}
	GENERAL_NAMES_free(gens);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	return out;
}

TEST(crypto_csr_all_key_types)
{
	const char *names[] = {"example.com", "*.example.com", "www.example.com"};
	int t;

	for (t = 0; t < KEY_TYPE_MAX; t++) {
		struct key *k = tc_key((enum key_type)t);
		unsigned char *der = NULL;
		size_t len = 0;
		X509_REQ *req;
		EVP_PKEY *pub;

		REQUIRE(k != NULL);
		CHECK_INT(csr_create_der(k, "www.example.com", names, 3, &der, &len), 0);
		REQUIRE(der != NULL);
		req = s_parse(der, len);
		REQUIRE(req != NULL);
		pub = X509_REQ_get0_pubkey(req);
		CHECK_INT(X509_REQ_verify(req, pub), 1);
		CHECK_INT(X509_REQ_get_version(req), 0);
		CHECK_STR(s_cn(req), "www.example.com");
		CHECK_STR(s_sans(req), "example.com,*.example.com,www.example.com");
		X509_REQ_free(req);
		free(der);
	}
}

TEST(crypto_csr_signature_sha256)
{
	const char *names[] = {"a.example"};
	struct key *ec = tc_key(KEY_EC384), *rsa = tc_key(KEY_RSA2048);
	unsigned char *der = NULL;
	size_t len = 0;
	X509_REQ *req;
	const X509_ALGOR *alg = NULL;
	const ASN1_OBJECT *obj = NULL;

	REQUIRE(csr_create_der(ec, NULL, names, 1, &der, &len) == 0);
	req = s_parse(der, len);
	REQUIRE(req != NULL);
	X509_REQ_get0_signature(req, NULL, &alg);
	X509_ALGOR_get0(&obj, NULL, NULL, alg);
	CHECK_INT(OBJ_obj2nid(obj), NID_ecdsa_with_SHA256);
	/* cn NULL: the first name. */
	CHECK_STR(s_cn(req), "a.example");
	X509_REQ_free(req);
	free(der);
	REQUIRE(csr_create_der(rsa, NULL, names, 1, &der, &len) == 0);
	req = s_parse(der, len);
	REQUIRE(req != NULL);
	X509_REQ_get0_signature(req, NULL, &alg);
	X509_ALGOR_get0(&obj, NULL, NULL, alg);
	CHECK_INT(OBJ_obj2nid(obj), NID_sha256WithRSAEncryption);
	X509_REQ_free(req);
	free(der);
}

/* A CN longer than 64 characters is left out; the SAN still carries it. */
TEST(crypto_csr_long_cn_omitted)
{
	char longname[80];
	const char *names[] = {longname, "short.example"};
	unsigned char *der = NULL;
	size_t len = 0;
	X509_REQ *req;

	memset(longname, 'a', 60);
	strcpy(longname + 60, ".example.com"); /* 72 characters */
	REQUIRE(csr_create_der(tc_key(KEY_EC256), NULL, names, 2, &der, &len) == 0);
	req = s_parse(der, len);
	REQUIRE(req != NULL);
	CHECK_STR(s_cn(req), "");
	CHECK_INT(X509_NAME_entry_count(X509_REQ_get_subject_name(req)), 0);
	CHECK(strstr(s_sans(req), longname) != NULL);
	X509_REQ_free(req);
	free(der);
}

TEST(crypto_csr_pem_and_b64url)
{
	const char *names[] = {"example.org"};
	struct key *k = tc_key(KEY_EC256);
	char *pem = csr_create_pem(k, NULL, names, 1);
	char *b64 = csr_create_b64url(k, NULL, names, 1);
	unsigned char *der = NULL;
	size_t len = 0;
	BIO *bio;
	X509_REQ *req;

	REQUIRE(pem != NULL && b64 != NULL);
	CHECK(strncmp(pem, "-----BEGIN CERTIFICATE REQUEST-----\n", 36) == 0);
	bio = BIO_new_mem_buf(pem, -1);
	req = PEM_read_bio_X509_REQ(bio, NULL, NULL, NULL);
	CHECK(req != NULL && X509_REQ_verify(req, X509_REQ_get0_pubkey(req)) == 1);
	X509_REQ_free(req);
	BIO_free(bio);
	CHECK(strchr(b64, '=') == NULL && strchr(b64, '+') == NULL);
	der = b64url_decode(b64, strlen(b64), &len);
	req = der ? s_parse(der, len) : NULL;
	CHECK(req != NULL);
	CHECK_STR(req ? s_cn(req) : "", "example.org");
	X509_REQ_free(req);
	free(der);
	free(pem);
	free(b64);
}

/* Each refusal fails and its message contains the given text. */
static void s_refused(const char *cn, const char *const *names, size_t n, const char *want,
		      int line)
{
	unsigned char *der = NULL;
	size_t len = 0;

	harness_clear_errors();
	if (csr_create_der(tc_key(KEY_EC256), cn, names, n, &der, &len) == 0) {
		harness_fail(__FILE__, line, "CSR accepted");
		free(der);
		return;
	}
	if (der != NULL)
		harness_fail(__FILE__, line, "output set on failure");
	if (strstr(harness_last_error(), want) == NULL)
		harness_fail(__FILE__, line, "message \"%s\" lacks \"%s\"", harness_last_error(),
			     want);
}

TEST(crypto_csr_refusals)
{
	char label300[320];
	const char *one[] = {"example.com"};
	const char *dup[] = {"example.com", "EXAMPLE.com"};
	const char *wild[] = {"www.*.example.com"};
	const char *ldh[] = {"ex_ample.com"};
	const char *idn[] = {"b\xc3\xbc"
			     "cher.example"};
	const char *longl[] = {label300};

	memset(label300, 'q', 300);
	strcpy(label300 + 300, ".example.com");
	s_refused(NULL, one, 0, "CSR: no names given", __LINE__);
	s_refused(NULL, NULL, 0, "no names given", __LINE__);
	s_refused(NULL, dup, 2, "\"EXAMPLE.com\": given more than once", __LINE__);
	s_refused(NULL, wild, 1, "www.*.example.com", __LINE__);
	s_refused(NULL, ldh, 1, "character '_'", __LINE__);
	s_refused(NULL, idn, 1, "A-label (xn--", __LINE__);
	/* The 300-character label: too long overall, named (cut) in the message. */
	s_refused(NULL, longl, 1, "name \"qqqqqqqq", __LINE__);
	s_refused(NULL, longl, 1, "(312 characters)", __LINE__);
	s_refused("other.example", one, 1, "common name other.example is not one of the names",
		  __LINE__);
	/* A public-only key cannot sign. */
	{
		unsigned char *der = NULL;
		size_t len = 0;
		char *pem = key_public_pem(tc_key(KEY_EC256));
		BIO *bio = BIO_new_mem_buf(pem, -1);
		EVP_PKEY *p = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
		unsigned char *spki = NULL;
		int n = i2d_PUBKEY(p, &spki);
		struct key *pub = key_load_public_der(spki, (size_t)n, "pub");

		CHECK(pub != NULL);
		CHECK_INT(csr_create_der(pub, NULL, one, 1, &der, &len), -1);
		key_free(pub);
		OPENSSL_free(spki);
		EVP_PKEY_free(p);
		BIO_free(bio);
		free(pem);
	}
}
