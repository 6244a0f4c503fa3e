#define _DEFAULT_SOURCE
#include "aws/awserr.h"

#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "json/json.h"
#include "util/buf.h"
#include "util/mem.h"
#include "xml/xml.h"

static const struct {
	long status;
	const char *code;
} s_status_codes[] = {
    {301, "PermanentRedirect"},
    {307, "TemporaryRedirect"},
    {400, "BadRequest"},
    {401, "Unauthorized"},
    {403, "Forbidden"},
    {404, "NotFound"},
    {405, "MethodNotAllowed"},
    {409, "Conflict"},
    {411, "LengthRequired"},
    {412, "PreconditionFailed"},
    {413, "RequestEntityTooLarge"},
    {416, "InvalidRange"},
    {429, "TooManyRequests"},
    {500, "InternalError"},
    {501, "NotImplemented"},
    {502, "BadGateway"},
    {503, "ServiceUnavailable"},
    {504, "GatewayTimeout"},
};

/*
 * One printable line: control characters and runs of white space become
 * one space, the ends are trimmed, and the text is cut (on a UTF-8
 * character boundary) at max bytes. An AWS message is not trusted to be
 * short or free of terminal escapes. Caller frees.
 */
static char *s_one_line(const char *s, size_t len, size_t max)
{
	struct buf b = BUF_INIT;
	char *ret = NULL;
	int space = 0;
	size_t i;

	for (i = 0; s && i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f || c == ' ') {
			space = b.len > 0;
			continue;
		}
		if (space && buf_append(&b, " ", 1) != 0)
			goto out;
		space = 0;
		if (buf_append(&b, &s[i], 1) != 0)
			goto out;
	}
	if (buf_cut(&b, max, "...") != 0)
		goto out;
	ret = buf_steal(&b);
out:
	buf_free(&b);
	return ret;
}

/* An error code as the protocols spell it: "ns#Code" -> "Code",
 * "Code:http://internal..." -> "Code". Caller frees; NULL if empty. */
static char *s_clean_code(const char *raw)
{
	const char *p, *hash;
	size_t n;

	if (raw == NULL)
		return NULL;
	hash = strrchr(raw, '#');
	p = hash ? hash + 1 : raw;
	n = strcspn(p, ":");
	return n ? s_one_line(p, n, 128) : NULL;
}

/* Depth-first search for the first <Error> element. */
static xmlNode *s_find_error(xmlNode *n)
{
	xmlNode *c, *f;

	for (; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp((const char *)n->name, "Error") == 0)
			return n;
		for (c = n->children; c; c = c->next)
			if ((f = s_find_error(c)) != NULL)
				return f;
	}
	return NULL;
}

/* The spellings AWS's services use for one member, the first one present
 * wins: the request id outside <Error>, and a JSON body's code and message. */
static const char *const s_request_id_names[] = {"RequestId", "RequestID", NULL};
static const char *const s_code_names[] = {"__type", "code", "Code", NULL};
static const char *const s_message_names[] = {"message", "Message", "errorMessage", NULL};

static int s_parse_xml(const char *body, size_t len, char **code, char **msg, char **rid)
{
	xmlDoc *doc = NULL;
	xmlNode *root, *err;
	char *t = NULL;
	int rc = -1;

	doc = xml_parse(body, len, "AWS error answer");
	root = xml_root(doc);
	if (root == NULL)
		goto out;
	err = s_find_error(root);
	if (err) {
		t = xml_path_text(err, "Code");
		*code = s_clean_code(t);
		free(t);
		t = xml_path_text(err, "Message");
		*msg = t ? s_one_line(t, strlen(t), AWS_ERROR_MAX_MESSAGE) : NULL;
		free(t);
		t = xml_path_text(err, "RequestId");
	}
	if (t == NULL)
		t = xml_path_text_first(root, s_request_id_names);
	*rid = t ? s_one_line(t, strlen(t), 128) : NULL;
	rc = 0;
out:
	free(t);
	if (doc)
		xmlFreeDoc(doc);
	return rc;
}

static int s_parse_json(const char *body, size_t len, char **code, char **msg)
{
	const char *c, *m;
	cJSON *doc;
	int rc = -1;

	doc = json_parse(body, len, "AWS error answer");
	if (doc == NULL)
		goto out;
	c = json_str_first(doc, s_code_names);
	m = json_str_first(doc, s_message_names);
	*code = s_clean_code(c);
	*msg = m ? s_one_line(m, strlen(m), AWS_ERROR_MAX_MESSAGE) : NULL;
	rc = 0;
out:
	cJSON_Delete(doc);
	return rc;
}

int aws_error_parse(long status, const char *body, size_t len, const char *request_id_hdr,
		    const char *error_type_hdr, struct aws_error *out)
{
	char *code = NULL, *msg = NULL, *rid = NULL;
	size_t skip = 0, i;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	out->http_status = status;
	while (body && skip < len && strchr(" \t\r\n", body[skip]))
		skip++;
	if (body && skip < len && body[skip] == '<')
		s_parse_xml(body + skip, len - skip, &code, &msg, &rid);
	else if (body && skip < len && body[skip] == '{')
		s_parse_json(body + skip, len - skip, &code, &msg);
	if (error_type_hdr) {
		char *h = s_clean_code(error_type_hdr);

		if (h) {
			free(code);
			code = h;
		}
	}
	if (request_id_hdr && *request_id_hdr) {
		free(rid);
		rid = s_one_line(request_id_hdr, strlen(request_id_hdr), 128);
	}
	if (code == NULL) {
		for (i = 0; i < sizeof(s_status_codes) / sizeof(s_status_codes[0]); i++)
			if (s_status_codes[i].status == status)
				code = str_dup(s_status_codes[i].code);
		if (code == NULL)
			code = str_printf("HTTP%ld", status);
	}
	if (msg == NULL)
		msg = str_dup("");
	if (code == NULL || msg == NULL)
		goto out;
	out->code = code;
	out->message = msg;
	out->request_id = rid && *rid ? rid : NULL;
	if (out->request_id == NULL)
		free(rid);
	code = msg = rid = NULL;
	rc = 0;
out:
	free(code);
	free(msg);
	free(rid);
	return rc;
}

int aws_error_from_response(const struct http_response *resp, struct aws_error *out)
{
	const char *rid = http_response_header(resp, "x-amz-request-id");

	if (rid == NULL)
		rid = http_response_header(resp, "x-amzn-RequestId");
	return aws_error_parse(resp->status, resp->body.data, resp->body.len, rid,
			       http_response_header(resp, "x-amzn-ErrorType"), out);
}

int aws_error_is(const struct aws_error *e, const char *code)
{
	return e && e->code && code && strcmp(e->code, code) == 0;
}

char *aws_error_format(const struct aws_error *e, const char *service, const char *operation,
		       const char *resource)
{
	struct buf b = BUF_INIT;
	char *ret = NULL;

	if (buf_printf(&b, "%s %s", service ? service : "AWS", operation ? operation : "request") ||
	    (resource && *resource && buf_printf(&b, " %s", resource)) ||
	    buf_printf(&b, ": %s", e->code ? e->code : "UnknownError") ||
	    (e->message && *e->message && buf_printf(&b, ": %s", e->message)) ||
	    buf_append_str(&b, " (") ||
	    (e->request_id && buf_printf(&b, "request id %s, ", e->request_id)) ||
	    buf_printf(&b, "HTTP %ld)", e->http_status))
		goto out;
	ret = buf_steal(&b);
out:
	buf_free(&b);
	return ret;
}

void aws_error_free(struct aws_error *e)
{
	if (e == NULL)
		return;
	free(e->code);
	free(e->message);
	free(e->request_id);
	memset(e, 0, sizeof(*e));
}
