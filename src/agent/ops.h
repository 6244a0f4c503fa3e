/*
 * The operations on stored certificates behind aaa ls, sync and revoke
 * (and the executor's ls and revoke actions).
 */
#ifndef AAA_AGENT_OPS_H
#define AAA_AGENT_OPS_H

#include <cjson/cJSON.h>

#include "agent/agent.h"

/*
 * What `aaa ls` prints, in the original Go aaa's shape: an array of accounts
 * {"email","directory","account","domains":[{"domain","authorization":
 * {"expires"},"certificate":{"not_before","not_after","san",...}}]}.
 * NULL on error (a->error).
 */
cJSON *agent_ls(struct agent *a);

/* The "certificate" object of one domain in agent_ls, from its meta.json
 * (caller deletes). */
cJSON *agent_cert_summary(const cJSON *meta);

/*
 * Writes cert.pem, chain.pem, fullchain.pem and privkey.pem (0600) of name
 * into dir, each atomically (temporary file + rename) and only when it
 * changed; then, when something changed and post_hook is set, runs it with
 * /bin/sh -c (AAA_SYNC_DIR and AAA_SYNC_DOMAIN in its environment).
 * *changed: 1 when files changed. 0 ok; -1 error (a->error), also when the
 * hook fails (its exit status is named).
 */
int agent_sync(struct agent *a, const char *name, const char *dir, const char *post_hook,
	       int *changed);

/*
 * Revokes the stored certificate of name with the account key and the
 * reason (RFC 5280 name or NULL: unspecified); meta.json and the index
 * record it.
 */
int agent_revoke(struct agent *a, const char *name, const char *reason);

#endif
