# The KMS-held ACME account key and `aaa doctor` (owner: awsx).
SRCS += src/agent/kms_signer.c src/agent/doctor.c
UNIT_SRCS += tests/unit/test_kms_signer.c tests/unit/test_doctor.c
