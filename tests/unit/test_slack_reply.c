/*
 * Slack replies: the response_url allowlist, escaping, Block Kit shapes
 * for each kind of executor answer, Slack's size limits, and the cap of
 * five posts per response_url.
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slack/reply.h"
#include "config/settings.h"
#include "json/json.h"
#include "log/log.h"
#include "tests/unit/harness.h"
#include "util/buf.h"

TEST(slack_reply_response_url_allowlist)
{
	unsetenv("AAA_SLACK_RESPONSE_URL_PREFIX");
	settings_reload();
	CHECK(slack_response_url_allowed("https://hooks.slack.com/commands/T1/2/abc", NULL));
	CHECK(!slack_response_url_allowed("https://hooks.slack.com.evil.net/commands", NULL));
	CHECK(!slack_response_url_allowed("https://hooks.slack.co/commands", NULL));
	CHECK(!slack_response_url_allowed("http://hooks.slack.com/commands", NULL));
	CHECK(!slack_response_url_allowed("https://evil.net/https://hooks.slack.com/", NULL));
	CHECK(!slack_response_url_allowed("https://hooks.slack.com/a b", NULL));
	CHECK(!slack_response_url_allowed("https://hooks.slack.com/a\r\nX: y", NULL));
	CHECK(!slack_response_url_allowed("https://hooks.slack.com/a#frag", NULL));
	CHECK(!slack_response_url_allowed("https://hooks.slack.com/a\\b", NULL));
	CHECK(!slack_response_url_allowed(NULL, NULL));
	CHECK(!slack_response_url_allowed("", NULL));
	/* A prefix without a path gets one: no other port, no userinfo trick. */
	CHECK(slack_response_url_allowed("http://127.0.0.1:8080/x", "http://127.0.0.1:8080"));
	CHECK(!slack_response_url_allowed("http://127.0.0.1:80801/x", "http://127.0.0.1:8080"));
	CHECK(!slack_response_url_allowed("http://127.0.0.1:8080@evil.net/x",
					  "http://127.0.0.1:8080"));
	/* The environment's override applies when no prefix is passed. */
	setenv("AAA_SLACK_RESPONSE_URL_PREFIX", "http://127.0.0.1:9/", 1);
	settings_reload();
	CHECK(slack_response_url_allowed("http://127.0.0.1:9/x", NULL));
	CHECK(!slack_response_url_allowed("https://hooks.slack.com/commands/T1/2/abc", NULL));
	unsetenv("AAA_SLACK_RESPONSE_URL_PREFIX");
	settings_reload();
}

TEST(slack_reply_escape)
{
	char *e = slack_escape("<!channel> & <http://x|y> ok");

	CHECK_STR(e, "&lt;!channel&gt; &amp; &lt;http://x|y&gt; ok");
	free(e);
}

/* The text of every block (section text, fields, context elements), one
 * per line, for assertions that do not depend on the exact layout. */
static char *s_all_text(const cJSON *msg)
{
	struct buf b = BUF_INIT;
	const cJSON *blk, *it;

	buf_append_str(&b, "");
	cJSON_ArrayForEach(blk, json_arr(msg, "blocks"))
	{
		if (json_str(json_obj(blk, "text"), "text"))
			buf_printf(&b, "%s\n", json_str(json_obj(blk, "text"), "text"));
		cJSON_ArrayForEach(it, json_arr(blk, "fields"))
		    buf_printf(&b, "%s\n", json_str(it, "text"));
		cJSON_ArrayForEach(it, json_arr(blk, "elements"))
		    buf_printf(&b, "%s\n", json_str(it, "text"));
	}
	return buf_steal(&b);
}

/* Every block is a known type with Slack's limits respected. */
static int s_valid_blocks(const cJSON *msg)
{
	const cJSON *blk, *it;
	int n = 0;

	cJSON_ArrayForEach(blk, json_arr(msg, "blocks"))
	{
		const char *type = json_str(blk, "type");

		n++;
		if (type == NULL)
			return 0;
		if (strcmp(type, "section") == 0) {
			const cJSON *t = json_obj(blk, "text");
			const cJSON *f = json_arr(blk, "fields");

			if (t == NULL && f == NULL)
				return 0;
			if (t && (strcmp(json_str(t, "type"), "mrkdwn") != 0 ||
				  strlen(json_str(t, "text")) > SLACK_MAX_SECTION_TEXT ||
				  strlen(json_str(t, "text")) == 0))
				return 0;
			if (f && cJSON_GetArraySize(f) > 10)
				return 0;
			cJSON_ArrayForEach(it, f) if (strlen(json_str(it, "text")) >
						      SLACK_MAX_FIELD_TEXT) return 0;
		} else if (strcmp(type, "context") == 0) {
			cJSON_ArrayForEach(
			    it, json_arr(blk, "elements")) if (strlen(json_str(it, "text")) >
							       SLACK_MAX_SECTION_TEXT) return 0;
		} else {
			return 0;
		}
	}
	return n > 0 && n <= SLACK_MAX_BLOCKS;
}

TEST(slack_reply_done_cert_blocks)
{
	cJSON *r = cJSON_Parse(
	    "{\"job\":\"slack-abc\",\"action\":\"cert\",\"state\":\"done\","
	    "\"names\":[\"www.example.com\",\"*.example.com\"],"
	    "\"cert\":{\"name\":\"www.example.com\",\"serial\":\"04A1\",\"not_before\":"
	    "\"2026-11-24T00:00:00Z\",\"not_after\":\"2027-02-22T00:00:00Z\",\"issuer\":\"CN=R3 & "
	    "co\",\"key_type\":\"ec256\"},"
	    "\"deployed\":[{\"target\":\"acm:us-east-1\",\"ok\":true,\"detail\":\"arn:aws:acm:"
	    "us-east-1:1:certificate/x\"},{\"target\":\"elb:lb1\",\"ok\":false,\"detail\":"
	    "\"AccessDenied\"}]}");
	cJSON *m = slack_reply_message(r);
	char *t = m ? s_all_text(m) : NULL;

	REQUIRE(t != NULL);
	CHECK(s_valid_blocks(m));
	CHECK_STR(json_str(m, "response_type"), "in_channel");
	CHECK(cJSON_IsFalse(cJSON_GetObjectItem(m, "replace_original")));
	CHECK(strstr(json_str(m, "text"), "www.example.com, *.example.com") != NULL);
	CHECK(strstr(t, ":white_check_mark: Certificate *www.example.com, *.example.com* "
			"issued") != NULL);
	CHECK(strstr(t, "*Expires*\n2027-02-22T00:00:00Z") != NULL);
	CHECK(strstr(t, "*Serial*\n04A1") != NULL);
	CHECK(strstr(t, "*Issuer*\nCN=R3 &amp; co") != NULL);
	CHECK(strstr(t, "*Key type*\nec256") != NULL);
	CHECK(strstr(t, ":white_check_mark: acm:us-east-1: arn:aws:acm:us-east-1:1:"
			"certificate/x") != NULL);
	CHECK(strstr(t, ":warning: elb:lb1: AccessDenied") != NULL);
	CHECK(strstr(t, "job slack-abc") != NULL);
	free(t);
	cJSON_Delete(m);
	cJSON_Delete(r);
}

TEST(slack_reply_failure_names_source_code_and_hint_escaped)
{
	cJSON *r = cJSON_Parse(
	    "{\"job\":\"J1\",\"action\":\"renew\",\"state\":\"failed\",\"names\":[\"a.example."
	    "com\"],\"error\":{\"source\":\"acme\",\"code\":\"urn:ietf:params:acme:error:"
	    "rateLimited\",\"message\":\"too many certificates <!channel> already issued\","
	    "\"hint\":\"wait until <2026-12-01>, or use staging\"}}");
	cJSON *m = slack_reply_message(r);
	char *t = m ? s_all_text(m) : NULL;

	REQUIRE(t != NULL);
	CHECK(s_valid_blocks(m));
	CHECK_STR(json_str(m, "response_type"), "in_channel");
	CHECK(strstr(t, ":x: *renew* for a.example.com failed") != NULL);
	CHECK(strstr(t, "*acme error* `urn:ietf:params:acme:error:rateLimited`\n"
			"too many certificates &lt;!channel&gt; already issued") != NULL);
	CHECK(strstr(t, "What to do: wait until &lt;2026-12-01&gt;, or use staging") != NULL);
	CHECK(strchr(t, '<') == NULL);
	free(t);
	cJSON_Delete(m);
	cJSON_Delete(r);
}

TEST(slack_reply_ls_status_progress_are_ephemeral)
{
	cJSON *r = cJSON_Parse("{\"job\":\"J2\",\"action\":\"ls\",\"state\":\"done\",\"certs\":["
			       "{\"name\":\"a.example.com\",\"not_after\":\"2027-01-01\"},"
			       "{\"name\":\"b.example.com\",\"not_after\":\"2027-02-01\"}]}");
	cJSON *m = slack_reply_message(r);
	char *t = m ? s_all_text(m) : NULL;

	REQUIRE(t != NULL);
	CHECK(s_valid_blocks(m));
	CHECK_STR(json_str(m, "response_type"), "ephemeral");
	CHECK(strstr(t, "*2 certificates*\na.example.com: expires 2027-01-01\nb.example.com: "
			"expires 2027-02-01") != NULL);
	free(t);
	cJSON_Delete(m);
	cJSON_Delete(r);

	r = cJSON_Parse("{\"job\":\"J3\",\"action\":\"cert\",\"state\":\"running\",\"names\":["
			"\"a.example.com\"],\"progress\":\"DNS records published\"}");
	m = slack_reply_message(r);
	t = m ? s_all_text(m) : NULL;
	REQUIRE(t != NULL);
	CHECK_STR(json_str(m, "response_type"), "ephemeral");
	CHECK(strstr(t, ":hourglass_flowing_sand: *cert* for a.example.com: running") != NULL);
	CHECK(strstr(t, "DNS records published") != NULL);
	free(t);
	cJSON_Delete(m);
	cJSON_Delete(r);

	m = slack_progress_message("J4", "order <created>");
	REQUIRE(m != NULL);
	CHECK_STR(json_str(m, "response_type"), "ephemeral");
	CHECK_STR(json_str(m, "text"), ":hourglass_flowing_sand: order &lt;created&gt; (job J4)");
	cJSON_Delete(m);
}

TEST(slack_reply_aaa_ls_output_and_status_answers)
{
	/* What `aaa ls` prints, handed over as it is. */
	cJSON *r = cJSON_Parse(
	    "[{\"email\":\"ops@example.com\",\"domains\":[{\"domain\":\"a.example.com\","
	    "\"authorization\":{},\"certificate\":{\"not_after\":\"2027-01-01T00:00:00Z\"}},"
	    "{\"domain\":\"b.example.com\",\"certificate\":{\"not_after\":\"2026-12-01\","
	    "\"revoked\":true}}]},{\"email\":\"\",\"domains\":[{\"domain\":\"c.example.com\"}]}]");
	cJSON *m = slack_reply_message(r);
	char *t = m ? s_all_text(m) : NULL;

	REQUIRE(t != NULL);
	CHECK(s_valid_blocks(m));
	CHECK_STR(json_str(m, "response_type"), "ephemeral");
	CHECK(strstr(t, ":page_facing_up: Certificates") != NULL);
	CHECK(strstr(t, "*3 certificates*\na.example.com: expires 2027-01-01T00:00:00Z\n"
			"b.example.com: expires 2026-12-01 (revoked)\nc.example.com") != NULL);
	free(t);
	cJSON_Delete(m);
	cJSON_Delete(r);

	/* status by name: the certificate's state, its facts, to the asker only. */
	r = cJSON_Parse("{\"job\":\"k1\",\"action\":\"status\",\"state\":\"valid\","
			"\"name\":\"a.example.com\",\"cert\":{\"serial\":\"0a\",\"not_after\":"
			"\"2027\"}}");
	m = slack_reply_message(r);
	t = m ? s_all_text(m) : NULL;
	REQUIRE(t != NULL);
	CHECK_STR(json_str(m, "response_type"), "ephemeral");
	CHECK(strstr(t, ":information_source: *a.example.com*: valid") != NULL);
	CHECK(strstr(t, "*Serial*\n0a") != NULL);
	free(t);
	cJSON_Delete(m);
	cJSON_Delete(r);

	/* revoke names the certificate even without a names list. */
	r = cJSON_Parse("{\"action\":\"revoke\",\"state\":\"done\",\"name\":\"a.example.com\"}");
	m = slack_reply_message(r);
	t = m ? s_all_text(m) : NULL;
	REQUIRE(t != NULL);
	CHECK_STR(json_str(m, "response_type"), "in_channel");
	CHECK(strstr(t, "Certificate *a.example.com* revoked") != NULL);
	free(t);
	cJSON_Delete(m);
	cJSON_Delete(r);
}

TEST(slack_reply_respects_slack_limits)
{
	struct buf b = BUF_INIT;
	cJSON *r, *m, *dep, *certs, *names;
	char *t;
	int i;

	/* A 10,000-character CA message, 300 targets, 1,000 certificates, 200 names. */
	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "action", "cert");
	cJSON_AddStringToObject(r, "state", "done");
	names = cJSON_AddArrayToObject(r, "names");
	for (i = 0; i < 200; i++) {
		char n[32];

		snprintf(n, sizeof(n), "n%d.example.com", i);
		cJSON_AddItemToArray(names, cJSON_CreateString(n));
	}
	cJSON_AddStringToObject(cJSON_AddObjectToObject(r, "cert"), "not_after", "2027");
	dep = cJSON_AddArrayToObject(r, "deployed");
	for (i = 0; i < 300; i++) {
		cJSON *d = cJSON_CreateObject();

		cJSON_AddStringToObject(d, "target", "acm:us-east-1");
		cJSON_AddBoolToObject(d, "ok", 1);
		cJSON_AddStringToObject(d, "detail", "arn:aws:acm:us-east-1:123:certificate/éé");
		cJSON_AddItemToArray(dep, d);
	}
	certs = cJSON_AddArrayToObject(r, "certs");
	for (i = 0; i < 1000; i++) {
		cJSON *c = cJSON_CreateObject();

		cJSON_AddStringToObject(c, "name", "x.example.com");
		cJSON_AddItemToArray(certs, c);
	}
	for (i = 0; i < 2000; i++)
		buf_append_str(&b, "<&>é");
	cJSON_AddStringToObject(cJSON_AddObjectToObject(r, "error"), "message", b.data);
	m = slack_reply_message(r);
	REQUIRE(m != NULL);
	CHECK(s_valid_blocks(m));
	t = s_all_text(m);
	CHECK(strstr(t, "and 195 more") != NULL);
	CHECK(strstr(t, "more") != NULL);
	free(t);
	cJSON_Delete(m);
	cJSON_Delete(r);
	buf_free(&b);
}

TEST(slack_reply_five_posts_then_refused_without_sending)
{
	cJSON *r = cJSON_Parse("{\"job\":\"J\",\"action\":\"ls\",\"state\":\"done\"}");
	unsigned used = 0;
	struct aaa_err err;
	int i;

	log_configure(LOG_LEVEL_MAX, 0, NULL);
	/* Port 1 on 127.0.0.1 refuses connections: each post is attempted and counted. */
	setenv("AAA_SLACK_RESPONSE_URL_PREFIX", "http://127.0.0.1:1/", 1);
	settings_reload();
	for (i = 0; i < 5; i++) {
		CHECK_INT(slack_notify("http://127.0.0.1:1/commands/x", r, &used, &err), -1);
		CHECK(strstr(err.message, "posting to Slack failed") != NULL);
		CHECK_STR(err.source, "slack");
	}
	CHECK_INT(used, 5);
	CHECK_INT(slack_notify("http://127.0.0.1:1/commands/x", r, &used, &err), -1);
	CHECK(strstr(err.message, "allows 5 posts") != NULL);
	CHECK_INT(used, 5);
	/* Outside the prefix: refused before counting, the URL not echoed. */
	used = 0;
	CHECK_INT(slack_notify_progress("http://127.0.0.2:1/secret-path", "J", "x", &used, &err),
		  -1);
	CHECK_INT(used, 0);
	CHECK(err_is_set(&err) && strstr(err.message, "secret-path") == NULL);
	unsetenv("AAA_SLACK_RESPONSE_URL_PREFIX");
	settings_reload();
	harness_log_restore();
	cJSON_Delete(r);
}
