/* libFuzzer target: PEM private keys (account key, certificate keys, store objects). */
#include "crypto/key.h"
#include "util/mem.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct key *k;

	fuzz_quiet();
	k = key_load_pem((const char *)data, size, "fuzz");
	if (k) {
		size_t len = 0;
		char *pem = key_save_pem(k, &len);

		/* What we save, we load again as the same key. */
		if (pem) {
			struct key *k2 = key_load_pem(pem, len, "fuzz-again");

			if (k2 == NULL || key_public_equal(k, k2) != 1 ||
			    key_get_type(k) != key_get_type(k2))
				abort();
			key_free(k2);
			str_wipe_free(pem);
		}
		free(key_public_pem(k));
		key_free(k);
	}
	k = key_load_public_der(data, size, "fuzz");
	if (k) {
		free(key_public_pem(k));
		key_free(k);
	}
	return 0;
}
