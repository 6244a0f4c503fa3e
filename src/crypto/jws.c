#include "crypto/jws.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "crypto/b64.h"
#include "crypto/hash.h"
#include "crypto/jwk.h"
#include "crypto/key_evp.h"
#include "log/log.h"
#include "util/mem.h"

struct jws_signer {
	char alg[8];
	cJSON *jwk;
	jws_sign_fn fn;
	void *ctx;
	void (*ctx_free)(void *ctx);
};

/* The message digest alg uses; NULL for anything we do not support. */
static const EVP_MD *s_md(const char *alg)
{
	if (alg == NULL)
		return NULL;
	if (strcmp(alg, "RS256") == 0 || strcmp(alg, "ES256") == 0 || strcmp(alg, "HS256") == 0)
		return EVP_sha256();
	if (strcmp(alg, "ES384") == 0)
		return EVP_sha384();
	return NULL;
}

size_t jws_ecdsa_width(const char *alg)
{
	if (alg != NULL && strcmp(alg, "ES256") == 0)
		return 32;
	if (alg != NULL && strcmp(alg, "ES384") == 0)
		return 48;
	return 0;
}

const char *jws_alg_for_key(const struct key *k)
{
	switch (key_get_type(k)) {
	case KEY_RSA2048:
	case KEY_RSA3072:
	case KEY_RSA4096:
		return "RS256";
	case KEY_EC256:
		return "ES256";
	case KEY_EC384:
		return "ES384";
	default:
		return NULL;
	}
}

int jws_alg_digest(const char *alg, const void *data, size_t len, unsigned char *out,
		   size_t *outlen)
{
	const EVP_MD *md = s_md(alg);
	unsigned int n = 0;

	if (md == NULL) {
		log_error("unsupported JWS algorithm %s", alg ? alg : "(null)");
		return -1;
	}
	if (EVP_Digest(data, len, out, &n, md, NULL) != 1) {
		crypto_log_errors(__func__, "EVP_Digest");
		return -1;
	}
	*outlen = n;
	return 0;
}

/*
 * OpenSSL does the DER parsing (d2i_ECDSA_SIG) and the fixed-width output
 * (BN_bn2binpad); we only insist that nothing follows the signature and
 * that each integer fits, which a well-formed signature always does.
 */
int jws_ecdsa_der_to_raw(const unsigned char *der, size_t derlen, size_t width, unsigned char *out)
{
	const unsigned char *p = der;
	const BIGNUM *r = NULL, *s = NULL;
	ECDSA_SIG *sig = NULL;
	int rc = -1;

	if (der == NULL || width == 0 || width > 66 || derlen > LONG_MAX)
		goto out;
	sig = d2i_ECDSA_SIG(NULL, &p, (long)derlen);
	if (sig == NULL || p != der + derlen) {
		ERR_clear_error();
		log_error("malformed DER ECDSA signature");
		goto out;
	}
	ECDSA_SIG_get0(sig, &r, &s);
	if (BN_is_negative(r) || BN_is_negative(s) || (size_t)BN_num_bytes(r) > width ||
	    (size_t)BN_num_bytes(s) > width || BN_bn2binpad(r, out, (int)width) != (int)width ||
	    BN_bn2binpad(s, out + width, (int)width) != (int)width) {
		log_error("ECDSA signature does not fit %zu-byte integers", width);
		goto out;
	}
	rc = 0;
out:
	ECDSA_SIG_free(sig);
	return rc;
}

int jws_ecdsa_raw_to_der(const unsigned char *raw, size_t rawlen, unsigned char **der,
			 size_t *derlen)
{
	ECDSA_SIG *sig = NULL;
	BIGNUM *r = NULL, *s = NULL;
	unsigned char *buf = NULL;
	int n, rc = -1;

	*der = NULL;
	if (raw == NULL || rawlen == 0 || rawlen % 2 != 0 || rawlen > 2 * 66)
		goto out;
	sig = ECDSA_SIG_new();
	r = BN_bin2bn(raw, (int)(rawlen / 2), NULL);
	s = BN_bin2bn(raw + rawlen / 2, (int)(rawlen / 2), NULL);
	if (sig == NULL || r == NULL || s == NULL || ECDSA_SIG_set0(sig, r, s) != 1)
		goto out;
	r = s = NULL; /* owned by sig now */
	n = i2d_ECDSA_SIG(sig, &buf);
	if (n <= 0)
		goto out;
	*der = malloc((size_t)n);
	if (*der == NULL)
		goto out;
	memcpy(*der, buf, (size_t)n);
	*derlen = (size_t)n;
	rc = 0;
out:
	if (rc != 0)
		crypto_log_errors(__func__, "ECDSA signature");
	OPENSSL_free(buf);
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(sig);
	return rc;
}

/*
 * EVP_DigestSign with the alg's digest; RSA keys use the default
 * RSASSA-PKCS1-v1_5 padding (RS256). ECDSA output is DER, converted to r||s.
 */
int jws_sign_bytes(const struct key *k, const void *data, size_t len, unsigned char **sig,
		   size_t *siglen)
{
	const char *alg = jws_alg_for_key(k);
	EVP_MD_CTX *ctx = NULL;
	unsigned char *der = NULL, *out = NULL;
	size_t derlen = 0, width;
	int rc = -1;

	*sig = NULL;
	if (alg == NULL || !key_has_private(k)) {
		log_error("no private key to sign with");
		goto out;
	}
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL ||
	    EVP_DigestSignInit_ex(ctx, NULL, EVP_MD_get0_name(s_md(alg)), NULL, NULL, key_evp(k),
				  NULL) != 1 ||
	    EVP_DigestSign(ctx, NULL, &derlen, data, len) != 1) {
		crypto_log_errors(__func__, "EVP_DigestSignInit");
		goto out;
	}
	der = malloc(derlen);
	if (der == NULL || EVP_DigestSign(ctx, der, &derlen, data, len) != 1) {
		crypto_log_errors(__func__, "EVP_DigestSign");
		goto out;
	}
	width = jws_ecdsa_width(alg);
	if (width == 0) {
		*sig = der;
		*siglen = derlen;
		der = NULL;
	} else {
		out = malloc(2 * width);
		if (out == NULL || jws_ecdsa_der_to_raw(der, derlen, width, out) != 0)
			goto out;
		*sig = out;
		*siglen = 2 * width;
		out = NULL;
	}
	rc = 0;
out:
	free(out);
	free(der);
	EVP_MD_CTX_free(ctx);
	return rc;
}

struct jws_signer *jws_signer_new(const char *alg, const cJSON *jwk, jws_sign_fn fn, void *ctx,
				  void (*ctx_free)(void *ctx))
{
	struct jws_signer *s = NULL;

	if (s_md(alg) == NULL || strcmp(alg, "HS256") == 0 || !cJSON_IsObject(jwk) || fn == NULL) {
		log_error("bad signer: algorithm %s", alg ? alg : "(null)");
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	snprintf(s->alg, sizeof(s->alg), "%s", alg);
	s->jwk = cJSON_Duplicate(jwk, 1);
	if (s->jwk == NULL) {
		free(s);
		return NULL;
	}
	s->fn = fn;
	s->ctx = ctx;
	s->ctx_free = ctx_free;
	return s;
}

static int s_key_sign(void *ctx, const unsigned char *in, size_t inlen, unsigned char **sig,
		      size_t *siglen)
{
	return jws_sign_bytes(ctx, in, inlen, sig, siglen);
}

static void s_key_free(void *ctx)
{
	key_free(ctx);
}

struct jws_signer *jws_signer_from_key(struct key *k)
{
	struct jws_signer *s = NULL;
	struct key *ref = NULL;
	cJSON *jwk = NULL;

	if (!key_has_private(k)) {
		log_error("a signer needs a private key");
		goto out;
	}
	jwk = jwk_public(k);
	ref = key_ref(k);
	if (jwk == NULL || ref == NULL)
		goto out;
	s = jws_signer_new(jws_alg_for_key(k), jwk, s_key_sign, ref, s_key_free);
	if (s != NULL)
		ref = NULL;
out:
	key_free(ref);
	cJSON_Delete(jwk);
	return s;
}

void jws_signer_free(struct jws_signer *s)
{
	if (s == NULL)
		return;
	if (s->ctx_free != NULL)
		s->ctx_free(s->ctx);
	cJSON_Delete(s->jwk);
	free(s);
}

const char *jws_signer_alg(const struct jws_signer *s)
{
	return s ? s->alg : NULL;
}

const cJSON *jws_signer_jwk(const struct jws_signer *s)
{
	return s ? s->jwk : NULL;
}

int jws_signer_sign(const struct jws_signer *s, const void *in, size_t inlen, unsigned char **sig,
		    size_t *siglen)
{
	size_t width;

	*sig = NULL;
	if (s == NULL)
		return -1;
	if (s->fn(s->ctx, in, inlen, sig, siglen) != 0) {
		free(*sig);
		*sig = NULL;
		return -1;
	}
	/* A plugged-in signer that forgot the DER conversion is caught here. */
	width = jws_ecdsa_width(s->alg);
	if (width != 0 && *siglen != 2 * width) {
		log_error("%s signature is %zu bytes, expected raw r||s of %zu", s->alg, *siglen,
			  2 * width);
		free(*sig);
		*sig = NULL;
		return -1;
	}
	return 0;
}

/* base64url of the unformatted JSON of obj; caller frees. */
static char *s_json_b64(const cJSON *obj)
{
	char *text = cJSON_PrintUnformatted(obj), *out = NULL;

	if (text != NULL)
		out = b64url_encode(text, strlen(text));
	cJSON_free(text);
	return out;
}

/* "p64.pl64" into a fresh string; caller frees. */
static char *s_signing_input(const char *p64, const char *pl64)
{
	return str_printf("%s.%s", p64, pl64);
}

/* {"protected","payload","signature"} from the three encoded parts. */
static cJSON *s_flattened(const char *p64, const char *pl64, const char *sig64)
{
	cJSON *out = cJSON_CreateObject();

	if (out == NULL || cJSON_AddStringToObject(out, "protected", p64) == NULL ||
	    cJSON_AddStringToObject(out, "payload", pl64) == NULL ||
	    cJSON_AddStringToObject(out, "signature", sig64) == NULL) {
		cJSON_Delete(out);
		return NULL;
	}
	return out;
}

/*
 * RFC 8555 6.2: the protected header carries alg, nonce, url and exactly one
 * of jwk (newAccount, revocation by certificate key, inner key-change JWS)
 * or kid (everything else). The signature covers
 * ASCII(BASE64URL(header) "." BASE64URL(payload)), RFC 7515 5.1.
 */
cJSON *jws_build(const struct jws_signer *s, const char *url, const char *nonce, const char *kid,
		 const cJSON *payload)
{
	cJSON *hdr = NULL, *out = NULL, *jwk = NULL;
	char *p64 = NULL, *pl64 = NULL, *input = NULL, *sig64 = NULL;
	unsigned char *sig = NULL;
	size_t siglen = 0;
	int logged = 0;

	if (s == NULL || url == NULL) {
		log_error("JWS needs a signer and a url");
		logged = 1;
		goto out;
	}
	hdr = cJSON_CreateObject();
	if (hdr == NULL || cJSON_AddStringToObject(hdr, "alg", s->alg) == NULL)
		goto out;
	if (kid != NULL) {
		if (cJSON_AddStringToObject(hdr, "kid", kid) == NULL)
			goto out;
	} else {
		jwk = cJSON_Duplicate(s->jwk, 1);
		if (jwk == NULL || !cJSON_AddItemToObject(hdr, "jwk", jwk)) {
			cJSON_Delete(jwk);
			goto out;
		}
	}
	if (nonce != NULL && cJSON_AddStringToObject(hdr, "nonce", nonce) == NULL)
		goto out;
	if (cJSON_AddStringToObject(hdr, "url", url) == NULL)
		goto out;
	p64 = s_json_b64(hdr);
	pl64 = payload ? s_json_b64(payload) : str_dup("");
	if (p64 == NULL || pl64 == NULL)
		goto out;
	input = s_signing_input(p64, pl64);
	if (input == NULL)
		goto out;
	/* The signer logs its own, more specific, failure. */
	if (jws_signer_sign(s, input, strlen(input), &sig, &siglen) != 0) {
		logged = 1;
		goto out;
	}
	sig64 = b64url_encode(sig, siglen);
	if (sig64 == NULL)
		goto out;
	out = s_flattened(p64, pl64, sig64);
out:
	if (out == NULL && !logged)
		log_error("cannot build the JWS for %s", url ? url : "(no url)");
	cJSON_Delete(hdr);
	free(p64);
	free(pl64);
	free(input);
	free(sig);
	free(sig64);
	return out;
}

char *jws_build_text(const struct jws_signer *s, const char *url, const char *nonce,
		     const char *kid, const cJSON *payload)
{
	cJSON *jws = jws_build(s, url, nonce, kid, payload);
	char *text = NULL, *out = NULL;

	if (jws == NULL)
		return NULL;
	text = cJSON_PrintUnformatted(jws);
	/* Hand back malloc'd memory so callers free() it like every other string. */
	if (text != NULL)
		out = str_dup(text);
	cJSON_free(text);
	cJSON_Delete(jws);
	return out;
}

/*
 * Decodes the CA-issued EAB key. CAs hand it out as base64url; some
 * documentation shows it with '=' padding, which is harmless to drop.
 */
static unsigned char *s_eab_key(const char *b64, size_t *len)
{
	size_t n = strlen(b64);

	while (n > 0 && b64[n - 1] == '=')
		n--;
	return n ? b64url_decode(b64, n, len) : NULL;
}

cJSON *jws_eab(const char *kid, const char *hmac_b64url, const char *url, const cJSON *account_jwk)
{
	cJSON *hdr = NULL, *out = NULL;
	char *p64 = NULL, *pl64 = NULL, *input = NULL, *sig64 = NULL;
	unsigned char *key = NULL, mac[SHA256_LEN];
	size_t keylen = 0;

	if (kid == NULL || hmac_b64url == NULL || url == NULL || !cJSON_IsObject(account_jwk)) {
		log_error("external account binding needs a kid, an HMAC key, a url and a JWK");
		goto out;
	}
	key = s_eab_key(hmac_b64url, &keylen);
	if (key == NULL || keylen == 0) {
		log_error("EAB key id %s: the HMAC key is not valid base64url", kid);
		goto out;
	}
	hdr = cJSON_CreateObject();
	if (hdr == NULL || cJSON_AddStringToObject(hdr, "alg", "HS256") == NULL ||
	    cJSON_AddStringToObject(hdr, "kid", kid) == NULL ||
	    cJSON_AddStringToObject(hdr, "url", url) == NULL)
		goto out;
	p64 = s_json_b64(hdr);
	pl64 = s_json_b64(account_jwk);
	if (p64 == NULL || pl64 == NULL)
		goto out;
	input = s_signing_input(p64, pl64);
	if (input == NULL || crypto_hmac_sha256(key, keylen, input, strlen(input), mac) != 0)
		goto out;
	sig64 = b64url_encode(mac, sizeof(mac));
	if (sig64 == NULL)
		goto out;
	out = s_flattened(p64, pl64, sig64);
out:
	mem_wipe_free(key, keylen);
	mem_wipe(mac, sizeof(mac));
	cJSON_Delete(hdr);
	free(p64);
	free(pl64);
	free(input);
	free(sig64);
	return out;
}

/* Parsed pieces of a flattened JWS, all owned. */
struct s_parts {
	cJSON *root;
	cJSON *hdr;
	char *input;
	unsigned char *sig;
	size_t siglen;
	char *payload;
	size_t payload_len;
	const char *alg; /* borrowed from hdr */
};

static void s_parts_free(struct s_parts *p)
{
	cJSON_Delete(p->root);
	cJSON_Delete(p->hdr);
	free(p->input);
	free(p->sig);
	free(p->payload);
	memset(p, 0, sizeof(*p));
}

static const char *s_member(const cJSON *obj, const char *name)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsString(it) ? it->valuestring : NULL;
}

/* Splits and decodes a flattened JWS; -1 if any part is missing or malformed. */
static int s_parse(const char *text, struct s_parts *p)
{
	const char *p64, *pl64, *s64, *alg;
	unsigned char *hdr_text = NULL;
	size_t n = 0;
	int rc = -1;

	memset(p, 0, sizeof(*p));
	p->root = text ? cJSON_Parse(text) : NULL;
	p64 = s_member(p->root, "protected");
	pl64 = s_member(p->root, "payload");
	s64 = s_member(p->root, "signature");
	if (p64 == NULL || pl64 == NULL || s64 == NULL) {
		log_debug("not a flattened JWS");
		goto out;
	}
	hdr_text = b64url_decode(p64, strlen(p64), &n);
	p->hdr = hdr_text ? cJSON_Parse((char *)hdr_text) : NULL;
	alg = s_member(p->hdr, "alg");
	p->payload = (char *)b64url_decode(pl64, strlen(pl64), &p->payload_len);
	p->sig = b64url_decode(s64, strlen(s64), &p->siglen);
	p->input = s_signing_input(p64, pl64);
	if (alg == NULL || p->payload == NULL || p->sig == NULL || p->input == NULL) {
		log_debug("malformed JWS parts");
		goto out;
	}
	p->alg = alg;
	rc = 0;
out:
	free(hdr_text);
	if (rc != 0)
		s_parts_free(p);
	return rc;
}

/* Hands the decoded header and payload to the caller's optional out-parameters. */
static void s_handover(struct s_parts *p, cJSON **header, char **payload, size_t *payload_len)
{
	if (header != NULL) {
		*header = p->hdr;
		p->hdr = NULL;
	}
	if (payload != NULL) {
		*payload = p->payload;
		p->payload = NULL;
	}
	if (payload_len != NULL)
		*payload_len = p->payload_len;
}

int jws_verify(const char *text, const struct key *key, cJSON **header, char **payload,
	       size_t *payload_len)
{
	struct s_parts p;
	struct key *hdr_key = NULL;
	const struct key *k = key;
	EVP_MD_CTX *ctx = NULL;
	unsigned char *der = NULL;
	const unsigned char *sig;
	size_t siglen, width;
	const char *want;
	int rc = -1;

	if (s_parse(text, &p) != 0)
		return -1;
	if (k == NULL) {
		const cJSON *jwk = cJSON_GetObjectItemCaseSensitive(p.hdr, "jwk");

		if (jwk == NULL) {
			log_debug("JWS has no jwk and no key was given");
			goto out;
		}
		hdr_key = jwk_to_key(jwk);
		k = hdr_key;
		if (k == NULL)
			goto out;
	}
	want = jws_alg_for_key(k);
	if (want == NULL || strcmp(p.alg, want) != 0) {
		log_debug("JWS alg %s does not match the key (%s)", p.alg, want ? want : "none");
		goto out;
	}
	sig = p.sig;
	siglen = p.siglen;
	width = jws_ecdsa_width(want);
	if (width != 0) {
		if (p.siglen != 2 * width ||
		    jws_ecdsa_raw_to_der(p.sig, p.siglen, &der, &siglen) != 0) {
			log_debug("JWS %s signature has the wrong size", want);
			goto out;
		}
		sig = der;
	}
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL ||
	    EVP_DigestVerifyInit_ex(ctx, NULL, EVP_MD_get0_name(s_md(want)), NULL, NULL, key_evp(k),
				    NULL) != 1 ||
	    EVP_DigestVerify(ctx, sig, siglen, (const unsigned char *)p.input, strlen(p.input)) !=
		1) {
		ERR_clear_error();
		log_debug("JWS signature does not verify");
		goto out;
	}
	s_handover(&p, header, payload, payload_len);
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	free(der);
	key_free(hdr_key);
	s_parts_free(&p);
	return rc;
}

int jws_verify_hs256(const char *text, const unsigned char *mac_key, size_t keylen, cJSON **header,
		     char **payload, size_t *payload_len)
{
	unsigned char mac[SHA256_LEN];
	struct s_parts p;
	int rc = -1;

	if (s_parse(text, &p) != 0)
		return -1;
	if (strcmp(p.alg, "HS256") != 0) {
		log_debug("JWS alg %s, expected HS256", p.alg);
		goto out;
	}
	if (crypto_hmac_sha256(mac_key, keylen, p.input, strlen(p.input), mac) != 0 ||
	    !mem_equal_ct(mac, sizeof(mac), p.sig, p.siglen)) {
		log_debug("JWS MAC does not verify");
		goto out;
	}
	s_handover(&p, header, payload, payload_len);
	rc = 0;
out:
	mem_wipe(mac, sizeof(mac));
	s_parts_free(&p);
	return rc;
}
