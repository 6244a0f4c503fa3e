/*
 * JWK, thumbprints and JWS: the RFC 7638 3.1 thumbprint vector, the RFC 7515
 * appendix A signatures (HS256, RS256, ES256) verified by our code, the
 * ACME header rules, DER <-> raw ECDSA conversion, plugged-in signers and
 * External Account Binding.
 */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/b64.h"
#include "crypto/hash.h"
#include "crypto/jwk.h"
#include "crypto/jws.h"
#include "log/log.h"
#include "test_crypto_util.h"

/* RFC 7638 section 3.1. */
static const char s_rfc7638_n[] =
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_"
    "BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_"
    "FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-"
    "bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
static const char s_rfc7638_thumb[] = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";

/* RFC 7515 appendix A: the common payload and the three signed examples. */
static const char s_a_payload[] = "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGF"
				  "tcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
static const char s_a1_protected[] = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9";
static const char s_a1_sig[] = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
static const char s_a1_key[] =
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";
static const char s_a2_n[] =
    "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4"
    "d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5r"
    "exMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_"
    "I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ";
static const char s_a2_sig[] =
    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_"
    "O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjt"
    "QBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI"
    "2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";
static const char s_a3_x[] = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
static const char s_a3_y[] = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
static const char s_a3_sig[] =
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

/* A flattened JWS text from its three parts. Caller frees. */
static char *s_flat(const char *p, const char *pl, const char *sig)
{
	cJSON *o = cJSON_CreateObject();
	char *text;

	cJSON_AddStringToObject(o, "protected", p);
	cJSON_AddStringToObject(o, "payload", pl);
	cJSON_AddStringToObject(o, "signature", sig);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

static struct key *s_rsa_from_b64(const char *n64)
{
	size_t nlen = 0, elen = 0;
	unsigned char *n = b64url_decode(n64, strlen(n64), &nlen);
	unsigned char *e = b64url_decode("AQAB", 4, &elen);
	struct key *k = (n && e) ? key_from_rsa_public(n, nlen, e, elen) : NULL;

	free(n);
	free(e);
	return k;
}

TEST(crypto_jwk_rfc7638_thumbprint)
{
	struct key *k = s_rsa_from_b64(s_rfc7638_n);
	cJSON *jwk, *decorated;
	char *t;

	REQUIRE(k != NULL);
	CHECK_INT(key_get_type(k), KEY_RSA2048);
	t = jwk_key_thumbprint(k);
	CHECK_STR(t, s_rfc7638_thumb);
	free(t);
	/* Our JWK of that key is the RFC's (members e, kty, n). */
	jwk = jwk_public(k);
	REQUIRE(jwk != NULL);
	CHECK_STR(cJSON_GetObjectItem(jwk, "n")->valuestring, s_rfc7638_n);
	CHECK_STR(cJSON_GetObjectItem(jwk, "e")->valuestring, "AQAB");
	/* Member order and extra members do not change the thumbprint. */
	decorated = cJSON_CreateObject();
	cJSON_AddStringToObject(decorated, "kid", "2011-04-29");
	cJSON_AddStringToObject(decorated, "n", s_rfc7638_n);
	cJSON_AddStringToObject(decorated, "alg", "RS256");
	cJSON_AddStringToObject(decorated, "kty", "RSA");
	cJSON_AddStringToObject(decorated, "e", "AQAB");
	t = jwk_thumbprint(decorated);
	CHECK_STR(t, s_rfc7638_thumb);
	free(t);
	/* A missing required member is an error, not a different thumbprint. */
	cJSON_DeleteItemFromObject(decorated, "e");
	CHECK(jwk_thumbprint(decorated) == NULL);
	cJSON_Delete(decorated);
	cJSON_Delete(jwk);
	key_free(k);
}

/* Member names and order, sizes, and no private member, for every type. */
TEST(crypto_jwk_structure_all_types)
{
	int t;

	for (t = 0; t < KEY_TYPE_MAX; t++) {
		struct key *k = tc_key((enum key_type)t);
		cJSON *jwk = k ? jwk_public(k) : NULL;
		const cJSON *it;
		char *text;
		size_t len = 0;
		unsigned char *raw;

		REQUIRE(jwk != NULL);
		text = cJSON_PrintUnformatted(jwk);
		CHECK(strstr(text, "\"d\"") == NULL);
		if (t <= KEY_RSA4096) {
			static const int bits[] = {2048, 3072, 4096};

			CHECK(strncmp(text, "{\"e\":\"AQAB\",\"kty\":\"RSA\",\"n\":\"", 29) == 0);
			it = cJSON_GetObjectItem(jwk, "n");
			raw = b64url_decode(it->valuestring, strlen(it->valuestring), &len);
			CHECK(raw != NULL && len == (size_t)bits[t] / 8 && raw[0] != 0);
			free(raw);
			CHECK_INT(cJSON_GetArraySize(jwk), 3);
		} else {
			size_t w = t == KEY_EC256 ? 32 : 48;

			CHECK(strncmp(text,
				      t == KEY_EC256 ? "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\""
						     : "{\"crv\":\"P-384\",\"kty\":\"EC\",\"x\":\"",
				      29) == 0);
			CHECK_INT(cJSON_GetArraySize(jwk), 4);
			it = cJSON_GetObjectItem(jwk, "x");
			raw = b64url_decode(it->valuestring, strlen(it->valuestring), &len);
			CHECK(raw != NULL && len == w);
			free(raw);
			it = cJSON_GetObjectItem(jwk, "y");
			raw = b64url_decode(it->valuestring, strlen(it->valuestring), &len);
			CHECK(raw != NULL && len == w);
			free(raw);
		}
		cJSON_free(text);
		cJSON_Delete(jwk);
	}
}

/*
 * EC coordinates keep their leading zero bytes (fixed length). About one key
 * in 128 has a coordinate whose first byte is zero; generate until one turns
 * up (3000 keys all without one: a chance of about 1 in 10^10).
 */
TEST(crypto_jwk_ec_coordinates_fixed_length)
{
	int i, found = 0;

	for (i = 0; i < 3000 && !found; i++) {
		struct key *k = key_generate(KEY_EC256), *back;
		cJSON *jwk = k ? jwk_public(k) : NULL;
		const char *x, *y;

		REQUIRE(jwk != NULL);
		x = cJSON_GetObjectItem(jwk, "x")->valuestring;
		y = cJSON_GetObjectItem(jwk, "y")->valuestring;
		CHECK_INT(strlen(x), 43);
		CHECK_INT(strlen(y), 43);
		/* First byte 0x00: base64url's first character carries its top six
		 * bits ('A'), the second its last two (0) above the next byte's top
		 * four, so 'A' to 'P'. */
		if (x[0] == 'A' && x[1] >= 'A' && x[1] <= 'P')
			found = 1;
		if (y[0] == 'A' && y[1] >= 'A' && y[1] <= 'P')
			found = 1;
		if (found) {
			back = jwk_to_key(jwk);
			CHECK(back != NULL && key_public_equal(back, k) == 1);
			key_free(back);
		}
		cJSON_Delete(jwk);
		key_free(k);
	}
	CHECK(found);
}

TEST(crypto_jwk_to_key_refusals)
{
	cJSON *jwk = jwk_public(tc_key(KEY_EC256)), *bad;

	REQUIRE(jwk != NULL);
	/* Private member present */
	bad = cJSON_Duplicate(jwk, 1);
	cJSON_AddStringToObject(bad, "d", "AAAA");
	CHECK(jwk_to_key(bad) == NULL);
	cJSON_Delete(bad);
	/* Short coordinate (leading zero dropped) */
	bad = cJSON_Duplicate(jwk, 1);
	cJSON_ReplaceItemInObject(bad, "x", cJSON_CreateString("AQ"));
	CHECK(jwk_to_key(bad) == NULL);
	cJSON_Delete(bad);
	/* Unsupported curve and kty */
	bad = cJSON_Duplicate(jwk, 1);
	cJSON_ReplaceItemInObject(bad, "crv", cJSON_CreateString("P-521"));
	CHECK(jwk_to_key(bad) == NULL);
	cJSON_ReplaceItemInObject(bad, "kty", cJSON_CreateString("OKP"));
	CHECK(jwk_to_key(bad) == NULL);
	cJSON_Delete(bad);
	CHECK(jwk_to_key(NULL) == NULL);
	cJSON_Delete(jwk);
}

/* RFC 7515 A.1 (HS256), A.2 (RS256) and A.3 (ES256) verify with our code. */
TEST(crypto_jws_verify_rfc7515_vectors)
{
	char *text;
	size_t klen = 0;
	unsigned char *hkey = b64url_decode(s_a1_key, strlen(s_a1_key), &klen);
	struct key *rsa = s_rsa_from_b64(s_a2_n), *ec;
	cJSON *jwk = cJSON_CreateObject(), *hdr = NULL;
	char *payload = NULL;

	REQUIRE(hkey != NULL && rsa != NULL);
	text = s_flat(s_a1_protected, s_a_payload, s_a1_sig);
	CHECK_INT(jws_verify_hs256(text, hkey, klen, &hdr, &payload, NULL), 0);
	CHECK(payload != NULL && strncmp(payload, "{\"iss\":\"joe\",\r\n", 15) == 0);
	CHECK_STR(cJSON_GetObjectItem(hdr, "alg")->valuestring, "HS256");
	cJSON_Delete(hdr);
	free(payload);
	/* Wrong key */
	CHECK_INT(jws_verify_hs256(text, hkey, klen - 1, NULL, NULL, NULL), -1);
	free(text);

	text = s_flat("eyJhbGciOiJSUzI1NiJ9", s_a_payload, s_a2_sig);
	CHECK_INT(jws_verify(text, rsa, NULL, NULL, NULL), 0);
	free(text);

	cJSON_AddStringToObject(jwk, "kty", "EC");
	cJSON_AddStringToObject(jwk, "crv", "P-256");
	cJSON_AddStringToObject(jwk, "x", s_a3_x);
	cJSON_AddStringToObject(jwk, "y", s_a3_y);
	ec = jwk_to_key(jwk);
	REQUIRE(ec != NULL);
	text = s_flat("eyJhbGciOiJFUzI1NiJ9", s_a_payload, s_a3_sig);
	CHECK_INT(jws_verify(text, ec, NULL, NULL, NULL), 0);
	/* The same signature does not verify under the RSA key or another alg. */
	CHECK_INT(jws_verify(text, rsa, NULL, NULL, NULL), -1);
	free(text);
	/* One bit flipped in the signature. */
	{
		char sig[sizeof(s_a3_sig)];

		memcpy(sig, s_a3_sig, sizeof(sig));
		sig[sizeof(sig) - 2] = 'A';
		text = s_flat("eyJhbGciOiJFUzI1NiJ9", s_a_payload, sig);
		CHECK_INT(jws_verify(text, ec, NULL, NULL, NULL), -1);
		free(text);
	}
	key_free(ec);
	cJSON_Delete(jwk);
	key_free(rsa);
	free(hkey);
}

/* Decodes the protected header of a flattened JWS object. Caller deletes. */
static cJSON *s_header(const cJSON *jws)
{
	const char *p = cJSON_GetObjectItem(jws, "protected")->valuestring;
	size_t n = 0;
	unsigned char *raw = b64url_decode(p, strlen(p), &n);
	cJSON *h = raw ? cJSON_Parse((char *)raw) : NULL;

	free(raw);
	return h;
}

/* ACME request JWS for every key type: header members, payload, signature. */
TEST(crypto_jws_acme_all_types)
{
	static const char *const algs[] = {"RS256", "RS256", "RS256", "ES256", "ES384"};
	static const size_t siglens[] = {256, 384, 512, 64, 96};
	int t;

	for (t = 0; t < KEY_TYPE_MAX; t++) {
		struct key *k = tc_key((enum key_type)t);
		struct jws_signer *s = jws_signer_from_key(k);
		cJSON *payload = cJSON_CreateObject(), *jws, *hdr, *jwk, *got = NULL;
		char *text, *pl = NULL, *printed;
		const char *sig64;
		size_t plen = 0, n = 0;
		unsigned char *sig;

		REQUIRE(s != NULL);
		CHECK_STR(jws_signer_alg(s), algs[t]);
		CHECK_STR(jws_alg_for_key(k), algs[t]);
		cJSON_AddStringToObject(payload, "status", "deactivated");
		jws = jws_build(s, "https://ca.test/acme/acct/1", "nonce-1", NULL, payload);
		REQUIRE(jws != NULL);
		CHECK_INT(cJSON_GetArraySize(jws), 3);
		hdr = s_header(jws);
		REQUIRE(hdr != NULL);
		/* alg, jwk, nonce, url in that order; no kid. */
		printed = cJSON_PrintUnformatted(hdr);
		CHECK(strncmp(printed, "{\"alg\":\"", 8) == 0);
		cJSON_free(printed);
		CHECK_STR(cJSON_GetObjectItem(hdr, "alg")->valuestring, algs[t]);
		CHECK_STR(cJSON_GetObjectItem(hdr, "nonce")->valuestring, "nonce-1");
		CHECK_STR(cJSON_GetObjectItem(hdr, "url")->valuestring,
			  "https://ca.test/acme/acct/1");
		CHECK(cJSON_GetObjectItem(hdr, "kid") == NULL);
		jwk = jwk_public(k);
		CHECK(cJSON_Compare(cJSON_GetObjectItem(hdr, "jwk"), jwk, 1));
		cJSON_Delete(jwk);
		CHECK_INT(cJSON_GetArraySize(hdr), 4);
		cJSON_Delete(hdr);
		/* The signature is raw r||s or the RSA modulus size. */
		sig64 = cJSON_GetObjectItem(jws, "signature")->valuestring;
		sig = b64url_decode(sig64, strlen(sig64), &n);
		CHECK(sig != NULL && n == siglens[t]);
		free(sig);
		/* Verifies with the header's own jwk, returns the payload. */
		text = cJSON_PrintUnformatted(jws);
		CHECK_INT(jws_verify(text, NULL, &got, &pl, &plen), 0);
		CHECK_STR(pl, "{\"status\":\"deactivated\"}");
		CHECK_INT(plen, strlen("{\"status\":\"deactivated\"}"));
		cJSON_Delete(got);
		free(pl);
		/* ...and with the key, but not with another key of the same type. */
		CHECK_INT(jws_verify(text, k, NULL, NULL, NULL), 0);
		{
			struct key *other = t >= KEY_EC256
						? key_generate((enum key_type)t)
						: tc_key(t == 0 ? KEY_RSA3072 : KEY_RSA2048);

			CHECK_INT(jws_verify(text, other, NULL, NULL, NULL), -1);
			if (t >= KEY_EC256)
				key_free(other);
		}
		cJSON_free(text);
		cJSON_Delete(jws);
		cJSON_Delete(payload);
		jws_signer_free(s);
	}
}

TEST(crypto_jws_kid_and_post_as_get)
{
	struct key *k = tc_key(KEY_EC256);
	struct jws_signer *s = jws_signer_from_key(k);
	cJSON *jws, *hdr;
	char *text, *pl = NULL;
	size_t plen = 99;

	REQUIRE(s != NULL);
	jws =
	    jws_build(s, "https://ca.test/acme/order/7", "n2", "https://ca.test/acme/acct/1", NULL);
	REQUIRE(jws != NULL);
	CHECK_STR(cJSON_GetObjectItem(jws, "payload")->valuestring, "");
	hdr = s_header(jws);
	REQUIRE(hdr != NULL);
	CHECK_STR(cJSON_GetObjectItem(hdr, "kid")->valuestring, "https://ca.test/acme/acct/1");
	CHECK(cJSON_GetObjectItem(hdr, "jwk") == NULL);
	CHECK_INT(cJSON_GetArraySize(hdr), 4);
	cJSON_Delete(hdr);
	text = cJSON_PrintUnformatted(jws);
	/* No jwk in the header and no key given: cannot verify. */
	CHECK_INT(jws_verify(text, NULL, NULL, NULL, NULL), -1);
	CHECK_INT(jws_verify(text, k, NULL, &pl, &plen), 0);
	CHECK_STR(pl, "");
	CHECK_INT(plen, 0);
	free(pl);
	cJSON_free(text);
	cJSON_Delete(jws);

	/* No nonce (inner key-change JWS): the header has alg, jwk, url only. */
	jws = jws_build(s, "https://ca.test/acme/key-change", NULL, NULL, NULL);
	REQUIRE(jws != NULL);
	hdr = s_header(jws);
	CHECK(hdr != NULL && cJSON_GetObjectItem(hdr, "nonce") == NULL);
	CHECK_INT(cJSON_GetArraySize(hdr), 3);
	cJSON_Delete(hdr);
	cJSON_Delete(jws);

	/* Text form: the same structure, no whitespace. */
	text = jws_build_text(s, "https://ca.test/x", "n3", "kid", NULL);
	CHECK(text != NULL && strncmp(text, "{\"protected\":\"", 14) == 0);
	CHECK(text != NULL && strchr(text, ' ') == NULL && strchr(text, '\n') == NULL);
	free(text);
	CHECK(jws_build(s, NULL, "n", NULL, NULL) == NULL);
	jws_signer_free(s);
}

TEST(crypto_jws_tampering)
{
	struct key *k = tc_key(KEY_EC384);
	struct jws_signer *s = jws_signer_from_key(k);
	cJSON *payload = cJSON_CreateObject(), *jws, *alt;
	char *text, *other;

	REQUIRE(s != NULL);
	cJSON_AddStringToObject(payload, "a", "b");
	jws = jws_build(s, "https://ca.test/u", "n", NULL, payload);
	REQUIRE(jws != NULL);
	/* Another payload under the same signature. */
	alt = cJSON_Duplicate(jws, 1);
	other = b64url_encode("{\"a\":\"c\"}", 9);
	cJSON_ReplaceItemInObject(alt, "payload", cJSON_CreateString(other));
	text = cJSON_PrintUnformatted(alt);
	CHECK_INT(jws_verify(text, NULL, NULL, NULL, NULL), -1);
	cJSON_free(text);
	free(other);
	cJSON_Delete(alt);
	/* A missing member or non-JSON text. */
	alt = cJSON_Duplicate(jws, 1);
	cJSON_DeleteItemFromObject(alt, "signature");
	text = cJSON_PrintUnformatted(alt);
	CHECK_INT(jws_verify(text, NULL, NULL, NULL, NULL), -1);
	cJSON_free(text);
	cJSON_Delete(alt);
	CHECK_INT(jws_verify("not json", k, NULL, NULL, NULL), -1);
	CHECK_INT(jws_verify(NULL, k, NULL, NULL, NULL), -1);
	/* A header claiming "none" is refused. */
	alt = cJSON_Duplicate(jws, 1);
	other = b64url_encode("{\"alg\":\"none\"}", 14);
	cJSON_ReplaceItemInObject(alt, "protected", cJSON_CreateString(other));
	text = cJSON_PrintUnformatted(alt);
	CHECK_INT(jws_verify(text, k, NULL, NULL, NULL), -1);
	cJSON_free(text);
	free(other);
	cJSON_Delete(alt);
	cJSON_Delete(jws);
	cJSON_Delete(payload);
	jws_signer_free(s);
}

/*
 * Hand-built DER: r has its high bit set (so DER adds a 0x00) and s is a
 * single byte (so raw output needs 31 bytes of zero padding).
 */
TEST(crypto_jws_ecdsa_der_raw)
{
	unsigned char der[2 + 2 + 33 + 2 + 1], raw[64], want[64], *back = NULL;
	size_t backlen = 0, i;

	der[0] = 0x30;
	der[1] = 2 + 33 + 2 + 1;
	der[2] = 0x02;
	der[3] = 33;
	der[4] = 0x00;
	for (i = 0; i < 32; i++)
		der[5 + i] = (unsigned char)(0x80 + i);
	der[37] = 0x02;
	der[38] = 1;
	der[39] = 0x05;
	memset(want, 0, sizeof(want));
	for (i = 0; i < 32; i++)
		want[i] = (unsigned char)(0x80 + i);
	want[63] = 0x05;
	CHECK_INT(jws_ecdsa_der_to_raw(der, sizeof(der), 32, raw), 0);
	CHECK(memcmp(raw, want, 64) == 0);
	/* Back to the same DER. */
	CHECK_INT(jws_ecdsa_raw_to_der(raw, 64, &back, &backlen), 0);
	CHECK(backlen == sizeof(der) && memcmp(back, der, backlen) == 0);
	free(back);
	/* 48-byte width pads r too. */
	{
		unsigned char raw48[96];

		CHECK_INT(jws_ecdsa_der_to_raw(der, sizeof(der), 48, raw48), 0);
		CHECK(raw48[0] == 0 && raw48[15] == 0 && raw48[16] == 0x80 && raw48[95] == 5);
	}
	/* r does not fit 16 bytes; trailing junk; truncation. */
	CHECK_INT(jws_ecdsa_der_to_raw(der, sizeof(der), 16, raw), -1);
	{
		unsigned char longer[sizeof(der) + 1];

		memcpy(longer, der, sizeof(der));
		longer[sizeof(der)] = 0;
		CHECK_INT(jws_ecdsa_der_to_raw(longer, sizeof(longer), 32, raw), -1);
	}
	CHECK_INT(jws_ecdsa_der_to_raw(der, sizeof(der) - 1, 32, raw), -1);
	CHECK_INT(jws_ecdsa_raw_to_der(raw, 63, &back, &backlen), -1);
	CHECK_INT(jws_ecdsa_width("ES256"), 32);
	CHECK_INT(jws_ecdsa_width("ES384"), 48);
	CHECK_INT(jws_ecdsa_width("RS256"), 0);
}

/*
 * A signer that behaves like KMS: it hashes the input itself, gets a DER
 * signature (here from our own key, converted back to DER) and must convert
 * it with jws_ecdsa_der_to_raw.
 */
struct kms_like {
	struct key *k;
	int convert;
	int calls;
};

static int s_kms_sign(void *ctx, const unsigned char *in, size_t inlen, unsigned char **sig,
		      size_t *siglen)
{
	struct kms_like *kl = ctx;
	unsigned char *raw = NULL, *der = NULL, md[48];
	size_t rawlen = 0, derlen = 0, mdlen = 0;
	int rc = -1;

	kl->calls++;
	/* What a DIGEST-mode KMS call would be given. */
	if (jws_alg_digest("ES256", in, inlen, md, &mdlen) != 0 || mdlen != 32)
		return -1;
	if (jws_sign_bytes(kl->k, in, inlen, &raw, &rawlen) != 0 ||
	    jws_ecdsa_raw_to_der(raw, rawlen, &der, &derlen) != 0)
		goto out;
	if (kl->convert) {
		*sig = malloc(64);
		if (*sig == NULL || jws_ecdsa_der_to_raw(der, derlen, 32, *sig) != 0)
			goto out;
		*siglen = 64;
	} else {
		*sig = der;
		*siglen = derlen;
		der = NULL;
	}
	rc = 0;
out:
	free(raw);
	free(der);
	return rc;
}

TEST(crypto_jws_plugged_signer)
{
	struct kms_like kl = {tc_key(KEY_EC256), 1, 0};
	cJSON *jwk = jwk_public(kl.k), *jws;
	struct jws_signer *s;
	char *text;

	REQUIRE(jwk != NULL);
	s = jws_signer_new("ES256", jwk, s_kms_sign, &kl, NULL);
	REQUIRE(s != NULL);
	CHECK(cJSON_Compare(jws_signer_jwk(s), jwk, 1));
	text = jws_build_text(s, "https://ca.test/new-acct", "n", NULL, NULL);
	CHECK(text != NULL);
	CHECK_INT(jws_verify(text, kl.k, NULL, NULL, NULL), 0);
	free(text);
	CHECK_INT(kl.calls, 1);
	/* A signer that forgets the conversion is caught, not sent to the CA. */
	kl.convert = 0;
	harness_clear_errors();
	jws = jws_build(s, "https://ca.test/new-acct", "n", NULL, NULL);
	CHECK(jws == NULL);
	CHECK(strstr(harness_last_error(), "expected raw r||s") != NULL);
	jws_signer_free(s);
	/* Bad algorithm names are refused. */
	CHECK(jws_signer_new("HS256", jwk, s_kms_sign, &kl, NULL) == NULL);
	CHECK(jws_signer_new("ES512", jwk, s_kms_sign, &kl, NULL) == NULL);
	CHECK(jws_signer_new("ES256", NULL, s_kms_sign, &kl, NULL) == NULL);
	cJSON_Delete(jwk);
	{
		unsigned char md[48];
		size_t n = 0;

		CHECK_INT(jws_alg_digest("ES384", "abc", 3, md, &n), 0);
		CHECK_INT(n, 48);
		CHECK_INT(jws_alg_digest("RS256", "abc", 3, md, &n), 0);
		CHECK_INT(n, 32);
		CHECK_INT(jws_alg_digest("none", "abc", 3, md, &n), -1);
	}
	/* A public-only key cannot make a signer. */
	{
		cJSON *j = jwk_public(tc_key(KEY_EC384));
		struct key *pub = jwk_to_key(j);

		CHECK(jws_signer_from_key(pub) == NULL);
		key_free(pub);
		cJSON_Delete(j);
	}
}

/* The signer keeps its own reference: the caller may free the key first. */
TEST(crypto_jws_signer_owns_key)
{
	struct key *k = key_generate(KEY_EC256);
	struct jws_signer *s = jws_signer_from_key(k);
	cJSON *jwk = jwk_public(k);
	struct key *pub = jwk_to_key(jwk);
	char *text;

	REQUIRE(s != NULL && pub != NULL);
	key_free(k);
	text = jws_build_text(s, "https://ca.test/x", "n", NULL, NULL);
	CHECK(text != NULL && jws_verify(text, pub, NULL, NULL, NULL) == 0);
	free(text);
	jws_signer_free(s);
	key_free(pub);
	cJSON_Delete(jwk);
}

TEST(crypto_jws_eab)
{
	static const unsigned char mac_key[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
	struct key *acct = tc_key(KEY_EC256);
	cJSON *jwk = jwk_public(acct), *eab, *hdr = NULL, *pj;
	char *hmac64 = b64url_encode(mac_key, sizeof(mac_key)), *text, *pl = NULL, *padded;
	size_t plen = 0;

	REQUIRE(jwk != NULL && hmac64 != NULL);
	eab = jws_eab("kid-1", hmac64, "https://ca.test/acme/new-account", jwk);
	REQUIRE(eab != NULL);
	text = cJSON_PrintUnformatted(eab);
	CHECK_INT(jws_verify_hs256(text, mac_key, sizeof(mac_key), &hdr, &pl, &plen), 0);
	REQUIRE(hdr != NULL && pl != NULL);
	CHECK_STR(cJSON_GetObjectItem(hdr, "alg")->valuestring, "HS256");
	CHECK_STR(cJSON_GetObjectItem(hdr, "kid")->valuestring, "kid-1");
	CHECK_STR(cJSON_GetObjectItem(hdr, "url")->valuestring, "https://ca.test/acme/new-account");
	CHECK_INT(cJSON_GetArraySize(hdr), 3);
	/* The payload is exactly the account's public JWK. */
	pj = cJSON_Parse(pl);
	CHECK(cJSON_Compare(pj, jwk, 1));
	cJSON_Delete(pj);
	/* Another MAC key does not verify; an asymmetric verify refuses HS256.
	 * (Not mac_key shortened by its trailing zero byte: HMAC zero-pads keys,
	 * so that would be the same key.) */
	{
		unsigned char wrong[sizeof(mac_key)];

		memcpy(wrong, mac_key, sizeof(wrong));
		wrong[0] ^= 1;
		CHECK_INT(jws_verify_hs256(text, wrong, sizeof(wrong), NULL, NULL, NULL), -1);
	}
	CHECK_INT(jws_verify(text, acct, NULL, NULL, NULL), -1);
	cJSON_free(text);
	cJSON_Delete(hdr);
	free(pl);
	cJSON_Delete(eab);

	/* Padding on the key is tolerated; garbage is refused without echoing it. */
	padded = malloc(strlen(hmac64) + 2);
	REQUIRE(padded != NULL);
	strcpy(padded, hmac64);
	strcat(padded, "=");
	eab = jws_eab("kid-1", padded, "https://ca.test/acme/new-account", jwk);
	CHECK(eab != NULL);
	cJSON_Delete(eab);
	free(padded);
	harness_clear_errors();
	CHECK(jws_eab("kid-1", "s3cr3t!!", "https://x", jwk) == NULL);
	CHECK(strstr(harness_last_error(), "kid-1") != NULL);
	CHECK(strstr(harness_last_error(), "s3cr3t") == NULL);
	CHECK(jws_eab("kid-1", "", "https://x", jwk) == NULL);
	CHECK(jws_eab(NULL, hmac64, "https://x", jwk) == NULL);
	free(hmac64);
	cJSON_Delete(jwk);
}
