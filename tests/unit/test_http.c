/*
 * http/ without a server: the parallel GET's cap, and that every GET of
 * http_get_many ends with an answer or a named transport failure, in the
 * order given, when libcurl refuses a URL before any connection. What needs
 * a server (overlap, keep-alive, TLS, timeouts) is tests/integration/test_http.py.
 */
#define _GNU_SOURCE
#include "harness.h"

#include <stdlib.h>
#include <string.h>

#include "http/http.h"

TEST(http_parallel_cap)
{
	CHECK_INT(http_parallel(4, 100), 4);
	CHECK_INT(http_parallel(0, 100), HTTP_GET_MANY_MAX);
	CHECK_INT(http_parallel(-3, 100), HTTP_GET_MANY_MAX);
	CHECK_INT(http_parallel(HTTP_GET_MANY_MAX + 1, 100), HTTP_GET_MANY_MAX);
	CHECK_INT(http_parallel(8, 3), 3);
	CHECK_INT(http_parallel(8, 0), 0);
}

TEST(http_get_many_nothing_to_do)
{
	CHECK_INT(http_get_many(NULL, 0, 4, 0), 0);
}

/* More refused URLs than slots: each slot takes the next one after a
 * failure, and each failure names its own URL (without its query). */
TEST(http_get_many_refused_urls_each_fail_by_name)
{
	struct http_get g[5];
	const char *urls[5] = {"ftp://ca.example/a", "gopher://ca.example/b?secret=1",
			       "ftp://ca.example/c", "ftp://ca.example/d", "ftp://ca.example/e"};
	size_t i;

	memset(g, 0, sizeof(g));
	for (i = 0; i < 5; i++)
		g[i].url = urls[i];
	CHECK_INT(http_get_many(g, 5, 2, 0), 0);
	for (i = 0; i < 5; i++) {
		CHECK_INT(g[i].rc, -1);
		CHECK_INT(g[i].sent, 1);
		CHECK_INT(g[i].resp.status, 0);
		CHECK_INT(g[i].resp.retryable, 0);
		CHECK(strncmp(g[i].resp.error, "GET ", 4) == 0);
		CHECK(strstr(g[i].resp.error, strchr(urls[i], ':')) != NULL ||
		      strstr(g[i].resp.error, "gopher://ca.example/b:") != NULL);
		CHECK(strstr(g[i].resp.error, "secret") == NULL);
		http_response_free(&g[i].resp);
	}
}
