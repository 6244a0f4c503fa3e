/*
 * `aaa doctor`: the checks and their report. See doctor.h.
 */
#define _GNU_SOURCE
#include "agent/doctor.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws/client.h"
#include "aws/kms.h"
#include "aws/s3.h"
#include "aws/sts.h"
#include "crypto/hash.h"
#include "dns/dns01.h"
#include "store/store.h"
#include "util/mem.h"

const char *const doctor_status_names[DOCTOR_STATUS_MAX] = {"ok", "fail", "skip"};

int doctor_report_add(struct doctor_report *r, const char *name, enum doctor_status status,
		      const char *detail, const char *fix)
{
	struct doctor_check *c;

	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 16;
		struct doctor_check *p = realloc(r->checks, cap * sizeof(*p));

		if (p == NULL)
			return -1;
		r->checks = p;
		r->cap = cap;
	}
	c = &r->checks[r->n];
	c->name = str_dup(name);
	c->status = status;
	c->detail = str_dup(detail ? detail : "");
	c->fix = str_dup(fix);
	if (c->name == NULL || c->detail == NULL || (fix && c->fix == NULL)) {
		free(c->name);
		free(c->detail);
		free(c->fix);
		return -1;
	}
	r->n++;
	return 0;
}

int doctor_report_failed(const struct doctor_report *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->checks[i].status == DOCTOR_FAIL)
			return 1;
	return 0;
}

void doctor_report_free(struct doctor_report *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->checks[i].name);
		free(r->checks[i].detail);
		free(r->checks[i].fix);
	}
	free(r->checks);
	memset(r, 0, sizeof(*r));
}

static int s_print_json(const struct doctor_report *r, FILE *out)
{
	cJSON *root = cJSON_CreateObject(), *arr = NULL, *o;
	char *text = NULL;
	size_t i;
	int rc = -1;

	if (root == NULL || !cJSON_AddBoolToObject(root, "ok", !doctor_report_failed(r)) ||
	    (arr = cJSON_AddArrayToObject(root, "checks")) == NULL)
		goto out;
	for (i = 0; i < r->n; i++) {
		const struct doctor_check *c = &r->checks[i];

		o = cJSON_CreateObject();
		if (o == NULL)
			goto out;
		cJSON_AddItemToArray(arr, o);
		if (!cJSON_AddStringToObject(o, "name", c->name) ||
		    !cJSON_AddStringToObject(o, "status", doctor_status_names[c->status]) ||
		    !cJSON_AddStringToObject(o, "detail", c->detail) ||
		    !(c->fix ? cJSON_AddStringToObject(o, "fix", c->fix)
			     : cJSON_AddNullToObject(o, "fix")))
			goto out;
	}
	text = cJSON_Print(root);
	if (text == NULL || fprintf(out, "%s\n", text) < 0)
		goto out;
	rc = 0;
out:
	cJSON_Delete(root);
	free(text);
	return rc;
}

int doctor_report_print(const struct doctor_report *r, FILE *out, int json)
{
	size_t i, nfail = 0;

	if (json)
		return s_print_json(r, out);
	for (i = 0; i < r->n; i++) {
		const struct doctor_check *c = &r->checks[i];

		fprintf(out, "%-5s %-10s %s\n",
			c->status == DOCTOR_OK	   ? "ok"
			: c->status == DOCTOR_FAIL ? "FAIL"
						   : "skip",
			c->name, c->detail);
		if (c->status == DOCTOR_FAIL) {
			nfail++;
			if (c->fix)
				fprintf(out, "      fix: %s\n", c->fix);
		}
	}
	if (nfail)
		fprintf(out, "aaa doctor: %zu of %zu checks failed\n", nfail, r->n);
	else
		fprintf(out, "aaa doctor: all checks passed\n");
	return ferror(out) ? -1 : 0;
}

int doctor_store_parse(const char *url, char **bucket, char **prefix)
{
	const char *p, *slash;

	*bucket = NULL;
	*prefix = NULL;
	if (url == NULL)
		return -1;
	if (strncmp(url, "file://", 7) == 0 && url[7] != '\0') {
		*bucket = str_dup(url + 7);
		return *bucket ? 1 : -1;
	}
	if (strncmp(url, "s3://", 5) != 0 || url[5] == '\0' || url[5] == '/')
		return -1;
	p = url + 5;
	slash = strchr(p, '/');
	*bucket = slash ? str_ndup(p, (size_t)(slash - p)) : str_dup(p);
	if (*bucket == NULL)
		return -1;
	if (slash && slash[1] != '\0') {
		size_t n = strlen(slash + 1);

		while (n > 0 && slash[1 + n - 1] == '/')
			n--;
		if (n > 0 && (*prefix = str_ndup(slash + 1, n)) == NULL) {
			free(*bucket);
			*bucket = NULL;
			return -1;
		}
	}
	return 0;
}

int doctor_region_known(const char *region)
{
	static const char *const known[] = {
	    "us-east-1",      "us-east-2",	"us-west-1",	  "us-west-2",
	    "af-south-1",     "ap-east-1",	"ap-east-2",	  "ap-south-1",
	    "ap-south-2",     "ap-southeast-1", "ap-southeast-2", "ap-southeast-3",
	    "ap-southeast-4", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7",
	    "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ca-central-1",
	    "ca-west-1",      "eu-central-1",	"eu-central-2",	  "eu-west-1",
	    "eu-west-2",      "eu-west-3",	"eu-south-1",	  "eu-south-2",
	    "eu-north-1",     "il-central-1",	"me-south-1",	  "me-central-1",
	    "mx-central-1",   "sa-east-1",	"cn-north-1",	  "cn-northwest-1",
	    "us-gov-east-1",  "us-gov-west-1",	"eusc-de-east-1",
	};
	size_t i;

	for (i = 0; region && i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(region, known[i]) == 0)
			return 1;
	return 0;
}

static int s_code_is(const struct aws_reply *reply, const char *code)
{
	return reply && aws_error_is(&reply->err, code);
}

/* An authorization refusal: the answer a missing IAM permission gives. */
static int s_denied(const struct aws_reply *reply)
{
	return s_code_is(reply, "AccessDenied") || s_code_is(reply, "AccessDeniedException") ||
	       s_code_is(reply, "KMS.AccessDeniedException") ||
	       s_code_is(reply, "UnauthorizedOperation") || reply->err.http_status == 403;
}

static int s_mentions_kms(const struct aws_reply *reply)
{
	return (reply->err.code && strncmp(reply->err.code, "KMS.", 4) == 0) ||
	       (reply->err.message && strcasestr(reply->err.message, "kms") != NULL);
}

/*
 * The fix table. Codes first (they are what AWS promises), then the check:
 * an AccessDenied names the one permission the failed call needs, on the
 * resource it was called for, as an IAM policy would spell it.
 */
char *doctor_fix(const char *check, int rc, const struct aws_reply *reply, const char *bucket,
		 const char *key_id)
{
	const char *b = bucket ? bucket : "BUCKET";
	const char *k = key_id ? key_id : "the bucket's default KMS key";
	const char *region;

	if (rc == -1 && reply->message && strstr(reply->message, "no AWS credentials"))
		return str_printf(
		    "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, "
		    "or run with an IAM role");
	/* The chain found a source but could not use it: its line says how. */
	if (rc == -1 && reply->message && strstr(reply->message, "aws sso login"))
		return str_printf("sign in again: %s", strstr(reply->message, "aws sso login"));
	if (rc == -1 && reply->message &&
	    (strstr(reply->message, "credential_process") ||
	     strstr(reply->message, "web identity") || strstr(reply->message, "uses SSO") ||
	     strstr(reply->message, "SSO GetRoleCredentials")))
		return str_printf("fix the credentials source the error names (AWS_PROFILE, "
				  "~/.aws/config)");
	if (rc == -1)
		return str_printf("check network access to AWS (AWS_REGION, AWS_ENDPOINT_URL, "
				  "HTTPS_PROXY)");
	if (s_code_is(reply, "InvalidClientTokenId") || s_code_is(reply, "SignatureDoesNotMatch") ||
	    s_code_is(reply, "IncompleteSignature") || s_code_is(reply, "InvalidAccessKeyId") ||
	    s_code_is(reply, "UnrecognizedClientException"))
		return str_printf("the access key is unknown or its secret is wrong: check "
				  "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or the profile's keys");
	if (s_code_is(reply, "ExpiredToken") || s_code_is(reply, "ExpiredTokenException") ||
	    s_code_is(reply, "RequestExpired"))
		return str_printf("the session credentials expired: get new ones "
				  "(AWS_SESSION_TOKEN, aws sso login)");
	if (s_code_is(reply, "NoSuchBucket"))
		return str_printf("create bucket %s, or fix --s3-bucket/AAA_S3_BUCKET (--store) "
				  "and AWS_REGION",
				  b);
	region = http_response_header(&reply->resp, "x-amz-bucket-region");
	if (region && aws_region_valid(region) &&
	    (s_code_is(reply, "PermanentRedirect") || s_code_is(reply, "MovedPermanently") ||
	     s_code_is(reply, "AuthorizationHeaderMalformed") || reply->err.http_status == 301))
		return str_printf("bucket %s is in region %s: set AWS_REGION=%s", b, region,
				  region);
	if (s_code_is(reply, "KMS.NotFoundException") || s_code_is(reply, "NotFoundException"))
		return str_printf("KMS key %s does not exist in this region: fix "
				  "--s3-kms-key/AAA_S3_KMS_KEY (an id, ARN or alias/NAME)",
				  k);
	if (s_code_is(reply, "KMS.DisabledException") || s_code_is(reply, "DisabledException"))
		return str_printf("KMS key %s is disabled: enable it (aws kms enable-key)", k);
	if (s_code_is(reply, "KMS.KMSInvalidStateException") ||
	    s_code_is(reply, "KMSInvalidStateException"))
		return str_printf("KMS key %s is pending deletion or not usable: cancel the "
				  "deletion or use another key",
				  k);
	if (s_code_is(reply, "InvalidKeyUsageException") ||
	    s_code_is(reply, "KMS.InvalidKeyUsageException"))
		return str_printf("KMS key %s is not a symmetric ENCRYPT_DECRYPT key: use one for "
				  "--s3-kms-key",
				  k);
	if (!s_denied(reply))
		return str_printf("AWS answered %s (HTTP %ld): check AWS_REGION and the endpoint, "
				  "then retry",
				  reply->err.code ? reply->err.code : "an error",
				  reply->err.http_status);
	if (strcmp(check, "identity") == 0)
		return str_printf("check the credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID)");
	if (strcmp(check, "bucket") == 0)
		return str_printf("allow s3:ListBucket on arn:aws:s3:::%s", b);
	if (strcmp(check, "s3-put") == 0)
		return s_mentions_kms(reply)
			   ? str_printf("allow kms:GenerateDataKey on %s (SSE-KMS writes need it)",
					k)
			   : str_printf("allow s3:PutObject on arn:aws:s3:::%s/aaa-data/*", b);
	if (strcmp(check, "s3-sse") == 0 || strcmp(check, "s3-get") == 0)
		return s_mentions_kms(reply)
			   ? str_printf("allow kms:Decrypt on %s (SSE-KMS reads need it)", k)
			   : str_printf("allow s3:GetObject on arn:aws:s3:::%s/aaa-data/*", b);
	if (strcmp(check, "s3-delete") == 0)
		return str_printf("allow s3:DeleteObject on arn:aws:s3:::%s/aaa-data/*", b);
	if (strcmp(check, "kms") == 0)
		return str_printf("allow kms:Encrypt, kms:Decrypt and kms:GenerateDataKey on %s",
				  k);
	return str_printf("see the error above");
}

/* A failed AWS call as a FAIL check with its fix. 0/-1. */
static int s_add_failure(struct doctor_report *r, const char *name, int rc,
			 const struct aws_reply *reply, const char *bucket, const char *key_id)
{
	char *fix = doctor_fix(name, rc, reply, bucket, key_id);
	int arc = doctor_report_add(r, name, DOCTOR_FAIL,
				    reply->message ? reply->message : "failed", fix);

	free(fix);
	return arc;
}

/* Returns 1 when the identity check passed. */
static int s_identity(struct doctor_report *r, int *arc)
{
	struct aws_reply reply;
	char *account = NULL, *arn = NULL, *d = NULL;
	int rc = sts_get_caller_identity(NULL, &account, &arn, &reply);

	if (rc == 0) {
		d = str_printf("account %s as %s", account, arn);
		*arc |= doctor_report_add(r, "identity", DOCTOR_OK, d, NULL);
	} else {
		*arc |= s_add_failure(r, "identity", rc, &reply, NULL, NULL);
	}
	aws_reply_free(&reply);
	free(account);
	free(arn);
	free(d);
	return rc == 0;
}

static void s_region(struct doctor_report *r, int *arc)
{
	const char *region = NULL;
	char *d = NULL;

	if (aws_client_region(&region) != 0) {
		*arc |= doctor_report_add(r, "region", DOCTOR_FAIL,
					  "the configured region is not a region name",
					  "set AWS_REGION to a region such as us-east-1");
	} else if (region == NULL) {
		*arc |= doctor_report_add(r, "region", DOCTOR_FAIL, "no region configured",
					  "set AWS_REGION (e.g. us-east-1), or region in the "
					  "profile of ~/.aws/config");
	} else if (!doctor_region_known(region)) {
		d = str_printf("region %s is not a known AWS region", region);
		*arc |= doctor_report_add(r, "region", DOCTOR_FAIL, d,
					  "set AWS_REGION to a region such as us-east-1 (check "
					  "AWS_REGION, AWS_DEFAULT_REGION and the profile)");
	} else {
		*arc |= doctor_report_add(r, "region", DOCTOR_OK, region, NULL);
	}
	free(d);
}

/* ListObjectsV2 with max-keys=1 under aaa-data/: one request, whatever
 * the bucket holds. Returns 1 when it answered. */
static int s_bucket(struct doctor_report *r, const char *bucket, int *arc)
{
	struct aws_call c;
	struct aws_reply reply;
	char *d = NULL;
	int rc;

	aws_call_init(&c, AWS_S3, "ListObjectsV2", "GET", NULL, bucket);
	c.bucket = bucket;
	c.query = "list-type=2&max-keys=1&prefix=aaa-data%2F";
	rc = aws_call(&c, &reply);
	if (rc == 0) {
		d = str_printf("s3://%s answers", bucket);
		*arc |= doctor_report_add(r, "bucket", DOCTOR_OK, d, NULL);
	} else {
		*arc |= s_add_failure(r, "bucket", rc, &reply, bucket, NULL);
	}
	aws_reply_free(&reply);
	free(d);
	return rc == 0;
}

/* The SSE headers HeadObject reports match what was asked for. */
static int s_sse_ok(const struct aws_reply *reply, const char *key_id, char **detail)
{
	const char *sse = http_response_header(&reply->resp, "x-amz-server-side-encryption");
	const char *kid =
	    http_response_header(&reply->resp, "x-amz-server-side-encryption-aws-kms-key-id");

	if (sse == NULL || strcmp(sse, "aws:kms") != 0) {
		*detail = str_printf("the test object is not SSE-KMS encrypted (%s)",
				     sse ? sse : "no encryption header");
		return 0;
	}
	/* An alias cannot be compared with the key ARN S3 reports; an id or
	 * an ARN can. */
	if (key_id && kid && strncmp(key_id, "alias/", 6) != 0 && !strstr(key_id, ":alias/") &&
	    !str_has_suffix(kid, key_id)) {
		*detail = str_printf("the test object is encrypted with %s, not %s", kid, key_id);
		return 0;
	}
	*detail = str_printf("aws:kms with %s", kid ? kid : "the bucket's key");
	return 1;
}

/*
 * Write, check the encryption, read back and delete one small object under
 * the store's root. Each step is its own check, so a policy that allows
 * PutObject but not DeleteObject is named precisely.
 */
static void s_object(struct doctor_report *r, const char *bucket, const char *prefix,
		     const char *key_id, int *arc)
{
	struct s3_put_options po;
	struct aws_reply reply;
	unsigned char rnd[8];
	char hex[17], *key = NULL, *data = NULL, *d = NULL;
	int rc;

	memset(&reply, 0, sizeof(reply));
	if (crypto_random(rnd, sizeof(rnd)) != 0)
		memset(rnd, 0x5a, sizeof(rnd));
	hex_encode(rnd, sizeof(rnd), hex);
	key = str_printf("aaa-data/%s%sv1/doctor/test-%s", prefix ? prefix : "", prefix ? "/" : "",
			 hex);
	data = str_printf("aaa doctor test object %s\n", hex);
	if (key == NULL || data == NULL) {
		*arc = -1;
		goto out;
	}
	memset(&po, 0, sizeof(po));
	po.kms_key_id = key_id;
	po.content_type = "text/plain";
	rc = s3_put_object(bucket, key, data, strlen(data), &po, &reply);
	if (rc != 0) {
		*arc |= s_add_failure(r, "s3-put", rc, &reply, bucket, key_id);
		*arc |= doctor_report_add(r, "s3-sse", DOCTOR_SKIP, "needs the test object", NULL);
		*arc |= doctor_report_add(r, "s3-get", DOCTOR_SKIP, "needs the test object", NULL);
		*arc |=
		    doctor_report_add(r, "s3-delete", DOCTOR_SKIP, "needs the test object", NULL);
		goto out;
	}
	d = str_printf("wrote s3://%s/%s with SSE-KMS", bucket, key);
	*arc |= doctor_report_add(r, "s3-put", DOCTOR_OK, d, NULL);
	free(d);
	d = NULL;
	aws_reply_free(&reply);
	rc = s3_head_object(bucket, key, &reply);
	if (rc != 0)
		*arc |= s_add_failure(r, "s3-sse", rc, &reply, bucket, key_id);
	else if (s_sse_ok(&reply, key_id, &d))
		*arc |= doctor_report_add(r, "s3-sse", DOCTOR_OK, d, NULL);
	else
		*arc |= doctor_report_add(r, "s3-sse", DOCTOR_FAIL, d,
					  "deploy the bucket policy from deploy/ and pass "
					  "--s3-kms-key");
	free(d);
	d = NULL;
	aws_reply_free(&reply);
	rc = s3_get_object(bucket, key, &reply);
	if (rc != 0)
		*arc |= s_add_failure(r, "s3-get", rc, &reply, bucket, key_id);
	else if (reply.resp.body.len != strlen(data) ||
		 memcmp(reply.resp.body.data, data, reply.resp.body.len) != 0)
		*arc |=
		    doctor_report_add(r, "s3-get", DOCTOR_FAIL,
				      "the test object read back differs from what was written",
				      "check for a proxy or an object lambda rewriting objects");
	else
		*arc |= doctor_report_add(r, "s3-get", DOCTOR_OK, "read back the same bytes", NULL);
	aws_reply_free(&reply);
	rc = s3_delete_object(bucket, key, &reply);
	if (rc != 0)
		*arc |= s_add_failure(r, "s3-delete", rc, &reply, bucket, key_id);
	else
		*arc |=
		    doctor_report_add(r, "s3-delete", DOCTOR_OK, "deleted the test object", NULL);
out:
	aws_reply_free(&reply);
	free(key);
	free(data);
}

/* A file:// store: the same round trip through the store interface. */
static void s_file_store(struct doctor_report *r, const char *url, int *arc)
{
	struct store *st = store_open(url, NULL);
	struct store_object obj = {NULL, 0, NULL};
	const char *key = "doctor/test-object";
	const char *data = "aaa doctor test object\n";
	int ok = st && store_put(st, key, data, strlen(data), 0, NULL) == STORE_OK &&
		 store_get(st, key, &obj) == STORE_OK && obj.len == strlen(data) &&
		 memcmp(obj.data, data, obj.len) == 0 && store_delete(st, key) == STORE_OK;
	char *d = str_printf("%s %s", url, ok ? "written, read back and deleted" : "failed");

	*arc |= doctor_report_add(r, "store", ok ? DOCTOR_OK : DOCTOR_FAIL, d,
				  ok ? NULL
				     : "make the directory writable by this user (mode 0700), "
				       "see the error above");
	store_object_free(&obj);
	store_close(st);
	free(d);
}

static void s_kms(struct doctor_report *r, const char *key_id, int *arc)
{
	struct aws_reply reply;
	unsigned char rnd[16], *pt = NULL;
	char *ct = NULL, *d = NULL;
	size_t len = 0;
	int rc;

	if (crypto_random(rnd, sizeof(rnd)) != 0)
		memset(rnd, 0xa5, sizeof(rnd));
	rc = kms_encrypt(key_id, rnd, sizeof(rnd), &ct, &reply);
	if (rc == 0) {
		aws_reply_free(&reply);
		rc = kms_decrypt(ct, key_id, &pt, &len, &reply);
	}
	if (rc != 0) {
		*arc |= s_add_failure(r, "kms", rc, &reply, NULL, key_id);
	} else if (len != sizeof(rnd) || memcmp(pt, rnd, len) != 0) {
		*arc |= doctor_report_add(r, "kms", DOCTOR_FAIL,
					  "KMS Decrypt gave back another value", "use another key");
	} else {
		d = str_printf("%s encrypts and decrypts", key_id);
		*arc |= doctor_report_add(r, "kms", DOCTOR_OK, d, NULL);
	}
	if (pt)
		mem_wipe(pt, len);
	aws_reply_free(&reply);
	free(pt);
	free(ct);
	free(d);
}

char *doctor_zone_fix(const char *domain, int why, const struct aaa_err *err)
{
	const char *base = strncmp(domain, "*.", 2) == 0 ? domain + 2 : domain;

	if (why == DNS01_ROLE_FAILED)
		return str_printf("allow sts:AssumeRole on the --zone-role role, and trust this "
				  "identity in the role's trust policy");
	if (err_source_is(err, "aws") &&
	    (strcmp(err->code, "AccessDenied") == 0 ||
	     strcmp(err->code, "AccessDeniedException") == 0 || err->http_status == 403))
		return str_printf(
		    "allow route53:ListHostedZones and route53:ListResourceRecordSets "
		    "(for the role given with --zone-role, if any)");
	if (why == DNS01_CNAME_NO_ZONE)
		return str_printf("create the hosted zone the CNAME of _acme-challenge.%s points "
				  "into, or give its role with --zone-role",
				  base);
	if (why == DNS01_NO_ZONE)
		return str_printf("create a Route53 hosted zone for %s or a parent domain", base);
	return str_printf("see the error line above");
}

static void s_zones(struct doctor_report *r, const struct doctor_opts *o, int have_id, int *arc)
{
	struct dns01_opts dopts;
	char *zid = NULL, *zname = NULL, *name = NULL, *d = NULL, *fix = NULL;
	struct aaa_err err;
	size_t i;
	int why;

	memset(&dopts, 0, sizeof(dopts));
	dopts.zone_roles = o->zone_roles;
	dopts.nzone_roles = o->nzone_roles;
	for (i = 0; i < o->ndomains; i++) {
		name = str_printf("zone:%s", o->domains[i]);
		if (name == NULL) {
			*arc = -1;
			break;
		}
		if (!have_id) {
			*arc |= doctor_report_add(r, name, DOCTOR_SKIP, "needs working credentials",
						  NULL);
		} else if ((why = dns01_find_zone(o->domains[i], &dopts, &zid, &zname, &err)) ==
			   0) {
			d = str_printf("%s (%s)", zname, zid);
			*arc |= doctor_report_add(r, name, DOCTOR_OK, d, NULL);
		} else {
			fix = doctor_zone_fix(o->domains[i], why, &err);
			*arc |= doctor_report_add(r, name, DOCTOR_FAIL, err.message, fix);
		}
		free(name);
		free(zid);
		free(zname);
		free(d);
		free(fix);
		name = zid = zname = d = fix = NULL;
	}
}

/*
 * The order matters: without an identity no AWS check can say anything
 * useful (every one would repeat "no credentials"), so they are skipped;
 * without a reachable bucket the object steps are skipped.
 */
int doctor_collect(const struct doctor_opts *o, struct doctor_report *r)
{
	char *bucket = NULL, *prefix = NULL;
	int arc = 0, have_id, kind = -1;
	const char *url = o->store;
	char *s3url = NULL;

	memset(r, 0, sizeof(*r));
	if (url == NULL && o->s3_bucket)
		url = s3url = str_printf("s3://%s", o->s3_bucket);
	if (url)
		kind = doctor_store_parse(url, &bucket, &prefix);
	s_region(r, &arc);
	have_id = s_identity(r, &arc);
	if (url == NULL) {
		arc |= doctor_report_add(r, "bucket", DOCTOR_FAIL, "no store configured",
					 "pass --s3-bucket BUCKET --s3-kms-key KEY or --store "
					 "s3://BUCKET[/PREFIX] (or AAA_S3_BUCKET, AAA_STORE)");
	} else if (kind == -1) {
		arc |= doctor_report_add(r, "bucket", DOCTOR_FAIL, "the store URL is not valid",
					 "use --store s3://BUCKET[/PREFIX] or file://DIR");
	} else if (kind == 1) {
		s_file_store(r, url, &arc);
	} else if (!have_id) {
		arc |=
		    doctor_report_add(r, "bucket", DOCTOR_SKIP, "needs working credentials", NULL);
	} else if (s_bucket(r, bucket, &arc)) {
		s_object(r, bucket, prefix, o->s3_kms_key, &arc);
	} else {
		arc |= doctor_report_add(r, "s3-put", DOCTOR_SKIP, "needs the bucket", NULL);
	}
	if (o->s3_kms_key == NULL)
		arc |= doctor_report_add(r, "kms", DOCTOR_SKIP,
					 "no --s3-kms-key: S3 uses the bucket's default key", NULL);
	else if (o->kms_through_s3_only)
		arc |= doctor_report_add(r, "kms", DOCTOR_SKIP,
					 "this function uses the key through S3 only (s3-put and "
					 "s3-get use it)",
					 NULL);
	else if (!have_id)
		arc |= doctor_report_add(r, "kms", DOCTOR_SKIP, "needs working credentials", NULL);
	else
		s_kms(r, o->s3_kms_key, &arc);
	s_zones(r, o, have_id, &arc);
	free(bucket);
	free(prefix);
	free(s3url);
	return arc ? -1 : 0;
}

int doctor_run(const struct doctor_opts *o, FILE *out, int json)
{
	struct doctor_report r;
	int rc = 1;

	if (doctor_collect(o, &r) == 0 && doctor_report_print(&r, out, json) == 0 &&
	    !doctor_report_failed(&r))
		rc = 0;
	doctor_report_free(&r);
	return rc;
}
