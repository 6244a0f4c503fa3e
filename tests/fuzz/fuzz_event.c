/* libFuzzer target: Lambda events (Runtime API bodies) through routing and
 * executor payload validation. */
#include "handlers/executor_actions.h"
#include "runtime/route.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aaa_err err;
	cJSON *ev;
	enum rt_handler h, pin;
	const struct exec_action *a = NULL;

	fuzz_quiet();
	memset(&err, 0, sizeof(err));
	ev = route_parse((const char *)data, size, &err);
	if (ev == NULL) {
		if (err.type[0] == '\0')
			abort();
		return 0;
	}
	for (pin = RT_SCHEDULER; pin <= RT_HANDLER_MAX; pin++) {
		memset(&err, 0, sizeof(err));
		if (route_classify(ev, pin, &h, &err) == 0) {
			if (h >= RT_HANDLER_MAX || (pin != RT_HANDLER_MAX && h != pin))
				abort();
		} else if (err.type[0] == '\0') {
			abort();
		}
	}
	memset(&err, 0, sizeof(err));
	if (executor_validate(ev, &a, &err) == 0) {
		if (a < exec_actions || a >= exec_actions + exec_nactions)
			abort();
	} else if (err.type[0] == '\0') {
		abort();
	}
	cJSON_Delete(ev);
	return 0;
}
