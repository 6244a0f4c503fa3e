# The store: keys, the backend interface, the file backend and the s3://
# backend (which registers itself and needs the AWS clients).
SRCS += src/store/store.c src/store/keys.c src/store/store_file.c src/store/store_s3.c \
	src/store/index.c
UNIT_SRCS += tests/unit/test_store_keys.c tests/unit/test_store.c tests/unit/test_store_file.c \
	tests/unit/test_store_index.c
