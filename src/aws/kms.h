/*
 * KMS client (JSON 1.1 protocol: POST / with X-Amz-Target
 * "TrentService.<Operation>" and Content-Type application/x-amz-json-1.1;
 * blobs travel base64 in the JSON bodies). Four operations: Encrypt and
 * Decrypt for small secrets (the Slack signing secret, doctor's test value),
 * Sign and GetPublicKey for an ACME account key that never leaves KMS.
 *
 * Return values as in s3.h: 0 on a 2xx answer that parsed, 1 on an AWS
 * error answer (reply->err.code: AccessDeniedException, NotFoundException,
 * DisabledException, InvalidCiphertextException...), -1 when no answer
 * arrived or the answer was not what KMS sends (reply->message says which).
 * reply->message is the one line for the user whenever rc != 0. Nothing is
 * logged at error level. Free the reply with aws_reply_free in every case;
 * answers that held plaintext are wiped before these functions return.
 */
#ifndef AAA_AWS_KMS_H
#define AAA_AWS_KMS_H

#include <stddef.h>

#include "aws/client.h"

/* KMS's own limits: Encrypt takes at most 4096 bytes of plaintext, Sign
 * with MessageType RAW at most 4096 bytes of message. */
#define KMS_MAX_PLAINTEXT   4096
#define KMS_MAX_RAW_MESSAGE 4096

/* Encrypts pt[0..len) under key_id (id, ARN, alias/NAME or alias ARN);
 * *ciphertext_b64 (caller frees) is CiphertextBlob as base64. */
int kms_encrypt(const char *key_id, const void *pt, size_t len, char **ciphertext_b64,
		struct aws_reply *reply);

/* Decrypts a base64 CiphertextBlob. key_id, when not NULL, is sent as
 * KeyId so KMS refuses a ciphertext made under another key. plaintext:
 * caller wipes (mem_wipe) and frees; a NUL follows the len bytes. */
int kms_decrypt(const char *ciphertext_b64, const char *key_id /* NULL ok */, unsigned char **pt,
		size_t *len, struct aws_reply *reply);
/* The same with an encryption context of one pair (ctx_key=ctx_value; both
 * NULL: none): KMS refuses a ciphertext made with another context, so an
 * IAM condition on the context limits what a role can decrypt. */
int kms_decrypt_ctx(const char *ciphertext_b64, const char *key_id, const char *ctx_key,
		    const char *ctx_value, unsigned char **pt, size_t *len,
		    struct aws_reply *reply);

/*
 * Signs msg[0..len) with MessageType RAW (KMS hashes it); algorithm is
 * "ECDSA_SHA_256", "ECDSA_SHA_384" or "RSASSA_PKCS1_V1_5_SHA_256". *sig
 * (caller frees) is the signature as KMS returns it: DER ECDSA-Sig-Value
 * for ECDSA, the PKCS#1 v1.5 bytes for RSA. A message over
 * KMS_MAX_RAW_MESSAGE is refused here (-1) rather than by KMS.
 */
int kms_sign(const char *key_id, const char *algorithm, const void *msg, size_t len,
	     unsigned char **sig, size_t *siglen, struct aws_reply *reply);
/* The same with MessageType DIGEST: digest is the hash the algorithm
 * names (32 bytes for *_SHA_256, 48 for *_SHA_384), computed by the caller. */
int kms_sign_digest(const char *key_id, const char *algorithm, const void *digest, size_t len,
		    unsigned char **sig, size_t *siglen, struct aws_reply *reply);

/* The public key as DER SubjectPublicKeyInfo (*spki_der, caller frees) and
 * its KeySpec ("ECC_NIST_P256", "RSA_2048"...; *key_spec, caller frees;
 * key_spec may be NULL when not wanted). */
int kms_get_public_key(const char *key_id, unsigned char **spki_der, size_t *len, char **key_spec,
		       struct aws_reply *reply);

#endif
