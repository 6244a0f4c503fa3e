/*
 * The AWS API actions aaa can call, one table for the whole program: which
 * service and operation (as the client passes it in struct aws_call), the
 * IAM action it needs, which handlers call it, on what, and why.
 *
 * It is the source of the IAM policies: template.yaml and
 * deploy/policies/ grant each Lambda function exactly the IAM
 * actions of the rows carrying its handler bit, and
 * tests/integration/test_iam.py checks both ways (every operation the
 * clients in src/aws/ name is here; each policy equals the table). A new
 * client call therefore starts with a row here.
 */
#ifndef AAA_AWS_ACTIONS_H
#define AAA_AWS_ACTIONS_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "aws/endpoint.h"

/* Who calls an action: one bit per Lambda handler, plus the CLI. */
enum aws_caller {
	AWS_CALLER_SCHEDULER = 1u << 0,
	AWS_CALLER_DISPATCHER = 1u << 1,
	AWS_CALLER_EXECUTOR = 1u << 2,
	AWS_CALLER_CLI = 1u << 3,
};

#define AWS_CALLER_MAX 4

/* The resource an action is granted on; the policies map each to an ARN. */
enum aws_scope {
	AWS_SCOPE_DATA_OBJECTS,	  /* arn:aws:s3:::BUCKET/aaa-data/... */
	AWS_SCOPE_BUCKET,	  /* arn:aws:s3:::BUCKET, listing limited to aaa-data/ */
	AWS_SCOPE_DATA_KEY,	  /* the stack's KMS key (SSE-KMS, Slack secret) */
	AWS_SCOPE_ACCOUNT_KEY,	  /* optional: an ACME account key held in KMS */
	AWS_SCOPE_EXECUTOR,	  /* the executor function */
	AWS_SCOPE_ZONE_ROLES,	  /* optional: roles for hosted zones in other accounts */
	AWS_SCOPE_HOSTED_ZONES,	  /* arn:aws:route53:::hostedzone/... */
	AWS_SCOPE_DNS_CHANGES,	  /* arn:aws:route53:::change/... */
	AWS_SCOPE_ACM_CERTS,	  /* ACM certificate/... */
	AWS_SCOPE_SERVER_CERTS,	  /* IAM server-certificate/... */
	AWS_SCOPE_LOAD_BALANCERS, /* ELB load balancers and listeners */
	AWS_SCOPE_DISTRIBUTIONS,  /* CloudFront distribution/... */
	AWS_SCOPE_ANY,		  /* "*": the action has no resource type */
	AWS_SCOPE_MAX
};

struct aws_action {
	enum aws_service service;
	/* As the client sets aws_call.operation ("ListObjectsV2"); NULL for a
	 * permission another service uses on our behalf (via says which). */
	const char *operation;
	const char *iam;  /* the IAM action: "s3:ListBucket" */
	unsigned callers; /* enum aws_caller bits */
	enum aws_scope scope;
	const char *via; /* NULL, or the call that needs it ("S3 PutObject (SSE-KMS)") */
	const char *why;
};

/* The table (static, borrowed) and its length. */
const struct aws_action *aws_actions(size_t *count);

/* Names for logs and JSON: "scheduler"..."cli"; NULL for anything but one
 * bit. */
const char *aws_caller_name(unsigned bit);
/* "data-objects"... ; NULL out of range. */
const char *aws_scope_name(enum aws_scope scope);

/*
 * The row for service and operation (borrowed), or NULL when the table has
 * none, i.e. no policy grants it. Rows with a NULL operation never match.
 */
const struct aws_action *aws_action_find(enum aws_service service, const char *operation);

/*
 * The table as a JSON array of
 *   {"service":"S3","operation":"ListObjectsV2"|null,"iam":"s3:ListBucket",
 *    "callers":["scheduler",...],"scope":"bucket","via":null|"...","why":"..."}
 * Caller frees with cJSON_Delete; NULL on allocation failure.
 */
cJSON *aws_actions_json(void);

#endif
