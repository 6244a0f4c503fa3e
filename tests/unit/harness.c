/*
 * Runner for tests registered with TEST(). Usage: unit [SUBSTRING]
 * runs the tests whose "file:name" contains SUBSTRING (all by default).
 */
#define _GNU_SOURCE
#include "harness.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log/log.h"

struct test_case {
	const char *file;
	const char *name;
	test_fn fn;
};

static struct test_case s_tests[2048];
static size_t s_ntests;
static int s_current_failed;
static const struct test_case *s_current;
static char s_tmproot[2048];
static unsigned s_tmpseq;
static FILE *s_log;

void harness_log_restore(void)
{
	log_configure(s_log ? LOG_ERROR : LOG_LEVEL_MAX, 0, s_log ? s_log : stderr);
}

void harness_clear_errors(void)
{
	if (s_log == NULL)
		return;
	fflush(s_log);
	if (ftruncate(fileno(s_log), 0) == 0)
		rewind(s_log);
}

const char *harness_last_error(void)
{
	static const char mark[] = "aaa: error: ";
	static char line[4096];
	char *all = NULL, *p, *hit = NULL;
	long n;

	line[0] = '\0';
	if (s_log == NULL || fflush(s_log) != 0 || (n = ftell(s_log)) <= 0)
		return line;
	all = calloc(1, (size_t)n + 1);
	if (all == NULL || fseek(s_log, 0, SEEK_SET) != 0)
		goto out;
	if (fread(all, 1, (size_t)n, s_log) != (size_t)n)
		goto out;
	for (p = all; (p = strstr(p, mark)) != NULL; p += sizeof(mark) - 1)
		if (p == all || p[-1] == '\n')
			hit = p + sizeof(mark) - 1;
	if (hit != NULL)
		snprintf(line, sizeof(line), "%.*s", (int)strcspn(hit, "\n"), hit);
out:
	fseek(s_log, 0, SEEK_END);
	free(all);
	return line;
}

void harness_register(const char *file, const char *name, test_fn fn)
{
	if (s_ntests >= sizeof(s_tests) / sizeof(s_tests[0])) {
		fprintf(stderr, "harness: too many tests\n");
		exit(2);
	}
	s_tests[s_ntests].file = file;
	s_tests[s_ntests].name = name;
	s_tests[s_ntests].fn = fn;
	s_ntests++;
}

void harness_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "FAIL %s (%s:%d): ", s_current ? s_current->name : "?", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	s_current_failed = 1;
}

const char *fixture_path(const char *rel)
{
	static char path[4096];
	const char *root = getenv("AAA_FIXTURES");

	snprintf(path, sizeof(path), "%s/%s", root ? root : "tests/fixtures", rel);
	return path;
}

const char *test_tmpdir(void)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/t%u", s_tmproot, ++s_tmpseq);
	if (mkdir(path, 0700) != 0) {
		perror(path);
		exit(2);
	}
	return path;
}

void write_test_file(const char *dir, const char *rel, const char *text)
{
	char path[1024];
	char *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	for (slash = strchr(path + strlen(dir) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0700);
		*slash = '/';
	}
	f = fopen(path, "w");
	if (f == NULL) {
		harness_fail(__FILE__, __LINE__, "cannot write %s", path);
		return;
	}
	fputs(text, f);
	fclose(f);
}

char *read_file_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	size_t cap = 0, n = 0, r;

	if (f == NULL)
		return NULL;
	do {
		if (n + 4096 + 1 > cap) {
			char *p;

			cap = cap ? cap * 2 : 8192;
			p = realloc(data, cap);
			if (p == NULL) {
				free(data);
				fclose(f);
				return NULL;
			}
			data = p;
		}
		r = fread(data + n, 1, cap - n - 1, f);
		n += r;
	} while (r > 0);
	fclose(f);
	data[n] = '\0';
	if (len)
		*len = n;
	return data;
}

static int s_rm_tree(const char *dir)
{
	char cmd[4200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

int main(int argc, char **argv)
{
	const char *filter = argc > 1 ? argv[1] : NULL;
	const char *tmp = getenv("TMPDIR");
	size_t i, passed = 0, failed = 0;
	char label[512];

	snprintf(s_tmproot, sizeof(s_tmproot), "%s/aaa-unit-XXXXXX", tmp ? tmp : "/tmp");
	if (mkdtemp(s_tmproot) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	/* Error lines go to a file of the run's own (harness_last_error);
	 * nothing reaches the terminal. */
	s_log = tmpfile();
	harness_log_restore();
	for (i = 0; i < s_ntests; i++) {
		snprintf(label, sizeof(label), "%s:%s", s_tests[i].file, s_tests[i].name);
		if (filter && strstr(label, filter) == NULL)
			continue;
		s_current = &s_tests[i];
		harness_clear_errors();
		s_current_failed = 0;
		s_tests[i].fn();
		if (s_current_failed) {
			failed++;
			fprintf(stderr, "not ok %s\n", label);
		} else {
			passed++;
			if (getenv("AAA_TEST_VERBOSE"))
				printf("ok %s\n", label);
		}
	}
	s_current = NULL;
	s_rm_tree(s_tmproot);
	printf("unit: %zu passed, %zu failed\n", passed, failed);
	return failed ? 1 : (passed ? 0 : 1);
}
