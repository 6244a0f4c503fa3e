/* libFuzzer target: the AWS shared config and credentials files (INI). */
#include "aws/credentials_ini.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aws_ini ini = AWS_INI_INIT;
	struct aaa_err err = {0};
	size_t i;

	fuzz_quiet();
	if (aws_ini_parse((const char *)data, size, "fuzz", &ini, &err) == 0) {
		for (i = 0; i < ini.n; i++) {
			if (ini.v[i].section == NULL)
				abort();
			if (ini.v[i].key && ini.v[i].value == NULL)
				abort();
			if (ini.v[i].key &&
			    aws_ini_get(&ini, ini.v[i].section, ini.v[i].key) == NULL)
				abort();
			if (!aws_ini_has_section(&ini, ini.v[i].section))
				abort();
		}
		(void)aws_ini_get(&ini, "default", "aws_access_key_id");
		(void)aws_ini_get(&ini, "profile x", "s3.addressing_style");
		aws_ini_free(&ini);
	} else if (ini.n != 0 || ini.v != NULL) {
		abort(); /* "out is empty after a failure" */
	}
	return 0;
}
