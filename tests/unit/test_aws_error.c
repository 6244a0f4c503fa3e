/* AWS error answers of every protocol aaa meets, parsed into code, message
 * and request id, and the one line the user reads. */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

#include "aws/awserr.h"
#include "http/http.h"
#include "util/buf.h"
#include "util/mem.h"

struct err_case {
	const char *name;
	long status;
	const char *body;
	const char *rid_hdr, *type_hdr;
	const char *code, *message, *rid;
};

static const struct err_case s_cases[] = {
    {"s3", 403,
     "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code>"
     "<Message>Access Denied</Message><RequestId>4442587FB7D0A2F9</RequestId>"
     "<HostId>abc=</HostId></Error>",
     NULL, NULL, "AccessDenied", "Access Denied", "4442587FB7D0A2F9"},
    {"s3 header id wins", 404,
     "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message>"
     "<Key>aaa-data/v1/x</Key><RequestId>BODY</RequestId></Error>",
     "HDR", NULL, "NoSuchKey", "The specified key does not exist.", "HDR"},
    {"route53 (restXml, namespace)", 400,
     "<?xml version=\"1.0\"?>\n<ErrorResponse xmlns=\"https://route53.amazonaws.com/doc/"
     "2013-04-01/\"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded"
     "</Message></Error><RequestId>a1b2</RequestId></ErrorResponse>",
     NULL, NULL, "Throttling", "Rate exceeded", "a1b2"},
    {"sts/iam (query)", 403,
     "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <Error>\n"
     "    <Type>Sender</Type>\n    <Code>InvalidClientTokenId</Code>\n"
     "    <Message>The security token included in the request is invalid.</Message>\n"
     "  </Error>\n  <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>\n"
     "</ErrorResponse>\n",
     NULL, NULL, "InvalidClientTokenId", "The security token included in the request is invalid.",
     "c6104cbe-af31-11e0-8154-cbc7ccf896c7"},
    {"ec2 style", 400,
     "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit "
     "exceeded.</Message></Error></Errors><RequestID>ec2-id</RequestID></Response>",
     NULL, NULL, "RequestLimitExceeded", "Request limit exceeded.", "ec2-id"},
    {"kms (json 1.1)", 400,
     "{\"__type\":\"com.amazonaws.kms#NotFoundException\",\"message\":\"Alias "
     "arn:aws:kms:us-east-1:1:alias/aaa is not found.\"}",
     "kms-rid", NULL, "NotFoundException", "Alias arn:aws:kms:us-east-1:1:alias/aaa is not found.",
     "kms-rid"},
    {"json Code/Message", 400, "{\"Code\":\"ValidationError\",\"Message\":\"bad\"}", NULL, NULL,
     "ValidationError", "bad", NULL},
    {"lambda (restJson, header type)", 404,
     "{\"Type\":\"User\",\"Message\":\"Function not found: arn:aws:lambda:x\"}", "lam-rid",
     "ResourceNotFoundException", "ResourceNotFoundException",
     "Function not found: arn:aws:lambda:x", "lam-rid"},
    {"header type wins, suffix stripped", 400, "{\"code\":\"BodyCode\",\"message\":\"m\"}", NULL,
     "ValidationException:http://internal.amazon.com/coral/com.amazon.coral.validate/",
     "ValidationException", "m", NULL},
    {"HEAD 404, no body", 404, "", "rid404", NULL, "NotFound", "", "rid404"},
    {"412 no body", 412, NULL, NULL, NULL, "PreconditionFailed", "", NULL},
    {"unknown status, garbage body", 418, "teapot", NULL, NULL, "HTTP418", "", NULL},
    {"malformed xml", 500, "<Error><Code>Internal", NULL, NULL, "InternalError", "", NULL},
    {"malformed json", 503, "{\"__type\":", NULL, NULL, "ServiceUnavailable", "", NULL},
    {"message made one line (xml)", 400,
     "<Error><Code>X</Code><Message>  two\n\tlines  </Message></Error>", NULL, NULL, "X",
     "two lines", NULL},
    {"terminal escapes dropped (json)", 400,
     "{\"code\":\"X\",\"message\":\" a\\u001b[31mred\\u001b[0m\\r\\nb \"}", NULL, NULL, "X",
     "a [31mred [0m b", NULL},
    {"entities are not expanded from a DTD", 400,
     "<!DOCTYPE Error [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><Error><Code>E</Code>"
     "<Message>&e;</Message></Error>",
     NULL, NULL, "E", "", NULL},
};

TEST(aws_error_parse_protocols)
{
	size_t i;

	for (i = 0; i < sizeof(s_cases) / sizeof(s_cases[0]); i++) {
		const struct err_case *c = &s_cases[i];
		struct aws_error e;

		if (aws_error_parse(c->status, c->body, c->body ? strlen(c->body) : 0, c->rid_hdr,
				    c->type_hdr, &e) != 0) {
			harness_fail(__FILE__, __LINE__, "%s: parse failed", c->name);
			continue;
		}
		CHECK_INT(e.http_status, c->status);
		if (strcmp(e.code, c->code) != 0 || strcmp(e.message, c->message) != 0 ||
		    (c->rid == NULL) != (e.request_id == NULL) ||
		    (c->rid && strcmp(c->rid, e.request_id) != 0))
			harness_fail(__FILE__, __LINE__, "%s: got %s / %s / %s", c->name, e.code,
				     e.message, e.request_id ? e.request_id : "(none)");
		aws_error_free(&e);
	}
}

TEST(aws_error_long_message_cut_on_utf8_boundary)
{
	struct buf b = BUF_INIT;
	struct aws_error e;
	int i;

	buf_append_str(&b, "<Error><Code>C</Code><Message>");
	for (i = 0; i < 400; i++)
		buf_append_str(&b, "\xc3\xa9"); /* 800 bytes of 'é' */
	buf_append_str(&b, "</Message></Error>");
	REQUIRE(aws_error_parse(400, b.data, b.len, NULL, NULL, &e) == 0);
	CHECK_INT(strlen(e.message), AWS_ERROR_MAX_MESSAGE + 3);
	CHECK(str_has_suffix(e.message, "\xc3\xa9..."));
	aws_error_free(&e);
	buf_free(&b);
}

TEST(aws_error_user_line)
{
	struct aws_error e;
	char *s;

	REQUIRE(aws_error_parse(403, s_cases[0].body, strlen(s_cases[0].body), "ABC", NULL, &e) ==
		0);
	s = aws_error_format(&e, "S3", "PutObject", "aaa-data/v1/x");
	CHECK_STR(s, "S3 PutObject aaa-data/v1/x: AccessDenied: Access Denied (request id ABC, "
		     "HTTP 403)");
	free(s);
	CHECK(aws_error_is(&e, "AccessDenied"));
	CHECK(!aws_error_is(&e, "Access"));
	aws_error_free(&e);

	REQUIRE(aws_error_parse(404, NULL, 0, NULL, NULL, &e) == 0);
	s = aws_error_format(&e, "S3", "HeadObject", NULL);
	CHECK_STR(s, "S3 HeadObject: NotFound (HTTP 404)");
	free(s);
	aws_error_free(&e);
}

TEST(aws_error_from_http_response)
{
	struct http_header hs[] = {
	    {(char *)"X-Amzn-RequestId", (char *)"rid-7"},
	    {(char *)"x-amzn-errortype", (char *)"TooManyRequestsException"}};
	struct http_response r;
	struct aws_error e;

	memset(&r, 0, sizeof(r));
	r.status = 429;
	buf_append_str(&r.body, "{\"message\":\"Rate exceeded\"}");
	r.headers = hs;
	r.nheaders = 2;
	REQUIRE(aws_error_from_response(&r, &e) == 0);
	CHECK_STR(e.code, "TooManyRequestsException");
	CHECK_STR(e.message, "Rate exceeded");
	CHECK_STR(e.request_id, "rid-7");
	CHECK_INT(e.http_status, 429);
	aws_error_free(&e);
	buf_free(&r.body);
}
