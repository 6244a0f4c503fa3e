/*
 * The stored ACME account. The key is written only after the CA accepted
 * the account, so a refused registration (terms not agreed, EAB missing,
 * CA down) leaves nothing behind.
 */
#define _GNU_SOURCE
#include "agent/account.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "acme/account.h"
#include "aws/kms_signer.h"
#include "crypto/jws.h"
#include "crypto/key.h"
#include "json/json.h"
#include "log/log.h"
#include "store/keys.h"
#include "util/mem.h"

#define KMS_PREFIX  "kms:"
#define EMPTY_INDEX "{\"version\":1,\"certs\":{}}"

/* A signer for a KMS key; a->err.message on failure. */
static struct jws_signer *s_kms_signer(struct agent *a, const char *key_id)
{
	struct aaa_err err;
	struct jws_signer *s;

	err_clear(&err);
	s = kms_signer_new(key_id, &err);
	if (!s) {
		agent_fail(a, err.source[0] ? err.source : "aws", err.code,
			   "account key kms:%s: %s", key_id,
			   err_is_set(&err) ? err.message : "cannot use the KMS key");
		err_detail(&a->err, err.http_status, err.request_id);
	}
	return s;
}

/* The ACME client for signer (taken); a->err.message when the CA does not answer. */
static int s_client(struct agent *a, struct jws_signer *signer)
{
	acme_client_free(a->acme);
	if (!(a->acme = acme_client_new(a->directory_url, signer))) {
		agent_fail(a, "acme", "",
			   "cannot read the ACME directory %s (is the URL right and the CA up? "
			   "see the line above)",
			   a->directory_url);
		return -1;
	}
	return 0;
}

int agent_account_load(struct agent *a)
{
	char *json_key = NULL, *pem_key = NULL, *text = NULL, *pem = NULL;
	cJSON *acc = NULL;
	struct key *k = NULL;
	struct jws_signer *signer = NULL;
	const char *url, *keyref;
	size_t len = 0;
	int r, rc = -1;

	if (a->acme && a->acme->kid)
		return 0;
	if (!(json_key = store_key_join(a->account_dir, STORE_FILE_ACCOUNT)) ||
	    !(pem_key = store_key_join(a->account_dir, STORE_FILE_ACCOUNT_KEY)))
		goto out;
	r = agent_store_get(a, json_key, &text, &len, NULL);
	if (r == 1) {
		agent_fail(a, "input", "",
			   "no ACME account for %s in %s: run `aaa reg --email E --agree` first",
			   a->directory_url, store_url(a->store));
		goto out;
	}
	if (r != 0)
		goto out;
	if (!(acc = json_parse(text, len, json_key)) ||
	    json_get_str(acc, "url", json_key, &url) != 0) {
		agent_fail(a, "store", "", "%s in the store is damaged", json_key);
		goto out;
	}
	keyref = json_str(acc, "key");
	if (keyref && str_has_prefix(keyref, KMS_PREFIX)) {
		if (!(signer = s_kms_signer(a, keyref + strlen(KMS_PREFIX))))
			goto out;
	} else {
		r = agent_store_get(a, pem_key, &pem, &len, NULL);
		if (r != 0) {
			if (r == 1)
				agent_fail(a, "store", "", "%s is missing from the store", pem_key);
			goto out;
		}
		if (!(k = key_load_pem(pem, len, pem_key)) || !(signer = jws_signer_from_key(k))) {
			agent_fail(a, "store", "", "%s in the store is not a usable key", pem_key);
			goto out;
		}
	}
	if (s_client(a, signer) != 0) {
		signer = NULL;
		goto out;
	}
	signer = NULL;
	if (!(a->acme->kid = str_dup(url)))
		goto out;
	free(a->account_email);
	a->account_email = str_dup(json_str(acc, "email"));
	rc = 0;
out:
	jws_signer_free(signer);
	key_free(k);
	mem_wipe_free(pem, len);
	cJSON_Delete(acc);
	free(text);
	free(json_key);
	free(pem_key);
	return rc;
}

/* account.json: where the account lives and what signs for it. */
static char *s_account_json(struct agent *a, const char *keyref)
{
	cJSON *o = cJSON_CreateObject();
	char *text = NULL, when[32];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (o && cJSON_AddStringToObject(o, "url", a->acme->kid) &&
	    cJSON_AddStringToObject(o, "directory", a->directory_url) &&
	    json_add_str_opt(o, "email", a->cfg.email) == 0 &&
	    cJSON_AddStringToObject(o, "key", keyref) &&
	    cJSON_AddStringToObject(o, "created", when))
		text = json_print(o);
	cJSON_Delete(o);
	return text;
}

/*
 * A signer for an --account-key spec: "kms:KEY", or a key type for a new
 * local key (*pem receives it, to store; caller wipes and frees).
 */
static struct jws_signer *s_new_signer(struct agent *a, const char *spec, char **pem,
				       size_t *pemlen)
{
	struct jws_signer *signer = NULL;
	struct key *k = NULL;
	int type;

	*pem = NULL;
	if (spec && str_has_prefix(spec, KMS_PREFIX))
		return s_kms_signer(a, spec + strlen(KMS_PREFIX));
	type = spec ? key_type_parse(spec) : KEY_EC256;
	if (type < 0) {
		char types[128];

		key_type_join(types, sizeof(types), ", ", ", ");
		agent_fail(a, "input", "", "--account-key %s: use %s or kms:KEY", spec, types);
		return NULL;
	}
	if ((k = key_generate((enum key_type)type)) && (*pem = key_save_pem(k, pemlen)))
		signer = jws_signer_from_key(k);
	key_free(k);
	if (!signer) {
		str_wipe_free(*pem);
		*pem = NULL;
	}
	return signer;
}

/*
 * Key rollover (RFC 8555 7.3.5) for `aaa reg --account-key SPEC` on an
 * existing account. A new local key is saved as key-next.pem before the CA
 * hears of it, so a crash between the CA's answer and our write never
 * loses the only key that works.
 */
static int s_rollover(struct agent *a, const char *spec, const char *pem_key, char **text)
{
	struct jws_signer *signer = NULL;
	char *pem = NULL, *next_key = NULL;
	size_t pemlen = 0;
	int rc = -1;

	if (!(signer = s_new_signer(a, spec, &pem, &pemlen)) ||
	    !(next_key = store_key_join(a->account_dir, "key-next.pem")))
		goto out;
	if (pem && agent_store_put(a, next_key, pem, pemlen, 1) != 0)
		goto out;
	if (acme_account_key_change(a->acme, signer) != 0) {
		signer = NULL;
		agent_fail_acme(a, "roll the account key over");
		goto out;
	}
	signer = NULL;
	if (pem && agent_store_put(a, pem_key, pem, pemlen, 1) != 0)
		goto out;
	if (pem)
		store_delete(a->store, next_key);
	if (!(*text = s_account_json(a, pem ? "store" : spec)))
		goto out;
	agent_progress(a, "account key rolled over to %s", spec);
	rc = 0;
out:
	jws_signer_free(signer);
	str_wipe_free(pem);
	free(next_key);
	return rc;
}

int agent_account_register(struct agent *a, int agree, int *created)
{
	struct acme_account_opts ao = {0};
	struct jws_signer *signer = NULL;
	char *json_key = NULL, *pem_key = NULL, *pem = NULL, *text = NULL, *old = NULL;
	const char *spec = a->cfg.account_key;
	size_t pemlen = 0;
	int r, rc = -1;

	*created = 0;
	if (!(json_key = store_key_join(a->account_dir, STORE_FILE_ACCOUNT)) ||
	    !(pem_key = store_key_join(a->account_dir, STORE_FILE_ACCOUNT_KEY)))
		goto out;
	r = agent_store_get(a, json_key, &old, NULL, NULL);
	if (r < 0)
		goto out;
	if (r == 0) {
		/* Already registered: check the CA still knows it, then keep the contact current.
		 */
		if (agent_account_load(a) != 0)
			goto out;
		if (spec && s_rollover(a, spec, pem_key, &text) != 0)
			goto out;
		if (a->cfg.email &&
		    (!a->account_email || strcmp(a->cfg.email, a->account_email) != 0)) {
			if (acme_account_update_contact(a->acme, a->cfg.email) != 0) {
				agent_fail_acme(a, "update the account's contact");
				goto out;
			}
			cJSON *prev = json_parse(old, strlen(old), NULL);
			const char *kr = prev ? json_str(prev, "key") : NULL;

			free(text);
			text = s_account_json(
			    a, spec ? (str_has_prefix(spec, KMS_PREFIX) ? spec : "store")
			       : kr ? kr
				    : "store");
			cJSON_Delete(prev);
			if (!text)
				goto out;
		}
		agent_progress(a, "account %s already registered", a->acme->kid);
		rc = 0;
		goto out;
	}
	if (!(signer = s_new_signer(a, spec, &pem, &pemlen)))
		goto out;
	if (s_client(a, signer) != 0) {
		signer = NULL;
		goto out;
	}
	signer = NULL;
	ao.email = a->cfg.email;
	ao.agree = agree;
	ao.eab_kid = a->cfg.eab_kid;
	ao.eab_hmac = a->cfg.eab_hmac;
	if (acme_account_register(a->acme, &ao, created) != 0) {
		agent_fail_acme(a, "register the account");
		goto out;
	}
	if (pem && store_create(a->store, pem_key, pem, pemlen, STORE_SECRET, NULL) != STORE_OK) {
		agent_fail(a, "store", "",
			   "cannot create %s in %s (another registration at the same time?)",
			   pem_key, store_url(a->store));
		goto out;
	}
	if (!(text = s_account_json(a, pem ? "store" : spec)))
		goto out;
	free(a->account_email);
	a->account_email = str_dup(a->cfg.email);
	rc = 0;
out:
	if (rc == 0 && text && agent_store_put(a, json_key, text, strlen(text), 0) != 0)
		rc = -1;
	/* The scheduler's pass is one GET of index.json: make sure one exists
	 * (without it the scheduler answers "nothing to do"). */
	if (rc == 0 && store_create(a->store, STORE_KEY_INDEX, EMPTY_INDEX, strlen(EMPTY_INDEX), 0,
				    NULL) == STORE_ERROR)
		log_warn("could not create an empty index.json; the first certificate will");
	if (rc != 0 && !a->err.message[0])
		agent_fail(a, "input", "", "registration failed (out of memory?)");
	jws_signer_free(signer);
	str_wipe_free(pem);
	free(text);
	free(old);
	free(json_key);
	free(pem_key);
	return rc;
}

int agent_authz_record(struct agent *a, const cJSON *expiries)
{
	char *key = store_key_join(a->account_dir, "authz.json"), *text = NULL;
	size_t len = 0;
	cJSON *doc = NULL;
	const cJSON *it;
	int r, rc = -1;

	if (!key)
		goto out;
	r = agent_store_get(a, key, &text, &len, NULL);
	if (r < 0)
		goto out;
	if (r == 0)
		doc = json_parse(text, len, NULL);
	if (!doc && !(doc = cJSON_CreateObject()))
		goto out;
	cJSON_ArrayForEach(it, expiries)
	{
		cJSON_DeleteItemFromObjectCaseSensitive(doc, it->string);
		cJSON_AddItemToObject(doc, it->string, cJSON_Duplicate(it, 1));
	}
	free(text);
	if (!(text = json_print(doc)))
		goto out;
	rc = agent_store_put(a, key, text, strlen(text), 0);
out:
	free(key);
	free(text);
	cJSON_Delete(doc);
	return rc;
}
