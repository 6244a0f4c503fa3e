/* libFuzzer target: JSON Web Keys (JWS headers, account keys). */
#include <cjson/cJSON.h>

#include "crypto/jwk.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *j;
	struct key *k;

	fuzz_quiet();
	j = cJSON_ParseWithLength((const char *)data, size);
	if (j == NULL)
		return 0;
	free(jwk_thumbprint(j));
	k = jwk_to_key(j);
	if (k) {
		/* The key we accepted, written as a JWK and read back, is the same key. */
		cJSON *pub = jwk_public(k);
		struct key *k2 = pub ? jwk_to_key(pub) : NULL;

		if (pub == NULL || k2 == NULL || key_public_equal(k, k2) != 1)
			abort();
		free(jwk_key_thumbprint(k));
		key_free(k2);
		cJSON_Delete(pub);
		key_free(k);
	}
	cJSON_Delete(j);
	return 0;
}
