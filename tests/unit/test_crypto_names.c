/* DNS name validation: what a CSR, an order and Route53 will accept. */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/names.h"

TEST(crypto_names_valid)
{
	static const char *const ok[] = {
	    "example.com", "*.example.com", "a.b.c.d.example.org", "xn--bcher-kva.example",
	    "EXAMPLE.com", "a-b.example",   "1.example",	   "localhost",
	    "x",
	};
	struct aaa_err err;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (name_validate(ok[i], &err) != 0)
			harness_fail(__FILE__, __LINE__, "refused %s: %s", ok[i], err.message);
	}
}

/* Each refusal carries a message naming the name and the reason. */
static void s_refused(const char *name, const char *reason, int line)
{
	struct aaa_err err;

	if (name_validate(name, &err) == 0) {
		harness_fail(__FILE__, line, "accepted \"%s\"", name);
		return;
	}
	if (strstr(err.message, reason) == NULL)
		harness_fail(__FILE__, line, "message \"%s\" lacks \"%s\"", err.message, reason);
}

TEST(crypto_names_invalid)
{
	s_refused("", "empty name", __LINE__);
	s_refused("example..com", "label 2 is empty", __LINE__);
	s_refused(".example.com", "label 1 is empty", __LINE__);
	s_refused("example.com.", "trailing dot", __LINE__);
	s_refused("*", "wildcard", __LINE__);
	s_refused("www.*.example.com", "'*' is only allowed", __LINE__);
	s_refused("*example.com", "'*' is only allowed", __LINE__);
	s_refused("**.example.com", "'*' is only allowed", __LINE__);
	s_refused("*.*.example.com", "'*' is only allowed", __LINE__);
	s_refused("exa_mple.com", "character '_'", __LINE__);
	s_refused("exa mple.com", "not allowed", __LINE__);
	s_refused("example.com/x", "character '/'", __LINE__);
	s_refused("-example.com", "starts or ends with '-'", __LINE__);
	s_refused("example-.com", "starts or ends with '-'", __LINE__);
	s_refused("b\xc3\xbc"
		  "cher.example",
		  "xn--", __LINE__);
	s_refused("exa\nmple.com", "\\x0a", __LINE__);
}

TEST(crypto_names_lengths)
{
	char label63[64], label64[65], long300[301], name253[254], name254[255];
	struct aaa_err err;
	size_t i;

	memset(label63, 'a', 63);
	label63[63] = '\0';
	memset(label64, 'a', 64);
	label64[64] = '\0';
	CHECK_INT(name_validate(label63, &err), 0);
	CHECK_INT(name_validate(label64, &err), -1);
	CHECK(strstr(err.message, "label 1 is 64 characters long (at most 63)") != NULL);

	/* A 300-character label: the message names the input (cut) and the reason. */
	memset(long300, 'b', 300);
	long300[300] = '\0';
	CHECK_INT(name_validate(long300, &err), -1);
	CHECK(strstr(err.message, "name \"bbbbbbbb") != NULL);
	CHECK(strstr(err.message, "(300 characters)") != NULL);
	CHECK(strstr(err.message, "300 characters long (at most 253)") != NULL);

	/* 253 characters in 4 labels of 63 plus separators: the maximum. */
	for (i = 0; i < 253; i++)
		name253[i] = (i % 64 == 63) ? '.' : 'c';
	name253[253] = '\0';
	CHECK_INT(name_validate(name253, &err), 0);
	memcpy(name254, name253, 253);
	name254[253] = 'c';
	name254[254] = '\0';
	CHECK_INT(name_validate(name254, &err), -1);
	CHECK(strstr(err.message, "254 characters long") != NULL);
}

TEST(crypto_names_list)
{
	const char *good[] = {"example.com", "*.example.com", "www.example.com"};
	const char *dup[] = {"example.com", "www.example.com", "Example.COM"};
	const char *bad[] = {"example.com", "bad..name"};
	struct aaa_err err;

	CHECK_INT(names_validate_list(good, 3, &err), 0);
	CHECK_INT(names_validate_list(good, 0, &err), -1);
	CHECK_STR(err.message, "no names given");
	CHECK_STR(err.source, "input");
	CHECK_INT(names_validate_list(NULL, 0, &err), -1);
	CHECK_INT(names_validate_list(dup, 3, &err), -1);
	CHECK(strstr(err.message, "Example.COM") != NULL &&
	      strstr(err.message, "more than once") != NULL);
	CHECK_INT(names_validate_list(bad, 2, &err), -1);
	CHECK_STR(err.message, "name \"bad..name\": label 2 is empty");
	CHECK_STR(err.source, "input");
	/* err may be NULL without harm. */
	CHECK_INT(names_validate_list(bad, 2, NULL), -1);
}

TEST(crypto_names_helpers)
{
	char s[] = "WwW.Example.COM";

	CHECK(name_equal("example.com", "EXAMPLE.Com"));
	CHECK(!name_equal("example.com", "example.co"));
	CHECK(!name_equal("example.com", "example.com."));
	CHECK(name_is_wildcard("*.example.com"));
	CHECK(!name_is_wildcard("example.com"));
	CHECK(!name_is_wildcard(NULL));
	name_lower(s);
	CHECK_STR(s, "www.example.com");
}
