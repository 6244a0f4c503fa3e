/*
 * Stored certificates: certs/<name>/{meta.json,privkey.pem,cert.pem,
 * chain.pem,fullchain.pem,history/<serial>.pem} and the index the
 * scheduler reads (name -> not_after, renew_after, failures: index.json and
 * its deltas, store/index.h).
 */
#ifndef AAA_AGENT_CERTS_H
#define AAA_AGENT_CERTS_H

#include <cjson/cJSON.h>

#include "agent/agent.h"
#include "store/index.h"

/* meta.json of name (caller cJSON_Deletes); NULL when absent (return 1) or
 * on error (-1, a->err). */
int agent_meta_load(struct agent *a, const char *name, cJSON **meta);
int agent_meta_save(struct agent *a, const char *name, const cJSON *meta);

/*
 * Stores a newly issued certificate: the version first (history/<serial>.pem
 * and, with key_pem, history/<serial>.key), then privkey.pem (with key_pem),
 * cert/chain/fullchain, then meta.json (built from the certificate and the fields of extra: deploy,
 * ari, authz...), then the index entry. Re-running it after a crash is
 * harmless. *meta_out (optional, caller deletes) is the meta written.
 */
int agent_cert_store(struct agent *a, const char *name, const char *fullchain_pem,
		     const char *key_pem, const char *key_type, const cJSON *extra,
		     cJSON **meta_out);

/*
 * A stored certificate as one consistent set: cert.pem, chain.pem,
 * fullchain.pem and privkey.pem when they belong together (the key is the
 * certificate's, fullchain = cert + chain); else the version meta.json
 * names (history/<serial>.pem and history/<serial>.key), as a store caught
 * mid-change or after a failed write has it; else an error
 * (store/keyMismatch). Users (sync, every deploy target) never get a key
 * and a certificate that do not match. 0, 1 absent, -1 error.
 */
struct agent_cert_set {
	char *cert, *chain, *fullchain, *key;
	size_t keylen;
};
int agent_cert_set_load(struct agent *a, const char *name, struct agent_cert_set *s);
void agent_cert_set_clear(struct agent_cert_set *s);

/* Reads one stored file of name ("privkey.pem"...). 0, 1 absent, -1 error. */
int agent_cert_file(struct agent *a, const char *name, const char *file, char **data, size_t *len);

/*
 * Updates (or with entry NULL removes) name's entry in the index: one new
 * delta object (store/index.h), so it never conflicts with another writer.
 */
int agent_index_set(struct agent *a, const char *name, const cJSON *entry);

/* The index as readers see it (index.json and every delta, merged): 0,
 * 1 when the store has no index at all (v->doc is an empty one), -1
 * (a->err names the request that failed). index_view_free(v) after. */
int agent_index_read(struct agent *a, struct index_view *v);

/* The index entry for a meta (not_after, renew_after, serial, failures...). */
cJSON *agent_index_entry(const cJSON *meta);

/* Records a failed renewal in meta.json and the index (failures + 1, when). */
int agent_cert_record_failure(struct agent *a, const char *name, const char *error);

/* The RFC 3339 time in member k of o; 0 when it is missing or not a time. */
time_t agent_time_member(const cJSON *o, const char *k);

/* RFC 3339 UTC for t into out (at least 21 bytes). */
void agent_time_format(time_t t, char *out, size_t len);

#endif
