/* libFuzzer target: base64 and base64url decoders (JOSE, ACME, KMS, PEM bodies). */
#include "crypto/b64.h"

#include "fuzz_util.h"

typedef char *(*enc_fn)(const void *, size_t);
typedef unsigned char *(*dec_fn)(const char *, size_t, size_t *);

/* decode(text) then encode then decode again gives the same bytes; and
 * encode(data) decodes to data. */
static void s_check(const uint8_t *data, size_t size, enc_fn enc, dec_fn dec)
{
	size_t n = 0, n2 = 0;
	unsigned char *d = dec((const char *)data, size, &n);
	char *e;
	unsigned char *d2;

	if (d) {
		e = enc(d, n);
		if (e == NULL)
			abort();
		d2 = dec(e, strlen(e), &n2);
		if (d2 == NULL || n2 != n || (n && memcmp(d, d2, n) != 0))
			abort();
		free(d2);
		free(e);
		free(d);
	}
	e = enc(data, size);
	if (e == NULL)
		abort();
	d2 = dec(e, strlen(e), &n2);
	if (d2 == NULL || n2 != size || (size && memcmp(data, d2, size) != 0))
		abort();
	free(d2);
	free(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_quiet();
	s_check(data, size, b64_encode, b64_decode);
	s_check(data, size, b64url_encode, b64url_decode);
	return 0;
}
