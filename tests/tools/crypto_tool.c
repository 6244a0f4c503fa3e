/*
 * crypto_tool: a thin command-line face on src/crypto for the independent
 * checks in tests/integration/test_crypto_independent.py, which compare its
 * output with jwcrypto, python3-cryptography and the openssl CLI.
 *
 *   crypto_tool genkey TYPE                       private key PEM (PKCS#8)
 *   crypto_tool keyinfo KEYFILE                   {"type","alg","private"}
 *   crypto_tool jwk KEYFILE                       public JWK
 *   crypto_tool thumbprint KEYFILE                RFC 7638 thumbprint
 *   crypto_tool jws KEYFILE URL NONCE PAYLOAD [KID]
 *                                                 flattened JWS; NONCE "-" for
 *                                                 none, PAYLOAD "" for POST-as-GET
 *   crypto_tool sign KEYFILE                      base64url JOSE signature of stdin
 *   crypto_tool verify JWSFILE [KEYFILE]          exit 0 if the JWS verifies
 *   crypto_tool csr KEYFILE CN NAME...            CSR PEM; CN "-" for the first name
 *   crypto_tool certinfo PEMFILE                  JSON of the first certificate
 *   crypto_tool split PEMFILE LEAFOUT CHAINOUT    leaf and chain PEM files
 *   crypto_tool matches CERTFILE KEYFILE          prints 1 or 0
 *   crypto_tool eab KID HMACB64URL URL ACCOUNTKEYFILE
 *   crypto_tool name NAME                         exit 0 if the DNS name is valid
 *
 * Exit status: 0 success, 1 failure (message on stderr), 2 usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "crypto/b64.h"
#include "crypto/csr.h"
#include "crypto/jwk.h"
#include "crypto/jws.h"
#include "crypto/key.h"
#include "crypto/names.h"
#include "crypto/x509.h"
#include "log/log.h"
#include "util/mem.h"

/* Whole file, NUL-terminated; caller frees. */
static char *s_read(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *data = NULL, *grown;
	size_t n = 0, cap = 0, r;

	if (f == NULL) {
		fprintf(stderr, "crypto_tool: cannot open %s\n", path);
		return NULL;
	}
	for (;;) {
		if (cap - n < 4096) {
			cap = cap ? 2 * cap : 8192;
			grown = realloc(data, cap + 1);
			if (grown == NULL) {
				free(data);
				data = NULL;
				break;
			}
			data = grown;
		}
		r = fread(data + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	if (f != stdin)
		fclose(f);
	if (data != NULL) {
		data[n] = '\0';
		if (len != NULL)
			*len = n;
	}
	return data;
}

static int s_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int rc = -1;

	if (f != NULL && fputs(text, f) >= 0)
		rc = 0;
	if (f != NULL && fclose(f) != 0)
		rc = -1;
	return rc;
}

static struct key *s_key(const char *path)
{
	size_t len = 0;
	char *pem = s_read(path, &len);
	struct key *k = pem ? key_load_pem(pem, len, path) : NULL;

	str_wipe_free(pem);
	return k;
}

/* Prints obj without whitespace and a newline; deletes it. */
static int s_print_json(cJSON *obj)
{
	char *text = obj ? cJSON_PrintUnformatted(obj) : NULL;
	int rc = text ? 0 : -1;

	if (text != NULL)
		printf("%s\n", text);
	cJSON_free(text);
	cJSON_Delete(obj);
	return rc;
}

static int s_genkey(const char *type)
{
	int t = key_type_parse(type);
	struct key *k = t >= 0 ? key_generate((enum key_type)t) : NULL;
	char *pem = k ? key_save_pem(k, NULL) : NULL;
	int rc = pem ? 0 : -1;

	if (t < 0)
		fprintf(stderr, "crypto_tool: unknown key type %s\n", type);
	if (pem != NULL)
		fputs(pem, stdout);
	str_wipe_free(pem);
	key_free(k);
	return rc;
}

static int s_keyinfo(const char *path)
{
	struct key *k = s_key(path);
	cJSON *o;

	if (k == NULL)
		return -1;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", key_type_name(key_get_type(k)));
	cJSON_AddStringToObject(o, "alg", jws_alg_for_key(k));
	cJSON_AddBoolToObject(o, "private", key_has_private(k));
	key_free(k);
	return s_print_json(o);
}

static int s_jwk(const char *path)
{
	struct key *k = s_key(path);
	cJSON *jwk = k ? jwk_public(k) : NULL;

	key_free(k);
	return jwk ? s_print_json(jwk) : -1;
}

static int s_thumbprint(const char *path)
{
	struct key *k = s_key(path);
	char *t = k ? jwk_key_thumbprint(k) : NULL;

	if (t != NULL)
		printf("%s\n", t);
	free(t);
	key_free(k);
	return t ? 0 : -1;
}

static int s_jws(int argc, char **argv)
{
	struct key *k = s_key(argv[0]);
	struct jws_signer *s = k ? jws_signer_from_key(k) : NULL;
	const char *nonce = strcmp(argv[2], "-") == 0 ? NULL : argv[2];
	cJSON *payload = NULL;
	char *out = NULL;
	int rc = -1;

	if (s == NULL)
		goto out;
	if (argv[3][0] != '\0') {
		payload = cJSON_Parse(argv[3]);
		if (payload == NULL) {
			fprintf(stderr, "crypto_tool: payload is not JSON\n");
			goto out;
		}
	}
	out = jws_build_text(s, argv[1], nonce, argc > 4 ? argv[4] : NULL, payload);
	if (out == NULL)
		goto out;
	printf("%s\n", out);
	rc = 0;
out:
	free(out);
	cJSON_Delete(payload);
	jws_signer_free(s);
	key_free(k);
	return rc;
}

static int s_sign(const char *path)
{
	struct key *k = s_key(path);
	size_t len = 0, siglen = 0;
	char *data = k ? s_read("-", &len) : NULL, *b64 = NULL;
	unsigned char *sig = NULL;
	int rc = -1;

	if (data != NULL && jws_sign_bytes(k, data, len, &sig, &siglen) == 0)
		b64 = b64url_encode(sig, siglen);
	if (b64 != NULL) {
		printf("%s\n", b64);
		rc = 0;
	}
	free(b64);
	free(sig);
	free(data);
	key_free(k);
	return rc;
}

static int s_verify(int argc, char **argv)
{
	char *text = s_read(argv[0], NULL);
	struct key *k = argc > 1 ? s_key(argv[1]) : NULL;
	int rc = -1;

	if (text != NULL && (argc < 2 || k != NULL))
		rc = jws_verify(text, k, NULL, NULL, NULL);
	if (rc != 0)
		fprintf(stderr, "crypto_tool: JWS does not verify\n");
	free(text);
	key_free(k);
	return rc;
}

static int s_csr(int argc, char **argv)
{
	struct key *k = s_key(argv[0]);
	const char *cn = strcmp(argv[1], "-") == 0 ? NULL : argv[1];
	char *pem =
	    k ? csr_create_pem(k, cn, (const char *const *)argv + 2, (size_t)argc - 2) : NULL;

	if (pem != NULL)
		fputs(pem, stdout);
	free(pem);
	key_free(k);
	return pem ? 0 : -1;
}

static int s_certinfo(const char *path)
{
	size_t len = 0, i, akilen = 0;
	char *pem = s_read(path, &len), *cn = NULL, *aki64 = NULL;
	struct cert_info info;
	struct cert *c = NULL;
	unsigned char *aki = NULL;
	cJSON *o = NULL, *names;
	int rc = -1;

	if (pem == NULL || cert_info_get(pem, len, &info, path) != 0)
		goto out;
	c = cert_load_pem(pem, len, NULL, path);
	if (c == NULL)
		goto clear;
	cn = cert_subject_cn(c);
	if (cert_aki(c, &aki, &akilen) == 0)
		aki64 = b64url_encode(aki, akilen);
	o = cJSON_CreateObject();
	names = cJSON_AddArrayToObject(o, "names");
	for (i = 0; i < info.nnames; i++)
		cJSON_AddItemToArray(names, cJSON_CreateString(info.names[i]));
	if (cn != NULL)
		cJSON_AddStringToObject(o, "cn", cn);
	else
		cJSON_AddNullToObject(o, "cn");
	cJSON_AddNumberToObject(o, "not_before", (double)info.not_before);
	cJSON_AddNumberToObject(o, "not_after", (double)info.not_after);
	cJSON_AddStringToObject(o, "serial", info.serial);
	cJSON_AddStringToObject(o, "issuer", info.issuer);
	if (aki64 != NULL)
		cJSON_AddStringToObject(o, "aki", aki64);
	else
		cJSON_AddNullToObject(o, "aki");
	if (info.ari_id != NULL)
		cJSON_AddStringToObject(o, "ari_id", info.ari_id);
	else
		cJSON_AddNullToObject(o, "ari_id");
	cJSON_AddNumberToObject(o, "ncerts", (double)info.ncerts);
	rc = s_print_json(o);
clear:
	cert_info_clear(&info);
out:
	free(aki64);
	free(aki);
	free(cn);
	cert_free(c);
	free(pem);
	return rc;
}

static int s_split(char **argv)
{
	size_t len = 0;
	char *pem = s_read(argv[0], &len), *leaf = NULL, *chain = NULL;
	int rc = -1;

	if (pem != NULL && cert_split_pem(pem, len, &leaf, &chain, argv[0]) == 0 &&
	    s_write(argv[1], leaf) == 0 && s_write(argv[2], chain) == 0)
		rc = 0;
	free(pem);
	free(leaf);
	free(chain);
	return rc;
}

static int s_matches(char **argv)
{
	size_t len = 0;
	char *pem = s_read(argv[0], &len);
	struct cert *c = pem ? cert_load_pem(pem, len, NULL, argv[0]) : NULL;
	struct key *k = c ? s_key(argv[1]) : NULL;
	int r = k ? cert_matches_key(c, k) : -1;

	if (r >= 0)
		printf("%d\n", r);
	key_free(k);
	cert_free(c);
	free(pem);
	return r >= 0 ? 0 : -1;
}

static int s_eab(char **argv)
{
	struct key *k = s_key(argv[3]);
	cJSON *jwk = k ? jwk_public(k) : NULL;
	cJSON *eab = jwk ? jws_eab(argv[0], argv[1], argv[2], jwk) : NULL;

	cJSON_Delete(jwk);
	key_free(k);
	return eab ? s_print_json(eab) : -1;
}

static int s_name(const char *name)
{
	struct aaa_err err;

	if (name_validate(name, &err) != 0) {
		fprintf(stderr, "%s\n", err.message);
		return -1;
	}
	return 0;
}

static int s_usage(void)
{
	fprintf(stderr, "usage: crypto_tool genkey|keyinfo|jwk|thumbprint|jws|sign|verify|csr|"
			"certinfo|split|matches|eab|name ARGS (see the source)\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	int n = argc - 2, rc;
	char **a = argv + 2;

	log_configure(LOG_WARN, 0, stderr);
	if (strcmp(cmd, "genkey") == 0 && n == 1)
		rc = s_genkey(a[0]);
	else if (strcmp(cmd, "keyinfo") == 0 && n == 1)
		rc = s_keyinfo(a[0]);
	else if (strcmp(cmd, "jwk") == 0 && n == 1)
		rc = s_jwk(a[0]);
	else if (strcmp(cmd, "thumbprint") == 0 && n == 1)
		rc = s_thumbprint(a[0]);
	else if (strcmp(cmd, "jws") == 0 && (n == 4 || n == 5))
		rc = s_jws(n, a);
	else if (strcmp(cmd, "sign") == 0 && n == 1)
		rc = s_sign(a[0]);
	else if (strcmp(cmd, "verify") == 0 && (n == 1 || n == 2))
		rc = s_verify(n, a);
	else if (strcmp(cmd, "csr") == 0 && n >= 2)
		rc = s_csr(n, a);
	else if (strcmp(cmd, "certinfo") == 0 && n == 1)
		rc = s_certinfo(a[0]);
	else if (strcmp(cmd, "split") == 0 && n == 3)
		rc = s_split(a);
	else if (strcmp(cmd, "matches") == 0 && n == 2)
		rc = s_matches(a);
	else if (strcmp(cmd, "eab") == 0 && n == 4)
		rc = s_eab(a);
	else if (strcmp(cmd, "name") == 0 && n == 1)
		rc = s_name(a[0]);
	else
		return s_usage();
	return rc == 0 ? 0 : 1;
}
