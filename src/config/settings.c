/* The AAA_* variables: one table, read once. See settings.h. */
#include "config/settings.h"

#include <stdlib.h>
#include <string.h>

#define S(m) offsetof(struct settings, m)

const struct setting settings_table[] = {
    {"AAA_EMAIL", S(email), NULL, "`--email`"},
    {"AAA_S3_BUCKET", S(s3_bucket), NULL, "`--s3-bucket`"},
    {"AAA_S3_KMS_KEY", S(s3_kms_key), NULL, "`--s3-kms-key`"},
    {"AAA_STORE", S(store), NULL, "`--store`"},
    {"AAA_DIRECTORY", S(directory), NULL, "`--directory` (without it: letsencrypt-staging)"},
    {"AAA_ZONE_IDS", S(zone_ids), NULL, "comma-separated `DOMAIN=ZONE_ID` (executor)"},
    {"AAA_ZONE_ROLES", S(zone_roles), NULL, "comma-separated `DOMAIN=ROLE_ARN` (executor)"},
    {"AAA_PREFERRED_CHAIN", S(preferred_chain), NULL, "`--preferred-chain` (executor)"},
    {"AAA_PROFILE", S(profile), NULL,
     "the CA's certificate profile for certificates that chose none (executor)"},
    {"AAA_STAGING_DIRECTORIES", S(staging_directories), NULL,
     "more directory URLs (comma-separated) whose certificates are never deployed to a live "
     "target"},
    {"AAA_RENEW_BEFORE_DAYS", S(renew_before_days), NULL,
     "renew this many days before expiry when that is less than a third of the lifetime "
     "(without it: when a third of the lifetime remains)"},
    {"AAA_EXECUTOR_FUNCTION", S(executor_function), NULL,
     "the executor's function name (scheduler and dispatcher)"},
    {"AAA_RENEW_BUDGET", S(renew_budget), "500",
     "certificates one scheduler pass starts renewing, most urgent first"},
    {"AAA_BATCH_SIZE", S(batch_size), "25",
     "certificates the scheduler hands one executor, grouped by hosted zone"},
    {"AAA_RESUME_MARGIN_MS", S(resume_margin_ms), "60000",
     "the executor saves and re-invokes itself when less than this is left"},
    {"AAA_MAX_RESUMES", S(max_resumes), "8", "resumes before a job gives up"},
    {"AAA_MAX_WAIT_S", S(max_wait_s), "300", "the longest single wait (lower only)"},
    {"AAA_SLACK_SIGNING_SECRET", S(slack_signing_secret), NULL,
     "the Slack app's signing secret, KMS ciphertext (dispatcher)"},
    {"AAA_SLACK_VERIFICATION_TOKEN", S(slack_verification_token), NULL,
     "Slack's legacy verification token, KMS ciphertext (dispatcher)"},
    {"AAA_SLACK_TEAMS", S(slack_teams), NULL, "workspace ids allowed (dispatcher)"},
    {"AAA_SLACK_CHANNELS", S(slack_channels), NULL, "channel ids allowed (dispatcher)"},
    {"AAA_SLACK_USERS", S(slack_users), NULL, "user ids allowed (dispatcher)"},
    {"AAA_ALLOWED_DOMAINS", S(allowed_domains), NULL,
     "name patterns Slack may request (dispatcher; without it: none)"},
    {"AAA_SLACK_RESPONSE_URL_PREFIX", S(slack_response_url_prefix), "https://hooks.slack.com/",
     "where Slack response URLs may point (for tests)"},
    {"AAA_CA_BUNDLE", S(ca_bundle), NULL,
     "an extra trusted CA file (PEM), added to the system bundle"},
    {"AAA_EAB_HMAC_KEY", S(eab_hmac_key), NULL, "the EAB HMAC key for `reg --eab-kid`"},
    {"AAA_EAB_HMAC_KEY_FILE", S(eab_hmac_key_file), NULL,
     "a file whose first line holds the EAB HMAC key"},
    {"AAA_PKCS12_PASSWORD", S(pkcs12_password), NULL,
     "the password of `sync --format pkcs12` without `--pkcs12-password-file`"},
    {"AAA_ACME_ALLOW_ORIGINS", S(acme_allow_origins), NULL,
     "other https origins (comma-separated) the CA may send aaa to"},
    {"AAA_LOG_LEVEL", S(log_level), NULL,
     "debug, info, warn or error (without it: info in Lambda, warn on the CLI)"},
};
const size_t settings_count = sizeof(settings_table) / sizeof(settings_table[0]);

static struct settings s_settings;
static int s_loaded;

static const char **s_member(struct settings *s, size_t off)
{
	return (const char **)(void *)((char *)s + off);
}

void settings_reload(void)
{
	size_t i;

	memset(&s_settings, 0, sizeof(s_settings));
	for (i = 0; i < settings_count; i++) {
		const char *v = getenv(settings_table[i].name);

		*s_member(&s_settings, settings_table[i].off) = v && *v ? v : settings_table[i].def;
	}
	s_loaded = 1;
}

const struct settings *settings(void)
{
	if (!s_loaded)
		settings_reload();
	return &s_settings;
}

const struct setting *settings_find(const char *name)
{
	size_t i;

	for (i = 0; name && i < settings_count; i++)
		if (strcmp(settings_table[i].name, name) == 0)
			return &settings_table[i];
	return NULL;
}

const char *settings_get(const char *name)
{
	const struct setting *row = settings_find(name);

	if (!row)
		return NULL;
	settings();
	return *s_member(&s_settings, row->off);
}

long settings_default_long(size_t off)
{
	size_t i;

	for (i = 0; i < settings_count; i++)
		if (settings_table[i].off == off && settings_table[i].def)
			return strtol(settings_table[i].def, NULL, 10);
	return 0;
}
