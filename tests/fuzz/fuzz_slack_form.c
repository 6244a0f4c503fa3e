/* libFuzzer target: Slack form bodies through the form parser and the
 * command parser (text), and the signature check over the same bytes. */
#include "agent/slack_command.h"
#include "agent/slack_form.h"
#include "agent/slack_verify.h"
#include "crypto/names.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct slack_form f;
	struct slack_cmd cmd;
	char err[512], why[256];
	char *sig = fuzz_cstr(data, size);
	size_t i;

	fuzz_quiet();
	if (sig == NULL)
		return 0;
	/* The signature check never accepts a fuzzed signature (the input as
	 * both signature and body; a NUL ends the signature early). */
	if (slack_signature_verify("secret", 6, "1700000000", sig, data, size, 1700000000, why,
				   sizeof(why)) == 0)
		abort();
	free(sig);
	if (slack_form_parse((const char *)data, size, &f, err, sizeof(err)) != 0) {
		if (err[0] == '\0')
			abort();
		slack_form_free(&f);
		return 0;
	}
	for (i = 0; i < f.n; i++)
		if (f.pairs[i].name == NULL || f.pairs[i].value == NULL)
			abort();
	if (slack_cmd_parse(slack_form_get(&f, "text"), &cmd, err, sizeof(err)) == 0) {
		cJSON *p = slack_cmd_payload(&cmd);
		char *d = slack_cmd_describe(&cmd);

		/* Whatever was accepted is a valid, allowed-shape request. */
		if (cmd.action >= SLACK_ACTION_MAX || cmd.nnames > SLACK_MAX_NAMES ||
		    (cmd.action != SLACK_HELP && p == NULL) || d == NULL)
			abort();
		for (i = 0; i < cmd.nnames; i++)
			if (name_validate(cmd.names[i], NULL, 0) != 0)
				abort();
		cJSON_Delete(p);
		free(d);
		slack_cmd_free(&cmd);
	} else if (err[0] == '\0') {
		abort();
	}
	slack_form_free(&f);
	return 0;
}
