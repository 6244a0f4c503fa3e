/* libFuzzer target: credentials JSON from IMDS and container endpoints. */
#include "aws/credentials.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aws_credentials *c = NULL;
	struct aaa_err err = {0};

	fuzz_quiet();
	if (aws_credentials_parse_json((const char *)data, size, "fuzz", &c, &err) == 0) {
		if (c == NULL || c->access_key_id == NULL || c->secret_access_key == NULL)
			abort();
		(void)aws_credentials_expiring(c, 0);
		aws_credentials_free(c);
	}
	return 0;
}
