SRCS += src/crypto/hash.c src/crypto/b64.c src/crypto/names.c src/crypto/key.c \
	src/crypto/jwk.c src/crypto/jws.c src/crypto/csr.c src/crypto/x509.c \
	src/crypto/pkcs12.c
UNIT_SRCS += tests/unit/test_hash.c tests/unit/test_crypto_util.c tests/unit/test_crypto_names.c \
	tests/unit/test_crypto_key.c tests/unit/test_crypto_jws.c \
	tests/unit/test_crypto_csr.c tests/unit/test_crypto_x509.c tests/unit/test_crypto_pkcs12.c
TOOL_SRCS += tests/tools/crypto_tool.c
