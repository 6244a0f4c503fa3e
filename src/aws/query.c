/*
 * AWS Query protocol requests. See query.h.
 */
#define _GNU_SOURCE
#include "aws/query.h"

#include <stdlib.h>
#include <string.h>

#include "aws/sigv4.h"
#include "util/mem.h"
#include "xml/xml.h"

int aws_query_start(struct buf *b, const char *action, const char *version)
{
	return aws_query_add(b, "Action", action) || aws_query_add(b, "Version", version) ? -1 : 0;
}

int aws_query_add(struct buf *b, const char *name, const char *value)
{
	if (b->len && buf_append_str(b, "&") != 0)
		return -1;
	if (aws_uri_encode_buf(b, name, strlen(name), 1) != 0 || buf_append_str(b, "=") != 0 ||
	    aws_uri_encode_buf(b, value, strlen(value), 1) != 0)
		return -1;
	return 0;
}

/*
 * One call: aws_call retries throttling and 5xx; a 2xx that is not XML is
 * a failure here (-1), so callers never walk a NULL document.
 */
int aws_query_call(enum aws_service svc, const char *region, const char *action,
		   const char *resource, const struct buf *body, xmlDoc **doc,
		   struct aws_reply *reply)
{
	struct aws_call c;
	struct aws_header h[1];
	int rc;

	*doc = NULL;
	h[0].name = "Content-Type";
	h[0].value = "application/x-www-form-urlencoded; charset=utf-8";
	memset(&c, 0, sizeof(c));
	c.service = svc;
	c.operation = action;
	c.resource = resource;
	c.method = "POST";
	c.path = "/";
	c.headers = h;
	c.nheaders = 1;
	c.body = body->data ? body->data : "";
	c.body_len = body->len;
	c.region = region;
	rc = aws_call(&c, reply);
	if (rc != 0)
		goto out;
	*doc = xml_parse(reply->resp.body.data ? reply->resp.body.data : "", reply->resp.body.len,
			 NULL);
	if (*doc == NULL || xml_root(*doc) == NULL) {
		if (*doc)
			xmlFreeDoc(*doc);
		*doc = NULL;
		free(reply->message);
		reply->message =
		    str_printf("%s %s%s%s: the answer is not XML", aws_service_name(svc), action,
			       resource ? " " : "", resource ? resource : "");
		rc = -1;
	}
out:
	return rc;
}
