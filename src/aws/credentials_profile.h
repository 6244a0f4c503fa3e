/*
 * The shared config and credentials files as one view of named profiles.
 *
 * Where they are: AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE (a
 * leading "~/" is expanded), else $HOME/.aws/config and
 * $HOME/.aws/credentials. Which profile: AWS_PROFILE, else
 * AWS_DEFAULT_PROFILE (older SDKs), else "default".
 *
 * Section names differ between the files: "[profile x]" in config (and
 * "[default]" or "[profile default]"), plain "[x]" in credentials. A key
 * is looked up in the credentials file first, then in config, as botocore
 * merges them.
 */
#ifndef AAA_AWS_CREDENTIALS_PROFILE_H
#define AAA_AWS_CREDENTIALS_PROFILE_H

#include "aws/credentials_ini.h"
#include "aws/env.h"
#include "util/err.h"

struct aws_profiles {
	struct aws_ini config;
	struct aws_ini credentials;
	char *config_path; /* resolved paths, for messages; NULL without HOME */
	char *credentials_path;
};

/* Resolved paths (caller frees); NULL when neither the variable nor HOME is set. */
char *aws_profile_config_path(const struct aws_env *env);
char *aws_profile_credentials_path(const struct aws_env *env);
/* The selected profile's name (borrowed from env, or "default"). */
const char *aws_profile_name(const struct aws_env *env);

/* Loads both files. A missing file is an empty one; an unreadable or
 * malformed file is an error (logged with the path and line). 0/-1;
 * out must be freed with aws_profiles_free in both cases. */
int aws_profiles_load(const struct aws_env *env, struct aws_profiles *out, struct aaa_err *err);
void aws_profiles_free(struct aws_profiles *p);

/* 1 when either file has a section for profile name. */
int aws_profile_exists(const struct aws_profiles *p, const char *name);
/* Value of key in profile name (credentials file first), or NULL. Borrowed.
 * *path (may be NULL) receives the file it came from. */
const char *aws_profile_get(const struct aws_profiles *p, const char *name, const char *key,
			    const char **path);

#endif
