/* libFuzzer target: PEM certificates and chains from the CA and the store, DER too. */
#include "crypto/x509.h"

#include "fuzz_util.h"

static void s_poke(const struct cert *c)
{
	char **names = NULL;
	size_t n = 0;
	time_t nb, na;
	unsigned char *aki = NULL;
	size_t akilen = 0;

	if (cert_dns_names(c, &names, &n) == 0)
		cert_names_free(names, n);
	free(cert_subject_cn(c));
	(void)cert_validity(c, &nb, &na);
	free(cert_serial_hex(c));
	free(cert_issuer(c));
	if (cert_aki(c, &aki, &akilen) == 0)
		free(aki);
	free(ari_cert_id(c));
	free(cert_der_b64url(c));
	free(cert_pem(c));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *pem = (const char *)data;
	struct cert *c;
	struct cert_info info;
	size_t count = 0;
	char *leaf = NULL, *chain = NULL;

	fuzz_quiet();
	c = cert_load_pem(pem, size, &count, "fuzz");
	if (c) {
		s_poke(c);
		cert_free(c);
	}
	memset(&info, 0, sizeof(info));
	if (cert_info_get(pem, size, &info, "fuzz") == 0)
		cert_info_clear(&info);
	if (cert_split_pem(pem, size, &leaf, &chain, "fuzz") == 0) {
		/* The leaf we split off is one loadable certificate. */
		size_t n1 = 0;
		struct cert *l = cert_load_pem(leaf, strlen(leaf), &n1, "fuzz-leaf");

		if (l == NULL || n1 != 1)
			abort();
		cert_free(l);
		free(leaf);
		free(chain);
	}
	c = cert_load_der(data, size, "fuzz");
	if (c) {
		s_poke(c);
		cert_free(c);
	}
	return 0;
}
