#define _DEFAULT_SOURCE
#include "util/mem.h"

#include "util/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mem_wipe(void *p, size_t len)
{
	if (p && len)
		explicit_bzero(p, len);
}

void mem_wipe_free(void *p, size_t len)
{
	if (p) {
		mem_wipe(p, len);
		free(p);
	}
}

void str_wipe_free(char *s)
{
	if (s)
		mem_wipe_free(s, strlen(s));
}

void mem_array_free(void *items, size_t n, size_t size, void (*clear)(void *item))
{
	char *p = items;
	size_t i;

	for (i = 0; i < n; i++)
		clear(p + i * size);
	free(items);
}

char *str_dup(const char *s)
{
	return s ? strdup(s) : NULL;
}

char *str_ndup(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (p == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *str_vprintf(const char *fmt, va_list ap)
{
	struct buf b = BUF_INIT;

	if (buf_vprintf(&b, fmt, ap) != 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

char *str_printf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = str_vprintf(fmt, ap);
	va_end(ap);
	return s;
}

int str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

int str_has_suffix(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && memcmp(s + ls - lx, suffix, lx) == 0;
}

int mem_equal_ct(const void *a, size_t alen, const void *b, size_t blen)
{
	const unsigned char *x = a, *y = b;
	unsigned char diff = 0;
	size_t i;

	if (alen != blen)
		return 0;
	for (i = 0; i < alen; i++)
		diff |= (unsigned char)(x[i] ^ y[i]);
	return diff == 0;
}

void str_join(char *buf, size_t len, const char *const *names, size_t n, const char *sep,
	      const char *last)
{
	size_t used = 0, left = 0, i;
	int w;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (i = 0; i < n; i++)
		left += names[i] != NULL;
	for (i = 0; i < n && used < len; i++) {
		if (!names[i])
			continue;
		left--;
		w = snprintf(buf + used, len - used, "%s%s",
			     used == 0	 ? ""
			     : left == 0 ? last
					 : sep,
			     names[i]);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

void str_show(const char *s, size_t max, char quote, int keep_high, const char *unit, char *out,
	      size_t outlen)
{
	size_t i, o = 0, len = strlen(s);

	for (i = 0; i < len && i < max && o + 5 < outlen; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f || (c >= 0x80 && !keep_high) ||
		    c == (unsigned char)quote || c == '\\')
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	out[o] = '\0';
	if (i < len)
		snprintf(out + o, outlen - o, "...(%zu %s)", len, unit);
}

int hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t str_utf8_cut(const char *s, size_t at)
{
	while (at > 0 && ((unsigned char)s[at] & 0xc0) == 0x80)
		at--;
	return at;
}
