/*
 * Store key rules and layout builders (store/keys.h): every refusal the
 * rules promise, with the message a user sees, and the exact layout keys of
 * README.md "Storage layout".
 */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

#include "log/log.h"
#include "store/keys.h"

static int s_key_ok(const char *key)
{
	struct aaa_err err;

	return store_key_validate(key, &err) == 0;
}

/* The reason part of a refusal, for checks that do not care about quoting. */
static const char *s_key_err(const char *key)
{
	static struct aaa_err err;

	if (store_key_validate(key, &err) == 0)
		return "(accepted)";
	return err.message;
}

TEST(store_key_valid)
{
	char key[STORE_KEY_MAX + 2], seg[STORE_SEGMENT_MAX + 2];

	CHECK(s_key_ok("index.json"));
	CHECK(s_key_ok("certs/example.com/cert.pem"));
	CHECK(s_key_ok("certs/_wildcard_.example.com/history/03ab.pem"));
	CHECK(s_key_ok("accounts/127.0.0.1_14000/default/key.pem"));
	CHECK(s_key_ok("a/b..c/d.")); /* dots inside a segment are fine */
	CHECK(s_key_ok("a b"));

	/* Exactly at the limits. */
	memset(seg, 'a', STORE_SEGMENT_MAX);
	seg[STORE_SEGMENT_MAX] = '\0';
	CHECK(s_key_ok(seg));
	memset(key, 'b', STORE_KEY_MAX);
	for (int i = 200; i < STORE_KEY_MAX; i += 200)
		key[i] = '/';
	key[STORE_KEY_MAX] = '\0';
	CHECK(s_key_ok(key));
}

TEST(store_key_refused)
{
	char key[STORE_KEY_MAX + 2], seg[STORE_SEGMENT_MAX + 2];
	struct aaa_err err;

	/* The message names the key and the problem. */
	CHECK_INT(store_key_validate("aaa-data/v1/certs/../x", &err), -1);
	CHECK_STR(err.message, "store key 'aaa-data/v1/certs/../x' escapes the store root");
	CHECK_STR(err.source, "input");
	CHECK_STR(s_key_err(".."), "store key '..' escapes the store root");
	CHECK_STR(s_key_err("../etc/passwd"), "store key '../etc/passwd' escapes the store root");
	CHECK_STR(s_key_err("a/.."), "store key 'a/..' escapes the store root");

	CHECK_STR(s_key_err(""), "store key is empty");
	CHECK_STR(s_key_err(NULL), "store key is empty");
	CHECK(strstr(s_key_err("/etc/passwd"), "is absolute") != NULL);
	CHECK(strstr(s_key_err("/etc/passwd"), "'/etc/passwd'") != NULL);
	CHECK(strstr(s_key_err("a//b"), "empty segment") != NULL);
	CHECK(strstr(s_key_err("a/"), "empty segment") != NULL);
	CHECK(strstr(s_key_err("./a"), "'.' segment") != NULL);
	CHECK(strstr(s_key_err("a/./b"), "'.' segment") != NULL);
	CHECK(strstr(s_key_err(".hidden"), "starting with '.'") != NULL);
	CHECK(strstr(s_key_err("certs/.aaa-lock"), "starting with '.'") != NULL);
	CHECK(strstr(s_key_err("certs/.aaa-tmp-0011223344556677"), "starting with '.'") != NULL);
	CHECK(strstr(s_key_err("a\\..\\b"), "backslash") != NULL);
	/* Control characters are shown escaped, never raw. */
	CHECK_STR(s_key_err("a\nb"), "store key 'a\\x0ab' contains a control character (byte 2)");
	CHECK(strstr(s_key_err("a\x1b[31mb"), "control character") != NULL);
	CHECK(strstr(s_key_err("a\x7f"), "control character") != NULL);
	CHECK(strstr(s_key_err("caf\xc3\xa9"), "non-ASCII") != NULL);

	memset(seg, 'a', STORE_SEGMENT_MAX + 1);
	seg[STORE_SEGMENT_MAX + 1] = '\0';
	CHECK(strstr(s_key_err(seg), "segment of 256 bytes (at most 255)") != NULL);
	memset(key, 'b', STORE_KEY_MAX + 1);
	for (int i = 200; i < STORE_KEY_MAX; i += 200)
		key[i] = '/';
	key[STORE_KEY_MAX + 1] = '\0';
	CHECK(strstr(s_key_err(key), "1025 bytes long (at most 1024)") != NULL);
	/* A long key is quoted cut, with its length. */
	CHECK(strstr(s_key_err(key), "...(1025 bytes)") != NULL);
}

TEST(store_prefix_rules)
{
	struct aaa_err err;

	CHECK_INT(store_prefix_validate("", &err), 0);
	CHECK_INT(store_prefix_validate(NULL, &err), 0);
	CHECK_INT(store_prefix_validate("certs/", &err), 0);
	CHECK_INT(store_prefix_validate("certs/ex", &err), 0);
	CHECK_INT(store_prefix_validate("jobs", &err), 0);
	CHECK_INT(store_prefix_validate("/", &err), -1);
	CHECK(strstr(err.message, "store prefix '/' is absolute") != NULL);
	CHECK_INT(store_prefix_validate("certs//", &err), -1);
	CHECK_INT(store_prefix_validate("../", &err), -1);
	CHECK_STR(err.message, "store prefix '../' escapes the store root");
	CHECK_INT(store_prefix_validate("certs/../../", &err), -1);
}

TEST(store_key_layout_builders)
{
	char *k;

	k = store_key_account_dir("acme-v02.api.letsencrypt.org", "default");
	CHECK_STR(k, "accounts/acme-v02.api.letsencrypt.org/default");
	free(k);
	k = store_key_account_dir("127.0.0.1:14000", "prod_1");
	CHECK_STR(k, "accounts/127.0.0.1_14000/prod_1");
	free(k);
	k = store_key_account_dir("Pebble.Local", "a.b-c");
	CHECK_STR(k, "accounts/pebble.local/a.b-c");
	free(k);

	k = store_key_cert_dir("Example.COM");
	CHECK_STR(k, "certs/example.com");
	free(k);
	k = store_key_cert_dir("*.example.com");
	CHECK_STR(k, "certs/_wildcard_.example.com");
	free(k);
	k = store_key_cert_dir("xn--bcher-kva.example");
	CHECK_STR(k, "certs/xn--bcher-kva.example");
	free(k);

	k = store_key_cert_history("*.Example.com", "03AbCd");
	CHECK_STR(k, "certs/_wildcard_.example.com/history/03abcd.pem");
	free(k);
	k = store_key_job("6f1c2a9e-1d2b-4c3d-8e9f-0a1b2c3d4e5f");
	CHECK_STR(k, "jobs/6f1c2a9e-1d2b-4c3d-8e9f-0a1b2c3d4e5f.json");
	free(k);
	k = store_key_join("certs/example.com", STORE_FILE_FULLCHAIN);
	CHECK_STR(k, "certs/example.com/fullchain.pem");
	free(k);
	CHECK_STR(STORE_KEY_INDEX, "index.json");
}

/* Each bad input: NULL, and an error that names the input. */
static void s_refused(char *k, const char *expect)
{
	CHECK(k == NULL);
	free(k);
	if (strstr(harness_last_error(), expect) == NULL)
		harness_fail(__FILE__, __LINE__, "error \"%s\" does not mention \"%s\"",
			     harness_last_error(), expect);
}

TEST(store_key_builders_refuse)
{
	s_refused(store_key_account_dir("../etc", "default"), "CA host '../etc'");
	s_refused(store_key_account_dir("a/b", "default"), "CA host 'a/b'");
	s_refused(store_key_account_dir("[::1]:14000", "default"), "IPv6");
	s_refused(store_key_account_dir("host:", "default"), "bad port");
	s_refused(store_key_account_dir("host:80x", "default"), "bad port");
	s_refused(store_key_account_dir("host:123456", "default"), "bad port");
	s_refused(store_key_account_dir("ca.example", ".."), "account name '..'");
	s_refused(store_key_account_dir("ca.example", ".x"), "account name '.x'");
	s_refused(store_key_account_dir("ca.example", "a/b"), "account name 'a/b'");
	s_refused(store_key_account_dir("ca.example", ""), "account name ''");
	s_refused(
	    store_key_account_dir(
		"ca.example", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
	    "account name");

	s_refused(store_key_cert_dir(".."), "certificate name '..'");
	s_refused(store_key_cert_dir("../etc"), "certificate name '../etc'");
	s_refused(store_key_cert_dir("a/b.com"), "certificate name 'a/b.com'");
	s_refused(store_key_cert_dir("*"), "certificate name '*'");
	s_refused(store_key_cert_dir("a.*.com"), "'*' is only allowed");
	s_refused(store_key_cert_dir("**.example.com"), "'*' is only allowed");
	/* The encoded wildcard label is not itself a name: no collision. */
	s_refused(store_key_cert_dir("_wildcard_.example.com"), "certificate name");
	s_refused(store_key_cert_dir("example.com."), "trailing dot");
	s_refused(store_key_cert_dir("-a.example.com"), "'-'");
	s_refused(store_key_cert_dir("exa mple.com"), "certificate name 'exa mple.com'");
	s_refused(store_key_cert_dir("b\xc3\xbc"
				     "cher.example"),
		  "A-label");
	s_refused(store_key_cert_dir(""), "certificate name is empty");
	s_refused(
	    store_key_cert_dir("a234567890123456789012345678901234567890123456789012345678901234"
			       ".com"),
	    "label longer than 63");

	s_refused(store_key_cert_history("example.com", "xyz"), "serial 'xyz'");
	s_refused(store_key_cert_history("example.com", "../1"), "serial '../1'");
	s_refused(store_key_cert_history("example.com", ""), "serial ''");
	s_refused(store_key_cert_history("../x", "01"), "certificate name '../x'");

	s_refused(store_key_job("a.b"), "job id 'a.b'");
	s_refused(store_key_job("../x"), "job id '../x'");
	s_refused(store_key_job(""), "job id ''");

	s_refused(store_key_join("certs", "../../x"),
		  "store key 'certs/../../x' escapes the store root");
	s_refused(store_key_join("certs/x", ".aaa-lock"), "starting with '.'");
}

TEST(store_cert_name_roundtrip)
{
	const char *names[] = {"example.com", "*.example.com", "a-b.c0.example", "xn--p1ai"};
	char *seg, *back;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		seg = store_cert_name_encode(names[i]);
		back = store_cert_name_decode(seg);
		CHECK_STR(back, names[i]);
		free(seg);
		free(back);
	}
	/* Only what encode can produce decodes. */
	CHECK(store_cert_name_decode("Example.com") == NULL);
	CHECK(store_cert_name_decode("_wildcard_") == NULL);
	CHECK(store_cert_name_decode("x_y.com") == NULL);
	CHECK(store_cert_name_decode("_wildcard_._wildcard_.com") == NULL);
	CHECK(store_cert_name_decode("a..b") == NULL);
}
