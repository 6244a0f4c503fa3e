/*
 * Every AAA_* environment variable aaa reads, in one struct, read once (on
 * the first call of settings()) from the environment. settings_table[] is
 * the one documented list: name, default and what it is for; the README's
 * "Configuration" table is checked against it (tests/unit/test_config.c).
 *
 * A variable that is unset or empty takes the table's default (NULL when
 * it has none): a template leaves optional ones empty. Values are kept as
 * text; their users parse them (and warn as they always did), falling back
 * to the table's default through SETTING_DEFAULT_LONG.
 *
 * The names a variable goes by elsewhere (a CLI flag's environment twin)
 * are looked up in the table by name with settings_get().
 */
#ifndef AAA_CONFIG_SETTINGS_H
#define AAA_CONFIG_SETTINGS_H

#include <stddef.h>

/* Everything borrowed from the environment or the table. */
struct settings {
	/* Where and from whom: the store, the CA, the account. */
	const char *store;
	const char *s3_bucket;
	const char *s3_kms_key;
	const char *directory;
	const char *email;
	const char *preferred_chain;
	const char *profile;
	const char *staging_directories;
	const char *acme_allow_origins;
	const char *ca_bundle;
	const char *eab_hmac_key;
	const char *eab_hmac_key_file;
	const char *pkcs12_password;
	/* DNS. */
	const char *zone_ids;
	const char *zone_roles;
	/* Renewal and the Lambda functions. */
	const char *renew_before_days;
	const char *renew_budget;
	const char *batch_size;
	const char *executor_function;
	const char *resume_margin_ms;
	const char *max_resumes;
	const char *max_wait_s;
	/* The Slack dispatcher. */
	const char *slack_signing_secret;
	const char *slack_verification_token;
	const char *slack_teams;
	const char *slack_channels;
	const char *slack_users;
	const char *allowed_domains;
	const char *slack_response_url_prefix;
	/* Logging. */
	const char *log_level;
};

struct setting {
	const char *name; /* "AAA_STORE" */
	size_t off;	  /* of its member in struct settings */
	const char *def;  /* the default, or NULL: none (the description says what then) */
	const char *doc;  /* one line: what it is for */
};

extern const struct setting settings_table[];
extern const size_t settings_count;

/* The settings, read from the environment on the first call. */
const struct settings *settings(void);

/*
 * Reads the environment again: for `aaa lambda`, whose common flags become
 * their environment twins before the handlers start, and for unit tests
 * that set a variable.
 */
void settings_reload(void);

/* The value of the variable called name (NULL: unset and no default, or
 * not a variable of the table). */
const char *settings_get(const char *name);

/* The table's row of a name, or NULL. */
const struct setting *settings_find(const char *name);

/* The table's default of the member at off, as a number (0: none). */
long settings_default_long(size_t off);
#define SETTING_DEFAULT_LONG(member) settings_default_long(offsetof(struct settings, member))

#endif
