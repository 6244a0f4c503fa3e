#include "acme/directory.h"

#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "json/json.h"
#include "log/log.h"
#include "util/mem.h"

int acme_directory_parse(const cJSON *json, struct acme_directory *d)
{
	static const char *const what = "ACME directory";
	const char *nn, *na, *no, *rc, *kc;
	const cJSON *meta, *prof, *it;
	int rc_ = -1;

	memset(d, 0, sizeof(*d));
	if (json_get_str(json, "newNonce", what, &nn) ||
	    json_get_str(json, "newAccount", what, &na) ||
	    json_get_str(json, "newOrder", what, &no) ||
	    json_get_str(json, "revokeCert", what, &rc) ||
	    json_get_str(json, "keyChange", what, &kc))
		goto out;
	d->new_nonce = str_dup(nn);
	d->new_account = str_dup(na);
	d->new_order = str_dup(no);
	d->revoke_cert = str_dup(rc);
	d->key_change = str_dup(kc);
	d->renewal_info = str_dup(json_str(json, "renewalInfo"));
	meta = json_obj(json, "meta");
	d->terms_of_service = str_dup(json_str(meta, "termsOfService"));
	d->website = str_dup(json_str(meta, "website"));
	d->eab_required = json_bool(meta, "externalAccountRequired", 0);
	prof = json_obj(meta, "profiles");
	if (prof && cJSON_GetArraySize(prof) > 0) {
		d->profiles = calloc((size_t)cJSON_GetArraySize(prof), sizeof(char *));
		if (!d->profiles)
			goto out;
		cJSON_ArrayForEach(it, prof)
		{
			if (it->string && !(d->profiles[d->nprofiles++] = str_dup(it->string)))
				goto out;
		}
	}
	if (!d->new_nonce || !d->new_account || !d->new_order || !d->revoke_cert || !d->key_change)
		goto out;
	rc_ = 0;
out:
	if (rc_)
		acme_directory_clear(d);
	return rc_;
}

int acme_directory_fetch(const char *url, struct acme_directory *d)
{
	struct http_request req = {.method = "GET", .url = url};
	struct http_response resp;
	cJSON *json = NULL;
	int rc = -1;

	memset(&resp, 0, sizeof(resp));
	memset(d, 0, sizeof(*d));
	if (http_send(&req, &resp)) {
		log_error("cannot reach the ACME directory %s: %s", url, resp.error);
		goto out;
	}
	if (resp.status != 200) {
		log_error("ACME directory %s: HTTP %ld (is the directory URL right?)", url,
			  resp.status);
		goto out;
	}
	if (!(json = json_parse(resp.body.data, resp.body.len, "ACME directory")))
		goto out;
	if (acme_directory_parse(json, d)) {
		log_error("%s is not an ACME directory", url);
		goto out;
	}
	rc = 0;
out:
	cJSON_Delete(json);
	http_response_free(&resp);
	return rc;
}

void acme_directory_clear(struct acme_directory *d)
{
	size_t i;

	free(d->new_nonce);
	free(d->new_account);
	free(d->new_order);
	free(d->revoke_cert);
	free(d->key_change);
	free(d->renewal_info);
	free(d->terms_of_service);
	free(d->website);
	for (i = 0; i < d->nprofiles; i++)
		free(d->profiles[i]);
	free(d->profiles);
	memset(d, 0, sizeof(*d));
}
