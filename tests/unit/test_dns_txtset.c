/*
 * Shared TXT record set arithmetic (src/dns/txtset.h): others' values kept
 * byte for byte, ours added once and removed exactly, comparisons on the
 * unquoted value whatever the quoting.
 */
#include <stdlib.h>

#include "dns/txtset.h"
#include "tests/unit/harness.h"

TEST(dns_txt_add_keeps_others_and_adds_missing)
{
	const char *cur[] = {"\"other\"", "\"par\" \"tial\"", "\"ours-1\""};
	const char *ours[] = {"ours-1", "ours-2", "ours-2", "partial"};
	char **v = NULL;
	size_t n = 0;

	REQUIRE(dns_txt_add(cur, 3, ours, 4, &v, &n) == 0);
	/* ours-1 and "partial" (held in split form) are already there; ours-2 once. */
	REQUIRE(n == 4);
	CHECK_STR(v[0], "\"other\"");
	CHECK_STR(v[1], "\"par\" \"tial\"");
	CHECK_STR(v[2], "\"ours-1\"");
	CHECK_STR(v[3], "\"ours-2\"");
	dns_txt_free(v, n);
}

TEST(dns_txt_add_nothing_new)
{
	const char *cur[] = {"abc", "\"d\\\"e\""};
	const char *ours[] = {"abc", "d\"e"};
	char **v = NULL;
	size_t n = 0;

	REQUIRE(dns_txt_add(cur, 2, ours, 2, &v, &n) == 0);
	CHECK_INT(n, 2);
	dns_txt_free(v, n);
	REQUIRE(dns_txt_add(NULL, 0, ours, 2, &v, &n) == 0);
	REQUIRE(n == 2);
	CHECK_STR(v[0], "\"abc\"");
	CHECK_STR(v[1], "\"d\\\"e\"");
	dns_txt_free(v, n);
}

TEST(dns_txt_remove_only_ours)
{
	const char *cur[] = {"\"theirs\"", "\"ou\" \"rs\"", "\"x\"", "\"ours\""};
	const char *ours[] = {"ours", "not-there"};
	char **v = NULL;
	size_t n = 0;

	REQUIRE(dns_txt_remove(cur, 4, ours, 2, &v, &n) == 0);
	REQUIRE(n == 2);
	CHECK_STR(v[0], "\"theirs\"");
	CHECK_STR(v[1], "\"x\"");
	dns_txt_free(v, n);
}

TEST(dns_txt_remove_none_or_all)
{
	const char *cur[] = {"\"a\"", "\"b\""};
	const char *ab[] = {"b", "a"};
	const char *c[] = {"c"};
	char **v = NULL;
	size_t n = 9;

	REQUIRE(dns_txt_remove(cur, 2, c, 1, &v, &n) == 0);
	CHECK_INT(n, 2); /* none of ours: nothing to do */
	dns_txt_free(v, n);
	REQUIRE(dns_txt_remove(cur, 2, ab, 2, &v, &n) == 0);
	CHECK_INT(n, 0); /* all ours: delete the set */
	dns_txt_free(v, n);
}
