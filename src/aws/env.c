#define _DEFAULT_SOURCE
#include "aws/env.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/mem.h"

static const char *s_cli_profile, *s_cli_region;

static const char *s_getenv(void *ctx, const char *name)
{
	(void)ctx;
	if (s_cli_profile && strcmp(name, "AWS_PROFILE") == 0)
		return s_cli_profile;
	if (s_cli_region &&
	    (strcmp(name, "AWS_REGION") == 0 || strcmp(name, "AWS_DEFAULT_REGION") == 0))
		return s_cli_region;
	return getenv(name);
}

void aws_env_set_cli(const char *profile, const char *region)
{
	if (profile)
		s_cli_profile = profile;
	if (region)
		s_cli_region = region;
}

int aws_env_profile_explicit(const struct aws_env *env)
{
	return s_cli_profile != NULL && env != NULL && env->get == s_getenv;
}

const struct aws_env *aws_env_process(void)
{
	static const struct aws_env s_process = {s_getenv, NULL};

	return &s_process;
}

const char *aws_env_list_get(void *ctx, const char *name)
{
	const char *const *list = ctx;
	size_t n = strlen(name);

	for (; list && *list; list++)
		if (strncmp(*list, name, n) == 0 && (*list)[n] == '=')
			return *list + n + 1;
	return NULL;
}

const char *aws_env_get(const struct aws_env *env, const char *name)
{
	const char *v;

	if (env == NULL || env->get == NULL)
		return NULL;
	v = env->get(env->ctx, name);
	return v && *v ? v : NULL;
}

int aws_env_is_true(const struct aws_env *env, const char *name)
{
	const char *v = aws_env_get(env, name);

	return v && strcasecmp(v, "true") == 0;
}

/* True when st is the null device, which the AWS CLI accepts as an empty
 * config or credentials file (AWS_CONFIG_FILE=/dev/null is a common way to
 * say "no file"). */
static int s_is_null_device(const struct stat *st)
{
	struct stat null_st;

	return S_ISCHR(st->st_mode) && stat("/dev/null", &null_st) == 0 &&
	       S_ISCHR(null_st.st_mode) && st->st_rdev == null_st.st_rdev;
}

/*
 * Reads with O_CLOEXEC and refuses anything that is not a regular file (the
 * null device reads as empty), so a config path pointing at a FIFO or another
 * device cannot hang or flood us: O_NONBLOCK keeps even the open of a FIFO
 * from waiting for a writer. The buffer is wiped before it is freed on
 * failure: it may hold a secret.
 */
char *aws_read_small_file(const char *path, size_t max, size_t *len)
{
	struct stat st;
	char *data = NULL, *ret = NULL;
	size_t have = 0;
	ssize_t n;
	int fd, saved = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		saved = errno;
		goto out;
	}
	if (fstat(fd, &st) != 0) {
		saved = errno;
		goto out;
	}
	if (s_is_null_device(&st)) {
		ret = calloc(1, 1);
		if (ret == NULL)
			saved = ENOMEM;
		else if (len)
			*len = 0;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		saved = EINVAL;
		goto out;
	}
	if ((size_t)st.st_size > max) {
		saved = EFBIG;
		goto out;
	}
	data = malloc((size_t)st.st_size + 1);
	if (data == NULL) {
		saved = ENOMEM;
		goto out;
	}
	while (have < (size_t)st.st_size) {
		n = read(fd, data + have, (size_t)st.st_size - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			saved = errno;
			goto out;
		}
		if (n == 0)
			break;
		have += (size_t)n;
	}
	data[have] = '\0';
	if (len)
		*len = have;
	ret = data;
	data = NULL;
out:
	if (data)
		mem_wipe_free(data, (size_t)st.st_size + 1);
	if (fd >= 0)
		close(fd);
	if (ret == NULL)
		errno = saved ? saved : EIO;
	return ret;
}
