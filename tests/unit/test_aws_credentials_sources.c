/*
 * The credential sources of the AWS CLI's chain beyond keys and roles: web
 * identity, IAM Identity Center (SSO) and credential_process. The chain's
 * logic with fake STS and portal calls and temporary HOME directories (the
 * order, each configuration error, the token cache file name); the two
 * network halves (STS AssumeRoleWithWebIdentity, the portal's
 * GetRoleCredentials) against the scripted HTTP server: unsigned, the
 * token where it belongs, the answer read and wiped.
 */
#define _GNU_SOURCE
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "aws/credentials.h"
#include "aws/credentials_profile.h"
#include "aws/sso.h"
#include "aws/sts.h"
#include "log/log.h"
#include "test_kms_fake.h"

/* What the call under test says failed (its struct aaa_err). */
static struct aaa_err s_err;

#define T0 1700000000 /* 2023-11-14T22:13:20Z */

/* --- fakes of the two calls --- */

struct fake_remote {
	int wi_calls, sso_calls, sso_answer; /* sso_answer: 0 ok, 1 refused, -1 fails */
	int refresh_calls, refresh_fails;
	char client_id[64], client_secret[64], refresh_token[64];
	char role_arn[128], session[80], token[256], region[32], account[32], role[64];
};

static int fake_web_identity(void *ctx, const struct aws_web_identity_request *req,
			     struct aws_credentials **out, struct aaa_err *err)
{
	struct fake_remote *f = ctx;

	(void)err;
	f->wi_calls++;
	snprintf(f->role_arn, sizeof(f->role_arn), "%s", req->role_arn);
	snprintf(f->session, sizeof(f->session), "%s", req->session_name);
	snprintf(f->token, sizeof(f->token), "%s", req->token);
	snprintf(f->region, sizeof(f->region), "%s", req->region ? req->region : "");
	*out = aws_credentials_new("ASIAWEBID", "wi-secret", "wi-token", T0 + 3600, "sts");
	return *out ? 0 : -1;
}

static int fake_sso(void *ctx, const struct aws_sso_request *req, struct aws_credentials **out,
		    struct aaa_err *err)
{
	struct fake_remote *f = ctx;

	if (f->sso_answer < 0)
		err_set(err, "aws", "", "the portal failed");
	f->sso_calls++;
	snprintf(f->token, sizeof(f->token), "%s", req->access_token);
	snprintf(f->region, sizeof(f->region), "%s", req->region);
	snprintf(f->account, sizeof(f->account), "%s", req->account_id);
	snprintf(f->role, sizeof(f->role), "%s", req->role_name);
	if (f->sso_answer != 0)
		return f->sso_answer;
	*out = aws_credentials_new("ASIASSO", "sso-secret", "sso-token", T0 + 3600, "portal");
	return *out ? 0 : -1;
}

static int fake_refresh(void *ctx, const struct aws_sso_refresh_request *req,
			struct aws_sso_token *out)
{
	struct fake_remote *f = ctx;

	f->refresh_calls++;
	snprintf(f->client_id, sizeof(f->client_id), "%s", req->client_id);
	snprintf(f->client_secret, sizeof(f->client_secret), "%s", req->client_secret);
	snprintf(f->refresh_token, sizeof(f->refresh_token), "%s", req->refresh_token);
	snprintf(f->region, sizeof(f->region), "%s", req->region);
	if (f->refresh_fails)
		return -1;
	out->access_token = strdup("fresh-access-token");
	out->refresh_token = strdup("rotated-refresh-token");
	out->expires_in = 3600;
	return 0;
}

struct env_buf {
	char home[1100];
	const char *vars[16];
	struct aws_env env;
	struct aws_credentials_deps d;
};

static const struct aws_credentials_deps *s_deps(struct env_buf *b, const char *home,
						 const char *const *vars, struct fake_remote *f)
{
	size_t n = 0;

	memset(b, 0, sizeof(*b));
	snprintf(b->home, sizeof(b->home), "HOME=%s", home);
	b->vars[n++] = b->home;
	for (; vars && *vars && n < 15; vars++)
		b->vars[n++] = *vars;
	b->env.get = aws_env_list_get;
	b->env.ctx = b->vars;
	b->d.env = &b->env;
	if (f) {
		b->d.web_identity = fake_web_identity;
		b->d.web_identity_ctx = f;
		b->d.sso_role = fake_sso;
		b->d.sso_role_ctx = f;
		b->d.sso_refresh = fake_refresh;
		b->d.sso_refresh_ctx = f;
	}
	return &b->d;
}

/* Resolves the chain; returns the access key id (static buffer) or "-". */
static const char *s_akid(const struct aws_credentials_deps *d, char *source, size_t len)
{
	static char akid[64];
	struct aws_credentials *c = NULL;

	snprintf(akid, sizeof(akid), "-");
	if (source)
		source[0] = '\0';
	err_clear(&s_err);
	if (aws_credentials_resolve(d, T0, &c, &s_err) == 0 && c) {
		snprintf(akid, sizeof(akid), "%s", c->access_key_id);
		if (source)
			snprintf(source, len, "%s", c->source);
	}
	aws_credentials_free(c);
	return akid;
}

/* --- web identity --- */

TEST(aws_creds_web_identity_from_env_and_profile)
{
	const char *dir = test_tmpdir();
	char tok[1100], envtok[1200], src[256];
	const char *env[] = {envtok, "AWS_ROLE_ARN=arn:aws:iam::1:role/ci",
			     "AWS_ROLE_SESSION_NAME=run-42", NULL};
	const char *envfile_only[] = {envtok, NULL};
	const char *prof[] = {"AWS_PROFILE=ci", NULL};
	const char *mixed[] = {"AWS_PROFILE=ci", "AWS_ROLE_ARN=arn:aws:iam::1:role/env", NULL};
	const char *role_prof[] = {"AWS_PROFILE=app", envtok, "AWS_ROLE_ARN=arn:aws:iam::1:role/x",
				   NULL};
	const char *no_role[] = {envtok, NULL};
	struct fake_remote f;
	struct env_buf b;

	snprintf(tok, sizeof(tok), "%s/token", dir);
	snprintf(envtok, sizeof(envtok), "AWS_WEB_IDENTITY_TOKEN_FILE=%s", tok);
	write_test_file(dir, "token", "jwt.one.sig\n");
	memset(&f, 0, sizeof(f));
	/* the variables alone, no config file at all */
	CHECK_STR(s_akid(s_deps(&b, dir, env, &f), src, sizeof(src)), "ASIAWEBID");
	CHECK_STR(src, "web identity role arn:aws:iam::1:role/ci (AWS_WEB_IDENTITY_TOKEN_FILE)");
	CHECK_STR(f.token, "jwt.one.sig"); /* the newline trimmed */
	CHECK_STR(f.session, "run-42");
	CHECK_STR(f.region, "");
	/* re-read on every resolution: EKS rotates the file */
	write_test_file(dir, "token", "jwt.two.sig");
	CHECK_STR(s_akid(s_deps(&b, dir, env, &f), NULL, 0), "ASIAWEBID");
	CHECK_STR(f.token, "jwt.two.sig");
	CHECK_INT(f.wi_calls, 2);

	/* a profile's web_identity_token_file; the variables win key by key */
	{
		char cfg[2048];

		snprintf(cfg, sizeof(cfg),
			 "[profile ci]\nweb_identity_token_file = %s\n"
			 "role_arn = arn:aws:iam::1:role/prof\nregion = eu-west-3\n"
			 "[profile app]\nrole_arn = arn:aws:iam::1:role/app\nsource_profile = ci\n",
			 tok);
		write_test_file(dir, ".aws/config", cfg);
	}
	CHECK_STR(s_akid(s_deps(&b, dir, prof, &f), src, sizeof(src)), "ASIAWEBID");
	CHECK_STR(src, "web identity role arn:aws:iam::1:role/prof (profile ci)");
	CHECK_STR(f.region, "eu-west-3");
	CHECK(strncmp(f.session, "aaa-1700000000", 14) == 0);
	CHECK_STR(s_akid(s_deps(&b, dir, mixed, &f), NULL, 0), "ASIAWEBID");
	CHECK_STR(f.role_arn, "arn:aws:iam::1:role/env");

	/* role_arn + source_profile comes first (the assumed role then needs
	 * STS AssumeRole, absent here: a clear error, no fallback to the env) */
	f.wi_calls = 0;
	CHECK_STR(s_akid(s_deps(&b, dir, role_prof, &f), NULL, 0), "-");
	CHECK(strstr(s_err.message, "profile app: role_arn needs STS AssumeRole") != NULL);
	CHECK_INT(f.wi_calls, 0);

	/* errors */
	write_test_file(dir, ".aws/config", "");
	CHECK_STR(s_akid(s_deps(&b, dir, no_role, &f), NULL, 0), "-");
	CHECK(strstr(s_err.message, "has no role: set AWS_ROLE_ARN") != NULL);
	CHECK_STR(s_akid(s_deps(&b, dir, envfile_only, NULL), NULL, 0), "-");
	write_test_file(dir, "token", "\n");
	CHECK_STR(s_akid(s_deps(&b, dir, env, &f), NULL, 0), "-");
	CHECK(strstr(s_err.message, "is empty or not text") != NULL);
	write_test_file(dir, "token", "jwt");
	CHECK_STR(s_akid(s_deps(&b, dir, env, NULL), NULL, 0), "-");
	CHECK(strstr(s_err.message, "AssumeRoleWithWebIdentity, which is not available") != NULL);
}

/* --- SSO --- */

#define SSO_CONFIG                                                                                 \
	"[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\n"                       \
	"sso_role_name = Admin\n"                                                                  \
	"[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n"                     \
	"sso_region = eu-west-1\n"                                                                 \
	"[profile old]\nsso_start_url = https://corp.awsapps.com/start\n"                          \
	"sso_region = eu-west-2\nsso_account_id = 111122223333\nsso_role_name = Ops\n"             \
	"[profile app]\nrole_arn = arn:aws:iam::1:role/app\nsource_profile = dev\n"

TEST(aws_sso_cache_file_name)
{
	const char *home[] = {"HOME=/h", NULL};
	struct aws_env e = AWS_ENV_LIST(home);
	char *p = aws_sso_cache_path(&e, "corp");

	/* sha1("corp"), as the AWS CLI names the file */
	CHECK_STR(p, "/h/.aws/sso/cache/ee0bfd2552fbd840c02cc48b6e823320543c450f.json");
	free(p);
}

TEST(aws_creds_sso_profiles)
{
	const char *dir = test_tmpdir();
	const char *dev[] = {"AWS_PROFILE=dev", NULL};
	const char *old[] = {"AWS_PROFILE=old", NULL};
	const struct aws_env *e;
	struct fake_remote f;
	struct env_buf b;
	char src[256], *path, rel[256];

	memset(&f, 0, sizeof(f));
	write_test_file(dir, ".aws/config", SSO_CONFIG);
	/* no token yet */
	CHECK_STR(s_akid(s_deps(&b, dir, dev, &f), NULL, 0), "-");
	CHECK(strstr(s_err.message, "profile dev: no SSO token for sso_session in ") != NULL);
	CHECK(strstr(s_err.message, ": run aws sso login --profile dev") != NULL);
	CHECK_INT(f.sso_calls, 0);

	e = s_deps(&b, dir, dev, &f)->env;
	path = aws_sso_cache_path(e, "corp");
	REQUIRE(path != NULL);
	snprintf(rel, sizeof(rel), ".aws/sso/cache/%s", strrchr(path, '/') + 1);
	free(path);
	write_test_file(
	    dir, rel,
	    "{\"startUrl\":\"https://corp.awsapps.com/start\",\"region\":\"eu-west-1\","
	    "\"accessToken\":\"cached-access-token\",\"expiresAt\":\"2023-11-15T00:00:00Z\","
	    "\"refreshToken\":\"r\",\"clientId\":\"c\",\"clientSecret\":\"cs\"}");
	CHECK_STR(s_akid(s_deps(&b, dir, dev, &f), src, sizeof(src)), "ASIASSO");
	CHECK_STR(src, "SSO role Admin in account 111122223333 (profile dev)");
	CHECK_STR(f.token, "cached-access-token");
	CHECK_STR(f.region, "eu-west-1");
	CHECK_STR(f.account, "111122223333");
	CHECK_STR(f.role, "Admin");

	/* as a source profile */
	f.sso_answer = 1;
	CHECK_STR(s_akid(s_deps(&b, dir, dev, &f), NULL, 0), "-");
	CHECK(strstr(s_err.message, "profile dev: the SSO portal refused the token (expired "
				    "or signed out): run aws sso login --profile dev") != NULL);
	f.sso_answer = 0;

	/* expired at T0 - 1 */
	write_test_file(
	    dir, rel,
	    "{\"accessToken\":\"cached-access-token\",\"expiresAt\":\"2023-11-14T22:13:19Z\"}");
	CHECK_STR(s_akid(s_deps(&b, dir, dev, &f), NULL, 0), "-");
	CHECK_STR(s_err.message, "profile dev: the SSO token expired at 2023-11-14T22:13:19Z: "
				 "run aws sso login --profile dev");
	write_test_file(dir, rel, "{\"accessToken\":\"x\"}");
	CHECK_STR(s_akid(s_deps(&b, dir, dev, &f), NULL, 0), "-");
	CHECK(strstr(s_err.message, "has no accessToken or expiresAt") != NULL);

	/* the legacy form: the start URL's cache, the profile's region */
	path = aws_sso_cache_path(e, "https://corp.awsapps.com/start");
	REQUIRE(path != NULL);
	snprintf(rel, sizeof(rel), ".aws/sso/cache/%s", strrchr(path, '/') + 1);
	free(path);
	write_test_file(
	    dir, rel,
	    "{\"accessToken\":\"legacy-token\",\"expiresAt\":\"2099-01-01T00:00:00UTC\"}");
	CHECK_STR(s_akid(s_deps(&b, dir, old, &f), src, sizeof(src)), "ASIASSO");
	CHECK_STR(f.token, "legacy-token");
	CHECK_STR(f.region, "eu-west-2");
	CHECK_STR(f.role, "Ops");
	/* no portal wired in */
	CHECK_STR(s_akid(s_deps(&b, dir, old, NULL), NULL, 0), "-");
	CHECK(strstr(s_err.message, "portal call is not available") != NULL);
}

/* The sso_session cache file's path relative to dir (into rel). */
static void s_cache_rel(const struct aws_credentials_deps *d, const char *key, char *rel,
			size_t len)
{
	char *path = aws_sso_cache_path(d->env, key);

	snprintf(rel, len, ".aws/sso/cache/%s", path ? strrchr(path, '/') + 1 : "?");
	free(path);
}

TEST(aws_creds_sso_token_refresh)
{
	const char *dir = test_tmpdir();
	const char *dev[] = {"AWS_PROFILE=dev", NULL};
	const char *old[] = {"AWS_PROFILE=old", NULL};
	/* ten minutes left: inside the CLI's 15-minute window */
	const char *expiring =
	    "{\"startUrl\":\"https://corp.awsapps.com/start\",\"region\":\"eu-west-1\","
	    "\"accessToken\":\"old-access-token\",\"expiresAt\":\"2023-11-14T22:23:20Z\","
	    "\"clientId\":\"cid\",\"clientSecret\":\"csecret\","
	    "\"registrationExpiresAt\":\"2024-02-01T00:00:00Z\","
	    "\"refreshToken\":\"old-refresh-token\"}";
	char rel[256], path[1400], *text;
	struct fake_remote f;
	struct env_buf b;
	struct stat st;
	size_t len = 0;

	memset(&f, 0, sizeof(f));
	write_test_file(dir, ".aws/config", SSO_CONFIG);
	s_cache_rel(s_deps(&b, dir, dev, &f), "corp", rel, sizeof(rel));
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	write_test_file(dir, rel, expiring);
	CHECK_STR(s_akid(s_deps(&b, dir, dev, &f), NULL, 0), "ASIASSO");
	CHECK_INT(f.refresh_calls, 1);
	CHECK_STR(f.client_id, "cid");
	CHECK_STR(f.client_secret, "csecret");
	CHECK_STR(f.refresh_token, "old-refresh-token");
	CHECK_STR(f.region, "eu-west-1");
	CHECK_STR(f.token, "fresh-access-token"); /* what the portal got */
	/* written back, 0600, the other members kept */
	text = read_file_all(path, &len);
	REQUIRE(text != NULL);
	CHECK(strstr(text, "\"accessToken\":\"fresh-access-token\"") != NULL);
	CHECK(strstr(text, "\"refreshToken\":\"rotated-refresh-token\"") != NULL);
	CHECK(strstr(text, "\"expiresAt\":\"2023-11-14T23:13:20Z\"") != NULL);
	CHECK(strstr(text, "\"clientSecret\":\"csecret\"") != NULL);
	CHECK(strstr(text, "old-access-token") == NULL);
	free(text);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	/* now an hour left: no refresh */
	CHECK_STR(s_akid(s_deps(&b, dir, dev, &f), NULL, 0), "ASIASSO");
	CHECK_INT(f.refresh_calls, 1);

	/* the refresh fails: a token still valid is used, an expired one is an error */
	f.refresh_fails = 1;
	write_test_file(dir, rel, expiring);
	CHECK_STR(s_akid(s_deps(&b, dir, dev, &f), NULL, 0), "ASIASSO");
	CHECK_STR(f.token, "old-access-token");
	write_test_file(
	    dir, rel,
	    "{\"accessToken\":\"old-access-token\",\"expiresAt\":\"2023-11-14T22:00:00Z\","
	    "\"clientId\":\"cid\",\"clientSecret\":\"csecret\","
	    "\"refreshToken\":\"old-refresh-token\"}");
	CHECK_STR(s_akid(s_deps(&b, dir, dev, &f), NULL, 0), "-");
	CHECK_STR(s_err.message, "profile dev: the SSO token expired at 2023-11-14T22:00:00Z "
				 "and could not be refreshed: run aws sso login --profile dev");
	/* an expired client registration is not used */
	f.refresh_fails = 0;
	f.refresh_calls = 0;
	write_test_file(dir, rel,
			"{\"accessToken\":\"a\",\"expiresAt\":\"2023-11-14T22:00:00Z\","
			"\"clientId\":\"cid\",\"clientSecret\":\"csecret\",\"refreshToken\":\"r\","
			"\"registrationExpiresAt\":\"2023-11-01T00:00:00Z\"}");
	CHECK_STR(s_akid(s_deps(&b, dir, dev, &f), NULL, 0), "-");
	CHECK_INT(f.refresh_calls, 0);
	/* the legacy form has no refresh */
	s_cache_rel(s_deps(&b, dir, old, &f), "https://corp.awsapps.com/start", rel, sizeof(rel));
	write_test_file(dir, rel, expiring);
	CHECK_STR(s_akid(s_deps(&b, dir, old, &f), NULL, 0), "ASIASSO");
	CHECK_INT(f.refresh_calls, 0);
	CHECK_STR(f.token, "old-access-token");
}

/* --- credential_process --- */

TEST(aws_split_command_like_a_shell)
{
	static const struct {
		const char *cmd;
		const char *words; /* joined with '|' */
	} ok[] = {
	    {"tool", "tool"},
	    {"  tool  a\tb ", "tool|a|b"},
	    {"\"/opt/my tool\" --x 'a b'", "/opt/my tool|--x|a b"},
	    {"a\\ b c\\\\d", "a b|c\\d"},
	    {"p \"x\\\"y\\\\z\\$w\"", "p|x\"y\\z\\$w"},
	    {"p '' \"\"", "p||"},
	    {"p $(rm -rf /) ; `x` | y", "p|$(rm|-rf|/)|;|`x`|||y"},
	    {"p a'b'\"c\"d", "p|abcd"},
	};
	static const char *const bad[] = {"", "   ", "p 'x", "p \"x", "p x\\"};
	char joined[256];
	size_t i, j;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char **v = aws_split_command(ok[i].cmd, &s_err);

		if (v == NULL) {
			harness_fail(__FILE__, __LINE__, "refused %s", ok[i].cmd);
			continue;
		}
		joined[0] = '\0';
		for (j = 0; v[j]; j++)
			snprintf(joined + strlen(joined), sizeof(joined) - strlen(joined), "%s%s",
				 j ? "|" : "", v[j]);
		if (strcmp(joined, ok[i].words) != 0)
			harness_fail(__FILE__, __LINE__, "%s -> %s, not %s", ok[i].cmd, joined,
				     ok[i].words);
		aws_argv_free(v);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char **v = aws_split_command(bad[i], &s_err);

		if (v != NULL)
			harness_fail(__FILE__, __LINE__, "accepted \"%s\"", bad[i]);
		aws_argv_free(v);
	}
}

TEST(aws_creds_process_and_the_order_in_a_profile)
{
	const char *dir = test_tmpdir();
	const char *proc[] = {"AWS_PROFILE=proc", NULL};
	const char *filekeys[] = {"AWS_PROFILE=filekeys", NULL};
	const char *sso[] = {"AWS_PROFILE=dev", NULL};
	char cfg[4096], src[256], rel[256], *path;
	struct fake_remote f;
	struct env_buf b;

	memset(&f, 0, sizeof(f));
	/* dev also has keys and a process: SSO comes first */
	snprintf(cfg, sizeof(cfg), "%s",
		 "[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\n"
		 "sso_role_name = Admin\ncredential_process = /bin/false\n"
		 "aws_access_key_id = K\naws_secret_access_key = S\n"
		 "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n"
		 "sso_region = eu-west-1\n"
		 "[profile proc]\ncredential_process = /bin/echo '"
		 "{\"Version\":1,\"AccessKeyId\":\"AKIDPROC\",\"SecretAccessKey\":\"ps\","
		 "\"Expiration\":\"2023-11-15T00:00:00Z\"}'\n"
		 "aws_access_key_id = AKIDCFG\naws_secret_access_key = cs\n"
		 "[profile filekeys]\ncredential_process = /bin/false\n");
	write_test_file(dir, ".aws/config", cfg);
	write_test_file(dir, ".aws/credentials",
			"[filekeys]\naws_access_key_id = AKIDFILE\naws_secret_access_key = fs\n");
	path = aws_sso_cache_path(s_deps(&b, dir, sso, &f)->env, "corp");
	REQUIRE(path != NULL);
	snprintf(rel, sizeof(rel), ".aws/sso/cache/%s", strrchr(path, '/') + 1);
	free(path);
	write_test_file(dir, rel, "{\"accessToken\":\"t\",\"expiresAt\":\"2099-01-01T00:00:00Z\"}");

	CHECK_STR(s_akid(s_deps(&b, dir, sso, &f), NULL, 0), "ASIASSO");
	CHECK_STR(s_akid(s_deps(&b, dir, proc, &f), src, sizeof(src)), "AKIDPROC");
	CHECK_STR(src, "credential_process /bin/echo (profile proc)");
	CHECK_STR(s_akid(s_deps(&b, dir, filekeys, &f), NULL, 0), "AKIDFILE");
	/* and the process's expiration is kept */
	{
		struct aws_credentials *c = NULL;

		CHECK_INT(
		    aws_credentials_from_process("p",
						 "/bin/echo '{\"Version\":1,"
						 "\"AccessKeyId\":\"A\",\"SecretAccessKey\":"
						 "\"S\",\"Expiration\":\"2023-11-15T00:00:00Z\"}'",
						 T0, &c, &s_err),
		    0);
		REQUIRE(c != NULL);
		CHECK_INT((long)c->expiration, 1700006400L);
		CHECK(c->session_token == NULL);
		aws_credentials_free(c);
		CHECK_INT(aws_credentials_from_process("p", "/bin/false", T0, &c, &s_err), -1);
		CHECK_STR(s_err.message, "profile p: credential_process /bin/false exited with "
					 "status 1");
	}
}

/* --- the two calls, on the wire --- */

static struct fake_aws s_f;

#define WEBID_OK                                                                                   \
	"<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"  \
	"<AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>ASIAWI</AccessKeyId>"          \
	"<SecretAccessKey>wisecret</SecretAccessKey><SessionToken>witoken</SessionToken>"          \
	"<Expiration>2030-01-02T03:04:05Z</Expiration></Credentials>"                              \
	"</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>"

TEST(sts_web_identity_is_unsigned_and_carries_the_token)
{
	struct aws_web_identity_request req;
	struct aws_credentials *out = NULL;
	char *ok = fake_aws_answer("200 OK", "Content-Type: text/xml\r\n", WEBID_OK);
	char *bad = fake_aws_answer("400 Bad Request", "Content-Type: text/xml\r\n",
				    "<ErrorResponse><Error><Type>Sender</Type>"
				    "<Code>InvalidIdentityToken</Code><Message>Incorrect token "
				    "audience</Message></Error><RequestId>r9</RequestId>"
				    "</ErrorResponse>");

	REQUIRE(fake_aws_serve(&s_f, 2, ok, bad) == 0);
	memset(&req, 0, sizeof(req));
	req.role_arn = "arn:aws:iam::1:role/ci";
	req.session_name = "run-1";
	req.token = "hdr.pay+load.sig";
	CHECK_INT(sts_web_identity_adapter(NULL, &req, &out, &s_err), 0);
	CHECK(strncmp(s_f.head[0], "POST / HTTP/1.1\r\n", 17) == 0);
	CHECK(strcasestr(s_f.head[0], "\r\nAuthorization:") == NULL);
	CHECK(strcasestr(s_f.head[0], "x-amz-security-token") == NULL);
	CHECK(fake_aws_has_header(&s_f, 0, "Content-Type",
				  "application/x-www-form-urlencoded; charset=utf-8"));
	CHECK_STR(s_f.body[0], "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn="
			       "arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fci&RoleSessionName=run-1"
			       "&WebIdentityToken=hdr.pay%2Bload.sig");
	REQUIRE(out != NULL);
	CHECK_STR(out->access_key_id, "ASIAWI");
	CHECK_STR(out->session_token, "witoken");
	CHECK_STR(out->source, "sts:AssumeRoleWithWebIdentity arn:aws:iam::1:role/ci");
	aws_credentials_free(out);
	out = NULL;
	CHECK_INT(sts_web_identity_adapter(NULL, &req, &out, &s_err), -1);
	CHECK(out == NULL);
	CHECK_STR(s_err.message, "STS AssumeRoleWithWebIdentity arn:aws:iam::1:role/ci: "
				 "InvalidIdentityToken: Incorrect token audience (request id r9, "
				 "HTTP 400)");
	fake_aws_stop(&s_f);
}

TEST(sso_get_role_credentials_on_the_wire)
{
	struct aws_sso_request req;
	struct aws_credentials *out = NULL;
	char *ok = fake_aws_answer("200 OK", "Content-Type: application/json\r\n",
				   "{\"roleCredentials\":{\"accessKeyId\":\"ASIAPORTAL\","
				   "\"secretAccessKey\":\"psecret\",\"sessionToken\":\"ptoken\","
				   "\"expiration\":1700003600000}}");
	char *refused =
	    fake_aws_answer("401 Unauthorized", "x-amzn-ErrorType: UnauthorizedException\r\n",
			    "{\"message\":\"Session token not found or invalid\"}");
	char *forbidden =
	    fake_aws_answer("403 Forbidden", "x-amzn-ErrorType: ForbiddenException\r\n",
			    "{\"message\":\"No access\"}");

	REQUIRE(fake_aws_serve(&s_f, 3, ok, refused, forbidden) == 0);
	memset(&req, 0, sizeof(req));
	req.region = "eu-west-1";
	req.access_token = "the-access-token";
	req.account_id = "111122223333";
	req.role_name = "Admin Role";
	CHECK_INT(sso_role_adapter(NULL, &req, &out, &s_err), 0);
	CHECK(strncmp(s_f.head[0],
		      "GET /federation/credentials?account_id=111122223333&role_name=Admin%20Role "
		      "HTTP/1.1\r\n",
		      84) == 0);
	CHECK(fake_aws_has_header(&s_f, 0, "x-amz-sso_bearer_token", "the-access-token"));
	CHECK(strcasestr(s_f.head[0], "\r\nAuthorization:") == NULL);
	REQUIRE(out != NULL);
	CHECK_STR(out->access_key_id, "ASIAPORTAL");
	CHECK_STR(out->secret_access_key, "psecret");
	CHECK_STR(out->session_token, "ptoken");
	CHECK_INT((long)out->expiration, 1700003600L); /* milliseconds in the answer */
	aws_credentials_free(out);
	out = NULL;
	CHECK_INT(sso_role_adapter(NULL, &req, &out, &s_err), 1);
	CHECK_INT(s_f.served, 2); /* a refused token is not retried */
	CHECK_INT(sso_role_adapter(NULL, &req, &out, &s_err), -1);
	CHECK_STR(s_err.message, "SSO GetRoleCredentials Admin Role in account 111122223333: "
				 "ForbiddenException: No access (HTTP 403)");
	CHECK(out == NULL);
	fake_aws_stop(&s_f);
}

TEST(sso_oidc_refresh_on_the_wire)
{
	struct aws_sso_refresh_request req;
	struct aws_sso_token out = {NULL, NULL, 0};
	char *ok = fake_aws_answer("200 OK", "Content-Type: application/json\r\n",
				   "{\"accessToken\":\"new-at\",\"expiresIn\":28800,"
				   "\"refreshToken\":\"new-rt\",\"tokenType\":\"Bearer\"}");
	char *bad =
	    fake_aws_answer("400 Bad Request", "x-amzn-ErrorType: InvalidGrantException\r\n",
			    "{\"error\":\"invalid_grant\",\"error_description\":"
			    "\"Invalid refresh token provided\"}");

	REQUIRE(fake_aws_serve(&s_f, 2, ok, bad) == 0);
	memset(&req, 0, sizeof(req));
	req.region = "eu-west-1";
	req.client_id = "cid";
	req.client_secret = "csecret";
	req.refresh_token = "rt";
	CHECK_INT(sso_refresh_adapter(NULL, &req, &out), 0);
	CHECK(strncmp(s_f.head[0], "POST /token HTTP/1.1\r\n", 22) == 0);
	CHECK(strcasestr(s_f.head[0], "\r\nAuthorization:") == NULL);
	CHECK(fake_aws_has_header(&s_f, 0, "Content-Type", "application/json"));
	CHECK_STR(s_f.body[0], "{\"clientId\":\"cid\",\"clientSecret\":\"csecret\","
			       "\"grantType\":\"refresh_token\",\"refreshToken\":\"rt\"}");
	CHECK_STR(out.access_token, "new-at");
	CHECK_STR(out.refresh_token, "new-rt");
	CHECK_INT(out.expires_in, 28800);
	aws_sso_token_free(&out);
	CHECK_INT(sso_refresh_adapter(NULL, &req, &out), -1);
	CHECK(out.access_token == NULL);
	fake_aws_stop(&s_f);
}

/* Found by fuzz_credential_sources: an expiration under a second became 0,
 * which means "never expires"; one past time_t's range was a bad cast. */
TEST(sso_portal_expiration_out_of_range_is_refused)
{
	static const char *const bodies[] = {
	    "{\"roleCredentials\":{\"accessKeyId\":\"A\",\"secretAccessKey\":\"s\","
	    "\"sessionToken\":\"t\",\"expiration\":17.0003600000}}",
	    "{\"roleCredentials\":{\"accessKeyId\":\"A\",\"secretAccessKey\":\"s\","
	    "\"sessionToken\":\"t\",\"expiration\":1e300}}",
	};
	struct aws_credentials *out = NULL;
	struct aws_reply r;
	size_t i;

	REQUIRE(fake_aws_serve(&s_f, 2, fake_aws_answer("200 OK", "", bodies[0]),
			       fake_aws_answer("200 OK", "", bodies[1])) == 0);
	for (i = 0; i < 2; i++) {
		CHECK_INT(sso_get_role_credentials("us-east-1", "tok", "1", "R", &out, &r), -1);
		CHECK(out == NULL);
		CHECK_STR(r.message, "SSO GetRoleCredentials: the answer has no valid expiration");
		aws_reply_free(&r);
	}
	fake_aws_stop(&s_f);
}
