/*
 * A scripted HTTP server on 127.0.0.1 for the KMS, STS, Lambda and doctor
 * unit tests: answers the scripted responses in order and keeps each
 * request whole (head and body), so the tests check the wire form a client
 * builds (X-Amz-Target, form bodies, Invoke headers) and how it reads the
 * answers. s_start points AWS_ENDPOINT_URL at it with fixed credentials.
 */
#ifndef AAA_TESTS_TEST_KMS_FAKE_H
#define AAA_TESTS_TEST_KMS_FAKE_H

#define FAKE_MAX_STEPS 8
#define FAKE_MAX_REQ   16384

#include <pthread.h>

struct fake_aws {
	int fd;
	int port;
	const char *answers[FAKE_MAX_STEPS]; /* full HTTP responses, in order */
	char *owned[FAKE_MAX_STEPS];	     /* answers fake_aws_serve took; freed by stop */
	int nanswers;
	int served;
	char head[FAKE_MAX_STEPS][FAKE_MAX_REQ]; /* request heads, NUL-terminated */
	char body[FAKE_MAX_STEPS][FAKE_MAX_REQ]; /* request bodies, NUL-terminated */
	pthread_t th;
};

/* Starts the server thread (f zeroed, answers set); 0/-1. Sets AWS_* env. */
int fake_aws_start(struct fake_aws *f);
/*
 * Zeroes f, takes the n answers that follow (char *, from fake_aws_answer:
 * fake_aws_stop frees them) and starts; 0, or -1 with every answer freed
 * when one is NULL (out of memory) or the server does not start.
 */
int fake_aws_serve(struct fake_aws *f, int n, ...);
/* Joins the thread, closes the socket, clears the env and the AWS client. */
void fake_aws_stop(struct fake_aws *f);
/* "HTTP/1.1 <status_line>" with headers ("Name: v\r\n"...) and body; caller frees. */
char *fake_aws_answer(const char *status_line, const char *headers, const char *body);
/* 1 when request i's head has the header "name: value" (name any case). */
int fake_aws_has_header(const struct fake_aws *f, int i, const char *name, const char *value);

#endif
