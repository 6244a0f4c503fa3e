/*
 * libFuzzer target: the 200 answers of KMS (JSON 1.1), STS (query XML),
 * Lambda Invoke, S3 ListObjectsV2 and Route53 ListHostedZones (paginated
 * XML), fed through the real clients by a local server (fuzz_server.h):
 * their parsers are static, the nearest public functions take the answer
 * from the network. The first byte picks the operation; the rest is the
 * body of every answer (so a paginated listing sees the same page again:
 * a client must not loop forever on a marker that does not advance).
 */
#include "fuzz_server.h"

#include "aws/client.h"
#include "aws/kms.h"
#include "aws/lambda.h"
#include "aws/route53.h"
#include "aws/s3.h"
#include "aws/sts.h"
#include "util/mem.h"

#include "fuzz_util.h"

/* Counts keys; stops the listing after a bound a real bucket would pass
 * only with many pages (the target must not run away on memory). */
static int s_key(void *ctx, const char *key)
{
	size_t *n = ctx;

	(void)key;
	return ++*n > 100000 ? 1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aws_reply reply;
	unsigned char *bytes = NULL;
	char *s = NULL, *s2 = NULL;
	size_t len = 0, nkeys = 0;
	unsigned pages = 0;
	struct aws_credentials *cr = NULL;
	struct route53_zones z;
	unsigned long before;
	int rc = 0;

	fuzz_quiet();
	if (size < 1 || fuzz_server_start() != 0)
		return 0;
	if (fuzz_server_answer(200, (data[0] & 0x80) ? "X-Amz-Function-Error: Unhandled\r\n" : NULL,
			       data + 1, size - 1) != 0)
		return 0;
	memset(&reply, 0, sizeof(reply));
	before = fuzz_server_requests();
	switch (data[0] % 9) {
	case 0:
		rc = kms_encrypt("alias/fuzz", "secret", 6, &s, &reply);
		if (rc == 0 && s == NULL)
			abort();
		break;
	case 1:
		rc = kms_decrypt("AQIDBA==", NULL, &bytes, &len, &reply);
		if (rc == 0 && bytes == NULL)
			abort();
		if (bytes)
			mem_wipe(bytes, len);
		break;
	case 2:
		rc = kms_sign("alias/fuzz", "ECDSA_SHA_256", "msg", 3, &bytes, &len, &reply);
		break;
	case 3:
		rc = kms_get_public_key("alias/fuzz", &bytes, &len, &s, &reply);
		if (rc == 0 && (bytes == NULL || s == NULL))
			abort();
		break;
	case 4:
		rc = sts_assume_role("arn:aws:iam::123456789012:role/fuzz", "fuzz", NULL, 0, NULL,
				     &cr, &reply);
		if (rc == 0 && cr == NULL)
			abort();
		break;
	case 5:
		rc = sts_get_caller_identity(NULL, &s, &s2, &reply);
		break;
	case 6:
		rc = lambda_invoke("fuzz", "{}", 0, &s, &s2, &reply);
		if (rc == 0 && s == NULL)
			abort();
		break;
	case 7:
		rc = s3_list_objects("bucket", "aaa-data/", 0, s_key, &nkeys, &pages, &reply);
		break;
	default:
		memset(&z, 0, sizeof(z));
		rc = route53_list_hosted_zones(NULL, &z, &pages, &reply);
		route53_zones_free(&z);
		break;
	}
	/* Every failure has its one line for the user. */
	if (rc != 0 && (reply.message == NULL || strchr(reply.message, '\n')))
		abort();
	/* A 200 is never retried: one request per page. */
	if (pages == 0 && fuzz_server_requests() - before != 1)
		abort();
	aws_reply_free(&reply);
	aws_credentials_free(cr);
	free(bytes);
	free(s);
	free(s2);
	return 0;
}
