/* libFuzzer target: the log redaction pass sees every message, so any text. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *out;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	out = log_redact(text);
	/* A registered secret never survives, whatever surrounds it. */
	log_add_secret("fuzz-secret-value");
	free(out);
	out = log_redact(text);
	if (out && strstr(out, "fuzz-secret-value"))
		abort();
	free(out);
	log_clear_secrets();
	free(text);
	return 0;
}
