/*
 * The official SigV4 suite (tests/fixtures/sigv4/, from aws-c-auth; its
 * README explains the files): every case, in header mode and in query
 * (presigned) mode, checking the canonical request, the string to sign and
 * the signature each on its own, then the signed request itself.
 *
 * Stage independence: besides comparing what sigv4_sign produced, the
 * string to sign is recomputed from the *expected* canonical request and
 * the signature from the *expected* string to sign, so a bug in one stage
 * cannot hide behind another.
 *
 * post-sts-header-after (omit_session_token) runs with SIGV4_OMIT_TOKEN,
 * the legacy variant, which the signer implements as an option; aaa's
 * clients never set it (the token is signed, the "-before" behaviour).
 */
#define _DEFAULT_SOURCE
#include "harness.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/awstime.h"
#include "aws/sigv4.h"
#include "json/json.h"
#include "util/buf.h"
#include "util/mem.h"

#define MAX_HDRS 16

/* A request as request.txt writes it. */
struct vreq {
	char *text; /* owns every string below */
	char *method, *path, *query;
	struct aws_header h[MAX_HDRS];
	size_t nh;
	char *body;
	size_t body_len;
};

/*
 * Parses "METHOD SP target SP HTTP/1.1", "Name:value" lines (a line that
 * starts with a space continues the previous value), an empty line, the
 * body. Multi-line values keep their line breaks: the signer's trimall
 * folds them, which is what get-header-value-multiline checks.
 */
static int parse_request(char *text, size_t len, struct vreq *r)
{
	char *p = text, *end = text + len, *eol, *sp1, *sp2, *q, *colon;

	memset(r, 0, sizeof(*r));
	r->text = text;
	eol = memchr(p, '\n', (size_t)(end - p));
	if (eol == NULL)
		return -1;
	*eol = '\0';
	sp1 = strchr(p, ' ');
	sp2 = sp1 ? strrchr(p, ' ') : NULL;
	if (sp1 == NULL || sp2 == sp1)
		return -1;
	*sp1 = *sp2 = '\0';
	r->method = p;
	r->path = sp1 + 1;
	q = strchr(r->path, '?');
	if (q) {
		*q = '\0';
		r->query = q + 1;
	}
	for (p = eol + 1; p < end; p = eol + 1) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		if (eol == p) { /* empty line: the body follows */
			r->body = eol + 1 <= end ? eol + 1 : end;
			r->body_len = (size_t)(end - r->body);
			break;
		}
		*eol = '\0';
		if (*p == ' ' && r->nh > 0) {
			/* continuation: re-join with the previous value */
			p[-1] = '\n';
			continue;
		}
		colon = strchr(p, ':');
		if (colon == NULL || r->nh == MAX_HDRS)
			return -1;
		*colon = '\0';
		r->h[r->nh].name = p;
		r->h[r->nh].value = colon + 1;
		r->nh++;
		if (eol == end)
			break;
	}
	return 0;
}

static char *read_case(const char *dir, const char *file, size_t *len)
{
	char rel[512];

	snprintf(rel, sizeof(rel), "sigv4/%s/%s", dir, file);
	return read_file_all(fixture_path(rel), len);
}

static int load_request(const char *dir, const char *file, struct vreq *r)
{
	size_t len = 0;
	char *t = read_case(dir, file, &len);

	if (t == NULL)
		return -1;
	return parse_request(t, len, r);
}

/*
 * Query strings compared as sets of parameters. The suite's signed
 * requests keep the caller's raw parameters ("?ሴ=bar") where we send their
 * canonical encoding, so both sides go through sigv4_canonical_query,
 * which sorts and normalises the percent-encoding without changing any
 * value; the X-Amz-* values themselves come from the fixture.
 */
static int same_query_set(const char *a, const char *b)
{
	char *ca = sigv4_canonical_query(a), *cb = sigv4_canonical_query(b);
	int same = ca && cb && strcmp(ca, cb) == 0;

	free(ca);
	free(cb);
	return same;
}

/* The k-th (0-based) header called name in r, or NULL. */
static const char *nth_header(const struct vreq *r, const char *name, size_t k)
{
	size_t i;

	for (i = 0; i < r->nh; i++)
		if (strcasecmp(r->h[i].name, name) == 0 && k-- == 0)
			return r->h[i].value;
	return NULL;
}

static void check_stages(const char *dir, const char *mode, const struct sigv4_result *res,
			 const struct aws_credentials *creds, const char *region,
			 const char *service)
{
	char file[64], *cr, *sts, *sig, *mine = NULL, hex[65], date8[9];

	snprintf(file, sizeof(file), "%s-canonical-request.txt", mode);
	cr = read_case(dir, file, NULL);
	snprintf(file, sizeof(file), "%s-string-to-sign.txt", mode);
	sts = read_case(dir, file, NULL);
	snprintf(file, sizeof(file), "%s-signature.txt", mode);
	sig = read_case(dir, file, NULL);
	if (cr == NULL || sts == NULL || sig == NULL) {
		harness_fail(__FILE__, __LINE__, "%s: missing %s fixture files", dir, mode);
		goto out;
	}
	if (res->canonical_request == NULL || strcmp(res->canonical_request, cr) != 0)
		harness_fail(__FILE__, __LINE__,
			     "%s %s: canonical request\n--- got\n%s\n--- want\n%s", dir, mode,
			     res->canonical_request ? res->canonical_request : "(null)", cr);
	if (res->string_to_sign == NULL || strcmp(res->string_to_sign, sts) != 0)
		harness_fail(__FILE__, __LINE__, "%s %s: string to sign\n--- got\n%s\n--- want\n%s",
			     dir, mode, res->string_to_sign ? res->string_to_sign : "(null)", sts);
	if (strcmp(res->signature, sig) != 0)
		harness_fail(__FILE__, __LINE__, "%s %s: signature %s, want %s", dir, mode,
			     res->signature, sig);
	/* each stage from the previous stage's expected value */
	mine =
	    sigv4_string_to_sign("20150830T123600Z", "20150830/us-east-1/service/aws4_request", cr);
	if (mine == NULL || strcmp(mine, sts) != 0)
		harness_fail(__FILE__, __LINE__,
			     "%s %s: string to sign from the expected "
			     "canonical request differs",
			     dir, mode);
	memcpy(date8, "20150830", 9);
	if (sigv4_signature(creds->secret_access_key, date8, region, service, sts, hex) != 0 ||
	    strcmp(hex, sig) != 0)
		harness_fail(__FILE__, __LINE__,
			     "%s %s: signature from the expected string to "
			     "sign differs",
			     dir, mode);
out:
	free(cr);
	free(sts);
	free(sig);
	free(mine);
}

/* The header-signed request: every header is either one of the request's
 * (same value) or one the signer added (same value), and nothing is missing. */
static void check_header_signed(const char *dir, const struct vreq *req,
				const struct sigv4_result *res)
{
	struct vreq want;
	size_t i, j;

	if (load_request(dir, "header-signed-request.txt", &want) != 0) {
		harness_fail(__FILE__, __LINE__, "%s: cannot parse header-signed-request.txt", dir);
		free(want.text);
		return;
	}
	CHECK_STR(want.method, req->method);
	CHECK_STR(want.path, req->path);
	if (want.nh != req->nh + res->nadded)
		harness_fail(__FILE__, __LINE__, "%s: signed request has %zu headers, we have %zu",
			     dir, want.nh, req->nh + res->nadded);
	for (i = 0; i < want.nh; i++) {
		const char *v = NULL;
		size_t k = 0;

		for (j = 0; j < res->nadded && v == NULL; j++)
			if (strcasecmp(res->added[j].name, want.h[i].name) == 0)
				v = res->added[j].value;
		/* duplicates (get-header-key-duplicate) compare occurrence by occurrence */
		for (j = 0; j < i; j++)
			k += strcasecmp(want.h[j].name, want.h[i].name) == 0;
		if (v == NULL)
			v = nth_header(req, want.h[i].name, k);
		if (v == NULL || strcmp(v, want.h[i].value) != 0)
			harness_fail(__FILE__, __LINE__, "%s: header %s is \"%s\", want \"%s\"",
				     dir, want.h[i].name, v ? v : "(missing)", want.h[i].value);
	}
	free(want.text);
}

static void check_query_signed(const char *dir, const struct vreq *req,
			       const struct sigv4_result *res)
{
	struct vreq want;

	if (load_request(dir, "query-signed-request.txt", &want) != 0) {
		harness_fail(__FILE__, __LINE__, "%s: cannot parse query-signed-request.txt", dir);
		free(want.text);
		return;
	}
	CHECK_STR(want.path, req->path);
	CHECK_INT(res->nadded, 0);
	if (want.query == NULL || res->query == NULL || !same_query_set(want.query, res->query))
		harness_fail(__FILE__, __LINE__, "%s: presigned query\n got  %s\n want %s", dir,
			     res->query ? res->query : "(null)",
			     want.query ? want.query : "(null)");
	free(want.text);
}

/* Runs one case in one mode; returns 0 when it could be run at all. */
static int run_case(const char *dir, int presign)
{
	struct vreq req;
	struct sigv4_request sr;
	struct sigv4_params sp;
	struct sigv4_result res;
	struct aws_credentials creds;
	cJSON *ctx = NULL;
	const cJSON *c;
	char *ctxtext = NULL;
	size_t len = 0;
	time_t when;
	int rc = -1, sign_body, normalize, omit;

	memset(&req, 0, sizeof(req));
	memset(&res, 0, sizeof(res));
	ctxtext = read_case(dir, "context.json", &len);
	ctx = ctxtext ? json_parse(ctxtext, len, dir) : NULL;
	c = json_obj(ctx, "credentials");
	if (c == NULL || load_request(dir, "request.txt", &req) != 0) {
		harness_fail(__FILE__, __LINE__, "%s: cannot read context.json or request.txt",
			     dir);
		goto out;
	}
	memset(&creds, 0, sizeof(creds));
	creds.access_key_id = (char *)json_str(c, "access_key_id");
	creds.secret_access_key = (char *)json_str(c, "secret_access_key");
	creds.session_token = (char *)json_str(c, "token");
	sign_body = json_bool(ctx, "sign_body", 0);
	normalize = json_bool(ctx, "normalize", 1);
	omit = json_bool(ctx, "omit_session_token", 0);
	if (aws_time_parse_iso8601(json_str(ctx, "timestamp"), &when) != 0) {
		harness_fail(__FILE__, __LINE__, "%s: bad timestamp", dir);
		goto out;
	}

	memset(&sr, 0, sizeof(sr));
	sr.method = req.method;
	sr.path = req.path;
	sr.query = req.query;
	sr.headers = req.h;
	sr.nheaders = req.nh;
	if (sign_body) {
		sr.payload = req.body;
		sr.payload_len = req.body_len;
	} else {
		/* the suite signs an empty payload hash when sign_body is false */
		sr.payload_hash = SIGV4_EMPTY_SHA256;
	}
	memset(&sp, 0, sizeof(sp));
	sp.creds = &creds;
	sp.region = json_str(ctx, "region");
	sp.service = json_str(ctx, "service");
	sp.now = when;
	sp.flags = (normalize ? 0 : SIGV4_NO_NORMALIZE) | (omit ? SIGV4_OMIT_TOKEN : 0);
	if (presign) {
		sp.flags |= SIGV4_PRESIGN;
		sp.expires = (unsigned long)json_int(ctx, "expiration_in_seconds", 0);
	} else if (sign_body) {
		sp.flags |= SIGV4_CONTENT_SHA256;
	}
	if (sigv4_sign(&sr, &sp, &res) != 0) {
		harness_fail(__FILE__, __LINE__, "%s: sigv4_sign failed", dir);
		goto out;
	}
	check_stages(dir, presign ? "query" : "header", &res, &creds, sp.region, sp.service);
	if (presign)
		check_query_signed(dir, &req, &res);
	else
		check_header_signed(dir, &req, &res);
	rc = 0;
out:
	sigv4_result_free(&res);
	cJSON_Delete(ctx);
	free(ctxtext);
	free(req.text);
	return rc;
}

static size_t for_each_case(int presign)
{
	DIR *d = opendir(fixture_path("sigv4"));
	struct dirent *de;
	size_t n = 0;

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || strchr(de->d_name, '.'))
			continue; /* README.md, LICENSE...txt */
		if (run_case(de->d_name, presign) == 0)
			n++;
	}
	closedir(d);
	return n;
}

TEST(sigv4_suite_header_mode)
{
	/* 38 cases in the suite (its README); all must run */
	CHECK_INT(for_each_case(0), 38);
}

TEST(sigv4_suite_query_mode)
{
	CHECK_INT(for_each_case(1), 38);
}
