/*
 * Keys: the type table, generation and PEM round trips for every type,
 * loading the formats the openssl CLI writes (fixtures), and refusing what
 * aaa does not support with a message naming the input and what was found.
 */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/jwk.h"
#include "crypto/key.h"
#include "log/log.h"
#include "test_crypto_util.h"
#include "util/mem.h"

TEST(crypto_key_type_table)
{
	int i;

	CHECK_STR(key_type_names[KEY_RSA2048], "rsa2048");
	CHECK_STR(key_type_names[KEY_RSA3072], "rsa3072");
	CHECK_STR(key_type_names[KEY_RSA4096], "rsa4096");
	CHECK_STR(key_type_names[KEY_EC256], "ec256");
	CHECK_STR(key_type_names[KEY_EC384], "ec384");
	for (i = 0; i < KEY_TYPE_MAX; i++) {
		CHECK_INT(key_type_parse(key_type_names[i]), i);
		CHECK_STR(key_type_name((enum key_type)i), key_type_names[i]);
	}
	CHECK_INT(key_type_parse("rsa1024"), -1);
	CHECK_INT(key_type_parse("EC256"), -1);
	CHECK_INT(key_type_parse(""), -1);
	CHECK_INT(key_type_parse(NULL), -1);
	CHECK_STR(key_type_name(KEY_TYPE_MAX), "unknown");
	CHECK_INT(key_type_parse_nocase("EC256"), KEY_EC256);
	CHECK_INT(key_type_parse_nocase("ec521"), -1);
	CHECK_INT(key_type_parse_nocase(NULL), -1);
	{
		char buf[80];

		key_type_choices(buf, sizeof(buf));
		CHECK_STR(buf, "rsa2048, rsa3072, rsa4096, ec256 or ec384");
		key_type_choices(buf, 8);
		CHECK_STR(buf, "rsa2048");
	}
}

/* Generate, save, load: same type, same public key, private part kept. */
TEST(crypto_key_generate_round_trip_all_types)
{
	int t;

	for (t = 0; t < KEY_TYPE_MAX; t++) {
		struct key *k = tc_key((enum key_type)t), *back = NULL;
		size_t len = 0;
		char *pem;

		REQUIRE(k != NULL);
		CHECK_INT(key_get_type(k), t);
		CHECK(key_has_private(k));
		pem = key_save_pem(k, &len);
		REQUIRE(pem != NULL);
		CHECK_INT(len, strlen(pem));
		CHECK(strncmp(pem, "-----BEGIN PRIVATE KEY-----\n", 28) == 0);
		back = key_load_pem(pem, len, "round trip");
		CHECK(back != NULL);
		CHECK_INT(key_get_type(back), t);
		CHECK(key_has_private(back));
		CHECK_INT(key_public_equal(k, back), 1);
		str_wipe_free(pem);
		key_free(back);
	}
}

TEST(crypto_key_public_equal)
{
	struct key *a = tc_key(KEY_EC256), *b = key_generate(KEY_EC256), *r = tc_key(KEY_RSA2048);
	struct key *ref;

	REQUIRE(a && b && r);
	CHECK_INT(key_public_equal(a, a), 1);
	CHECK_INT(key_public_equal(a, b), 0);
	CHECK_INT(key_public_equal(a, r), 0);
	CHECK_INT(key_public_equal(a, NULL), -1);
	ref = key_ref(a);
	CHECK(ref != NULL);
	CHECK_INT(key_public_equal(a, ref), 1);
	CHECK_INT(key_get_type(ref), KEY_EC256);
	key_free(ref);
	key_free(b);
}

/* Formats written by the openssl CLI (tests/fixtures/crypto/make.sh). */
TEST(crypto_key_load_openssl_formats)
{
	static const struct {
		const char *file;
		enum key_type type;
	} v[] = {
	    {"rsa2048-trad.pem", KEY_RSA2048}, /* "RSA PRIVATE KEY" */
	    {"rsa3072.pem", KEY_RSA3072},      /* PKCS#8 */
	    {"ec256-trad.pem", KEY_EC256},     /* "EC PARAMETERS" + "EC PRIVATE KEY" */
	    {"ec384.pem", KEY_EC384},	       /* PKCS#8 */
	    {"leaf.key", KEY_EC256},
	};
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct key *k = tc_fixture_key(v[i].file);

		if (k == NULL) {
			harness_fail(__FILE__, __LINE__, "cannot load %s: %s", v[i].file,
				     harness_last_error());
			continue;
		}
		CHECK_INT(key_get_type(k), v[i].type);
		CHECK(key_has_private(k));
		key_free(k);
	}
}

/* A refusal must fail and say which input and what is wrong with it. */
static void s_refused(const char *file, const char *what_found, int line)
{
	struct key *k;
	const char *err;

	harness_clear_errors();
	k = tc_fixture_key(file);
	err = harness_last_error();
	if (k != NULL) {
		harness_fail(__FILE__, line, "%s was accepted", file);
		key_free(k);
		return;
	}
	if (strstr(err, file) == NULL || strstr(err, what_found) == NULL)
		harness_fail(__FILE__, line, "%s: message \"%s\" lacks \"%s\"", file, err,
			     what_found);
}

TEST(crypto_key_refusals)
{
	s_refused("rsa1024.pem", "found an RSA 1024-bit key", __LINE__);
	s_refused("p521.pem", "found an EC key on curve secp521r1", __LINE__);
	s_refused("ed25519.pem", "found a key of type ED25519", __LINE__);
	s_refused("rsa-pss.pem", "RSA-PSS", __LINE__);
	s_refused("encrypted.pem", "encrypted with a passphrase", __LINE__);
	s_refused("encrypted-trad.pem", "encrypted with a passphrase", __LINE__);
	s_refused("truncated-key.pem", "truncated or corrupt", __LINE__);
	s_refused("leaf.pem", "no private key found (found a CERTIFICATE block)", __LINE__);
	/* Every refusal lists what is supported. */
	s_refused("rsa1024.pem", "rsa2048, rsa3072, rsa4096, ec256, ec384", __LINE__);
}

TEST(crypto_key_refuses_garbage)
{
	harness_clear_errors();
	CHECK(key_load_pem("hello", 5, "garbage.pem") == NULL);
	CHECK(strstr(harness_last_error(), "garbage.pem: not a PEM private key") != NULL);
	CHECK(key_load_pem("", 0, "empty.pem") == NULL);
	CHECK(strstr(harness_last_error(), "empty.pem") != NULL);
	CHECK(key_load_pem(NULL, 0, NULL) == NULL);
}

/* Not NUL-terminated input is fine: only len bytes are read. */
TEST(crypto_key_load_not_terminated)
{
	size_t len = 0;
	char *pem = tc_fixture("ec384.pem", &len), *copy;
	struct key *k;

	REQUIRE(pem != NULL);
	copy = malloc(len);
	REQUIRE(copy != NULL);
	memcpy(copy, pem, len);
	k = key_load_pem(copy, len, "copy");
	CHECK(k != NULL && key_get_type(k) == KEY_EC384);
	key_free(k);
	free(copy);
	free(pem);
}

/* The public half from a DER SubjectPublicKeyInfo (as KMS returns it). */
TEST(crypto_key_public_der)
{
	size_t len = 0;
	char *der = tc_fixture("leaf-pub.der", &len);
	struct key *pub, *priv = tc_fixture_key("leaf.key");
	char *pem;

	REQUIRE(der != NULL && priv != NULL);
	pub = key_load_public_der((unsigned char *)der, len, "leaf-pub.der");
	REQUIRE(pub != NULL);
	CHECK_INT(key_get_type(pub), KEY_EC256);
	CHECK(!key_has_private(pub));
	CHECK_INT(key_public_equal(pub, priv), 1);
	/* No private key to save. */
	CHECK(key_save_pem(pub, NULL) == NULL);
	pem = key_public_pem(pub);
	CHECK(pem != NULL && strncmp(pem, "-----BEGIN PUBLIC KEY-----", 26) == 0);
	free(pem);
	/* Trailing bytes and truncation are refused. */
	CHECK(key_load_public_der((unsigned char *)der, len - 1, "short") == NULL);
	{
		unsigned char longer[200];

		memcpy(longer, der, len);
		longer[len] = 0;
		CHECK(key_load_public_der(longer, len + 1, "long") == NULL);
	}
	key_free(pub);
	key_free(priv);
	free(der);
}

TEST(crypto_key_from_components)
{
	static const unsigned char x[32] = {1}, y[32] = {2};
	struct key *k = tc_key(KEY_EC384), *pub;
	cJSON *jwk;

	REQUIRE(k != NULL);
	/* Through the JWK: the public key survives, the private part does not. */
	jwk = jwk_public(k);
	REQUIRE(jwk != NULL);
	pub = jwk_to_key(jwk);
	REQUIRE(pub != NULL);
	CHECK_INT(key_get_type(pub), KEY_EC384);
	CHECK(!key_has_private(pub));
	CHECK_INT(key_public_equal(pub, k), 1);
	key_free(pub);
	cJSON_Delete(jwk);
	/* A point that is not on the curve is refused. */
	CHECK(key_from_ec_public(KEY_EC256, x, sizeof(x), y, sizeof(y)) == NULL);
	/* Coordinates wider than the field are refused. */
	CHECK(key_from_ec_public(KEY_EC256, x, 33, y, 32) == NULL);
	CHECK(key_from_ec_public(KEY_RSA2048, x, 32, y, 32) == NULL);
	/* An RSA modulus of an unsupported size is refused like a loaded key. */
	{
		unsigned char n[128], e[] = {1, 0, 1};

		memset(n, 0xc5, sizeof(n));
		harness_clear_errors();
		CHECK(key_from_rsa_public(n, sizeof(n), e, sizeof(e)) == NULL);
		CHECK(strstr(harness_last_error(), "RSA 1024-bit") != NULL);
	}
	/* An exponent that is zero, one, even or not below the modulus is refused
	 * (fuzz_jwk: e = 0 made a key that could not be written back). */
	{
		unsigned char n[256], zero[] = {0}, one[] = {1}, even[] = {1, 0, 0}, big[257];

		memset(n, 0xc5, sizeof(n));
		memset(big, 0xff, sizeof(big));
		harness_clear_errors();
		CHECK(key_from_rsa_public(n, sizeof(n), zero, sizeof(zero)) == NULL);
		CHECK(strstr(harness_last_error(), "exponent") != NULL);
		CHECK(key_from_rsa_public(n, sizeof(n), one, sizeof(one)) == NULL);
		CHECK(key_from_rsa_public(n, sizeof(n), even, sizeof(even)) == NULL);
		CHECK(key_from_rsa_public(n, sizeof(n), big, sizeof(big)) == NULL);
	}
}
