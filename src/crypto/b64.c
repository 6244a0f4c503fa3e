/*
 * Hand-written on purpose: OpenSSL's EVP_EncodeBlock has no URL alphabet and
 * its decoder accepts whitespace and padding in places JOSE forbids, so the
 * strict codec is the smaller and safer choice here.
 */
#include "crypto/b64.h"

#include <stdlib.h>
#include <string.h>

static const char s_std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char s_url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static char *s_encode(const unsigned char *in, size_t len, const char *alpha, int pad)
{
	size_t olen = 4 * ((len + 2) / 3) + 1, i, o = 0;
	char *out;

	if (len > ((size_t)-1) / 2)
		return NULL;
	out = malloc(olen);
	if (out == NULL)
		return NULL;
	for (i = 0; i + 2 < len; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];

		out[o++] = alpha[v >> 18 & 63];
		out[o++] = alpha[v >> 12 & 63];
		out[o++] = alpha[v >> 6 & 63];
		out[o++] = alpha[v & 63];
	}
	if (i < len) {
		unsigned v = (unsigned)in[i] << 16 | (i + 1 < len ? (unsigned)in[i + 1] << 8 : 0);

		out[o++] = alpha[v >> 18 & 63];
		out[o++] = alpha[v >> 12 & 63];
		if (i + 1 < len)
			out[o++] = alpha[v >> 6 & 63];
		else if (pad)
			out[o++] = '=';
		if (pad)
			out[o++] = '=';
	}
	out[o] = '\0';
	return out;
}

char *b64_encode(const void *data, size_t len)
{
	return s_encode(data, len, s_std, 1);
}

char *b64url_encode(const void *data, size_t len)
{
	return s_encode(data, len, s_url, 0);
}

static int s_value(char c, const char *alpha)
{
	const char *p = c ? strchr(alpha, c) : NULL;

	return p ? (int)(p - alpha) : -1;
}

/* Padding is required for standard base64 and refused for base64url. */
static unsigned char *s_decode(const char *text, size_t len, const char *alpha, int pad,
			       size_t *outlen)
{
	unsigned char *out = NULL;
	size_t i, o = 0, npad = 0;
	unsigned acc = 0;
	int bits = 0;

	if (pad) {
		if (len % 4 != 0)
			return NULL;
		while (npad < 2 && len > 0 && text[len - 1] == '=') {
			len--;
			npad++;
		}
	} else if (len % 4 == 1) {
		return NULL;
	}
	out = malloc(len * 3 / 4 + 1);
	if (out == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		int v = s_value(text[i], alpha);

		if (v < 0) {
			free(out);
			return NULL;
		}
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits & 0xff);
		}
	}
	/* Leftover bits must be zero (canonical encoding). */
	if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) {
		free(out);
		return NULL;
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

unsigned char *b64_decode(const char *text, size_t textlen, size_t *outlen)
{
	return s_decode(text, textlen, s_std, 1, outlen);
}

unsigned char *b64url_decode(const char *text, size_t textlen, size_t *outlen)
{
	return s_decode(text, textlen, s_url, 0, outlen);
}
