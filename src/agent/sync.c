/*
 * aaa sync: the stored certificate into a folder on a host, for a web
 * server to read, in the shape it wants (four PEM files, one combined PEM,
 * or a PKCS#12). Each file is replaced atomically (a reader never sees a
 * half-written key) and only when it changed, so the post hook (a reload)
 * runs only for a new certificate.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/certs.h"
#include "agent/ops.h"
#include "crypto/pkcs12.h"
#include "crypto/x509.h"
#include "store/keys.h"
#include "util/buf.h"
#include "util/mem.h"

#define SYNC_FILE_COMBINED "combined.pem"
#define SYNC_FILE_PKCS12   "cert.p12"
/* A PKCS#12 of a key and a chain is a few KiB; anything larger is not ours. */
#define SYNC_PKCS12_MAX (1024 * 1024)

/*
 * The contents of path when it is a regular file (not through a symlink,
 * never blocking on a FIFO) of at most max bytes; NULL otherwise (absent,
 * something else, unreadable): the caller then replaces it. Caller wipes
 * and frees.
 */
static unsigned char *s_read_regular(const char *path, size_t max, size_t *len)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	unsigned char *data = NULL;
	struct stat st;
	size_t off = 0;
	ssize_t n;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > max ||
	    !(data = malloc((size_t)st.st_size + 1)))
		goto out;
	while (off < (size_t)st.st_size) {
		n = read(fd, data + off, (size_t)st.st_size - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	if (off != (size_t)st.st_size) {
		mem_wipe_free(data, (size_t)st.st_size + 1);
		data = NULL;
	}
	*len = off;
out:
	close(fd);
	return data;
}

/*
 * 1 if path is a regular file (not through a symlink) holding exactly
 * data, else 0. Opened with O_NOFOLLOW|O_NONBLOCK and checked with fstat,
 * so a FIFO, socket or device named like a target never blocks us and a
 * symlink is never read through: each counts as "different" and is
 * replaced by the rename.
 */
static int s_same(const char *path, const char *data, size_t len, mode_t want, struct stat *st)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	char buf[4096];
	size_t off = 0;
	ssize_t n;
	int same = 0;

	if (fd < 0)
		return 0;
	if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode))
		goto out;
	same = 1;
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || off + (size_t)n > len || memcmp(buf, data + off, (size_t)n) != 0) {
			same = 0;
			break;
		}
		off += (size_t)n;
	}
	if (off != len)
		same = 0;
	/* Mode drift (someone widened the key file) is repaired on the file we read. */
	if (same && want == 0600 && (st->st_mode & 0777) != 0600)
		fchmod(fd, 0600);
	mem_wipe(buf, sizeof(buf));
out:
	close(fd);
	return same;
}

/* Writes dir/name through a temporary file in dir, fsync, rename. */
static int s_write_atomic(struct agent *a, const char *dir, const char *name, const char *data,
			  size_t len, mode_t mode)
{
	char *path = str_printf("%s/%s", dir, name), *tmp = str_printf("%s/.%s.XXXXXX", dir, name);
	int fd = -1, rc = -1;
	size_t off = 0;
	ssize_t w;

	if (!path || !tmp)
		goto out;
	if ((fd = mkstemp(tmp)) < 0) {
		agent_fail(a, "input", "", "cannot write in %s: %s", dir, strerror(errno));
		goto out;
	}
	if (fchmod(fd, mode) != 0)
		goto fail;
	while (off < len) {
		w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		off += (size_t)w;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto fail;
	rc = 0;
	goto out;
fail:
	agent_fail(a, "input", "", "cannot write %s: %s", path, strerror(errno));
	unlink(tmp);
out:
	if (fd >= 0)
		close(fd);
	free(path);
	free(tmp);
	return rc;
}

static int s_hook(struct agent *a, const char *hook, const char *dir, const char *name,
		  const char *names)
{
	pid_t pid;
	int status = 0;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		agent_fail(a, "input", "", "cannot run the post hook: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		/* The hook gets stdin, stdout and stderr, nothing of ours (S3 sockets...). */
		long fd, max = sysconf(_SC_OPEN_MAX);

		for (fd = 3; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
			close((int)fd);
		setenv("AAA_SYNC_DIR", dir, 1);
		setenv("AAA_SYNC_DOMAIN", name, 1);
		setenv("AAA_RENEWED_NAMES", names, 1);
		execl("/bin/sh", "sh", "-c", hook, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			agent_fail(a, "input", "", "waiting for the post hook: %s",
				   strerror(errno));
			return -1;
		}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		agent_fail(a, "input", "", "the post hook `%s` failed (%s %d)", hook,
			   WIFEXITED(status) ? "exit status" : "signal",
			   WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		return -1;
	}
	return 0;
}

/* The certificate's DNS names, space-separated, for the hook (certbot's
 * RENEWED_DOMAINS). Caller frees; NULL on error. */
static char *s_names(const struct agent_cert_set *set)
{
	struct cert *c = cert_load_pem(set->cert, strlen(set->cert), NULL, "cert.pem");
	struct buf b = BUF_INIT;
	char **names = NULL;
	size_t n = 0, i;
	int bad = c == NULL || cert_dns_names(c, &names, &n) != 0;

	for (i = 0; !bad && i < n; i++)
		bad = buf_printf(&b, "%s%s", i ? " " : "", names[i]) != 0;
	cert_names_free(names, n);
	cert_free(c);
	if (bad) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/* Writes name (mode) into dir unless it already holds data; *changed = 1
 * when it was written. 0/-1. */
static int s_put(struct agent *a, const char *dir, const char *name, const char *data, size_t len,
		 mode_t mode, int *changed)
{
	char *path = str_printf("%s/%s", dir, name);
	struct stat st;
	int same, rc;

	if (path == NULL)
		return -1;
	same = s_same(path, data, len, mode, &st);
	free(path);
	if (same)
		return 0;
	rc = s_write_atomic(a, dir, name, data, len, mode);
	if (rc == 0)
		*changed = 1;
	return rc;
}

/* cert.pem, chain.pem, fullchain.pem and privkey.pem, the key first: the
 * new certificate must never meet the old key. */
static int s_sync_pem(struct agent *a, const char *dir, const struct agent_cert_set *set,
		      int *changed)
{
	return s_put(a, dir, STORE_FILE_PRIVKEY, set->key, set->keylen, 0600, changed) ||
	       s_put(a, dir, STORE_FILE_FULLCHAIN, set->fullchain, strlen(set->fullchain), 0644,
		     changed) ||
	       s_put(a, dir, STORE_FILE_CHAIN, set->chain, strlen(set->chain), 0644, changed) ||
	       s_put(a, dir, STORE_FILE_CERT, set->cert, strlen(set->cert), 0644, changed);
}

/* combined.pem: the key, then the full chain, in one file (HAProxy's crt). */
static int s_sync_combined(struct agent *a, const char *dir, const struct agent_cert_set *set,
			   int *changed)
{
	struct buf b = BUF_INIT;
	int rc = -1;

	if (buf_append(&b, set->key, set->keylen) == 0 &&
	    (set->keylen == 0 || set->key[set->keylen - 1] == '\n' ||
	     buf_append_str(&b, "\n") == 0) &&
	    buf_append_str(&b, set->fullchain) == 0)
		rc = s_put(a, dir, SYNC_FILE_COMBINED, b.data, b.len, 0600, changed);
	buf_wipe_free(&b);
	return rc;
}

/* cert.p12 under password, written again only when what it holds differs
 * (a PKCS#12 is salted afresh each time, so bytes cannot tell). */
static int s_sync_pkcs12(struct agent *a, const char *dir, const char *name,
			 const struct agent_cert_set *set, const char *password, int *changed)
{
	char *path = str_printf("%s/%s", dir, SYNC_FILE_PKCS12);
	unsigned char *have = NULL, *der = NULL;
	size_t have_len = 0, der_len = 0, fc_len = strlen(set->fullchain);
	int rc = -1;

	if (path == NULL)
		goto out;
	have = s_read_regular(path, SYNC_PKCS12_MAX, &have_len);
	if (have != NULL && pkcs12_matches(have, have_len, password, set->key, set->keylen,
					   set->fullchain, fc_len)) {
		rc = 0;
		goto out;
	}
	if (pkcs12_build(set->key, set->keylen, set->fullchain, fc_len, password, name, &der,
			 &der_len) != 0) {
		agent_fail(a, "input", "", "cannot build the PKCS#12 of %s", name);
		goto out;
	}
	rc = s_write_atomic(a, dir, SYNC_FILE_PKCS12, (const char *)der, der_len, 0600);
	if (rc == 0)
		*changed = 1;
out:
	mem_wipe_free(have, have_len);
	mem_wipe_free(der, der_len);
	free(path);
	return rc;
}

int agent_sync(struct agent *a, const char *name, const char *dir, const char *post_hook,
	       enum agent_sync_format format, const char *pkcs12_password, int *changed)
{
	struct agent_cert_set set = {0};
	char *names = NULL;
	struct stat st;
	int r, rc = -1;

	*changed = 0;
	if (format == AGENT_SYNC_PKCS12 && (pkcs12_password == NULL || *pkcs12_password == '\0')) {
		agent_fail(a, "input", "",
			   "a PKCS#12 needs a password (AAA_PKCS12_PASSWORD or "
			   "--pkcs12-password-file)");
		goto out;
	}
	if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		if (mkdir(dir, 0755) != 0) {
			agent_fail(a, "input", "", "--dir %s: %s", dir, strerror(errno));
			goto out;
		}
	}
	/* Read all four first, as one consistent set: a store error or a key
	 * that is not the certificate's must not leave a mixed set (no hook). */
	r = agent_cert_set_load(a, name, &set);
	if (r == 1)
		agent_fail(a, "input", "",
			   "no certificate for %s in %s (issue it with aaa cert --cn %s)", name,
			   store_url(a->store), name);
	if (r != 0)
		goto out;
	if (format == AGENT_SYNC_COMBINED)
		r = s_sync_combined(a, dir, &set, changed);
	else if (format == AGENT_SYNC_PKCS12)
		r = s_sync_pkcs12(a, dir, name, &set, pkcs12_password, changed);
	else
		r = s_sync_pem(a, dir, &set, changed);
	if (r != 0)
		goto out;
	agent_progress(a, "%s: %s", dir, *changed ? "updated" : "unchanged");
	if (*changed && post_hook && *post_hook) {
		if (!(names = s_names(&set))) {
			agent_fail(a, "input", "", "cannot read the names of %s", name);
			goto out;
		}
		if (s_hook(a, post_hook, dir, name, names) != 0)
			goto out;
	}
	rc = 0;
out:
	agent_cert_set_clear(&set);
	free(names);
	return rc;
}
