/*
 * An ACME account key held in KMS: a struct jws_signer (crypto/jws.h)
 * whose private key never leaves KMS. `aaa reg --account-key kms:KEY`
 * builds one with kms_signer_new and hands it to the ACME client like a
 * local key's signer.
 *
 * The KMS key must be asymmetric with KeyUsage SIGN_VERIFY and one of the
 * key specs ACME CAs accept: ECC_NIST_P256 (ES256), ECC_NIST_P384 (ES384)
 * or RSA_2048/3072/4096 (RS256). The caller needs kms:GetPublicKey and
 * kms:Sign on it.
 */
#ifndef AAA_AWS_KMS_SIGNER_H
#define AAA_AWS_KMS_SIGNER_H

#include "crypto/jws.h"
#include "util/err.h"

/* A JWS signer whose private key never leaves KMS: alg ES256/ES384/RS256 from GetPublicKey's
 * KeySpec, JWK from the public key, signatures from kms_sign (ECDSA DER → raw r||s as JWS
 * needs; see crypto/jws.h helpers). NULL and err set on failure (source "aws", with KMS's
 * code, HTTP status and request id when KMS refused; "input" for an empty key id). */
struct jws_signer *kms_signer_new(const char *key_id, struct aaa_err *err);

/*
 * The JWS alg and KMS SigningAlgorithm for a KMS KeySpec: 0 with static
 * strings in *alg and *kms_alg, -1 for a spec ACME cannot use
 * (SYMMETRIC_DEFAULT, ECC_SECG_P256K1, ECC_NIST_P521, HMAC_*...).
 */
int kms_signer_alg_for_spec(const char *key_spec, const char **alg, const char **kms_alg);

/* key_id from an --account-key value "kms:KEY" (borrowed, points into
 * spec), or NULL when spec is not of that form. */
const char *kms_signer_key_id(const char *spec);

#endif
