/*
 * Lambda Invoke over aws_call. See lambda.h.
 */
#define _GNU_SOURCE
#include "aws/lambda.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/mem.h"

/*
 * The function name is one path segment: encoded once here (':' of an ARN
 * and any '/' included), encoded a second time only in the canonical
 * request, as SigV4 does for every service but S3. The payload is sent as
 * given; an oversize one is refused here with Lambda's limit named rather
 * than after a round trip.
 */
int lambda_invoke(const char *function_name, const char *payload_json, int async, char **response,
		  char **function_error, struct aws_reply *reply)
{
	return lambda_invoke_policy(function_name, payload_json, async, response, function_error,
				    NULL, reply);
}

int lambda_invoke_policy(const char *function_name, const char *payload_json, int async,
			 char **response, char **function_error,
			 const struct aws_retry_policy *policy, struct aws_reply *reply)
{
	struct aws_call c;
	struct aws_header h[2];
	struct buf path = BUF_INIT;
	const char *payload = payload_json ? payload_json : "{}";
	const char *fe;
	size_t plen = strlen(payload),
	       limit = async ? LAMBDA_MAX_ASYNC_PAYLOAD : LAMBDA_MAX_SYNC_PAYLOAD;
	int rc = -1;

	if (response)
		*response = NULL;
	if (function_error)
		*function_error = NULL;
	memset(reply, 0, sizeof(*reply));
	if (function_name == NULL || *function_name == '\0') {
		reply->message = str_printf("Lambda Invoke: no function name");
		goto out;
	}
	if (plen > limit) {
		reply->message =
		    str_printf("Lambda Invoke %s: payload of %zu bytes is over "
			       "Lambda's %s limit of %zu bytes",
			       function_name, plen, async ? "asynchronous" : "synchronous", limit);
		goto out;
	}
	if (buf_append_str(&path, "/2015-03-31/functions/") ||
	    aws_uri_encode_buf(&path, function_name, strlen(function_name), 1) ||
	    buf_append_str(&path, "/invocations")) {
		reply->message = str_printf("Lambda Invoke %s: out of memory", function_name);
		goto out;
	}
	h[0].name = "Content-Type";
	h[0].value = "application/json";
	h[1].name = "X-Amz-Invocation-Type";
	h[1].value = async ? "Event" : "RequestResponse";
	aws_call_init(&c, AWS_LAMBDA, "Invoke", "POST", path.data, function_name);
	c.headers = h;
	c.nheaders = 2;
	c.body = payload;
	c.body_len = plen;
	c.policy = policy;
	rc = aws_call(&c, reply);
	if (rc != 0)
		goto out;
	rc = -1;
	fe = http_response_header(&reply->resp, "X-Amz-Function-Error");
	if (function_error && fe && (*function_error = str_dup(fe)) == NULL)
		goto out;
	if (response && !async &&
	    (*response = str_ndup(reply->resp.body.data ? reply->resp.body.data : "",
				  reply->resp.body.len)) == NULL)
		goto out;
	rc = 0;
out:
	if (rc == -1) {
		if (function_error) {
			free(*function_error);
			*function_error = NULL;
		}
		if (reply->message == NULL)
			reply->message = str_printf("Lambda Invoke %s: out of memory",
						    function_name ? function_name : "");
	}
	buf_free(&path);
	return rc;
}
