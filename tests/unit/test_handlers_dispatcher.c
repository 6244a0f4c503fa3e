/*
 * slack_dispatch end to end on fixed events and an injected clock: the
 * signature (Slack's documented example), the window, replays and Slack's
 * retries, the allowlists, commands, names, and what reaches the executor
 * (a recorder stands in for Lambda Invoke).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slack/dispatch.h"
#include "slack/verify.h"
#include "crypto/b64.h"
#include "crypto/hash.h"
#include "json/json.h"
#include "log/log.h"
#include "tests/unit/harness.h"
#include "util/mem.h"

#define EX_SECRET "8f742231b10e8888abcd99yyyzzz85a5"
#define EX_TS	  1531420618LL
#define EX_BODY                                                                                    \
	"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id="     \
	"G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-" \
	"collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%"         \
	"2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121."           \
	"803a0bc887a14d10d2c447fce8b6703c"
#define EX_SIG "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"

#define SECRET "test-signing-secret-0123456789abcdef"
#define NOW    1700000000LL

struct recorder {
	int calls;
	int fail;
	char function[64];
	char *payload;
};

static int s_record(void *ctx, const char *function, const char *payload_json, struct aaa_err *err)
{
	struct recorder *r = ctx;

	r->calls++;
	snprintf(r->function, sizeof(r->function), "%s", function);
	free(r->payload);
	r->payload = str_dup(payload_json);
	if (r->fail) {
		err_set(err, "aws", "TooManyRequestsException",
			"Lambda Invoke aaa-executor: TooManyRequestsException");
		return -1;
	}
	return 0;
}

struct world {
	struct slack_settings s;
	struct slack_deps d;
	struct slack_seen seen;
	struct recorder rec;
};

static void s_world(struct world *w)
{
	memset(w, 0, sizeof(*w));
	w->s.secret = (const unsigned char *)SECRET;
	w->s.secret_len = strlen(SECRET);
	w->s.domains = "*.example.com,example.org";
	w->s.executor = "aaa-executor";
	w->d.now = NOW;
	w->d.invoke = s_record;
	w->d.invoke_ctx = &w->rec;
	w->d.seen = &w->seen;
	log_configure(LOG_LEVEL_MAX, 0, NULL);
}

static void s_world_free(struct world *w)
{
	free(w->rec.payload);
	harness_log_restore();
}

/*
 * An API Gateway event for body: version 2 (lower-case headers, base64
 * body) or 1 (headers as Slack sends them, plain body). sig NULL: signed
 * with SECRET at ts; "" : no signature header. retry: X-Slack-Retry-Num.
 */
static cJSON *s_event(int version, const char *body, long long ts, const char *sig,
		      const char *retry)
{
	cJSON *ev = cJSON_CreateObject(), *h, *rc;
	char tsbuf[32], mine[68];
	char *b64;

	snprintf(tsbuf, sizeof(tsbuf), "%lld", ts);
	if (sig == NULL) {
		slack_signature_compute(SECRET, strlen(SECRET), tsbuf, body, strlen(body), mine);
		sig = mine;
	}
	h = cJSON_AddObjectToObject(ev, "headers");
	cJSON_AddStringToObject(h, version == 2 ? "content-type" : "Content-Type",
				"application/x-www-form-urlencoded");
	cJSON_AddStringToObject(
	    h, version == 2 ? "x-slack-request-timestamp" : "X-Slack-Request-Timestamp", tsbuf);
	if (*sig)
		cJSON_AddStringToObject(h, version == 2 ? "x-slack-signature" : "X-Slack-Signature",
					sig);
	if (retry)
		cJSON_AddStringToObject(h, version == 2 ? "x-slack-retry-num" : "X-Slack-Retry-Num",
					retry);
	if (version == 2) {
		cJSON_AddStringToObject(ev, "version", "2.0");
		cJSON_AddStringToObject(ev, "routeKey", "POST /slack");
		cJSON_AddStringToObject(ev, "rawPath", "/slack");
		rc = cJSON_AddObjectToObject(ev, "requestContext");
		cJSON_AddStringToObject(cJSON_AddObjectToObject(rc, "http"), "method", "POST");
		b64 = b64_encode(body, strlen(body));
		cJSON_AddStringToObject(ev, "body", b64);
		free(b64);
		cJSON_AddTrueToObject(ev, "isBase64Encoded");
	} else {
		cJSON_AddStringToObject(ev, "httpMethod", "POST");
		cJSON_AddStringToObject(ev, "path", "/slack");
		cJSON_AddObjectToObject(ev, "requestContext");
		cJSON_AddStringToObject(ev, "body", body);
		cJSON_AddFalseToObject(ev, "isBase64Encoded");
	}
	return ev;
}

/* A Slack form body with text, from user U1 in channel C1 of team T1. */
static char *s_body(const char *text_encoded, const char *trigger)
{
	return str_printf("token=legacytoken&team_id=T1&team_domain=acme&channel_id=C1&"
			  "channel_name=ops&user_id=U1&user_name=alice&command=%%2Fletsencrypt&"
			  "text=%s&api_app_id=A1&response_url=https%%3A%%2F%%2Fhooks.slack.com%%"
			  "2Fcommands%%2FT1%%2F1%%2Fabc&trigger_id=%s",
			  text_encoded, trigger ? trigger : "111.222.abc");
}

struct answer {
	long long status;
	char *text;	     /* the ephemeral text, or the error */
	char *response_type; /* NULL for errors */
	cJSON *body;
};

static int s_run(struct world *w, cJSON *ev, struct answer *a)
{
	char *resp = NULL;
	cJSON *r;
	int rc;

	memset(a, 0, sizeof(*a));
	rc = slack_dispatch(&w->s, &w->d, ev, &resp);
	cJSON_Delete(ev);
	if (rc != 0 || resp == NULL) {
		free(resp);
		return -1;
	}
	r = cJSON_Parse(resp);
	free(resp);
	if (r == NULL)
		return -1;
	a->status = json_int(r, "statusCode", 0);
	if (json_str(json_obj(r, "headers"), "Content-Type") == NULL ||
	    strcmp(json_str(json_obj(r, "headers"), "Content-Type"), "application/json") != 0) {
		cJSON_Delete(r);
		return -1;
	}
	a->body = json_str(r, "body") ? cJSON_Parse(json_str(r, "body")) : NULL;
	cJSON_Delete(r);
	if (a->body == NULL)
		return -1;
	a->text = str_dup(json_str(a->body, "text") ? json_str(a->body, "text")
						    : json_str(a->body, "error"));
	a->response_type = str_dup(json_str(a->body, "response_type"));
	return 0;
}

static void s_answer_free(struct answer *a)
{
	free(a->text);
	free(a->response_type);
	cJSON_Delete(a->body);
}

static int s_has(const struct answer *a, const char *needle)
{
	return a->text != NULL && strstr(a->text, needle) != NULL;
}

TEST(dispatcher_slack_documented_example_v1_and_v2)
{
	struct world w;
	struct answer a;
	int v;

	for (v = 1; v <= 2; v++) {
		s_world(&w);
		w.s.secret = (const unsigned char *)EX_SECRET;
		w.s.secret_len = strlen(EX_SECRET);
		w.d.now = EX_TS + 10;
		/* The example's text is empty: help, answered directly. */
		REQUIRE(s_run(&w, s_event(v, EX_BODY, EX_TS, EX_SIG, NULL), &a) == 0);
		CHECK_INT(a.status, 200);
		CHECK_STR(a.response_type, "ephemeral");
		CHECK(s_has(&a, "/webhook-collect cert NAME"));
		CHECK_INT(w.rec.calls, 0);
		s_answer_free(&a);
		s_world_free(&w);
	}
}

TEST(dispatcher_bad_signatures_are_401_and_never_invoke)
{
	struct world w;
	struct answer a;
	char *body = s_body("cert+www.example.com", NULL);
	char *changed = str_dup(body);
	char sig[68];

	s_world(&w);
	REQUIRE(body != NULL && changed != NULL);
	/* A changed byte: the signature of the original, the body altered. */
	slack_signature_compute(SECRET, strlen(SECRET), "1700000000", body, strlen(body), sig);
	changed[strlen(changed) - 1] ^= 1;
	REQUIRE(s_run(&w, s_event(2, changed, NOW, sig, NULL), &a) == 0);
	CHECK_INT(a.status, 401);
	s_answer_free(&a);
	/* A stale timestamp (correctly signed), and one from the future. */
	REQUIRE(s_run(&w, s_event(2, body, NOW - 301, NULL, NULL), &a) == 0);
	CHECK_INT(a.status, 401);
	s_answer_free(&a);
	REQUIRE(s_run(&w, s_event(1, body, NOW + 301, NULL, NULL), &a) == 0);
	CHECK_INT(a.status, 401);
	s_answer_free(&a);
	/* No signature header. */
	REQUIRE(s_run(&w, s_event(2, body, NOW, "", NULL), &a) == 0);
	CHECK_INT(a.status, 401);
	s_answer_free(&a);
	/* Signed with another secret. */
	slack_signature_compute("another-secret", 14, "1700000000", body, strlen(body), sig);
	REQUIRE(s_run(&w, s_event(2, body, NOW, sig, NULL), &a) == 0);
	CHECK_INT(a.status, 401);
	CHECK(s_has(&a, "signature"));
	s_answer_free(&a);
	CHECK_INT(w.rec.calls, 0);
	/* Inside the window it is accepted: the refusals above were the window. */
	REQUIRE(s_run(&w, s_event(2, body, NOW - 300, NULL, NULL), &a) == 0);
	CHECK_INT(a.status, 200);
	CHECK_INT(w.rec.calls, 1);
	s_answer_free(&a);
	free(body);
	free(changed);
	s_world_free(&w);
}

TEST(dispatcher_cert_reaches_the_executor_with_its_payload)
{
	struct world w;
	struct answer a;
	char *body =
	    s_body("cert+WWW.example.com+*.example.com+--key-type+ec384+--create-key", NULL);
	cJSON *p, *by;
	const cJSON *names;
	char key[48];

	s_world(&w);
	REQUIRE(s_run(&w, s_event(2, body, NOW, NULL, NULL), &a) == 0);
	CHECK_INT(a.status, 200);
	CHECK_STR(a.response_type, "ephemeral");
	CHECK(s_has(&a, "Working on it: cert for www.example.com, *.example.com"));
	REQUIRE(w.rec.calls == 1);
	CHECK_STR(w.rec.function, "aaa-executor");
	p = cJSON_Parse(w.rec.payload);
	REQUIRE(p != NULL);
	CHECK_STR(json_str(p, "action"), "cert");
	names = json_arr(p, "names");
	CHECK_INT(cJSON_GetArraySize(names), 2);
	CHECK_STR(cJSON_GetArrayItem(names, 0)->valuestring, "www.example.com");
	CHECK_STR(cJSON_GetArrayItem(names, 1)->valuestring, "*.example.com");
	CHECK_INT(json_bool(p, "create_key", 0), 1);
	CHECK_STR(json_str(p, "key_type"), "ec384");
	CHECK_STR(json_str(p, "response_url"), "https://hooks.slack.com/commands/T1/1/abc");
	/* The key: documented derivation, checked independently. */
	{
		unsigned char md[SHA256_LEN];
		char hex[33];
		const char in[] = "slack-trigger\0T1\0"
				  "111.222.abc";

		crypto_sha256(in, sizeof(in) - 1, md);
		hex_encode(md, 16, hex);
		snprintf(key, sizeof(key), "slack-%s", hex);
	}
	CHECK_STR(json_str(p, "idempotency_key"), key);
	/* The acknowledgement names the job the executor will make of the key:
	 * "k" + 32 hex digits of SHA-256 of the key (agent/job.c). */
	{
		char hex[65], want[80];

		crypto_sha256_hex(key, strlen(key), hex);
		hex[32] = '\0';
		snprintf(want, sizeof(want), "(job k%s)", hex);
		CHECK(s_has(&a, want));
	}
	by = cJSON_GetObjectItem(p, "requested_by");
	CHECK_STR(json_str(by, "team"), "T1");
	CHECK_STR(json_str(by, "channel"), "C1");
	CHECK_STR(json_str(by, "user"), "U1");
	CHECK_STR(json_str(by, "user_name"), "alice");
	/* Nothing of the legacy token travels on. */
	CHECK(strstr(w.rec.payload, "legacytoken") == NULL);
	cJSON_Delete(p);
	s_answer_free(&a);
	free(body);
	s_world_free(&w);
}

TEST(dispatcher_other_commands_payloads)
{
	struct {
		const char *text, *action, *name;
	} cases[] = {{"renew+www.example.com", "renew", "www.example.com"},
		     {"status+example.org", "status", "example.org"},
		     {"ls", "ls", NULL},
		     {"revoke+www.example.com+superseded", "revoke", "www.example.com"}};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct world w;
		struct answer a;
		char *body = s_body(cases[i].text, NULL);
		cJSON *p;

		s_world(&w);
		REQUIRE(s_run(&w, s_event(1, body, NOW, NULL, NULL), &a) == 0);
		CHECK_INT(a.status, 200);
		CHECK_INT(w.rec.calls, 1);
		p = w.rec.payload ? cJSON_Parse(w.rec.payload) : NULL;
		CHECK(p != NULL);
		CHECK_STR(json_str(p, "action"), cases[i].action);
		if (cases[i].name)
			CHECK_STR(json_str(p, "name"), cases[i].name);
		if (i == 3)
			CHECK_STR(json_str(p, "reason"), "superseded");
		cJSON_Delete(p);
		s_answer_free(&a);
		free(body);
		s_world_free(&w);
	}
}

TEST(dispatcher_retry_is_not_invoked_twice_replay_is_refused)
{
	struct world w;
	struct answer a;
	char *body = s_body("renew+www.example.com", NULL);
	char *other = s_body("renew+www.example.com", "333.444.def");

	s_world(&w);
	REQUIRE(s_run(&w, s_event(2, body, NOW, NULL, NULL), &a) == 0);
	CHECK_INT(a.status, 200);
	CHECK_INT(w.rec.calls, 1);
	s_answer_free(&a);
	/* Slack's retry: new timestamp, same body, X-Slack-Retry-Num. */
	REQUIRE(s_run(&w, s_event(2, body, NOW + 3, NULL, "1"), &a) == 0);
	CHECK_INT(a.status, 200);
	CHECK(s_has(&a, "Still working on it"));
	CHECK_INT(w.rec.calls, 1);
	s_answer_free(&a);
	/* The same request again without the retry header: a replay. */
	REQUIRE(s_run(&w, s_event(2, body, NOW + 5, NULL, NULL), &a) == 0);
	CHECK_INT(a.status, 401);
	CHECK_INT(w.rec.calls, 1);
	s_answer_free(&a);
	/* Another command (another trigger_id) is new work. */
	REQUIRE(s_run(&w, s_event(2, other, NOW + 6, NULL, NULL), &a) == 0);
	CHECK_INT(a.status, 200);
	CHECK_INT(w.rec.calls, 2);
	s_answer_free(&a);
	/* A cold sandbox has no memory: it invokes, with the same key. */
	{
		char *first = NULL;
		cJSON *p = cJSON_Parse(w.rec.payload);

		w.d.seen = NULL;
		REQUIRE(s_run(&w, s_event(2, other, NOW + 7, NULL, "1"), &a) == 0);
		CHECK_INT(w.rec.calls, 3);
		first = str_dup(json_str(p, "idempotency_key"));
		cJSON_Delete(p);
		p = cJSON_Parse(w.rec.payload);
		CHECK_STR(json_str(p, "idempotency_key"), first);
		free(first);
		cJSON_Delete(p);
		s_answer_free(&a);
	}
	free(body);
	free(other);
	s_world_free(&w);
}

TEST(dispatcher_failed_invoke_is_reported_and_may_be_retried)
{
	struct world w;
	struct answer a;
	char *body = s_body("renew+www.example.com", NULL);

	s_world(&w);
	w.rec.fail = 1;
	REQUIRE(s_run(&w, s_event(2, body, NOW, NULL, NULL), &a) == 0);
	CHECK_INT(a.status, 200);
	CHECK(s_has(&a, "could not be started"));
	/* The AWS detail is for the log, not for the channel. */
	CHECK(!s_has(&a, "TooManyRequests"));
	s_answer_free(&a);
	w.rec.fail = 0;
	REQUIRE(s_run(&w, s_event(2, body, NOW + 3, NULL, "1"), &a) == 0);
	CHECK(s_has(&a, "Working on it"));
	CHECK_INT(w.rec.calls, 2);
	s_answer_free(&a);
	free(body);
	s_world_free(&w);
}

TEST(dispatcher_allowlists_name_the_rule)
{
	struct {
		const char *teams, *channels, *users, *rule;
	} cases[] = {{"T9,T8", NULL, NULL, "AAA_SLACK_TEAMS"},
		     {NULL, "C9", NULL, "AAA_SLACK_CHANNELS"},
		     {"T1", "C1,C2", "U7", "AAA_SLACK_USERS"}};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct world w;
		struct answer a;
		char *body = s_body("ls", NULL);

		s_world(&w);
		w.s.teams = cases[i].teams;
		w.s.channels = cases[i].channels;
		w.s.users = cases[i].users;
		REQUIRE(s_run(&w, s_event(2, body, NOW, NULL, NULL), &a) == 0);
		CHECK_INT(a.status, 200);
		CHECK_STR(a.response_type, "ephemeral");
		CHECK(s_has(&a, cases[i].rule));
		CHECK_INT(w.rec.calls, 0);
		s_answer_free(&a);
		free(body);
		s_world_free(&w);
	}
	{
		struct world w;
		struct answer a;
		char *body = s_body("ls", NULL);

		s_world(&w);
		w.s.teams = "T1";
		w.s.channels = " C0 , C1 ";
		w.s.users = "U1";
		REQUIRE(s_run(&w, s_event(2, body, NOW, NULL, NULL), &a) == 0);
		CHECK(s_has(&a, "Working on it: ls"));
		CHECK_INT(w.rec.calls, 1);
		s_answer_free(&a);
		free(body);
		s_world_free(&w);
	}
}

TEST(dispatcher_domains_refused_name_the_rule)
{
	struct world w;
	struct answer a;
	char *body = s_body("cert+www.example.com+www.evil.net", NULL);
	char *revoke = s_body("revoke+bank.example.net", NULL);

	s_world(&w);
	REQUIRE(s_run(&w, s_event(2, body, NOW, NULL, NULL), &a) == 0);
	CHECK_INT(a.status, 200);
	CHECK(s_has(&a, "www.evil.net"));
	CHECK(s_has(&a, "AAA_ALLOWED_DOMAINS"));
	CHECK(s_has(&a, "*.example.com,example.org"));
	s_answer_free(&a);
	REQUIRE(s_run(&w, s_event(2, revoke, NOW, NULL, NULL), &a) == 0);
	CHECK(s_has(&a, "bank.example.net"));
	s_answer_free(&a);
	/* Unset: no domain at all. */
	w.s.domains = NULL;
	REQUIRE(s_run(&w, s_event(2, body, NOW, NULL, NULL), &a) == 0);
	CHECK(s_has(&a, "until the administrator sets AAA_ALLOWED_DOMAINS"));
	s_answer_free(&a);
	CHECK_INT(w.rec.calls, 0);
	free(body);
	free(revoke);
	s_world_free(&w);
}

TEST(dispatcher_hostile_texts_are_refused_cleanly)
{
	const char *texts[] = {
	    "cert+%22www.example.com%22",	       /* quotes */
	    "cert+www.example.com%3Brm+-rf+%2F",       /* shell */
	    "cert+%24%28id%29.example.com",	       /* $(id) */
	    "cert+%C3%A9t%C3%A9.example.com",	       /* unicode */
	    "cert+www.example.com%0Aevil.example.com", /* newline: two names, fine */
	    "cert+%3C%21channel%3E",		       /* <!channel> */
	    "frobnicate+%3C%21here%3E",
	};
	size_t i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct world w;
		struct answer a;
		char *body = s_body(texts[i], NULL);

		s_world(&w);
		REQUIRE(s_run(&w, s_event(2, body, NOW, NULL, NULL), &a) == 0);
		CHECK_INT(a.status, 200);
		if (i == 4) {
			/* Newline is white space: two valid names, both allowed. */
			CHECK_INT(w.rec.calls, 1);
		} else {
			if (w.rec.calls != 0)
				harness_fail(__FILE__, __LINE__, "text %zu invoked: %s", i,
					     w.rec.payload);
			/* Echoed input can never form a mention or a link. */
			CHECK(a.text != NULL && strchr(a.text, '<') == NULL);
		}
		s_answer_free(&a);
		free(body);
		s_world_free(&w);
	}
}

TEST(dispatcher_long_texts_and_many_names)
{
	struct world w;
	struct answer a;
	char *text = malloc(20000), *body;
	size_t i, o;

	REQUIRE(text != NULL);
	s_world(&w);
	o = (size_t)sprintf(text, "cert");
	for (i = 0; o < 10000; i++)
		o += (size_t)sprintf(text + o, "+n%zu.example.com", i);
	body = s_body(text, NULL);
	REQUIRE(s_run(&w, s_event(2, body, NOW, NULL, NULL), &a) == 0);
	CHECK_INT(a.status, 200);
	CHECK(s_has(&a, "limit is 4000"));
	s_answer_free(&a);
	free(body);
	o = (size_t)sprintf(text, "cert");
	for (i = 0; i < 200; i++)
		o += (size_t)sprintf(text + o, "+n%zu.example.com", i);
	body = s_body(text, NULL);
	REQUIRE(s_run(&w, s_event(2, body, NOW, NULL, NULL), &a) == 0);
	CHECK(s_has(&a, "too many names"));
	s_answer_free(&a);
	free(body);
	CHECK_INT(w.rec.calls, 0);
	free(text);
	s_world_free(&w);
}

TEST(dispatcher_header_case_method_and_malformed_events)
{
	struct world w;
	struct answer a;
	char *body = s_body("ls", NULL);
	cJSON *ev, *h;
	char sig[68];

	s_world(&w);
	/* REST API: headers in whatever case the client used. */
	ev = s_event(1, body, NOW, NULL, NULL);
	h = cJSON_GetObjectItem(ev, "headers");
	slack_signature_compute(SECRET, strlen(SECRET), "1700000000", body, strlen(body), sig);
	cJSON_DeleteItemFromObject(h, "X-Slack-Signature");
	cJSON_AddStringToObject(h, "x-SLACK-signature", sig);
	REQUIRE(s_run(&w, ev, &a) == 0);
	CHECK_INT(a.status, 200);
	CHECK_INT(w.rec.calls, 1);
	s_answer_free(&a);
	/* Two spellings that disagree: refused. */
	ev = s_event(1, body, NOW + 1, NULL, NULL);
	cJSON_AddStringToObject(cJSON_GetObjectItem(ev, "headers"), "x-slack-signature", "v0=00");
	REQUIRE(s_run(&w, ev, &a) == 0);
	CHECK_INT(a.status, 401);
	s_answer_free(&a);
	/* GET: 405. */
	ev = s_event(1, body, NOW, NULL, NULL);
	cJSON_ReplaceItemInObject(ev, "httpMethod", cJSON_CreateString("GET"));
	REQUIRE(s_run(&w, ev, &a) == 0);
	CHECK_INT(a.status, 405);
	s_answer_free(&a);
	/* Not base64: 400. */
	ev = s_event(2, body, NOW, NULL, NULL);
	cJSON_ReplaceItemInObject(ev, "body", cJSON_CreateString("%%%"));
	REQUIRE(s_run(&w, ev, &a) == 0);
	CHECK_INT(a.status, 400);
	s_answer_free(&a);
	CHECK_INT(w.rec.calls, 1);
	free(body);
	s_world_free(&w);
}

TEST(dispatcher_repeated_fields_and_bad_response_url)
{
	struct world w;
	struct answer a;
	char *body = s_body("ls", NULL);
	char *twice = str_printf("%s&user_id=U2", body);
	char *evil = str_printf("%s", body);
	char *p;

	s_world(&w);
	REQUIRE(s_run(&w, s_event(2, twice, NOW, NULL, NULL), &a) == 0);
	CHECK_INT(a.status, 400);
	CHECK(s_has(&a, "repeated"));
	s_answer_free(&a);
	/* A response_url elsewhere than Slack is never handed on. */
	p = strstr(evil, "hooks.slack.com");
	REQUIRE(p != NULL);
	memcpy(p, "hooks.slack.co", 14);
	p[14] = 'x';
	REQUIRE(s_run(&w, s_event(2, evil, NOW, NULL, NULL), &a) == 0);
	CHECK_INT(a.status, 200);
	CHECK(s_has(&a, "no usable response_url"));
	s_answer_free(&a);
	CHECK_INT(w.rec.calls, 0);
	/* The prefix a test sets is honoured. */
	w.s.response_url_prefix = "https://hooks.slack.cox";
	REQUIRE(s_run(&w, s_event(2, evil, NOW, NULL, NULL), &a) == 0);
	CHECK(s_has(&a, "Working on it"));
	s_answer_free(&a);
	free(body);
	free(twice);
	free(evil);
	s_world_free(&w);
}

TEST(dispatcher_legacy_token_only_when_configured)
{
	struct world w;
	struct answer a;
	char *body = s_body("ls", NULL);

	s_world(&w);
	/* Token only (no signing secret): the token decides. */
	w.s.secret = NULL;
	w.s.secret_len = 0;
	w.s.token = "legacytoken";
	REQUIRE(s_run(&w, s_event(2, body, NOW, "", NULL), &a) == 0);
	CHECK_INT(a.status, 200);
	s_answer_free(&a);
	w.s.token = "legacytokem";
	REQUIRE(s_run(&w, s_event(2, body, NOW + 1, "", NULL), &a) == 0);
	CHECK_INT(a.status, 401);
	s_answer_free(&a);
	/* Both: both must hold. */
	w.s.secret = (const unsigned char *)SECRET;
	w.s.secret_len = strlen(SECRET);
	REQUIRE(s_run(&w, s_event(2, body, NOW + 2, NULL, NULL), &a) == 0);
	CHECK_INT(a.status, 401);
	s_answer_free(&a);
	/* Neither configured: nothing is accepted. */
	w.s.secret = NULL;
	w.s.token = NULL;
	REQUIRE(s_run(&w, s_event(2, body, NOW + 3, NULL, NULL), &a) == 0);
	CHECK_INT(a.status, 401);
	s_answer_free(&a);
	CHECK_INT(w.rec.calls, 1);
	free(body);
	s_world_free(&w);
}

TEST(dispatcher_idempotency_key_stability)
{
	char k1[48], k2[48], k3[48], k4[48], k5[48];

	REQUIRE(slack_idempotency_key("T1", "111.222.abc", "a", 1, k1) == 0);
	REQUIRE(slack_idempotency_key("T1", "111.222.abc", "b", 1, k2) == 0);
	REQUIRE(slack_idempotency_key("T2", "111.222.abc", "a", 1, k3) == 0);
	REQUIRE(slack_idempotency_key("T1", NULL, "body", 4, k4) == 0);
	REQUIRE(slack_idempotency_key("T1", "", "body", 4, k5) == 0);
	CHECK_STR(k1, k2); /* the body does not matter when there is a trigger id */
	CHECK(strcmp(k1, k3) != 0);
	CHECK_STR(k4, k5);
	CHECK_INT(strlen(k1), 38);
	CHECK(strncmp(k1, "slack-", 6) == 0);
	/* Without trigger_id: SHA-256 of the body, first 16 bytes. */
	CHECK_STR(k4, "slack-230d8358dc8e8890b4c58deeb62912ee");
}
