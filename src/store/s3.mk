# The s3:// store backend (registers itself; needs the AWS clients).
SRCS += src/store/store_s3.c
