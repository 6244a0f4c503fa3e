/* libFuzzer target: store URLs (AAA_STORE, --store): file://DIR, s3://BUCKET/PREFIX. */
#include "store/keys.h"
#include "store/store_backend.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	struct store_location loc;
	struct aaa_err err;

	fuzz_quiet();
	if (s == NULL)
		return 0;
	memset(&loc, 0, sizeof(loc));
	if (store_url_parse(s, &loc, &err) == 0) {
		if (loc.scheme == NULL || loc.where == NULL || loc.root == NULL)
			abort();
		/* The layout root is a valid key prefix (no escape from the
		 * bucket). A PREFIX near STORE_KEY_MAX is accepted here and every
		 * key under it refused later, with a message, so skip those. */
		if (strlen(loc.root) < STORE_KEY_MAX && store_prefix_validate(loc.root, NULL) != 0)
			abort();
	}
	store_location_free(&loc);
	free(s);
	return 0;
}
