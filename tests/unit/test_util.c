#include "harness.h"

#include <stdlib.h>

#include "util/buf.h"
#include "util/mem.h"

TEST(buf_append_and_printf)
{
	struct buf b = BUF_INIT;
	char *s;

	CHECK_INT(buf_append_str(&b, "abc"), 0);
	CHECK_INT(buf_printf(&b, "-%d-%s", 42, "x"), 0);
	CHECK_STR(b.data, "abc-42-x");
	CHECK_INT(b.len, 8);
	buf_reset(&b);
	CHECK_STR(b.data, "");
	/* Growth across many reallocations keeps content and NUL. */
	for (int i = 0; i < 1000; i++)
		buf_append(&b, "0123456789", 10);
	CHECK_INT(b.len, 10000);
	CHECK_INT(b.data[b.len], 0);
	s = buf_steal(&b);
	CHECK(b.data == NULL && b.len == 0);
	CHECK_INT(s[9999], '9');
	free(s);
	s = buf_steal(&b);
	CHECK_STR(s, "");
	free(s);
	buf_free(&b);
}

TEST(mem_helpers)
{
	char *s = str_printf("%s/%d", "a", 7);

	CHECK_STR(s, "a/7");
	free(s);
	CHECK(str_has_prefix("aaa-data/v1", "aaa-data/"));
	CHECK(!str_has_prefix("aa", "aaa"));
	CHECK(str_has_suffix("cert.pem", ".pem"));
	CHECK(!str_has_suffix("pem", "cert.pem"));
	CHECK(mem_equal_ct("secret", 6, "secret", 6));
	CHECK(!mem_equal_ct("secret", 6, "secreT", 6));
	CHECK(!mem_equal_ct("secret", 6, "secrets", 7));
	CHECK(str_dup(NULL) == NULL);
	s = str_ndup("abcdef", 3);
	CHECK_STR(s, "abc");
	str_wipe_free(s);
}
