/*
 * The dispatcher Lambda handler: Slack slash commands through API Gateway.
 * The work is slack_dispatch (slack/dispatch.h); this file
 * wires it to the environment, KMS and Lambda:
 *
 *   AAA_SLACK_SIGNING_SECRET      the signing secret, KMS ciphertext (base64);
 *                                 decrypted once per cold start
 *   AAA_SLACK_VERIFICATION_TOKEN  the legacy token, KMS ciphertext; only when set
 *   AAA_SLACK_TEAMS, AAA_SLACK_CHANNELS, AAA_SLACK_USERS, AAA_ALLOWED_DOMAINS
 *   AAA_EXECUTOR_FUNCTION         invoked asynchronously (InvocationType Event)
 *   AAA_SLACK_RESPONSE_URL_PREFIX tests only: where response URLs may point
 *
 * The decrypted values are registered with log_add_secret and wiped at
 * exit. A KMS failure is not remembered: the next invocation tries again.
 */
#ifndef AAA_HANDLERS_DISPATCHER_H
#define AAA_HANDLERS_DISPATCHER_H

#include "runtime/handler.h"

/*
 * The handler (rt_handler_fn): *response_json is always an API Gateway
 * proxy response when 0 is returned (401 for a bad signature, 200 with an
 * ephemeral message for refusals and for the acknowledgement). -1 with err
 * ("SlackNotConfigured", "InternalError") when no secret could be had: API
 * Gateway then answers 502 and the function's error metric counts it.
 */
int agent_dispatcher(const cJSON *event, const struct runtime_ctx *ctx, char **response_json,
		     struct aaa_err *err);

/* Wipes and frees the decrypted secrets (registered with atexit on the
 * first load; callable again). */
void agent_dispatcher_cleanup(void);

#endif
