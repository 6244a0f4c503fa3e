# AWS layer: the pure core (signing, credentials chain, endpoints, retry
# policy, error parsing). Service clients are added here as they come.
SRCS += src/aws/env.c src/aws/awstime.c src/aws/sigv4.c src/aws/credentials.c \
	src/aws/credentials_ini.c src/aws/credentials_profile.c src/aws/credentials_http.c \
	src/aws/endpoint.c src/aws/retry.c src/aws/awserr.c
UNIT_SRCS += tests/unit/test_sigv4.c tests/unit/test_sigv4_own.c tests/unit/test_sigv4_edge.c tests/unit/test_aws_time.c tests/unit/test_aws_retry.c tests/unit/test_aws_ini.c tests/unit/test_aws_credentials.c tests/unit/test_aws_endpoint.c tests/unit/test_aws_error.c
TOOL_SRCS += tests/tools/aws_probe.c
