/*
 * A scripted HTTP/1.1 server on 127.0.0.1 for the libFuzzer targets whose
 * parsers sit behind a network call (KMS, STS, Lambda, S3 ListObjectsV2,
 * the scheduler's invokes): the service clients keep their parsing in
 * static functions, so the fuzzer feeds the bytes through the real client,
 * aws_call, SigV4 and libcurl, as AWS would send them. Header only, test
 * code. One thread serves one keep-alive connection at a time (the process
 * has one curl handle); every request gets the answer set last with
 * fuzz_server_answer.
 */
#ifndef AAA_FUZZ_SERVER_H
#define AAA_FUZZ_SERVER_H

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

struct fuzz_server {
	int fd;
	int port;
	pthread_mutex_t mu;
	char *answer; /* full HTTP response, owned */
	size_t answer_len;
	unsigned long requests;
};

static struct fuzz_server s_fuzz_srv = {.fd = -1, .mu = PTHREAD_MUTEX_INITIALIZER};

/* Reads one request (head and Content-Length body); 0 when one arrived. */
static inline int fuzz_server_read(int c)
{
	char buf[65536];
	size_t n = 0, hlen;
	ssize_t r;
	char *end = NULL, *cl;
	long blen = 0;

	buf[0] = '\0';
	while ((end = strstr(buf, "\r\n\r\n")) == NULL) {
		if (n + 1 >= sizeof(buf))
			return -1;
		r = read(c, buf + n, sizeof(buf) - 1 - n);
		if (r <= 0)
			return -1;
		n += (size_t)r;
		buf[n] = '\0';
	}
	hlen = (size_t)(end + 4 - buf);
	cl = strcasestr(buf, "\r\ncontent-length:");
	if (cl && cl < end)
		blen = strtol(cl + 17, NULL, 10);
	if (blen < 0)
		return -1;
	/* Discard the body (it may be longer than buf). */
	n -= hlen;
	while (n < (size_t)blen) {
		r = read(c, buf, sizeof(buf) - 1);
		if (r <= 0)
			return -1;
		n += (size_t)r;
	}
	return 0;
}

static inline void *fuzz_server_run(void *arg)
{
	struct fuzz_server *s = arg;

	for (;;) {
		int c = accept(s->fd, NULL, NULL);

		if (c < 0)
			continue;
		while (fuzz_server_read(c) == 0) {
			char *a;
			size_t len, off = 0;

			pthread_mutex_lock(&s->mu);
			len = s->answer_len;
			a = malloc(len ? len : 1);
			if (a && len)
				memcpy(a, s->answer, len);
			s->requests++;
			pthread_mutex_unlock(&s->mu);
			if (a == NULL)
				break;
			while (off < len) {
				ssize_t w = write(c, a + off, len - off);

				if (w <= 0)
					break;
				off += (size_t)w;
			}
			free(a);
			if (off < len)
				break;
		}
		close(c);
	}
	return NULL;
}

/*
 * Starts the server once and points the AWS client at it: fixed test
 * credentials, a region, AWS_ENDPOINT_URL. 0/-1.
 */
static inline int fuzz_server_start(void)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	pthread_t th;
	char url[64];

	if (s_fuzz_srv.fd >= 0)
		return 0;
	s_fuzz_srv.fd = socket(AF_INET, SOCK_STREAM, 0);
	if (s_fuzz_srv.fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s_fuzz_srv.fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(s_fuzz_srv.fd, 16) != 0 ||
	    getsockname(s_fuzz_srv.fd, (struct sockaddr *)&sa, &sl) != 0)
		return -1;
	s_fuzz_srv.port = ntohs(sa.sin_port);
	if (pthread_create(&th, NULL, fuzz_server_run, &s_fuzz_srv) != 0)
		return -1;
	pthread_detach(th);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", s_fuzz_srv.port);
	setenv("AWS_ENDPOINT_URL", url, 1);
	setenv("AWS_ACCESS_KEY_ID", "AKIDFUZZ", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "fuzz-secret", 1);
	setenv("AWS_REGION", "us-east-1", 1);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	unsetenv("AWS_PROFILE");
	unsetenv("AWS_SESSION_TOKEN");
	return 0;
}

/*
 * The answer to every following request: status, extra header lines
 * ("Name: value\r\n"..., may be NULL) and the body (any bytes). 0/-1.
 */
static inline int fuzz_server_answer(int status, const char *headers, const void *body, size_t len)
{
	char head[512];
	int hl;
	char *a;

	hl = snprintf(head, sizeof(head), "HTTP/1.1 %d Fuzz\r\nContent-Length: %zu\r\n%s\r\n",
		      status, len, headers ? headers : "");
	if (hl < 0 || (size_t)hl >= sizeof(head))
		return -1;
	a = malloc((size_t)hl + len + 1);
	if (a == NULL)
		return -1;
	memcpy(a, head, (size_t)hl);
	if (len)
		memcpy(a + hl, body, len);
	pthread_mutex_lock(&s_fuzz_srv.mu);
	free(s_fuzz_srv.answer);
	s_fuzz_srv.answer = a;
	s_fuzz_srv.answer_len = (size_t)hl + len;
	pthread_mutex_unlock(&s_fuzz_srv.mu);
	return 0;
}

/* Requests served so far. */
static inline unsigned long fuzz_server_requests(void)
{
	unsigned long n;

	pthread_mutex_lock(&s_fuzz_srv.mu);
	n = s_fuzz_srv.requests;
	pthread_mutex_unlock(&s_fuzz_srv.mu);
	return n;
}

#endif
