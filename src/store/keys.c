/*
 * Key validation and the layout builders. Pure string work: no I/O, so the
 * rules are tested offline and are the same for every backend.
 */
#include "store/keys.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log/log.h"
#include "util/mem.h"

/* How much of a bad key is quoted back in an error message. */
#define SHOW_MAX 160

#define DNS_NAME_MAX  253
#define DNS_LABEL_MAX 63
#define ACCOUNT_MAX   64
#define JOB_ID_MAX    128
#define SERIAL_MAX    64

/*
 * A printable, bounded rendering of an untrusted key for messages: control
 * characters, quotes, backslashes and bytes >= 0x80 as \xNN, a long key cut
 * with its length, so a message never carries a raw escape sequence.
 */
static void s_show(const char *key, char *out, size_t outlen)
{
	str_show(key, SHOW_MAX, '\'', 0, "bytes", out, outlen);
}

/* "<what> '<shown>' <reason>" into err (source "input"). */
static void s_err(struct aaa_err *err, const char *what, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void s_err(struct aaa_err *err, const char *what, const char *key, const char *fmt, ...)
{
	char shown[4 * SHOW_MAX + 32], reason[256];
	va_list ap;

	if (err == NULL)
		return;
	s_show(key, shown, sizeof(shown));
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	err_set(err, "input", "", "%s '%s' %s", what, shown, reason);
}

/*
 * The one key check, over key[0..len) (a prefix is checked without its
 * trailing '/'); messages quote shown, the text as the caller gave it.
 * Byte-level problems are reported before segment problems so "a\\..\\b" is
 * named for its backslashes; segments are checked left to right so the
 * message names the first bad one.
 */
static int s_validate(const char *what, const char *shown, const char *key, size_t len,
		      struct aaa_err *err)
{
	size_t i, start, seg = 0;
	int rc = -1;

	if (len == 0) {
		err_set(err, "input", "", "%s is empty", what);
		goto out;
	}
	if (len > STORE_KEY_MAX) {
		s_err(err, what, shown, "is %zu bytes long (at most %d)", len, STORE_KEY_MAX);
		goto out;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)key[i];

		if (c < 0x20 || c == 0x7f) {
			s_err(err, what, shown, "contains a control character (byte %zu)", i + 1);
			goto out;
		}
		if (c >= 0x80) {
			s_err(err, what, shown,
			      "contains a non-ASCII byte (byte %zu); keys are printable ASCII",
			      i + 1);
			goto out;
		}
		if (c == '\\') {
			s_err(err, what, shown, "contains a backslash");
			goto out;
		}
	}
	if (key[0] == '/') {
		s_err(err, what, shown,
		      "is absolute; keys are relative to the store root and must not start "
		      "with '/'");
		goto out;
	}
	start = 0;
	for (i = 0; i <= len; i++) {
		size_t slen;

		if (i < len && key[i] != '/')
			continue;
		slen = i - start;
		seg++;
		if (slen == 2 && key[start] == '.' && key[start + 1] == '.') {
			s_err(err, what, shown, "escapes the store root");
			goto out;
		}
		if (slen == 0) {
			s_err(err, what, shown, "has an empty segment (segment %zu)", seg);
			goto out;
		}
		if (slen == 1 && key[start] == '.') {
			s_err(err, what, shown, "has a '.' segment");
			goto out;
		}
		if (key[start] == '.') {
			s_err(err, what, shown,
			      "has a segment starting with '.' (reserved for the store's own "
			      "files)");
			goto out;
		}
		if (slen > STORE_SEGMENT_MAX) {
			s_err(err, what, shown, "has a segment of %zu bytes (at most %d)", slen,
			      STORE_SEGMENT_MAX);
			goto out;
		}
		start = i + 1;
	}
	rc = 0;
out:
	return rc;
}

int store_key_validate(const char *key, struct aaa_err *err)
{
	return s_validate("store key", key ? key : "", key ? key : "", key ? strlen(key) : 0, err);
}

/* A prefix is matched as a plain string, so only its complete segments
 * matter for safety; one trailing '/' is allowed so "certs/" can be listed. */
int store_prefix_validate(const char *prefix, struct aaa_err *err)
{
	size_t len;

	if (prefix == NULL || prefix[0] == '\0')
		return 0;
	len = strlen(prefix);
	if (len > 1 && prefix[len - 1] == '/')
		len--;
	return s_validate("store prefix", prefix, prefix, len, err);
}

static int s_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int s_is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/*
 * Checks an LDH host name (the same rules as crypto/names.h, kept here so
 * the store does not depend on a higher-level check having run) and writes
 * it lower-cased into out (strlen(name)+1 bytes). 0 or -1 with a reason.
 */
static int s_dns_name(const char *name, char *out, const char **reason)
{
	size_t len = strlen(name), i, start = 0;
	int rc = -1;

	if (len == 0) {
		*reason = "is empty";
		goto out;
	}
	if (len > DNS_NAME_MAX) {
		*reason = "is longer than 253 characters";
		goto out;
	}
	if (name[len - 1] == '.') {
		*reason = "has a trailing dot";
		goto out;
	}
	for (i = 0; i <= len; i++) {
		int c = (unsigned char)name[i];

		if (c == '.' || c == '\0') {
			size_t llen = i - start;

			if (llen == 0) {
				*reason = "has an empty label";
				goto out;
			}
			if (llen > DNS_LABEL_MAX) {
				*reason = "has a label longer than 63 characters";
				goto out;
			}
			if (name[start] == '-' || name[i - 1] == '-') {
				*reason = "has a label starting or ending with '-'";
				goto out;
			}
			start = i + 1;
		} else if (!s_is_alnum(c) && c != '-') {
			*reason = c >= 0x80
				      ? "is not ASCII; give an internationalized name as its "
					"A-label (xn--...)"
				      : "has a character other than letters, digits, '-' and '.'";
			goto out;
		}
		out[i] = (char)s_lower(c);
	}
	rc = 0;
out:
	return rc;
}

char *store_cert_name_encode(const char *cert_name)
{
	const char *reason = NULL, *host;
	char *lowered = NULL, *seg = NULL;
	int wildcard;

	if (cert_name == NULL || cert_name[0] == '\0') {
		log_error("certificate name is empty");
		goto out;
	}
	wildcard = strncmp(cert_name, "*.", 2) == 0;
	host = wildcard ? cert_name + 2 : cert_name;
	lowered = malloc(strlen(host) + 1);
	if (lowered == NULL) {
		log_error("out of memory");
		goto out;
	}
	if (s_dns_name(host, lowered, &reason) != 0) {
		char shown[4 * SHOW_MAX + 32];

		s_show(cert_name, shown, sizeof(shown));
		log_error("certificate name '%s' %s%s", shown, reason,
			  strchr(host, '*') ? " ('*' is only allowed as the whole first label, "
					      "\"*.example.com\")"
					    : "");
		goto out;
	}
	seg = wildcard ? str_printf("%s.%s", STORE_WILDCARD_LABEL, lowered) : str_dup(lowered);
	if (seg == NULL)
		log_error("out of memory");
out:
	free(lowered);
	return seg;
}

char *store_cert_name_decode(const char *segment)
{
	const char *reason = NULL, *host;
	char *lowered = NULL, *name = NULL;
	size_t wl = strlen(STORE_WILDCARD_LABEL);
	int wildcard;

	if (segment == NULL)
		goto out;
	wildcard = strncmp(segment, STORE_WILDCARD_LABEL ".", wl + 1) == 0;
	host = wildcard ? segment + wl + 1 : segment;
	lowered = malloc(strlen(host) + 1);
	if (lowered == NULL)
		goto out;
	/* Only what encode produces: valid and already lower case. */
	if (s_dns_name(host, lowered, &reason) != 0 || strcmp(lowered, host) != 0) {
		log_debug("'%s' is not a certificate directory name", segment);
		goto out;
	}
	name = wildcard ? str_printf("*.%s", lowered) : str_dup(lowered);
out:
	free(lowered);
	return name;
}

/* Joins parts with '/' and checks the result as a key; NULL after logging. */
static char *s_checked(char *key)
{
	struct aaa_err err;

	if (key == NULL) {
		log_error("out of memory");
		return NULL;
	}
	if (store_key_validate(key, &err) != 0) {
		log_error("%s", err.message);
		free(key);
		return NULL;
	}
	return key;
}

/* ca-host: host[:port], host LDH or dotted IPv4 (which LDH accepts). */
char *store_key_account_dir(const char *ca_host, const char *account)
{
	char *host = NULL, *key = NULL, shown[4 * SHOW_MAX + 32];
	const char *colon, *reason = NULL;
	size_t hlen, i;

	if (ca_host == NULL || account == NULL) {
		log_error("CA host or account name missing");
		goto out;
	}
	colon = strchr(ca_host, ':');
	hlen = colon ? (size_t)(colon - ca_host) : strlen(ca_host);
	host = str_ndup(ca_host, hlen);
	if (host == NULL) {
		log_error("out of memory");
		goto out;
	}
	if (s_dns_name(host, host, &reason) != 0) {
		s_show(ca_host, shown, sizeof(shown));
		log_error("CA host '%s' %s (IPv6 literals are not supported)", shown, reason);
		goto out;
	}
	if (colon) {
		size_t plen = strlen(colon + 1);

		for (i = 0; i < plen; i++)
			if (colon[1 + i] < '0' || colon[1 + i] > '9')
				break;
		if (plen == 0 || plen > 5 || i != plen) {
			s_show(ca_host, shown, sizeof(shown));
			log_error("CA host '%s' has a bad port; expected host or host:port", shown);
			goto out;
		}
	}
	for (i = 0; account[i] != '\0'; i++) {
		int c = (unsigned char)account[i];

		if (!s_is_alnum(c) && c != '.' && c != '_' && c != '-')
			break;
	}
	if (i == 0 || account[i] != '\0' || i > ACCOUNT_MAX || account[0] == '.') {
		s_show(account, shown, sizeof(shown));
		log_error("account name '%s' must be 1-%d of A-Z a-z 0-9 . _ - and not start "
			  "with '.'",
			  shown, ACCOUNT_MAX);
		goto out;
	}
	key = s_checked(colon ? str_printf(STORE_DIR_ACCOUNTS "/%s_%s/%s", host, colon + 1, account)
			      : str_printf(STORE_DIR_ACCOUNTS "/%s/%s", host, account));
out:
	free(host);
	return key;
}

char *store_key_cert_dir(const char *cert_name)
{
	char *seg = store_cert_name_encode(cert_name), *key = NULL;

	if (seg != NULL)
		key = s_checked(str_printf(STORE_DIR_CERTS "/%s", seg));
	free(seg);
	return key;
}

char *store_key_cert_history(const char *cert_name, const char *serial_hex)
{
	char *seg = NULL, *serial = NULL, *key = NULL, shown[4 * SHOW_MAX + 32];
	size_t i, len;

	len = serial_hex ? strlen(serial_hex) : 0;
	for (i = 0; i < len; i++) {
		int c = s_lower((unsigned char)serial_hex[i]);

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			break;
	}
	if (len == 0 || len > SERIAL_MAX || i != len) {
		s_show(serial_hex ? serial_hex : "", shown, sizeof(shown));
		log_error("certificate serial '%s' must be 1-%d hex digits", shown, SERIAL_MAX);
		goto out;
	}
	serial = str_dup(serial_hex);
	if (serial == NULL) {
		log_error("out of memory");
		goto out;
	}
	for (i = 0; i < len; i++)
		serial[i] = (char)s_lower((unsigned char)serial[i]);
	seg = store_cert_name_encode(cert_name);
	if (seg == NULL)
		goto out;
	key =
	    s_checked(str_printf(STORE_DIR_CERTS "/%s/" STORE_DIR_HISTORY "/%s.pem", seg, serial));
out:
	free(seg);
	free(serial);
	return key;
}

char *store_key_job(const char *job_id)
{
	char *key = NULL, shown[4 * SHOW_MAX + 32];
	size_t i = 0;

	if (job_id != NULL)
		for (; job_id[i] != '\0'; i++) {
			int c = (unsigned char)job_id[i];

			if (!s_is_alnum(c) && c != '_' && c != '-')
				break;
		}
	if (job_id == NULL || i == 0 || job_id[i] != '\0' || i > JOB_ID_MAX) {
		s_show(job_id ? job_id : "", shown, sizeof(shown));
		log_error("job id '%s' must be 1-%d of A-Z a-z 0-9 _ -", shown, JOB_ID_MAX);
		goto out;
	}
	key = s_checked(str_printf(STORE_DIR_JOBS "/%s.json", job_id));
out:
	return key;
}

char *store_key_join(const char *dir, const char *name)
{
	if (dir == NULL || name == NULL) {
		log_error("store key part missing");
		return NULL;
	}
	return s_checked(str_printf("%s/%s", dir, name));
}
