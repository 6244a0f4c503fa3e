#include "crypto/hash.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "log/log.h"

int crypto_sha256(const void *data, size_t len, unsigned char out[SHA256_LEN])
{
	unsigned int n = 0;

	if (EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) != 1 || n != SHA256_LEN) {
		crypto_log_errors(__func__, "EVP_Digest");
		return -1;
	}
	return 0;
}

int crypto_sha256_hex(const void *data, size_t len, char out[2 * SHA256_LEN + 1])
{
	unsigned char md[SHA256_LEN];

	if (crypto_sha256(data, len, md) != 0)
		return -1;
	hex_encode(md, sizeof(md), out);
	return 0;
}

int crypto_sha1_hex(const void *data, size_t len, char out[2 * SHA1_LEN + 1])
{
	unsigned char md[SHA1_LEN];
	unsigned int n = 0;

	if (EVP_Digest(data, len, md, &n, EVP_sha1(), NULL) != 1 || n != SHA1_LEN) {
		crypto_log_errors(__func__, "EVP_Digest");
		return -1;
	}
	hex_encode(md, sizeof(md), out);
	return 0;
}

int crypto_hmac_sha256(const void *key, size_t keylen, const void *data, size_t len,
		       unsigned char out[SHA256_LEN])
{
	unsigned int n = 0;

	if (keylen > (size_t)INT32_MAX ||
	    HMAC(EVP_sha256(), key, (int)keylen, data, len, out, &n) == NULL || n != SHA256_LEN) {
		crypto_log_errors(__func__, "HMAC");
		return -1;
	}
	return 0;
}

void hex_encode(const unsigned char *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xf];
	}
	out[2 * len] = '\0';
}

int crypto_random(void *out, size_t len)
{
	if (len > (size_t)INT32_MAX || RAND_bytes(out, (int)len) != 1) {
		crypto_log_errors(__func__, "RAND_bytes");
		return -1;
	}
	return 0;
}

/*
 * OpenSSL keeps a per-thread queue of errors; leaving it filled makes a later,
 * unrelated failure report a stale cause, so every failure drains it here.
 */
void crypto_log_errors(const char *func, const char *what)
{
	unsigned long e;
	char msg[256];
	int any = 0;

	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, msg, sizeof(msg));
		log_msg(LOG_ERROR, func, "%s: %s", what, msg);
		any = 1;
	}
	if (!any)
		log_msg(LOG_ERROR, func, "%s failed", what);
}

const char *crypto_library_version(void)
{
	return OpenSSL_version(OPENSSL_VERSION);
}
