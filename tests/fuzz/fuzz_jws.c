/* libFuzzer target: flattened JWS verification (ACME test doubles, EAB) and
 * the ECDSA signature conversions. */
#include "crypto/jws.h"

#include "fuzz_util.h"

/* tests/fixtures/crypto/leaf.key: the corpus's JWS are signed with it. */
static const char s_leaf_key[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgoHUEeagC3gi8Bvf8\n"
    "EJwTvIrkyDI5hRXOtQJMg1fvahihRANCAASf2IdN6Rv18CuK48PeMwcDGSo5og6Z\n"
    "NFRCmtdy/SVSjXFSG0Lf9bbLhdmV2FPgV2s9WL0zLuWhrdDkGwOYdjP6\n"
    "-----END PRIVATE KEY-----\n";
/* The EAB MAC key of the corpus's EAB JWS. */
static const char s_mac_key[] = "secret-key-1234567890123456789012";

static struct key *s_key;

static void s_verify_result(int rc, cJSON *hdr, char *payload, size_t plen)
{
	if (rc == 0) {
		if (hdr == NULL || payload == NULL || strlen(payload) > plen)
			abort();
		cJSON_Delete(hdr);
		free(payload);
	} else if (hdr || payload) {
		abort(); /* nothing handed out on failure */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;
	cJSON *hdr = NULL;
	char *payload = NULL;
	size_t plen = 0, dlen = 0;
	unsigned char *der = NULL, raw[96];
	int rc;

	fuzz_quiet();
	if (s_key == NULL) /* kept for the whole run, on purpose */
		s_key = key_load_pem(s_leaf_key, sizeof(s_leaf_key) - 1, "fuzz");
	s = fuzz_cstr(data, size);
	if (s == NULL)
		return 0;
	rc = jws_verify(s, NULL, &hdr, &payload, &plen);
	s_verify_result(rc, hdr, payload, plen);
	hdr = NULL;
	payload = NULL;
	rc = jws_verify(s, s_key, &hdr, &payload, &plen);
	s_verify_result(rc, hdr, payload, plen);
	hdr = NULL;
	payload = NULL;
	rc = jws_verify_hs256(s, (const unsigned char *)s_mac_key, sizeof(s_mac_key) - 1, &hdr,
			      &payload, &plen);
	s_verify_result(rc, hdr, payload, plen);
	(void)jws_verify(s, s_key, NULL, NULL, NULL);

	/* Raw r||s to DER and back gives the same bytes when the halves fit. */
	if (jws_ecdsa_raw_to_der(data, size, &der, &dlen) == 0) {
		if ((size == 64 || size == 96) &&
		    (jws_ecdsa_der_to_raw(der, dlen, size / 2, raw) != 0 ||
		     memcmp(raw, data, size) != 0))
			abort();
		free(der);
	}
	(void)jws_ecdsa_der_to_raw(data, size, 32, raw);
	(void)jws_ecdsa_der_to_raw(data, size, 48, raw);
	free(s);
	return 0;
}
