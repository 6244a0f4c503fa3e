#include "acme/account.h"

#include <stdlib.h>
#include <string.h>

#include "acme/problem.h"
#include "json/json.h"
#include "log/log.h"
#include "util/mem.h"

char *acme_contact_uri(const char *email)
{
	const char *at;
	size_t i;

	if (!email || !(at = strchr(email, '@')) || at == email || !at[1] || strchr(at + 1, '@'))
		return NULL;
	for (i = 0; email[i]; i++)
		if ((unsigned char)email[i] <= ' ' || strchr(",?<>\"%", email[i]))
			return NULL;
	return str_printf("mailto:%s", email);
}

/* The contact member; a bad address is the client's error (c->error). */
static int s_add_contact(struct acme_client *c, cJSON *payload, const char *email)
{
	char *uri = NULL;
	int rc = -1;

	if (!email) {
		rc = 0;
		goto out;
	}
	if (!(uri = acme_contact_uri(email))) {
		snprintf(c->error, sizeof(c->error), "invalid contact email \"%s\"", email);
		goto out;
	}
	if (json_add_str_array(payload, "contact", (const char *const *)&uri, 1))
		goto out;
	rc = 0;
out:
	free(uri);
	return rc;
}

/*
 * Terms are agreed only when the user said so: a CA that publishes terms
 * gets termsOfServiceAgreed:true only with agree set, and without it we stop
 * before creating anything, naming the URL to read.
 */
int acme_account_register(struct acme_client *c, const struct acme_account_opts *o, int *created)
{
	struct acme_response r = {0};
	cJSON *payload = NULL, *eab = NULL;
	int rc = -1;

	if (c->dir.terms_of_service && !o->agree) {
		snprintf(c->error, sizeof(c->error),
			 "the CA's terms of service must be agreed to: read %s and run again "
			 "with --agree",
			 c->dir.terms_of_service);
		goto out;
	}
	if (c->dir.eab_required && (!o->eab_kid || !o->eab_hmac)) {
		snprintf(c->error, sizeof(c->error),
			 "this CA requires External Account Binding: give the key id and HMAC "
			 "key it issued (--eab-kid, --eab-hmac-key)");
		goto out;
	}
	if (!(payload = cJSON_CreateObject()))
		goto out;
	if (s_add_contact(c, payload, o->email))
		goto out;
	if (o->agree && !cJSON_AddBoolToObject(payload, "termsOfServiceAgreed", 1))
		goto out;
	if (o->eab_kid && o->eab_hmac) {
		if (!(eab = jws_eab(o->eab_kid, o->eab_hmac, c->dir.new_account,
				    jws_signer_jwk(c->signer)))) {
			snprintf(c->error, sizeof(c->error),
				 "cannot build the External Account Binding (is the HMAC key "
				 "base64url?)");
			goto out;
		}
		cJSON_AddItemToObject(payload, "externalAccountBinding", eab);
		eab = NULL;
	}
	free(c->kid);
	c->kid = NULL;
	if (acme_post(c, c->dir.new_account, payload, &r))
		goto out;
	if (!r.location) {
		snprintf(c->error, sizeof(c->error), "newAccount answered without a Location");
		goto out;
	}
	c->kid = r.location;
	r.location = NULL;
	if (created)
		*created = r.status == 201;
	rc = 0;
out:
	if (rc)
		log_error("newAccount: %s", c->error);
	cJSON_Delete(eab);
	cJSON_Delete(payload);
	acme_response_free(&r);
	return rc;
}

int acme_account_lookup(struct acme_client *c)
{
	struct acme_response r = {0};
	cJSON *payload = cJSON_CreateObject();
	int rc = -1;

	free(c->kid);
	c->kid = NULL;
	if (!payload || !cJSON_AddBoolToObject(payload, "onlyReturnExisting", 1))
		goto out;
	if (acme_post(c, c->dir.new_account, payload, &r)) {
		if (acme_problem_is(r.json, "accountDoesNotExist"))
			rc = 1;
		else
			log_error("account lookup: %s", c->error);
		goto out;
	}
	if (!r.location)
		goto out;
	c->kid = r.location;
	r.location = NULL;
	rc = 0;
out:
	cJSON_Delete(payload);
	acme_response_free(&r);
	return rc;
}

static int s_account_update(struct acme_client *c, cJSON *payload, const char *what)
{
	struct acme_response r = {0};
	int rc = -1;

	if (!c->kid) {
		snprintf(c->error, sizeof(c->error), "%s: no account (register first)", what);
		goto out;
	}
	if (acme_post(c, c->kid, payload, &r))
		goto out;
	rc = 0;
out:
	if (rc)
		log_error("%s: %s", what, c->error);
	acme_response_free(&r);
	return rc;
}

int acme_account_update_contact(struct acme_client *c, const char *email)
{
	cJSON *payload = cJSON_CreateObject();
	int rc = -1;

	if (!payload)
		goto out;
	if (email) {
		if (s_add_contact(c, payload, email))
			goto out;
	} else if (!cJSON_AddArrayToObject(payload, "contact")) {
		goto out;
	}
	rc = s_account_update(c, payload, "account update");
out:
	cJSON_Delete(payload);
	return rc;
}

int acme_account_deactivate(struct acme_client *c)
{
	cJSON *payload = cJSON_CreateObject();
	int rc = -1;

	if (payload && cJSON_AddStringToObject(payload, "status", "deactivated"))
		rc = s_account_update(c, payload, "account deactivation");
	cJSON_Delete(payload);
	return rc;
}

/*
 * RFC 8555 7.3.5: the inner JWS has the new key's jwk, the keyChange URL and
 * no nonce; its payload names the account and the old key. The CA checks
 * both signatures, so only the holder of both keys can roll over.
 */
int acme_account_key_change(struct acme_client *c, struct jws_signer *new_signer)
{
	struct acme_response r = {0};
	cJSON *inner_payload = NULL, *inner = NULL, *old_jwk = NULL;
	int rc = -1;

	if (!c->kid) {
		snprintf(c->error, sizeof(c->error), "key change: no account (register first)");
		goto out;
	}
	if (!new_signer || !(inner_payload = cJSON_CreateObject()) ||
	    !(old_jwk = cJSON_Duplicate(jws_signer_jwk(c->signer), 1)) ||
	    !cJSON_AddStringToObject(inner_payload, "account", c->kid))
		goto out;
	cJSON_AddItemToObject(inner_payload, "oldKey", old_jwk);
	old_jwk = NULL;
	if (!(inner = jws_build(new_signer, c->dir.key_change, NULL, NULL, inner_payload)))
		goto out;
	if (acme_post(c, c->dir.key_change, inner, &r))
		goto out;
	jws_signer_free(c->signer);
	c->signer = new_signer;
	new_signer = NULL;
	rc = 0;
out:
	if (rc)
		log_error("key change: %s", c->error);
	jws_signer_free(new_signer);
	cJSON_Delete(old_jwk);
	cJSON_Delete(inner);
	cJSON_Delete(inner_payload);
	acme_response_free(&r);
	return rc;
}
