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
 * NULL on error (a->err).
 */
cJSON *agent_ls(struct agent *a);

/* The "certificate" object of one domain in agent_ls, from its meta.json
 * (caller deletes). */
cJSON *agent_cert_summary(const cJSON *meta);

/* What aaa sync writes (aaa sync --format). */
enum agent_sync_format {
	AGENT_SYNC_PEM,	     /* cert.pem, chain.pem, fullchain.pem, privkey.pem (0600) */
	AGENT_SYNC_COMBINED, /* combined.pem (0600): the key, then the full chain */
	AGENT_SYNC_PKCS12,   /* cert.p12 (0600): key, leaf and chain under a password */
};

/*
 * Writes name's certificate and key into dir in format, each file
 * atomically (temporary file + rename) and only when it changed (a PKCS#12
 * when it opens with the password and holds another key or chain); then,
 * when something changed and post_hook is set, runs it with /bin/sh -c and
 * AAA_SYNC_DIR, AAA_SYNC_DOMAIN and AAA_RENEWED_NAMES (the certificate's
 * names, space-separated) in its environment. pkcs12_password is needed for
 * AGENT_SYNC_PKCS12 only. *changed: 1 when files changed. 0 ok; -1 error
 * (a->err), also when the hook fails (its exit status is named).
 */
int agent_sync(struct agent *a, const char *name, const char *dir, const char *post_hook,
	       enum agent_sync_format format, const char *pkcs12_password, int *changed);

/*
 * Revokes the stored certificate of name with the account key and the
 * reason (RFC 5280 name or NULL: unspecified); meta.json and the index
 * record it.
 */
int agent_revoke(struct agent *a, const char *name, const char *reason);

#endif
