/*
 * The deploy clients on the wire, offline: a scripted HTTP server on
 * 127.0.0.1 in a thread records each request (head and body) and plays
 * canned answers. Checks what the emulator cannot: CloudFront's If-Match
 * carries each read's own ETag and a stale one is retried from a fresh
 * read (and given up after CLOUDFRONT_MAX_ATTEMPTS); the JSON 1.1 target
 * header; the per-call region in the signature's credential scope.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "aws/acm.h"
#include "aws/client.h"
#include "aws/cloudfront.h"
#include "aws/elbv2.h"
#include "aws/iam.h"
#include "harness.h"
#include "http/http.h"

#define MAX_REQ 12
#define REQ_CAP 16384

struct fake {
	int fd;
	const char *answers[MAX_REQ];
	int nanswers;
	int served;
	char req[MAX_REQ][REQ_CAP]; /* head and body of each request */
	pthread_t th;
};

static int s_read_request(int c, char *buf, size_t cap)
{
	size_t n = 0;
	ssize_t r;
	char *end = NULL, *cl;
	size_t body = 0, head;

	while (n + 1 < cap && (end = strstr(buf, "\r\n\r\n")) == NULL) {
		r = read(c, buf + n, cap - 1 - n);
		if (r <= 0)
			return -1;
		n += (size_t)r;
		buf[n] = '\0';
	}
	if (end == NULL)
		return -1;
	head = (size_t)(end + 4 - buf);
	cl = strcasestr(buf, "\r\ncontent-length:");
	if (cl && cl < end)
		body = strtoul(cl + 17, NULL, 10);
	while (n < head + body && n + 1 < cap) {
		r = read(c, buf + n, cap - 1 - n);
		if (r <= 0)
			return -1;
		n += (size_t)r;
		buf[n] = '\0';
	}
	return 0;
}

static void *s_serve(void *arg)
{
	struct fake *f = arg;

	while (f->served < f->nanswers) {
		int c = accept(f->fd, NULL, NULL);

		if (c < 0)
			break;
		memset(f->req[f->served], 0, REQ_CAP);
		if (s_read_request(c, f->req[f->served], REQ_CAP) == 0) {
			/* Counted before the answer goes out: the client may check
			 * served as soon as it has read it. */
			const char *ans = f->answers[f->served++];

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
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", ntohs(a.sin_port));
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

static char *s_answer(const char *status_line, const char *headers, const char *body)
{
	char *out = NULL;

	if (asprintf(&out, "HTTP/1.1 %s\r\n%sContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
		     status_line, headers, strlen(body), body) < 0)
		return NULL;
	return out;
}

#define CF_BODY                                                                                    \
	"<?xml version=\"1.0\"?><DistributionConfig "                                              \
	"xmlns=\"http://cloudfront.amazonaws.com/doc/2020-05-31/\"><Comment>c</Comment>"           \
	"<ViewerCertificate><CloudFrontDefaultCertificate>true</CloudFrontDefaultCertificate>"     \
	"</ViewerCertificate></DistributionConfig>"
#define CF_412                                                                                     \
	"<ErrorResponse><Error><Type>Sender</Type><Code>PreconditionFailed</Code><Message>The "    \
	"request failed because it didn't meet the "                                               \
	"preconditions</Message></Error></ErrorResponse>"

TEST(deploy_cloudfront_stale_etag_read_again)
{
	static struct fake f;
	struct aws_reply r;
	char *g1 = s_answer("200 OK", "ETag: E1\r\n", CF_BODY);
	char *p412 = s_answer("412 Precondition Failed", "", CF_412);
	char *g2 = s_answer("200 OK", "ETag: E2\r\n", CF_BODY);
	char *ok = s_answer("200 OK", "ETag: E3\r\n", "<Distribution/>");
	unsigned attempts = 0;

	REQUIRE(g1 && p412 && g2 && ok);
	memset(&f, 0, sizeof(f));
	f.answers[0] = g1;
	f.answers[1] = p412;
	f.answers[2] = g2;
	f.answers[3] = ok;
	f.nanswers = 4;
	REQUIRE(s_start(&f) == 0);
	CHECK_INT(cloudfront_set_acm_certificate("EDFDVBD6EXAMPLE",
						 "arn:aws:acm:us-east-1:1:"
						 "certificate/n",
						 &attempts, &r),
		  0);
	CHECK_INT(attempts, 2);
	CHECK_INT(f.served, 4);
	CHECK(strncmp(f.req[0], "GET /2020-05-31/distribution/EDFDVBD6EXAMPLE/config ", 52) == 0);
	CHECK(strncmp(f.req[1], "PUT /2020-05-31/distribution/EDFDVBD6EXAMPLE/config ", 52) == 0);
	CHECK(strcasestr(f.req[1], "\r\nIf-Match: E1\r\n") != NULL);
	CHECK(strcasestr(f.req[3], "\r\nIf-Match: E2\r\n") != NULL);
	CHECK(strstr(f.req[3], "<ACMCertificateArn>arn:aws:acm:us-east-1:1:certificate/n<") !=
	      NULL);
	CHECK(strstr(f.req[3], "<Comment>c</Comment>") != NULL);
	/* CloudFront is global: signed for us-east-1. */
	CHECK(strstr(f.req[1], "/us-east-1/cloudfront/aws4_request") != NULL);
	aws_reply_free(&r);
	s_stop(&f);
	free(g1);
	free(p412);
	free(g2);
	free(ok);
}

TEST(deploy_cloudfront_gives_up_after_max_attempts)
{
	static struct fake f;
	struct aws_reply r;
	char *g = s_answer("200 OK", "ETag: E\r\n", CF_BODY);
	char *p412 = s_answer("412 Precondition Failed", "", CF_412);
	unsigned attempts = 0;
	int i;

	REQUIRE(g && p412);
	REQUIRE(2 * CLOUDFRONT_MAX_ATTEMPTS <= MAX_REQ);
	memset(&f, 0, sizeof(f));
	for (i = 0; i < 2 * CLOUDFRONT_MAX_ATTEMPTS; i += 2) {
		f.answers[i] = g;
		f.answers[i + 1] = p412;
	}
	f.nanswers = i;
	REQUIRE(s_start(&f) == 0);
	CHECK_INT(cloudfront_set_acm_certificate("E1", "arn:x", &attempts, &r), 1);
	CHECK_INT(attempts, CLOUDFRONT_MAX_ATTEMPTS);
	CHECK_INT(f.served, 2 * CLOUDFRONT_MAX_ATTEMPTS);
	CHECK(r.message && strstr(r.message, "PreconditionFailed"));
	aws_reply_free(&r);
	s_stop(&f);
	free(g);
	free(p412);
}

TEST(deploy_acm_wire_and_region)
{
	static struct fake f;
	struct aws_reply r;
	char *ok = s_answer("200 OK", "Content-Type: application/x-amz-json-1.1\r\n",
			    "{\"CertificateArn\":\"arn:aws:acm:eu-west-1:1:certificate/a\"}");
	char *arn = NULL;

	REQUIRE(ok);
	memset(&f, 0, sizeof(f));
	f.answers[0] = ok;
	f.nanswers = 1;
	REQUIRE(s_start(&f) == 0);
	CHECK_INT(acm_import("eu-west-1", NULL, "C", "K", NULL, NULL, 0, &arn, &r), 0);
	CHECK_STR(arn, "arn:aws:acm:eu-west-1:1:certificate/a");
	CHECK(strncmp(f.req[0], "POST / ", 7) == 0);
	CHECK(strcasestr(f.req[0], "\r\nX-Amz-Target: CertificateManager.ImportCertificate\r\n"));
	CHECK(strcasestr(f.req[0], "\r\nContent-Type: application/x-amz-json-1.1\r\n"));
	/* The per-call region, not the configured us-east-1. */
	CHECK(strstr(f.req[0], "/eu-west-1/acm/aws4_request") != NULL);
	aws_reply_free(&r);
	free(arn);
	s_stop(&f);
	free(ok);
}

TEST(deploy_query_wire_iam_and_elbv2)
{
	static struct fake f;
	struct aws_reply r;
	char *up =
	    s_answer("200 OK", "",
		     "<UploadServerCertificateResponse><UploadServerCertificateResult>"
		     "<ServerCertificateMetadata><Arn>arn:aws:iam::1:server-certificate/aaa/x"
		     "</Arn></ServerCertificateMetadata></UploadServerCertificateResult>"
		     "</UploadServerCertificateResponse>");
	char *mod = s_answer("200 OK", "", "<ModifyListenerResponse/>");
	char *arn = NULL;

	REQUIRE(up && mod);
	memset(&f, 0, sizeof(f));
	f.answers[0] = up;
	f.answers[1] = mod;
	f.nanswers = 2;
	REQUIRE(s_start(&f) == 0);
	CHECK_INT(iam_upload("x", "/aaa/", "C", "K", "", &arn, &r), 0);
	CHECK_STR(arn, "arn:aws:iam::1:server-certificate/aaa/x");
	CHECK(strcasestr(f.req[0], "\r\nContent-Type: application/x-www-form-urlencoded"));
	CHECK(strstr(f.req[0], "\r\n\r\nAction=UploadServerCertificate&Version=2010-05-08&"
			       "ServerCertificateName=x&Path=%2Faaa%2F&CertificateBody=C&"
			       "PrivateKey=K") != NULL);
	CHECK(strstr(f.req[0], "CertificateChain") == NULL); /* empty chain not sent */
	CHECK(strstr(f.req[0], "/us-east-1/iam/aws4_request") != NULL);
	aws_reply_free(&r);
	CHECK_INT(elbv2_set_default_cert("eu-west-1", "arn:L", "arn:C", &r), 0);
	CHECK(strstr(f.req[1], "\r\n\r\nAction=ModifyListener&Version=2015-12-01&ListenerArn="
			       "arn%3AL&Certificates.member.1.CertificateArn=arn%3AC") != NULL);
	CHECK(strstr(f.req[1], "/eu-west-1/elasticloadbalancing/aws4_request") != NULL);
	aws_reply_free(&r);
	free(arn);
	s_stop(&f);
	free(up);
	free(mod);
}
