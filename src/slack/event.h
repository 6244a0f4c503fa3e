/*
 * API Gateway proxy events as the Slack dispatcher needs them: REST API
 * (payload 1.0: httpMethod, headers as sent) and HTTP API (payload 2.0:
 * requestContext.http.method, lower-case headers, duplicates joined with
 * commas), bodies plain or base64 (isBase64Encoded). And the proxy
 * response both accept: {"statusCode","headers","body","isBase64Encoded"}.
 */
#ifndef AAA_SLACK_EVENT_H
#define AAA_SLACK_EVENT_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "util/err.h"

struct slack_http {
	int version;	    /* 1 (REST) or 2 (HTTP API) */
	const char *method; /* borrowed from the event; "" when absent */
	char *body;	    /* owned, decoded, NUL-terminated (may hold NULs) */
	size_t body_len;
	const cJSON *headers; /* borrowed: the event's "headers" object, may be NULL */
};

/*
 * Reads event into req (zeroed first; free with slack_event_free, also
 * after a failure). 0, or -1 with err set (source "input"; the message says
 * why: not an API Gateway event, or a base64 body that does not decode).
 */
int slack_event_read(const cJSON *event, struct slack_http *req, struct aaa_err *err);
void slack_event_free(struct slack_http *req);

/*
 * The header's value, name compared without regard to case (borrowed);
 * NULL when absent, and also when two differently-cased copies disagree
 * (a REST API passes headers as sent, so "X-Slack-Signature" and
 * "x-slack-signature" could both arrive: ambiguity is never resolved in
 * the sender's favour).
 */
const char *slack_event_header(const struct slack_http *req, const char *name);

/*
 * The proxy response text (caller frees): statusCode, Content-Type
 * application/json and body = the compact JSON of body_json (borrowed).
 * NULL on allocation failure.
 */
char *slack_event_response(int status, const cJSON *body_json);

#endif
