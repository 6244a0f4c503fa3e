# The KMS-held ACME account key and `aaa doctor` (owner: awsx).
SRCS += src/agent/kms_signer.c
UNIT_SRCS += tests/unit/test_kms_signer.c
