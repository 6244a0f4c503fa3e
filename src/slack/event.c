/*
 * API Gateway proxy events and responses for the Slack path (see
 * slack/event.h).
 */
#define _DEFAULT_SOURCE
#include "slack/event.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crypto/b64.h"
#include "json/json.h"
#include "util/mem.h"

void slack_event_free(struct slack_http *req)
{
	if (req == NULL)
		return;
	if (req->body != NULL) {
		/* The body holds the legacy token, when Slack still sends one. */
		mem_wipe(req->body, req->body_len);
		free(req->body);
	}
	memset(req, 0, sizeof(*req));
}

/*
 * Payload 2.0 names the method in requestContext.http.method; 1.0 at the
 * top as httpMethod. A body of null (no body) is an empty body.
 */
int slack_event_read(const cJSON *event, struct slack_http *req, struct aaa_err *err)
{
	const cJSON *body;
	const cJSON *http;
	const char *m;
	int rc = -1;

	memset(req, 0, sizeof(*req));
	if (!cJSON_IsObject(event)) {
		err_set(err, "input", "", "the event is not a JSON object");
		goto out;
	}
	m = json_str(event, "httpMethod");
	if (m != NULL) {
		req->version = 1;
	} else if ((m = json_str(event, "version")) != NULL && strcmp(m, "2.0") == 0) {
		req->version = 2;
		http = json_obj(json_obj(event, "requestContext"), "http");
		m = json_str(http, "method");
	} else {
		err_set(err, "input", "", "not an API Gateway proxy event (payload 1.0 or 2.0)");
		goto out;
	}
	req->method = m ? m : "";
	req->headers = json_obj(event, "headers");
	body = cJSON_GetObjectItemCaseSensitive(event, "body");
	if (body == NULL || cJSON_IsNull(body)) {
		req->body = str_dup("");
	} else if (!cJSON_IsString(body)) {
		err_set(err, "input", "", "the event's body is not a string");
		goto out;
	} else if (json_bool(event, "isBase64Encoded", 0)) {
		req->body = (char *)b64_decode(body->valuestring, strlen(body->valuestring),
					       &req->body_len);
		if (req->body == NULL) {
			err_set(err, "input", "", "the event's body is not valid base64");
			goto out;
		}
	} else {
		req->body = str_dup(body->valuestring);
		req->body_len = req->body ? strlen(req->body) : 0;
	}
	if (req->body == NULL) {
		err_set(err, "internal", "", "out of memory");
		goto out;
	}
	rc = 0;
out:
	if (rc != 0)
		slack_event_free(req);
	return rc;
}

const char *slack_event_header(const struct slack_http *req, const char *name)
{
	const cJSON *h;
	const char *found = NULL;

	if (req->headers == NULL)
		return NULL;
	cJSON_ArrayForEach(h, req->headers)
	{
		if (h->string == NULL || strcasecmp(h->string, name) != 0 || !cJSON_IsString(h))
			continue;
		if (found != NULL && strcmp(found, h->valuestring) != 0)
			return NULL;
		found = h->valuestring;
	}
	return found;
}

char *slack_event_response(int status, const cJSON *body_json)
{
	cJSON *resp = NULL, *headers;
	char *body = NULL, *out = NULL;

	body = body_json ? json_print(body_json) : str_dup("");
	resp = cJSON_CreateObject();
	if (body == NULL || resp == NULL)
		goto out;
	headers = cJSON_AddObjectToObject(resp, "headers");
	if (cJSON_AddNumberToObject(resp, "statusCode", status) == NULL || headers == NULL ||
	    cJSON_AddStringToObject(headers, "Content-Type", "application/json") == NULL ||
	    cJSON_AddStringToObject(resp, "body", body) == NULL ||
	    cJSON_AddFalseToObject(resp, "isBase64Encoded") == NULL)
		goto out;
	out = json_print(resp);
out:
	free(body);
	cJSON_Delete(resp);
	return out;
}
