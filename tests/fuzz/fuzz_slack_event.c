/* libFuzzer target: API Gateway events (any JSON) through the whole Slack
 * dispatcher with a fixed secret and clock; the executor must never be
 * invoked for an event that is not signed with the secret, and every
 * answer is a proxy response. */
#include "slack/dispatch.h"
#include "json/json.h"

#include "fuzz_util.h"

static int s_invoke(void *ctx, const char *function, const char *payload_json, struct aaa_err *err)
{
	(void)ctx;
	(void)function;
	(void)payload_json;
	(void)err;
	/* A fuzzer cannot forge HMAC-SHA256: reaching here is a bug. */
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct slack_seen seen;
	struct slack_settings s;
	struct slack_deps d;
	cJSON *ev, *resp;
	char *out = NULL;

	fuzz_quiet();
	ev = json_parse((const char *)data, size, NULL);
	if (ev == NULL)
		return 0;
	memset(&s, 0, sizeof(s));
	memset(&d, 0, sizeof(d));
	s.secret = (const unsigned char *)"fuzz-secret";
	s.secret_len = 11;
	s.domains = "*.example.com";
	s.executor = "x";
	d.now = 1700000000;
	d.invoke = s_invoke;
	d.seen = &seen;
	if (slack_dispatch(&s, &d, ev, &out) == 0) {
		resp = json_parse(out, strlen(out), NULL);
		if (resp == NULL || json_int(resp, "statusCode", 0) < 200 ||
		    json_str(resp, "body") == NULL)
			abort();
		cJSON_Delete(resp);
	}
	free(out);
	cJSON_Delete(ev);
	return 0;
}
