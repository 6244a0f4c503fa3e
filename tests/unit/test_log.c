#define _GNU_SOURCE
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>

#include "config/settings.h"
#include "log/log.h"

/* Captures what the logger writes for one message. */
static char *s_capture(enum log_level min, int json, enum log_level lvl, const char *msg)
{
	char *data = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&data, &len);

	log_configure(min, json, f);
	log_msg(lvl, "unit_fn", "%s", msg);
	fclose(f);
	harness_log_restore();
	return data;
}

TEST(log_levels_and_text)
{
	char *out = s_capture(LOG_INFO, 0, LOG_DEBUG, "hidden");

	CHECK_STR(out, "");
	free(out);
	out = s_capture(LOG_INFO, 0, LOG_ERROR, "zone Z1: Throttling");
	CHECK_STR(out, "aaa: error: zone Z1: Throttling\n");
	free(out);
	out = s_capture(LOG_INFO, 0, LOG_INFO, "issued");
	CHECK_STR(out, "issued\n");
	free(out);
	CHECK_INT(log_level_parse("WARNING"), LOG_WARN);
	CHECK_INT(log_level_parse("debug"), LOG_DEBUG);
	CHECK_INT(log_level_parse("loud"), -1);
}

TEST(log_json_lines)
{
	char *out;

	log_set_request_id("req-123");
	out = s_capture(LOG_DEBUG, 1, LOG_WARN, "a \"quoted\"\nline");
	log_set_request_id(NULL);
	CHECK(strstr(out, "\"level\":\"WARN\"") != NULL);
	CHECK(strstr(out, "\"message\":\"a \\\"quoted\\\"\\nline\"") != NULL);
	CHECK(strstr(out, "\"requestId\":\"req-123\"") != NULL);
	CHECK(strstr(out, "\"function\":\"unit_fn\"") != NULL);
	/* Exactly one line. */
	CHECK(strchr(out, '\n') == out + strlen(out) - 1);
	free(out);
}

TEST(log_env)
{
	setenv("AWS_LAMBDA_LOG_FORMAT", "JSON", 1);
	setenv("AWS_LAMBDA_LOG_LEVEL", "ERROR", 1);
	setenv("AAA_LOG_LEVEL", "debug", 1);
	settings_reload();
	log_init_from_env();
	CHECK_INT(log_get_level(), LOG_ERROR);
	unsetenv("AWS_LAMBDA_LOG_LEVEL");
	settings_reload();
	log_init_from_env();
	CHECK_INT(log_get_level(), LOG_DEBUG);
	unsetenv("AWS_LAMBDA_LOG_FORMAT");
	unsetenv("AAA_LOG_LEVEL");
	settings_reload();
	log_init_from_env();
	CHECK_INT(log_get_level(), LOG_INFO);
	harness_log_restore();
}

TEST(log_redacts_registered_secrets)
{
	char *out;

	log_add_secret("wJalrXUtnFEMI/K7MDENG");
	out = s_capture(LOG_INFO, 0, LOG_ERROR,
			"key wJalrXUtnFEMI/K7MDENG leaked twice wJalrXUtnFEMI/K7MDENG");
	CHECK(strstr(out, "wJalr") == NULL);
	CHECK(strstr(out, "key [REDACTED] leaked twice [REDACTED]") != NULL);
	free(out);
	log_clear_secrets();
}

TEST(log_redacts_by_shape)
{
	static const char *const leaks[] = {
	    "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE "
	    "KEY-----",
	    "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBsecretsecret\n-----END EC PRIVATE KEY-----",
	    "Authorization: AWS4-HMAC-SHA256 Credential=AKID/x, Signature=abcdef0123",
	    "X-Amz-Security-Token: FQoGZXIvYXdzEBsecrettoken",
	    "https://b.s3/"
	    "x?X-Amz-Signature=abcdef0123&X-Amz-Security-Token=FQoGZXIvYXdzEBsecrettoken",
	    "{\"AccessKeyId\":\"AKID\",\"SecretAccessKey\":\"abcdef0123\",\"Token\":"
	    "\"FQoGZXIvYXdzEBsecrettoken\"}",
	    "{\"kty\":\"EC\",\"d\":\"abcdef0123\",\"crv\":\"P-256\"}",
	    "aws_secret_access_key = abcdef0123",
	    "x-slack-signature: v0=abcdef0123",
	};
	size_t i;

	for (i = 0; i < sizeof(leaks) / sizeof(leaks[0]); i++) {
		char *r = log_redact(leaks[i]);

		REQUIRE(r != NULL);
		if (strstr(r, "abcdef0123") || strstr(r, "Bsecret") || strstr(r, "MIIEvQ"))
			harness_fail(__FILE__, __LINE__, "not redacted: %s", r);
		CHECK(strstr(r, "[REDACTED]") != NULL);
		free(r);
	}
	/* Ordinary text is untouched, including the names of secrets in advice. */
	{
		static const char advice[] =
		    "no AWS credentials found: set "
		    "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or "
		    "run with an IAM role; the hmac_key is wrong";
		char *r = log_redact(advice);

		CHECK_STR(r, advice);
		free(r);
	}
	{
		char *r =
		    log_redact("order https://ca/order/1 is ready; names: a.example, b.example");

		CHECK_STR(r, "order https://ca/order/1 is ready; names: a.example, b.example");
		free(r);
	}
}

TEST(log_escape_controls)
{
	/* OSC title, CSI clear, 8-bit CSI (raw and as U+009B), DEL, a forged line. */
	char *r = log_escape("a\x1b]0;t\x07\x1b[2J\x9b"
			     "1m\xc2\x9b\x7f\r\nb\tc \xc3\xa9 \xe2\x82\xac");

	CHECK_STR(r, "a\\x1b]0;t\\x07\\x1b[2J\\x9b1m\\u009b\\x7f\\r\\nb\tc \xc3\xa9 \xe2\x82\xac");
	free(r);
	r = log_escape(NULL);
	CHECK_STR(r, "");
	free(r);
}

TEST(log_json_lines_escape_c1)
{
	char *out = s_capture(LOG_DEBUG, 1, LOG_WARN,
			      "ca says \xc2\x9b"
			      "2J\x9b\x7f and \x1b[31m");

	/* C1 and DEL escaped by us, ESC by the JSON encoder: no raw control byte. */
	CHECK(strstr(out, "ca says \\\\u009b2J\\\\x9b\\\\x7f and \\u001b[31m") != NULL);
	free(out);
}
