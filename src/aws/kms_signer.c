/*
 * A jws_signer over KMS Sign. See kms_signer.h.
 */
#define _GNU_SOURCE
#include "aws/kms_signer.h"

#include <stdlib.h>
#include <string.h>

#include "aws/kms.h"
#include "crypto/jwk.h"
#include "crypto/key.h"
#include "log/log.h"
#include "util/mem.h"

struct s_ctx {
	char *key_id;
	const char *alg;     /* JWS alg, static */
	const char *kms_alg; /* KMS SigningAlgorithm, static */
};

static void s_ctx_free(void *p)
{
	struct s_ctx *c = p;

	if (c == NULL)
		return;
	free(c->key_id);
	free(c);
}

int kms_signer_alg_for_spec(const char *key_spec, const char **alg, const char **kms_alg)
{
	static const struct {
		const char *spec, *alg, *kms_alg;
	} map[] = {
	    {"ECC_NIST_P256", "ES256", "ECDSA_SHA_256"},
	    {"ECC_NIST_P384", "ES384", "ECDSA_SHA_384"},
	    {"RSA_2048", "RS256", "RSASSA_PKCS1_V1_5_SHA_256"},
	    {"RSA_3072", "RS256", "RSASSA_PKCS1_V1_5_SHA_256"},
	    {"RSA_4096", "RS256", "RSASSA_PKCS1_V1_5_SHA_256"},
	};
	size_t i;

	for (i = 0; key_spec && i < sizeof(map) / sizeof(map[0]); i++) {
		if (strcmp(key_spec, map[i].spec) == 0) {
			*alg = map[i].alg;
			*kms_alg = map[i].kms_alg;
			return 0;
		}
	}
	return -1;
}

const char *kms_signer_key_id(const char *spec)
{
	if (spec == NULL || strncmp(spec, "kms:", 4) != 0 || spec[4] == '\0')
		return NULL;
	return spec + 4;
}

/*
 * The jws_sign_fn. KMS hashes a RAW message itself, up to 4096 bytes; a
 * longer signing input (a finalize with a CSR of many names) is hashed
 * here and sent as DIGEST, which gives the same signature. ECDSA answers
 * are DER and JOSE wants fixed-width r||s: converted, refusing integers
 * wider than the curve (a key that is not the one GetPublicKey described).
 */
static int s_sign(void *p, const unsigned char *in, size_t inlen, unsigned char **sig,
		  size_t *siglen)
{
	struct s_ctx *c = p;
	struct aws_reply reply;
	unsigned char *der = NULL, *raw = NULL, digest[48];
	size_t derlen = 0, dlen = 0, width = jws_ecdsa_width(c->alg);
	int rc = -1, arc;

	*sig = NULL;
	*siglen = 0;
	if (inlen <= KMS_MAX_RAW_MESSAGE) {
		arc = kms_sign(c->key_id, c->kms_alg, in, inlen, &der, &derlen, &reply);
	} else if (jws_alg_digest(c->alg, in, inlen, digest, &dlen) == 0) {
		arc = kms_sign_digest(c->key_id, c->kms_alg, digest, dlen, &der, &derlen, &reply);
	} else {
		memset(&reply, 0, sizeof(reply));
		log_error("KMS Sign %s: cannot hash the signing input", c->key_id);
		goto out;
	}
	if (arc != 0) {
		log_error("%s", reply.message ? reply.message : "KMS Sign failed");
		goto out;
	}
	if (width == 0) {
		*sig = der;
		*siglen = derlen;
		der = NULL;
		rc = 0;
		goto out;
	}
	raw = malloc(2 * width);
	if (raw == NULL || jws_ecdsa_der_to_raw(der, derlen, width, raw) != 0) {
		log_error("KMS Sign %s: the signature is not a %s ECDSA signature", c->key_id,
			  c->alg);
		goto out;
	}
	*sig = raw;
	*siglen = 2 * width;
	raw = NULL;
	rc = 0;
out:
	aws_reply_free(&reply);
	free(der);
	free(raw);
	return rc;
}

/*
 * GetPublicKey gives the KeySpec (hence the algorithm) and the SPKI, from
 * which the JWK is made; the key's type must agree with the spec, so a
 * signer never announces one algorithm and signs with another.
 */
struct jws_signer *kms_signer_new(const char *key_id, struct aaa_err *err)
{
	struct aws_reply reply;
	struct s_ctx *c = NULL;
	struct key *k = NULL;
	struct jws_signer *s = NULL;
	cJSON *jwk = NULL;
	unsigned char *spki = NULL;
	size_t spki_len = 0;
	char *spec = NULL;
	const char *alg = NULL, *kms_alg = NULL, *key_alg;

	memset(&reply, 0, sizeof(reply));
	if (key_id == NULL || *key_id == '\0') {
		err_set(err, "input", "",
			"KMS account key: no key id (use --account-key kms:KEY_ID)");
		goto out;
	}
	if (kms_get_public_key(key_id, &spki, &spki_len, &spec, &reply) != 0) {
		err_set(err, "aws", "",
			"%s (the account key needs kms:GetPublicKey and kms:Sign on an "
			"asymmetric SIGN_VERIFY key)",
			reply.message ? reply.message : "KMS GetPublicKey failed");
		aws_reply_detail(&reply, err);
		goto out;
	}
	if (kms_signer_alg_for_spec(spec, &alg, &kms_alg) != 0) {
		err_set(err, "aws", "",
			"KMS key %s has KeySpec %s, which cannot sign ACME requests: "
			"create it with KeySpec ECC_NIST_P256, ECC_NIST_P384 or RSA_2048 "
			"and KeyUsage SIGN_VERIFY",
			key_id, spec);
		goto out;
	}
	k = key_load_public_der(spki, spki_len, "KMS public key");
	key_alg = k ? jws_alg_for_key(k) : NULL;
	if (key_alg == NULL || strcmp(key_alg, alg) != 0) {
		err_set(err, "aws", "", "KMS key %s: the public key does not match KeySpec %s",
			key_id, spec);
		goto out;
	}
	jwk = jwk_public(k);
	c = calloc(1, sizeof(*c));
	if (jwk == NULL || c == NULL || (c->key_id = str_dup(key_id)) == NULL) {
		err_set(err, "internal", "", "KMS key %s: out of memory", key_id);
		goto out;
	}
	c->alg = alg;
	c->kms_alg = kms_alg;
	s = jws_signer_new(alg, jwk, s_sign, c, s_ctx_free);
	if (s == NULL) {
		err_set(err, "aws", "", "KMS key %s: cannot build the signer", key_id);
		goto out;
	}
	c = NULL; /* owned by s */
out:
	aws_reply_free(&reply);
	s_ctx_free(c);
	cJSON_Delete(jwk);
	key_free(k);
	free(spki);
	free(spec);
	return s;
}
