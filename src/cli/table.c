/*
 * The CLI's commands and options (see table.h). Adding an option is one row
 * here and, for a new kind of value, a member of struct cli_opts.
 */
#include "cli/table.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "acme/order.h"
#include "cli/commands.h"
#include "crypto/key.h"
#include "util/buf.h"
#include "util/mem.h"

#define OFF(m) offsetof(struct cli_opts, m)

/* Commands that issue and so talk to Route53 for DNS-01. */
#define C_DNS (C_AUTHZ | C_CERT | C_RENEW | C_DOCTOR)

const struct cli_option cli_options[] = {
    {"email", NULL, 'm', CLI_STR, OFF(email), C_ALL, 0, "AAA_EMAIL", "EMAIL",
     "contact email of the ACME account", NULL},
    {"s3-bucket", NULL, 0, CLI_STR, OFF(s3_bucket), C_ALL, 0, "AAA_S3_BUCKET", "BUCKET",
     "S3 bucket holding aaa-data/ (with --s3-kms-key)", NULL},
    {"s3-kms-key", NULL, 0, CLI_STR, OFF(s3_kms_key), C_ALL, 0, "AAA_S3_KMS_KEY", "KEY",
     "KMS key id, ARN or alias for SSE-KMS", NULL},
    {"store", NULL, 0, CLI_STR, OFF(store), C_ALL, 0, "AAA_STORE", "URL",
     "store URL: s3://BUCKET[/PREFIX] or file://DIR", NULL},
    {"directory", NULL, 0, CLI_STR, OFF(directory), C_ALL, 0, "AAA_DIRECTORY", "URL",
     "ACME directory URL, or letsencrypt, letsencrypt-staging (default), zerossl",
     "letsencrypt letsencrypt-staging zerossl"},
    {"eab-kid", NULL, 0, CLI_STR, OFF(eab_kid), C_REG, 0, NULL, "KID",
     "External Account Binding key id", NULL},
    {"eab-hmac-key", NULL, 0, CLI_STR, OFF(eab_hmac_key), C_REG, 0, NULL, "KEY",
     "External Account Binding HMAC key (base64url)", NULL},
    {"account-key", NULL, 0, CLI_STR, OFF(account_key), C_REG, 0, NULL, "SPEC",
     "account key type (ec256, rsa2048, ...) or kms:KEY_ID to sign with KMS", "@keytypes"},
    {"agree", "agree-tos", 0, CLI_FLAG, OFF(agree), C_REG, 0, NULL, NULL,
     "agree to the CA's terms of service", NULL},
    {"domain", NULL, 'd', CLI_LIST, OFF(domains),
     C_AUTHZ | C_CERT | C_SYNC | C_REVOKE | C_DOCTOR | C_RENEW, C_AUTHZ | C_SYNC | C_REVOKE, NULL,
     "NAME", "a domain name (repeatable)", NULL},
    {"cn", NULL, 0, CLI_STR, OFF(cn), C_CERT, C_CERT, NULL, "NAME",
     "common name; the certificate's name in the store", NULL},
    {"create-key", NULL, 0, CLI_FLAG, OFF(create_key), C_CERT, 0, NULL, NULL,
     "generate a new certificate key instead of reusing the stored one", NULL},
    {"key-type", NULL, 0, CLI_STR, OFF(key_type), C_CERT, 0, NULL, "TYPE",
     "key type (default ec256):", "@keytypes"},
    {"challenge", NULL, 0, CLI_STR, OFF(challenge), C_AUTHZ, 0, NULL, "TYPE",
     "challenge type: dns-01", "dns-01"},
    {"deploy", NULL, 0, CLI_LIST, OFF(deploy), C_CERT, 0, NULL, "TARGET",
     "deploy target: acm[:REGION], iam[:PATH], elb:NAME[:PORT], elbv2:ARN, cloudfront:ID "
     "(repeatable; none clears)",
     "acm iam elb: elbv2: cloudfront: none"},
    {"dir", NULL, 0, CLI_STR, OFF(dir), C_SYNC, 0, NULL, "DIR",
     "folder for cert.pem chain.pem fullchain.pem privkey.pem (default: ./NAME)", "@dir"},
    {"post-hook", NULL, 0, CLI_STR, OFF(post_hook), C_SYNC, 0, NULL, "CMD",
     "command to run when files changed (AAA_SYNC_DIR, AAA_SYNC_DOMAIN, AAA_RENEWED_NAMES set)",
     NULL},
    {"format", NULL, 0, CLI_STR, OFF(format), C_SYNC, 0, NULL, "FORMAT",
     "pem (cert, chain, fullchain, privkey; default), combined (key + full chain in "
     "combined.pem) or pkcs12 (cert.p12)",
     "pem combined pkcs12"},
    {"pkcs12-password-file", NULL, 0, CLI_STR, OFF(pkcs12_password_file), C_SYNC, 0, NULL, "FILE",
     "the PKCS#12 password, first line of FILE (else AAA_PKCS12_PASSWORD)", "@file"},
    {"reason", NULL, 0, CLI_STR, OFF(reason), C_REVOKE, 0, NULL, "REASON",
     "revocation reason:", "@reasons"},
    {"preferred-chain", NULL, 0, CLI_STR, OFF(preferred_chain), C_CERT, 0, NULL, "ISSUER",
     "pick the alternate chain whose root has this issuer name", NULL},
    {"acme-profile", NULL, 0, CLI_STR, OFF(acme_profile), C_CERT, 0, NULL, "NAME",
     "the CA's certificate profile (e.g. shortlived); kept for every renewal", NULL},
    {"profile", NULL, 0, CLI_STR, OFF(aws_profile), C_ALL, 0, NULL, "NAME",
     "AWS profile of ~/.aws/config (wins over AWS_PROFILE)", NULL},
    {"region", NULL, 0, CLI_STR, OFF(region), C_ALL, 0, NULL, "REGION",
     "AWS region (wins over AWS_REGION)", NULL},
    {"zone-role", NULL, 0, CLI_LIST, OFF(zone_roles), C_DNS, 0, NULL, "DOMAIN=ROLE_ARN",
     "assume this role for the hosted zone of DOMAIN (repeatable)", NULL},
    {"zone-id", NULL, 0, CLI_LIST, OFF(zone_ids), C_DNS, 0, NULL, "DOMAIN=ZONE_ID",
     "use this hosted zone for DOMAIN instead of looking it up (repeatable)", NULL},
    {"allow-staging", NULL, 0, CLI_FLAG, OFF(allow_staging), C_CERT | C_RENEW, 0, NULL, NULL,
     "deploy a certificate from a staging or test CA (AAA_STAGING_DIRECTORIES) to acm, iam, "
     "elb, elbv2 or cloudfront all the same",
     NULL},
    {"force", NULL, 0, CLI_FLAG, OFF(force), C_RENEW, 0, NULL, NULL,
     "renew even what is not due yet", NULL},
    {"random-delay", NULL, 0, CLI_STR, OFF(random_delay), C_RENEW, 0, NULL, "SECONDS",
     "before renewing, wait a random time up to this long (spreads a fleet's cron runs)", NULL},
    {"json", NULL, 0, CLI_FLAG, OFF(json), C_DOCTOR | C_LS, 0, NULL, NULL,
     "print JSON (aaa ls prints it whenever its output is not a terminal)", NULL},
    {"verbose", NULL, 'v', CLI_FLAG, OFF(verbose), C_ALL, 0, NULL, NULL,
     "print the progress lines (and info logs) even when stderr is not a terminal", NULL},
    {"quiet", NULL, 'q', CLI_FLAG, OFF(quiet), C_ALL, 0, NULL, NULL,
     "print errors only: no progress lines, no warnings", NULL},
    {"help", NULL, 'h', CLI_HELP, 0, C_ALL, 0, NULL, NULL, "show this help and exit", NULL},
    {"version", NULL, 'V', CLI_VERSION, 0, C_ALL, 0, NULL, NULL,
     "show aaa's version and the libraries it runs with, and exit", NULL},
};

const size_t cli_noptions = sizeof(cli_options) / sizeof(cli_options[0]);

const struct cli_command cli_commands[] = {
    {"reg", C_REG, CLI_CMD_STORE, cmd_reg, NULL, NULL,
     "register an ACME account (prints the terms URL unless --agree)"},
    {"authz", C_AUTHZ, CLI_CMD_STORE, cmd_authz, NULL, NULL,
     "authorize names with DNS-01 on Route53"},
    {"cert", C_CERT, CLI_CMD_STORE, cmd_cert, NULL, NULL, "issue or renew a certificate"},
    {"renew", C_RENEW, CLI_CMD_STORE, cmd_renew, NULL, NULL,
     "renew the stored certificates that are due (cron, systemd timer)"},
    {"ls", C_LS, CLI_CMD_STORE, cmd_ls, NULL, NULL,
     "list certificates (a table on a terminal, else JSON)"},
    {"sync", C_SYNC, CLI_CMD_STORE, cmd_sync, NULL, NULL,
     "write a stored certificate and key into a folder"},
    {"revoke", C_REVOKE, CLI_CMD_STORE, cmd_revoke, NULL, NULL, "revoke a certificate"},
    {"doctor", C_DOCTOR, 0, cmd_doctor, NULL, NULL,
     "check credentials, bucket, KMS key and hosted zones"},
    {"completion", C_COMPLETION, 0, cmd_completion, "bash|zsh", "bash zsh",
     "print a bash or zsh completion script"},
    {"manpage", C_MANPAGE, 0, cmd_manpage, NULL, NULL, "print the manual page (roff)"},
    {"lambda", C_LAMBDA, 0, cmd_lambda, NULL, NULL,
     "run the AWS Lambda runtime loop (used by bootstrap)"},
};

const size_t cli_ncommands = sizeof(cli_commands) / sizeof(cli_commands[0]);

const struct cli_command *cli_command_find(const char *name)
{
	size_t i;

	for (i = 0; i < cli_ncommands; i++)
		if (strcmp(cli_commands[i].name, name) == 0)
			return &cli_commands[i];
	return NULL;
}

int cli_values_join(const char *values, char *buf, size_t len, const char *sep, const char *last)
{
	if (values && strcmp(values, "@keytypes") == 0)
		key_type_join(buf, len, sep, last);
	else if (values && strcmp(values, "@reasons") == 0)
		acme_revoke_reason_join(buf, len, sep, last);
	else
		return -1;
	return 0;
}

char *cli_option_help(const struct cli_option *o)
{
	size_t n = strlen(o->help);
	char words[256];

	if (n > 0 && o->help[n - 1] == ':' &&
	    cli_values_join(o->values, words, sizeof(words), ", ", " or ") == 0)
		return str_printf("%s %s", o->help, words);
	return str_dup(o->help);
}

char *cli_option_label(const struct cli_option *o)
{
	struct buf b = BUF_INIT;

	if (o->short_name) {
		char s[5] = {'-', o->short_name, ',', ' ', '\0'};

		buf_append_str(&b, s);
	}
	buf_append_str(&b, "--");
	buf_append_str(&b, o->name);
	if (o->alias) {
		buf_append_str(&b, ", --");
		buf_append_str(&b, o->alias);
	}
	if (o->arg) {
		buf_append_str(&b, " ");
		buf_append_str(&b, o->arg);
	}
	return buf_steal(&b);
}

char *cli_synopsis(const struct cli_command *cmd)
{
	struct buf b = BUF_INIT;
	size_t i;

	buf_append_str(&b, "aaa ");
	buf_append_str(&b, cmd->name);
	for (i = 0; i < cli_noptions; i++) {
		const struct cli_option *o = &cli_options[i];

		if (!(o->required & cmd->bit))
			continue;
		buf_append_str(&b, " --");
		buf_append_str(&b, o->name);
		if (o->arg) {
			buf_append_str(&b, " ");
			buf_append_str(&b, o->arg);
		}
	}
	buf_append_str(&b, " [OPTIONS]");
	if (cmd->args) {
		buf_append_str(&b, " ");
		buf_append_str(&b, cmd->args);
	}
	return buf_steal(&b);
}
