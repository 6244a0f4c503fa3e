/*
 * The credentials chain with a fake environment, temporary HOME
 * directories, a fake HTTP transport (container, IMDS) and a fake STS
 * AssumeRole: provider order, every provider's configuration errors, the
 * cache and its refresh margin, and that no secret reaches a log line.
 */
#define _GNU_SOURCE
#include "harness.h"
#include <errno.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "aws/credentials.h"
#include "aws/credentials_profile.h"
#include "aws/env.h"
#include "log/log.h"
#include "util/mem.h"

/* What the call under test says failed (its struct aaa_err). */
static struct aaa_err s_err;

#define T0 1700000000 /* 2023-11-14T22:13:20Z */
#define CREDS_JSON(exp)                                                                            \
	"{\"AccessKeyId\":\"ASIAREMOTE\",\"SecretAccessKey\":\"remote-secret\","                   \
	"\"Token\":\"remote-token\",\"Expiration\":\"" exp "\"}"

/* --- a fake transport --- */

struct route {
	const char *method;
	const char *url;
	long status; /* 0: transport failure */
	const char *body;
};

struct fake_net {
	const struct route *routes;
	size_t nroutes;
	int calls;
	char seen[8][512]; /* "METHOD url|header|header" */
};

static int fake_fetch(void *ctx, const struct aws_fetch_request *req,
		      struct aws_fetch_response *resp)
{
	struct fake_net *net = ctx;
	size_t i;

	if (net->calls < 8) {
		char *s = net->seen[net->calls];
		const char *const *h;

		snprintf(s, 512, "%s %s", req->method, req->url);
		for (h = req->headers; h && *h; h++)
			snprintf(s + strlen(s), 512 - strlen(s), "|%s", *h);
	}
	net->calls++;
	for (i = 0; i < net->nroutes; i++) {
		if (strcmp(net->routes[i].method, req->method) != 0 ||
		    strcmp(net->routes[i].url, req->url) != 0)
			continue;
		if (net->routes[i].status == 0)
			return -1;
		resp->status = net->routes[i].status;
		resp->body = strdup(net->routes[i].body ? net->routes[i].body : "");
		resp->body_len = strlen(resp->body);
		return 0;
	}
	return -1; /* nothing listens there */
}

/* --- a fake STS --- */

struct fake_sts {
	int calls;
	int fail;
	char source_akid[64];
	char role_arn[128], session[80], external_id[64], region[32];
	int duration;
};

static int fake_assume_role(void *ctx, const struct aws_credentials *src,
			    const struct aws_assume_role_request *req, struct aws_credentials **out,
			    struct aaa_err *err)
{
	struct fake_sts *sts = ctx;
	char akid[64];

	sts->calls++;
	snprintf(sts->source_akid, sizeof(sts->source_akid), "%s", src->access_key_id);
	snprintf(sts->role_arn, sizeof(sts->role_arn), "%s", req->role_arn);
	snprintf(sts->session, sizeof(sts->session), "%s", req->session_name);
	snprintf(sts->external_id, sizeof(sts->external_id), "%s",
		 req->external_id ? req->external_id : "");
	snprintf(sts->region, sizeof(sts->region), "%s", req->region ? req->region : "");
	sts->duration = req->duration_seconds;
	if (sts->fail)
		return err_set(err, "aws", "", "STS refused");
	/* the assumed credentials name the role, so chains can be followed */
	snprintf(akid, sizeof(akid), "ASIA-%s", strrchr(req->role_arn, '/') + 1);
	*out = aws_credentials_new(akid, "assumed-secret", "assumed-token", T0 + 3600, "sts");
	return *out ? 0 : -1;
}

/* --- helpers --- */

/* An environment "NAME=value" list with HOME=dir first. */
struct env_buf {
	char home[1100];
	const char *vars[16];
	struct aws_env env;
};

static const struct aws_env *make_env(struct env_buf *b, const char *home, const char *const *vars)
{
	size_t n = 0;

	memset(b, 0, sizeof(*b));
	if (home) {
		snprintf(b->home, sizeof(b->home), "HOME=%s", home);
		b->vars[n++] = b->home;
	}
	for (; vars && *vars && n < 15; vars++)
		b->vars[n++] = *vars;
	b->env.get = aws_env_list_get;
	b->env.ctx = b->vars;
	return &b->env;
}

static void deps_init(struct aws_credentials_deps *d, const struct aws_env *env,
		      struct fake_net *net, struct fake_sts *sts)
{
	memset(d, 0, sizeof(*d));
	d->env = env;
	if (net) {
		d->fetch = fake_fetch;
		d->fetch_ctx = net;
	}
	if (sts) {
		d->assume_role = fake_assume_role;
		d->assume_role_ctx = sts;
	}
}

/* --- environment --- */

TEST(aws_creds_env)
{
	const char *full[] = {"AWS_ACCESS_KEY_ID=AKIDENV", "AWS_SECRET_ACCESS_KEY=envsecret",
			      "AWS_SESSION_TOKEN=envtoken", NULL};
	const char *legacy[] = {"AWS_ACCESS_KEY_ID=AKIDENV", "AWS_SECRET_ACCESS_KEY=envsecret",
				"AWS_SECURITY_TOKEN=oldtoken", NULL};
	const char *half[] = {"AWS_ACCESS_KEY_ID=AKIDENV", NULL};
	const char *empty[] = {"AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", NULL};
	struct env_buf eb;
	struct aws_credentials *c = NULL;

	CHECK_INT(aws_credentials_from_env(make_env(&eb, NULL, full), &c, &s_err), 0);
	REQUIRE(c != NULL);
	CHECK_STR(c->access_key_id, "AKIDENV");
	CHECK_STR(c->secret_access_key, "envsecret");
	CHECK_STR(c->session_token, "envtoken");
	CHECK_INT(c->expiration, 0);
	CHECK_STR(c->source, "environment");
	aws_credentials_free(c);

	CHECK_INT(aws_credentials_from_env(make_env(&eb, NULL, legacy), &c, &s_err), 0);
	REQUIRE(c != NULL);
	CHECK_STR(c->session_token, "oldtoken");
	aws_credentials_free(c);

	CHECK_INT(aws_credentials_from_env(make_env(&eb, NULL, half), &c, &s_err), -1);
	CHECK(c == NULL);
	CHECK(strstr(s_err.message, "AWS_SECRET_ACCESS_KEY") != NULL);
	CHECK_INT(aws_credentials_from_env(make_env(&eb, NULL, empty), &c, &s_err), 0);
	CHECK(c == NULL);
}

/* --- shared files --- */

TEST(aws_creds_profile_files)
{
	const char *dir = test_tmpdir();
	const char *dev[] = {"AWS_PROFILE=dev", NULL};
	const char *cfgonly[] = {"AWS_PROFILE=cfgonly", NULL};
	const char *missing[] = {"AWS_PROFILE=nosuch", NULL};
	const char *regiononly[] = {"AWS_PROFILE=regiononly", NULL};
	const char *half[] = {"AWS_PROFILE=half", NULL};
	struct aws_credentials_deps d;
	struct aws_credentials *c = NULL;
	struct env_buf eb;

	write_test_file(dir, ".aws/credentials",
			"[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = s1\n"
			"[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = s2\n"
			"aws_session_token = t2\n"
			"[half]\naws_access_key_id = AKIDHALF\n");
	write_test_file(
	    dir, ".aws/config",
	    "[default]\nregion = eu-west-1\n"
	    "[profile dev]\naws_access_key_id = AKIDSHADOWED\n"
	    "[profile cfgonly]\naws_access_key_id = AKIDCFG\naws_secret_access_key = s3\n"
	    "[cfgonly]\naws_access_key_id = AKIDWRONGSECTION\n"
	    "[profile regiononly]\nregion = us-west-2\n");

	deps_init(&d, make_env(&eb, dir, NULL), NULL, NULL);
	CHECK_INT(aws_credentials_from_profile(&d, T0, &c, &s_err), 0);
	REQUIRE(c != NULL);
	CHECK_STR(c->access_key_id, "AKIDDEFAULT");
	CHECK(c->session_token == NULL);
	CHECK(strstr(c->source, "profile default") != NULL);
	CHECK(strstr(c->source, "/.aws/credentials") != NULL);
	aws_credentials_free(c);

	/* credentials file wins over config for the same profile */
	deps_init(&d, make_env(&eb, dir, dev), NULL, NULL);
	CHECK_INT(aws_credentials_from_profile(&d, T0, &c, &s_err), 0);
	REQUIRE(c != NULL);
	CHECK_STR(c->access_key_id, "AKIDDEV");
	CHECK_STR(c->session_token, "t2");
	aws_credentials_free(c);

	/* "[profile x]" in config, never "[x]" */
	deps_init(&d, make_env(&eb, dir, cfgonly), NULL, NULL);
	CHECK_INT(aws_credentials_from_profile(&d, T0, &c, &s_err), 0);
	REQUIRE(c != NULL);
	CHECK_STR(c->access_key_id, "AKIDCFG");
	CHECK(strstr(c->source, "/.aws/config") != NULL);
	aws_credentials_free(c);

	/* a selected profile that does not exist is an error */
	deps_init(&d, make_env(&eb, dir, missing), NULL, NULL);
	CHECK_INT(aws_credentials_from_profile(&d, T0, &c, &s_err), -1);
	CHECK(strstr(s_err.message, "AWS profile nosuch not found") != NULL);
	/* a profile without keys is "not configured" */
	deps_init(&d, make_env(&eb, dir, regiononly), NULL, NULL);
	CHECK_INT(aws_credentials_from_profile(&d, T0, &c, &s_err), 0);
	CHECK(c == NULL);
	/* half a key pair is an error */
	deps_init(&d, make_env(&eb, dir, half), NULL, NULL);
	CHECK_INT(aws_credentials_from_profile(&d, T0, &c, &s_err), -1);
	/* no files, no default profile: not configured */
	deps_init(&d, make_env(&eb, test_tmpdir(), NULL), NULL, NULL);
	CHECK_INT(aws_credentials_from_profile(&d, T0, &c, &s_err), 0);
	CHECK(c == NULL);
	/* no HOME at all */
	deps_init(&d, make_env(&eb, NULL, NULL), NULL, NULL);
	CHECK_INT(aws_credentials_from_profile(&d, T0, &c, &s_err), 0);
	CHECK(c == NULL);
}

TEST(aws_creds_profile_file_variables)
{
	const char *dir = test_tmpdir();
	char credvar[1200], cfgvar[1200];
	const char *vars[] = {credvar, cfgvar, "AWS_PROFILE=p", NULL};
	const char *tilde[] = {"AWS_SHARED_CREDENTIALS_FILE=~/elsewhere/creds", NULL};
	struct aws_credentials_deps d;
	struct aws_credentials *c = NULL;
	struct env_buf eb;
	char sub[1100];

	write_test_file(dir, "my-creds",
			"[p]\naws_access_key_id = AKIDVAR\n"
			"aws_secret_access_key = s\n");
	write_test_file(dir, "my-config", "[profile p]\nregion = ca-central-1\n");
	snprintf(credvar, sizeof(credvar), "AWS_SHARED_CREDENTIALS_FILE=%s/my-creds", dir);
	snprintf(cfgvar, sizeof(cfgvar), "AWS_CONFIG_FILE=%s/my-config", dir);
	deps_init(&d, make_env(&eb, "/nonexistent", vars), NULL, NULL);
	CHECK_INT(aws_credentials_from_profile(&d, T0, &c, &s_err), 0);
	REQUIRE(c != NULL);
	CHECK_STR(c->access_key_id, "AKIDVAR");
	aws_credentials_free(c);

	snprintf(sub, sizeof(sub), "%s/elsewhere", dir);
	mkdir(sub, 0700);
	write_test_file(dir, "elsewhere/creds",
			"[default]\naws_access_key_id = AKIDTILDE\n"
			"aws_secret_access_key = s\n");
	deps_init(&d, make_env(&eb, dir, tilde), NULL, NULL);
	CHECK_INT(aws_credentials_from_profile(&d, T0, &c, &s_err), 0);
	REQUIRE(c != NULL);
	CHECK_STR(c->access_key_id, "AKIDTILDE");
	aws_credentials_free(c);

	/* a malformed file stops the chain, naming file and line */
	write_test_file(dir, "my-config", "[profile p]\nregion\n");
	deps_init(&d, make_env(&eb, "/nonexistent", vars), NULL, NULL);
	CHECK_INT(aws_credentials_from_profile(&d, T0, &c, &s_err), -1);
	CHECK(strstr(s_err.message, "my-config line 2") != NULL);
}

TEST(aws_creds_profile_assume_role)
{
	const char *dir = test_tmpdir();
	const char *app[] = {"AWS_PROFILE=app", NULL};
	const char *chain[] = {"AWS_PROFILE=outer", NULL};
	const char *loop[] = {"AWS_PROFILE=loop1", NULL};
	const char *self[] = {"AWS_PROFILE=self", NULL};
	const char *envsrc[] = {"AWS_PROFILE=fromenv", "AWS_ACCESS_KEY_ID=AKIDENV",
				"AWS_SECRET_ACCESS_KEY=es", NULL};
	const char *mfa[] = {"AWS_PROFILE=mfa", NULL};
	const char *both[] = {"AWS_PROFILE=both", NULL};
	const char *badname[] = {"AWS_PROFILE=badname", NULL};
	struct aws_credentials_deps d;
	struct aws_credentials *c = NULL;
	struct fake_sts sts;
	struct env_buf eb;

	write_test_file(dir, ".aws/credentials",
			"[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = bs\n");
	write_test_file(
	    dir, ".aws/config",
	    "[profile app]\nrole_arn = arn:aws:iam::123456789012:role/app\n"
	    "source_profile = base\nexternal_id = ext-42\nrole_session_name = aaa-test\n"
	    "region = eu-north-1\nduration_seconds = 1800\n"
	    "[profile outer]\nrole_arn = arn:aws:iam::123456789012:role/outer\n"
	    "source_profile = app\n"
	    "[profile loop1]\nrole_arn = arn:aws:iam::1:role/l1\nsource_profile = loop2\n"
	    "[profile loop2]\nrole_arn = arn:aws:iam::1:role/l2\nsource_profile = loop1\n"
	    "[profile self]\nrole_arn = arn:aws:iam::1:role/self\nsource_profile = self\n"
	    "aws_access_key_id = AKIDSELF\naws_secret_access_key = ss\n"
	    "[profile fromenv]\nrole_arn = arn:aws:iam::1:role/fe\n"
	    "credential_source = Environment\n"
	    "[profile mfa]\nrole_arn = arn:aws:iam::1:role/m\nsource_profile = base\n"
	    "mfa_serial = arn:aws:iam::1:mfa/u\n"
	    "[profile both]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = base\n"
	    "credential_source = Environment\n"
	    "[profile badname]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = base\n"
	    "role_session_name = has space\n");

	memset(&sts, 0, sizeof(sts));
	deps_init(&d, make_env(&eb, dir, app), NULL, &sts);
	CHECK_INT(aws_credentials_from_profile(&d, T0, &c, &s_err), 0);
	REQUIRE(c != NULL);
	CHECK_STR(c->access_key_id, "ASIA-app");
	CHECK_STR(c->session_token, "assumed-token");
	CHECK_INT(c->expiration, T0 + 3600);
	CHECK_STR(c->source, "role arn:aws:iam::123456789012:role/app (profile app)");
	CHECK_INT(sts.calls, 1);
	CHECK_STR(sts.source_akid, "AKIDBASE");
	CHECK_STR(sts.role_arn, "arn:aws:iam::123456789012:role/app");
	CHECK_STR(sts.external_id, "ext-42");
	CHECK_STR(sts.session, "aaa-test");
	CHECK_STR(sts.region, "eu-north-1");
	CHECK_INT(sts.duration, 1800);
	aws_credentials_free(c);

	/* outer -> app -> base: two AssumeRole calls, the second signed with the first's result */
	memset(&sts, 0, sizeof(sts));
	deps_init(&d, make_env(&eb, dir, chain), NULL, &sts);
	CHECK_INT(aws_credentials_from_profile(&d, T0, &c, &s_err), 0);
	REQUIRE(c != NULL);
	CHECK_STR(c->access_key_id, "ASIA-outer");
	CHECK_INT(sts.calls, 2);
	CHECK_STR(sts.source_akid, "ASIA-app");
	CHECK_STR(sts.session, "aaa-1700000000"); /* default session name */
	CHECK_STR(sts.external_id, "");
	CHECK_INT(sts.duration, 0);
	aws_credentials_free(c);

	memset(&sts, 0, sizeof(sts));
	deps_init(&d, make_env(&eb, dir, loop), NULL, &sts);
	CHECK_INT(aws_credentials_from_profile(&d, T0, &c, &s_err), -1);
	CHECK(strstr(s_err.message, "a loop?") != NULL);
	CHECK_INT(sts.calls, 0);

	/* a profile naming itself as source uses its own static keys */
	memset(&sts, 0, sizeof(sts));
	deps_init(&d, make_env(&eb, dir, self), NULL, &sts);
	CHECK_INT(aws_credentials_from_profile(&d, T0, &c, &s_err), 0);
	CHECK_STR(sts.source_akid, "AKIDSELF");
	aws_credentials_free(c);

	memset(&sts, 0, sizeof(sts));
	deps_init(&d, make_env(&eb, dir, envsrc), NULL, &sts);
	CHECK_INT(aws_credentials_from_profile(&d, T0, &c, &s_err), 0);
	CHECK_STR(sts.source_akid, "AKIDENV");
	aws_credentials_free(c);

	deps_init(&d, make_env(&eb, dir, mfa), NULL, &sts);
	CHECK_INT(aws_credentials_from_profile(&d, T0, &c, &s_err), -1);
	CHECK(strstr(s_err.message, "mfa_serial") != NULL);
	deps_init(&d, make_env(&eb, dir, both), NULL, &sts);
	CHECK_INT(aws_credentials_from_profile(&d, T0, &c, &s_err), -1);
	deps_init(&d, make_env(&eb, dir, badname), NULL, &sts);
	CHECK_INT(aws_credentials_from_profile(&d, T0, &c, &s_err), -1);
	/* no STS wired: a clear error, not a silent fall-through */
	deps_init(&d, make_env(&eb, dir, app), NULL, NULL);
	CHECK_INT(aws_credentials_from_profile(&d, T0, &c, &s_err), -1);
	CHECK(strstr(s_err.message, "AssumeRole") != NULL);
	/* STS refuses */
	memset(&sts, 0, sizeof(sts));
	sts.fail = 1;
	deps_init(&d, make_env(&eb, dir, app), NULL, &sts);
	CHECK_INT(aws_credentials_from_profile(&d, T0, &c, &s_err), -1);
	CHECK(strstr(s_err.message, "AssumeRole arn:aws:iam::123456789012:role/app failed") !=
	      NULL);
	CHECK(c == NULL);
}

/* --- container --- */

TEST(aws_creds_container)
{
	const char *dir = test_tmpdir();
	static const struct route routes[] = {
	    {"GET", "http://169.254.170.2/v2/credentials/abc", 200,
	     CREDS_JSON("2023-11-15T00:00:00Z")},
	    {"GET", "http://127.0.0.1:8080/creds", 200, CREDS_JSON("2023-11-15T00:00:00Z")},
	    {"GET", "https://creds.example.com/x", 200, CREDS_JSON("2023-11-15T00:00:00Z")},
	    {"GET", "http://127.0.0.1:8080/denied", 403, "{}"},
	    {"GET", "http://127.0.0.1:8080/noexp", 200,
	     "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\",\"Token\":\"T\"}"},
	    {"GET", "http://127.0.0.1:8080/garbage", 200, "<html>"},
	};
	const char *rel[] = {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/v2/credentials/abc", NULL};
	char filevar[1200];
	const char *full_tok[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:8080/creds",
				  "AWS_CONTAINER_AUTHORIZATION_TOKEN=tok-env", filevar, NULL};
	const char *https[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI=https://creds.example.com/x",
			       "AWS_CONTAINER_AUTHORIZATION_TOKEN=tok-env", NULL};
	const char *bad_host[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://evil.example.com/x",
				  NULL};
	const char *bad_host2[] = {
	    "AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1.evil.example.com/x", NULL};
	const char *denied[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:8080/denied",
				NULL};
	const char *noexp[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:8080/noexp",
			       NULL};
	const char *garbage[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:8080/garbage",
				 NULL};
	const char *down[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:9/x", NULL};
	const char *badtok[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:8080/creds",
				"AWS_CONTAINER_AUTHORIZATION_TOKEN=a\r\nX-Evil: 1", NULL};
	struct fake_net net = {routes, sizeof(routes) / sizeof(routes[0]), 0, {{0}}};
	struct aws_credentials_deps d;
	struct aws_credentials *c = NULL;
	struct env_buf eb;

	deps_init(&d, make_env(&eb, NULL, rel), &net, NULL);
	CHECK_INT(aws_credentials_from_container(&d, &c, &s_err), 0);
	REQUIRE(c != NULL);
	CHECK_STR(c->access_key_id, "ASIAREMOTE");
	CHECK_STR(c->secret_access_key, "remote-secret");
	CHECK_STR(c->session_token, "remote-token");
	CHECK_INT(c->expiration, 1700006400);
	CHECK_STR(c->source, "container credentials");
	CHECK_STR(net.seen[0], "GET http://169.254.170.2/v2/credentials/abc");
	aws_credentials_free(c);

	/* the token file wins over the variable, its newline trimmed */
	write_test_file(dir, "token", "tok-file\n");
	snprintf(filevar, sizeof(filevar), "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=%s/token", dir);
	net.calls = 0;
	deps_init(&d, make_env(&eb, NULL, full_tok), &net, NULL);
	CHECK_INT(aws_credentials_from_container(&d, &c, &s_err), 0);
	CHECK_STR(net.seen[0], "GET http://127.0.0.1:8080/creds|Authorization: tok-file");
	aws_credentials_free(c);
	net.calls = 0;
	deps_init(&d, make_env(&eb, NULL, https), &net, NULL);
	CHECK_INT(aws_credentials_from_container(&d, &c, &s_err), 0);
	CHECK_STR(net.seen[0], "GET https://creds.example.com/x|Authorization: tok-env");
	aws_credentials_free(c);

	/* refused before any request */
	net.calls = 0;
	deps_init(&d, make_env(&eb, NULL, bad_host), &net, NULL);
	CHECK_INT(aws_credentials_from_container(&d, &c, &s_err), -1);
	deps_init(&d, make_env(&eb, NULL, bad_host2), &net, NULL);
	CHECK_INT(aws_credentials_from_container(&d, &c, &s_err), -1);
	deps_init(&d, make_env(&eb, NULL, badtok), &net, NULL);
	CHECK_INT(aws_credentials_from_container(&d, &c, &s_err), -1);
	CHECK_INT(net.calls, 0);
	/* configured but failing: errors, never "not configured" */
	deps_init(&d, make_env(&eb, NULL, denied), &net, NULL);
	CHECK_INT(aws_credentials_from_container(&d, &c, &s_err), -1);
	CHECK(strstr(s_err.message, "HTTP 403") != NULL);
	deps_init(&d, make_env(&eb, NULL, noexp), &net, NULL);
	CHECK_INT(aws_credentials_from_container(&d, &c, &s_err), -1);
	CHECK(strstr(s_err.message, "Expiration") != NULL);
	deps_init(&d, make_env(&eb, NULL, garbage), &net, NULL);
	CHECK_INT(aws_credentials_from_container(&d, &c, &s_err), -1);
	deps_init(&d, make_env(&eb, NULL, down), &net, NULL);
	CHECK_INT(aws_credentials_from_container(&d, &c, &s_err), -1);
	CHECK(c == NULL);
	/* not configured */
	deps_init(&d, make_env(&eb, NULL, NULL), &net, NULL);
	CHECK_INT(aws_credentials_from_container(&d, &c, &s_err), 0);
	CHECK(c == NULL);
}

/* --- IMDSv2 --- */

static const struct route s_imds[] = {
    {"PUT", "http://169.254.169.254/latest/api/token", 200, "IMDSTOKEN"},
    {"GET", "http://169.254.169.254/latest/meta-data/iam/security-credentials/", 200, "aaa-role\n"},
    {"GET", "http://169.254.169.254/latest/meta-data/iam/security-credentials/aaa-role", 200,
     "{\"Code\":\"Success\",\"LastUpdated\":\"2023-11-14T22:00:00Z\",\"Type\":\"AWS-HMAC\","
     "\"AccessKeyId\":\"ASIAIMDS\",\"SecretAccessKey\":\"imds-secret\",\"Token\":\"imds-token\","
     "\"Expiration\":\"2023-11-15T04:13:20Z\"}"},
};

TEST(aws_creds_imds)
{
	struct fake_net net = {s_imds, 3, 0, {{0}}};
	struct aws_credentials_deps d;
	struct aws_credentials *c = NULL;
	struct env_buf eb;

	deps_init(&d, make_env(&eb, NULL, NULL), &net, NULL);
	CHECK_INT(aws_credentials_from_imds(&d, &c, &s_err), 0);
	REQUIRE(c != NULL);
	CHECK_STR(c->access_key_id, "ASIAIMDS");
	CHECK_STR(c->session_token, "imds-token");
	CHECK_INT(c->expiration, T0 + 6 * 3600);
	CHECK_STR(c->source, "instance metadata (role aaa-role)");
	CHECK_INT(net.calls, 3);
	CHECK_STR(net.seen[0], "PUT http://169.254.169.254/latest/api/token"
			       "|X-aws-ec2-metadata-token-ttl-seconds: 21600");
	CHECK_STR(net.seen[1], "GET http://169.254.169.254/latest/meta-data/iam/"
			       "security-credentials/|X-aws-ec2-metadata-token: IMDSTOKEN");
	CHECK_STR(net.seen[2], "GET http://169.254.169.254/latest/meta-data/iam/"
			       "security-credentials/aaa-role|X-aws-ec2-metadata-token: IMDSTOKEN");
	aws_credentials_free(c);
}

TEST(aws_creds_imds_settings_and_failures)
{
	static const struct route custom[] = {
	    {"PUT", "http://127.0.0.1:1338/latest/api/token", 200, "T"},
	    {"GET", "http://127.0.0.1:1338/latest/meta-data/iam/security-credentials/", 404, ""},
	};
	static const struct route v6[] = {
	    {"PUT", "http://[fd00:ec2::254]/latest/api/token", 403, ""},
	};
	static const struct route badrole[] = {
	    {"PUT", "http://169.254.169.254/latest/api/token", 200, "T"},
	    {"GET", "http://169.254.169.254/latest/meta-data/iam/security-credentials/", 200,
	     "../../etc"},
	};
	static const struct route notsuccess[] = {
	    {"PUT", "http://169.254.169.254/latest/api/token", 200, "T"},
	    {"GET", "http://169.254.169.254/latest/meta-data/iam/security-credentials/", 200, "r"},
	    {"GET", "http://169.254.169.254/latest/meta-data/iam/security-credentials/r", 200,
	     "{\"Code\":\"AssumeRoleUnauthorizedAccess\"}"},
	};
	const char *disabled[] = {"AWS_EC2_METADATA_DISABLED=TRUE", NULL};
	const char *ep[] = {"AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:1338/", NULL};
	const char *mode6[] = {"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6", NULL};
	struct fake_net net = {s_imds, 3, 0, {{0}}};
	struct aws_credentials_deps d;
	struct aws_credentials *c = NULL;
	struct env_buf eb;

	deps_init(&d, make_env(&eb, NULL, disabled), &net, NULL);
	CHECK_INT(aws_credentials_from_imds(&d, &c, &s_err), 0);
	CHECK(c == NULL);
	CHECK_INT(net.calls, 0);

	/* endpoint override; no role attached is "not configured" */
	net.routes = custom;
	net.nroutes = 2;
	deps_init(&d, make_env(&eb, NULL, ep), &net, NULL);
	CHECK_INT(aws_credentials_from_imds(&d, &c, &s_err), 0);
	CHECK(c == NULL);
	CHECK_INT(net.calls, 2);

	/* IPv6 endpoint; a refused token (IMDS disabled, or v1 only) is "not configured" */
	net.routes = v6;
	net.nroutes = 1;
	net.calls = 0;
	deps_init(&d, make_env(&eb, NULL, mode6), &net, NULL);
	CHECK_INT(aws_credentials_from_imds(&d, &c, &s_err), 0);
	CHECK(c == NULL);
	CHECK_INT(net.calls, 1);

	/* nothing answers (not on EC2) */
	net.nroutes = 0;
	deps_init(&d, make_env(&eb, NULL, NULL), &net, NULL);
	CHECK_INT(aws_credentials_from_imds(&d, &c, &s_err), 0);
	CHECK(c == NULL);

	net.routes = badrole;
	net.nroutes = 2;
	CHECK_INT(aws_credentials_from_imds(&d, &c, &s_err), -1);
	net.routes = notsuccess;
	net.nroutes = 3;
	CHECK_INT(aws_credentials_from_imds(&d, &c, &s_err), -1);
	CHECK(strstr(s_err.message, "AssumeRoleUnauthorizedAccess") != NULL);
	CHECK(c == NULL);
}

/* --- the chain --- */

TEST(aws_creds_chain_order)
{
	const char *dir = test_tmpdir();
	const char *all[] = {"AWS_ACCESS_KEY_ID=AKIDENV", "AWS_SECRET_ACCESS_KEY=es",
			     "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/c", NULL};
	const char *container[] = {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/c", NULL};
	static const struct route routes[] = {
	    {"GET", "http://169.254.170.2/c", 200, CREDS_JSON("2023-11-15T00:00:00Z")},
	    {"PUT", "http://169.254.169.254/latest/api/token", 200, "IMDSTOKEN"},
	    {"GET", "http://169.254.169.254/latest/meta-data/iam/security-credentials/", 200,
	     "aaa-role"},
	    {"GET", "http://169.254.169.254/latest/meta-data/iam/security-credentials/aaa-role",
	     200, CREDS_JSON("2023-11-15T00:00:00Z")},
	};
	struct fake_net net = {routes, 4, 0, {{0}}};
	struct aws_credentials_deps d;
	struct aws_credentials *c = NULL;
	struct env_buf eb;

	write_test_file(dir, ".aws/credentials",
			"[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = fs\n");
	/* environment first */
	deps_init(&d, make_env(&eb, dir, all), &net, NULL);
	CHECK_INT(aws_credentials_resolve(&d, T0, &c, &s_err), 0);
	CHECK_STR(c ? c->access_key_id : NULL, "AKIDENV");
	aws_credentials_free(c);
	/* then the files, before the container */
	deps_init(&d, make_env(&eb, dir, container), &net, NULL);
	CHECK_INT(aws_credentials_resolve(&d, T0, &c, &s_err), 0);
	CHECK_STR(c ? c->access_key_id : NULL, "AKIDFILE");
	aws_credentials_free(c);
	CHECK_INT(net.calls, 0);
	/* then the container, before IMDS */
	deps_init(&d, make_env(&eb, test_tmpdir(), container), &net, NULL);
	CHECK_INT(aws_credentials_resolve(&d, T0, &c, &s_err), 0);
	CHECK_STR(c ? c->source : NULL, "container credentials");
	aws_credentials_free(c);
	CHECK_INT(net.calls, 1);
	/* IMDS last */
	deps_init(&d, make_env(&eb, test_tmpdir(), NULL), &net, NULL);
	CHECK_INT(aws_credentials_resolve(&d, T0, &c, &s_err), 0);
	CHECK_STR(c ? c->source : NULL, "instance metadata (role aaa-role)");
	aws_credentials_free(c);
	/* nothing anywhere */
	net.nroutes = 0;
	err_clear(&s_err);
	CHECK_INT(aws_credentials_resolve(&d, T0, &c, &s_err), -1);
	CHECK(c == NULL);
	/* The whole hint reaches the user: naming AWS_SECRET_ACCESS_KEY is
	 * advice, not a secret, and must not be redacted. */
	CHECK_STR(s_err.message, AWS_NO_CREDENTIALS_MSG);
	/* a broken provider stops the chain: no fall-through to IMDS */
	net.nroutes = 4;
	net.calls = 0;
	{
		const char *half[] = {"AWS_ACCESS_KEY_ID=AKIDENV", NULL};

		deps_init(&d, make_env(&eb, test_tmpdir(), half), &net, NULL);
		CHECK_INT(aws_credentials_resolve(&d, T0, &c, &s_err), -1);
		CHECK_INT(net.calls, 0);
	}
}

TEST(aws_creds_chain_cache)
{
	const char *rel[] = {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/c", NULL};
	/* expires at T0 + 3600 */
	static const struct route routes[] = {
	    {"GET", "http://169.254.170.2/c", 200, CREDS_JSON("2023-11-14T23:13:20Z")},
	};
	struct fake_net net = {routes, 1, 0, {{0}}};
	struct aws_credentials_deps d;
	struct aws_credentials_chain *chain;
	const struct aws_credentials *c = NULL;
	struct env_buf eb;

	deps_init(&d, make_env(&eb, test_tmpdir(), rel), &net, NULL);
	chain = aws_credentials_chain_new(&d);
	REQUIRE(chain != NULL);
	CHECK_INT(aws_credentials_chain_get(chain, T0, &c, &s_err), 0);
	CHECK_INT(c ? c->expiration : 0, T0 + 3600);
	CHECK_INT(net.calls, 1);
	/* cached until 5 minutes before expiry */
	CHECK_INT(aws_credentials_chain_get(chain, T0 + 3600 - 301, &c, &s_err), 0);
	CHECK_INT(net.calls, 1);
	CHECK_INT(aws_credentials_chain_get(chain, T0 + 3600 - 300, &c, &s_err), 0);
	CHECK_INT(net.calls, 2);
	/* refresh failing while the cached ones still work: use them */
	net.nroutes = 0;
	CHECK_INT(aws_credentials_chain_get(chain, T0 + 3600 - 10, &c, &s_err), 0);
	CHECK_STR(c ? c->access_key_id : NULL, "ASIAREMOTE");
	CHECK_INT(net.calls, 3);
	/* ...but never after they expired */
	CHECK_INT(aws_credentials_chain_get(chain, T0 + 3600, &c, &s_err), -1);
	CHECK(c == NULL);
	/* clear forces a new resolution */
	net.nroutes = 1;
	CHECK_INT(aws_credentials_chain_get(chain, T0, &c, &s_err), 0);
	net.calls = 0;
	aws_credentials_chain_clear(chain);
	CHECK_INT(aws_credentials_chain_get(chain, T0, &c, &s_err), 0);
	CHECK_INT(net.calls, 1);
	aws_credentials_chain_free(chain);
}

TEST(aws_creds_static_never_expire_in_cache)
{
	const char *env[] = {"AWS_ACCESS_KEY_ID=AKIDENV", "AWS_SECRET_ACCESS_KEY=es", NULL};
	struct aws_credentials_deps d;
	struct aws_credentials_chain *chain;
	const struct aws_credentials *c = NULL, *c2 = NULL;
	struct env_buf eb;

	deps_init(&d, make_env(&eb, NULL, env), NULL, NULL);
	chain = aws_credentials_chain_new(&d);
	REQUIRE(chain != NULL);
	CHECK_INT(aws_credentials_chain_get(chain, T0, &c, &s_err), 0);
	CHECK_INT(aws_credentials_chain_get(chain, T0 + 10 * 365 * 86400, &c2, &s_err), 0);
	CHECK(c == c2);
	aws_credentials_chain_free(chain);
}

/* Secrets never reach the log, at any level; the source does. */
TEST(aws_creds_logs_source_not_secrets)
{
	const char *dir = test_tmpdir();
	const char *app[] = {"AWS_PROFILE=app", NULL};
	static const struct route routes[] = {
	    {"PUT", "http://169.254.169.254/latest/api/token", 200, "IMDSTOKEN"},
	    {"GET", "http://169.254.169.254/latest/meta-data/iam/security-credentials/", 200,
	     "aaa-role"},
	    {"GET", "http://169.254.169.254/latest/meta-data/iam/security-credentials/aaa-role",
	     200, CREDS_JSON("2023-11-15T00:00:00Z")},
	};
	struct fake_net net = {routes, 3, 0, {{0}}};
	struct aws_credentials_deps d;
	struct aws_credentials *c = NULL;
	struct fake_sts sts;
	struct env_buf eb;
	char *out = NULL;
	size_t outlen = 0;
	FILE *f = open_memstream(&out, &outlen);

	REQUIRE(f != NULL);
	write_test_file(
	    dir, ".aws/credentials",
	    "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = base-secret\n");
	write_test_file(dir, ".aws/config",
			"[profile app]\nrole_arn = arn:aws:iam::1:role/app\n"
			"source_profile = base\n");
	memset(&sts, 0, sizeof(sts));
	log_configure(LOG_DEBUG, 0, f);
	deps_init(&d, make_env(&eb, dir, app), &net, &sts);
	CHECK_INT(aws_credentials_resolve(&d, T0, &c, &s_err), 0);
	aws_credentials_free(c);
	deps_init(&d, make_env(&eb, test_tmpdir(), NULL), &net, NULL);
	CHECK_INT(aws_credentials_resolve(&d, T0, &c, &s_err), 0);
	aws_credentials_free(c);
	harness_log_restore();
	fclose(f);
	REQUIRE(out != NULL);
	CHECK(strstr(out, "role arn:aws:iam::1:role/app (profile app)") != NULL);
	CHECK(strstr(out, "instance metadata (role aaa-role)") != NULL);
	CHECK(strstr(out, "base-secret") == NULL);
	CHECK(strstr(out, "assumed-secret") == NULL);
	CHECK(strstr(out, "assumed-token") == NULL);
	CHECK(strstr(out, "remote-secret") == NULL);
	CHECK(strstr(out, "remote-token") == NULL);
	CHECK(strstr(out, "IMDSTOKEN") == NULL);
	free(out);
}

TEST(aws_creds_profile_name_and_paths)
{
	const char *v1[] = {"AWS_DEFAULT_PROFILE=legacy", NULL};
	const char *v2[] = {"AWS_PROFILE=new", "AWS_DEFAULT_PROFILE=legacy", NULL};
	const char *v3[] = {"AWS_CONFIG_FILE=/etc/aws.cfg", NULL};
	struct env_buf eb;
	char *p;

	CHECK_STR(aws_profile_name(make_env(&eb, NULL, NULL)), "default");
	CHECK_STR(aws_profile_name(make_env(&eb, NULL, v1)), "legacy");
	CHECK_STR(aws_profile_name(make_env(&eb, NULL, v2)), "new");
	p = aws_profile_config_path(make_env(&eb, "/home/u", NULL));
	CHECK_STR(p, "/home/u/.aws/config");
	free(p);
	p = aws_profile_credentials_path(make_env(&eb, "/home/u", NULL));
	CHECK_STR(p, "/home/u/.aws/credentials");
	free(p);
	p = aws_profile_config_path(make_env(&eb, "/home/u", v3));
	CHECK_STR(p, "/etc/aws.cfg");
	free(p);
	CHECK(aws_profile_config_path(make_env(&eb, NULL, NULL)) == NULL);
}

/* AWS_CONFIG_FILE=/dev/null is how people (and the AWS CLI's own docs) say
 * "no file": it reads as empty; a FIFO is refused at once instead of
 * blocking the open until some writer appears. */
TEST(aws_read_small_file_null_device_and_fifo)
{
	char fifo[512];
	size_t len = 99;
	char *t = aws_read_small_file("/dev/null", 1024, &len);

	REQUIRE(t != NULL);
	CHECK(len == 0 && t[0] == '\0');
	free(t);
	snprintf(fifo, sizeof(fifo), "%s/fifo", test_tmpdir());
	REQUIRE(mkfifo(fifo, 0600) == 0);
	CHECK(aws_read_small_file(fifo, 1024, &len) == NULL);
	CHECK(errno == EINVAL);
	CHECK(aws_read_small_file("/dev/zero", 1024, &len) == NULL);
}

TEST(aws_creds_iam_names)
{
	CHECK(aws_iam_name_valid("aaa-role_1+=,.@", 15, 1, 64));
	CHECK(!aws_iam_name_valid("a", 1, 2, 64));
	CHECK(!aws_iam_name_valid("has space", 9, 1, 64));
	CHECK(!aws_iam_name_valid("../etc", 6, 1, 64));
	CHECK(!aws_iam_name_valid("a\0b", 3, 1, 64)); /* an embedded NUL is not a name */
	CHECK(!aws_iam_name_valid(NULL, 0, 0, 64));
}
