/*
 * aws_call and the S3 client against a scripted HTTP server on 127.0.0.1 in
 * a thread: the retry loop, the error line, the clock-skew correction and
 * the headers every PutObject carries, offline and fast.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "aws/client.h"
#include "aws/s3.h"
#include "harness.h"
#include "util/buf.h"

#define MAX_STEPS 8

struct fake {
	int fd;
	int port;
	const char *answers[MAX_STEPS]; /* full HTTP responses, in order */
	int nanswers;
	int served;
	char last[8192]; /* the last request's head */
	char first[8192];
	pthread_t th;
};

/* Reads one request (head and Content-Length body); 0 when one arrived. */
static int s_read_request(int c, char *head, size_t cap)
{
	size_t n = 0;
	ssize_t r;
	char *end = NULL, *cl;
	long body = 0, have;

	while (n + 1 < cap && (end = strstr(head, "\r\n\r\n")) == NULL) {
		r = read(c, head + n, cap - 1 - n);
		if (r <= 0)
			return -1;
		n += (size_t)r;
		head[n] = '\0';
	}
	if (end == NULL)
		return -1;
	cl = strcasestr(head, "\r\ncontent-length:");
	if (cl)
		body = strtol(cl + 17, NULL, 10);
	have = (long)(n - (size_t)(end + 4 - head));
	while (have < body) {
		char tmp[4096];

		r = read(c, tmp, sizeof(tmp));
		if (r <= 0)
			return -1;
		have += r;
	}
	end[4] = '\0';
	return 0;
}

static void *s_serve(void *arg)
{
	struct fake *f = arg;
	char head[8192];
	const char *ans;

	while (f->served < f->nanswers) {
		int c = accept(f->fd, NULL, NULL);

		if (c < 0)
			break;
		memset(head, 0, sizeof(head));
		if (s_read_request(c, head, sizeof(head)) == 0) {
			if (f->served == 0)
				memcpy(f->first, head, sizeof(head));
			memcpy(f->last, head, sizeof(head));
			/* Counted before the answer goes out: the client may check
			 * served as soon as it has read it. */
			ans = f->answers[f->served++];
			if (write(c, ans, strlen(ans)) < 0)
				break;
		}
		close(c);
	}
	return NULL;
}

static int s_start(struct fake *f)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	char url[64];

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	f->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (f->fd < 0 || bind(f->fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    listen(f->fd, 8) != 0 || getsockname(f->fd, (struct sockaddr *)&a, &len) != 0)
		return -1;
	f->port = ntohs(a.sin_port);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", f->port);
	setenv("AWS_ENDPOINT_URL", url, 1);
	setenv("AWS_REGION", "us-east-1", 1);
	setenv("AWS_ACCESS_KEY_ID", "AKIDUNIT", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "unit-secret", 1);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	unsetenv("AWS_SESSION_TOKEN");
	unsetenv("AWS_PROFILE");
	aws_client_cleanup();
	http_init();
	return pthread_create(&f->th, NULL, s_serve, f);
}

static void s_stop(struct fake *f)
{
	shutdown(f->fd, SHUT_RDWR);
	close(f->fd);
	pthread_join(f->th, NULL);
	aws_client_cleanup();
	unsetenv("AWS_ENDPOINT_URL");
	unsetenv("AWS_REGION");
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
}

/* A full HTTP/1.1 answer with the right Content-Length; caller frees. */
static char *s_answer(const char *status_line, const char *headers, const char *body)
{
	char *out = NULL;

	if (asprintf(&out, "HTTP/1.1 %s\r\n%sContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
		     status_line, headers, strlen(body), body) < 0)
		return NULL;
	return out;
}

#define SLOWDOWN                                                                                   \
	"HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nContent-Length: 96\r\n"        \
	"Connection: close\r\n\r\n"                                                                \
	"<Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message></Error>      "   \
	"        "
#define OK_EMPTY                                                                                   \
	"HTTP/1.1 200 OK\r\nETag: \"abc\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"

TEST(aws_call_retries_slowdown_then_succeeds)
{
	struct fake f;
	struct aws_call c;
	struct aws_reply r;
	struct aws_retry_policy p = {5, 1, 5, 10000, 1000, 0};

	memset(&f, 0, sizeof(f));
	f.answers[0] = SLOWDOWN;
	f.answers[1] = SLOWDOWN;
	f.answers[2] = OK_EMPTY;
	f.nanswers = 3;
	REQUIRE(s_start(&f) == 0);
	memset(&c, 0, sizeof(c));
	c.service = AWS_S3;
	c.operation = "GetObject";
	c.method = "GET";
	c.bucket = "bkt";
	c.key = "a b/c";
	c.resource = "a b/c";
	c.policy = &p;
	CHECK_INT(aws_call(&c, &r), 0);
	CHECK_INT((int)r.attempts, 3);
	CHECK_INT((int)r.resp.status, 200);
	CHECK_INT(f.served, 3);
	/* path style on a custom endpoint, the key encoded once */
	CHECK(strncmp(f.last, "GET /bkt/a%20b/c HTTP/1.1\r\n", 27) == 0);
	aws_reply_free(&r);
	s_stop(&f);
}

TEST(aws_call_access_denied_is_final_with_one_line)
{
	struct fake f;
	struct aws_reply r;

	memset(&f, 0, sizeof(f));
	char *denied = s_answer("403 Forbidden", "x-amz-request-id: R1\r\n",
				"<Error><Code>AccessDenied</Code><Message>Access Denied</Message>"
				"</Error>");

	REQUIRE(denied);
	f.answers[0] = denied;
	f.nanswers = 1;
	REQUIRE(s_start(&f) == 0);
	CHECK_INT(s3_get_object("bkt", "aaa-data/v1/x", &r), 1);
	CHECK_INT((int)r.attempts, 1);
	CHECK_STR(r.message, "S3 GetObject aaa-data/v1/x: AccessDenied: Access Denied "
			     "(request id R1, HTTP 403)");
	aws_reply_free(&r);
	s_stop(&f);
	free(denied);
}

TEST(s3_put_always_asks_for_sse_kms)
{
	struct fake f;
	struct aws_reply r;
	struct s3_put_options o = {"key-123", NULL, 1, NULL};

	memset(&f, 0, sizeof(f));
	f.answers[0] = OK_EMPTY;
	f.nanswers = 1;
	REQUIRE(s_start(&f) == 0);
	CHECK_INT(s3_put_object("bkt", "aaa-data/v1/k", "hello", 5, &o, &r), 0);
	CHECK(strcasestr(f.last, "\r\nx-amz-server-side-encryption: aws:kms\r\n") != NULL);
	CHECK(strcasestr(f.last, "\r\nx-amz-server-side-encryption-aws-kms-key-id: key-123\r\n") !=
	      NULL);
	CHECK(strcasestr(f.last, "\r\nx-amz-server-side-encryption-bucket-key-enabled: true\r\n") !=
	      NULL);
	CHECK(strcasestr(f.last, "\r\nIf-None-Match: *\r\n") != NULL);
	CHECK(strcasestr(f.last, "\r\nx-amz-content-sha256: ") != NULL);
	/* the SSE headers are signed, not just sent */
	CHECK(strstr(f.last, "x-amz-server-side-encryption;") != NULL);
	CHECK(strstr(f.last, "unit-secret") == NULL);
	aws_reply_free(&r);
	s_stop(&f);
}

static void s_skew_case(int head)
{
	struct fake f;
	struct aws_reply r;
	char hdr[128], date[64], *skewed, *d1, *d2;
	time_t ahead = time(NULL) + 1200;
	struct tm tm;

	gmtime_r(&ahead, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	snprintf(hdr, sizeof(hdr), "Date: %s\r\n", date);
	/* A HEAD answer has no body, so no error code: the Date header alone
	 * must reveal the skew, as the SDKs detect it. */
	skewed = s_answer("403 Forbidden", hdr,
			  head ? "" : "<Error><Code>RequestTimeTooSkewed</Code></Error>");
	REQUIRE(skewed);
	memset(&f, 0, sizeof(f));
	f.answers[0] = skewed;
	f.answers[1] = OK_EMPTY;
	f.nanswers = 2;
	REQUIRE(s_start(&f) == 0);
	CHECK_INT(head ? s3_head_object("bkt", "k", &r) : s3_get_object("bkt", "k", &r), 0);
	CHECK_INT((int)r.attempts, 2);
	CHECK(aws_client_clock_skew() >= 1195 && aws_client_clock_skew() <= 1205);
	d1 = strcasestr(f.first, "\r\nX-Amz-Date: ");
	d2 = strcasestr(f.last, "\r\nX-Amz-Date: ");
	REQUIRE(d1 && d2);
	/* the re-signed request carries the server's time, 20 minutes later */
	CHECK(strncmp(d1 + 14, d2 + 14, 16) < 0);
	aws_reply_free(&r);
	s_stop(&f);
	free(skewed);
}

TEST(aws_call_corrects_clock_skew_and_resigns)
{
	s_skew_case(0);
}

TEST(aws_call_detects_skew_on_head_from_date)
{
	s_skew_case(1);
}

TEST(aws_call_forbidden_with_right_clock_is_not_retried)
{
	struct fake f;
	struct aws_reply r;
	char hdr[128], date[64], *ans;
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	snprintf(hdr, sizeof(hdr), "Date: %s\r\n", date);
	ans = s_answer("403 Forbidden", hdr, "");
	REQUIRE(ans);
	memset(&f, 0, sizeof(f));
	f.answers[0] = ans;
	f.nanswers = 1;
	REQUIRE(s_start(&f) == 0);
	CHECK_INT(s3_head_object("bkt", "k", &r), 1);
	CHECK_INT((int)r.attempts, 1);
	aws_reply_free(&r);
	s_stop(&f);
	free(ans);
}

static int s_collect(void *ctx, const char *key)
{
	struct buf *b = ctx;

	return buf_printf(b, "%s|", key);
}

TEST(s3_list_follows_continuation_tokens_encoded)
{
	struct fake f;
	struct aws_reply r;
	struct buf keys = BUF_INIT;
	unsigned pages = 0;
	char *p1 =
	    s_answer("200 OK", "",
		     "<?xml version=\"1.0\"?><ListBucketResult xmlns=\"http://s3.amazonaws.com/"
		     "doc/2006-03-01/\"><IsTruncated>true</IsTruncated><Contents><Key>p/a"
		     "&amp;b</Key></Contents><NextContinuationToken>1/ab+c=="
		     "</NextContinuationToken></ListBucketResult>");
	char *p2 = s_answer("200 OK", "",
			    "<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>p/c"
			    "</Key></Contents><Contents><Key>p/d e</Key></Contents>"
			    "</ListBucketResult>");

	REQUIRE(p1 && p2);
	memset(&f, 0, sizeof(f));
	f.answers[0] = p1;
	f.answers[1] = p2;
	f.nanswers = 2;
	REQUIRE(s_start(&f) == 0);
	CHECK_INT(s3_list_objects("bkt", "p/", 2, s_collect, &keys, &pages, &r), 0);
	CHECK_INT((int)pages, 2);
	CHECK_STR(keys.data, "p/a&b|p/c|p/d e|");
	CHECK(strncmp(f.first, "GET /bkt?", 9) == 0);
	CHECK(strstr(f.first, "list-type=2") != NULL);
	CHECK(strstr(f.first, "max-keys=2") != NULL);
	CHECK(strstr(f.first, "prefix=p%2F") != NULL);
	CHECK(strstr(f.last, "continuation-token=1%2Fab%2Bc%3D%3D") != NULL);
	aws_reply_free(&r);
	s_stop(&f);
	buf_free(&keys);
	free(p1);
	free(p2);
}

TEST(s3_list_truncated_without_token_fails)
{
	struct fake f;
	struct aws_reply r;
	struct buf keys = BUF_INIT;
	char *p1 = s_answer("200 OK", "",
			    "<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>");

	REQUIRE(p1);
	memset(&f, 0, sizeof(f));
	f.answers[0] = p1;
	f.nanswers = 1;
	REQUIRE(s_start(&f) == 0);
	CHECK_INT(s3_list_objects("bkt", "", 0, s_collect, &keys, NULL, &r), -1);
	CHECK(r.message && strstr(r.message, "without a continuation token") != NULL);
	aws_reply_free(&r);
	s_stop(&f);
	buf_free(&keys);
	free(p1);
}
