/*
 * The text after the slash command ("cert www.example.com --key-type ec384")
 * parsed into one request, and that request as an executor payload
 * (README.md "Executor actions"). Words are separated by ASCII white
 * space; there is no quoting and no shell: a word that is not a valid
 * name or option is refused with a message saying which and why. Names are
 * checked with crypto/names.h and lower-cased. Pure.
 *
 *   cert NAME... [--create-key] [--key-type T]
 *   renew NAME | status NAME | revoke NAME [REASON] | ls | help
 */
#ifndef AAA_SLACK_COMMAND_H
#define AAA_SLACK_COMMAND_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "util/err.h"

/* Slack sends at most a few thousand characters; we take this many. */
#define SLACK_MAX_TEXT 4000
/* Let's Encrypt's limit of names per certificate. */
#define SLACK_MAX_NAMES 100

enum slack_action {
	SLACK_CERT,
	SLACK_RENEW,
	SLACK_STATUS,
	SLACK_LS,
	SLACK_REVOKE,
	SLACK_HELP,
	SLACK_ACTION_MAX
};

extern const char *const slack_action_names[SLACK_ACTION_MAX];

struct slack_cmd {
	enum slack_action action;
	char **names; /* owned; lower-cased, valid; cert: 1..SLACK_MAX_NAMES, else 0 or 1 */
	size_t nnames;
	int create_key;
	char *key_type; /* owned; NULL: the executor's default */
	char *reason;	/* owned; revoke only; NULL: none given */
};

/*
 * Parses text into cmd (zeroed first; free with slack_cmd_free, also after
 * a failure). Empty text is "help". 0, or -1 with err set (source "input",
 * a message for the user naming the offending word, at most 64 bytes of it).
 */
int slack_cmd_parse(const char *text, struct slack_cmd *cmd, struct aaa_err *err);
void slack_cmd_free(struct slack_cmd *cmd);

/* The executor payload ({"action":...}) for cmd; NULL for help or on
 * allocation failure. Caller frees. */
cJSON *slack_cmd_payload(const struct slack_cmd *cmd);

/* One line describing cmd for the acknowledgement ("cert for a.example,
 * b.example"); caller frees; NULL on allocation failure. */
char *slack_cmd_describe(const struct slack_cmd *cmd);

#endif
