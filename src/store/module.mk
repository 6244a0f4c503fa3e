SRCS += src/store/store.c src/store/keys.c src/store/store_file.c
UNIT_SRCS += tests/unit/test_store_keys.c tests/unit/test_store.c tests/unit/test_store_file.c
