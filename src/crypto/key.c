#include "crypto/key_evp.h"

#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "crypto/hash.h"
#include "log/log.h"
#include "util/mem.h"

const char *const key_type_names[KEY_TYPE_MAX] = {
    [KEY_RSA2048] = "rsa2048", [KEY_RSA3072] = "rsa3072", [KEY_RSA4096] = "rsa4096",
    [KEY_EC256] = "ec256",     [KEY_EC384] = "ec384",
};

int key_type_parse(const char *s)
{
	int i;

	if (s == NULL)
		return -1;
	for (i = 0; i < KEY_TYPE_MAX; i++) {
		if (strcmp(s, key_type_names[i]) == 0)
			return i;
	}
	return -1;
}

int key_type_parse_nocase(const char *s)
{
	int i;

	for (i = 0; s && i < KEY_TYPE_MAX; i++)
		if (strcasecmp(s, key_type_names[i]) == 0)
			return i;
	return -1;
}

void key_type_join(char *buf, size_t len, const char *sep, const char *last)
{
	str_join(buf, len, key_type_names, KEY_TYPE_MAX, sep, last);
}

void key_type_choices(char *buf, size_t len)
{
	key_type_join(buf, len, ", ", " or ");
}

const char *key_type_name(enum key_type t)
{
	return (unsigned)t < KEY_TYPE_MAX ? key_type_names[t] : "unknown";
}

EVP_PKEY *key_evp(const struct key *k)
{
	return k ? k->pkey : NULL;
}

/*
 * Maps an OpenSSL key to one of our types, or writes a description of what
 * it is ("an RSA 1024-bit key", "an EC key on curve secp521r1", "a key of
 * type ED25519") into found. Only plain RSA (not RSA-PSS) with a standard
 * size and the two NIST curves that ACME CAs accept for both account and
 * certificate keys are supported.
 */
static int s_detect(EVP_PKEY *pkey, enum key_type *type, char *found, size_t foundlen)
{
	char group[80];
	size_t glen = 0;
	int bits, nid;

	if (EVP_PKEY_is_a(pkey, "RSA")) {
		bits = EVP_PKEY_get_bits(pkey);
		if (bits == 2048)
			*type = KEY_RSA2048;
		else if (bits == 3072)
			*type = KEY_RSA3072;
		else if (bits == 4096)
			*type = KEY_RSA4096;
		else {
			snprintf(found, foundlen, "an RSA %d-bit key", bits);
			return -1;
		}
		return 0;
	}
	if (EVP_PKEY_is_a(pkey, "EC")) {
		if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group,
						   sizeof(group), &glen) != 1) {
			ERR_clear_error();
			snprintf(found, foundlen, "an EC key with explicit curve parameters");
			return -1;
		}
		nid = OBJ_sn2nid(group);
		if (nid == NID_undef)
			nid = EC_curve_nist2nid(group);
		if (nid == NID_X9_62_prime256v1)
			*type = KEY_EC256;
		else if (nid == NID_secp384r1)
			*type = KEY_EC384;
		else {
			snprintf(found, foundlen, "an EC key on curve %s", group);
			return -1;
		}
		return 0;
	}
	snprintf(found, foundlen, "a key of type %s",
		 EVP_PKEY_get0_type_name(pkey) ? EVP_PKEY_get0_type_name(pkey) : "unknown");
	return -1;
}

static struct key *s_wrap(EVP_PKEY *pkey, const char *what)
{
	struct key *k = NULL;
	enum key_type type = KEY_TYPE_MAX;
	char found[128], types[128];

	if (pkey == NULL)
		goto out;
	if (s_detect(pkey, &type, found, sizeof(found)) != 0) {
		key_type_join(types, sizeof(types), ", ", ", ");
		log_error("%s: unsupported key: found %s; supported types are %s",
			  what ? what : "key", found, types);
		goto out;
	}
	k = calloc(1, sizeof(*k));
	if (k == NULL) {
		log_error("%s: out of memory", what ? what : "key");
		goto out;
	}
	k->pkey = pkey;
	k->type = type;
	pkey = NULL;
out:
	EVP_PKEY_free(pkey);
	return k;
}

struct key *key_wrap_evp(EVP_PKEY *pkey, const char *what)
{
	return s_wrap(pkey, what);
}

struct key *key_generate(enum key_type type)
{
	EVP_PKEY *pkey = NULL;

	switch (type) {
	case KEY_RSA2048:
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
		break;
	case KEY_RSA3072:
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072);
		break;
	case KEY_RSA4096:
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)4096);
		break;
	case KEY_EC256:
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		break;
	case KEY_EC384:
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
		break;
	default:
		log_error("unknown key type %d", (int)type);
		return NULL;
	}
	if (pkey == NULL) {
		crypto_log_errors(__func__, key_type_name(type));
		return NULL;
	}
	return s_wrap(pkey, key_type_name(type));
}

/* The passphrase callback: never supplies one, only records that it was asked. */
static int s_no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	*(int *)u = 1;
	return -1;
}

/*
 * Describes the first PEM block label in text ("CERTIFICATE"), so a refusal
 * can say what the file holds instead of only what it lacks.
 */
static void s_first_label(const char *pem, size_t len, char *out, size_t outlen)
{
	static const char begin[] = "-----BEGIN ";
	size_t i, j, o = 0;

	out[0] = '\0';
	for (i = 0; i + sizeof(begin) - 1 <= len; i++) {
		if (memcmp(pem + i, begin, sizeof(begin) - 1) != 0)
			continue;
		for (j = i + sizeof(begin) - 1; j < len && o + 1 < outlen; j++) {
			if (pem[j] == '-' && j + 1 < len && pem[j + 1] == '-')
				break;
			if (pem[j] < 0x20 || pem[j] > 0x7e)
				break;
			out[o++] = pem[j];
		}
		out[o] = '\0';
		return;
	}
}

/*
 * PEM_read_bio_PrivateKey_ex reads PKCS#8 and the traditional RSA and EC
 * forms (skipping an "EC PARAMETERS" block in front) through OpenSSL 3's
 * decoders. The passphrase callback refuses, so an encrypted key fails and
 * is reported as such rather than as a generic decode error.
 */
struct key *key_load_pem(const char *pem, size_t len, const char *what)
{
	struct key *k = NULL;
	EVP_PKEY *pkey = NULL;
	BIO *bio = NULL;
	int asked = 0;
	char label[64];

	if (what == NULL)
		what = "key";
	if (pem == NULL || len == 0 || len > INT_MAX) {
		log_error("%s: empty or unreadable key", what);
		goto out;
	}
	bio = BIO_new_mem_buf(pem, (int)len);
	if (bio == NULL) {
		crypto_log_errors(__func__, "BIO_new_mem_buf");
		goto out;
	}
	pkey = PEM_read_bio_PrivateKey_ex(bio, NULL, s_no_passphrase, &asked, NULL, NULL);
	ERR_clear_error();
	if (pkey == NULL) {
		s_first_label(pem, len, label, sizeof(label));
		if (asked || strstr(label, "ENCRYPTED") != NULL)
			log_error(
			    "%s: the private key is encrypted with a passphrase; aaa needs "
			    "it unencrypted (it is protected at rest by KMS): decrypt it with "
			    "'openssl pkey -in KEY -out PLAIN'",
			    what);
		else if (label[0] == '\0')
			log_error("%s: not a PEM private key (no '-----BEGIN' line found)", what);
		else if (strstr(label, "PRIVATE KEY") != NULL)
			log_error("%s: cannot decode the %s block (truncated or corrupt PEM?)",
				  what, label);
		else
			log_error("%s: no private key found (found a %s block)", what, label);
		goto out;
	}
	k = s_wrap(pkey, what);
	pkey = NULL;
out:
	EVP_PKEY_free(pkey);
	BIO_free(bio);
	return k;
}

struct key *key_load_public_der(const unsigned char *der, size_t len, const char *what)
{
	const unsigned char *p = der;
	EVP_PKEY *pkey = NULL;

	if (what == NULL)
		what = "public key";
	if (der == NULL || len == 0 || len > LONG_MAX) {
		log_error("%s: empty public key", what);
		return NULL;
	}
	pkey = d2i_PUBKEY(NULL, &p, (long)len);
	if (pkey == NULL || p != der + len) {
		ERR_clear_error();
		log_error("%s: not a DER SubjectPublicKeyInfo", what);
		EVP_PKEY_free(pkey);
		return NULL;
	}
	return s_wrap(pkey, what);
}

/* A public key of the named algorithm from an OSSL_PARAM list; what names
 * it in messages. */
static struct key *s_public_key(const char *alg, OSSL_PARAM_BLD *bld, const char *what)
{
	EVP_PKEY_CTX *ctx = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY *pkey = NULL;

	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, alg, NULL);
	if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
		crypto_log_errors(__func__, alg);
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	OSSL_PARAM_free(params);
	EVP_PKEY_CTX_free(ctx);
	return s_wrap(pkey, what);
}

struct key *key_from_rsa_public(const unsigned char *n, size_t nlen, const unsigned char *e,
				size_t elen)
{
	OSSL_PARAM_BLD *bld = NULL;
	BIGNUM *bn_n = NULL, *bn_e = NULL;
	struct key *k = NULL;

	if (n == NULL || e == NULL || nlen == 0 || elen == 0 || nlen > INT_MAX || elen > INT_MAX)
		goto out;
	bn_n = BN_bin2bn(n, (int)nlen, NULL);
	bn_e = BN_bin2bn(e, (int)elen, NULL);
	if (bn_n == NULL || bn_e == NULL)
		goto out;
	/* RFC 8017 3.1: an odd exponent, 3 <= e < n. OpenSSL builds a key from
	 * e = 0 or 1, which no signature can be checked with and which cannot
	 * be written back as a JWK. */
	if (!BN_is_odd(bn_e) || BN_is_one(bn_e) || BN_cmp(bn_e, bn_n) >= 0) {
		log_error("RSA public exponent must be odd, at least 3 and below the modulus");
		goto out;
	}
	bld = OSSL_PARAM_BLD_new();
	if (bld == NULL || OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) != 1) {
		crypto_log_errors(__func__, "RSA parameters");
		goto out;
	}
	k = s_public_key("RSA", bld, "RSA public key");
out:
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn_n);
	BN_free(bn_e);
	return k;
}

/*
 * The public point goes in as an uncompressed SEC1 octet string
 * (0x04 || X || Y, coordinates left-padded to the field size); OpenSSL
 * refuses a point that is not on the curve.
 */
struct key *key_from_ec_public(enum key_type type, const unsigned char *x, size_t xlen,
			       const unsigned char *y, size_t ylen)
{
	unsigned char point[1 + 2 * 48];
	OSSL_PARAM_BLD *bld = NULL;
	struct key *k = NULL;
	const char *group;
	size_t width;

	if (type == KEY_EC256) {
		group = "P-256";
		width = 32;
	} else if (type == KEY_EC384) {
		group = "P-384";
		width = 48;
	} else {
		log_error("not an EC key type: %s", key_type_name(type));
		goto out;
	}
	if (x == NULL || y == NULL || xlen > width || ylen > width) {
		log_error("%s: coordinate longer than %zu bytes", group, width);
		goto out;
	}
	memset(point, 0, sizeof(point));
	point[0] = 0x04;
	memcpy(point + 1 + width - xlen, x, xlen);
	memcpy(point + 1 + 2 * width - ylen, y, ylen);
	bld = OSSL_PARAM_BLD_new();
	if (bld == NULL ||
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, 1 + 2 * width) !=
		1) {
		crypto_log_errors(__func__, "EC parameters");
		goto out;
	}
	k = s_public_key("EC", bld, "EC public key");
out:
	OSSL_PARAM_BLD_free(bld);
	return k;
}

/*
 * Copies a memory BIO's contents into a fresh NUL-terminated malloc'd
 * string. The caller decides whether the BIO was secure memory.
 */
static char *s_bio_to_str(BIO *bio, size_t *len)
{
	char *data = NULL, *out;
	long n = BIO_get_mem_data(bio, &data);

	if (n < 0 || data == NULL)
		return NULL;
	out = malloc((size_t)n + 1);
	if (out == NULL)
		return NULL;
	memcpy(out, data, (size_t)n);
	out[n] = '\0';
	if (len != NULL)
		*len = (size_t)n;
	return out;
}

/*
 * The PEM is written into a secure-memory BIO, which OpenSSL cleanses when
 * it is freed, so the only plaintext copy left is the one handed back.
 */
char *key_save_pem(const struct key *k, size_t *len)
{
	BIO *bio = NULL;
	char *out = NULL;

	if (k == NULL || !key_has_private(k)) {
		log_error("no private key to save");
		goto out;
	}
	bio = BIO_new(BIO_s_secmem());
	if (bio == NULL || PEM_write_bio_PrivateKey(bio, k->pkey, NULL, NULL, 0, NULL, NULL) != 1) {
		crypto_log_errors(__func__, "PEM_write_bio_PrivateKey");
		goto out;
	}
	out = s_bio_to_str(bio, len);
	if (out == NULL)
		log_error("out of memory");
out:
	BIO_free(bio);
	return out;
}

char *key_public_pem(const struct key *k)
{
	BIO *bio = NULL;
	char *out = NULL;

	if (k == NULL)
		goto out;
	bio = BIO_new(BIO_s_mem());
	if (bio == NULL || PEM_write_bio_PUBKEY(bio, k->pkey) != 1) {
		crypto_log_errors(__func__, "PEM_write_bio_PUBKEY");
		goto out;
	}
	out = s_bio_to_str(bio, NULL);
out:
	BIO_free(bio);
	return out;
}

enum key_type key_get_type(const struct key *k)
{
	return k ? k->type : KEY_TYPE_MAX;
}

/*
 * Asks the key itself rather than remembering where it came from: an RSA
 * key pair has the private exponent, an EC key pair the private scalar.
 */
int key_has_private(const struct key *k)
{
	BIGNUM *bn = NULL;
	int rc;

	if (k == NULL)
		return 0;
	rc = EVP_PKEY_get_bn_param(k->pkey,
				   EVP_PKEY_is_a(k->pkey, "RSA") ? OSSL_PKEY_PARAM_RSA_D
								 : OSSL_PKEY_PARAM_PRIV_KEY,
				   &bn) == 1;
	BN_clear_free(bn);
	ERR_clear_error();
	return rc;
}

int key_public_equal(const struct key *a, const struct key *b)
{
	int r;

	if (a == NULL || b == NULL)
		return -1;
	r = EVP_PKEY_eq(a->pkey, b->pkey);
	ERR_clear_error();
	if (r == 1)
		return 1;
	/* 0: different keys; -1: different key types. */
	if (r == 0 || r == -1)
		return 0;
	return -1;
}

struct key *key_ref(struct key *k)
{
	struct key *copy;

	if (k == NULL || EVP_PKEY_up_ref(k->pkey) != 1)
		return NULL;
	copy = calloc(1, sizeof(*copy));
	if (copy == NULL) {
		EVP_PKEY_free(k->pkey);
		return NULL;
	}
	copy->pkey = k->pkey;
	copy->type = k->type;
	return copy;
}

void key_free(struct key *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pkey);
	free(k);
}
