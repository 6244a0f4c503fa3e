/*
 * The file:// backend, checked from outside wherever possible: contents with
 * read_file_all, modes with stat, the tree with nftw (no temporary file
 * left, nothing written for a refused key), ETags against a published
 * SHA-256 vector, and atomicity with real concurrent processes.
 */
#define _GNU_SOURCE
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log/log.h"
#include "store/store.h"
#include "util/mem.h"

/* SHA-256("abc"), FIPS 180-2 appendix B.1. */
#define SHA256_ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

static struct store *s_open_dir(const char *dir)
{
	char *url = str_printf("file://%s", dir);
	struct store *s = store_open(url, NULL);

	free(url);
	return s;
}

/* What is on disk under a directory (links not followed). */
static struct {
	int files, dirs, links, tmps, locks, others;
} s_tree;

static int s_tree_visit(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	const char *name = path + ftw->base;

	(void)sb;
	if (ftw->level == 0)
		return 0;
	if (strncmp(name, ".aaa-tmp-", 9) == 0)
		s_tree.tmps++;
	if (strcmp(name, ".aaa-lock") == 0)
		s_tree.locks++;
	else if (type == FTW_F)
		s_tree.files++;
	else if (type == FTW_D)
		s_tree.dirs++;
	else if (type == FTW_SL)
		s_tree.links++;
	else
		s_tree.others++;
	return 0;
}

static void s_scan(const char *dir)
{
	memset(&s_tree, 0, sizeof(s_tree));
	nftw(dir, s_tree_visit, 32, FTW_PHYS);
}

static int s_rm_visit(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (type == FTW_DP)
		chmod(path, 0700);
	return remove(path);
}

static void s_rm_tree(const char *dir)
{
	nftw(dir, s_rm_visit, 32, FTW_PHYS | FTW_DEPTH);
}

static int s_mode(const char *dir, const char *rel)
{
	char *p = str_printf("%s/%s", dir, rel);
	struct stat sb;
	int mode = -1;

	if (p != NULL && lstat(p, &sb) == 0)
		mode = (int)(sb.st_mode & 07777);
	free(p);
	return mode;
}

static char *s_read(const char *dir, const char *rel, size_t *len)
{
	char *p = str_printf("%s/%s", dir, rel), *data;

	data = p ? read_file_all(p, len) : NULL;
	free(p);
	return data;
}

static int s_write(const char *dir, const char *rel, const char *text)
{
	char *p = str_printf("%s/%s", dir, rel);
	FILE *f = p ? fopen(p, "w") : NULL;
	int rc = -1;

	if (f != NULL) {
		rc = fputs(text, f) < 0 ? -1 : 0;
		fclose(f);
	}
	free(p);
	return rc;
}

static int s_has(const char *err, const char *part)
{
	if (strstr(err, part) != NULL)
		return 1;
	fprintf(stderr, "  message \"%s\" lacks \"%s\"\n", err, part);
	return 0;
}

TEST(store_file_put_get_roundtrip)
{
	const char *dir = test_tmpdir();
	struct store *s = s_open_dir(dir);
	struct store_object o;
	char *etag = NULL, *disk;
	size_t len = 0;

	REQUIRE(s != NULL);
	/* Reading creates nothing. */
	CHECK_INT(store_get(s, "certs/example.com/cert.pem", &o), STORE_NOT_FOUND);
	CHECK(o.data == NULL && o.etag == NULL);
	CHECK_INT(store_get(s, "index.json", &o), STORE_NOT_FOUND);
	s_scan(dir);
	CHECK_INT(s_tree.dirs + s_tree.files + s_tree.locks, 0);

	CHECK_INT(store_put(s, "certs/example.com/cert.pem", "abc", 3, 0, &etag), STORE_OK);
	CHECK_STR(etag, SHA256_ABC);
	/* The layout of README.md "Storage layout", on disk, read without the store. */
	disk = s_read(dir, "aaa-data/v1/certs/example.com/cert.pem", &len);
	CHECK_STR(disk, "abc");
	CHECK_INT(len, 3);
	free(disk);

	CHECK_INT(store_get(s, "certs/example.com/cert.pem", &o), STORE_OK);
	CHECK_INT(o.len, 3);
	CHECK_STR(o.data, "abc");
	CHECK_STR(o.etag, SHA256_ABC);
	store_object_free(&o);

	/* Overwrite; binary content with NULs; the empty object. */
	CHECK_INT(store_put(s, "certs/example.com/cert.pem", "a\0b\0", 4, 0, NULL), STORE_OK);
	CHECK_INT(store_get(s, "certs/example.com/cert.pem", &o), STORE_OK);
	CHECK_INT(o.len, 4);
	CHECK(o.data != NULL && memcmp(o.data, "a\0b\0", 5) == 0);
	CHECK(o.etag != NULL && strcmp(o.etag, SHA256_ABC) != 0);
	store_object_free(&o);
	CHECK_INT(store_put(s, "index.json", NULL, 0, 0, NULL), STORE_OK);
	CHECK_INT(store_get(s, "index.json", &o), STORE_OK);
	CHECK_INT(o.len, 0);
	CHECK_STR(o.data, "");
	CHECK_STR(o.etag, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	store_object_free(&o);

	/* A directory is not an object. */
	CHECK_INT(store_get(s, "certs/example.com", &o), STORE_NOT_FOUND);
	/* Under an object, nothing can exist. */
	CHECK_INT(store_get(s, "index.json/x", &o), STORE_NOT_FOUND);
	CHECK_INT(store_put(s, "index.json/x", "x", 1, 0, NULL), STORE_ERROR);
	/* A failure after the temporary file was written (the rename meets a
	 * directory) still leaves no temporary file. */
	CHECK_INT(store_put(s, "certs/example.com", "x", 1, 0, NULL), STORE_ERROR);
	CHECK(s_has(store_error(s)->message,
		    "aaa-data/v1/certs/example.com: cannot rename into place"));
	CHECK_INT(store_replace(s, "certs", SHA256_ABC, "x", 1, 0, NULL), STORE_NOT_FOUND);

	s_scan(dir);
	CHECK_INT(s_tree.tmps, 0);
	free(etag);
	store_close(s);
}

TEST(store_file_modes)
{
	const char *base = test_tmpdir();
	char *dir = str_printf("%s/new/store", base);
	struct store *s;
	mode_t old;

	REQUIRE(dir != NULL);
	s = s_open_dir(dir);
	REQUIRE(s != NULL);
	/* The widest umask must not widen anything, the narrowest not narrow. */
	old = umask(0);
	CHECK_INT(store_put(s, "certs/example.com/meta.json", "{}", 2, 0, NULL), STORE_OK);
	umask(0277);
	CHECK_INT(store_put(s, "certs/example.com/privkey.pem", "k", 1, STORE_SECRET, NULL),
		  STORE_OK);
	CHECK_INT(store_put(s, "jobs/j.json", "{}", 2, 0, NULL), STORE_OK);
	umask(old);

	CHECK_INT(s_mode(dir, "aaa-data/v1/certs/example.com/meta.json"), 0600);
	CHECK_INT(s_mode(dir, "aaa-data/v1/certs/example.com/privkey.pem"), 0600);
	CHECK_INT(s_mode(dir, "aaa-data/v1/certs/example.com/.aaa-lock"), 0600);
	CHECK_INT(s_mode(dir, "aaa-data/v1/jobs/j.json"), 0600);
	CHECK_INT(s_mode(dir, "aaa-data/v1/jobs"), 0700);
	CHECK_INT(s_mode(dir, "aaa-data/v1/certs/example.com"), 0700);
	CHECK_INT(s_mode(dir, "aaa-data/v1/certs"), 0700);
	CHECK_INT(s_mode(dir, "aaa-data/v1"), 0700);
	CHECK_INT(s_mode(dir, "aaa-data"), 0700);
	/* DIR and its missing parent were created too, 0700. */
	CHECK_INT(s_mode(base, "new/store"), 0700);
	CHECK_INT(s_mode(base, "new"), 0700);
	store_close(s);
	free(dir);
}

TEST(store_file_create_if_absent)
{
	const char *dir = test_tmpdir();
	struct store *s = s_open_dir(dir);
	char *etag = NULL, *disk;

	REQUIRE(s != NULL);
	CHECK_INT(store_create(s, "jobs/j1.json", "abc", 3, 0, &etag), STORE_OK);
	CHECK_STR(etag, SHA256_ABC);
	free(etag);
	etag = NULL;
	/* Someone else won: nothing written, no etag. */
	CHECK_INT(store_create(s, "jobs/j1.json", "second", 6, 0, &etag), STORE_CONFLICT);
	CHECK(etag == NULL);
	disk = s_read(dir, "aaa-data/v1/jobs/j1.json", NULL);
	CHECK_STR(disk, "abc");
	free(disk);
	CHECK_INT(s_mode(dir, "aaa-data/v1/jobs/j1.json"), 0600);
	/* After a delete the key can be created again. */
	CHECK_INT(store_delete(s, "jobs/j1.json"), STORE_OK);
	CHECK_INT(store_create(s, "jobs/j1.json", "third", 5, 0, NULL), STORE_OK);
	disk = s_read(dir, "aaa-data/v1/jobs/j1.json", NULL);
	CHECK_STR(disk, "third");
	free(disk);
	s_scan(dir);
	CHECK_INT(s_tree.tmps, 0);
	CHECK_INT(s_tree.files, 1);
	store_close(s);
}

TEST(store_file_replace_if_unchanged)
{
	const char *dir = test_tmpdir();
	struct store *s = s_open_dir(dir);
	char *e1 = NULL, *e2 = NULL, *e3 = NULL, *disk;
	struct store_object o;

	REQUIRE(s != NULL);
	CHECK_INT(store_put(s, "index.json", "v1", 2, 0, &e1), STORE_OK);
	CHECK_INT(store_replace(s, "index.json", e1, "v2", 2, 0, &e2), STORE_OK);
	REQUIRE(e1 != NULL && e2 != NULL);
	CHECK(strcmp(e1, e2) != 0);
	/* Stale etag: conflict, content untouched, no etag handed out. */
	CHECK_INT(store_replace(s, "index.json", e1, "v3", 2, 0, &e3), STORE_CONFLICT);
	CHECK(e3 == NULL);
	disk = s_read(dir, "aaa-data/v1/index.json", NULL);
	CHECK_STR(disk, "v2");
	free(disk);
	/* The etag a get returns is the one to use. */
	CHECK_INT(store_get(s, "index.json", &o), STORE_OK);
	CHECK_STR(o.etag, e2);
	CHECK_INT(store_replace(s, "index.json", o.etag, "abc", 3, 0, &e3), STORE_OK);
	CHECK_STR(e3, SHA256_ABC);
	store_object_free(&o);
	/* A deleted key is "not found", and replace does not create it. */
	CHECK_INT(store_replace(s, "jobs/none.json", e1, "x", 1, 0, NULL), STORE_NOT_FOUND);
	CHECK_INT(store_get(s, "jobs/none.json", &o), STORE_NOT_FOUND);
	s_scan(dir);
	CHECK_INT(s_tree.tmps, 0);
	CHECK_INT(s_tree.files, 1);
	free(e1);
	free(e2);
	free(e3);
	store_close(s);
}

TEST(store_file_delete)
{
	const char *dir = test_tmpdir();
	struct store *s = s_open_dir(dir);
	struct store_object o;

	REQUIRE(s != NULL);
	CHECK_INT(store_delete(s, "certs/none.com/cert.pem"), STORE_OK); /* no directory */
	CHECK_INT(store_put(s, "certs/a.com/cert.pem", "x", 1, 0, NULL), STORE_OK);
	CHECK_INT(store_delete(s, "certs/a.com/cert.pem"), STORE_OK);
	CHECK_INT(store_get(s, "certs/a.com/cert.pem", &o), STORE_NOT_FOUND);
	CHECK_INT(s_mode(dir, "aaa-data/v1/certs/a.com/cert.pem"), -1);
	CHECK_INT(store_delete(s, "certs/a.com/cert.pem"), STORE_OK); /* absent */
	CHECK_INT(store_delete(s, "certs/a.com"), STORE_OK);	      /* a directory */
	CHECK_INT(s_mode(dir, "aaa-data/v1/certs/a.com"), 0700);
	store_close(s);
}

TEST(store_file_list)
{
	const char *dir = test_tmpdir();
	const char *keys[] = {"jobs/j1.json",
			      "certs/b.com/cert.pem",
			      "index.json",
			      "certs/a.com/meta.json",
			      "certs/ab.com/x",
			      "certs/a.com/cert.pem",
			      "certs/a.com/history/01.pem"};
	struct store *s = s_open_dir(dir);
	struct store_keys k;
	char *p;

	REQUIRE(s != NULL);
	CHECK_INT(store_list(s, "", &k), STORE_OK); /* nothing there yet */
	CHECK_INT(k.n, 0);
	store_keys_free(&k);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		CHECK_INT(store_put(s, keys[i], "x", 1, 0, NULL), STORE_OK);
	/* What the backend must never show: its own files, links, a FIFO, and
	 * anything outside the root. */
	CHECK_INT(s_write(dir, "aaa-data/v1/certs/.aaa-tmp-0011223344556677", "junk"), 0);
	CHECK_INT(s_write(dir, "aaa-data/v1/.hidden", "junk"), 0);
	CHECK_INT(s_write(dir, "outside.txt", "junk"), 0);
	p = str_printf("%s/aaa-data/v2", dir);
	CHECK_INT(mkdir(p, 0700), 0);
	free(p);
	CHECK_INT(s_write(dir, "aaa-data/v2/x", "junk"), 0);
	p = str_printf("%s/aaa-data/v1/certs/link", dir);
	CHECK_INT(symlink("/etc", p), 0);
	free(p);
	p = str_printf("%s/aaa-data/v1/certs/a.com/fifo", dir);
	CHECK_INT(mkfifo(p, 0600), 0);
	free(p);

	CHECK_INT(store_list(s, "", &k), STORE_OK);
	CHECK_INT(k.n, 7);
	if (k.n == 7) {
		CHECK_STR(k.keys[0], "certs/a.com/cert.pem");
		CHECK_STR(k.keys[1], "certs/a.com/history/01.pem");
		CHECK_STR(k.keys[2], "certs/a.com/meta.json");
		CHECK_STR(k.keys[3], "certs/ab.com/x");
		CHECK_STR(k.keys[4], "certs/b.com/cert.pem");
		CHECK_STR(k.keys[5], "index.json");
		CHECK_STR(k.keys[6], "jobs/j1.json");
	}
	store_keys_free(&k);
	CHECK(k.keys == NULL && k.n == 0);

	CHECK_INT(store_list(s, "certs/a", &k), STORE_OK); /* a plain string prefix */
	CHECK_INT(k.n, 4);
	store_keys_free(&k);
	CHECK_INT(store_list(s, "certs/a.com/", &k), STORE_OK);
	CHECK_INT(k.n, 3);
	if (k.n == 3)
		CHECK_STR(k.keys[2], "certs/a.com/meta.json");
	store_keys_free(&k);
	CHECK_INT(store_list(s, "jobs", &k), STORE_OK);
	CHECK_INT(k.n, 1);
	if (k.n == 1)
		CHECK_STR(k.keys[0], "jobs/j1.json");
	store_keys_free(&k);
	CHECK_INT(store_list(s, "index.json", &k), STORE_OK);
	CHECK_INT(k.n, 1);
	store_keys_free(&k);
	CHECK_INT(store_list(s, "accounts/", &k), STORE_OK);
	CHECK_INT(k.n, 0);
	store_keys_free(&k);
	CHECK_INT(store_list(s, "certs/link/", &k), STORE_ERROR); /* a link, refused */
	store_keys_free(&k);
	store_close(s);
}

/* Every operation with every bad key: refused, and nothing on disk. */
TEST(store_file_escaping_keys_write_nothing)
{
	const char *base = test_tmpdir();
	const char *bad[] = {"../x",
			     "../../../x",
			     "../../../../escaped",
			     "certs/../../../../escaped",
			     "/etc/passwd",
			     "/tmp/x",
			     "certs//x",
			     "certs/./x",
			     "certs\\..\\x",
			     "certs/.aaa-lock",
			     "x\n",
			     "",
			     NULL};
	char *dir = str_printf("%s/store", base), *url;
	struct store_object o;
	struct store_keys k;
	struct store *s;

	REQUIRE(dir != NULL && mkdir(dir, 0700) == 0);
	url = str_printf("file://%s", dir);
	s = store_open(url, NULL);
	free(url);
	REQUIRE(s != NULL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_INT(store_put(s, bad[i], "x", 1, 0, NULL), STORE_ERROR);
		CHECK_INT(store_create(s, bad[i], "x", 1, 0, NULL), STORE_ERROR);
		CHECK_INT(store_replace(s, bad[i], SHA256_ABC, "x", 1, 0, NULL), STORE_ERROR);
		CHECK_INT(store_get(s, bad[i], &o), STORE_ERROR);
		CHECK_INT(store_delete(s, bad[i]), STORE_ERROR);
	}
	CHECK_INT(store_list(s, "../", &k), STORE_ERROR);
	CHECK_INT(store_put(s, "certs/../../x", "x", 1, 0, NULL), STORE_ERROR);
	CHECK(s_has(store_error(s)->message, "store key 'certs/../../x' escapes the store root"));
	CHECK(s_has(store_error(s)->message, dir));
	/* Nothing in the store, nothing next to it. */
	s_scan(dir);
	CHECK_INT(s_tree.files + s_tree.dirs + s_tree.links + s_tree.locks + s_tree.others, 0);
	s_scan(base);
	CHECK_INT(s_tree.files, 0);
	CHECK_INT(s_tree.dirs, 1);
	store_close(s);
	free(dir);
}

TEST(store_file_symlinks_not_followed)
{
	const char *base = test_tmpdir();
	char *dir = str_printf("%s/store", base), *out = str_printf("%s/outside", base);
	char *p, *disk;
	struct store_object o;
	struct store_keys k;
	struct store *s;

	REQUIRE(dir != NULL && out != NULL && mkdir(out, 0700) == 0);
	s = s_open_dir(dir);
	REQUIRE(s != NULL);
	CHECK_INT(store_put(s, "index.json", "{}", 2, 0, NULL), STORE_OK);
	CHECK_INT(s_write(out, "secret.txt", "outside secret"), 0);

	/* A directory link inside the tree pointing out of it. */
	p = str_printf("%s/aaa-data/v1/certs", dir);
	CHECK_INT(symlink(out, p), 0);
	free(p);
	CHECK_INT(store_put(s, "certs/x.com/cert.pem", "x", 1, 0, NULL), STORE_ERROR);
	CHECK(s_has(store_error(s)->message, "symbolic link"));
	CHECK(s_has(store_error(s)->message, "aaa-data/v1/certs"));
	CHECK_INT(store_create(s, "certs/x.com/cert.pem", "x", 1, 0, NULL), STORE_ERROR);
	CHECK_INT(store_get(s, "certs/secret.txt", &o), STORE_ERROR);
	CHECK(o.data == NULL);
	CHECK_INT(store_delete(s, "certs/secret.txt"), STORE_ERROR);
	CHECK_INT(store_list(s, "", &k), STORE_OK);
	CHECK_INT(k.n, 1); /* index.json only: the link is not walked */
	store_keys_free(&k);
	s_scan(out);
	CHECK_INT(s_tree.files, 1);
	CHECK_INT(s_tree.dirs + s_tree.locks + s_tree.tmps, 0);

	/* A file link: never read through; a put replaces the link itself. */
	p = str_printf("%s/aaa-data/v1/jobs", dir);
	CHECK_INT(mkdir(p, 0700), 0);
	free(p);
	p = str_printf("%s/aaa-data/v1/jobs/j.json", dir);
	disk = str_printf("%s/secret.txt", out);
	CHECK_INT(symlink(disk, p), 0);
	free(disk);
	CHECK_INT(store_get(s, "jobs/j.json", &o), STORE_ERROR);
	CHECK(s_has(store_error(s)->message, "symbolic link"));
	CHECK_INT(store_replace(s, "jobs/j.json", SHA256_ABC, "x", 1, 0, NULL), STORE_ERROR);
	CHECK_INT(store_create(s, "jobs/j.json", "x", 1, 0, NULL), STORE_CONFLICT);
	CHECK_INT(store_put(s, "jobs/j.json", "new", 3, 0, NULL), STORE_OK);
	disk = s_read(out, "secret.txt", NULL);
	CHECK_STR(disk, "outside secret");
	free(disk);
	disk = read_file_all(p, NULL);
	CHECK_STR(disk, "new");
	free(disk);
	CHECK_INT(s_mode(dir, "aaa-data/v1/jobs/j.json"), 0600); /* a file now, not a link */
	free(p);

	/* The layout root itself as a link. */
	p = str_printf("%s/aaa-data", dir);
	disk = str_printf("%s/aaa-data.real", dir);
	CHECK_INT(rename(p, disk), 0);
	CHECK_INT(symlink(out, p), 0);
	CHECK_INT(store_put(s, "index.json", "x", 1, 0, NULL), STORE_ERROR);
	CHECK_INT(store_get(s, "index.json", &o), STORE_ERROR);
	s_scan(out);
	CHECK_INT(s_tree.files, 1);
	CHECK_INT(s_tree.dirs, 0);
	free(p);
	free(disk);
	free(dir);
	free(out);
	store_close(s);
}

TEST(store_file_special_files)
{
	const char *dir = test_tmpdir();
	struct store *s = s_open_dir(dir);
	struct store_object o;
	char *p;

	REQUIRE(s != NULL);
	CHECK_INT(store_put(s, "index.json", "{}", 2, 0, NULL), STORE_OK);
	p = str_printf("%s/aaa-data/v1/fifo", dir);
	CHECK_INT(mkfifo(p, 0600), 0);
	free(p);
	/* Must not hang on the FIFO. */
	CHECK_INT(store_get(s, "fifo", &o), STORE_ERROR);
	CHECK(s_has(store_error(s)->message, "not a regular file"));
	store_close(s);
}

TEST(store_file_relative_dir)
{
	const char *base = test_tmpdir();
	char cwd[4096], *disk;
	struct store *s;

	REQUIRE(getcwd(cwd, sizeof(cwd)) != NULL);
	REQUIRE(chdir(base) == 0);
	s = store_open("file://rel/state", NULL);
	/* The directory is fixed at open: a later chdir does not move it. */
	CHECK(chdir(cwd) == 0);
	REQUIRE(s != NULL);
	CHECK_INT(store_put(s, "index.json", "abc", 3, 0, NULL), STORE_OK);
	disk = s_read(base, "rel/state/aaa-data/v1/index.json", NULL);
	CHECK_STR(disk, "abc");
	free(disk);
	store_close(s);
}

#define NOBODY 65534

static int s_chown_visit(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return lchown(path, NOBODY, NOBODY);
}

/*
 * A write into a directory the process may not write: the error names the
 * object's path and the system's reason, and nothing is left behind. Run as
 * an unprivileged user in a child when the tests run as root (root ignores
 * directory modes).
 */
TEST(store_file_write_failure_reported)
{
	const char *tmp = getenv("TMPDIR");
	char *tmpl = str_printf("%s/aaa-ro-XXXXXX", tmp ? tmp : "/tmp"), *p, *disk, msg[2048];
	int pfd[2], status = 0;
	ssize_t n = 0;
	pid_t pid;

	REQUIRE(tmpl != NULL && mkdtemp(tmpl) != NULL);
	{
		struct store *s = s_open_dir(tmpl);

		REQUIRE(s != NULL);
		CHECK_INT(store_put(s, "certs/example.com/cert.pem", "old", 3, 0, NULL), STORE_OK);
		store_close(s);
	}
	REQUIRE(pipe(pfd) == 0);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		struct store *s;
		const char *err;
		int rc;

		close(pfd[0]);
		if (geteuid() == 0) {
			if (nftw(tmpl, s_chown_visit, 32, FTW_PHYS) != 0 ||
			    setgroups(0, NULL) != 0 || setgid(NOBODY) != 0 || setuid(NOBODY) != 0)
				_exit(10);
		}
		p = str_printf("%s/aaa-data/v1/certs/example.com", tmpl);
		if (p == NULL || chmod(p, 0500) != 0)
			_exit(11);
		s = s_open_dir(tmpl);
		if (s == NULL)
			_exit(12);
		rc = store_put(s, "certs/example.com/cert.pem", "new", 3, 0, NULL);
		err = store_error(s)->message;
		if (write(pfd[1], err, strlen(err)) < 0)
			_exit(13);
		store_close(s);
		_exit(rc == STORE_ERROR ? 0 : 14);
	}
	close(pfd[1]);
	memset(msg, 0, sizeof(msg));
	while (n >= 0 && (size_t)n < sizeof(msg) - 1) {
		ssize_t r = read(pfd[0], msg + n, sizeof(msg) - 1 - (size_t)n);

		if (r <= 0)
			break;
		n += r;
	}
	close(pfd[0]);
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	p = str_printf("%s/aaa-data/v1/certs/example.com/cert.pem", tmpl);
	CHECK(s_has(msg, p));
	CHECK(s_has(msg, strerror(EACCES)));
	disk = read_file_all(p, NULL);
	CHECK_STR(disk, "old");
	free(disk);
	free(p);
	s_scan(tmpl);
	CHECK_INT(s_tree.tmps, 0);
	CHECK_INT(s_tree.files, 1);
	s_rm_tree(tmpl);
	free(tmpl);
}

/* Forks n children that wait on a pipe, so they start together. Each runs
 * fn(i) and exits with its result. Returns how many exited with each code
 * 0..7 in counts (anything else counts as 7). */
static void s_race(int n, int (*fn)(int), int counts[8])
{
	pid_t pids[64];
	int gate[2], status;
	char c;

	memset(counts, 0, 8 * sizeof(int));
	if (n > 64 || pipe(gate) != 0) {
		counts[7] = n;
		return;
	}
	for (int i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			close(gate[1]);
			while (read(gate[0], &c, 1) < 0 && errno == EINTR)
				;
			_exit(fn(i));
		}
	}
	close(gate[0]);
	close(gate[1]); /* everyone goes */
	for (int i = 0; i < n; i++) {
		if (pids[i] < 0 || waitpid(pids[i], &status, 0) != pids[i] || !WIFEXITED(status) ||
		    WEXITSTATUS(status) > 7)
			counts[7]++;
		else
			counts[WEXITSTATUS(status)]++;
	}
}

static const char *s_race_dir;

/* Exit 0 when this child created the key, 3 on conflict, 1 otherwise. */
static int s_race_create(int i)
{
	struct store *s = s_open_dir(s_race_dir);
	char body[32];
	int rc;

	if (s == NULL)
		return 1;
	snprintf(body, sizeof(body), "child %d", i);
	rc = store_create(s, "jobs/race.json", body, strlen(body), 0, NULL);
	store_close(s);
	return rc == STORE_OK ? 0 : rc == STORE_CONFLICT ? 3 : 1;
}

TEST(store_file_concurrent_create_one_winner)
{
	int counts[8];
	struct store_object o;
	struct store *s;

	s_race_dir = test_tmpdir();
	s_race(24, s_race_create, counts);
	CHECK_INT(counts[0], 1);
	CHECK_INT(counts[3], 23);
	CHECK_INT(counts[1] + counts[7], 0);
	s = s_open_dir(s_race_dir);
	REQUIRE(s != NULL);
	CHECK_INT(store_get(s, "jobs/race.json", &o), STORE_OK);
	CHECK(o.data != NULL && strncmp(o.data, "child ", 6) == 0);
	store_object_free(&o);
	store_close(s);
	s_scan(s_race_dir);
	CHECK_INT(s_tree.tmps, 0);
	CHECK_INT(s_tree.files, 1);
}

#define INCREMENTS 40

/* Read-modify-write with replace-if-unchanged, retrying on conflict. Exit 0
 * when all increments landed. */
static int s_race_increment(int i)
{
	struct store *s = s_open_dir(s_race_dir);
	struct store_object o;
	char body[32];
	int done = 0, rc = 1;

	(void)i;
	if (s == NULL)
		return 1;
	while (done < INCREMENTS) {
		int r;

		if (store_get(s, "index.json", &o) != STORE_OK)
			goto out;
		snprintf(body, sizeof(body), "%ld", strtol(o.data, NULL, 10) + 1);
		r = store_replace(s, "index.json", o.etag, body, strlen(body), 0, NULL);
		store_object_free(&o);
		if (r == STORE_OK)
			done++;
		else if (r != STORE_CONFLICT)
			goto out;
	}
	rc = 0;
out:
	store_close(s);
	return rc;
}

TEST(store_file_concurrent_replace_no_lost_update)
{
	const int n = 8;
	int counts[8];
	struct store *s;
	char *disk;

	s_race_dir = test_tmpdir();
	s = s_open_dir(s_race_dir);
	REQUIRE(s != NULL);
	REQUIRE(store_put(s, "index.json", "0", 1, 0, NULL) == STORE_OK);
	s_race(n, s_race_increment, counts);
	CHECK_INT(counts[0], n);
	disk = s_read(s_race_dir, "aaa-data/v1/index.json", NULL);
	CHECK(disk != NULL && strtol(disk, NULL, 10) == n * INCREMENTS);
	if (disk != NULL && strtol(disk, NULL, 10) != n * INCREMENTS)
		fprintf(stderr, "  counter %s, expected %d\n", disk, n * INCREMENTS);
	free(disk);
	s_scan(s_race_dir);
	CHECK_INT(s_tree.tmps, 0);
	store_close(s);
}
