/*
 * Slack pieces one by one: form bodies, signatures (Slack's documented
 * example), the timestamp window, the legacy token, API Gateway events,
 * command text and the allowlists.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slack/command.h"
#include "slack/event.h"
#include "slack/form.h"
#include "slack/policy.h"
#include "slack/verify.h"
#include "json/json.h"
#include "tests/unit/harness.h"
#include "util/mem.h"

/* https://api.slack.com/authentication/verifying-requests-from-slack */
#define EX_SECRET "8f742231b10e8888abcd99yyyzzz85a5"
#define EX_TS	  "1531420618"
#define EX_BODY                                                                                    \
	"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id="     \
	"G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-" \
	"collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%"         \
	"2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121."           \
	"803a0bc887a14d10d2c447fce8b6703c"
#define EX_SIG "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"

TEST(slack_form_decodes_plus_percent_and_keeps_order)
{
	struct slack_form f;
	struct aaa_err err;
	const char *body = "text=cert+www.example.com%20%2D%2Dcreate-key&a=%41%zz%4&b=&c&&d=1=2";

	REQUIRE(slack_form_parse(body, strlen(body), &f, &err) == 0);
	CHECK_INT(f.n, 5);
	CHECK_STR(slack_form_get(&f, "text"), "cert www.example.com --create-key");
	/* Invalid escapes stay literal (WHATWG). */
	CHECK_STR(slack_form_get(&f, "a"), "A%zz%4");
	CHECK_STR(slack_form_get(&f, "b"), "");
	CHECK_STR(slack_form_get(&f, "c"), "");
	CHECK_STR(slack_form_get(&f, "d"), "1=2");
	CHECK(slack_form_get(&f, "missing") == NULL);
	slack_form_free(&f);
}

TEST(slack_form_repeated_keys_empty_and_limits)
{
	struct slack_form f;
	struct aaa_err err;
	char *big;
	size_t i;

	REQUIRE(slack_form_parse("user_id=U1&user_id=U2", 21, &f, &err) == 0);
	CHECK_INT(slack_form_count(&f, "user_id"), 2);
	CHECK_STR(slack_form_get(&f, "user_id"), "U1");
	slack_form_free(&f);

	REQUIRE(slack_form_parse("", 0, &f, &err) == 0);
	CHECK_INT(f.n, 0);
	slack_form_free(&f);

	/* A decoded NUL would cut a value short later: refused. */
	CHECK(slack_form_parse("text=a%00b", 10, &f, &err) == -1);
	CHECK(strstr(err.message, "NUL") != NULL);
	slack_form_free(&f);

	big = malloc(SLACK_FORM_MAX_BODY + 2);
	REQUIRE(big != NULL);
	memset(big, 'a', SLACK_FORM_MAX_BODY + 1);
	big[SLACK_FORM_MAX_BODY + 1] = '\0';
	CHECK(slack_form_parse(big, SLACK_FORM_MAX_BODY + 1, &f, &err) == -1);
	for (i = 0; i < SLACK_FORM_MAX_BODY; i += 2)
		big[i] = 'a', big[i + 1] = '&';
	CHECK(slack_form_parse(big, SLACK_FORM_MAX_BODY, &f, &err) == -1);
	CHECK(strstr(err.message, "fields") != NULL);
	free(big);
}

TEST(slack_signature_slack_documented_example)
{
	char sig[68];
	struct aaa_err why;
	long long now = 1531420618;

	REQUIRE(slack_signature_compute(EX_SECRET, strlen(EX_SECRET), EX_TS, EX_BODY,
					strlen(EX_BODY), sig) == 0);
	CHECK_STR(sig, EX_SIG);
	CHECK_INT(slack_signature_verify(EX_SECRET, strlen(EX_SECRET), EX_TS, EX_SIG, EX_BODY,
					 strlen(EX_BODY), now, &why),
		  0);
}

TEST(slack_signature_refusals)
{
	char body[] = EX_BODY;
	struct aaa_err why;
	long long now = 1531420618;
	const size_t sl = strlen(EX_SECRET);

	/* One changed byte anywhere in the body. */
	body[10] ^= 1;
	CHECK(slack_signature_verify(EX_SECRET, sl, EX_TS, EX_SIG, body, strlen(body), now, &why) ==
	      -1);
	CHECK(strstr(why.message, "does not match") != NULL);
	/* Wrong secret, wrong case of the hex, missing prefix, missing headers. */
	CHECK(slack_signature_verify("8f742231b10e8888abcd99yyyzzz85a6", sl, EX_TS, EX_SIG, EX_BODY,
				     strlen(EX_BODY), now, &why) == -1);
	CHECK(slack_signature_verify(EX_SECRET, sl, EX_TS,
				     "v0=A2114D57B48EAC39B9AD189DD8316235A7B4A8D21A10BD27519666489C"
				     "69B503",
				     EX_BODY, strlen(EX_BODY), now, &why) == -1);
	CHECK(slack_signature_verify(EX_SECRET, sl, EX_TS, EX_SIG + 3, EX_BODY, strlen(EX_BODY),
				     now, &why) == -1);
	CHECK(slack_signature_verify(EX_SECRET, sl, NULL, EX_SIG, EX_BODY, strlen(EX_BODY), now,
				     &why) == -1);
	CHECK(strstr(why.message, "X-Slack-Request-Timestamp") != NULL);
	CHECK(slack_signature_verify(EX_SECRET, sl, EX_TS, NULL, EX_BODY, strlen(EX_BODY), now,
				     &why) == -1);
	CHECK(strstr(why.message, "X-Slack-Signature") != NULL);
	CHECK(slack_signature_verify(NULL, 0, EX_TS, EX_SIG, EX_BODY, strlen(EX_BODY), now, &why) ==
	      -1);
	/* The reason never carries the expected signature. */
	CHECK(strstr(why.message, "a2114d57") == NULL);
}

TEST(slack_signature_timestamp_window)
{
	struct aaa_err why;
	const long long ts = 1531420618;
	const size_t sl = strlen(EX_SECRET), bl = strlen(EX_BODY);

	CHECK_INT(slack_signature_verify(EX_SECRET, sl, EX_TS, EX_SIG, EX_BODY, bl, ts + 300, &why),
		  0);
	CHECK_INT(slack_signature_verify(EX_SECRET, sl, EX_TS, EX_SIG, EX_BODY, bl, ts - 300, &why),
		  0);
	CHECK_INT(slack_signature_verify(EX_SECRET, sl, EX_TS, EX_SIG, EX_BODY, bl, ts + 301, &why),
		  -1);
	CHECK(strstr(why.message, "301 s") != NULL);
	CHECK_INT(slack_signature_verify(EX_SECRET, sl, EX_TS, EX_SIG, EX_BODY, bl, ts - 301, &why),
		  -1);
	/* Not a plain number: refused before any arithmetic. */
	CHECK_INT(
	    slack_signature_verify(EX_SECRET, sl, "+1531420618", EX_SIG, EX_BODY, bl, ts, &why),
	    -1);
	CHECK_INT(slack_signature_verify(EX_SECRET, sl, "99999999999999999999", EX_SIG, EX_BODY, bl,
					 ts, &why),
		  -1);
	CHECK_INT(slack_signature_verify(EX_SECRET, sl, "", EX_SIG, EX_BODY, bl, ts, &why), -1);
}

static int s_ct_calls;
static size_t s_ct_alen, s_ct_blen;

static int s_counting_equal(const void *a, size_t alen, const void *b, size_t blen)
{
	s_ct_calls++;
	s_ct_alen = alen;
	s_ct_blen = blen;
	return mem_equal_ct(a, alen, b, blen);
}

TEST(slack_signature_and_token_use_the_constant_time_compare)
{
	struct aaa_err why;

	/* The production default is the constant-time routine itself. */
	CHECK(slack_equal_fn == mem_equal_ct);
	slack_equal_fn = s_counting_equal;
	s_ct_calls = 0;
	CHECK_INT(slack_signature_verify(EX_SECRET, strlen(EX_SECRET), EX_TS, EX_SIG, EX_BODY,
					 strlen(EX_BODY), 1531420618, &why),
		  0);
	CHECK_INT(s_ct_calls, 1);
	CHECK_INT(s_ct_alen, 67);
	CHECK_INT(s_ct_blen, 67);
	CHECK(slack_token_equal("xyzz0WbapA4vBCDEFasx0q6G", "xyzz0WbapA4vBCDEFasx0q6G"));
	CHECK_INT(s_ct_calls, 2);
	CHECK(!slack_token_equal("xyzz0WbapA4vBCDEFasx0q6G", "xyzz0WbapA4vBCDEFasx0q6H"));
	CHECK(!slack_token_equal("xyzz0WbapA4vBCDEFasx0q6G", "xyzz"));
	CHECK(!slack_token_equal("xyzz", NULL));
	CHECK(!slack_token_equal("", ""));
	slack_equal_fn = mem_equal_ct;
}

TEST(slack_event_v2_base64_and_header_case)
{
	const char *ev_text =
	    "{\"version\":\"2.0\",\"routeKey\":\"POST /slack\",\"rawPath\":\"/slack\","
	    "\"headers\":{\"x-slack-signature\":\"v0=ab\",\"content-type\":\"application/"
	    "x-www-form-urlencoded\"},\"requestContext\":{\"http\":{\"method\":\"POST\"}},"
	    "\"body\":\"dGV4dD1scyYrPWE=\",\"isBase64Encoded\":true}";
	cJSON *ev = cJSON_Parse(ev_text);
	struct slack_http req;
	struct aaa_err err;

	REQUIRE(ev != NULL);
	REQUIRE(slack_event_read(ev, &req, &err) == 0);
	CHECK_INT(req.version, 2);
	CHECK_STR(req.method, "POST");
	CHECK_INT(req.body_len, 11);
	CHECK_STR(req.body, "text=ls&+=a");
	CHECK_STR(slack_event_header(&req, "X-Slack-Signature"), "v0=ab");
	CHECK_STR(slack_event_header(&req, "CONTENT-TYPE"), "application/x-www-form-urlencoded");
	CHECK(slack_event_header(&req, "X-Slack-Request-Timestamp") == NULL);
	slack_event_free(&req);
	cJSON_Delete(ev);

	ev = cJSON_Parse("{\"version\":\"2.0\",\"routeKey\":\"$default\",\"rawPath\":\"/\","
			 "\"requestContext\":{\"http\":{\"method\":\"POST\"}},"
			 "\"body\":\"not base64!\",\"isBase64Encoded\":true}");
	REQUIRE(ev != NULL);
	CHECK(slack_event_read(ev, &req, &err) == -1);
	CHECK(strstr(err.message, "base64") != NULL);
	CHECK_STR(err.source, "input");
	slack_event_free(&req);
	cJSON_Delete(ev);
}

TEST(slack_event_v1_plain_body_and_ambiguous_headers)
{
	cJSON *ev = cJSON_Parse(
	    "{\"httpMethod\":\"POST\",\"path\":\"/slack\",\"requestContext\":{},"
	    "\"headers\":{\"X-Slack-Signature\":\"v0=1\",\"x-slack-signature\":\"v0=2\","
	    "\"X-Slack-Request-Timestamp\":\"5\",\"x-slack-request-timestamp\":\"5\"},"
	    "\"body\":\"text=help\",\"isBase64Encoded\":false}");
	struct slack_http req;
	struct aaa_err err;

	REQUIRE(ev != NULL);
	REQUIRE(slack_event_read(ev, &req, &err) == 0);
	CHECK_INT(req.version, 1);
	CHECK_STR(req.body, "text=help");
	/* Two copies that disagree: neither is believed. Two that agree: fine. */
	CHECK(slack_event_header(&req, "x-slack-signature") == NULL);
	CHECK_STR(slack_event_header(&req, "X-SLACK-REQUEST-TIMESTAMP"), "5");
	slack_event_free(&req);
	cJSON_Delete(ev);

	ev = cJSON_Parse("{\"action\":\"ls\"}");
	CHECK(slack_event_read(ev, &req, &err) == -1);
	slack_event_free(&req);
	cJSON_Delete(ev);
}

TEST(slack_event_response_shape)
{
	cJSON *body = cJSON_Parse("{\"response_type\":\"ephemeral\",\"text\":\"hi \\\"x\\\"\"}");
	char *text = slack_event_response(200, body);
	cJSON *resp = text ? cJSON_Parse(text) : NULL, *inner;

	REQUIRE(resp != NULL);
	CHECK_INT(json_int(resp, "statusCode", 0), 200);
	CHECK_STR(json_str(json_obj(resp, "headers"), "Content-Type"), "application/json");
	CHECK(cJSON_IsFalse(cJSON_GetObjectItem(resp, "isBase64Encoded")));
	inner = cJSON_Parse(json_str(resp, "body"));
	REQUIRE(inner != NULL);
	CHECK_STR(json_str(inner, "text"), "hi \"x\"");
	cJSON_Delete(inner);
	cJSON_Delete(resp);
	cJSON_Delete(body);
	free(text);
}

static char *s_payload_text(const char *text)
{
	struct slack_cmd cmd;
	struct aaa_err err;
	cJSON *p;
	char *out = NULL;

	if (slack_cmd_parse(text, &cmd, &err) != 0)
		return NULL;
	p = slack_cmd_payload(&cmd);
	if (p)
		out = cJSON_PrintUnformatted(p);
	cJSON_Delete(p);
	slack_cmd_free(&cmd);
	return out;
}

TEST(slack_command_payloads)
{
	struct {
		const char *text, *want;
	} cases[] = {
	    {"cert www.Example.com *.example.com",
	     "{\"action\":\"cert\",\"names\":[\"www.example.com\",\"*.example.com\"],"
	     "\"create_key\":false}"},
	    {"  cert\ta.example.com --create-key --key-type EC384 ",
	     "{\"action\":\"cert\",\"names\":[\"a.example.com\"],\"create_key\":true,"
	     "\"key_type\":\"ec384\"}"},
	    {"cert a.example.com --key-type=rsa2048",
	     "{\"action\":\"cert\",\"names\":[\"a.example.com\"],\"create_key\":false,"
	     "\"key_type\":\"rsa2048\"}"},
	    /* Slack's clients turn -- into an em dash. */
	    {"cert a.example.com \xe2\x80\x94"
	     "create-key",
	     "{\"action\":\"cert\",\"names\":[\"a.example.com\"],\"create_key\":true}"},
	    /* A name Slack linkified ("Escape ... links" on). */
	    {"cert <http://www.example.com|www.example.com>",
	     "{\"action\":\"cert\",\"names\":[\"www.example.com\"],\"create_key\":false}"},
	    {"renew a.example.com", "{\"action\":\"renew\",\"name\":\"a.example.com\"}"},
	    {"STATUS a.example.com", "{\"action\":\"status\",\"name\":\"a.example.com\"}"},
	    {"ls", "{\"action\":\"ls\"}"},
	    {"revoke a.example.com", "{\"action\":\"revoke\",\"name\":\"a.example.com\"}"},
	    {"revoke a.example.com keycompromise",
	     "{\"action\":\"revoke\",\"reason\":\"keyCompromise\",\"name\":\"a.example.com\"}"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = s_payload_text(cases[i].text);

		if (got == NULL || strcmp(got, cases[i].want) != 0)
			harness_fail(__FILE__, __LINE__, "\"%s\" -> %s, expected %s", cases[i].text,
				     got ? got : "(refused)", cases[i].want);
		free(got);
	}
}

TEST(slack_command_help_and_refusals)
{
	struct {
		const char *text, *in_err;
	} bad[] = {
	    {"frobnicate", "unknown command \"frobnicate\""},
	    {"cert", "at least one domain name"},
	    {"renew", "a certificate name"},
	    {"renew a.example.com b.example.com", "unexpected \"b.example.com\""},
	    {"ls now", "unexpected \"now\""},
	    {"cert a.example.com --force", "unknown option \"--force\""},
	    {"cert a.example.com --key-type", "--key-type \"\""},
	    {"cert a.example.com --key-type dsa", "--key-type \"dsa\""},
	    {"renew a.example.com --create-key", "takes no option"},
	    {"revoke a.example.com because", "unknown revocation reason \"because\""},
	    /* Only a subscriber's reasons; the message lists them from acme/order.h. */
	    {"revoke a.example.com certificateHold",
	     "use unspecified, keyCompromise, affiliationChanged, superseded or "
	     "cessationOfOperation"},
	    {"cert a.example.com --key-type ec521",
	     "use rsa2048, rsa3072, rsa4096, ec256 or ec384"},
	    {"cert a.example.com A.example.com", "a.example.com"},
	    {"cert \"a.example.com\"", "not a valid domain name"},
	    {"cert a.example.com;rm", "not a valid domain name"},
	    {"cert $(id).example.com", "not a valid domain name"},
	    {"cert \xc3\xa9t\xc3\xa9.example.com", "not a valid domain name"},
	    {"cert a.example.com\xc2\xa0"
	     "b.example.com",
	     "not a valid domain name"},
	    {"cert a..example.com", "not a valid domain name"},
	};
	struct slack_cmd cmd;
	struct aaa_err err;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err_clear(&err);
		if (slack_cmd_parse(bad[i].text, &cmd, &err) != -1 ||
		    strstr(err.message, bad[i].in_err) == NULL)
			harness_fail(__FILE__, __LINE__, "\"%s\": got \"%s\", wanted \"%s\"",
				     bad[i].text, err.message, bad[i].in_err);
		CHECK(cmd.names == NULL && cmd.nnames == 0);
	}
	REQUIRE(slack_cmd_parse("", &cmd, &err) == 0);
	CHECK_INT(cmd.action, SLACK_HELP);
	CHECK(slack_cmd_payload(&cmd) == NULL);
	slack_cmd_free(&cmd);
	REQUIRE(slack_cmd_parse(" \t\n", &cmd, &err) == 0);
	CHECK_INT(cmd.action, SLACK_HELP);
	slack_cmd_free(&cmd);
	REQUIRE(slack_cmd_parse(NULL, &cmd, &err) == 0);
	CHECK_INT(cmd.action, SLACK_HELP);
	slack_cmd_free(&cmd);
}

TEST(slack_command_long_texts_and_many_names)
{
	struct slack_cmd cmd;
	struct aaa_err err;
	char *text = malloc(12000);
	size_t i, o;

	REQUIRE(text != NULL);
	/* 10,000 characters: refused with the limit, not parsed. */
	memcpy(text, "cert ", 5);
	memset(text + 5, 'a', 9995);
	text[10000] = '\0';
	CHECK(slack_cmd_parse(text, &cmd, &err) == -1);
	CHECK(strstr(err.message, "4000") != NULL);
	CHECK_STR(err.source, "input");

	/* 100 names are fine, 101 are too many: the limit is named. */
	o = (size_t)sprintf(text, "cert");
	for (i = 0; i < 100; i++)
		o += (size_t)sprintf(text + o, " n%zu.example.com", i);
	REQUIRE(slack_cmd_parse(text, &cmd, &err) == 0);
	CHECK_INT(cmd.nnames, 100);
	CHECK_STR(cmd.names[99], "n99.example.com");
	slack_cmd_free(&cmd);
	sprintf(text + o, " n100.example.com");
	CHECK(slack_cmd_parse(text, &cmd, &err) == -1);
	CHECK(strstr(err.message, "too many names") != NULL);

	/* 200 short names fit in 4000 characters but not in a certificate. */
	o = (size_t)sprintf(text, "cert");
	for (i = 0; i < 200; i++)
		o += (size_t)sprintf(text + o, " n%zu.ex", i);
	CHECK(o <= SLACK_MAX_TEXT);
	CHECK(slack_cmd_parse(text, &cmd, &err) == -1);
	CHECK(strstr(err.message, "too many names") != NULL);
	free(text);
}

TEST(slack_command_describe)
{
	struct slack_cmd cmd;
	struct aaa_err err;
	char *d;

	REQUIRE(slack_cmd_parse("cert a.ex b.ex c.ex d.ex e.ex f.ex g.ex", &cmd, &err) == 0);
	d = slack_cmd_describe(&cmd);
	CHECK_STR(d, "cert for a.ex, b.ex, c.ex, d.ex, e.ex and 2 more");
	free(d);
	slack_cmd_free(&cmd);
	REQUIRE(slack_cmd_parse("ls", &cmd, &err) == 0);
	d = slack_cmd_describe(&cmd);
	CHECK_STR(d, "ls");
	free(d);
	slack_cmd_free(&cmd);
}

TEST(slack_policy_id_lists)
{
	CHECK(slack_list_allows(NULL, "U1"));
	CHECK(slack_list_allows("", "U1"));
	CHECK(slack_list_allows(" , ", "U1"));
	CHECK(slack_list_allows("U1,U2", "U2"));
	CHECK(slack_list_allows(" U1 , U2 ", "U1"));
	CHECK(!slack_list_allows("U1,U2", "U3"));
	CHECK(!slack_list_allows("U1,U2", "U"));
	CHECK(!slack_list_allows("U1,U2", "U1,U2"));
	CHECK(!slack_list_allows("U1", "u1"));
	CHECK(!slack_list_allows("U1", NULL));
	CHECK(!slack_list_allows("U1", ""));
}

TEST(slack_policy_domain_patterns)
{
	const char *p = "*.example.com, example.org";

	CHECK(slack_domain_allowed(p, "www.example.com"));
	CHECK(slack_domain_allowed(p, "a.b.example.com"));
	CHECK(slack_domain_allowed(p, "*.example.com"));
	CHECK(slack_domain_allowed(p, "WWW.Example.COM"));
	CHECK(slack_domain_allowed(p, "example.org"));
	CHECK(!slack_domain_allowed(p, "example.com"));
	CHECK(!slack_domain_allowed(p, "www.example.org"));
	CHECK(!slack_domain_allowed(p, "evilexample.com"));
	CHECK(!slack_domain_allowed(p, "www.example.com.evil.net"));
	CHECK(!slack_domain_allowed(p, "example.org.evil.net"));
	/* Unset or empty: nothing. */
	CHECK(!slack_domain_allowed(NULL, "www.example.com"));
	CHECK(!slack_domain_allowed("", "www.example.com"));
	CHECK(!slack_domain_allowed(p, ""));
}
