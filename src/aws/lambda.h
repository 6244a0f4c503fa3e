/*
 * Lambda client: Invoke only (POST /2015-03-31/functions/NAME/invocations,
 * REST-JSON). The scheduler and the dispatcher invoke the executor with
 * InvocationType Event; the executor re-invokes itself the same way before
 * its deadline; `aaa` and tests may invoke synchronously (RequestResponse).
 *
 * Return values as in s3.h: 0 on a 2xx answer (202 for Event, 200 for
 * RequestResponse, also when the function itself failed: see
 * function_error), 1 on an AWS error answer (ResourceNotFoundException,
 * AccessDeniedException, TooManyRequestsException after the retries,
 * RequestTooLargeException...), -1 when no answer arrived. reply->message
 * is the one line for the user whenever rc != 0. Free the reply with
 * aws_reply_free in every case.
 */
#ifndef AAA_AWS_LAMBDA_H
#define AAA_AWS_LAMBDA_H

#include "aws/client.h"

/* Lambda's payload limits: 6 MB synchronous, 1 MB asynchronous (Event). */
#define LAMBDA_MAX_SYNC_PAYLOAD	 (6u * 1024u * 1024u)
#define LAMBDA_MAX_ASYNC_PAYLOAD (1024u * 1024u)

/* Invoke: async=1 → InvocationType Event (202), else RequestResponse; *response (caller frees,
 * may be NULL) is the payload; *function_error (caller frees) is X-Amz-Function-Error or NULL.
 * function_name: a name, a partial or full ARN (encoded once in the path); response and
 * function_error may be NULL when not wanted. */
int lambda_invoke(const char *function_name, const char *payload_json, int async, char **response,
		  char **function_error, struct aws_reply *reply);
/* The same with a retry policy (NULL: the default), for callers on a clock:
 * the dispatcher within Slack's 3 s, the executor before its deadline. */
int lambda_invoke_policy(const char *function_name, const char *payload_json, int async,
			 char **response, char **function_error,
			 const struct aws_retry_policy *policy, struct aws_reply *reply);

#endif
