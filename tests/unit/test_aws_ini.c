/* The shared config/credentials INI parser: what it accepts, what it
 * refuses (with the line number and never the line's content). */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/credentials_ini.h"
#include "log/log.h"

/* What the call under test says failed (its struct aaa_err). */
static struct aaa_err s_err;

static int parse(const char *text, struct aws_ini *ini)
{
	return aws_ini_parse(text, strlen(text), "test.ini", ini, &s_err);
}

TEST(aws_ini_accepts_the_sdk_format)
{
	struct aws_ini ini;
	const char *text = "# comment\n"
			   "; another\n"
			   "[default]\r\n"
			   "aws_access_key_id = AKIDDEFAULT\r\n"
			   "AWS_Secret_Access_Key=secret=with=equals \n"
			   "\n"
			   "  # indented comment\n"
			   "[profile dev]   # trailing comment\n"
			   "region = eu-west-1\n"
			   "role_arn = arn:aws:iam::123456789012:role/x\n"
			   "empty =\n"
			   "s3 =\n"
			   "  addressing_style = path\n"
			   "  max_concurrent_requests = 4\n"
			   "output = json # not a comment\n"
			   "[ spaced ]\n";

	REQUIRE(parse(text, &ini) == 0);
	CHECK_STR(aws_ini_get(&ini, "default", "aws_access_key_id"), "AKIDDEFAULT");
	CHECK_STR(aws_ini_get(&ini, "default", "aws_secret_access_key"), "secret=with=equals");
	CHECK_STR(aws_ini_get(&ini, "default", "AWS_ACCESS_KEY_ID"), "AKIDDEFAULT");
	CHECK_STR(aws_ini_get(&ini, "profile dev", "region"), "eu-west-1");
	CHECK_STR(aws_ini_get(&ini, "profile dev", "role_arn"), "arn:aws:iam::123456789012:role/x");
	CHECK_STR(aws_ini_get(&ini, "profile dev", "empty"), "");
	CHECK_STR(aws_ini_get(&ini, "profile dev", "s3.addressing_style"), "path");
	CHECK_STR(aws_ini_get(&ini, "profile dev", "s3.max_concurrent_requests"), "4");
	CHECK_STR(aws_ini_get(&ini, "profile dev", "output"), "json # not a comment");
	CHECK(aws_ini_has_section(&ini, "spaced"));
	CHECK(!aws_ini_has_section(&ini, "dev"));
	CHECK(aws_ini_get(&ini, "default", "region") == NULL);
	CHECK(aws_ini_get(&ini, "nosuch", "region") == NULL);
	aws_ini_free(&ini);

	REQUIRE(parse("", &ini) == 0);
	CHECK_INT(ini.n, 0);
	aws_ini_free(&ini);
	REQUIRE(parse("[a]\nk=v", &ini) == 0); /* no final newline */
	CHECK_STR(aws_ini_get(&ini, "a", "k"), "v");
	aws_ini_free(&ini);
}

TEST(aws_ini_refuses_malformed_input)
{
	struct {
		const char *text;
		unsigned line;
	} v[] = {
	    {"key = v\n", 1}, /* outside a section */
	    {"[a]\nno equals sign\n", 2},
	    {"[a]\n= v\n", 2}, /* empty key */
	    {"[a]\nbad key = v\n", 2},
	    {"[a\nk = v\n", 1},
	    {"[]\n", 1},
	    {"[a] junk\n", 1},
	    {"[a]\nk = v\n[a]\n", 3},		  /* duplicate section */
	    {"[a]\nk = v\nK = w\n", 3},		  /* duplicate key, any case */
	    {"[a]\nk = v\n  continued\n", 3},	  /* continuation line */
	    {"[a]\ns3 =\n  x = 1\n  x = 2\n", 4}, /* duplicate nested key */
	    {"[a]\ns3 =\n  not a pair\n", 3},
	};
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct aws_ini ini;
		char want[64];

		err_clear(&s_err);
		if (parse(v[i].text, &ini) != -1) {
			harness_fail(__FILE__, __LINE__, "accepted case %zu", i);
			aws_ini_free(&ini);
			continue;
		}
		CHECK(ini.n == 0 && ini.v == NULL);
		snprintf(want, sizeof(want), "test.ini line %u:", v[i].line);
		if (strstr(s_err.message, want) == NULL)
			harness_fail(__FILE__, __LINE__, "case %zu: error \"%s\" lacks \"%s\"", i,
				     s_err.message, want);
	}
	/* a NUL byte */
	{
		struct aws_ini ini;

		CHECK_INT(aws_ini_parse("[a]\0k=v\n", 8, "x", &ini, &s_err), -1);
	}
}

TEST(aws_ini_error_never_shows_the_line)
{
	struct aws_ini ini;

	err_clear(&s_err);
	CHECK_INT(parse("[a]\nwJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n", &ini), -1);
	CHECK(strstr(s_err.message, "wJalr") == NULL);
	CHECK(strstr(s_err.message, "line 2") != NULL);
}
