/*
 * The KMS client against a scripted server: the JSON 1.1 request each
 * operation builds (X-Amz-Target, Content-Type, members, base64 blobs) and
 * how answers, errors and malformed answers are read.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws/kms.h"
#include "harness.h"
#include "test_kms_fake.h"
#include "util/mem.h"

static struct fake_aws s_f;

static cJSON *s_body(int i)
{
	return cJSON_Parse(s_f.body[i]);
}

static const char *s_member(const cJSON *o, const char *name)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(m) ? m->valuestring : NULL;
}

TEST(kms_encrypt_request_and_answer)
{
	struct aws_reply r;
	char *ct = NULL,
	     *ok = fake_aws_answer("200 OK", "Content-Type: application/x-amz-json-1.1\r\n",
				   "{\"CiphertextBlob\":\"AQIDBA==\",\"KeyId\":\"arn:k\"}");
	cJSON *b;

	REQUIRE(fake_aws_serve(&s_f, 1, ok) == 0);
	CHECK_INT(kms_encrypt("alias/aaa", "secret", 6, &ct, &r), 0);
	CHECK_STR(ct, "AQIDBA==");
	CHECK(strncmp(s_f.head[0], "POST / HTTP/1.1\r\n", 17) == 0);
	CHECK(fake_aws_has_header(&s_f, 0, "X-Amz-Target", "TrentService.Encrypt"));
	CHECK(fake_aws_has_header(&s_f, 0, "Content-Type", "application/x-amz-json-1.1"));
	CHECK(strstr(s_f.head[0], "Credential=AKIDUNIT/") != NULL);
	CHECK(strstr(s_f.head[0], "/us-east-1/kms/aws4_request") != NULL);
	b = s_body(0);
	CHECK(b != NULL);
	CHECK_STR(s_member(b, "KeyId"), "alias/aaa");
	CHECK_STR(s_member(b, "Plaintext"), "c2VjcmV0"); /* base64("secret") */
	cJSON_Delete(b);
	aws_reply_free(&r);
	free(ct);
	fake_aws_stop(&s_f);
}

TEST(kms_decrypt_returns_plaintext_and_wipes_the_answer)
{
	struct aws_reply r;
	unsigned char *pt = NULL;
	size_t len = 0;
	char *ok = fake_aws_answer("200 OK", "",
				   "{\"KeyId\":\"arn:k\",\"Plaintext\":\"c2VjcmV0\","
				   "\"EncryptionAlgorithm\":\"SYMMETRIC_DEFAULT\"}");
	cJSON *b;

	REQUIRE(fake_aws_serve(&s_f, 1, ok) == 0);
	CHECK_INT(kms_decrypt("AQIDBA==", "alias/aaa", &pt, &len, &r), 0);
	CHECK_INT(len, 6);
	CHECK(pt && memcmp(pt, "secret", 6) == 0);
	CHECK(fake_aws_has_header(&s_f, 0, "X-Amz-Target", "TrentService.Decrypt"));
	b = s_body(0);
	CHECK_STR(s_member(b, "CiphertextBlob"), "AQIDBA==");
	CHECK_STR(s_member(b, "KeyId"), "alias/aaa");
	cJSON_Delete(b);
	/* the plaintext's base64 does not stay in the reply */
	CHECK(r.resp.body.data == NULL ||
	      memmem(r.resp.body.data, r.resp.body.len, "c2VjcmV0", 8) == NULL);
	aws_reply_free(&r);
	if (pt)
		mem_wipe(pt, len);
	free(pt);
	fake_aws_stop(&s_f);
}

TEST(kms_decrypt_without_key_id_sends_none)
{
	struct aws_reply r;
	unsigned char *pt = NULL;
	size_t len = 0;
	char *ok = fake_aws_answer("200 OK", "", "{\"Plaintext\":\"eA==\"}");
	cJSON *b;

	REQUIRE(fake_aws_serve(&s_f, 1, ok) == 0);
	CHECK_INT(kms_decrypt("AQIDBA==", NULL, &pt, &len, &r), 0);
	b = s_body(0);
	CHECK(cJSON_GetObjectItemCaseSensitive(b, "KeyId") == NULL);
	cJSON_Delete(b);
	aws_reply_free(&r);
	free(pt);
	fake_aws_stop(&s_f);
}

TEST(kms_access_denied_is_one_line)
{
	struct aws_reply r;
	char *ct = NULL;
	char *denied = fake_aws_answer(
	    "400 Bad Request", "x-amzn-RequestId: R9\r\n",
	    "{\"__type\":\"AccessDeniedException\",\"message\":\"User: arn:aws:iam::1:user/u "
	    "is not authorized to perform: kms:Encrypt\"}");

	REQUIRE(fake_aws_serve(&s_f, 1, denied) == 0);
	CHECK_INT(kms_encrypt("alias/aaa", "x", 1, &ct, &r), 1);
	CHECK(ct == NULL);
	CHECK_STR(r.err.code, "AccessDeniedException");
	CHECK_STR(r.message, "KMS Encrypt alias/aaa: AccessDeniedException: User: "
			     "arn:aws:iam::1:user/u is not authorized to perform: kms:Encrypt "
			     "(request id R9, HTTP 400)");
	aws_reply_free(&r);
	fake_aws_stop(&s_f);
}

TEST(kms_malformed_answers_are_refused)
{
	struct aws_reply r;
	char *ct = NULL;
	unsigned char *pt = NULL;
	size_t len = 0;
	char *notjson = fake_aws_answer("200 OK", "", "<html>proxy</html>");
	char *nob64 = fake_aws_answer("200 OK", "", "{\"Plaintext\":\"not base64!\"}");

	REQUIRE(fake_aws_serve(&s_f, 2, notjson, nob64) == 0);
	CHECK_INT(kms_encrypt("k1", "x", 1, &ct, &r), -1);
	CHECK_STR(r.message, "KMS Encrypt k1: the answer is not a JSON object");
	CHECK(ct == NULL);
	aws_reply_free(&r);
	CHECK_INT(kms_decrypt("AQIDBA==", "k1", &pt, &len, &r), -1);
	CHECK_STR(r.message, "KMS Decrypt k1: the answer has no valid base64 Plaintext");
	CHECK(pt == NULL);
	aws_reply_free(&r);
	fake_aws_stop(&s_f);
}

TEST(kms_sign_raw_request_and_signature)
{
	struct aws_reply r;
	unsigned char *sig = NULL;
	size_t siglen = 0;
	char *ok = fake_aws_answer("200 OK", "",
				   "{\"KeyId\":\"arn:k\",\"Signature\":\"MAYCAQECAQI=\","
				   "\"SigningAlgorithm\":\"ECDSA_SHA_256\"}");
	cJSON *b;

	REQUIRE(fake_aws_serve(&s_f, 1, ok) == 0);
	CHECK_INT(kms_sign("k1", "ECDSA_SHA_256", "abc", 3, &sig, &siglen, &r), 0);
	CHECK_INT(siglen, 8);
	CHECK(sig && memcmp(sig, "\x30\x06\x02\x01\x01\x02\x01\x02", 8) == 0);
	CHECK(fake_aws_has_header(&s_f, 0, "X-Amz-Target", "TrentService.Sign"));
	b = s_body(0);
	CHECK_STR(s_member(b, "KeyId"), "k1");
	CHECK_STR(s_member(b, "Message"), "YWJj");
	CHECK_STR(s_member(b, "MessageType"), "RAW");
	CHECK_STR(s_member(b, "SigningAlgorithm"), "ECDSA_SHA_256");
	cJSON_Delete(b);
	aws_reply_free(&r);
	free(sig);
	fake_aws_stop(&s_f);
}

TEST(kms_sign_refuses_oversize_raw_message_without_a_request)
{
	struct aws_reply r;
	unsigned char *sig = NULL, *big = calloc(1, KMS_MAX_RAW_MESSAGE + 1);
	size_t siglen = 0;

	REQUIRE(big);
	CHECK_INT(kms_sign("k1", "ECDSA_SHA_256", big, KMS_MAX_RAW_MESSAGE + 1, &sig, &siglen, &r),
		  -1);
	CHECK_STR(r.message, "KMS Sign k1: message must be 1..4096 bytes");
	CHECK(sig == NULL);
	aws_reply_free(&r);
	free(big);
}

TEST(kms_get_public_key_reads_spki_and_spec)
{
	struct aws_reply r;
	unsigned char *der = NULL;
	size_t len = 0;
	char *spec = NULL;
	char *ok = fake_aws_answer("200 OK", "",
				   "{\"KeyId\":\"arn:k\",\"PublicKey\":\"MAMCAQE=\","
				   "\"KeySpec\":\"ECC_NIST_P256\",\"KeyUsage\":\"SIGN_VERIFY\"}");
	char *nospec = fake_aws_answer("200 OK", "", "{\"PublicKey\":\"MAMCAQE=\"}");

	REQUIRE(fake_aws_serve(&s_f, 2, ok, nospec) == 0);
	CHECK_INT(kms_get_public_key("alias/acct", &der, &len, &spec, &r), 0);
	CHECK_INT(len, 5);
	CHECK(der && memcmp(der, "\x30\x03\x02\x01\x01", 5) == 0);
	CHECK_STR(spec, "ECC_NIST_P256");
	CHECK(fake_aws_has_header(&s_f, 0, "X-Amz-Target", "TrentService.GetPublicKey"));
	CHECK(strstr(s_f.body[0], "\"KeyId\":\"alias/acct\"") != NULL);
	aws_reply_free(&r);
	free(der);
	free(spec);
	der = NULL;
	spec = NULL;
	CHECK_INT(kms_get_public_key("alias/acct", &der, &len, &spec, &r), -1);
	CHECK_STR(r.message, "KMS GetPublicKey alias/acct: the answer has no KeySpec");
	CHECK(der == NULL && spec == NULL);
	aws_reply_free(&r);
	fake_aws_stop(&s_f);
}
