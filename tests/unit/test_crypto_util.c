#include "test_crypto_util.h"

#include <stdio.h>
#include <stdlib.h>

#include "harness.h"

static struct key *s_keys[KEY_TYPE_MAX];

struct key *tc_key(enum key_type t)
{
	if ((unsigned)t >= KEY_TYPE_MAX)
		return NULL;
	if (s_keys[t] == NULL)
		s_keys[t] = key_generate(t);
	return s_keys[t];
}

/* Frees the cache at exit so ASan's leak check sees a clean run. */
__attribute__((destructor)) static void s_free_keys(void)
{
	int i;

	for (i = 0; i < KEY_TYPE_MAX; i++) {
		key_free(s_keys[i]);
		s_keys[i] = NULL;
	}
}

char *tc_fixture(const char *rel, size_t *len)
{
	char path[512];

	snprintf(path, sizeof(path), "crypto/%s", rel);
	return read_file_all(fixture_path(path), len);
}

struct key *tc_fixture_key(const char *rel)
{
	size_t len = 0;
	char *pem = tc_fixture(rel, &len);
	struct key *k = pem ? key_load_pem(pem, len, rel) : NULL;

	free(pem);
	return k;
}
