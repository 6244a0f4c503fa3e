/* Helpers shared by the libFuzzer targets (header only, test code). */
#ifndef AAA_FUZZ_UTIL_H
#define AAA_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a NUL-terminated string (it may hold NULs: C callers then see
 * a prefix, as they would). Caller frees; NULL on allocation failure. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s) {
		if (size)
			memcpy(s, data, size);
		s[size] = '\0';
	}
	return s;
}

/* Logs go nowhere: parsers log every refusal, and printing would dominate. */
static inline void fuzz_quiet(void)
{
	log_configure(LOG_LEVEL_MAX, 0, NULL);
}

#endif
