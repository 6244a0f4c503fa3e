/*
 * aaa's own SigV4 vectors (tests/fixtures/sigv4-own/cases.json, generated
 * by botocore with gen.py there): S3 single encoding and payload hashes,
 * session tokens, custom endpoints with ports, global services signing for
 * us-east-1, non-S3 double encoding, presigned URLs.
 *
 * Each case goes the way a service client goes: resolve the endpoint for
 * the client's region, build the target (wire path, Host), sign, and
 * compare every stage and the final headers or query with botocore's.
 */
#define _DEFAULT_SOURCE
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/awstime.h"
#include "aws/endpoint.h"
#include "aws/sigv4.h"
#include "json/json.h"
#include "util/mem.h"

#define MAX_HDRS 16

static cJSON *load_cases(void)
{
	size_t len = 0;
	char *text = read_file_all(fixture_path("sigv4-own/cases.json"), &len);
	cJSON *doc = text ? json_parse(text, len, "cases.json") : NULL;

	free(text);
	return doc;
}

static int service_of(const char *name)
{
	static const char *const names[AWS_SERVICE_MAX] = {
	    [AWS_S3] = "S3",	       [AWS_KMS] = "KMS",
	    [AWS_ROUTE53] = "ROUTE53", [AWS_LAMBDA] = "LAMBDA",
	    [AWS_STS] = "STS",	       [AWS_ACM] = "ACM",
	    [AWS_IAM] = "IAM",	       [AWS_ELB] = "ELB",
	    [AWS_ELBV2] = "ELBV2",     [AWS_CLOUDFRONT] = "CLOUDFRONT",
	    [AWS_SSO] = "SSO",	       [AWS_SSO_OIDC] = "SSO_OIDC",
	};
	int i;

	for (i = 0; i < AWS_SERVICE_MAX; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Parameter sets equal, order ignored; both sides are fully encoded. */
static int same_params(const char *a, const char *b)
{
	char *ca = str_dup(a), *cb = str_dup(b), *pa[32], *pb[32], *sa = NULL, *sb = NULL, *t;
	size_t na = 0, nb = 0, i;
	int same;

	for (t = strtok_r(ca, "&", &sa); t && na < 32; t = strtok_r(NULL, "&", &sa))
		pa[na++] = t;
	for (t = strtok_r(cb, "&", &sb); t && nb < 32; t = strtok_r(NULL, "&", &sb))
		pb[nb++] = t;
	qsort(pa, na, sizeof(*pa), cmp_str);
	qsort(pb, nb, sizeof(*pb), cmp_str);
	same = na == nb;
	for (i = 0; same && i < na; i++)
		same = strcmp(pa[i], pb[i]) == 0;
	free(ca);
	free(cb);
	return same;
}

static unsigned flags_of(const char *mode, const char **payload_hash)
{
	*payload_hash = NULL;
	if (strcmp(mode, "s3") == 0)
		return SIGV4_S3;
	if (strcmp(mode, "s3-unsigned") == 0) {
		*payload_hash = SIGV4_UNSIGNED_PAYLOAD;
		return SIGV4_S3;
	}
	if (strcmp(mode, "s3-presign") == 0) {
		*payload_hash = SIGV4_UNSIGNED_PAYLOAD;
		return SIGV4_NO_NORMALIZE | SIGV4_PATH_ENCODED | SIGV4_PRESIGN;
	}
	if (strcmp(mode, "presign") == 0)
		return SIGV4_PRESIGN;
	return 0;
}

static void run_case(const cJSON *doc, const cJSON *c)
{
	const char *name = json_str(c, "name"), *endpoint = json_str(c, "endpoint");
	const char *key = json_str(c, "key"), *mode = json_str(c, "mode");
	const cJSON *hs = json_arr(c, "headers"), *h, *want_hdrs;
	struct aws_endpoint ep;
	struct aws_target t;
	struct aws_header hdrs[MAX_HDRS];
	struct sigv4_request sr;
	struct sigv4_params sp;
	struct sigv4_result res;
	struct aws_credentials creds;
	char envvar[256], *url = NULL;
	const char *envlist[2] = {NULL, NULL};
	struct aws_env env = AWS_ENV_LIST(envlist);
	int svc = service_of(json_str(c, "service"));
	size_t nh = 0, i;
	time_t when = 0;

	memset(&res, 0, sizeof(res));
	memset(&t, 0, sizeof(t));
	if (endpoint) {
		snprintf(envvar, sizeof(envvar), "AWS_ENDPOINT_URL_%s=%s",
			 aws_services[svc].env_suffix, endpoint);
		envlist[0] = envvar;
	}
	if (svc < 0 || aws_endpoint_resolve(&env, (enum aws_service)svc,
					    json_str(c, "client_region"), &ep) != 0) {
		harness_fail(__FILE__, __LINE__, "%s: endpoint resolution failed", name);
		aws_endpoint_free(&ep);
		return;
	}
	CHECK_STR(ep.signing_region, json_str(c, "signing_region"));
	CHECK_STR(ep.signing_name, json_str(c, "signing_name"));
	if (svc == AWS_S3)
		CHECK_INT(aws_s3_target(&ep, json_str(c, "bucket"), key, &t), 0);
	else
		CHECK_INT(aws_endpoint_target(&ep, json_str(c, "path"), &t), 0);
	if (t.path == NULL)
		goto out;
	if (strcmp(t.path, json_str(c, "path")) != 0 || strcmp(t.host, json_str(c, "host")) != 0 ||
	    strcmp(t.base, json_str(c, "base")) != 0)
		harness_fail(__FILE__, __LINE__, "%s: target %s %s %s, want %s %s %s", name, t.base,
			     t.host, t.path, json_str(c, "base"), json_str(c, "host"),
			     json_str(c, "path"));
	url = aws_target_url(&t, json_str(c, "query"));
	CHECK_STR(url, json_str(c, "url"));

	hdrs[nh].name = "Host";
	hdrs[nh++].value = t.host;
	cJSON_ArrayForEach(h, hs)
	{
		if (nh < MAX_HDRS) {
			hdrs[nh].name = cJSON_GetArrayItem(h, 0)->valuestring;
			hdrs[nh++].value = cJSON_GetArrayItem(h, 1)->valuestring;
		}
	}
	memset(&creds, 0, sizeof(creds));
	creds.access_key_id = (char *)json_str(doc, "access_key_id");
	creds.secret_access_key = (char *)json_str(doc, "secret_access_key");
	creds.session_token = (char *)json_str(c, "token");
	CHECK_INT(aws_time_parse_iso8601(json_str(c, "timestamp"), &when), 0);

	memset(&sr, 0, sizeof(sr));
	sr.method = json_str(c, "method");
	sr.path = t.path;
	sr.query = json_str(c, "query");
	sr.headers = hdrs;
	sr.nheaders = nh;
	sr.payload = json_str(c, "body");
	sr.payload_len = strlen(json_str(c, "body"));
	memset(&sp, 0, sizeof(sp));
	sp.flags = flags_of(mode, &sr.payload_hash);
	sp.creds = &creds;
	sp.region = ep.signing_region;
	sp.service = ep.signing_name;
	sp.now = when;
	sp.expires = (unsigned long)json_int(c, "expires", 0);
	if (sigv4_sign(&sr, &sp, &res) != 0) {
		harness_fail(__FILE__, __LINE__, "%s: sigv4_sign failed", name);
		goto out;
	}
	if (strcmp(res.canonical_request, json_str(c, "canonical_request")) != 0)
		harness_fail(__FILE__, __LINE__, "%s: canonical request\n--- got\n%s\n--- want\n%s",
			     name, res.canonical_request, json_str(c, "canonical_request"));
	CHECK_STR(res.string_to_sign, json_str(c, "string_to_sign"));
	CHECK_STR(res.signature, json_str(c, "signature"));

	want_hdrs = json_obj(c, "signed_headers");
	if (want_hdrs) {
		CHECK_INT(res.nadded, cJSON_GetArraySize(want_hdrs));
		cJSON_ArrayForEach(h, want_hdrs)
		{
			const char *v = NULL;

			for (i = 0; i < res.nadded; i++)
				if (strcasecmp(res.added[i].name, h->string) == 0)
					v = res.added[i].value;
			if (v == NULL || strcmp(v, h->valuestring) != 0)
				harness_fail(__FILE__, __LINE__, "%s: %s is %s, want %s", name,
					     h->string, v ? v : "(missing)", h->valuestring);
		}
	} else if (!same_params(res.query, json_str(c, "signed_query"))) {
		harness_fail(__FILE__, __LINE__, "%s: presigned query\n got  %s\n want %s", name,
			     res.query, json_str(c, "signed_query"));
	}
out:
	free(url);
	sigv4_result_free(&res);
	aws_target_free(&t);
	aws_endpoint_free(&ep);
}

TEST(sigv4_own_vectors)
{
	cJSON *doc = load_cases();
	const cJSON *c;
	int n = 0;

	REQUIRE(doc != NULL);
	cJSON_ArrayForEach(c, json_arr(doc, "cases"))
	{
		run_case(doc, c);
		n++;
	}
	CHECK_INT(n, 13);
	cJSON_Delete(doc);
}

/* The Host header we derive from a custom endpoint is botocore's. */
TEST(sigv4_own_endpoint_hosts)
{
	cJSON *doc = load_cases();
	const cJSON *pair;
	int n = 0;

	REQUIRE(doc != NULL);
	cJSON_ArrayForEach(pair, json_arr(doc, "hosts"))
	{
		char var[256];
		const char *list[2] = {var, NULL};
		struct aws_env env = AWS_ENV_LIST(list);
		struct aws_endpoint ep;

		snprintf(var, sizeof(var), "AWS_ENDPOINT_URL=%s",
			 cJSON_GetArrayItem(pair, 0)->valuestring);
		CHECK_INT(aws_endpoint_resolve(&env, AWS_KMS, "us-east-1", &ep), 0);
		CHECK_STR(ep.host, cJSON_GetArrayItem(pair, 1)->valuestring);
		aws_endpoint_free(&ep);
		n++;
	}
	CHECK_INT(n, 6);
	cJSON_Delete(doc);
}
