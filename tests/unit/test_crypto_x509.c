/*
 * Certificate parsing against fixtures the openssl CLI made
 * (tests/fixtures/crypto/make.sh lists the known values). The leaf uses the
 * RFC 9773 example AKI and serial, so its ARI id is the RFC's.
 */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/b64.h"
#include "crypto/key.h"
#include "crypto/x509.h"
#include "log/log.h"
#include "test_crypto_util.h"

static struct cert *s_cert(const char *rel, size_t *count)
{
	size_t len = 0;
	char *pem = tc_fixture(rel, &len);
	struct cert *c = pem ? cert_load_pem(pem, len, count, rel) : NULL;

	free(pem);
	return c;
}

TEST(crypto_x509_leaf_fields)
{
	static const unsigned char aki_want[] = {0x69, 0x88, 0x5b, 0x6b, 0x87, 0x46, 0x40,
						 0x41, 0xe1, 0xb3, 0x7b, 0x84, 0x7b, 0xa0,
						 0xae, 0x2c, 0xde, 0x01, 0xc8, 0xd4};
	size_t count = 0, n = 0, akilen = 0;
	struct cert *c = s_cert("leaf.pem", &count);
	char **names = NULL, *s;
	unsigned char *aki = NULL;
	time_t nb = 0, na = 0;

	REQUIRE(c != NULL);
	CHECK_INT(count, 1);
	CHECK_INT(cert_dns_names(c, &names, &n), 0);
	REQUIRE(n == 3);
	CHECK_STR(names[0], "example.com");
	CHECK_STR(names[1], "*.example.com");
	CHECK_STR(names[2], "www.example.com");
	cert_names_free(names, n);
	s = cert_subject_cn(c);
	CHECK_STR(s, "example.com");
	free(s);
	CHECK_INT(cert_validity(c, &nb, &na), 0);
	CHECK_INT(nb, 1735689600); /* 2025-01-01T00:00:00Z */
	CHECK_INT(na, 1743465600); /* 2025-04-01T00:00:00Z */
	s = cert_serial_hex(c);
	CHECK_STR(s, "87654321");
	free(s);
	s = cert_issuer(c);
	CHECK_STR(s, "CN=aaa Test CA,O=aaa tests\\, Inc.,C=US");
	free(s);
	CHECK_INT(cert_aki(c, &aki, &akilen), 0);
	CHECK(akilen == sizeof(aki_want) && memcmp(aki, aki_want, akilen) == 0);
	free(aki);
	/* RFC 9773 section 4.1's example identifier. */
	s = ari_cert_id(c);
	CHECK_STR(s, "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE");
	free(s);
	cert_free(c);
}

/* CN-only certificate (no SAN), RSA key, single-byte serial. */
TEST(crypto_x509_cn_only)
{
	struct cert *c = s_cert("cn-only.pem", NULL);
	char **names = NULL, *s;
	size_t n = 0;
	time_t nb = 0, na = 0;

	REQUIRE(c != NULL);
	CHECK_INT(cert_dns_names(c, &names, &n), 0);
	CHECK_INT(n, 1);
	if (n == 1)
		CHECK_STR(names[0], "legacy.example.org");
	cert_names_free(names, n);
	CHECK_INT(cert_validity(c, &nb, &na), 0);
	CHECK_INT(nb, 1738555506); /* 2025-02-03T04:05:06Z */
	CHECK_INT(na, 1746327721); /* 2025-05-04T03:02:01Z */
	s = cert_serial_hex(c);
	CHECK_STR(s, "0a");
	free(s);
	s = ari_cert_id(c);
	CHECK_STR(s, "aYhba4dGQEHhs3uEe6CuLN4ByNQ.Cg");
	free(s);
	cert_free(c);
}

/* The self-signed CA: no AKI (no ARI id), CN not a DNS name, date past 2050. */
TEST(crypto_x509_ca)
{
	struct cert *c = s_cert("ca.pem", NULL);
	char **names = NULL, *s;
	unsigned char *aki = NULL;
	size_t n = 5, akilen = 0;
	time_t nb = 0, na = 0;

	REQUIRE(c != NULL);
	CHECK_INT(cert_dns_names(c, &names, &n), 0);
	CHECK_INT(n, 0);
	cert_names_free(names, n);
	s = cert_subject_cn(c);
	CHECK_STR(s, "aaa Test CA");
	free(s);
	CHECK_INT(cert_aki(c, &aki, &akilen), -1);
	CHECK(ari_cert_id(c) == NULL);
	CHECK_INT(cert_validity(c, &nb, &na), 0);
	CHECK_INT(na, 2682374400LL); /* 2055-01-01T00:00:00Z (GeneralizedTime) */
	s = cert_serial_hex(c);
	CHECK_STR(s, "01");
	free(s);
	cert_free(c);
}

TEST(crypto_x509_chain_and_split)
{
	size_t count = 0, len = 0, leaflen = 0, calen = 0;
	char *full = tc_fixture("fullchain.pem", &len);
	char *leaf_file = tc_fixture("leaf.pem", &leaflen);
	char *ca_file = tc_fixture("ca.pem", &calen);
	char *leaf = NULL, *chain = NULL, *s;
	struct cert *c;

	REQUIRE(full && leaf_file && ca_file);
	c = cert_load_pem(full, len, &count, "fullchain.pem");
	REQUIRE(c != NULL);
	CHECK_INT(count, 2);
	s = cert_serial_hex(c);
	CHECK_STR(s, "87654321"); /* the first certificate is the leaf */
	free(s);
	cert_free(c);
	CHECK_INT(cert_split_pem(full, len, &leaf, &chain, "fullchain.pem"), 0);
	CHECK_STR(leaf, leaf_file);
	CHECK_STR(chain, ca_file);
	free(leaf);
	free(chain);
	/* A bundle of one: the chain is empty. */
	CHECK_INT(cert_split_pem(leaf_file, leaflen, &leaf, &chain, "leaf.pem"), 0);
	CHECK_STR(leaf, leaf_file);
	CHECK_STR(chain, "");
	free(leaf);
	free(chain);
	free(full);
	free(leaf_file);
	free(ca_file);
}

TEST(crypto_x509_info)
{
	size_t len = 0;
	char *pem = tc_fixture("fullchain.pem", &len);
	struct cert_info info;

	REQUIRE(pem != NULL);
	CHECK_INT(cert_info_get(pem, len, &info, "fullchain.pem"), 0);
	CHECK_INT(info.ncerts, 2);
	CHECK_INT(info.nnames, 3);
	CHECK_STR(info.serial, "87654321");
	CHECK_STR(info.ari_id, "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE");
	CHECK_INT(info.not_after, 1743465600);
	CHECK_STR(info.issuer, "CN=aaa Test CA,O=aaa tests\\, Inc.,C=US");
	cert_info_clear(&info);
	CHECK(info.names == NULL && info.serial == NULL);
	CHECK_INT(cert_info_get("junk", 4, &info, "junk"), -1);
	free(pem);
}

TEST(crypto_x509_refusals)
{
	size_t len = 0;
	char *pem;
	char *leaf = NULL, *chain = NULL;

	harness_clear_errors();
	CHECK(s_cert("truncated-chain.pem", NULL) == NULL);
	CHECK(strstr(harness_last_error(),
		     "truncated-chain.pem: certificate 2 of 2 is truncated or corrupt") != NULL);
	pem = tc_fixture("truncated-chain.pem", &len);
	REQUIRE(pem != NULL);
	CHECK_INT(cert_split_pem(pem, len, &leaf, &chain, "bundle"), -1);
	CHECK(leaf == NULL && chain == NULL);
	free(pem);
	harness_clear_errors();
	CHECK(s_cert("leaf.key", NULL) == NULL);
	CHECK(strstr(harness_last_error(), "leaf.key: no PEM certificate found") != NULL);
	CHECK(cert_load_pem("", 0, NULL, "empty") == NULL);
	CHECK(cert_load_pem(NULL, 0, NULL, NULL) == NULL);
	/* A certificate whose base64 body is damaged. */
	pem = tc_fixture("leaf.pem", &len);
	REQUIRE(pem != NULL && len > 100);
	pem[80] = '*';
	CHECK(cert_load_pem(pem, len, NULL, "damaged") == NULL);
	free(pem);
}

TEST(crypto_x509_key_match)
{
	struct cert *leaf = s_cert("leaf.pem", NULL), *cn = s_cert("cn-only.pem", NULL);
	struct key *lk = tc_fixture_key("leaf.key"), *rk = tc_fixture_key("rsa2048-trad.pem");
	size_t len = 0;
	char *der = tc_fixture("leaf-pub.der", &len);
	struct key *pub = der ? key_load_public_der((unsigned char *)der, len, "pub") : NULL;

	REQUIRE(leaf && cn && lk && rk && pub);
	CHECK_INT(cert_matches_key(leaf, lk), 1);
	CHECK_INT(cert_matches_key(leaf, pub), 1);
	CHECK_INT(cert_matches_key(leaf, rk), 0);
	CHECK_INT(cert_matches_key(cn, rk), 1);
	CHECK_INT(cert_matches_key(cn, lk), 0);
	CHECK_INT(cert_matches_key(cn, tc_key(KEY_RSA2048)), 0);
	CHECK_INT(cert_matches_key(NULL, lk), -1);
	cert_free(leaf);
	cert_free(cn);
	key_free(lk);
	key_free(rk);
	key_free(pub);
	free(der);
}

/* DER and PEM forms round-trip to the same certificate. */
TEST(crypto_x509_der_round_trip)
{
	size_t len = 0, dlen = 0;
	char *file = tc_fixture("leaf.pem", &len);
	struct cert *c = file ? cert_load_pem(file, len, NULL, "leaf.pem") : NULL, *back;
	char *b64 = c ? cert_der_b64url(c) : NULL, *pem, *s;
	unsigned char *der;

	REQUIRE(b64 != NULL);
	der = b64url_decode(b64, strlen(b64), &dlen);
	REQUIRE(der != NULL);
	back = cert_load_der(der, dlen, "der");
	REQUIRE(back != NULL);
	s = cert_serial_hex(back);
	CHECK_STR(s, "87654321");
	free(s);
	pem = cert_pem(back);
	CHECK_STR(pem, file);
	free(pem);
	CHECK(cert_load_der(der, dlen - 1, "short") == NULL);
	cert_free(back);
	cert_free(c);
	free(der);
	free(b64);
	free(file);
}

/* A combined file (certificate and key, either order) serves both loaders. */
TEST(crypto_x509_combined_pem)
{
	size_t clen = 0, klen = 0, count = 0;
	char *cert = tc_fixture("leaf.pem", &clen), *keypem = tc_fixture("leaf.key", &klen);
	char *both = malloc(clen + klen + 1);
	struct cert *c;
	struct key *k;

	REQUIRE(cert && keypem && both);
	memcpy(both, keypem, klen);
	memcpy(both + klen, cert, clen + 1);
	c = cert_load_pem(both, clen + klen, &count, "key+cert");
	k = key_load_pem(both, clen + klen, "key+cert");
	CHECK(c != NULL && k != NULL);
	CHECK_INT(count, 1);
	CHECK_INT(cert_matches_key(c, k), 1);
	cert_free(c);
	key_free(k);
	memcpy(both, cert, clen);
	memcpy(both + clen, keypem, klen + 1);
	k = key_load_pem(both, clen + klen, "cert+key");
	CHECK(k != NULL && key_get_type(k) == KEY_EC256);
	key_free(k);
	free(both);
	free(cert);
	free(keypem);
}
