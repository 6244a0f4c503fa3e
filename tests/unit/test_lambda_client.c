/*
 * The Lambda Invoke client against a scripted server: path and headers per
 * invocation type, the payload as sent, X-Amz-Function-Error surfaced, a
 * 202 without a payload, errors in REST-JSON form, oversize payloads.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "aws/lambda.h"
#include "harness.h"
#include "test_kms_fake.h"

static struct fake_aws s_f;

TEST(lambda_invoke_request_response_with_function_error)
{
	struct aws_reply r;
	char *resp = NULL, *fe = NULL;
	char *ok = fake_aws_answer("200 OK",
				   "X-Amz-Function-Error: Unhandled\r\nX-Amz-Executed-Version: "
				   "$LATEST\r\n",
				   "{\"errorType\":\"Boom\",\"errorMessage\":\"x\"}");

	REQUIRE(fake_aws_serve(&s_f, 1, ok) == 0);
	CHECK_INT(lambda_invoke("aaa-executor", "{\"action\":\"ls\"}", 0, &resp, &fe, &r), 0);
	CHECK(strncmp(s_f.head[0], "POST /2015-03-31/functions/aaa-executor/invocations HTTP/1.1",
		      60) == 0);
	CHECK(fake_aws_has_header(&s_f, 0, "X-Amz-Invocation-Type", "RequestResponse"));
	CHECK(strstr(s_f.head[0], "/us-east-1/lambda/aws4_request") != NULL);
	CHECK_STR(s_f.body[0], "{\"action\":\"ls\"}");
	CHECK_STR(resp, "{\"errorType\":\"Boom\",\"errorMessage\":\"x\"}");
	CHECK_STR(fe, "Unhandled");
	aws_reply_free(&r);
	free(resp);
	free(fe);
	fake_aws_stop(&s_f);
}

TEST(lambda_invoke_event_is_202_without_payload)
{
	struct aws_reply r;
	char *resp = NULL, *fe = NULL;
	char *accepted = fake_aws_answer("202 Accepted", "x-amzn-RequestId: q\r\n", "");

	memset(&s_f, 0, sizeof(s_f));
	REQUIRE(accepted);
	s_f.answers[0] = accepted;
	s_f.nanswers = 1;
	/* an ARN is one path segment, its ':' encoded once */
	REQUIRE(fake_aws_start(&s_f) == 0);
	CHECK_INT(lambda_invoke("arn:aws:lambda:us-east-1:1:function:f", NULL, 1, &resp, &fe, &r),
		  0);
	CHECK_INT((int)r.resp.status, 202);
	CHECK(
	    strncmp(s_f.head[0],
		    "POST /2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A1%3Afunction%3Af/"
		    "invocations ",
		    87) == 0);
	CHECK(fake_aws_has_header(&s_f, 0, "X-Amz-Invocation-Type", "Event"));
	CHECK_STR(s_f.body[0], "{}");
	CHECK(resp == NULL);
	CHECK(fe == NULL);
	aws_reply_free(&r);
	fake_aws_stop(&s_f);
	free(accepted);
}

TEST(lambda_invoke_missing_function_is_one_line)
{
	struct aws_reply r;
	char *resp = NULL;
	char *nf = fake_aws_answer("404 Not Found",
				   "x-amzn-ErrorType: ResourceNotFoundException\r\n"
				   "x-amzn-RequestId: n1\r\n",
				   "{\"Type\":\"User\",\"message\":\"Function not found: f\"}");

	REQUIRE(fake_aws_serve(&s_f, 1, nf) == 0);
	CHECK_INT(lambda_invoke("f", "{}", 0, &resp, NULL, &r), 1);
	CHECK_STR(r.message, "Lambda Invoke f: ResourceNotFoundException: Function not found: f "
			     "(request id n1, HTTP 404)");
	CHECK(resp == NULL);
	aws_reply_free(&r);
	fake_aws_stop(&s_f);
}

TEST(lambda_invoke_refuses_oversize_async_payload)
{
	struct aws_reply r;
	char *big = malloc(LAMBDA_MAX_ASYNC_PAYLOAD + 2);

	REQUIRE(big);
	memset(big, 'a', LAMBDA_MAX_ASYNC_PAYLOAD + 1);
	big[LAMBDA_MAX_ASYNC_PAYLOAD + 1] = '\0';
	CHECK_INT(lambda_invoke("f", big, 1, NULL, NULL, &r), -1);
	CHECK(r.message && strstr(r.message, "over Lambda's asynchronous limit of 1048576 bytes"));
	aws_reply_free(&r);
	CHECK_INT(lambda_invoke("", "{}", 1, NULL, NULL, &r), -1);
	CHECK_STR(r.message, "Lambda Invoke: no function name");
	aws_reply_free(&r);
	free(big);
}
