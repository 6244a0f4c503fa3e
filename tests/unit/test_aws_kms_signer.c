/*
 * kms_signer against a scripted KMS: GetPublicKey's SPKI and KeySpec make
 * the JWK and alg; Sign's DER ECDSA answer becomes the raw r||s JOSE
 * needs. The check is independent of the signer: the JWS it builds must
 * verify (jws_verify) with the local key whose signature the fake KMS
 * returned, and the Sign request must carry the exact signing input.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws/kms_signer.h"
#include "crypto/b64.h"
#include "crypto/jwk.h"
#include "crypto/jws.h"
#include "crypto/key.h"
#include "harness.h"
#include "test_kms_fake.h"

static struct fake_aws s_f;

/* The DER SubjectPublicKeyInfo of k, base64 (the PEM body without line
 * breaks). Caller frees. */
static char *s_spki_b64(const struct key *k)
{
	char *pem = key_public_pem(k), *out, *p, *q;

	if (pem == NULL)
		return NULL;
	out = calloc(1, strlen(pem) + 1);
	p = strstr(pem, "-----\n");
	q = out;
	for (p = p ? p + 6 : pem; out && *p && *p != '-'; p++)
		if (*p != '\n')
			*q++ = *p;
	free(pem);
	return out;
}

/* The signing input of the JWS a signer for k would build. Caller frees. */
static char *s_signing_input(struct key *k, const cJSON *payload)
{
	struct jws_signer *s = jws_signer_from_key(k);
	cJSON *j = s ? jws_build(s, "https://ca/acme/new-acct", "n0nce", NULL, payload) : NULL;
	char *out = NULL;

	if (j && asprintf(&out, "%s.%s", cJSON_GetObjectItem(j, "protected")->valuestring,
			  cJSON_GetObjectItem(j, "payload")->valuestring) < 0)
		out = NULL;
	cJSON_Delete(j);
	jws_signer_free(s);
	return out;
}

/* A KMS Sign answer holding k's signature of input, as KMS returns it
 * (DER for ECDSA). Caller frees. */
static char *s_sign_answer(struct key *k, const char *input)
{
	unsigned char *sig = NULL, *der = NULL;
	size_t siglen = 0, derlen = 0;
	char *b64 = NULL, *body = NULL, *ans = NULL;

	if (jws_sign_bytes(k, input, strlen(input), &sig, &siglen) != 0)
		goto out;
	if (key_get_type(k) == KEY_EC256 || key_get_type(k) == KEY_EC384) {
		if (jws_ecdsa_raw_to_der(sig, siglen, &der, &derlen) != 0)
			goto out;
		b64 = b64_encode(der, derlen);
	} else {
		b64 = b64_encode(sig, siglen);
	}
	if (b64 && asprintf(&body, "{\"KeyId\":\"arn:k\",\"Signature\":\"%s\"}", b64) >= 0)
		ans = fake_aws_answer("200 OK", "", body);
out:
	free(sig);
	free(der);
	free(b64);
	free(body);
	return ans;
}

static char *s_pubkey_answer(const struct key *k, const char *spec)
{
	char *b64 = s_spki_b64(k), *body = NULL, *ans = NULL;

	if (b64 && asprintf(&body,
			    "{\"KeyId\":\"arn:k\",\"PublicKey\":\"%s\",\"KeySpec\":\"%s\","
			    "\"KeyUsage\":\"SIGN_VERIFY\"}",
			    b64, spec) >= 0)
		ans = fake_aws_answer("200 OK", "", body);
	free(b64);
	free(body);
	return ans;
}

static void s_round_trip(enum key_type type, const char *spec, const char *alg, const char *kms_alg)
{
	struct key *k = key_generate(type);
	cJSON *payload = cJSON_CreateObject(), *jwk = NULL, *msg;
	struct jws_signer *s = NULL;
	char *input = NULL, *pub = NULL, *sig = NULL, *text = NULL, *in64 = NULL;
	struct aaa_err err;

	memset(&s_f, 0, sizeof(s_f));
	REQUIRE(k && payload);
	cJSON_AddBoolToObject(payload, "termsOfServiceAgreed", 1);
	input = s_signing_input(k, payload);
	pub = s_pubkey_answer(k, spec);
	sig = input ? s_sign_answer(k, input) : NULL;
	REQUIRE(input && pub && sig);
	s_f.answers[0] = pub;
	s_f.answers[1] = sig;
	s_f.nanswers = 2;
	REQUIRE(fake_aws_start(&s_f) == 0);
	err_clear(&err);
	s = kms_signer_new("alias/acme-account", &err);
	CHECK(s != NULL);
	CHECK(!err_is_set(&err));
	if (s) {
		CHECK_STR(jws_signer_alg(s), alg);
		jwk = jwk_public(k);
		CHECK(cJSON_Compare(jws_signer_jwk(s), jwk, 1));
		text = jws_build_text(s, "https://ca/acme/new-acct", "n0nce", NULL, payload);
		CHECK(text != NULL);
		/* the JWS verifies with the local key: DER -> raw r||s was right */
		CHECK_INT(text ? jws_verify(text, k, NULL, NULL, NULL) : -1, 0);
	}
	CHECK(fake_aws_has_header(&s_f, 0, "X-Amz-Target", "TrentService.GetPublicKey"));
	CHECK(fake_aws_has_header(&s_f, 1, "X-Amz-Target", "TrentService.Sign"));
	msg = cJSON_Parse(s_f.body[1]);
	in64 = b64_encode(input, strlen(input));
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(msg, "Message")), in64);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(msg, "MessageType")), "RAW");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(msg, "SigningAlgorithm")), kms_alg);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(msg, "KeyId")), "alias/acme-account");
	cJSON_Delete(msg);
	jws_signer_free(s);
	fake_aws_stop(&s_f);
	cJSON_Delete(jwk);
	cJSON_Delete(payload);
	key_free(k);
	free(input);
	free(pub);
	free(sig);
	free(text);
	free(in64);
}

TEST(kms_signer_es256_jws_verifies)
{
	s_round_trip(KEY_EC256, "ECC_NIST_P256", "ES256", "ECDSA_SHA_256");
}

TEST(kms_signer_es384_jws_verifies)
{
	s_round_trip(KEY_EC384, "ECC_NIST_P384", "ES384", "ECDSA_SHA_384");
}

TEST(kms_signer_rs256_jws_verifies)
{
	s_round_trip(KEY_RSA2048, "RSA_2048", "RS256", "RSASSA_PKCS1_V1_5_SHA_256");
}

TEST(kms_signer_refuses_unusable_specs_and_mismatches)
{
	struct key *k = key_generate(KEY_EC256);
	char *sym = fake_aws_answer(
	    "200 OK", "", "{\"PublicKey\":\"MAMCAQE=\",\"KeySpec\":\"SYMMETRIC_DEFAULT\"}");
	char *liar = k ? s_pubkey_answer(k, "ECC_NIST_P384") : NULL;
	char *denied = fake_aws_answer("400 Bad Request", "",
				       "{\"__type\":\"AccessDeniedException\",\"message\":\"no\"}");
	struct aaa_err err;

	memset(&s_f, 0, sizeof(s_f));
	REQUIRE(k && sym && liar && denied);
	s_f.answers[0] = sym;
	s_f.answers[1] = liar;
	s_f.answers[2] = denied;
	s_f.nanswers = 3;
	REQUIRE(fake_aws_start(&s_f) == 0);
	CHECK(kms_signer_new("k1", &err) == NULL);
	CHECK(strstr(err.message, "KMS key k1 has KeySpec SYMMETRIC_DEFAULT, which cannot sign "
				  "ACME requests"));
	CHECK(kms_signer_new("k1", &err) == NULL);
	CHECK_STR(err.message, "KMS key k1: the public key does not match KeySpec ECC_NIST_P384");
	CHECK(kms_signer_new("k1", &err) == NULL);
	CHECK(strstr(err.message, "AccessDeniedException") &&
	      strstr(err.message, "kms:GetPublicKey"));
	/* KMS's own code and status travel with the message. */
	CHECK_STR(err.source, "aws");
	CHECK_STR(err.code, "AccessDeniedException");
	CHECK_INT(err.http_status, 400);
	CHECK(kms_signer_new("", &err) == NULL);
	CHECK_STR(err.source, "input");
	fake_aws_stop(&s_f);
	key_free(k);
	free(sym);
	free(liar);
	free(denied);
}

TEST(kms_signer_es256_refuses_a_p384_signature)
{
	struct key *k = key_generate(KEY_EC256), *k384 = key_generate(KEY_EC384);
	char *pub = k ? s_pubkey_answer(k, "ECC_NIST_P256") : NULL;
	char *sig = k384 ? s_sign_answer(k384, "x") : NULL;
	struct jws_signer *s;
	unsigned char *out = NULL;
	size_t outlen = 0;
	struct aaa_err err;

	memset(&s_f, 0, sizeof(s_f));
	REQUIRE(pub && sig);
	s_f.answers[0] = pub;
	s_f.answers[1] = sig;
	s_f.nanswers = 2;
	REQUIRE(fake_aws_start(&s_f) == 0);
	s = kms_signer_new("k1", &err);
	CHECK(s != NULL);
	/* P-384 integers are wider than P-256's 32 bytes (almost surely) */
	CHECK_INT(s ? jws_signer_sign(s, "x", 1, &out, &outlen) : 0, -1);
	CHECK(out == NULL);
	jws_signer_free(s);
	fake_aws_stop(&s_f);
	key_free(k);
	key_free(k384);
	free(pub);
	free(sig);
}

TEST(kms_signer_spec_table_and_key_id)
{
	const char *alg = NULL, *kms_alg = NULL;

	CHECK_INT(kms_signer_alg_for_spec("ECC_NIST_P256", &alg, &kms_alg), 0);
	CHECK_STR(alg, "ES256");
	CHECK_STR(kms_alg, "ECDSA_SHA_256");
	CHECK_INT(kms_signer_alg_for_spec("RSA_4096", &alg, &kms_alg), 0);
	CHECK_STR(alg, "RS256");
	CHECK_INT(kms_signer_alg_for_spec("ECC_SECG_P256K1", &alg, &kms_alg), -1);
	CHECK_INT(kms_signer_alg_for_spec("ECC_NIST_P521", &alg, &kms_alg), -1);
	CHECK_INT(kms_signer_alg_for_spec(NULL, &alg, &kms_alg), -1);
	CHECK_STR(kms_signer_key_id("kms:alias/acme"), "alias/acme");
	CHECK(kms_signer_key_id("kms:") == NULL);
	CHECK(kms_signer_key_id("ec256") == NULL);
}
