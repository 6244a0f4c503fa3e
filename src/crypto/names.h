/*
 * DNS name validation for certificate identifiers (RFC 1035/1123 host
 * names, RFC 8555 wildcard rules). Used before a name reaches a CSR, an
 * ACME order or Route53, so every layer refuses the same names with the same
 * message. Pure functions, no OpenSSL.
 *
 * Accepted: ASCII letters, digits and '-' (LDH) in dot-separated labels of
 * 1..63 characters, no label starting or ending with '-', at most 253
 * characters in all, no trailing dot, optionally "*." as the whole leftmost
 * label. Upper case is accepted (DNS is case-insensitive); compare names with
 * name_equal. Internationalized names must be given as A-labels ("xn--...").
 */
#ifndef AAA_CRYPTO_NAMES_H
#define AAA_CRYPTO_NAMES_H

#include <stddef.h>

#include "util/err.h"

#define NAME_MAX_LEN  253
#define LABEL_MAX_LEN 63

/*
 * 0 if name is acceptable; otherwise -1 and err set (source "input", a
 * message naming the input and the problem; err may be NULL).
 */
int name_validate(const char *name, struct aaa_err *err);

/*
 * Validates every name and refuses an empty list and duplicates (compared
 * case-insensitively). 0 or -1 with err set.
 */
int names_validate_list(const char *const *names, size_t n, struct aaa_err *err);

/* 1 if a and b are the same DNS name ignoring ASCII case, else 0. */
int name_equal(const char *a, const char *b);

/* Lower-cases the ASCII letters of name in place (ACME CAs compare names
 * case-insensitively and return them lower-cased). */
void name_lower(char *name);

/* The one spelling of a certificate name: lower case, one trailing dot
 * dropped ("Case.Example.Test." -> "case.example.test"), in place. */
void name_normalize(char *name);

/* 1 for "*.example.com" style names. */
int name_is_wildcard(const char *name);

#endif
