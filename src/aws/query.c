/*
 * AWS Query protocol requests. See query.h.
 */
#define _GNU_SOURCE
#include "aws/query.h"

#include <stdlib.h>
#include <string.h>

#include "aws/paging.h"
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
	xmlDoc *d = NULL;
	int rc;

	if (doc)
		*doc = NULL;
	h[0].name = "Content-Type";
	h[0].value = "application/x-www-form-urlencoded; charset=utf-8";
	aws_call_init(&c, svc, action, "POST", "/", resource);
	c.headers = h;
	c.nheaders = 1;
	c.body = body->data ? body->data : "";
	c.body_len = body->len;
	c.region = region;
	rc = aws_call(&c, reply);
	if (rc != 0)
		goto out;
	d = xml_parse(reply->resp.body.data ? reply->resp.body.data : "", reply->resp.body.len,
		      NULL);
	if (d == NULL || xml_root(d) == NULL) {
		if (d)
			xmlFreeDoc(d);
		d = NULL;
		free(reply->message);
		reply->message =
		    str_printf("%s %s%s%s: the answer is not XML", aws_service_name(svc), action,
			       resource ? " " : "", resource ? resource : "");
		rc = -1;
	}
	if (doc)
		*doc = d;
	else if (d)
		xmlFreeDoc(d);
out:
	return rc;
}

int aws_query_list(enum aws_service svc, const char *action, const struct aws_query_listing *l,
		   unsigned *pages, struct aws_reply *reply)
{
	struct buf b = BUF_INIT;
	struct aws_pager pg;
	xmlDoc *doc = NULL;
	char *next = NULL;
	int rc = -1, more;

	aws_pager_init(&pg, "marker", "%s", l->what);
	do {
		buf_free(&b);
		if (doc)
			xmlFreeDoc(doc);
		doc = NULL;
		aws_reply_free(reply);
		if (aws_pager_start(&pg, reply) != 0)
			goto out;
		if (aws_query_start(&b, action, l->version) ||
		    (l->value && aws_query_add(&b, l->param, l->value)) ||
		    (pg.marker && aws_query_add(&b, "Marker", pg.marker))) {
			reply->message = str_printf("%s: out of memory", l->what);
			goto out;
		}
		rc = aws_query_call(svc, l->region, action, l->value, &b, &doc, reply);
		if (rc != 0)
			goto out;
		rc = -1;
		if (l->page(l->ctx, doc, reply, &next) != 0) {
			free(next);
			if (!reply->message)
				reply->message = str_printf("%s: unexpected answer", l->what);
			goto out;
		}
		more = aws_pager_next(&pg, next, -1, reply);
		next = NULL;
	} while (more > 0);
	rc = more; /* 0: complete; -1: the pager refused the marker */
out:
	buf_free(&b);
	if (doc)
		xmlFreeDoc(doc);
	return aws_pager_end(&pg, rc, NULL, pages, reply);
}
