/*
 * aaa revoke: revocation of the stored certificate with the account key
 * (RFC 8555 7.6), recorded in meta.json so ls shows it and the scheduler
 * replaces it (unless the reason says the names are no longer in use).
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acme/order.h"
#include "agent/account.h"
#include "agent/certs.h"
#include "agent/ops.h"
#include "store/keys.h"
#include "util/mem.h"

int agent_revoke(struct agent *a, const char *name, const char *reason)
{
	char *pem = NULL, when[32];
	size_t len = 0;
	cJSON *meta = NULL, *entry = NULL;
	int code = 0, r, rc = -1;

	if (reason && (code = acme_revoke_reason_parse(reason)) < 0) {
		char choices[160];

		acme_revoke_reason_choices(choices, sizeof(choices));
		agent_fail(a, "input", "", "--reason %s: use %s", reason, choices);
		goto out;
	}
	r = agent_cert_file(a, name, STORE_FILE_CERT, &pem, &len);
	if (r == 1)
		agent_fail(a, "input", "", "no certificate for %s in %s", name,
			   store_url(a->store));
	if (r != 0 || agent_account_load(a) != 0)
		goto out;
	if (acme_revoke(a->acme, pem, code, NULL) != 0) {
		agent_fail_acme(a, "revoke");
		goto out;
	}
	agent_progress(a, "%s revoked", name);
	if (agent_meta_load(a, name, &meta) != 0)
		goto out;
	agent_time_format(time(NULL), when, sizeof(when));
	cJSON_DeleteItemFromObjectCaseSensitive(meta, "revoked");
	cJSON_DeleteItemFromObjectCaseSensitive(meta, "revoked_at");
	cJSON_DeleteItemFromObjectCaseSensitive(meta, "revoked_reason");
	cJSON_AddBoolToObject(meta, "revoked", 1);
	cJSON_AddStringToObject(meta, "revoked_at", when);
	cJSON_AddStringToObject(meta, "revoked_reason", reason ? reason : "unspecified");
	if (agent_meta_save(a, name, meta) != 0 || !(entry = agent_index_entry(meta)) ||
	    agent_index_set(a, name, entry) != 0)
		goto out;
	rc = 0;
out:
	free(pem);
	cJSON_Delete(meta);
	cJSON_Delete(entry);
	return rc;
}
