#include "harness.h"

#include <stdlib.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"
#include "util/time.h"

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

struct s_item {
	char *name;
	int *cleared;
};

static void s_item_clear(void *item)
{
	struct s_item *it = item;

	free(it->name);
	(*it->cleared)++;
}

TEST(mem_array_free_clears_every_item)
{
	struct s_item *v = calloc(3, sizeof(*v));
	int cleared = 0;
	size_t i;

	CHECK(v != NULL);
	for (i = 0; v && i < 3; i++) {
		v[i].name = str_printf("item-%zu", i);
		v[i].cleared = &cleared;
	}
	mem_array_free(v, v ? 3 : 0, sizeof(*v), s_item_clear);
	CHECK_INT(cleared, 3);
	mem_array_free(NULL, 0, sizeof(*v), s_item_clear);
	CHECK_INT(cleared, 3);
}

TEST(err_set_prefix_and_truncation)
{
	struct aaa_err e;
	char big[3000];

	err_clear(&e);
	CHECK(!err_is_set(&e));
	CHECK_INT(err_set(&e, "aws", "AccessDenied", "PutObject %s: %d", "k", 403), -1);
	CHECK(err_is_set(&e));
	CHECK(err_source_is(&e, "aws"));
	CHECK(!err_source_is(&e, "awsx"));
	CHECK_STR(e.code, "AccessDenied");
	CHECK_STR(e.message, "PutObject k: 403");
	err_detail(&e, 403, "req-1");
	CHECK_INT(e.http_status, 403);
	CHECK_STR(e.request_id, "req-1");
	/* Context goes first; source, code and detail stay. */
	err_prefix(&e, "cannot write %s", "certs/a");
	CHECK_STR(e.message, "cannot write certs/a: PutObject k: 403");
	CHECK_STR(e.code, "AccessDenied");
	CHECK_STR(e.request_id, "req-1");
	/* Setting again clears the detail of the last failure. */
	err_set(&e, NULL, NULL, "x");
	CHECK_STR(e.source, "");
	CHECK_STR(e.request_id, "");
	CHECK_INT(e.http_status, 0);
	/* A prefix on an empty message is the prefix alone. */
	err_clear(&e);
	err_prefix(&e, "alone");
	CHECK_STR(e.message, "alone");
	/* Over-long text truncates, the context survives. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	err_set(&e, "store", big, "%s", big);
	CHECK_INT(strlen(e.message), sizeof(e.message) - 1);
	CHECK_INT(strlen(e.code), sizeof(e.code) - 1);
	err_prefix(&e, "ctx");
	CHECK(strncmp(e.message, "ctx: xxx", 8) == 0);
	CHECK_INT(strlen(e.message), sizeof(e.message) - 1);
	err_type(&e, "StoreError");
	CHECK_STR(e.type, "StoreError");
	/* NULL is accepted everywhere and still says "failed". */
	CHECK_INT(err_set(NULL, "a", "b", "c"), -1);
	CHECK_INT(err_prefix(NULL, "c"), -1);
	err_clear(NULL);
	CHECK(!err_is_set(NULL));
}

TEST(err_copy_and_message)
{
	struct aaa_err a, b;

	err_set(&a, "acme", "urn:ietf:params:acme:error:rateLimited", "too many");
	err_copy(&b, &a);
	CHECK_STR(b.code, "urn:ietf:params:acme:error:rateLimited");
	err_message(&b, "again %d", 2);
	CHECK_STR(b.message, "again 2");
	CHECK_STR(b.source, "acme");
	err_copy(&b, &b);
	CHECK_STR(b.message, "again 2");
	err_copy(&b, NULL);
	CHECK(!err_is_set(&b));
}

TEST(time_rfc3339)
{
	time_t t = 0;

	CHECK_INT(time_parse_rfc3339("1994-11-06T08:49:37Z", &t), 0);
	CHECK_INT((long long)t, 784111777LL);
	CHECK_INT(time_parse_rfc3339("1994-11-06T10:49:37.5+02:00", &t), 0);
	CHECK_INT((long long)t, 784111777LL);
	CHECK_INT(time_parse_rfc3339("1994-11-06t07:49:37-0100", &t), 0);
	CHECK_INT((long long)t, 784111777LL);
	CHECK_INT(time_parse_rfc3339("2015-02-31T00:00:00Z", &t), -1); /* no such day */
	CHECK_INT(time_parse_rfc3339("2016-02-29T00:00:00Z", &t), 0);
	CHECK_INT(time_parse_rfc3339("1994-11-06T08:49:37", &t), -1);
	CHECK_INT(time_parse_rfc3339("1994-11-06 08:49:37Z", &t), -1);
	CHECK_INT(time_parse_rfc3339(NULL, &t), -1);
}
