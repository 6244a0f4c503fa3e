# AWS layer: the pure core (signing, credentials chain, endpoints, retry
# policy, error parsing), the generic call (client.c), the Query-protocol
# helper, the service clients over them, the KMS-held ACME account key, and
# the table of actions aaa calls (the source of the IAM policies).
SRCS += src/aws/env.c src/aws/awstime.c src/aws/sigv4.c src/aws/credentials.c \
	src/aws/credentials_ini.c src/aws/credentials_profile.c src/aws/credentials_http.c \
	src/aws/credentials_web_identity.c src/aws/credentials_sso.c src/aws/credentials_process.c \
	src/aws/endpoint.c src/aws/paging.c src/aws/retry.c src/aws/ratelimit.c src/aws/awserr.c
SRCS += src/aws/client.c src/aws/s3.c src/aws/query.c src/aws/json11.c src/aws/acm.c src/aws/iam.c src/aws/elb.c \
	src/aws/elbv2.c src/aws/cloudfront.c src/aws/route53.c src/aws/kms.c src/aws/sts.c \
	src/aws/sso.c src/aws/lambda.c src/aws/kms_signer.c src/aws/actions.c
UNIT_SRCS += tests/unit/test_aws_paging.c
UNIT_SRCS += tests/unit/test_sigv4.c tests/unit/test_sigv4_own.c tests/unit/test_sigv4_edge.c \
	tests/unit/test_aws_time.c tests/unit/test_aws_retry.c tests/unit/test_aws_ratelimit.c tests/unit/test_aws_ini.c \
	tests/unit/test_aws_credentials.c tests/unit/test_aws_credentials_sources.c \
	tests/unit/test_aws_endpoint.c tests/unit/test_aws_error.c
UNIT_SRCS += tests/unit/test_aws_client.c tests/unit/test_aws_client_call.c tests/unit/test_route53.c \
	tests/unit/test_kms_fake.c tests/unit/test_kms.c tests/unit/test_sts.c \
	tests/unit/test_lambda_client.c tests/unit/test_aws_kms_signer.c tests/unit/test_aws_actions.c
TOOL_SRCS += tests/tools/aws_probe.c tests/tools/aws_tool.c tests/tools/awsx_tool.c \
	tests/tools/actions_tool.c
