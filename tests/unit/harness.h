/*
 * A minimal unit-test harness: each TEST() registers itself at load time
 * (constructor), so test files never edit a central list. The runner prints
 * one line per failure and ends with "unit: N passed, N failed".
 *
 * CHECK* record a failure and continue; REQUIRE* record and leave the test
 * (jumping to the test's "out:" label is not possible from a macro, so they
 * return: declare owned resources so that an early return is acceptable in
 * test code, or use CHECK and clean up).
 */
#ifndef AAA_TESTS_HARNESS_H
#define AAA_TESTS_HARNESS_H

#include <stddef.h>
#include <string.h>

typedef void (*test_fn)(void);
void harness_register(const char *file, const char *name, test_fn fn);
void harness_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Path of a fixture under tests/fixtures (static buffer). */
const char *fixture_path(const char *rel);
/* A fresh empty directory under $TMPDIR for this test (static buffer). */
const char *test_tmpdir(void);
/* Writes text to dir/rel, making rel's folders (0700); a failure is a
 * test failure. */
void write_test_file(const char *dir, const char *rel, const char *text);
/* Read a whole file; NUL-terminated; caller frees; NULL on error. */
char *read_file_all(const char *path, size_t *len);

/*
 * The run logs error lines to a file of its own (nothing reaches the
 * terminal), so a test can read what a module without an error out-parameter
 * logged: harness_last_error is the last error line since
 * harness_clear_errors, without "aaa: error: " ("" when none; static
 * buffer). A test that reconfigures the logger ends with
 * harness_log_restore.
 */
const char *harness_last_error(void);
void harness_clear_errors(void);
void harness_log_restore(void);

#define TEST(name)                                                                                 \
	static void test_##name(void);                                                             \
	__attribute__((constructor)) static void register_##name(void)                             \
	{                                                                                          \
		harness_register(__FILE__, #name, test_##name);                                    \
	}                                                                                          \
	static void test_##name(void)

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			harness_fail(__FILE__, __LINE__, "CHECK(%s)", #cond);                      \
	} while (0)

#define REQUIRE(cond)                                                                              \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			harness_fail(__FILE__, __LINE__, "REQUIRE(%s)", #cond);                    \
			return;                                                                    \
		}                                                                                  \
	} while (0)

#define CHECK_INT(a, b)                                                                            \
	do {                                                                                       \
		long long a_ = (long long)(a), b_ = (long long)(b);                                \
		if (a_ != b_)                                                                      \
			harness_fail(__FILE__, __LINE__, "%s == %lld, expected %s == %lld", #a,    \
				     a_, #b, b_);                                                  \
	} while (0)

#define CHECK_STR(a, b)                                                                            \
	do {                                                                                       \
		const char *a_ = (a), *b_ = (b);                                                   \
		if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0)                               \
			harness_fail(__FILE__, __LINE__, "%s == \"%s\", expected \"%s\"", #a,      \
				     a_ ? a_ : "(null)", b_ ? b_ : "(null)");                      \
	} while (0)

#endif
