/*
 * file://DIR backend; the rules (modes, atomic writes, locking, symlinks)
 * are written down in store_file.h.
 */
#define _GNU_SOURCE
#include "store/store_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/hash.h"
#include "log/log.h"
#include "store/keys.h"
#include "util/buf.h"
#include "util/mem.h"

#define LOCK_NAME  ".aaa-lock"
#define TMP_PREFIX ".aaa-tmp-"
#define TMP_RANDOM 8 /* bytes, as 16 hex digits */
#define TMP_TRIES  16
#define DIR_MODE   0700
#define FILE_MODE  0600
#define OPEN_DIR   (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

struct s_file {
	char *dir; /* absolute DIR, no trailing '/' (except "/" itself) */
};

static int s_open(const struct store_location *loc, const struct store_options *opts, void **state,
		  struct aaa_err *err)
{
	struct s_file *st = NULL;
	size_t len;
	int rc = STORE_ERROR;

	(void)opts;
	st = calloc(1, sizeof(*st));
	if (st == NULL || (st->dir = str_dup(loc->where)) == NULL) {
		store_fail(err, "out of memory");
		goto out;
	}
	len = strlen(st->dir);
	while (len > 1 && st->dir[len - 1] == '/')
		st->dir[--len] = '\0';
	*state = st;
	st = NULL;
	rc = STORE_OK;
out:
	if (st != NULL)
		free(st->dir);
	free(st);
	return rc;
}

static void s_close(void *state)
{
	struct s_file *st = state;

	if (st != NULL)
		free(st->dir);
	free(st);
}

/* DIR joined with the first n bytes of a physical key, for messages. */
static char *s_path(const struct s_file *st, const char *pkey, size_t n)
{
	return str_printf("%s/%.*s", strcmp(st->dir, "/") == 0 ? "" : st->dir, (int)n, pkey);
}

/*
 * mkdir -p for DIR itself (DIR is the user's path, so it is walked by name
 * and may go through links); each directory created is 0700.
 */
static int s_mkdir_p(const char *dir, struct aaa_err *err)
{
	char *copy = str_dup(dir), *p;
	int rc = -1;

	if (copy == NULL) {
		store_fail(err, "out of memory");
		goto out;
	}
	for (p = copy + 1;; p++) {
		char saved = *p;

		if (saved != '/' && saved != '\0')
			continue;
		*p = '\0';
		if (mkdir(copy, DIR_MODE) == 0) {
			if (chmod(copy, DIR_MODE) != 0) {
				store_fail(err, "store directory %s: cannot set mode 0700: %s",
					   copy, strerror(errno));
				goto out;
			}
		} else if (errno != EEXIST) {
			store_fail(err, "store directory %s: cannot create it: %s", copy,
				   strerror(errno));
			goto out;
		}
		*p = saved;
		if (saved == '\0')
			break;
	}
	rc = 0;
out:
	free(copy);
	return rc;
}

/* An operation's end: closes fd1 and fd2 where open (-1: not), frees
 * mem, returns rc. */
static int s_end(int rc, int fd1, int fd2, char *mem)
{
	if (fd1 >= 0)
		close(fd1);
	if (fd2 >= 0)
		close(fd2);
	free(mem);
	return rc;
}

/* Opens DIR; STORE_NOT_FOUND when it does not exist and create is 0. */
static int s_open_root(const struct s_file *st, int create, int *fd, struct aaa_err *err)
{
	int rc = STORE_ERROR;

	*fd = open(st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*fd < 0 && errno == ENOENT && create) {
		if (s_mkdir_p(st->dir, err) != 0)
			goto out;
		*fd = open(st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (*fd < 0) {
		if (errno == ENOENT) {
			rc = STORE_NOT_FOUND;
			goto out;
		}
		store_fail(err, "store directory %s: cannot open it: %s", st->dir, strerror(errno));
		goto out;
	}
	rc = STORE_OK;
out:
	return rc;
}

/*
 * Opens the directory that holds the last segment of pkey, walking from DIR
 * one segment at a time without following links, creating missing
 * directories (0700) when create is set. *base points into pkey at the last
 * segment. STORE_NOT_FOUND when a directory is missing (or is a file) and
 * create is 0; a link anywhere is an error.
 */
static int s_walk(const struct s_file *st, const char *pkey, int create, int *dirfd,
		  const char **base, struct aaa_err *err)
{
	const char *p = pkey, *slash;
	char seg[STORE_SEGMENT_MAX + 1], *where = NULL;
	int fd = -1, next = -1, rc;
	struct stat sb;

	*dirfd = -1;
	rc = s_open_root(st, create, &fd, err);
	if (rc != STORE_OK)
		goto out;
	rc = STORE_ERROR;
	while ((slash = strchr(p, '/')) != NULL) {
		size_t len = (size_t)(slash - p);
		int created = 0;

		memcpy(seg, p, len);
		seg[len] = '\0';
		free(where);
		where = s_path(st, pkey, (size_t)(slash - pkey));
		if (where == NULL) {
			store_fail(err, "out of memory");
			goto out;
		}
		next = openat(fd, seg, OPEN_DIR);
		if (next < 0 && errno == ENOENT && create) {
			if (mkdirat(fd, seg, DIR_MODE) == 0)
				created = 1;
			else if (errno != EEXIST) {
				store_fail(err, "%s: cannot create directory: %s", where,
					   strerror(errno));
				goto out;
			}
			next = openat(fd, seg, OPEN_DIR);
		}
		if (next < 0) {
			int e = errno;
			int is_link = (e == ELOOP || e == ENOTDIR) &&
				      fstatat(fd, seg, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
				      S_ISLNK(sb.st_mode);

			/* A file where a directory should be: no object below it. */
			if (!is_link && !create && (e == ENOENT || e == ENOTDIR)) {
				rc = STORE_NOT_FOUND;
			} else if (is_link) {
				store_fail(err,
					   "%s: is a symbolic link; refusing to follow it out of "
					   "the store",
					   where);
			} else {
				store_fail(err, "%s: cannot open directory: %s", where,
					   strerror(e));
			}
			goto out;
		}
		if (created) {
			/* The umask may have narrowed 0700; make it exact, and make
			 * the new entry durable before anything is put in it. */
			if (fchmod(next, DIR_MODE) != 0 || fsync(fd) != 0) {
				store_fail(err, "%s: cannot set up new directory: %s", where,
					   strerror(errno));
				goto out;
			}
		}
		close(fd);
		fd = next;
		next = -1;
		p = slash + 1;
	}
	*dirfd = fd;
	fd = -1;
	*base = p;
	rc = STORE_OK;
out:
	return s_end(rc, next, fd, where);
}

/* The lock every writer of a directory holds (see store_file.h). Returns
 * the locked fd (close it to unlock) or -1 after logging. */
static int s_lock(int dirfd, const char *path, struct aaa_err *err)
{
	int fd, rc = -1;

	fd = openat(dirfd, LOCK_NAME, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, FILE_MODE);
	if (fd < 0) {
		store_fail(err, "%s: cannot open lock file %s: %s", path, LOCK_NAME,
			   strerror(errno));
		goto out;
	}
	while (flock(fd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			store_fail(err, "%s: cannot lock %s: %s", path, LOCK_NAME, strerror(errno));
			goto out;
		}
	}
	rc = fd;
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

/*
 * Reads a whole regular file from an open fd into *data (NUL-terminated,
 * caller wipes and frees). Growth copies are wiped: the content may be a key.
 */
static int s_read_all(int fd, const char *path, char **data, size_t *len, struct aaa_err *err)
{
	struct stat sb;
	char *b = NULL, *grown;
	size_t cap, n = 0;
	ssize_t r;
	int rc = -1;

	if (fstat(fd, &sb) != 0) {
		store_fail(err, "%s: cannot stat: %s", path, strerror(errno));
		goto out;
	}
	if ((unsigned long long)sb.st_size > STORE_FILE_OBJECT_MAX) {
		store_fail(err, "%s: %lld bytes, more than an object may hold (%u)", path,
			   (long long)sb.st_size, STORE_FILE_OBJECT_MAX);
		goto out;
	}
	cap = (size_t)sb.st_size + 1;
	b = malloc(cap);
	if (b == NULL) {
		store_fail(err, "out of memory");
		goto out;
	}
	for (;;) {
		if (n + 1 == cap) {
			if (cap > STORE_FILE_OBJECT_MAX) {
				store_fail(err, "%s: grew past %u bytes while being read", path,
					   STORE_FILE_OBJECT_MAX);
				goto out;
			}
			grown = malloc(cap * 2);
			if (grown == NULL) {
				store_fail(err, "out of memory");
				goto out;
			}
			memcpy(grown, b, n);
			mem_wipe(b, n);
			free(b);
			b = grown;
			cap *= 2;
		}
		r = read(fd, b + n, cap - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			store_fail(err, "%s: cannot read: %s", path, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	b[n] = '\0';
	*data = b;
	*len = n;
	b = NULL;
	rc = 0;
out:
	mem_wipe_free(b, n);
	return rc;
}

/*
 * Opens name in dirfd for reading, refusing links and anything that is not
 * a regular file (O_NONBLOCK so a planted FIFO cannot hang us). Returns the
 * fd, or -1 with *rc STORE_NOT_FOUND (absent, or a directory: no object has
 * that key) or STORE_ERROR (logged).
 */
static int s_open_object(int dirfd, const char *name, const char *path, int *rc,
			 struct aaa_err *err)
{
	struct stat sb;
	int fd;

	*rc = STORE_ERROR;
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			*rc = STORE_NOT_FOUND;
		else if (errno == ELOOP)
			store_fail(err,
				   "%s: is a symbolic link; refusing to follow it out of the store",
				   path);
		else
			store_fail(err, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) != 0) {
		store_fail(err, "%s: cannot stat: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(sb.st_mode)) {
		if (S_ISDIR(sb.st_mode))
			*rc = STORE_NOT_FOUND;
		else
			store_fail(err, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	*rc = STORE_OK;
	return fd;
}

static char *s_etag(const void *data, size_t len, struct aaa_err *err)
{
	char hex[2 * SHA256_LEN + 1];

	if (crypto_sha256_hex(data, len, hex) != 0) {
		store_fail(err, "cannot hash object");
		return NULL;
	}
	return str_dup(hex);
}

static int s_get(void *state, const char *pkey, struct store_object *out, struct aaa_err *err)
{
	const struct s_file *st = state;
	const char *base;
	char *path = s_path(st, pkey, strlen(pkey));
	int dirfd = -1, fd = -1, rc;

	memset(out, 0, sizeof(*out));
	if (path == NULL) {
		rc = store_fail(err, "out of memory");
		goto out;
	}
	rc = s_walk(st, pkey, 0, &dirfd, &base, err);
	if (rc != STORE_OK)
		goto out;
	fd = s_open_object(dirfd, base, path, &rc, err);
	if (fd < 0)
		goto out;
	rc = STORE_ERROR;
	if (s_read_all(fd, path, &out->data, &out->len, err) != 0)
		goto out;
	out->etag = s_etag(out->data, out->len, err);
	if (out->etag == NULL)
		goto out;
	rc = STORE_OK;
out:
	if (rc != STORE_OK)
		store_object_free(out);
	return s_end(rc, fd, dirfd, path);
}

/*
 * Creates, fills and fsyncs a new temporary file in dirfd; its name goes
 * to tmpname (TMP_PREFIX + 16 hex digits + NUL). The file is removed again
 * if anything fails. 0, or -1 after logging with path.
 */
static int s_write_tmp(int dirfd, const char *path, const void *data, size_t len,
		       char tmpname[sizeof(TMP_PREFIX) + 2 * TMP_RANDOM], struct aaa_err *err)
{
	unsigned char rnd[TMP_RANDOM];
	char hex[2 * TMP_RANDOM + 1];
	const char *p = data;
	size_t done = 0;
	int fd = -1, tries, rc = -1, made = 0;

	for (tries = 0; fd < 0 && tries < TMP_TRIES; tries++) {
		if (crypto_random(rnd, sizeof(rnd)) != 0) {
			store_fail(err, "%s: no random bytes for a temporary name", path);
			goto out;
		}
		hex_encode(rnd, sizeof(rnd), hex);
		snprintf(tmpname, sizeof(TMP_PREFIX) + 2 * TMP_RANDOM, "%s%s", TMP_PREFIX, hex);
		fd = openat(dirfd, tmpname, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    FILE_MODE);
		if (fd < 0 && errno != EEXIST) {
			store_fail(err, "%s: cannot create a temporary file in its directory: %s",
				   path, strerror(errno));
			goto out;
		}
	}
	if (fd < 0) {
		store_fail(err, "%s: cannot find a free temporary name", path);
		goto out;
	}
	made = 1;
	/* Exactly 0600 whatever the umask. */
	if (fchmod(fd, FILE_MODE) != 0) {
		store_fail(err, "%s: cannot set mode 0600: %s", path, strerror(errno));
		goto out;
	}
	while (done < len) {
		ssize_t w = write(fd, p + done, len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			store_fail(err, "%s: cannot write: %s", path, strerror(errno));
			goto out;
		}
		done += (size_t)w;
	}
	if (fsync(fd) != 0) {
		store_fail(err, "%s: cannot sync: %s", path, strerror(errno));
		goto out;
	}
	rc = close(fd);
	fd = -1;
	if (rc != 0)
		store_fail(err, "%s: cannot close: %s", path, strerror(errno));
out:
	if (fd >= 0)
		close(fd);
	if (rc != 0 && made)
		unlinkat(dirfd, tmpname, 0);
	return rc;
}

/* Under the lock: does the current object still have etag? */
static int s_check_etag(int dirfd, const char *base, const char *path, const char *etag,
			struct aaa_err *err)
{
	char *data = NULL, *cur = NULL;
	size_t len = 0;
	int fd, rc;

	fd = s_open_object(dirfd, base, path, &rc, err);
	if (fd < 0)
		goto out;
	rc = STORE_ERROR;
	if (s_read_all(fd, path, &data, &len, err) != 0)
		goto out;
	cur = s_etag(data, len, err);
	if (cur == NULL)
		goto out;
	rc = strcmp(cur, etag) == 0 ? STORE_OK : STORE_CONFLICT;
out:
	if (fd >= 0)
		close(fd);
	mem_wipe_free(data, len);
	free(cur);
	return rc;
}

/*
 * One write: the temporary file is written before the lock is taken (so
 * the lock is held only for the check and the rename), then put renames it
 * over the key, create links it (EEXIST: someone else won), replace
 * compares the ETag and renames. The directory is fsync'ed so the new name
 * survives a crash.
 */
static int s_put(void *state, const char *pkey, const void *data, size_t len, unsigned flags,
		 enum store_cond cond, const char *etag, char **etag_out, struct aaa_err *err)
{
	const struct s_file *st = state;
	const char *base = NULL;
	char tmp[sizeof(TMP_PREFIX) + 2 * TMP_RANDOM] = "", *path = s_path(st, pkey, strlen(pkey));
	int dirfd = -1, lockfd = -1, rc = STORE_ERROR, have_tmp = 0;

	(void)flags; /* every object is 0600 (store.h, "Modes") */
	if (path == NULL) {
		store_fail(err, "out of memory");
		goto out;
	}
	if (len > STORE_FILE_OBJECT_MAX) {
		store_fail(err, "%s: %zu bytes, more than an object may hold (%u)", path, len,
			   STORE_FILE_OBJECT_MAX);
		goto out;
	}
	rc = s_walk(st, pkey, 1, &dirfd, &base, err);
	if (rc != STORE_OK)
		goto out;
	rc = STORE_ERROR;
	if (s_write_tmp(dirfd, path, data, len, tmp, err) != 0)
		goto out;
	have_tmp = 1;
	lockfd = s_lock(dirfd, path, err);
	if (lockfd < 0)
		goto out;
	switch (cond) {
	case STORE_COND_IF_ABSENT:
		if (linkat(dirfd, tmp, dirfd, base, 0) != 0) {
			if (errno == EEXIST)
				rc = STORE_CONFLICT;
			else
				store_fail(err, "%s: cannot create: %s", path, strerror(errno));
			goto out;
		}
		break;
	case STORE_COND_IF_MATCH:
		rc = s_check_etag(dirfd, base, path, etag, err);
		if (rc != STORE_OK)
			goto out;
		rc = STORE_ERROR;
		/* fall through */
	case STORE_COND_NONE:
		if (renameat(dirfd, tmp, dirfd, base) != 0) {
			store_fail(err, "%s: cannot rename into place: %s", path, strerror(errno));
			goto out;
		}
		have_tmp = 0;
		break;
	default:
		store_fail(err, "%s: unknown write condition %d", path, (int)cond);
		goto out;
	}
	if (fsync(dirfd) != 0) {
		store_fail(err, "%s: cannot sync its directory: %s", path, strerror(errno));
		goto out;
	}
	if (etag_out != NULL) {
		*etag_out = s_etag(data, len, err);
		if (*etag_out == NULL)
			goto out;
	}
	rc = STORE_OK;
out:
	/* create leaves the temporary name behind after link(); a failure
	 * leaves it behind after anything. */
	if (have_tmp && unlinkat(dirfd, tmp, 0) != 0 && errno != ENOENT)
		log_warn("%s: cannot remove temporary file %s: %s", path, tmp, strerror(errno));
	return s_end(rc, lockfd, dirfd, path);
}

static int s_del(void *state, const char *pkey, struct aaa_err *err)
{
	const struct s_file *st = state;
	const char *base;
	char *path = s_path(st, pkey, strlen(pkey));
	int dirfd = -1, lockfd = -1, rc = STORE_ERROR;

	if (path == NULL) {
		store_fail(err, "out of memory");
		goto out;
	}
	rc = s_walk(st, pkey, 0, &dirfd, &base, err);
	if (rc == STORE_NOT_FOUND)
		rc = STORE_OK;
	if (rc != STORE_OK || dirfd < 0)
		goto out;
	rc = STORE_ERROR;
	lockfd = s_lock(dirfd, path, err);
	if (lockfd < 0)
		goto out;
	if (unlinkat(dirfd, base, 0) != 0) {
		/* EISDIR: a directory is not an object, so there is none to delete. */
		if (errno != ENOENT && errno != EISDIR) {
			store_fail(err, "%s: cannot delete: %s", path, strerror(errno));
			goto out;
		}
	} else if (fsync(dirfd) != 0) {
		store_fail(err, "%s: cannot sync its directory: %s", path, strerror(errno));
		goto out;
	}
	rc = STORE_OK;
out:
	return s_end(rc, lockfd, dirfd, path);
}

/*
 * Adds every regular file under the open directory fd (named key, with a
 * trailing '/') whose key starts with pprefix; descends only into
 * directories that can still match. Takes ownership of fd. Links and
 * dot-names are skipped.
 */
static int s_list_dir(const struct s_file *st, int fd, struct buf *key, const char *pprefix,
		      struct store_keys *out, struct aaa_err *err)
{
	size_t plen = strlen(pprefix), klen = key->len;
	DIR *d = fdopendir(fd);
	struct dirent *de;
	struct stat sb;
	int rc = STORE_ERROR;

	if (d == NULL) {
		close(fd);
		store_fail(err, "%s/%s: cannot list: %s", st->dir, key->data, strerror(errno));
		goto out;
	}
	for (;;) {
		size_t n;
		int is_dir;

		errno = 0;
		de = readdir(d);
		if (de == NULL) {
			if (errno != 0) {
				store_fail(err, "%s/%s: cannot list: %s", st->dir, key->data,
					   strerror(errno));
				goto out;
			}
			break;
		}
		if (de->d_name[0] == '.')
			continue;
		key->len = klen;
		key->data[klen] = '\0';
		if (buf_append_str(key, de->d_name) != 0) {
			store_fail(err, "out of memory");
			goto out;
		}
		n = key->len < plen ? key->len : plen;
		if (strncmp(key->data, pprefix, n) != 0 || key->len > STORE_KEY_MAX)
			continue;
		if (fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0) {
			if (errno == ENOENT) /* deleted meanwhile */
				continue;
			store_fail(err, "%s/%s: cannot stat: %s", st->dir, key->data,
				   strerror(errno));
			goto out;
		}
		is_dir = S_ISDIR(sb.st_mode);
		if (S_ISREG(sb.st_mode) && key->len >= plen) {
			if (store_keys_add(out, key->data, key->len) != 0) {
				store_fail(err, "out of memory");
				goto out;
			}
		} else if (is_dir) {
			int sub = openat(dirfd(d), de->d_name, OPEN_DIR);

			if (sub < 0) {
				if (errno == ENOENT)
					continue;
				store_fail(err, "%s/%s: cannot open directory: %s", st->dir,
					   key->data, strerror(errno));
				goto out;
			}
			if (buf_append_str(key, "/") != 0) {
				close(sub);
				store_fail(err, "out of memory");
				goto out;
			}
			if (s_list_dir(st, sub, key, pprefix, out, err) != STORE_OK)
				goto out;
		}
	}
	rc = STORE_OK;
out:
	key->len = klen;
	if (key->data != NULL)
		key->data[klen] = '\0';
	if (d != NULL)
		closedir(d);
	return rc;
}

/* Walks from the deepest complete directory of pprefix; a missing one is an
 * empty listing. */
static int s_list(void *state, const char *pprefix, struct store_keys *out, struct aaa_err *err)
{
	const struct s_file *st = state;
	const char *base = NULL;
	struct buf key = BUF_INIT;
	int dirfd = -1, rc;

	rc = s_walk(st, pprefix, 0, &dirfd, &base, err);
	if (rc == STORE_NOT_FOUND) {
		rc = STORE_OK;
		goto out;
	}
	if (rc != STORE_OK)
		goto out;
	rc = STORE_ERROR;
	if (buf_append(&key, pprefix, (size_t)(base - pprefix)) != 0) {
		store_fail(err, "out of memory");
		goto out;
	}
	rc = s_list_dir(st, dirfd, &key, pprefix, out, err);
	dirfd = -1;
out:
	if (dirfd >= 0)
		close(dirfd);
	buf_free(&key);
	return rc;
}

const struct store_backend_ops store_file_ops = {
    "file", s_open, s_close, s_get, s_put, s_list, s_del, NULL, /* del_many: one by one */
};
