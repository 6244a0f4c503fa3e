/* libFuzzer target: Slack form bodies through the form and command parsers,
 * the signature check over the same bytes, and the whole dispatcher with
 * the body correctly signed: whatever reaches the executor must be a valid
 * executor payload whose names all match the domain allowlist. */
#include "slack/command.h"
#include "slack/dispatch.h"
#include "slack/form.h"
#include "slack/policy.h"
#include "slack/verify.h"
#include "crypto/b64.h"
#include "crypto/names.h"
#include "json/json.h"
#include "handlers/executor_actions.h"

#include "fuzz_util.h"

#define DOMAINS "*.example.com,example.org"

static int s_check_invoke(void *ctx, const char *function, const char *payload_json,
			  struct aaa_err *err)
{
	cJSON *p = json_parse(payload_json, strlen(payload_json), NULL);
	const cJSON *n;
	struct aaa_err rerr;
	const struct exec_action *a = NULL;

	(void)ctx;
	(void)function;
	(void)err;
	if (p == NULL || executor_validate(p, &a, &rerr) != 0 ||
	    json_str(p, "idempotency_key") == NULL || json_str(p, "response_url") == NULL)
		abort();
	cJSON_ArrayForEach(
	    n, json_arr(p, "names")) if (!slack_domain_allowed(DOMAINS, n->valuestring)) abort();
	if (json_str(p, "name") && !slack_domain_allowed(DOMAINS, json_str(p, "name")))
		abort();
	cJSON_Delete(p);
	return 0;
}

/* The body as a signed HTTP API event through slack_dispatch. */
static void s_dispatch(const uint8_t *data, size_t size)
{
	static const char secret[] = "fuzz-secret";
	struct slack_settings s;
	struct slack_deps d;
	char sig[68];
	char *b64 = NULL, *out = NULL;
	cJSON *ev = cJSON_CreateObject(), *h, *rc;

	memset(&s, 0, sizeof(s));
	memset(&d, 0, sizeof(d));
	s.secret = (const unsigned char *)secret;
	s.secret_len = sizeof(secret) - 1;
	s.domains = DOMAINS;
	s.executor = "x";
	d.now = 1700000000;
	d.invoke = s_check_invoke;
	if (ev == NULL ||
	    slack_signature_compute(secret, s.secret_len, "1700000000", data, size, sig) != 0)
		goto out;
	b64 = b64_encode(data, size);
	h = cJSON_AddObjectToObject(ev, "headers");
	rc = cJSON_AddObjectToObject(ev, "requestContext");
	if (b64 == NULL || h == NULL || rc == NULL)
		goto out;
	cJSON_AddStringToObject(h, "x-slack-signature", sig);
	cJSON_AddStringToObject(h, "x-slack-request-timestamp", "1700000000");
	cJSON_AddStringToObject(ev, "version", "2.0");
	cJSON_AddStringToObject(cJSON_AddObjectToObject(rc, "http"), "method", "POST");
	cJSON_AddStringToObject(ev, "body", b64);
	cJSON_AddTrueToObject(ev, "isBase64Encoded");
	if (slack_dispatch(&s, &d, ev, &out) == 0 && out == NULL)
		abort();
out:
	free(out);
	free(b64);
	cJSON_Delete(ev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct slack_form f;
	struct slack_cmd cmd;
	struct aaa_err err, why, cerr;
	char *sig = fuzz_cstr(data, size);
	size_t i;

	fuzz_quiet();
	if (sig == NULL)
		return 0;
	/* The signature check never accepts a fuzzed signature (the input as
	 * both signature and body; a NUL ends the signature early). */
	if (slack_signature_verify("secret", 6, "1700000000", sig, data, size, 1700000000, &why) ==
	    0)
		abort();
	free(sig);
	s_dispatch(data, size);
	err_clear(&err);
	if (slack_form_parse((const char *)data, size, &f, &err) != 0) {
		if (!err_is_set(&err))
			abort();
		slack_form_free(&f);
		return 0;
	}
	for (i = 0; i < f.n; i++)
		if (f.pairs[i].name == NULL || f.pairs[i].value == NULL)
			abort();
	err_clear(&cerr);
	if (slack_cmd_parse(slack_form_get(&f, "text"), &cmd, &cerr) == 0) {
		cJSON *p = slack_cmd_payload(&cmd);
		char *d = slack_cmd_describe(&cmd);

		/* Whatever was accepted is a valid, allowed-shape request. */
		if (cmd.action >= SLACK_ACTION_MAX || cmd.nnames > SLACK_MAX_NAMES ||
		    (cmd.action != SLACK_HELP && p == NULL) || d == NULL)
			abort();
		for (i = 0; i < cmd.nnames; i++)
			if (name_validate(cmd.names[i], NULL) != 0)
				abort();
		cJSON_Delete(p);
		free(d);
		slack_cmd_free(&cmd);
	} else if (!err_is_set(&cerr)) {
		abort();
	}
	slack_form_free(&f);
	return 0;
}
