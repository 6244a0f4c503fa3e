/*
 * Base64 (RFC 4648 section 4) and base64url without padding (section 5, as
 * JOSE and ACME use it). Encoders return a NUL-terminated string the caller
 * frees; decoders return the bytes (caller frees, NUL added after them for
 * convenience) and refuse any character outside the alphabet.
 */
#ifndef AAA_CRYPTO_B64_H
#define AAA_CRYPTO_B64_H

#include <stddef.h>

char *b64_encode(const void *data, size_t len);
char *b64url_encode(const void *data, size_t len);
unsigned char *b64_decode(const char *text, size_t textlen, size_t *outlen);
unsigned char *b64url_decode(const char *text, size_t textlen, size_t *outlen);

#endif
