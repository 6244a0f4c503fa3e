#define _DEFAULT_SOURCE /* timegm */
#include "crypto/x509.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crypto/b64.h"
#include "crypto/hash.h"
#include "crypto/key_evp.h"
#include "crypto/names.h"
#include "log/log.h"
#include "util/mem.h"

struct cert {
	X509 *x;
};

static const char s_begin_cert[] = "-----BEGIN CERTIFICATE-----";

/* Occurrences of the certificate BEGIN line: what a complete parse must find. */
static size_t s_count_begin(const char *pem, size_t len)
{
	size_t i, n = 0, blen = sizeof(s_begin_cert) - 1;

	for (i = 0; i + blen <= len; i++) {
		if (memcmp(pem + i, s_begin_cert, blen) == 0) {
			n++;
			i += blen - 1;
		}
	}
	return n;
}

/*
 * Reads every certificate of a PEM text in order. PEM_read_bio_X509 skips
 * blocks of other types; comparing the number parsed with the number of
 * BEGIN lines catches a truncated or corrupt block, which OpenSSL would
 * otherwise report the same way as the end of the text.
 */
static STACK_OF(X509) * s_read_all(const char *pem, size_t len, const char *what)
{
	STACK_OF(X509) *certs = NULL;
	BIO *bio = NULL;
	X509 *x = NULL;
	size_t want;
	int ok = 0;

	if (pem == NULL || len == 0 || len > INT_MAX) {
		log_error("%s: empty certificate text", what);
		goto out;
	}
	want = s_count_begin(pem, len);
	if (want == 0) {
		log_error("%s: no PEM certificate found (no '%s' line)", what, s_begin_cert);
		goto out;
	}
	bio = BIO_new_mem_buf(pem, (int)len);
	certs = sk_X509_new_null();
	if (bio == NULL || certs == NULL)
		goto out;
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		if (sk_X509_push(certs, x) <= 0)
			goto out;
		x = NULL;
	}
	ERR_clear_error();
	if ((size_t)sk_X509_num(certs) != want) {
		log_error("%s: certificate %d of %zu is truncated or corrupt", what,
			  sk_X509_num(certs) + 1, want);
		goto out;
	}
	ok = 1;
out:
	X509_free(x);
	BIO_free(bio);
	if (!ok) {
		sk_X509_pop_free(certs, X509_free);
		certs = NULL;
	}
	return certs;
}

struct cert *cert_load_pem(const char *pem, size_t len, size_t *count, const char *what)
{
	STACK_OF(X509) *certs = NULL;
	struct cert *c = NULL;

	if (what == NULL)
		what = "certificate";
	certs = s_read_all(pem, len, what);
	if (certs == NULL)
		goto out;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		goto out;
	c->x = sk_X509_shift(certs);
	if (count != NULL)
		*count = (size_t)sk_X509_num(certs) + 1;
out:
	sk_X509_pop_free(certs, X509_free);
	return c;
}

struct cert *cert_load_der(const unsigned char *der, size_t len, const char *what)
{
	const unsigned char *p = der;
	struct cert *c = NULL;
	X509 *x = NULL;

	if (der == NULL || len == 0 || len > LONG_MAX)
		goto out;
	x = d2i_X509(NULL, &p, (long)len);
	if (x == NULL || p != der + len)
		goto out;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		goto out;
	c->x = x;
	x = NULL;
out:
	if (c == NULL) {
		ERR_clear_error();
		log_error("%s: not a DER certificate", what ? what : "certificate");
	}
	X509_free(x);
	return c;
}

void cert_free(struct cert *c)
{
	if (c == NULL)
		return;
	X509_free(c->x);
	free(c);
}

void cert_names_free(char **names, size_t n)
{
	size_t i;

	if (names == NULL)
		return;
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

char *cert_subject_cn(const struct cert *c)
{
	const X509_NAME *subj;
	unsigned char *utf8 = NULL;
	char *out = NULL;
	int idx, n;

	if (c == NULL)
		return NULL;
	subj = X509_get_subject_name(c->x);
	idx = X509_NAME_get_index_by_NID(subj, NID_commonName, -1);
	if (idx < 0)
		return NULL;
	n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, idx)));
	/* An embedded NUL would make the C string lie about the name. */
	if (n >= 0 && memchr(utf8, '\0', (size_t)n) == NULL)
		out = str_ndup((const char *)utf8, (size_t)n);
	OPENSSL_free(utf8);
	return out;
}

/* Appends name unless an equal one is already there; takes ownership. */
static int s_add_name(char ***names, size_t *n, char *name)
{
	char **grown;
	size_t i;

	for (i = 0; i < *n; i++) {
		if (name_equal((*names)[i], name)) {
			free(name);
			return 0;
		}
	}
	grown = realloc(*names, (*n + 1) * sizeof(*grown));
	if (grown == NULL) {
		free(name);
		return -1;
	}
	*names = grown;
	grown[(*n)++] = name;
	return 0;
}

int cert_dns_names(const struct cert *c, char ***names, size_t *n)
{
	GENERAL_NAMES *gens = NULL;
	char **list = NULL, *cn;
	size_t count = 0;
	int i, rc = -1;

	*names = NULL;
	*n = 0;
	if (c == NULL)
		goto out;
	/* A CA's CN ("R11") is not a host name: only a valid DNS name counts. */
	cn = cert_subject_cn(c);
	if (cn != NULL && name_validate(cn, NULL) != 0) {
		free(cn);
		cn = NULL;
	}
	if (cn != NULL && s_add_name(&list, &count, cn) != 0)
		goto out;
	gens = X509_get_ext_d2i(c->x, NID_subject_alt_name, NULL, NULL);
	for (i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const ASN1_IA5STRING *ia5;
		char *name;

		if (g->type != GEN_DNS)
			continue;
		ia5 = g->d.dNSName;
		if (ASN1_STRING_length(ia5) <= 0 ||
		    memchr(ASN1_STRING_get0_data(ia5), '\0', (size_t)ASN1_STRING_length(ia5)))
			continue;
		name = str_ndup((const char *)ASN1_STRING_get0_data(ia5),
				(size_t)ASN1_STRING_length(ia5));
		if (name == NULL || s_add_name(&list, &count, name) != 0)
			goto out;
	}
	ERR_clear_error();
	*names = list;
	*n = count;
	list = NULL;
	rc = 0;
out:
	cert_names_free(list, count);
	GENERAL_NAMES_free(gens);
	return rc;
}

static int s_time(const ASN1_TIME *t, time_t *out)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return -1;
	*out = timegm(&tm);
	return 0;
}

int cert_validity(const struct cert *c, time_t *not_before, time_t *not_after)
{
	if (c == NULL || s_time(X509_get0_notBefore(c->x), not_before) != 0 ||
	    s_time(X509_get0_notAfter(c->x), not_after) != 0) {
		log_error("cannot read the certificate's validity");
		return -1;
	}
	return 0;
}

char *cert_serial_hex(const struct cert *c)
{
	BIGNUM *bn = NULL;
	char *hex = NULL, *out = NULL, *p;

	if (c == NULL)
		return NULL;
	bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(c->x), NULL);
	hex = bn ? BN_bn2hex(bn) : NULL;
	if (hex == NULL) {
		crypto_log_errors(__func__, "serial number");
		goto out;
	}
	out = str_dup(hex);
	for (p = out; p != NULL && *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
out:
	OPENSSL_free(hex);
	BN_free(bn);
	return out;
}

/* A memory BIO's contents as a malloc'd string. */
static char *s_bio_str(BIO *bio)
{
	char *data = NULL;
	long n = BIO_get_mem_data(bio, &data);

	return n >= 0 ? str_ndup(n ? data : "", (size_t)n) : NULL;
}

char *cert_issuer(const struct cert *c)
{
	BIO *bio = NULL;
	char *out = NULL;

	if (c == NULL)
		return NULL;
	bio = BIO_new(BIO_s_mem());
	if (bio == NULL || X509_NAME_print_ex(bio, X509_get_issuer_name(c->x), 0,
					      XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0) {
		crypto_log_errors(__func__, "X509_NAME_print_ex");
		goto out;
	}
	out = s_bio_str(bio);
out:
	BIO_free(bio);
	return out;
}

int cert_aki(const struct cert *c, unsigned char **aki, size_t *len)
{
	const ASN1_OCTET_STRING *id;

	*aki = NULL;
	if (c == NULL)
		return -1;
	id = X509_get0_authority_key_id(c->x);
	ERR_clear_error();
	if (id == NULL || ASN1_STRING_length(id) <= 0)
		return -1;
	*len = (size_t)ASN1_STRING_length(id);
	*aki = malloc(*len);
	if (*aki == NULL)
		return -1;
	memcpy(*aki, ASN1_STRING_get0_data(id), *len);
	return 0;
}

/*
 * RFC 9773 4.1: the serial part is the DER encoding of the serial number
 * INTEGER without its tag and length, so a serial with the high bit set
 * keeps its leading zero byte. i2d gives the whole TLV; ASN1_get_object
 * skips the header.
 */
char *ari_cert_id(const struct cert *c)
{
	unsigned char *der = NULL, *aki = NULL;
	const unsigned char *p;
	char *a64 = NULL, *s64 = NULL, *out = NULL;
	size_t akilen = 0;
	long clen = 0;
	int n, tag, cls;

	if (cert_aki(c, &aki, &akilen) != 0) {
		log_error("certificate has no authority key identifier; no ARI id");
		goto out;
	}
	n = i2d_ASN1_INTEGER(X509_get0_serialNumber(c->x), &der);
	if (n <= 0)
		goto out;
	p = der;
	if ((ASN1_get_object(&p, &clen, &tag, &cls, n) & 0x80) || tag != V_ASN1_INTEGER ||
	    clen <= 0 || p + clen != der + n)
		goto out;
	a64 = b64url_encode(aki, akilen);
	s64 = b64url_encode(p, (size_t)clen);
	if (a64 != NULL && s64 != NULL)
		out = str_printf("%s.%s", a64, s64);
out:
	if (out == NULL)
		ERR_clear_error();
	OPENSSL_free(der);
	free(aki);
	free(a64);
	free(s64);
	return out;
}

char *cert_der_b64url(const struct cert *c)
{
	unsigned char *der = NULL;
	char *out = NULL;
	int n;

	if (c == NULL)
		return NULL;
	n = i2d_X509(c->x, &der);
	if (n > 0)
		out = b64url_encode(der, (size_t)n);
	OPENSSL_free(der);
	return out;
}

static int s_write_pem(BIO *bio, X509 *x)
{
	return PEM_write_bio_X509(bio, x) == 1 ? 0 : -1;
}

char *cert_pem(const struct cert *c)
{
	BIO *bio = NULL;
	char *out = NULL;

	if (c == NULL)
		return NULL;
	bio = BIO_new(BIO_s_mem());
	if (bio != NULL && s_write_pem(bio, c->x) == 0)
		out = s_bio_str(bio);
	BIO_free(bio);
	return out;
}

int cert_matches_key(const struct cert *c, const struct key *k)
{
	EVP_PKEY *pub;
	int r;

	if (c == NULL || k == NULL)
		return -1;
	pub = X509_get0_pubkey(c->x);
	if (pub == NULL) {
		crypto_log_errors(__func__, "certificate public key");
		return -1;
	}
	r = EVP_PKEY_eq(pub, key_evp(k));
	ERR_clear_error();
	if (r == 1)
		return 1;
	return (r == 0 || r == -1) ? 0 : -1;
}

int cert_split_pem(const char *pem, size_t len, char **leaf, char **chain, const char *what)
{
	STACK_OF(X509) *certs = NULL;
	BIO *lb = NULL, *cb = NULL;
	int i, rc = -1;

	*leaf = NULL;
	*chain = NULL;
	if (what == NULL)
		what = "certificate bundle";
	certs = s_read_all(pem, len, what);
	if (certs == NULL)
		goto out;
	lb = BIO_new(BIO_s_mem());
	cb = BIO_new(BIO_s_mem());
	if (lb == NULL || cb == NULL || s_write_pem(lb, sk_X509_value(certs, 0)) != 0)
		goto out;
	for (i = 1; i < sk_X509_num(certs); i++) {
		if (s_write_pem(cb, sk_X509_value(certs, i)) != 0)
			goto out;
	}
	*leaf = s_bio_str(lb);
	*chain = s_bio_str(cb);
	if (*leaf == NULL || *chain == NULL)
		goto out;
	rc = 0;
out:
	if (rc != 0) {
		free(*leaf);
		free(*chain);
		*leaf = *chain = NULL;
	}
	BIO_free(lb);
	BIO_free(cb);
	sk_X509_pop_free(certs, X509_free);
	return rc;
}

/* The leaf's SANs against the names asked for; 0 or -1 with err set. */
static int s_check_names(X509 *x, const char *const *names, size_t n, struct aaa_err *err)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	unsigned char *seen = calloc(n ? n : 1, 1);
	struct cert c = {x};
	char *cn = NULL;
	size_t j;
	int i, rc = -1;

	if (seen == NULL)
		goto oom;
	for (i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const ASN1_IA5STRING *ia5;
		char *name;

		if (g->type != GEN_DNS) {
			err_set(err, "acme", "",
				"the certificate has a subjectAltName of another kind (type %d) "
				"than the DNS names asked for",
				g->type);
			goto out;
		}
		ia5 = g->d.dNSName;
		name = str_ndup((const char *)ASN1_STRING_get0_data(ia5),
				(size_t)ASN1_STRING_length(ia5));
		if (name == NULL)
			goto oom;
		for (j = 0; j < n; j++)
			if (strlen(name) == (size_t)ASN1_STRING_length(ia5) &&
			    name_equal(name, names[j]))
				break;
		if (j == n) {
			err_set(err, "acme", "",
				"the certificate names %.*s, which was not asked for",
				(int)strnlen(name, 260), name);
			free(name);
			goto out;
		}
		free(name);
		seen[j] = 1;
	}
	for (j = 0; j < n; j++)
		if (!seen[j]) {
			err_set(err, "acme", "", "the certificate does not name %s", names[j]);
			goto out;
		}
	cn = cert_subject_cn(&c);
	if (cn != NULL) {
		for (j = 0; j < n && !name_equal(cn, names[j]); j++)
			;
		if (j == n) {
			err_set(err, "acme", "",
				"the certificate's subject CN %.*s was not asked for",
				(int)strnlen(cn, 260), cn);
			goto out;
		}
	}
	rc = 0;
	goto out;
oom:
	err_set(err, "internal", "", "cannot read the certificate's names: out of memory");
out:
	ERR_clear_error();
	free(cn);
	free(seen);
	GENERAL_NAMES_free(gens);
	return rc;
}

int cert_check_issued(const char *pem, size_t len, const struct key *k, const char *const *names,
		      size_t n, time_t now, long skew_s, struct aaa_err *err)
{
	STACK_OF(X509) *certs = NULL;
	struct cert leaf;
	time_t nb = 0, na = 0;
	int i, rc = -1;
	if ((certs = s_read_all(pem, len, "the issued certificate")) == NULL) {
		err_set(err, "acme", "", "the CA sent a certificate aaa cannot read");
		goto out;
	}
	leaf.x = sk_X509_value(certs, 0);
	if (cert_matches_key(&leaf, k) != 1) {
		err_set(err, "acme", "",
			"the certificate's public key is not the key of the request (CSR)");
		goto out;
	}
	if (s_check_names(leaf.x, names, n, err) != 0)
		goto out;
	if (cert_validity(&leaf, &nb, &na) != 0) {
		err_set(err, "acme", "", "cannot read the certificate's validity");
		goto out;
	}
	if (nb > now + skew_s) {
		err_set(err, "acme", "",
			"the certificate is not valid yet (notBefore is %lld s ahead)",
			(long long)(nb - now));
		goto out;
	}
	if (na <= now) {
		err_set(err, "acme", "", "the certificate has expired (notAfter was %lld s ago)",
			(long long)(now - na));
		goto out;
	}
	for (i = 0; i + 1 < sk_X509_num(certs); i++) {
		X509 *sub = sk_X509_value(certs, i), *iss = sk_X509_value(certs, i + 1);
		EVP_PKEY *ipub = X509_get0_pubkey(iss);

		if (X509_check_issued(iss, sub) != X509_V_OK || ipub == NULL ||
		    X509_verify(sub, ipub) != 1) {
			err_set(err, "acme", "",
				"the chain does not link: certificate %d is not issued and "
				"signed by certificate %d of the bundle",
				i + 1, i + 2);
			goto out;
		}
	}
	rc = 0;
out:
	ERR_clear_error();
	sk_X509_pop_free(certs, X509_free);
	return rc;
}

void cert_info_clear(struct cert_info *info)
{
	if (info == NULL)
		return;
	cert_names_free(info->names, info->nnames);
	free(info->serial);
	free(info->issuer);
	free(info->ari_id);
	memset(info, 0, sizeof(*info));
}

int cert_info_get(const char *pem, size_t len, struct cert_info *info, const char *what)
{
	struct cert *c = NULL;
	int rc = -1;

	memset(info, 0, sizeof(*info));
	c = cert_load_pem(pem, len, &info->ncerts, what);
	if (c == NULL || cert_dns_names(c, &info->names, &info->nnames) != 0 ||
	    cert_validity(c, &info->not_before, &info->not_after) != 0)
		goto out;
	info->serial = cert_serial_hex(c);
	info->issuer = cert_issuer(c);
	if (info->serial == NULL || info->issuer == NULL)
		goto out;
	/* No AKI is legal (self-signed roots); ARI then simply does not apply. */
	if (X509_get0_authority_key_id(c->x) != NULL)
		info->ari_id = ari_cert_id(c);
	rc = 0;
out:
	if (rc != 0)
		cert_info_clear(info);
	cert_free(c);
	return rc;
}
