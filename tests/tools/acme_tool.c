/*
 * acme_tool: a thin command-line face on src/acme for the integration tests
 * in tests/integration/test_acme_protocol.py, run against pebble. Prints one
 * JSON object per step on stdout; logs go to stderr.
 *
 *   acme_tool register DIR_URL KEYFILE EMAIL [--agree] [--eab KID HMAC]
 *       KEYFILE is created (ec256, 0600) when missing.
 *       {"account","created","requests"} or {"error","terms"} and exit 1.
 *   acme_tool order DIR_URL KEYFILE [--preferred-chain ISSUER_CN] [--profile P]
 *                   [--replaces ARI_CERT_ID] NAME...
 *       looks up the account, creates the order and prints
 *       {"challenges":[{"name","record","value"}]}, then waits for a line on
 *       stdin ("go"), answers every challenge, polls, finalizes with a fresh
 *       ec256 key, downloads and prints {"certificate","key","alternates",
 *       "requests","nonce_heads","bad_nonces","chain"} (chain: 0 default,
 *       i for alternate i). ACME_TOOL_POLL_AUTHZ=1 polls each authorization
 *       instead of the order.
 *   acme_tool revoke DIR_URL KEYFILE CERTFILE [REASON] [--cert-key KEYFILE]
 *   acme_tool keychange DIR_URL KEYFILE NEWKEYFILE  (NEWKEYFILE created when missing)
 *   acme_tool ari DIR_URL KEYFILE CERTFILE   {"start","end","explanation","retry_after"}
 *       (times as seconds since the epoch); exit 3 when the CA has no ARI
 *   acme_tool contact DIR_URL KEYFILE EMAIL
 *   acme_tool deactivate DIR_URL KEYFILE
 *
 * Exit status: 0 success, 1 failure ({"error": ...} on stdout), 2 usage.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "acme/account.h"
#include "acme/ari.h"
#include "acme/challenge.h"
#include "acme/order.h"
#include "acme/post.h"
#include "crypto/jwk.h"
#include "crypto/jws.h"
#include "crypto/key.h"
#include "http/http.h"
#include "json/json.h"
#include "log/log.h"
#include "util/mem.h"

static char *s_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (data = malloc((size_t)n + 1))) {
		if (fread(data, 1, (size_t)n, f) != (size_t)n) {
			free(data);
			data = NULL;
		} else {
			data[n] = '\0';
			if (len)
				*len = (size_t)n;
		}
	}
	fclose(f);
	return data;
}

/* Loads KEYFILE, or creates an ec256 key there (mode 0600) when missing. */
static struct key *s_key(const char *path)
{
	struct key *k = NULL;
	char *pem = NULL;
	size_t len = 0;
	int fd;

	if ((pem = s_read(path, &len))) {
		k = key_load_pem(pem, len, path);
		str_wipe_free(pem);
		return k;
	}
	if (!(k = key_generate(KEY_EC256)) || !(pem = key_save_pem(k, &len)))
		goto fail;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0 || write(fd, pem, len) != (ssize_t)len) {
		if (fd >= 0)
			close(fd);
		goto fail;
	}
	close(fd);
	str_wipe_free(pem);
	return k;
fail:
	str_wipe_free(pem);
	key_free(k);
	return NULL;
}

static void s_print(cJSON *o)
{
	char *t = cJSON_Print(o);

	if (t)
		printf("%s\n", t);
	fflush(stdout);
	free(t);
	cJSON_Delete(o);
}

static int s_fail(const struct acme_client *c, const char *fallback)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "error", c && c->error[0] ? c->error : fallback);
	if (c && c->dir.terms_of_service)
		cJSON_AddStringToObject(o, "terms", c->dir.terms_of_service);
	s_print(o);
	return 1;
}

static struct acme_client *s_client(const char *dir, const char *keyfile)
{
	struct key *k = s_key(keyfile);
	struct jws_signer *s = k ? jws_signer_from_key(k) : NULL;
	const char *cap = getenv("ACME_TOOL_POLL_CAP_MS");
	struct acme_client *c;

	key_free(k);
	if (!s)
		return NULL;
	c = acme_client_new(dir, s);
	if (c && cap)
		c->poll_cap_ms = strtol(cap, NULL, 10);
	return c;
}

static void s_counts(cJSON *o, const struct acme_client *c)
{
	cJSON_AddNumberToObject(o, "requests", (double)c->requests);
	cJSON_AddNumberToObject(o, "nonce_heads", (double)c->nonce_heads);
	cJSON_AddNumberToObject(o, "bad_nonces", (double)c->bad_nonces);
}

static int s_register(int argc, char **argv)
{
	struct acme_account_opts o = {.email = argv[4]};
	struct acme_client *c = NULL;
	cJSON *out;
	int i, created = 0, rc = 1;

	for (i = 5; i < argc; i++) {
		if (strcmp(argv[i], "--agree") == 0) {
			o.agree = 1;
		} else if (strcmp(argv[i], "--eab") == 0 && i + 2 < argc) {
			o.eab_kid = argv[++i];
			o.eab_hmac = argv[++i];
		} else {
			return 2;
		}
	}
	if (!(c = s_client(argv[2], argv[3]))) {
		rc = s_fail(NULL, "cannot start the ACME client");
		goto out;
	}
	if (acme_account_register(c, &o, &created)) {
		rc = s_fail(c, "register failed");
		goto out;
	}
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "account", c->kid);
	cJSON_AddBoolToObject(out, "created", created);
	s_counts(out, c);
	s_print(out);
	rc = 0;
out:
	acme_client_free(c);
	return rc;
}

static int s_lookup(struct acme_client *c)
{
	int r = acme_account_lookup(c);

	if (r == 1)
		snprintf(c->error, sizeof(c->error), "no account for this key (register first)");
	return r == 0 ? 0 : -1;
}

static int s_order(int argc, char **argv)
{
	struct acme_client *c = NULL;
	struct acme_order o = {0};
	struct acme_order_opts oo = {0};
	struct key *certkey = NULL;
	char *thumb = NULL, *pem = NULL, *keypem = NULL, **alts = NULL, line[64];
	const char *const *names = (const char *const *)argv + 4, *preferred = NULL;
	size_t n = (size_t)(argc - 4), i, nalts = 0, chosen = 0;
	cJSON *out = NULL, *arr;
	int rc = 1;

	while (n >= 3 && str_has_prefix(names[0], "--")) {
		if (strcmp(names[0], "--preferred-chain") == 0)
			preferred = names[1];
		else if (strcmp(names[0], "--profile") == 0)
			oo.profile = names[1];
		else if (strcmp(names[0], "--replaces") == 0)
			oo.replaces = names[1];
		else
			return 2;
		names += 2;
		n -= 2;
	}
	if (!(c = s_client(argv[2], argv[3]))) {
		rc = s_fail(NULL, "cannot start the ACME client");
		goto out;
	}
	if (s_lookup(c) || acme_order_new(c, names, n, &oo, &o) ||
	    acme_order_authorizations(c, &o)) {
		rc = s_fail(c, "order failed");
		goto out;
	}
	thumb = jwk_thumbprint(jws_signer_jwk(c->signer));
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "order", o.url);
	arr = cJSON_AddArrayToObject(out, "challenges");
	for (i = 0; i < o.nauthz; i++) {
		cJSON *ch = cJSON_CreateObject();
		char *ka = acme_key_authorization(o.authz[i].chall_token, thumb);
		char *txt = acme_dns01_txt_value(ka);
		char *rec = acme_dns01_record_name(o.authz[i].identifier);

		cJSON_AddStringToObject(ch, "name", o.authz[i].identifier);
		cJSON_AddStringToObject(ch, "status", o.authz[i].status);
		json_add_str_opt(ch, "record", rec);
		json_add_str_opt(ch, "value", txt);
		cJSON_AddItemToArray(arr, ch);
		free(ka);
		free(txt);
		free(rec);
	}
	s_print(out);
	out = NULL;
	if (!fgets(line, sizeof(line), stdin)) {
		rc = s_fail(c, "no go on stdin");
		goto out;
	}
	/* Answer all challenges first, then poll: validations run in parallel. */
	for (i = 0; i < o.nauthz; i++)
		if (acme_challenge_answer(c, &o.authz[i])) {
			rc = s_fail(c, "challenge failed");
			goto out;
		}
	if (getenv("ACME_TOOL_POLL_AUTHZ")) {
		for (i = 0; i < o.nauthz; i++)
			if (acme_authz_wait(c, &o.authz[i])) {
				rc = s_fail(c, "validation failed");
				goto out;
			}
	} else if (acme_order_wait_ready(c, &o)) {
		rc = s_fail(c, "validation failed");
		goto out;
	}
	if (!(certkey = key_generate(KEY_EC256)) || acme_order_finalize(c, &o, certkey, names, n) ||
	    acme_certificate_download_preferred(c, o.certificate, preferred, &pem, &chosen, &alts,
						&nalts)) {
		rc = s_fail(c, "finalize failed");
		goto out;
	}
	keypem = key_save_pem(certkey, NULL);
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "certificate", pem);
	cJSON_AddStringToObject(out, "key", keypem ? keypem : "");
	cJSON_AddStringToObject(out, "order", o.url);
	json_add_str_array(out, "alternates", (const char *const *)alts, nalts);
	cJSON_AddNumberToObject(out, "chain", (double)chosen);
	s_counts(out, c);
	s_print(out);
	out = NULL;
	rc = 0;
out:
	for (i = 0; i < nalts; i++)
		free(alts[i]);
	free(alts);
	cJSON_Delete(out);
	str_wipe_free(keypem);
	free(pem);
	free(thumb);
	key_free(certkey);
	acme_order_clear(&o);
	acme_client_free(c);
	return rc;
}

static int s_revoke(int argc, char **argv)
{
	struct acme_client *c = NULL;
	struct key *ck = NULL;
	char *pem = NULL;
	int reason = -1, i, rc = 1;
	cJSON *out;

	for (i = 5; i < argc; i++) {
		if (strcmp(argv[i], "--cert-key") == 0 && i + 1 < argc) {
			if (!(ck = s_key(argv[++i])))
				return s_fail(NULL, "cannot load the certificate key");
		} else if ((reason = acme_revoke_reason_parse(argv[i])) < 0) {
			key_free(ck);
			return 2;
		}
	}
	if (!(pem = s_read(argv[4], NULL))) {
		rc = s_fail(NULL, "cannot read the certificate");
		goto out;
	}
	if (!(c = s_client(argv[2], argv[3]))) {
		rc = s_fail(NULL, "cannot start the ACME client");
		goto out;
	}
	if ((!ck && s_lookup(c)) || acme_revoke(c, pem, reason, ck)) {
		rc = s_fail(c, "revoke failed");
		goto out;
	}
	out = cJSON_CreateObject();
	cJSON_AddBoolToObject(out, "revoked", 1);
	s_counts(out, c);
	s_print(out);
	rc = 0;
out:
	free(pem);
	key_free(ck);
	acme_client_free(c);
	return rc;
}

static int s_ari(char **argv)
{
	struct acme_client *c = NULL;
	struct acme_ari a = {0};
	char *pem = NULL;
	cJSON *out;
	int r, rc = 1;

	if (!(pem = s_read(argv[4], NULL)) || !(c = s_client(argv[2], argv[3]))) {
		rc = s_fail(NULL, "cannot read the certificate or start the client");
		goto out;
	}
	if ((r = acme_ari_fetch(c, pem, &a)) != 0) {
		rc = r == 1 ? 3 : s_fail(c, "ARI failed");
		goto out;
	}
	out = cJSON_CreateObject();
	cJSON_AddNumberToObject(out, "start", (double)a.start);
	cJSON_AddNumberToObject(out, "end", (double)a.end);
	json_add_str_opt(out, "explanation", a.explanation_url);
	cJSON_AddNumberToObject(out, "retry_after", (double)a.retry_after_s);
	s_counts(out, c);
	s_print(out);
	rc = 0;
out:
	acme_ari_clear(&a);
	free(pem);
	acme_client_free(c);
	return rc;
}

static int s_account_op(int argc, char **argv)
{
	struct acme_client *c = NULL;
	struct key *nk = NULL;
	struct jws_signer *ns = NULL;
	cJSON *out;
	int r, rc = 1;

	if (!(c = s_client(argv[2], argv[3]))) {
		rc = s_fail(NULL, "cannot start the ACME client");
		goto out;
	}
	if (s_lookup(c)) {
		rc = s_fail(c, "lookup failed");
		goto out;
	}
	if (strcmp(argv[1], "keychange") == 0) {
		if (argc != 5 || !(nk = s_key(argv[4])) || !(ns = jws_signer_from_key(nk))) {
			rc = s_fail(NULL, "cannot load the new key");
			goto out;
		}
		r = acme_account_key_change(c, ns);
		ns = NULL;
	} else if (strcmp(argv[1], "contact") == 0) {
		r = argc == 5 ? acme_account_update_contact(c, argv[4]) : -1;
	} else {
		r = acme_account_deactivate(c);
	}
	if (r) {
		rc = s_fail(c, "account operation failed");
		goto out;
	}
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "account", c->kid);
	s_counts(out, c);
	s_print(out);
	rc = 0;
out:
	jws_signer_free(ns);
	key_free(nk);
	acme_client_free(c);
	return rc;
}

int main(int argc, char **argv)
{
	int rc = 2;

	log_init_from_env();
	if (argc >= 5 && strcmp(argv[1], "register") == 0)
		rc = s_register(argc, argv);
	else if (argc >= 5 && strcmp(argv[1], "order") == 0)
		rc = s_order(argc, argv);
	else if (argc == 5 && strcmp(argv[1], "ari") == 0)
		rc = s_ari(argv);
	else if (argc >= 5 && strcmp(argv[1], "revoke") == 0)
		rc = s_revoke(argc, argv);
	else if (argc >= 4 &&
		 (strcmp(argv[1], "keychange") == 0 || strcmp(argv[1], "contact") == 0 ||
		  strcmp(argv[1], "deactivate") == 0))
		rc = s_account_op(argc, argv);
	if (rc == 2)
		fprintf(stderr,
			"usage: acme_tool register|order|revoke|keychange|contact|deactivate "
			"DIR_URL KEYFILE ...\n");
	http_cleanup();
	return rc;
}
