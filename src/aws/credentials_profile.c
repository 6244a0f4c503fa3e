#define _DEFAULT_SOURCE
#include "aws/credentials_profile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log/log.h"
#include "util/mem.h"

/* var's value with "~/" expanded, else $HOME/.aws/<file>. */
static char *s_path(const struct aws_env *env, const char *var, const char *file)
{
	const char *v = aws_env_get(env, var), *home = aws_env_get(env, "HOME");

	if (v && v[0] == '~' && v[1] == '/')
		return home ? str_printf("%s%s", home, v + 1) : NULL;
	if (v)
		return str_dup(v);
	return home ? str_printf("%s/.aws/%s", home, file) : NULL;
}

char *aws_profile_config_path(const struct aws_env *env)
{
	return s_path(env, "AWS_CONFIG_FILE", "config");
}

char *aws_profile_credentials_path(const struct aws_env *env)
{
	return s_path(env, "AWS_SHARED_CREDENTIALS_FILE", "credentials");
}

const char *aws_profile_name(const struct aws_env *env)
{
	const char *n = aws_env_get(env, "AWS_PROFILE");

	if (n == NULL)
		n = aws_env_get(env, "AWS_DEFAULT_PROFILE");
	return n ? n : "default";
}

/* Loads one file into ini; a missing file (or no path) leaves it empty. */
static int s_load(const char *path, struct aws_ini *ini, struct aaa_err *err)
{
	size_t len = 0;
	char *text = NULL;
	int rc = -1;

	if (path == NULL) {
		rc = 0;
		goto out;
	}
	text = aws_read_small_file(path, AWS_INI_MAX_SIZE, &len);
	if (text == NULL) {
		if (errno == ENOENT || errno == ENOTDIR) {
			rc = 0;
			goto out;
		}
		log_fail(err, "aws", "", "cannot read %s: %s", path,
			 errno == EFBIG ? "file too large" : strerror(errno));
		goto out;
	}
	rc = aws_ini_parse(text, len, path, ini, err);
out:
	mem_wipe_free(text, len);
	return rc;
}

int aws_profiles_load(const struct aws_env *env, struct aws_profiles *out, struct aaa_err *err)
{
	int rc = -1;

	memset(out, 0, sizeof(*out));
	out->config_path = aws_profile_config_path(env);
	out->credentials_path = aws_profile_credentials_path(env);
	if (s_load(out->config_path, &out->config, err) != 0 ||
	    s_load(out->credentials_path, &out->credentials, err) != 0)
		goto out;
	rc = 0;
out:
	return rc;
}

void aws_profiles_free(struct aws_profiles *p)
{
	if (p == NULL)
		return;
	aws_ini_free(&p->config);
	aws_ini_free(&p->credentials);
	free(p->config_path);
	free(p->credentials_path);
	memset(p, 0, sizeof(*p));
}

/* Whether a config-file section names profile name: "profile NAME" (any
 * run of blanks after "profile"), or "default" for the default profile. */
static int s_config_section_is(const char *section, const char *name)
{
	const char *p;

	if (strcmp(name, "default") == 0 && strcmp(section, "default") == 0)
		return 1;
	if (strncmp(section, "profile", 7) != 0 || (section[7] != ' ' && section[7] != '\t'))
		return 0;
	for (p = section + 7; *p == ' ' || *p == '\t'; p++)
		;
	return strcmp(p, name) == 0;
}

int aws_profile_exists(const struct aws_profiles *p, const char *name)
{
	size_t i;

	if (aws_ini_has_section(&p->credentials, name))
		return 1;
	for (i = 0; i < p->config.n; i++)
		if (p->config.v[i].key == NULL && s_config_section_is(p->config.v[i].section, name))
			return 1;
	return 0;
}

const char *aws_profile_get(const struct aws_profiles *p, const char *name, const char *key,
			    const char **path)
{
	const char *v = aws_ini_get(&p->credentials, name, key);
	size_t i;

	if (v) {
		if (path)
			*path = p->credentials_path;
		return v;
	}
	for (i = 0; i < p->config.n; i++) {
		const struct aws_ini_entry *en = &p->config.v[i];

		if (en->key && strcasecmp(en->key, key) == 0 &&
		    s_config_section_is(en->section, name)) {
			if (path)
				*path = p->config_path;
			return en->value;
		}
	}
	return NULL;
}
