/*
 * KMS over aws_call with the JSON 1.1 protocol. See kms.h.
 */
#define _GNU_SOURCE
#include "aws/kms.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/json11.h"
#include "crypto/b64.h"
#include "json/json.h"
#include "util/mem.h"

/* Replaces reply->message with a formatted line (the previous one freed). */
static void s_message(struct aws_reply *reply, const char *op, const char *key_id, const char *what)
{
	free(reply->message);
	reply->message = str_printf("KMS %s %s: %s", op, key_id ? key_id : "", what);
}

/* Wipes the answer body: Decrypt's holds plaintext. */
static void s_wipe_body(struct aws_reply *reply)
{
	if (reply->resp.body.data)
		mem_wipe(reply->resp.body.data, reply->resp.body.len);
}

/*
 * One JSON 1.1 call: req is serialised (and wiped after sending when
 * secret is set: Encrypt's body holds the plaintext), the answer parsed
 * into *answer (caller cJSON_Deletes). 0, 1 or -1 as in kms.h.
 */
static int s_call(const char *op, const char *key_id, const cJSON *req, int secret, cJSON **answer,
		  struct aws_reply *reply)
{
	char *body = NULL;
	int rc = -1;

	*answer = NULL;
	memset(reply, 0, sizeof(*reply));
	body = json_print(req);
	if (body == NULL) {
		s_message(reply, op, key_id, "out of memory");
		goto out;
	}
	rc = aws_json_call(AWS_KMS, "TrentService", op, NULL, key_id, body, reply);
	if (rc != 0)
		goto out;
	rc = -1;
	*answer = json_parse(reply->resp.body.data ? reply->resp.body.data : "",
			     reply->resp.body.len, NULL);
	if (*answer == NULL || !cJSON_IsObject(*answer)) {
		s_message(reply, op, key_id, "the answer is not a JSON object");
		goto out;
	}
	rc = 0;
out:
	if (rc == -1) {
		cJSON_Delete(*answer);
		*answer = NULL;
	}
	if (secret && body)
		str_wipe_free(body);
	else
		free(body);
	return rc;
}

/* A base64 blob member of an answer, decoded (caller frees; NUL after). */
static int s_blob(const cJSON *answer, const char *member, const char *op, const char *key_id,
		  unsigned char **out, size_t *len, struct aws_reply *reply)
{
	const char *v = json_str(answer, member);
	char *what;

	*out = NULL;
	if (v != NULL)
		*out = b64_decode(v, strlen(v), len);
	if (*out == NULL) {
		what = str_printf("the answer has no valid base64 %s", member);
		s_message(reply, op, key_id, what ? what : "malformed answer");
		free(what);
		return -1;
	}
	return 0;
}

/* Wipes every string value of a parsed answer before it is freed. */
static void s_wipe_json(cJSON *j)
{
	cJSON *it;

	if (j == NULL)
		return;
	if (cJSON_IsString(j) && j->valuestring)
		mem_wipe(j->valuestring, strlen(j->valuestring));
	for (it = j->child; it; it = it->next)
		s_wipe_json(it);
}

int kms_encrypt(const char *key_id, const void *pt, size_t len, char **ciphertext_b64,
		struct aws_reply *reply)
{
	cJSON *req = NULL, *ans = NULL;
	char *p64 = NULL;
	unsigned char *blob = NULL;
	size_t blen = 0;
	int rc = -1;

	*ciphertext_b64 = NULL;
	memset(reply, 0, sizeof(*reply));
	if (len == 0 || len > KMS_MAX_PLAINTEXT) {
		s_message(reply, "Encrypt", key_id, "plaintext must be 1..4096 bytes");
		goto out;
	}
	p64 = b64_encode(pt, len);
	req = cJSON_CreateObject();
	if (p64 == NULL || req == NULL || !cJSON_AddStringToObject(req, "KeyId", key_id) ||
	    !cJSON_AddStringToObject(req, "Plaintext", p64)) {
		s_message(reply, "Encrypt", key_id, "out of memory");
		goto out;
	}
	rc = s_call("Encrypt", key_id, req, 1, &ans, reply);
	if (rc != 0)
		goto out;
	rc = -1;
	/* Decoded once to check it, then handed over as KMS sent it. */
	if (s_blob(ans, "CiphertextBlob", "Encrypt", key_id, &blob, &blen, reply) != 0)
		goto out;
	*ciphertext_b64 = str_dup(json_str(ans, "CiphertextBlob"));
	if (*ciphertext_b64 == NULL)
		goto out;
	rc = 0;
out:
	if (req)
		s_wipe_json(req);
	cJSON_Delete(req);
	cJSON_Delete(ans);
	str_wipe_free(p64);
	free(blob);
	return rc;
}

int kms_decrypt(const char *ciphertext_b64, const char *key_id, unsigned char **pt, size_t *len,
		struct aws_reply *reply)
{
	return kms_decrypt_ctx(ciphertext_b64, key_id, NULL, NULL, pt, len, reply);
}

int kms_decrypt_ctx(const char *ciphertext_b64, const char *key_id, const char *ctx_key,
		    const char *ctx_value, unsigned char **pt, size_t *len, struct aws_reply *reply)
{
	cJSON *req = NULL, *ans = NULL, *ctx;
	unsigned char *blob = NULL;
	size_t blen = 0;
	int rc = -1;

	*pt = NULL;
	*len = 0;
	memset(reply, 0, sizeof(*reply));
	blob = ciphertext_b64 ? b64_decode(ciphertext_b64, strlen(ciphertext_b64), &blen) : NULL;
	if (blob == NULL || blen == 0) {
		s_message(reply, "Decrypt", key_id, "the ciphertext is not base64");
		goto out;
	}
	req = cJSON_CreateObject();
	if (req == NULL || !cJSON_AddStringToObject(req, "CiphertextBlob", ciphertext_b64) ||
	    (key_id && !cJSON_AddStringToObject(req, "KeyId", key_id))) {
		s_message(reply, "Decrypt", key_id, "out of memory");
		goto out;
	}
	if (ctx_key && ctx_value &&
	    (!(ctx = cJSON_AddObjectToObject(req, "EncryptionContext")) ||
	     !cJSON_AddStringToObject(ctx, ctx_key, ctx_value))) {
		s_message(reply, "Decrypt", key_id, "out of memory");
		goto out;
	}
	rc = s_call("Decrypt", key_id, req, 0, &ans, reply);
	s_wipe_body(reply);
	if (rc != 0)
		goto out;
	rc = -1;
	if (s_blob(ans, "Plaintext", "Decrypt", key_id, pt, len, reply) != 0)
		goto out;
	rc = 0;
out:
	s_wipe_json(ans);
	cJSON_Delete(req);
	cJSON_Delete(ans);
	free(blob);
	return rc;
}

static int s_sign(const char *key_id, const char *algorithm, const char *type, const void *msg,
		  size_t len, unsigned char **sig, size_t *siglen, struct aws_reply *reply)
{
	cJSON *req = NULL, *ans = NULL;
	char *m64 = NULL;
	int rc = -1;

	*sig = NULL;
	*siglen = 0;
	memset(reply, 0, sizeof(*reply));
	if (len == 0 || len > KMS_MAX_RAW_MESSAGE) {
		s_message(reply, "Sign", key_id, "message must be 1..4096 bytes");
		goto out;
	}
	m64 = b64_encode(msg, len);
	req = cJSON_CreateObject();
	if (m64 == NULL || req == NULL || !cJSON_AddStringToObject(req, "KeyId", key_id) ||
	    !cJSON_AddStringToObject(req, "Message", m64) ||
	    !cJSON_AddStringToObject(req, "MessageType", type) ||
	    !cJSON_AddStringToObject(req, "SigningAlgorithm", algorithm)) {
		s_message(reply, "Sign", key_id, "out of memory");
		goto out;
	}
	rc = s_call("Sign", key_id, req, 0, &ans, reply);
	if (rc != 0)
		goto out;
	rc = -1;
	if (s_blob(ans, "Signature", "Sign", key_id, sig, siglen, reply) != 0)
		goto out;
	rc = 0;
out:
	cJSON_Delete(req);
	cJSON_Delete(ans);
	free(m64);
	return rc;
}

int kms_sign(const char *key_id, const char *algorithm, const void *msg, size_t len,
	     unsigned char **sig, size_t *siglen, struct aws_reply *reply)
{
	return s_sign(key_id, algorithm, "RAW", msg, len, sig, siglen, reply);
}

int kms_sign_digest(const char *key_id, const char *algorithm, const void *digest, size_t len,
		    unsigned char **sig, size_t *siglen, struct aws_reply *reply)
{
	return s_sign(key_id, algorithm, "DIGEST", digest, len, sig, siglen, reply);
}

int kms_get_public_key(const char *key_id, unsigned char **spki_der, size_t *len, char **key_spec,
		       struct aws_reply *reply)
{
	cJSON *req = NULL, *ans = NULL;
	const char *spec;
	int rc = -1;

	*spki_der = NULL;
	*len = 0;
	if (key_spec)
		*key_spec = NULL;
	memset(reply, 0, sizeof(*reply));
	req = cJSON_CreateObject();
	if (req == NULL || !cJSON_AddStringToObject(req, "KeyId", key_id)) {
		s_message(reply, "GetPublicKey", key_id, "out of memory");
		goto out;
	}
	rc = s_call("GetPublicKey", key_id, req, 0, &ans, reply);
	if (rc != 0)
		goto out;
	rc = -1;
	if (s_blob(ans, "PublicKey", "GetPublicKey", key_id, spki_der, len, reply) != 0)
		goto out;
	/* KeySpec is the current name; CustomerMasterKeySpec the deprecated one. */
	spec = json_str(ans, "KeySpec");
	if (spec == NULL)
		spec = json_str(ans, "CustomerMasterKeySpec");
	if (spec == NULL) {
		s_message(reply, "GetPublicKey", key_id, "the answer has no KeySpec");
		goto out;
	}
	if (key_spec && (*key_spec = str_dup(spec)) == NULL)
		goto out;
	rc = 0;
out:
	if (rc != 0) {
		free(*spki_der);
		*spki_der = NULL;
		*len = 0;
	}
	cJSON_Delete(req);
	cJSON_Delete(ans);
	return rc;
}
