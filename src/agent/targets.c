/*
 * Deployment of a stored certificate to its targets. Each target keeps its
 * own state in meta.json ("deployed"[target]: the ACM ARN of the first
 * import, the IAM names we made, the serial in place), so a renewal
 * updates in place and a failed target is retried without re-issuing.
 */
#define _GNU_SOURCE
#include "agent/targets.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/certs.h"
#include "deploy/deploy.h"
#include "json/json.h"
#include "log/log.h"
#include "store/keys.h"
#include "util/buf.h"
#include "util/mem.h"

static cJSON *s_target_state(cJSON *meta, const char *target)
{
	cJSON *dep = cJSON_GetObjectItemCaseSensitive(meta, "deployed"), *st;

	if (!cJSON_IsObject(dep)) {
		cJSON_DeleteItemFromObjectCaseSensitive(meta, "deployed");
		if (!(dep = cJSON_AddObjectToObject(meta, "deployed")))
			return NULL;
	}
	st = cJSON_GetObjectItemCaseSensitive(dep, target);
	if (!cJSON_IsObject(st)) {
		cJSON_DeleteItemFromObjectCaseSensitive(dep, target);
		st = cJSON_AddObjectToObject(dep, target);
	}
	return st;
}

static void s_set(cJSON *o, const char *k, const char *v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(o, k);
	if (v)
		cJSON_AddStringToObject(o, k, v);
}

int agent_deploy_all(struct agent *a, const char *name, cJSON *report)
{
	struct agent_cert_set f = {0};
	struct deploy_cert dc = {0};
	struct buf failed = BUF_INIT;
	cJSON *meta = NULL, *out = NULL, *entry = NULL, *st, *item;
	const cJSON *t;
	struct aaa_err err, first;
	char *detail = NULL, when[32];
	int nfail = 0, r, rc = -1;

	err_clear(&first);

	if (agent_meta_load(a, name, &meta) != 0) {
		if (!a->err.message[0])
			agent_fail(a, "store", "", "%s: no stored certificate to deploy", name);
		goto out;
	}
	if (cJSON_GetArraySize(json_arr(meta, "deploy")) == 0) {
		rc = 0;
		goto out;
	}
	/* Never a key beside a certificate it does not belong to. */
	if ((r = agent_cert_set_load(a, name, &f)) != 0) {
		if (r > 0 || !a->err.message[0])
			agent_fail(a, "store", "", "%s: the stored certificate is incomplete",
				   name);
		goto out;
	}
	dc.name = name;
	dc.cert_pem = f.cert;
	dc.chain_pem = f.chain;
	dc.key_pem = f.key;
	dc.serial = json_str(meta, "serial");
	dc.key_type = json_str(meta, "key_type");
	if (report) {
		/* A resumed job deploys again: one result list, the latest. */
		cJSON_DeleteItemFromObjectCaseSensitive(report, "deployed");
		if (!(out = cJSON_AddArrayToObject(report, "deployed")))
			goto out;
	}
	cJSON_ArrayForEach(t, json_arr(meta, "deploy"))
	{
		if (!cJSON_IsString(t))
			continue;
		free(detail);
		detail = NULL;
		if (!(st = s_target_state(meta, t->valuestring)))
			goto out;
		agent_time_format(time(NULL), when, sizeof(when));
		item = cJSON_CreateObject();
		cJSON_AddStringToObject(item, "target", t->valuestring);
		if (deploy_run(t->valuestring, &dc, st, &detail, &err) == 0) {
			s_set(st, "error", NULL);
			s_set(st, "deployed", when);
			cJSON_AddBoolToObject(item, "ok", 1);
			json_add_str_opt(item, "detail", detail);
			agent_progress(a, "deployed to %s%s%s", t->valuestring, detail ? ": " : "",
				       detail ? detail : "");
		} else {
			nfail++;
			s_set(st, "error", err.message);
			cJSON_AddBoolToObject(item, "ok", 0);
			cJSON_AddStringToObject(item, "error", err.message);
			/* deploy_run's line starts with the target already. */
			buf_printf(&failed, "%s%s", nfail > 1 ? "; " : "", err.message);
			if (nfail == 1)
				err_copy(&first, &err);
		}
		if (out)
			cJSON_AddItemToArray(out, item);
		else
			cJSON_Delete(item);
	}
	if (agent_meta_save(a, name, meta) != 0 || !(entry = agent_index_entry(meta)) ||
	    agent_index_set(a, name, entry) != 0)
		goto out;
	if (nfail) {
		/* The first failed target's AWS code and request id stay with it. */
		agent_fail(a, "aws", first.code,
			   "deployment failed (the certificate is stored): %s", failed.data);
		err_detail(&a->err, first.http_status, first.request_id);
		goto out;
	}
	rc = 0;
out:
	free(detail);
	buf_free(&failed);
	agent_cert_set_clear(&f);
	cJSON_Delete(meta);
	cJSON_Delete(entry);
	return rc;
}
