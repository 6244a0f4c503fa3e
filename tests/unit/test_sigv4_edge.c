/*
 * The signer's edges: what it refuses (a request that would be sent
 * differently from how it was signed), URI encoding, path normalisation
 * and the header lines handed to http/.
 */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

#include "aws/sigv4.h"
#include "crypto/hash.h"
#include "util/mem.h"

static struct aws_credentials s_creds = {(char *)"AKIDEXAMPLE",
					 (char *)"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", NULL,
					 0, (char *)"test"};

static int sign(const struct aws_header *h, size_t nh, unsigned flags, unsigned long expires,
		const char *payload_hash, struct sigv4_result *res)
{
	struct sigv4_request r = {"GET", "/", NULL, h, nh, NULL, 0, payload_hash};
	struct sigv4_params p = {&s_creds, "us-east-1", "service", 1440938160, flags, expires};

	return sigv4_sign(&r, &p, res);
}

TEST(sigv4_uri_encode)
{
	char *s;

	s = aws_uri_encode("a b/c+d=e~f_g.h-i*j%ü", 0);
	CHECK_STR(s, "a%20b/c%2Bd%3De~f_g.h-i%2Aj%25%C3%BC");
	free(s);
	s = aws_uri_encode("a/b", 1);
	CHECK_STR(s, "a%2Fb");
	free(s);
	s = aws_uri_encode("", 1);
	CHECK_STR(s, "");
	free(s);
	CHECK(aws_uri_encode(NULL, 0) == NULL);
}

TEST(sigv4_canonical_path_modes)
{
	struct {
		const char *in;
		unsigned flags;
		const char *want;
	} v[] = {
	    {"/a/b/../c/./d//e/", 0, "/a/c/d/e/"},
	    {"/a/b/..", 0, "/a"},
	    {"/../..", 0, "/"},
	    {"", 0, "/"},
	    {NULL, 0, "/"},
	    {"a/b", 0, "/a/b"},
	    /* non-S3: the wire path is encoded again (double encoding) */
	    {"/fn/arn%3Aaws", 0, "/fn/arn%253Aaws"},
	    {"/a//./b", SIGV4_NO_NORMALIZE, "/a//./b"},
	    /* S3: verbatim */
	    {"/k/a%20b/./../c%2B", SIGV4_NO_NORMALIZE | SIGV4_PATH_ENCODED, "/k/a%20b/./../c%2B"},
	};
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char *got = sigv4_canonical_path(v[i].in, v[i].flags);

		CHECK_STR(got, v[i].want);
		free(got);
	}
}

TEST(sigv4_canonical_query_forms)
{
	char *q;

	/* encodings normalised, sorted by key then value, empty values kept */
	q = sigv4_canonical_query("b=2&a=%7e&a=1&c&&%e1%88%b4=x&d=a+b&e=%zz");
	CHECK_STR(q, "%E1%88%B4=x&a=1&a=~&b=2&c=&d=a%2Bb&e=%25zz");
	free(q);
	q = sigv4_canonical_query(NULL);
	CHECK_STR(q, "");
	free(q);
}

TEST(sigv4_refuses_what_it_cannot_sign_honestly)
{
	struct aws_header host = {"Host", "example.amazonaws.com"};
	struct aws_header bad[][2] = {
	    {{"Host", "h"}, {"X-Amz-Date", "20150830T123600Z"}},
	    {{"Host", "h"}, {"Authorization", "x"}},
	    {{"Host", "h"}, {"x-amz-security-token", "x"}},
	    {{"Host", "h"}, {"X-Amz-Content-Sha256", "x"}},
	    {{"Host", "h"}, {"Bad Name", "x"}},
	    {{"Host", "h"}, {"", "x"}},
	    {{"Accept", "*/*"}, {"Content-Type", "x"}}, /* no Host */
	};
	struct sigv4_result res;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_INT(sign(bad[i], 2, 0, 0, NULL, &res), -1);
		sigv4_result_free(&res);
	}
	/* payload hash must be a hex digest or UNSIGNED-PAYLOAD */
	CHECK_INT(sign(&host, 1, 0, 0, "E3B0C442", &res), -1);
	sigv4_result_free(&res);
	CHECK_INT(sign(&host, 1, 0, 0, SIGV4_UNSIGNED_PAYLOAD, &res), 0);
	sigv4_result_free(&res);
	/* presign expiry 1..7 days */
	CHECK_INT(sign(&host, 1, SIGV4_PRESIGN, 0, NULL, &res), -1);
	sigv4_result_free(&res);
	CHECK_INT(sign(&host, 1, SIGV4_PRESIGN, SIGV4_MAX_EXPIRES + 1, NULL, &res), -1);
	sigv4_result_free(&res);
	CHECK_INT(sign(&host, 1, SIGV4_PRESIGN, SIGV4_MAX_EXPIRES, NULL, &res), 0);
	sigv4_result_free(&res);
}

TEST(sigv4_refuses_bad_scope_and_credentials)
{
	struct aws_header host = {"Host", "h"};
	struct sigv4_request r = {"GET", "/", NULL, &host, 1, NULL, 0, NULL};
	struct aws_credentials c = s_creds;
	struct sigv4_params p = {&c, "us-east-1/x", "s3", 0, 0, 0};
	struct sigv4_result res;

	CHECK_INT(sigv4_sign(&r, &p, &res), -1); /* '/' would forge the scope */
	sigv4_result_free(&res);
	p.region = "us-east-1";
	c.access_key_id = (char *)"AKID/x";
	CHECK_INT(sigv4_sign(&r, &p, &res), -1);
	sigv4_result_free(&res);
	c.access_key_id = (char *)"AKID";
	c.secret_access_key = (char *)"";
	CHECK_INT(sigv4_sign(&r, &p, &res), -1);
	sigv4_result_free(&res);
	r.method = "GET /x";
	c.secret_access_key = s_creds.secret_access_key;
	CHECK_INT(sigv4_sign(&r, &p, &res), -1);
	sigv4_result_free(&res);
}

TEST(sigv4_never_signs_hop_by_hop_headers)
{
	struct aws_header h[] = {
	    {"Host", "h"},	   {"User-Agent", "aaa"},      {"X-Amzn-Trace-Id", "Root=1"},
	    {"Connection", "x"},   {"Expect", "100-continue"}, {"Transfer-Encoding", "chunked"},
	    {"Content-Type", "t"},
	};
	struct sigv4_result res;

	CHECK_INT(sign(h, sizeof(h) / sizeof(h[0]), 0, 0, NULL, &res), 0);
	CHECK_STR(res.signed_headers, "content-type;host;x-amz-date");
	sigv4_result_free(&res);
}

TEST(sigv4_header_lines_for_http)
{
	struct aws_header h[] = {{"Host", "example.amazonaws.com"}, {"Content-Type", "a/b"}};
	struct sigv4_request r = {"PUT", "/k", NULL, h, 2, "x", 1, NULL};
	struct aws_credentials c = s_creds;
	struct sigv4_params p = {&c, "us-east-1", "s3", 1440938160, SIGV4_S3, 0};
	struct sigv4_result res;
	char **lines;

	c.session_token = (char *)"TOKEN";
	REQUIRE(sigv4_sign(&r, &p, &res) == 0);
	CHECK_INT(res.nadded, 4);
	lines = sigv4_header_lines(&r, &res);
	REQUIRE(lines != NULL);
	CHECK_STR(lines[0], "Host: example.amazonaws.com");
	CHECK_STR(lines[1], "Content-Type: a/b");
	CHECK_STR(lines[2], "X-Amz-Date: 20150830T123600Z");
	CHECK_STR(lines[3], "X-Amz-Security-Token: TOKEN");
	CHECK_STR(lines[4], "x-amz-content-sha256: "
			    "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881");
	CHECK(str_has_prefix(lines[5],
			     "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"
			     "20150830/us-east-1/s3/aws4_request, SignedHeaders=content-type;"
			     "host;x-amz-content-sha256;x-amz-date;x-amz-security-token, "
			     "Signature="));
	CHECK(lines[6] == NULL);
	sigv4_header_lines_free(lines);
	/* a line break in a value would smuggle an unsigned header */
	h[1].value = "a/b\r\nX-Evil: 1";
	CHECK(sigv4_header_lines(&r, &res) == NULL);
	sigv4_result_free(&res);
}

TEST(sigv4_signing_key_documented_example)
{
	/* the signing key example from the SigV4 documentation */
	unsigned char key[32];
	char hex[65];

	REQUIRE(sigv4_signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215",
				  "us-east-1", "iam", key) == 0);
	hex_encode(key, sizeof(key), hex);
	CHECK_STR(hex, "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}
