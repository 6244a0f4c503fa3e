/*
 * The AWS JSON 1.1 protocol. See json11.h.
 */
#include "aws/json11.h"

#include <stdio.h>
#include <string.h>

int aws_json_call(enum aws_service service, const char *target_prefix, const char *op,
		  const char *region, const char *resource, const char *body,
		  struct aws_reply *reply)
{
	struct aws_call c;
	struct aws_header h[2];
	char target[128];

	snprintf(target, sizeof(target), "%s.%s", target_prefix, op);
	h[0].name = "Content-Type";
	h[0].value = "application/x-amz-json-1.1";
	h[1].name = "X-Amz-Target";
	h[1].value = target;
	aws_call_init(&c, service, op, "POST", "/", resource);
	c.headers = h;
	c.nheaders = 2;
	c.body = body;
	c.body_len = strlen(body);
	c.region = region;
	return aws_call(&c, reply);
}
