/* libFuzzer target: DNS names from the CLI, events and Slack (comma-separated lists). */
#define _DEFAULT_SOURCE
#include "crypto/names.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size), *p, *tok, *save = NULL;
	const char **list = NULL;
	size_t n = 0;
	struct aaa_err err;

	fuzz_quiet();
	if (s == NULL)
		return 0;
	if (name_validate(s, &err) == 0) {
		if (strlen(s) > NAME_MAX_LEN || strchr(s, '/') || strstr(s, ".."))
			abort();
		(void)name_is_wildcard(s);
	}
	(void)name_validate(s, NULL);
	list = calloc(size + 1, sizeof(*list));
	if (list == NULL)
		goto out;
	for (p = s; (tok = strtok_r(p, ",", &save)) != NULL; p = NULL)
		list[n++] = tok;
	if (names_validate_list(list, n, &err) == 0) {
		size_t i;

		for (i = 0; i < n; i++) {
			if (name_validate(list[i], NULL) != 0)
				abort();
			if (i > 0 && name_equal(list[i], list[0]))
				abort();
		}
	}
	if (n >= 2)
		(void)name_equal(list[0], list[1]);
	if (n)
		name_lower((char *)list[0]);
out:
	free(list);
	free(s);
	return 0;
}
