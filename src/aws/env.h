/*
 * The process environment as an interface. Every AWS setting aaa reads
 * (credentials, profile, region, endpoints, container and IMDS settings)
 * goes through a struct aws_env, so tests pass a fake environment and never
 * touch the real one. aws_env_process() is the one place that calls getenv
 * for AWS settings.
 */
#ifndef AAA_AWS_ENV_H
#define AAA_AWS_ENV_H

#include <stddef.h>

/* Returns the value of name (borrowed), or NULL when unset. */
typedef const char *(*aws_env_get_fn)(void *ctx, const char *name);

struct aws_env {
	aws_env_get_fn get;
	void *ctx;
};

/* The real process environment (getenv). Borrowed, static. */
const struct aws_env *aws_env_process(void);

/*
 * The CLI's --profile and --region, as the AWS CLI's: they win over
 * AWS_PROFILE and AWS_REGION (and AWS_DEFAULT_REGION) in the process
 * environment above. A profile chosen this way is explicit: the
 * credentials chain then takes the profile's credentials, not the
 * AWS_ACCESS_KEY_ID of the environment (botocore does the same). NULL
 * leaves a setting alone. Borrowed: the strings must outlive every AWS
 * call (argv does).
 */
void aws_env_set_cli(const char *profile, const char *region);
/* 1 when env is the process environment and --profile chose the profile. */
int aws_env_profile_explicit(const struct aws_env *env);

/* A fake environment over a NULL-terminated array of "NAME=value" strings,
 * for tests: struct aws_env e = AWS_ENV_LIST(vars). */
const char *aws_env_list_get(void *ctx, const char *name);
#define AWS_ENV_LIST(list)                                                                         \
	{                                                                                          \
		aws_env_list_get, (void *)(list)                                                   \
	}

/* Value of name, or NULL when unset or empty (the SDKs treat an empty
 * variable as unset). Borrowed from the environment. */
const char *aws_env_get(const struct aws_env *env, const char *name);
/* 1 when name is "true" (any case), else 0. */
int aws_env_is_true(const struct aws_env *env, const char *name);

/*
 * Reads a whole small file (a shared config file, a token file) into a
 * NUL-terminated buffer the caller frees (wipe it if it held a secret).
 * Returns NULL with errno ENOENT when the file does not exist, NULL with
 * another errno (EFBIG when over max bytes) on any other failure; logs
 * nothing, so the caller decides whether a missing file is an error.
 */
char *aws_read_small_file(const char *path, size_t max, size_t *len);

#endif
