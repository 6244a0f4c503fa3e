/*
 * A growable byte buffer that is always NUL-terminated (data[len] == 0 once
 * anything was appended), so text can be used as a C string directly.
 * Ownership: the buffer owns data; buf_free releases it, buf_wipe_free
 * cleanses it first (use for anything that held a secret).
 */
#ifndef AAA_UTIL_BUF_H
#define AAA_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
};

#define BUF_INIT                                                                                   \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

int buf_reserve(struct buf *b, size_t extra);
int buf_append(struct buf *b, const void *data, size_t len);
int buf_append_str(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Hands the data over to the caller (caller frees); the buffer is reset.
 * Returns an empty string rather than NULL for an empty buffer. */
/* When b is longer than max bytes: cuts it there (never inside a UTF-8
 * sequence) and appends mark ("..."). 0/-1. */
int buf_cut(struct buf *b, size_t max, const char *mark);
char *buf_steal(struct buf *b);
void buf_reset(struct buf *b);
void buf_free(struct buf *b);
void buf_wipe_free(struct buf *b);

#endif
