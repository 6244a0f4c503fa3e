/*
 * Digests, HMAC, hex and base64 against published vectors: FIPS 180-2 /
 * NIST examples for SHA-256, RFC 4231 for HMAC-SHA256, RFC 4648 section 10
 * for base64 and base64url, plus the strict decoder's refusals.
 */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/b64.h"
#include "crypto/hash.h"

static void s_hex(const unsigned char *md, size_t len, char *out)
{
	hex_encode(md, len, out);
}

TEST(hash_sha256_vectors)
{
	static const struct {
		const char *in;
		const char *hex;
	} v[] = {
	    {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	    {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	    {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
	};
	unsigned char md[SHA256_LEN];
	char hex[2 * SHA256_LEN + 1];
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		CHECK_INT(crypto_sha256(v[i].in, strlen(v[i].in), md), 0);
		s_hex(md, sizeof(md), hex);
		CHECK_STR(hex, v[i].hex);
		CHECK_INT(crypto_sha256_hex(v[i].in, strlen(v[i].in), hex), 0);
		CHECK_STR(hex, v[i].hex);
	}
}

/* FIPS 180 example vectors (the AWS CLI names its SSO cache files this way). */
TEST(hash_sha1_hex_vectors)
{
	char hex[2 * SHA1_LEN + 1];

	REQUIRE(crypto_sha1_hex("abc", 3, hex) == 0);
	CHECK_STR(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
	REQUIRE(crypto_sha1_hex("", 0, hex) == 0);
	CHECK_STR(hex, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

TEST(hash_hmac_sha256_rfc4231)
{
	unsigned char k1[20], k3[20], d3[50], k4[25], d4[50], k6[131], md[SHA256_LEN];
	char hex[2 * SHA256_LEN + 1];
	const char *d6 = "Test Using Larger Than Block-Size Key - Hash Key First";
	const char *d7 =
	    "This is a test using a larger than block-size key and a larger than "
	    "block-size data. The key needs to be hashed before being used by the HMAC "
	    "algorithm.";
	size_t i;

	memset(k1, 0x0b, sizeof(k1));
	memset(k3, 0xaa, sizeof(k3));
	memset(d3, 0xdd, sizeof(d3));
	for (i = 0; i < sizeof(k4); i++)
		k4[i] = (unsigned char)(i + 1);
	memset(d4, 0xcd, sizeof(d4));
	memset(k6, 0xaa, sizeof(k6));

	/* Test case 1 */
	CHECK_INT(crypto_hmac_sha256(k1, sizeof(k1), "Hi There", 8, md), 0);
	s_hex(md, sizeof(md), hex);
	CHECK_STR(hex, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	/* Test case 2: key shorter than the output */
	CHECK_INT(crypto_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, md), 0);
	s_hex(md, sizeof(md), hex);
	CHECK_STR(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	/* Test case 3 */
	CHECK_INT(crypto_hmac_sha256(k3, sizeof(k3), d3, sizeof(d3), md), 0);
	s_hex(md, sizeof(md), hex);
	CHECK_STR(hex, "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
	/* Test case 4 */
	CHECK_INT(crypto_hmac_sha256(k4, sizeof(k4), d4, sizeof(d4), md), 0);
	s_hex(md, sizeof(md), hex);
	CHECK_STR(hex, "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
	/* Test case 6: key larger than the block size */
	CHECK_INT(crypto_hmac_sha256(k6, sizeof(k6), d6, strlen(d6), md), 0);
	s_hex(md, sizeof(md), hex);
	CHECK_STR(hex, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
	/* Test case 7: key and data larger than the block size */
	CHECK_INT(crypto_hmac_sha256(k6, sizeof(k6), d7, strlen(d7), md), 0);
	s_hex(md, sizeof(md), hex);
	CHECK_STR(hex, "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

TEST(hash_hex_encode)
{
	const unsigned char in[] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
	char out[2 * sizeof(in) + 1];

	hex_encode(in, sizeof(in), out);
	CHECK_STR(out, "00017f80abff");
	hex_encode(in, 0, out);
	CHECK_STR(out, "");
}

TEST(hash_random)
{
	unsigned char a[32], b[32], zero[32];

	memset(zero, 0, sizeof(zero));
	CHECK_INT(crypto_random(a, sizeof(a)), 0);
	CHECK_INT(crypto_random(b, sizeof(b)), 0);
	CHECK(memcmp(a, b, sizeof(a)) != 0);
	CHECK(memcmp(a, zero, sizeof(a)) != 0);
}

/* RFC 4648 section 10 test vectors, both alphabets. */
TEST(b64_rfc4648_vectors)
{
	static const struct {
		const char *in, *std, *url;
	} v[] = {
	    {"", "", ""},
	    {"f", "Zg==", "Zg"},
	    {"fo", "Zm8=", "Zm8"},
	    {"foo", "Zm9v", "Zm9v"},
	    {"foob", "Zm9vYg==", "Zm9vYg"},
	    {"fooba", "Zm9vYmE=", "Zm9vYmE"},
	    {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
	};
	size_t i, n;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char *s = b64_encode(v[i].in, strlen(v[i].in));
		char *u = b64url_encode(v[i].in, strlen(v[i].in));
		unsigned char *d;

		CHECK_STR(s, v[i].std);
		CHECK_STR(u, v[i].url);
		d = b64_decode(v[i].std, strlen(v[i].std), &n);
		CHECK(d != NULL && n == strlen(v[i].in) && memcmp(d, v[i].in, n) == 0);
		free(d);
		d = b64url_decode(v[i].url, strlen(v[i].url), &n);
		CHECK(d != NULL && n == strlen(v[i].in) && memcmp(d, v[i].in, n) == 0);
		free(d);
		free(s);
		free(u);
	}
}

/* The two alphabets differ in exactly the last two symbols. */
TEST(b64_alphabets)
{
	const unsigned char in[] = {0xfb, 0xff, 0xbf};
	unsigned char *d;
	char *s = b64_encode(in, sizeof(in));
	char *u = b64url_encode(in, sizeof(in));
	size_t n = 0;

	CHECK_STR(s, "+/+/");
	CHECK_STR(u, "-_-_");
	d = b64url_decode("-_-_", 4, &n);
	CHECK(d != NULL && n == 3 && memcmp(d, in, 3) == 0);
	free(d);
	CHECK(b64url_decode("+/+/", 4, &n) == NULL);
	CHECK(b64_decode("-_-_", 4, &n) == NULL);
	free(s);
	free(u);
}

/* Decoded output is NUL-terminated for convenience (documented). */
TEST(b64_decode_nul_terminated)
{
	size_t n = 0;
	unsigned char *d = b64url_decode("Zm9vYmE", 7, &n);

	REQUIRE(d != NULL);
	CHECK_INT(n, 5);
	CHECK_INT(d[5], 0);
	free(d);
}

TEST(b64_strict_rejections)
{
	static const char *const bad_url[] = {
	    "Zg==",	/* padding is not allowed in base64url */
	    "Zm8=",	/* ditto */
	    "Zm9v+",	/* '+' is not in the url alphabet */
	    "Zm 9v",	/* whitespace */
	    "Zm9v\n",	/* trailing newline */
	    "Z",	/* a single leftover symbol cannot encode a byte */
	    "Zh",	/* non-canonical: leftover bits not zero ("Zg" is canonical) */
	    "Zm9=",	/* '=' inside */
	    "Zm9vYmF",	/* non-canonical ("Zm9vYmE") */
	    "Zm9v\x80", /* non-ASCII */
	};
	static const char *const bad_std[] = {
	    "Zg",   /* missing padding */
	    "Zg=",  /* short padding */
	    "Zh==", /* non-canonical */
	    "Zm9=", /* non-canonical trailing bits (Zm8=) */
	    "Zg==Zg==", "=Zg=", "Z===", "Zm-_", "Zm9v ", "Zm9v\r\n",
	};
	size_t i, n;

	for (i = 0; i < sizeof(bad_url) / sizeof(bad_url[0]); i++) {
		unsigned char *d = b64url_decode(bad_url[i], strlen(bad_url[i]), &n);

		if (d != NULL)
			harness_fail(__FILE__, __LINE__, "b64url_decode accepted \"%s\"",
				     bad_url[i]);
		free(d);
	}
	for (i = 0; i < sizeof(bad_std) / sizeof(bad_std[0]); i++) {
		unsigned char *d = b64_decode(bad_std[i], strlen(bad_std[i]), &n);

		if (d != NULL)
			harness_fail(__FILE__, __LINE__, "b64_decode accepted \"%s\"", bad_std[i]);
		free(d);
	}
	/* An embedded NUL inside the given length is a bad character too. */
	CHECK(b64url_decode("Zm\0v", 4, &n) == NULL);
}

/* Every byte value survives both codecs, at every length mod 3. */
TEST(b64_round_trip_all_bytes)
{
	unsigned char in[256];
	size_t i, len, n;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)i;
	for (len = 0; len <= sizeof(in); len += 37) {
		char *s = b64_encode(in, len), *u = b64url_encode(in, len);
		unsigned char *a = s ? b64_decode(s, strlen(s), &n) : NULL;
		size_t na = n;
		unsigned char *b = u ? b64url_decode(u, strlen(u), &n) : NULL;

		CHECK(a != NULL && na == len && memcmp(a, in, len) == 0);
		CHECK(b != NULL && n == len && memcmp(b, in, len) == 0);
		CHECK(u != NULL && strchr(u, '=') == NULL);
		free(a);
		free(b);
		free(s);
		free(u);
	}
}
