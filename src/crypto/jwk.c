#include "crypto/jwk.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>

#include "crypto/b64.h"
#include "crypto/hash.h"
#include "crypto/key_evp.h"
#include "log/log.h"

/*
 * base64url of a big-endian integer: minimal length (RSA n/e, RFC 7518
 * 6.3.1) when width is 0, else left-padded to width bytes (EC x/y).
 */
static char *s_bn_b64url(const BIGNUM *bn, size_t width)
{
	unsigned char buf[1024];
	int n;

	if (width == 0) {
		if ((size_t)BN_num_bytes(bn) > sizeof(buf))
			return NULL;
		n = BN_bn2bin(bn, buf);
	} else {
		if (width > sizeof(buf))
			return NULL;
		n = BN_bn2binpad(bn, buf, (int)width);
	}
	if (n <= 0)
		return NULL;
	return b64url_encode(buf, (size_t)n);
}

/* Adds name: base64url(param of pkey) to obj. */
static int s_add_bn(cJSON *obj, const char *name, EVP_PKEY *pkey, const char *param, size_t width)
{
	BIGNUM *bn = NULL;
	char *s = NULL;
	int rc = -1;

	if (EVP_PKEY_get_bn_param(pkey, param, &bn) != 1) {
		crypto_log_errors(__func__, param);
		goto out;
	}
	s = s_bn_b64url(bn, width);
	if (s == NULL || cJSON_AddStringToObject(obj, name, s) == NULL)
		goto out;
	rc = 0;
out:
	free(s);
	BN_free(bn);
	return rc;
}

cJSON *jwk_public(const struct key *k)
{
	cJSON *jwk = NULL;
	EVP_PKEY *pkey = key_evp(k);
	int ok = 0;

	if (pkey == NULL)
		goto out;
	jwk = cJSON_CreateObject();
	if (jwk == NULL)
		goto out;
	switch (key_get_type(k)) {
	case KEY_RSA2048:
	case KEY_RSA3072:
	case KEY_RSA4096:
		ok = s_add_bn(jwk, "e", pkey, OSSL_PKEY_PARAM_RSA_E, 0) == 0 &&
		     cJSON_AddStringToObject(jwk, "kty", "RSA") != NULL &&
		     s_add_bn(jwk, "n", pkey, OSSL_PKEY_PARAM_RSA_N, 0) == 0;
		break;
	case KEY_EC256:
	case KEY_EC384: {
		size_t w = key_get_type(k) == KEY_EC256 ? 32 : 48;

		ok = cJSON_AddStringToObject(
			 jwk, "crv", key_get_type(k) == KEY_EC256 ? "P-256" : "P-384") != NULL &&
		     cJSON_AddStringToObject(jwk, "kty", "EC") != NULL &&
		     s_add_bn(jwk, "x", pkey, OSSL_PKEY_PARAM_EC_PUB_X, w) == 0 &&
		     s_add_bn(jwk, "y", pkey, OSSL_PKEY_PARAM_EC_PUB_Y, w) == 0;
		break;
	}
	default:
		break;
	}
out:
	if (!ok) {
		log_error("cannot build the public JWK");
		cJSON_Delete(jwk);
		jwk = NULL;
	}
	return jwk;
}

/* A string member of obj, or NULL. Borrowed. */
static const char *s_str(const cJSON *obj, const char *name)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsString(it) ? it->valuestring : NULL;
}

/*
 * RFC 7638 3.2/3.3: only the required members, in lexicographic order, no
 * whitespace. cJSON prints members in insertion order and the values are
 * plain ASCII (base64url or fixed names), so its unformatted output is the
 * canonical form.
 */
char *jwk_thumbprint(const cJSON *jwk)
{
	static const char *const rsa[] = {"e", "kty", "n", NULL};
	static const char *const ec[] = {"crv", "kty", "x", "y", NULL};
	const char *const *members;
	unsigned char md[SHA256_LEN];
	const char *kty = s_str(jwk, "kty");
	cJSON *canon = NULL;
	char *text = NULL, *out = NULL;
	size_t i;

	if (kty != NULL && strcmp(kty, "RSA") == 0)
		members = rsa;
	else if (kty != NULL && strcmp(kty, "EC") == 0)
		members = ec;
	else {
		log_error("JWK has no supported kty (RSA or EC)");
		goto out;
	}
	canon = cJSON_CreateObject();
	if (canon == NULL)
		goto out;
	for (i = 0; members[i] != NULL; i++) {
		const char *v = s_str(jwk, members[i]);

		if (v == NULL) {
			log_error("JWK lacks the \"%s\" member", members[i]);
			goto out;
		}
		if (cJSON_AddStringToObject(canon, members[i], v) == NULL)
			goto out;
	}
	text = cJSON_PrintUnformatted(canon);
	if (text == NULL || crypto_sha256(text, strlen(text), md) != 0)
		goto out;
	out = b64url_encode(md, sizeof(md));
out:
	cJSON_free(text);
	cJSON_Delete(canon);
	return out;
}

char *jwk_key_thumbprint(const struct key *k)
{
	cJSON *jwk = jwk_public(k);
	char *out = jwk ? jwk_thumbprint(jwk) : NULL;

	cJSON_Delete(jwk);
	return out;
}

/* Decodes a base64url member; caller frees. */
static unsigned char *s_member(const cJSON *jwk, const char *name, size_t *len)
{
	const char *v = s_str(jwk, name);
	unsigned char *out;

	if (v == NULL) {
		log_error("JWK lacks the \"%s\" member", name);
		return NULL;
	}
	out = b64url_decode(v, strlen(v), len);
	if (out == NULL)
		log_error("JWK member \"%s\" is not base64url", name);
	return out;
}

struct key *jwk_to_key(const cJSON *jwk)
{
	unsigned char *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;
	const char *kty = s_str(jwk, "kty"), *crv;
	struct key *k = NULL;

	if (cJSON_GetObjectItemCaseSensitive(jwk, "d") != NULL) {
		log_error("JWK holds a private key where a public key is expected");
		goto out;
	}
	if (kty != NULL && strcmp(kty, "RSA") == 0) {
		a = s_member(jwk, "n", &alen);
		b = s_member(jwk, "e", &blen);
		if (a != NULL && b != NULL)
			k = key_from_rsa_public(a, alen, b, blen);
	} else if (kty != NULL && strcmp(kty, "EC") == 0) {
		enum key_type t;

		crv = s_str(jwk, "crv");
		if (crv != NULL && strcmp(crv, "P-256") == 0)
			t = KEY_EC256;
		else if (crv != NULL && strcmp(crv, "P-384") == 0)
			t = KEY_EC384;
		else {
			log_error("JWK curve %s is not supported (P-256, P-384)",
				  crv ? crv : "(none)");
			goto out;
		}
		a = s_member(jwk, "x", &alen);
		b = s_member(jwk, "y", &blen);
		/* RFC 7518 6.2.1.2: coordinates are exactly the field size. */
		if (a != NULL && b != NULL) {
			size_t w = t == KEY_EC256 ? 32 : 48;

			if (alen != w || blen != w)
				log_error("JWK %s coordinates must be %zu bytes", crv, w);
			else
				k = key_from_ec_public(t, a, alen, b, blen);
		}
	} else {
		log_error("JWK kty %s is not supported (RSA, EC)", kty ? kty : "(none)");
	}
out:
	free(a);
	free(b);
	return k;
}
