/*
 * The AWS JSON 1.1 protocol (ACM, KMS): a POST to "/" with
 * Content-Type application/x-amz-json-1.1 and X-Amz-Target
 * "<prefix>.<operation>", the request a JSON body. The one place that sets
 * a JSON call up; parsing the answer stays with each client.
 */
#ifndef AAA_AWS_JSON11_H
#define AAA_AWS_JSON11_H

#include "aws/client.h"

/*
 * Sends body (JSON text) as operation op of service, whose target prefix
 * is target_prefix ("CertificateManager", "TrentService"); region NULL: the
 * configured one; resource names what the call is about in messages.
 * Returns as aws_call: 0, 1 (an AWS error answer) or -1.
 */
int aws_json_call(enum aws_service service, const char *target_prefix, const char *op,
		  const char *region, const char *resource, const char *body,
		  struct aws_reply *reply);

#endif
