/*
 * AWS error responses, parsed into code, message and request id, and told
 * to the user in one line:
 *
 *   S3 PutObject aaa-data/v1/x: AccessDenied: Access Denied (request id ABC, HTTP 403)
 *
 * Bodies: XML (<Error> as S3 sends it, <ErrorResponse><Error> from the query
 * and REST-XML services, <Response><Errors><Error> from EC2-style APIs) and
 * JSON ("__type"/"code"/"Code", with a "namespace#" prefix stripped;
 * "message"/"Message"). Headers: x-amzn-ErrorType (takes precedence, as in
 * botocore), x-amz-request-id / x-amzn-RequestId. A body without an error
 * (a HEAD answer) gets a code named after the HTTP status ("NotFound").
 */
#ifndef AAA_AWS_AWSERR_H
#define AAA_AWS_AWSERR_H

#include <stddef.h>

struct http_response;

#define AWS_ERROR_MAX_MESSAGE 512

struct aws_error {
	long http_status;
	char *code;	  /* never NULL after a successful parse */
	char *message;	  /* one line, control characters removed; may be "" */
	char *request_id; /* NULL when the answer carried none */
};

/*
 * Parses an error answer. request_id_hdr and error_type_hdr are the
 * values of the x-amz(n)-request-id and x-amzn-ErrorType headers (NULL if
 * absent). A malformed body is not a failure: the code then comes from
 * the status. 0/-1 (allocation only); out must be freed with aws_error_free.
 */
int aws_error_parse(long status, const char *body, size_t len, const char *request_id_hdr,
		    const char *error_type_hdr, struct aws_error *out);
/* The same from an http/ response (headers looked up by name). */
int aws_error_from_response(const struct http_response *resp, struct aws_error *out);
/* 1 when e's code is code. */
int aws_error_is(const struct aws_error *e, const char *code);
/* "<service> <operation>[ <resource>]: <code>[: <message>] (request id X, HTTP N)".
 * Caller frees; NULL on allocation failure. */
char *aws_error_format(const struct aws_error *e, const char *service, const char *operation,
		       const char *resource);
void aws_error_free(struct aws_error *e);

#endif
