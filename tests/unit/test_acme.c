/*
 * Unit tests for the pure parts of src/acme: problem documents, Retry-After,
 * DNS-01 values, the nonce pool, Link headers, the directory, orders, poll
 * delays, contacts and revocation reasons. The network parts are tested
 * against pebble in tests/integration/test_acme_protocol.py.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acme/account.h"
#include "acme/ari.h"
#include "acme/challenge.h"
#include "acme/directory.h"
#include "acme/nonce.h"
#include "acme/order.h"
#include "acme/post.h"
#include "acme/problem.h"
#include "json/json.h"
#include "harness.h"

static cJSON *s_json(const char *t)
{
	return json_parse(t, strlen(t), "test");
}

TEST(acme_problem_with_subproblems_names_each_identifier)
{
	cJSON *p = s_json("{\"type\":\"urn:ietf:params:acme:error:rejectedIdentifier\","
			  "\"detail\":\"Some names were rejected\",\"subproblems\":["
			  "{\"type\":\"urn:ietf:params:acme:error:caa\",\"detail\":\"CAA forbids\","
			  "\"identifier\":{\"type\":\"dns\",\"value\":\"a.example\"}},"
			  "{\"type\":\"urn:ietf:params:acme:error:malformed\","
			  "\"identifier\":{\"type\":\"dns\",\"value\":\"b.example\"}}]}");
	char *m = acme_problem_format(p, 400, NULL, 0);

	CHECK_STR(m, "urn:ietf:params:acme:error:rejectedIdentifier: Some names were rejected; "
		     "a.example: urn:ietf:params:acme:error:caa: CAA forbids; "
		     "b.example: urn:ietf:params:acme:error:malformed");
	CHECK(acme_problem_is(p, "rejectedIdentifier"));
	CHECK(!acme_problem_is(p, "caa"));
	free(m);
	cJSON_Delete(p);
}

TEST(acme_problem_rate_limited_explains_retry_after)
{
	cJSON *p = s_json("{\"type\":\"urn:ietf:params:acme:error:rateLimited\","
			  "\"detail\":\"too many certificates\"}");
	char *m = acme_problem_format(p, 429, "3600", 1000);
	char *m2 = acme_problem_format(p, 429, NULL, 1000);
	char *m3 = acme_problem_format(p, 429, "Sun, 06 Nov 1994 08:50:37 GMT", 784111777);

	CHECK(strstr(m, "rateLimited: too many certificates") != NULL);
	CHECK(strstr(m, "retry after 3600 s") != NULL);
	CHECK(strstr(m2, "no Retry-After") != NULL);
	CHECK(strstr(m3, "retry after 60 s") != NULL);
	free(m);
	free(m2);
	free(m3);
	cJSON_Delete(p);
}

TEST(acme_problem_without_document_names_the_status)
{
	char *m = acme_problem_format(NULL, 502, NULL, 0);

	CHECK_STR(m, "HTTP 502 from the CA without a problem document");
	free(m);
}

TEST(acme_retry_after_forms)
{
	CHECK_INT(acme_retry_after_seconds("120", 0), 120);
	CHECK_INT(acme_retry_after_seconds(" 0 ", 0), 0);
	CHECK_INT(acme_retry_after_seconds("Sun, 06 Nov 1994 08:49:37 GMT", 784111777 - 30), 30);
	CHECK_INT(acme_retry_after_seconds("Sun, 06 Nov 1994 08:49:37 GMT", 784111777 + 30), 0);
	CHECK_INT(acme_retry_after_seconds(NULL, 0), -1);
	CHECK_INT(acme_retry_after_seconds("-5", 0), -1);
	CHECK_INT(acme_retry_after_seconds("12x", 0), -1);
	CHECK_INT(acme_retry_after_seconds("Sunday, 06-Nov-94 08:49:37 GMT", 0), -1);
	CHECK_INT(acme_retry_after_seconds("Sun, 06 Foo 1994 08:49:37 GMT", 0), -1);
}

TEST(acme_dns01_values)
{
	/* Expected value computed independently with Python's hashlib. */
	char *ka = acme_key_authorization("evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA",
					  "9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI");
	char *txt = acme_dns01_txt_value(ka);
	char *r1 = acme_dns01_record_name("*.Example.COM");
	char *r2 = acme_dns01_record_name("www.example.com");

	CHECK_STR(ka, "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA."
		      "9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI");
	CHECK_STR(txt, "lCM7cZyQXcVHK2nnW3jjAhNT3Fvm18UN-kWZZknKoYM");
	CHECK_STR(r1, "_acme-challenge.example.com");
	CHECK_STR(r2, "_acme-challenge.www.example.com");
	CHECK(acme_key_authorization("a.b", "t") == NULL);
	CHECK(acme_key_authorization(NULL, "t") == NULL);
	free(ka);
	free(txt);
	free(r1);
	free(r2);
}

TEST(acme_nonce_pool_newest_first_and_bounded)
{
	struct acme_nonce_pool p = {0};
	char *n;
	int i;

	CHECK(acme_nonce_take(&p) == NULL);
	acme_nonce_put(&p, NULL);
	acme_nonce_put(&p, "");
	CHECK_INT(p.count, 0);
	for (i = 0; i < ACME_NONCE_POOL + 2; i++) {
		char s[16];

		snprintf(s, sizeof(s), "n%d", i);
		acme_nonce_put(&p, s);
	}
	CHECK_INT(p.count, ACME_NONCE_POOL);
	n = acme_nonce_take(&p);
	CHECK_STR(n, "n5");
	free(n);
	acme_nonce_clear(&p);
	CHECK_INT(p.count, 0);
}

TEST(acme_link_header_parsing)
{
	const char *v = "<https://ca/dir>;rel=\"index\", <https://ca/cert/1/1>; rel=\"alternate\","
			"<https://ca/cert/1/2>;rel=alternate";
	const char *next = NULL;
	char *a = acme_link_find(v, "alternate", &next), *b, *c, *up;

	CHECK_STR(a, "https://ca/cert/1/1");
	REQUIRE(next != NULL);
	b = acme_link_find(next, "alternate", &next);
	CHECK_STR(b, "https://ca/cert/1/2");
	c = next ? acme_link_find(next, "alternate", &next) : NULL;
	CHECK(c == NULL);
	up = acme_link_find(v, "up", NULL);
	CHECK(up == NULL);
	free(up);
	up = acme_link_find("<https://ca/issuer>;rel=\"up\"", "up", NULL);
	CHECK_STR(up, "https://ca/issuer");
	free(a);
	free(b);
	free(c);
	free(up);
}

TEST(acme_directory_parse_meta)
{
	cJSON *j = s_json("{\"newNonce\":\"https://ca/nonce\",\"newAccount\":\"https://ca/acct\","
			  "\"newOrder\":\"https://ca/order\",\"revokeCert\":\"https://ca/revoke\","
			  "\"keyChange\":\"https://ca/kc\",\"renewalInfo\":\"https://ca/ari\","
			  "\"meta\":{\"termsOfService\":\"https://ca/tos\","
			  "\"externalAccountRequired\":true,"
			  "\"profiles\":{\"classic\":\"x\",\"shortlived\":\"y\"}}}");
	cJSON *bad = s_json("{\"newNonce\":\"https://ca/nonce\"}");
	struct acme_directory d;

	REQUIRE(acme_directory_parse(j, &d) == 0);
	CHECK_STR(d.new_order, "https://ca/order");
	CHECK_STR(d.renewal_info, "https://ca/ari");
	CHECK_STR(d.terms_of_service, "https://ca/tos");
	CHECK_INT(d.eab_required, 1);
	CHECK_INT(d.nprofiles, 2);
	if (d.nprofiles == 2)
		CHECK_STR(d.profiles[1], "shortlived");
	acme_directory_clear(&d);
	CHECK_INT(acme_directory_parse(bad, &d), -1);
	cJSON_Delete(j);
	cJSON_Delete(bad);
}

TEST(acme_order_parse_fields)
{
	cJSON *j = s_json("{\"status\":\"pending\",\"expires\":\"2026-01-01T00:00:00Z\","
			  "\"identifiers\":[],\"authorizations\":[\"https://ca/a/1\","
			  "\"https://ca/a/2\"],\"finalize\":\"https://ca/f/1\"}");
	cJSON *v = s_json("{\"status\":\"valid\",\"certificate\":\"https://ca/c/1\"}");
	struct acme_order o = {0};

	REQUIRE(acme_order_parse(j, &o) == 0);
	CHECK_STR(o.status, "pending");
	CHECK_INT(o.nauthz_urls, 2);
	CHECK_STR(o.authz_urls[1], "https://ca/a/2");
	CHECK_STR(o.finalize, "https://ca/f/1");
	CHECK(o.certificate == NULL);
	REQUIRE(acme_order_parse(v, &o) == 0);
	CHECK_STR(o.status, "valid");
	CHECK_STR(o.certificate, "https://ca/c/1");
	CHECK_INT(o.nauthz_urls, 2); /* kept when a later answer omits them */
	acme_order_clear(&o);
	cJSON_Delete(j);
	cJSON_Delete(v);
}

TEST(acme_poll_delay_backs_off_and_honours_retry_after)
{
	/* Without Retry-After: ACME_POLL_FIRST_MS growing by half, up to the cap. */
	CHECK_INT(acme_poll_delay_ms(0, -1, 10000), ACME_POLL_FIRST_MS);
	CHECK_INT(acme_poll_delay_ms(2, -1, 10000), ACME_POLL_FIRST_MS * 9 / 4);
	CHECK_INT(acme_poll_delay_ms(20, -1, 10000), 10000);
	CHECK_INT(acme_poll_delay_ms(1000, -1, 10000), 10000);
	/* Retry-After in full, above the cap too (the poll budget bounds it)... */
	CHECK_INT(acme_poll_delay_ms(0, 3, 10000), 3000);
	CHECK_INT(acme_poll_delay_ms(0, 86400, 10000), 86400000L);
	/* ...but never sooner than the backoff: "Retry-After: 0" is no tight loop. */
	CHECK_INT(acme_poll_delay_ms(0, 0, 10000), ACME_POLL_FIRST_MS);
	CHECK_INT(acme_poll_delay_ms(4, 0, 10000), acme_poll_delay_ms(4, -1, 10000));
	CHECK(acme_poll_delay_ms(4, -1, 10000) > 5 * ACME_POLL_FIRST_MS);
}

TEST(acme_contact_uri_refuses_smuggling)
{
	char *u = acme_contact_uri("admin@example.com");

	CHECK_STR(u, "mailto:admin@example.com");
	free(u);
	CHECK(acme_contact_uri("a@b.c,mailto:x@y.z") == NULL);
	CHECK(acme_contact_uri("a@b.c?subject=x") == NULL);
	CHECK(acme_contact_uri("no-at-sign") == NULL);
	CHECK(acme_contact_uri("@example.com") == NULL);
	CHECK(acme_contact_uri("a b@example.com") == NULL);
	CHECK(acme_contact_uri(NULL) == NULL);
}

TEST(acme_revoke_reasons)
{
	CHECK_INT(acme_revoke_reason_parse("unspecified"), 0);
	CHECK_INT(acme_revoke_reason_parse("keyCompromise"), 1);
	CHECK_INT(acme_revoke_reason_parse("superseded"), 4);
	CHECK_INT(acme_revoke_reason_parse("cessationOfOperation"), 5);
	CHECK_INT(acme_revoke_reason_parse("aACompromise"), 10);
	CHECK_INT(acme_revoke_reason_parse("removeFromCRL"), -1);
	CHECK_INT(acme_revoke_reason_parse("bogus"), -1);
	{
		char buf[160];

		acme_revoke_reason_choices(buf, sizeof(buf));
		CHECK_STR(buf, "unspecified, keyCompromise, affiliationChanged, superseded or "
			       "cessationOfOperation");
		CHECK(acme_revoke_reason_subscriber(acme_revoke_reason_parse("superseded")));
		CHECK(!acme_revoke_reason_subscriber(acme_revoke_reason_parse("cACompromise")));
	}
}

TEST(acme_chain_issued_by_looks_at_the_topmost_certificate)
{
	char *full = read_file_all(fixture_path("crypto/fullchain.pem"), NULL);
	char *leaf = read_file_all(fixture_path("crypto/leaf.pem"), NULL);

	REQUIRE(full && leaf);
	CHECK_INT(acme_chain_issued_by(full, "aaa Test CA"), 1);
	CHECK_INT(acme_chain_issued_by(full, "aaa Test"), 0); /* whole CN only */
	CHECK_INT(acme_chain_issued_by(full, "example.com"), 0);
	CHECK_INT(acme_chain_issued_by(leaf, "aaa Test CA"), 1);
	CHECK_INT(acme_chain_issued_by("no certificate here", "aaa Test CA"), -1);
	free(full);
	free(leaf);
}

TEST(acme_order_payload_with_profile_and_replaces)
{
	const char *names[] = {"WWW.Example.com", "*.example.com"};
	struct acme_order_opts o = {.profile = "shortlived", .replaces = "aYhba4dGQEH.AIdlQyE"};
	cJSON *p = acme_order_payload(names, 2, &o), *plain = acme_order_payload(names, 1, NULL);
	char *t = json_print(p), *t2 = json_print(plain);

	CHECK_STR(t, "{\"identifiers\":[{\"type\":\"dns\",\"value\":\"www.example.com\"},"
		     "{\"type\":\"dns\",\"value\":\"*.example.com\"}],\"profile\":\"shortlived\","
		     "\"replaces\":\"aYhba4dGQEH.AIdlQyE\"}");
	CHECK_STR(t2, "{\"identifiers\":[{\"type\":\"dns\",\"value\":\"www.example.com\"}]}");
	free(t);
	free(t2);
	cJSON_Delete(p);
	cJSON_Delete(plain);
}

TEST(acme_rfc3339_forms)
{
	time_t t = 0;

	CHECK_INT(acme_rfc3339_parse("1994-11-06T08:49:37Z", &t), 0);
	CHECK_INT(t, 784111777);
	CHECK_INT(acme_rfc3339_parse("1994-11-06T08:49:37.123456Z", &t), 0);
	CHECK_INT(t, 784111777);
	CHECK_INT(acme_rfc3339_parse("1994-11-06T10:49:37+02:00", &t), 0);
	CHECK_INT(t, 784111777);
	CHECK_INT(acme_rfc3339_parse("1994-11-06T07:49:37-01:00", &t), 0);
	CHECK_INT(t, 784111777);
	CHECK_INT(acme_rfc3339_parse("1994-11-06 08:49:37Z", &t), -1);
	CHECK_INT(acme_rfc3339_parse("1994-13-06T08:49:37Z", &t), -1);
	CHECK_INT(acme_rfc3339_parse("1994-11-06T08:49:37", &t), -1);
	CHECK_INT(acme_rfc3339_parse("1994-11-06T08:49:37.Z", &t), -1);
	CHECK_INT(acme_rfc3339_parse(NULL, &t), -1);
}

TEST(acme_ari_window)
{
	cJSON *j = s_json("{\"suggestedWindow\":{\"start\":\"2025-01-02T04:00:00Z\","
			  "\"end\":\"2025-01-03T04:00:00Z\"},"
			  "\"explanationURL\":\"https://ca/why\"}");
	cJSON *rev = s_json("{\"suggestedWindow\":{\"start\":\"2025-01-03T04:00:00Z\","
			    "\"end\":\"2025-01-02T04:00:00Z\"}}");
	struct acme_ari a;

	REQUIRE(acme_ari_parse(j, &a) == 0);
	CHECK_INT(a.end - a.start, 86400);
	CHECK_STR(a.explanation_url, "https://ca/why");
	acme_ari_clear(&a);
	CHECK_INT(acme_ari_parse(rev, &a), -1);
	acme_ari_clear(&a);
	cJSON_Delete(j);
	cJSON_Delete(rev);
}
