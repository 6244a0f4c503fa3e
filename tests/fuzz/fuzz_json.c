/* libFuzzer target: JSON documents from CAs, AWS, Lambda events and the store. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "json/json.h"
#include "log/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *j;
	const char *s = NULL;
	long long n = 0;
	const cJSON *o = NULL;

	log_configure(LOG_LEVEL_MAX, 0, NULL);
	j = json_parse((const char *)data, size, "fuzz");
	if (j) {
		(void)json_get_str(j, "status", "fuzz", &s);
		(void)json_get_int(j, "n", "fuzz", &n);
		(void)json_get_obj(j, "o", "fuzz", &o);
		(void)json_get_arr(j, "a", "fuzz", &o);
		free(json_print(j));
		cJSON_Delete(j);
	}
	return 0;
}
