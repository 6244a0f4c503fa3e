/*
 * Shared helpers for the crypto unit tests: generated keys are cached per
 * type for the whole run (RSA 4096 generation takes seconds), fixtures are
 * read from tests/fixtures/crypto.
 */
#ifndef AAA_TESTS_TEST_CRYPTO_UTIL_H
#define AAA_TESTS_TEST_CRYPTO_UTIL_H

#include <stddef.h>

#include "crypto/key.h"

/* A generated key of type t, made once per run. Borrowed: do not free. */
struct key *tc_key(enum key_type t);
/* tests/fixtures/crypto/<rel>, NUL-terminated; caller frees; NULL if missing. */
char *tc_fixture(const char *rel, size_t *len);
/* A fixture private key; caller frees with key_free; NULL on failure. */
struct key *tc_fixture_key(const char *rel);

#endif
