/* libFuzzer target: store keys and the names that become store keys. */
#define _DEFAULT_SOURCE
#include "store/keys.h"

#include "fuzz_util.h"

/* Anything a builder returns is a valid store key. */
static void s_valid(char *key)
{
	if (key) {
		if (store_key_validate(key, NULL) != 0)
			abort();
		free(key);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size), *nl, *enc, *dec;
	const char *a, *b;
	struct aaa_err err;

	fuzz_quiet();
	if (s == NULL)
		return 0;
	if (store_key_validate(s, &err) == 0) {
		if (s[0] == '/' || strstr(s, "..") == s || strstr(s, "/../") || strchr(s, '\\'))
			abort();
	}
	(void)store_prefix_validate(s, &err);

	enc = store_cert_name_encode(s);
	if (enc) {
		/* The segment decodes to the lower-cased name. */
		size_t i;

		dec = store_cert_name_decode(enc);
		if (dec == NULL || strlen(dec) != strlen(s))
			abort();
		for (i = 0; s[i]; i++) {
			char c = s[i];

			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			if (dec[i] != c)
				abort();
		}
		free(dec);
		free(enc);
	}
	dec = store_cert_name_decode(s);
	if (dec) {
		enc = store_cert_name_encode(dec);
		if (enc == NULL)
			abort();
		free(enc);
		free(dec);
	}
	s_valid(store_key_cert_dir(s));
	s_valid(store_key_job(s));

	/* Two-argument builders: the input split at its first newline. */
	nl = strchr(s, '\n');
	if (nl) {
		*nl = '\0';
		a = s;
		b = nl + 1;
	} else {
		a = "example.com";
		b = s;
	}
	s_valid(store_key_account_dir(a, b));
	s_valid(store_key_account_dir(b, a));
	s_valid(store_key_cert_history(a, b));
	s_valid(store_key_join(a, b));
	free(s);
	return 0;
}
