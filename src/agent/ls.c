/*
 * aaa ls: every account and certificate in the store, as JSON, so other
 * programs can consume it (the original Go aaa's promise).
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/fleet.h"
#include "agent/certs.h"
#include "agent/ops.h"
#include "json/json.h"
#include "log/log.h"
#include "store/keys.h"
#include "util/mem.h"

/* Domains authorized with aaa authz (the account's authz.json), so ls shows
 * them with their expiry even before a certificate exists. */
static void s_authz_domains(struct agent *a, const char *account_json_key, cJSON *domains)
{
	char *key = NULL, *text = NULL;
	const char *slash = strrchr(account_json_key, '/');
	size_t len = 0;
	cJSON *doc = NULL;
	const cJSON *it;

	if (!slash || !domains)
		return;
	key = str_printf("%.*s/authz.json", (int)(slash - account_json_key), account_json_key);
	if (!key || agent_store_get(a, key, &text, &len, NULL) != 0 ||
	    !(doc = json_parse(text, len, NULL)))
		goto out;
	cJSON_ArrayForEach(it, doc)
	{
		cJSON *d = cJSON_CreateObject(), *az;

		if (!d || !cJSON_IsString(it))
			continue;
		cJSON_AddStringToObject(d, "domain", it->string);
		az = cJSON_AddObjectToObject(d, "authorization");
		cJSON_AddStringToObject(az, "expires", it->valuestring);
		cJSON_AddItemToArray(domains, d);
	}
out:
	free(key);
	free(text);
	cJSON_Delete(doc);
}

/* The account objects, one per accounts/<ca>/<name>/account.json. */
static int s_accounts(struct agent *a, cJSON *out)
{
	struct store_keys k = {0};
	size_t i;
	int rc = -1;

	if (store_list(a->store, STORE_DIR_ACCOUNTS "/", &k) != STORE_OK) {
		agent_fail(a, "store", "", "cannot list the accounts in %s", store_url(a->store));
		goto out;
	}
	for (i = 0; i < k.n; i++) {
		char *text = NULL;
		size_t len = 0;
		cJSON *acc, *o;

		if (!str_has_suffix(k.keys[i], "/" STORE_FILE_ACCOUNT))
			continue;
		if (agent_store_get(a, k.keys[i], &text, &len, NULL) != 0)
			goto out;
		acc = json_parse(text, len, k.keys[i]);
		free(text);
		if (!acc)
			continue;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "email",
					json_str(acc, "email") ? json_str(acc, "email") : "");
		json_add_str_opt(o, "directory", json_str(acc, "directory"));
		json_add_str_opt(o, "account", json_str(acc, "url"));
		s_authz_domains(a, k.keys[i], cJSON_AddArrayToObject(o, "domains"));
		cJSON_AddItemToArray(out, o);
		cJSON_Delete(acc);
	}
	rc = 0;
out:
	store_keys_free(&k);
	return rc;
}

cJSON *agent_cert_summary(const cJSON *meta)
{
	cJSON *c = cJSON_CreateObject();
	static const char *const copy[] = {"not_before", "not_after",	"serial",     "issuer",
					   "key_type",	 "renew_after", "last_error", "updated"};
	size_t i;

	if (!c)
		return NULL;
	for (i = 0; i < sizeof(copy) / sizeof(copy[0]); i++)
		json_add_str_opt(c, copy[i], json_str(meta, copy[i]));
	cJSON_AddItemToObject(c, "san", cJSON_Duplicate(json_arr(meta, "names"), 1));
	cJSON_AddItemToObject(c, "deploy", cJSON_Duplicate(json_arr(meta, "deploy"), 1));
	if (json_bool(meta, "revoked", 0))
		cJSON_AddBoolToObject(c, "revoked", 1);
	return c;
}

static cJSON *s_domain(const char *name, const cJSON *meta)
{
	cJSON *d = cJSON_CreateObject(), *az;
	const cJSON *authz = json_obj(meta, "authz");

	cJSON_AddStringToObject(d, "domain", name);
	az = cJSON_AddObjectToObject(d, "authorization");
	if (json_str(authz, name))
		cJSON_AddStringToObject(az, "expires", json_str(authz, name));
	cJSON_AddItemToObject(d, "certificate", agent_cert_summary(meta));
	return d;
}

/* The account a certificate belongs to: the one of its CA, else a catch-all. */
static cJSON *s_owner(cJSON *out, const cJSON *meta)
{
	const char *dir = json_str(meta, "directory");
	cJSON *o;

	cJSON_ArrayForEach(o, out)
	{
		const char *d = json_str(o, "directory");

		if (dir && d && strcmp(dir, d) == 0)
			return o;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "email", "");
	json_add_str_opt(o, "directory", dir);
	cJSON_AddArrayToObject(o, "domains");
	cJSON_AddItemToArray(out, o);
	return o;
}

cJSON *agent_ls(struct agent *a)
{
	struct store_keys k = {0};
	cJSON *out = cJSON_CreateArray(), *meta = NULL;
	size_t i;
	int ok = 0;

	if (!out || s_accounts(a, out) != 0)
		goto out;
	if (store_list(a->store, STORE_DIR_CERTS "/", &k) != STORE_OK) {
		agent_fail(a, "store", "", "cannot list the certificates in %s",
			   store_url(a->store));
		goto out;
	}
	for (i = 0; i < k.n; i++) {
		/* certs/<segment>/meta.json: exactly three segments. */
		const char *seg = k.keys[i] + strlen(STORE_DIR_CERTS "/");
		const char *slash = strchr(seg, '/');
		char *segment, *name;

		if (!slash || strcmp(slash + 1, STORE_FILE_META) != 0)
			continue;
		segment = str_ndup(seg, (size_t)(slash - seg));
		name = segment ? store_cert_name_decode(segment) : NULL;
		free(segment);
		if (!name)
			continue;
		cJSON_Delete(meta);
		meta = NULL;
		if (agent_meta_load(a, name, &meta) == 0) {
			cJSON *owner = s_owner(out, meta);
			cJSON *doms = cJSON_GetObjectItemCaseSensitive(owner, "domains"), *d;
			cJSON *nd = s_domain(name, meta), *prev = NULL;

			/* An authorization listed already: the certificate joins it. */
			cJSON_ArrayForEach(d, doms)
			{
				const char *dn = json_str(d, "domain");

				if (dn && strcmp(dn, name) == 0)
					prev = d;
			}
			if (prev && nd) {
				cJSON_DeleteItemFromObjectCaseSensitive(nd, "authorization");
				cJSON_AddItemToObject(
				    nd, "authorization",
				    cJSON_Duplicate(json_obj(prev, "authorization"), 1));
				cJSON_ReplaceItemViaPointer(doms, prev, nd);
			} else {
				cJSON_AddItemToArray(doms, nd);
			}
		}
		free(name);
	}
	ca_pause_ls(a, out, time(NULL));
	ok = 1;
out:
	cJSON_Delete(meta);
	store_keys_free(&k);
	if (!ok) {
		cJSON_Delete(out);
		out = NULL;
	}
	return out;
}
