/*
 * The certificate side of the store. meta.json is written last, so a
 * reader that finds a meta finds the files it describes; the index (a base
 * and per-change deltas, store/index.h) is a cache of the metas for the
 * scheduler.
 */
#define _GNU_SOURCE
#include "agent/certs.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acme/ari.h"
#include "acme/order.h"
#include "agent/account.h"
#include "agent/ops.h"
#include "agent/renewal.h"
#include "crypto/hash.h"
#include "crypto/key.h"
#include "crypto/names.h"
#include "crypto/x509.h"
#include "json/json.h"
#include "log/log.h"
#include "store/index.h"
#include "store/keys.h"
#include "util/mem.h"

void agent_time_format(time_t t, char *out, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

time_t agent_time_member(const cJSON *o, const char *k)
{
	const char *s = json_str(o, k);
	time_t t = 0;

	if (!s || acme_rfc3339_parse(s, &t) != 0)
		return 0;
	return t;
}

static int s_add_time(cJSON *o, const char *k, time_t t)
{
	char buf[32];

	agent_time_format(t, buf, sizeof(buf));
	return cJSON_AddStringToObject(o, k, buf) ? 0 : -1;
}

static char *s_cert_key(const char *name, const char *file)
{
	char *dir = store_key_cert_dir(name), *key = NULL;

	if (dir)
		key = store_key_join(dir, file);
	free(dir);
	return key;
}

int agent_cert_file(struct agent *a, const char *name, const char *file, char **data, size_t *len)
{
	char *key = s_cert_key(name, file);
	int rc = -1;

	*data = NULL;
	if (!key) {
		agent_fail(a, "input", "", "%s: not a certificate name", name);
		return -1;
	}
	rc = agent_store_get(a, key, data, len, NULL);
	free(key);
	return rc;
}

int agent_meta_load(struct agent *a, const char *name, cJSON **meta)
{
	char *text = NULL;
	size_t len = 0;
	int rc = agent_cert_file(a, name, STORE_FILE_META, &text, &len);

	*meta = NULL;
	if (rc == 0 && !(*meta = json_parse(text, len, "meta.json"))) {
		agent_fail(a, "store", "", "certs/%s/meta.json in the store is damaged", name);
		rc = -1;
	}
	free(text);
	return rc;
}

int agent_meta_save(struct agent *a, const char *name, const cJSON *meta)
{
	char *key = s_cert_key(name, STORE_FILE_META), *text = json_print(meta);
	int rc = -1;

	if (key && text)
		rc = agent_store_put(a, key, text, strlen(text), 0);
	free(key);
	free(text);
	return rc;
}

cJSON *agent_index_entry(const cJSON *meta)
{
	cJSON *e = cJSON_CreateObject();
	static const char *const copy[] = {"not_before", "not_after",	 "renew_after",
					   "serial",	 "last_failure", "last_error"};
	size_t i;
	const char *s;
	const cJSON *t;
	int deploy_failed = 0;

	if (!e)
		return NULL;
	for (i = 0; i < sizeof(copy) / sizeof(copy[0]); i++)
		if ((s = json_str(meta, copy[i])) && !cJSON_AddStringToObject(e, copy[i], s))
			goto fail;
	cJSON_ArrayForEach(t, json_obj(meta, "deployed"))
	{
		if (json_str(t, "error"))
			deploy_failed = 1;
	}
	if (deploy_failed && !cJSON_AddBoolToObject(e, "deploy_failed", 1))
		goto fail;
	/* What the scheduler's ARI re-check needs: the certificate's ARI id and
	 * when the CA said to ask again (handlers/sched_ari.c). */
	if (json_add_str_opt(e, "ari_id", json_str(meta, "ari_id")) != 0 ||
	    json_add_str_opt(e, "ari_next", json_str(json_obj(meta, "ari"), "next")) != 0)
		goto fail;
	/* The hosted zones it was validated in: the scheduler's batches. */
	if (json_arr(meta, "zones") &&
	    !cJSON_AddItemToObject(e, "zones", cJSON_Duplicate(json_arr(meta, "zones"), 1)))
		goto fail;
	if (!cJSON_AddNumberToObject(e, "failures", (double)json_int(meta, "failures", 0)) ||
	    !cJSON_AddBoolToObject(e, "revoked", json_bool(meta, "revoked", 0)))
		goto fail;
	return e;
fail:
	cJSON_Delete(e);
	return NULL;
}

/*
 * One delta object per change (store/index.h): no read, no condition, so
 * any number of executors finishing at once all land, and the bytes moved
 * do not grow with the number of certificates.
 */
int agent_index_set(struct agent *a, const char *name, const cJSON *entry)
{
	struct aaa_err e;
	char *nm = str_dup(name);
	int rc = -1;

	/* One entry per certificate however the caller spelled its name. */
	if (!nm)
		return -1;
	name_normalize(nm);
	err_clear(&e);
	if (index_put(a->store, nm, entry, &e) != STORE_OK) {
		agent_fail(a, "store", e.code, "cannot record %s in the index in %s%s%s", nm,
			   store_url(a->store), e.message[0] ? ": " : "", e.message);
		err_detail(&a->err, e.http_status, e.request_id);
		goto out;
	}
	rc = 0;
out:
	free(nm);
	return rc;
}

int agent_index_read(struct agent *a, struct index_view *v)
{
	struct aaa_err e;
	int r;

	err_clear(&e);
	r = index_read(a->store, v, &e);
	if (r == STORE_ERROR) {
		agent_fail(
		    a, "store", e.code, "cannot read the index (index.json and %s) from %s%s%s",
		    INDEX_DELTA_PREFIX, store_url(a->store), e.message[0] ? ": " : "", e.message);
		err_detail(&a->err, e.http_status, e.request_id);
		return -1;
	}
	return r == STORE_NOT_FOUND ? 1 : 0;
}

/* A random number in [0, 1) from the CSPRNG (the renewal point). */
static double s_random01(void)
{
	unsigned int u = 0;

	if (crypto_random(&u, sizeof(u)) != 0)
		return 0.5;
	return (double)u / 4294967296.0;
}

/*
 * renew_after from what meta holds (dates, ARI window, failures and the
 * last one) and the configured days; replaces the member.
 */
static int s_set_renew_after(const struct agent *a, cJSON *meta)
{
	struct renewal_input ri = {0};

	ri.not_before = agent_time_member(meta, "not_before");
	ri.not_after = agent_time_member(meta, "not_after");
	ri.ari_start = agent_time_member(json_obj(meta, "ari"), "start");
	ri.ari_end = agent_time_member(json_obj(meta, "ari"), "end");
	ri.renew_before_days = a->cfg.renew_before_days;
	ri.failures = (unsigned)json_int(meta, "failures", 0);
	ri.last_failure = agent_time_member(meta, "last_failure");
	cJSON_DeleteItemFromObjectCaseSensitive(meta, "renew_after");
	return s_add_time(meta, "renew_after", renewal_time(&ri, s_random01()));
}

/* Copies extra's members over meta's (extra wins), by duplication. */
static int s_merge(cJSON *meta, const cJSON *extra)
{
	const cJSON *it;

	if (!extra)
		return 0;
	cJSON_ArrayForEach(it, extra)
	{
		cJSON_DeleteItemFromObjectCaseSensitive(meta, it->string);
		if (!cJSON_AddItemToObject(meta, it->string, cJSON_Duplicate(it, 1)))
			return -1;
	}
	return 0;
}

static int s_put_named(struct agent *a, const char *name, const char *file, const char *data,
		       size_t len, int secret)
{
	char *key = s_cert_key(name, file);
	int rc = key ? agent_store_put(a, key, data, len, secret) : -1;

	free(key);
	return rc;
}

/* history/<serial>.pem -> history/<serial>.key (the key of that version). */
static char *s_history_key(const char *hkey)
{
	size_t n = strlen(hkey);

	if (n < 4 || strcmp(hkey + n - 4, ".pem") != 0)
		return NULL;
	return str_printf("%.*s.key", (int)(n - 4), hkey);
}

void agent_cert_set_clear(struct agent_cert_set *s)
{
	free(s->cert);
	free(s->chain);
	free(s->fullchain);
	mem_wipe_free(s->key, s->keylen);
	memset(s, 0, sizeof(*s));
}

/* 1 when the four texts are one certificate and its key, else 0. */
static int s_set_consistent(const struct agent_cert_set *s)
{
	char *leaf = NULL, *chain = NULL;
	struct cert *c = NULL;
	struct key *k = NULL;
	int ok = 0;

	if (!s->cert || !s->chain || !s->fullchain || !s->key ||
	    cert_split_pem(s->fullchain, strlen(s->fullchain), &leaf, &chain, "fullchain.pem") != 0)
		goto out;
	if (strcmp(leaf, s->cert) != 0 || strcmp(chain, s->chain) != 0)
		goto out;
	c = cert_load_pem(s->fullchain, strlen(s->fullchain), NULL, "fullchain.pem");
	k = key_load_pem(s->key, s->keylen, "privkey.pem");
	ok = c && k && cert_matches_key(c, k) == 1;
out:
	cert_free(c);
	key_free(k);
	free(leaf);
	free(chain);
	return ok;
}

/* The version meta.json names (history/<serial>.pem and .key). 0, 1, -1. */
static int s_set_from_history(struct agent *a, const char *name, struct agent_cert_set *s)
{
	cJSON *meta = NULL;
	char *hkey = NULL, *hkkey = NULL;
	size_t len = 0;
	int r, rc = 1;

	agent_cert_set_clear(s);
	if ((r = agent_meta_load(a, name, &meta)) != 0) {
		rc = r;
		goto out;
	}
	if (!json_str(meta, "serial") ||
	    !(hkey = store_key_cert_history(name, json_str(meta, "serial"))) ||
	    !(hkkey = s_history_key(hkey)))
		goto out;
	if ((r = agent_store_get(a, hkey, &s->fullchain, &len, NULL)) != 0 ||
	    (r = agent_store_get(a, hkkey, &s->key, &s->keylen, NULL)) != 0) {
		rc = r;
		goto out;
	}
	if (cert_split_pem(s->fullchain, len, &s->cert, &s->chain, "history") != 0)
		goto out;
	rc = 0;
out:
	cJSON_Delete(meta);
	free(hkey);
	free(hkkey);
	return rc;
}

int agent_cert_set_load(struct agent *a, const char *name, struct agent_cert_set *s)
{
	static const char *const files[] = {STORE_FILE_CERT, STORE_FILE_CHAIN, STORE_FILE_FULLCHAIN,
					    STORE_FILE_PRIVKEY};
	char **dst[] = {&s->cert, &s->chain, &s->fullchain, &s->key};
	size_t i, len = 0;
	int r;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < 4; i++) {
		r = agent_cert_file(a, name, files[i], dst[i], i == 3 ? &s->keylen : &len);
		if (r != 0) {
			agent_cert_set_clear(s);
			return r;
		}
	}
	if (s_set_consistent(s))
		return 0;
	/* Caught mid-change (or a failed write): use the version meta.json names. */
	log_warn("%s: the stored key and certificate files do not match; using the version "
		 "meta.json names",
		 name);
	r = s_set_from_history(a, name, s);
	if (r == 0 && s_set_consistent(s))
		return 0;
	agent_cert_set_clear(s);
	if (r < 0)
		return -1;
	agent_fail(a, "store", "keyMismatch",
		   "%s: the stored private key does not match the stored certificate, and "
		   "meta.json names no version that does; refusing to use them (run aaa cert "
		   "--cn %s again)",
		   name, name);
	return -1;
}

int agent_cert_store(struct agent *a, const char *name, const char *fullchain_pem,
		     const char *key_pem, const char *key_type, const cJSON *extra,
		     cJSON **meta_out)
{
	struct cert_info ci = {0};
	cJSON *meta = NULL, *prev = NULL, *entry = NULL, *hist;
	char *leaf = NULL, *chain = NULL, *hkey = NULL, *hkkey = NULL;
	size_t i, n = strlen(fullchain_pem);
	int rc = -1;

	if (meta_out)
		*meta_out = NULL;
	if (cert_info_get(fullchain_pem, n, &ci, "the issued certificate") != 0 ||
	    cert_split_pem(fullchain_pem, n, &leaf, &chain, "the issued certificate") != 0) {
		agent_fail(a, "acme", "", "%s: the CA sent a certificate aaa cannot read", name);
		goto out;
	}
	if (!(hkey = store_key_cert_history(name, ci.serial)) || !(hkkey = s_history_key(hkey)))
		goto out;
	/* The version first (certificate and key under the serial), then the
	 * flat files, then meta.json, which names the serial: a reader that
	 * finds the flat files mid-change falls back to meta's version. */
	if (agent_store_put(a, hkey, fullchain_pem, n, 0) != 0 ||
	    (key_pem && agent_store_put(a, hkkey, key_pem, strlen(key_pem), 1) != 0) ||
	    (key_pem && s_put_named(a, name, STORE_FILE_PRIVKEY, key_pem, strlen(key_pem), 1)) ||
	    s_put_named(a, name, STORE_FILE_CERT, leaf, strlen(leaf), 0) ||
	    s_put_named(a, name, STORE_FILE_CHAIN, chain ? chain : "", chain ? strlen(chain) : 0,
			0) ||
	    s_put_named(a, name, STORE_FILE_FULLCHAIN, fullchain_pem, n, 0))
		goto out;
	if (agent_meta_load(a, name, &prev) < 0)
		goto out;
	if (!(meta = prev ? cJSON_Duplicate(prev, 1) : cJSON_CreateObject()))
		goto out;
	/* What was about the previous certificate goes; the history stays. */
	static const char *const drop[] = {"names",	"serial",	"issuer",     "not_before",
					   "not_after", "renew_after",	"ari",	      "ari_id",
					   "failures",	"last_failure", "last_error", "revoked",
					   "key_type",	"updated",	"name"};
	for (i = 0; i < sizeof(drop) / sizeof(drop[0]); i++)
		cJSON_DeleteItemFromObjectCaseSensitive(meta, drop[i]);
	if (!cJSON_AddStringToObject(meta, "name", name) ||
	    json_add_str_array(meta, "names", (const char *const *)ci.names, ci.nnames) != 0 ||
	    !cJSON_AddStringToObject(meta, "serial", ci.serial) ||
	    !cJSON_AddStringToObject(meta, "issuer", ci.issuer) ||
	    json_add_str_opt(meta, "key_type", key_type) != 0 ||
	    json_add_str_opt(meta, "ari_id", ci.ari_id) != 0 ||
	    s_add_time(meta, "not_before", ci.not_before) ||
	    s_add_time(meta, "not_after", ci.not_after) ||
	    s_add_time(meta, "updated", time(NULL)) ||
	    !cJSON_AddStringToObject(meta, "directory", a->directory_url))
		goto out;
	hist = cJSON_GetObjectItemCaseSensitive(meta, "history");
	if (!cJSON_IsArray(hist)) {
		cJSON_DeleteItemFromObjectCaseSensitive(meta, "history");
		hist = cJSON_AddArrayToObject(meta, "history");
	}
	if (!hist || !cJSON_AddItemToArray(hist, cJSON_CreateString(ci.serial)))
		goto out;
	if (s_merge(meta, extra) != 0)
		goto out;
	if (s_set_renew_after(a, meta) != 0 || agent_meta_save(a, name, meta) != 0)
		goto out;
	if (!(entry = agent_index_entry(meta)) || agent_index_set(a, name, entry) != 0)
		goto out;
	if (meta_out) {
		*meta_out = meta;
		meta = NULL;
	}
	rc = 0;
out:
	if (rc && !a->err.message[0])
		agent_fail(a, "store", "", "%s: storing the certificate failed", name);
	cert_info_clear(&ci);
	cJSON_Delete(meta);
	cJSON_Delete(prev);
	cJSON_Delete(entry);
	free(leaf);
	free(chain);
	free(hkey);
	free(hkkey);
	return rc;
}

int agent_cert_record_failure(struct agent *a, const char *name, const char *error)
{
	cJSON *meta = NULL, *entry = NULL;
	time_t now = time(NULL);
	long long failures;
	int rc = -1;

	if (agent_meta_load(a, name, &meta) != 0)
		goto out;
	failures = json_int(meta, "failures", 0) + 1;
	cJSON_DeleteItemFromObjectCaseSensitive(meta, "failures");
	cJSON_DeleteItemFromObjectCaseSensitive(meta, "last_failure");
	cJSON_DeleteItemFromObjectCaseSensitive(meta, "last_error");
	if (!cJSON_AddNumberToObject(meta, "failures", (double)failures) ||
	    s_add_time(meta, "last_failure", now) ||
	    !cJSON_AddStringToObject(meta, "last_error", error ? error : ""))
		goto out;
	/* Retry after the backoff, not at the old renewal point. */
	if (s_set_renew_after(a, meta) != 0 || agent_meta_save(a, name, meta) != 0 ||
	    !(entry = agent_index_entry(meta)) || agent_index_set(a, name, entry) != 0)
		goto out;
	rc = 0;
out:
	cJSON_Delete(meta);
	cJSON_Delete(entry);
	return rc;
}

/*
 * aaa revoke: revocation of the stored certificate with the account key
 * (RFC 8555 7.6), recorded in meta.json so ls shows it and the scheduler
 * replaces it (unless the reason says the names are no longer in use).
 */

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
