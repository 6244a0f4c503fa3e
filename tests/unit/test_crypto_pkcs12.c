/*
 * PKCS#12 build and compare (crypto/pkcs12.c) on the fixture leaf, its key
 * and its CA (tests/fixtures/crypto/make.sh). The integration test opens
 * what aaa sync writes with the openssl CLI; here the properties sync
 * relies on: a build opens with its password only, and "matches" tells the
 * same key and chain from another password, key or chain.
 */
#include "harness.h"
#include "test_crypto_util.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/pkcs12.h"

TEST(pkcs12_build_and_match)
{
	size_t klen = 0, flen = 0, clen = 0, len = 0, len2 = 0;
	char *key = tc_fixture("leaf.key", &klen), *fc = tc_fixture("fullchain.pem", &flen);
	char *leaf = tc_fixture("leaf.pem", &clen);
	char *other_key = tc_fixture("ec384.pem", NULL);
	unsigned char *der = NULL, *der2 = NULL;

	REQUIRE(key && fc && leaf && other_key);
	REQUIRE(pkcs12_build(key, klen, fc, flen, "pw-one", "example.com", &der, &len) == 0);
	CHECK(len > 0);
	CHECK(pkcs12_matches(der, len, "pw-one", key, klen, fc, flen) == 1);
	CHECK(pkcs12_matches(der, len, "pw-two", key, klen, fc, flen) == 0);
	/* the leaf alone is another chain; another key is another key */
	CHECK(pkcs12_matches(der, len, "pw-one", key, klen, leaf, clen) == 0);
	CHECK(pkcs12_matches(der, len, "pw-one", other_key, strlen(other_key), fc, flen) == 0);
	/* salted afresh: two builds differ in bytes but both match */
	REQUIRE(pkcs12_build(key, klen, fc, flen, "pw-one", "example.com", &der2, &len2) == 0);
	CHECK(len != len2 || memcmp(der, der2, len) != 0);
	CHECK(pkcs12_matches(der2, len2, "pw-one", key, klen, fc, flen) == 1);
	/* a truncated or foreign file is simply not the same */
	CHECK(pkcs12_matches(der, len / 2, "pw-one", key, klen, fc, flen) == 0);
	CHECK(pkcs12_matches((const unsigned char *)fc, flen, "pw-one", key, klen, fc, flen) == 0);
	free(der);
	free(der2);
	/* no password, no build */
	CHECK(pkcs12_build(key, klen, fc, flen, NULL, "x", &der, &len) == -1);
	CHECK(der == NULL && len == 0);
	free(key);
	free(fc);
	free(leaf);
	free(other_key);
}
