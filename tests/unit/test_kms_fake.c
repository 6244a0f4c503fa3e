/*
 * The scripted AWS server of test_kms_fake.h.
 */
#define _GNU_SOURCE
#include "test_kms_fake.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "aws/client.h"
#include "http/http.h"

/* Reads one request into head/body; 0 when a whole one arrived. */
static int s_read_request(int c, char *head, char *body)
{
	char buf[2 * FAKE_MAX_REQ];
	size_t n = 0, hlen, have;
	ssize_t r;
	char *end = NULL, *cl;
	long blen = 0;

	buf[0] = '\0';
	while (n + 1 < sizeof(buf) && (end = strstr(buf, "\r\n\r\n")) == NULL) {
		r = read(c, buf + n, sizeof(buf) - 1 - n);
		if (r <= 0)
			return -1;
		n += (size_t)r;
		buf[n] = '\0';
	}
	if (end == NULL)
		return -1;
	hlen = (size_t)(end + 4 - buf);
	cl = strcasestr(buf, "\r\ncontent-length:");
	if (cl && cl < end)
		blen = strtol(cl + 17, NULL, 10);
	if (blen < 0 || (size_t)blen >= FAKE_MAX_REQ || hlen >= FAKE_MAX_REQ)
		return -1;
	while ((have = n - hlen) < (size_t)blen) {
		r = read(c, buf + n, sizeof(buf) - 1 - n);
		if (r <= 0)
			return -1;
		n += (size_t)r;
	}
	memcpy(head, buf, hlen);
	head[hlen] = '\0';
	memcpy(body, buf + hlen, (size_t)blen);
	body[blen] = '\0';
	return 0;
}

static void *s_serve(void *arg)
{
	struct fake_aws *f = arg;

	while (f->served < f->nanswers) {
		int c = accept(f->fd, NULL, NULL);
		int i = f->served;

		if (c < 0)
			break;
		if (s_read_request(c, f->head[i], f->body[i]) == 0) {
			/* Counted before the answer goes out: the client may check
			 * served as soon as it has read it. */
			f->served++;
			if (write(c, f->answers[i], strlen(f->answers[i])) < 0) {
				close(c);
				break;
			}
		}
		close(c);
	}
	return NULL;
}

int fake_aws_start(struct fake_aws *f)
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

int fake_aws_serve(struct fake_aws *f, int n, ...)
{
	va_list ap;
	int i, bad = n > FAKE_MAX_STEPS;

	memset(f, 0, sizeof(*f));
	va_start(ap, n);
	for (i = 0; i < n; i++) {
		char *a = va_arg(ap, char *);

		if (i < FAKE_MAX_STEPS)
			f->answers[i] = f->owned[i] = a;
		else
			free(a);
		bad |= a == NULL;
	}
	va_end(ap);
	f->nanswers = n < FAKE_MAX_STEPS ? n : FAKE_MAX_STEPS;
	if (bad || fake_aws_start(f) != 0) {
		for (i = 0; i < FAKE_MAX_STEPS; i++)
			free(f->owned[i]);
		memset(f, 0, sizeof(*f));
		return -1;
	}
	return 0;
}

void fake_aws_stop(struct fake_aws *f)
{
	int i;

	shutdown(f->fd, SHUT_RDWR);
	close(f->fd);
	pthread_join(f->th, NULL);
	for (i = 0; i < FAKE_MAX_STEPS; i++) {
		free(f->owned[i]);
		f->owned[i] = NULL;
	}
	aws_client_cleanup();
	unsetenv("AWS_ENDPOINT_URL");
	unsetenv("AWS_REGION");
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
}

char *fake_aws_answer(const char *status_line, const char *headers, const char *body)
{
	char *out = NULL;

	if (asprintf(&out, "HTTP/1.1 %s\r\n%sContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
		     status_line, headers, strlen(body), body) < 0)
		return NULL;
	return out;
}

int fake_aws_has_header(const struct fake_aws *f, int i, const char *name, const char *value)
{
	char *want = NULL;
	int found;

	if (asprintf(&want, "\r\n%s: %s\r\n", name, value) < 0)
		return 0;
	found = strcasestr(f->head[i], want) != NULL;
	free(want);
	return found;
}
