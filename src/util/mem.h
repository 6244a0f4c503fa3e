/*
 * Small memory and string helpers shared by every layer. mem_wipe is the one
 * way to clear secrets: the compiler may not elide it (explicit_bzero).
 */
#ifndef AAA_UTIL_MEM_H
#define AAA_UTIL_MEM_H

#include <stdarg.h>
#include <stddef.h>

void mem_wipe(void *p, size_t len);
/* Wipes len bytes at p and frees p; NULL is fine. */
void mem_wipe_free(void *p, size_t len);
/* Wipes a NUL-terminated secret string and frees it; NULL is fine. */
void str_wipe_free(char *s);
/*
 * Frees an array of n items of size bytes each (a typed list's storage),
 * after clear has released what each item owns; items NULL with n 0 is fine.
 */
void mem_array_free(void *items, size_t n, size_t size, void (*clear)(void *item));
/* strdup that accepts NULL (returns NULL). */
char *str_dup(const char *s);
char *str_ndup(const char *s, size_t n);
/* Formatted allocation; caller frees; NULL on failure. */
char *str_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *str_vprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
int str_has_prefix(const char *s, const char *prefix);
int str_has_suffix(const char *s, const char *suffix);
/* at, moved back to the start of the UTF-8 sequence it falls inside (a
 * place where s may be cut). */
size_t str_utf8_cut(const char *s, size_t at);
/*
 * A printable, bounded rendering of untrusted text s for a message, into
 * out: control characters, backslashes, the quote character and (unless
 * keep_high, which keeps UTF-8 readable) bytes >= 0x80 as \xNN; text longer
 * than max bytes is cut with "...(<length> <unit>)".
 */
void str_show(const char *s, size_t max, char quote, int keep_high, const char *unit, char *out,
	      size_t outlen);
/* The value of the hex digit c (either case), or -1. */
int hex_value(int c);
/*
 * The n names (NULL ones skipped) joined into buf for a message or a help
 * line: sep between them, last before the last one ("a, b or c" with
 * ", " and " or "); truncated to len.
 */
void str_join(char *buf, size_t len, const char *const *names, size_t n, const char *sep,
	      const char *last);
/* Constant-time comparison of two byte strings (length leaks, content not). */
int mem_equal_ct(const void *a, size_t alen, const void *b, size_t blen);

#endif
