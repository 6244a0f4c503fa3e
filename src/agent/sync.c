/*
 * aaa sync: the stored certificate into a folder on a host, for a web
 * server to read. Each file is replaced atomically (a reader never sees a
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
#include "store/keys.h"
#include "util/mem.h"

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

static int s_hook(struct agent *a, const char *hook, const char *dir, const char *name)
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

int agent_sync(struct agent *a, const char *name, const char *dir, const char *post_hook,
	       int *changed)
{
	static const struct {
		const char *file;
		mode_t mode;
	} files[] = {
	    {STORE_FILE_CERT, 0644},
	    {STORE_FILE_CHAIN, 0644},
	    {STORE_FILE_FULLCHAIN, 0644},
	    {STORE_FILE_PRIVKEY, 0600},
	};
	struct agent_cert_set set = {0};
	const char *data[4];
	size_t len[4], i;
	char *path = NULL;
	struct stat st;
	int r, rc = -1;

	*changed = 0;
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
	data[0] = set.cert;
	data[1] = set.chain;
	data[2] = set.fullchain;
	data[3] = set.key;
	for (i = 0; i < 3; i++)
		len[i] = strlen(data[i]);
	len[3] = set.keylen;
	/* The key goes first: the new certificate must never meet the old key. */
	for (i = 4; i-- > 0;) {
		free(path);
		if (!(path = str_printf("%s/%s", dir, files[i].file)))
			goto out;
		if (s_same(path, data[i], len[i], files[i].mode, &st))
			continue;
		if (s_write_atomic(a, dir, files[i].file, data[i], len[i], files[i].mode) != 0)
			goto out;
		*changed = 1;
	}
	agent_progress(a, "%s: %s", dir, *changed ? "updated" : "unchanged");
	if (*changed && post_hook && *post_hook && s_hook(a, post_hook, dir, name) != 0)
		goto out;
	rc = 0;
out:
	agent_cert_set_clear(&set);
	free(path);
	return rc;
}
