/*
 * The Slack slash command path, from an API Gateway proxy event to the
 * proxy response, with everything slow or environmental injected: the
 * signing secret (already decrypted), the allowlists, the clock and the
 * executor invocation. dispatcher.c wires these to the environment, KMS and
 * Lambda; tests wire them to fixed values and a recorder.
 *
 * Order: method (405), signature and timestamp, or the legacy token when
 * configured (401), replay (401), form (400), then the request's own
 * checks, answered as 200 with an ephemeral message as Slack expects:
 * repeated fields, allowlists, command syntax, names and domains, the
 * response_url. Only then is the executor invoked, once.
 */
#ifndef AAA_SLACK_DISPATCH_H
#define AAA_SLACK_DISPATCH_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "util/err.h"

/* Everything borrowed. */
struct slack_settings {
	const unsigned char *secret; /* signing secret; may be NULL when token is set */
	size_t secret_len;
	const char *token;		 /* legacy verification token; NULL unless configured */
	const char *teams;		 /* AAA_SLACK_TEAMS */
	const char *channels;		 /* AAA_SLACK_CHANNELS */
	const char *users;		 /* AAA_SLACK_USERS */
	const char *domains;		 /* AAA_ALLOWED_DOMAINS */
	const char *executor;		 /* AAA_EXECUTOR_FUNCTION */
	const char *response_url_prefix; /* NULL: AAA_SLACK_RESPONSE_URL_PREFIX */
};

/*
 * Starts the executor asynchronously with payload_json. 0 when the
 * invocation was accepted; -1 with err set (a line for the user, with AWS's
 * code and request id when AWS refused).
 */
typedef int (*slack_invoke_fn)(void *ctx, const char *function, const char *payload_json,
			       struct aaa_err *err);

/* Requests already handed to the executor by this process (a warm
 * sandbox), by idempotency key: a Slack retry of one is not invoked again,
 * a replay without X-Slack-Retry-Num is refused. */
#define SLACK_SEEN_MAX 128
struct slack_seen {
	struct {
		char key[48];
		long long at;
	} e[SLACK_SEEN_MAX];
	size_t next;
};

struct slack_deps {
	long long now; /* epoch seconds */
	slack_invoke_fn invoke;
	void *invoke_ctx;
	struct slack_seen *seen; /* may be NULL: no memory of earlier requests */
};

/*
 * Answers event (borrowed) with an API Gateway proxy response in
 * *response_json (caller frees). 0, or -1 only when no response could be
 * built at all (out of memory).
 */
int slack_dispatch(const struct slack_settings *s, const struct slack_deps *d, const cJSON *event,
		   char **response_json);

/*
 * The idempotency key of a request: "slack-" and 32 hex digits of
 * SHA-256 over the team id and trigger_id (unique per command a person
 * types), or over the raw body when there is no trigger_id. A Slack retry
 * carries the same body, so it maps to the same key. out: 39 bytes.
 */
int slack_idempotency_key(const char *team, const char *trigger_id, const void *body,
			  size_t body_len, char out[48]);

#endif
