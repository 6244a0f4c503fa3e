#define _GNU_SOURCE
#include "log/log.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "config/settings.h"
#include "util/buf.h"
#include "util/mem.h"

const char *const log_level_names[LOG_LEVEL_MAX] = {"DEBUG", "INFO", "WARN", "ERROR"};

#define MAX_SECRETS 32

static enum log_level s_min = LOG_INFO;
static int s_json;
static FILE *s_out;
static char *s_request_id;
static char *s_secrets[MAX_SECRETS];

int log_level_parse(const char *s)
{
	static const struct {
		const char *name;
		enum log_level level;
	} names[] = {{"trace", LOG_DEBUG}, {"debug", LOG_DEBUG},  {"info", LOG_INFO},
		     {"warn", LOG_WARN},   {"warning", LOG_WARN}, {"error", LOG_ERROR},
		     {"fatal", LOG_ERROR}};
	size_t i;

	for (i = 0; s && i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(s, names[i].name) == 0)
			return (int)names[i].level;
	return -1;
}

void log_configure(enum log_level min, int json, FILE *out)
{
	s_min = min;
	s_json = json;
	s_out = out;
}

/*
 * Lambda's advanced logging controls set AWS_LAMBDA_LOG_FORMAT=JSON and
 * AWS_LAMBDA_LOG_LEVEL; they win over AAA_LOG_LEVEL so the console setting
 * is what a user sees applied.
 */
void log_init_from_env(void)
{
	const char *fmt = getenv("AWS_LAMBDA_LOG_FORMAT");
	const char *lvl = getenv("AWS_LAMBDA_LOG_LEVEL");
	int parsed = -1;

	if (lvl && *lvl)
		parsed = log_level_parse(lvl);
	if (parsed < 0 && (lvl = settings()->log_level) != NULL && *lvl)
		parsed = log_level_parse(lvl);
	s_min = parsed < 0 ? LOG_INFO : (enum log_level)parsed;
	s_json = fmt && strcasecmp(fmt, "JSON") == 0;
	s_out = stderr;
	if (lvl && *lvl && parsed < 0)
		log_warn("unknown log level '%s'; using info", lvl);
}

enum log_level log_get_level(void)
{
	return s_min;
}

void log_set_request_id(const char *id)
{
	free(s_request_id);
	s_request_id = str_dup(id);
}

void log_add_secret(const char *secret)
{
	size_t i;

	/* Very short values would redact ordinary words; they are not secrets. */
	if (secret == NULL || strlen(secret) < 6)
		return;
	for (i = 0; i < MAX_SECRETS; i++) {
		if (s_secrets[i] && strcmp(s_secrets[i], secret) == 0)
			return;
		if (s_secrets[i] == NULL) {
			s_secrets[i] = str_dup(secret);
			return;
		}
	}
	/* Table full: drop the oldest rather than forget the newest. */
	str_wipe_free(s_secrets[0]);
	memmove(s_secrets, s_secrets + 1, sizeof(s_secrets[0]) * (MAX_SECRETS - 1));
	s_secrets[MAX_SECRETS - 1] = str_dup(secret);
}

void log_clear_secrets(void)
{
	size_t i;

	for (i = 0; i < MAX_SECRETS; i++) {
		str_wipe_free(s_secrets[i]);
		s_secrets[i] = NULL;
	}
}

static const char s_redacted[] = "[REDACTED]";

/* Replaces every occurrence of needle in b with the redaction mark. */
static int s_redact_literal(struct buf *b, const char *needle)
{
	struct buf out = BUF_INIT;
	const char *p = b->data, *hit;
	size_t nlen = strlen(needle);
	int rc = -1;

	if (strstr(p, needle) == NULL)
		return 0;
	while ((hit = strstr(p, needle)) != NULL) {
		if (buf_append(&out, p, (size_t)(hit - p)) != 0 || buf_append_str(&out, s_redacted))
			goto out;
		p = hit + nlen;
	}
	if (buf_append_str(&out, p) != 0)
		goto out;
	buf_wipe_free(b);
	*b = out;
	out.data = NULL;
	rc = 0;
out:
	buf_wipe_free(&out);
	return rc;
}

/*
 * Secrets recognised by shape. Each rule names a marker; the value after it
 * (up to a delimiter) is replaced. PEM private keys are cut from BEGIN to END.
 */
struct shape_rule {
	const char *marker; /* case-insensitive */
	const char *stop;   /* characters that end the value */
	int need_sep;	    /* the value counts only after ':' or '=' (marker is a bare name) */
};

static const struct shape_rule s_rules[] = {
    {"authorization:", "\r\n", 0},
    {"x-amz-security-token:", "\r\n", 0},
    {"x-amz-security-token=", "&\" \r\n", 0},
    {"x-amz-signature=", "&\" \r\n", 0},
    {"aws_secret_access_key", "\r\n", 1},
    {"secretaccesskey\":", ",}\r\n", 0},
    {"secretaccesskey=", "&\" \r\n", 0},
    {"\"token\":", ",}\r\n", 0},
    {"\"sessiontoken\":", ",}\r\n", 0},
    {"\"d\":", ",}", 0},
    {"\"p\":", ",}", 0},
    {"\"q\":", ",}", 0},
    {"\"dp\":", ",}", 0},
    {"\"dq\":", ",}", 0},
    {"\"qi\":", ",}", 0},
    {"\"k\":", ",}", 0},
    {"x-slack-signature:", "\r\n", 0},
    {"signing_secret", "\r\n,}", 1},
    {"hmac_key", "\r\n,}", 1},
    {"--eab-hmac-key", "\r\n ", 0},
};

static void s_redact_shapes(struct buf *b)
{
	size_t r;
	char *p, *v, *e;

	for (r = 0; r < sizeof(s_rules) / sizeof(s_rules[0]); r++) {
		size_t mlen = strlen(s_rules[r].marker);

		for (p = strcasestr(b->data, s_rules[r].marker); p;
		     p = strcasestr(p + mlen, s_rules[r].marker)) {
			v = p + mlen;
			/* A bare name ("AWS_SECRET_ACCESS_KEY is not set") is prose,
			 * not a value: only "name = value" / "name: value" counts. */
			if (s_rules[r].need_sep) {
				while (*v == ' ' || *v == '"')
					v++;
				if (*v != '=' && *v != ':')
					continue;
			}
			while (*v == ' ' || *v == '=' || *v == ':' || *v == '"')
				v++;
			e = v + strcspn(v, s_rules[r].stop);
			/* Mark the value with \x01 bytes; runs collapse to one mark below. */
			if (e > v && strncmp(v, s_redacted, sizeof(s_redacted) - 1) != 0)
				memset(v, '\x01', (size_t)(e - v));
		}
	}
	/* PEM private keys, any type: BEGIN ... PRIVATE KEY ... END ... PRIVATE KEY-----. */
	for (p = strstr(b->data, "-----BEGIN "); p; p = strstr(p + 1, "-----BEGIN ")) {
		char *eol = strstr(p, "PRIVATE KEY-----");
		char *endm;

		if (eol == NULL || memchr(p, '\n', (size_t)(eol - p)) != NULL)
			continue;
		v = eol + strlen("PRIVATE KEY-----");
		endm = strstr(v, "-----END ");
		e = endm ? endm : b->data + b->len;
		if (e > v)
			memset(v, '\x01', (size_t)(e - v));
	}
	/* Collapse every run of \x01 to one redaction mark. */
	{
		struct buf out = BUF_INIT;
		size_t i = 0;

		while (i < b->len) {
			if (b->data[i] == '\x01') {
				while (i < b->len && b->data[i] == '\x01')
					i++;
				buf_append_str(&out, s_redacted);
			} else {
				buf_append(&out, b->data + i, 1);
				i++;
			}
		}
		if (out.data) {
			buf_wipe_free(b);
			*b = out;
		}
	}
}

char *log_redact(const char *text)
{
	struct buf b = BUF_INIT;
	size_t i;

	if (buf_append_str(&b, text ? text : "") != 0)
		goto fail;
	for (i = 0; i < MAX_SECRETS; i++)
		if (s_secrets[i] && s_redact_literal(&b, s_secrets[i]) != 0)
			goto fail;
	s_redact_shapes(&b);
	return buf_steal(&b);
fail:
	buf_wipe_free(&b);
	return NULL;
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if it is not one. */
static size_t s_utf8_len(const unsigned char *p, unsigned *cp)
{
	size_t n, i;
	unsigned c = p[0];

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, c &= 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, c &= 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, c &= 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (n == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	*cp = c;
	return n;
}

/* keep_c0: leave C0 controls to a JSON encoder (which escapes them as \u00XX). */
static char *s_escape(const char *text, int keep_c0)
{
	const unsigned char *p = (const unsigned char *)(text ? text : "");
	struct buf b = BUF_INIT;
	unsigned cp = 0;
	size_t n;

	while (*p) {
		n = s_utf8_len(p, &cp);
		if (n == 0) {
			if (buf_printf(&b, "\\x%02x", *p) != 0)
				goto fail;
			p++;
			continue;
		}
		if (keep_c0 && cp < 0x20) {
			if (buf_append(&b, p, n) != 0)
				goto fail;
		} else if (cp == '\n' || cp == '\r') {
			if (buf_append_str(&b, cp == '\n' ? "\\n" : "\\r") != 0)
				goto fail;
		} else if ((cp < 0x20 && cp != '\t') || cp == 0x7f) {
			if (buf_printf(&b, "\\x%02x", cp) != 0)
				goto fail;
		} else if (cp >= 0x80 && cp <= 0x9f) {
			if (buf_printf(&b, "\\u%04x", cp) != 0)
				goto fail;
		} else if (buf_append(&b, p, n) != 0) {
			goto fail;
		}
		p += n;
	}
	if (buf_append(&b, "", 0) != 0)
		goto fail;
	return buf_steal(&b);
fail:
	buf_wipe_free(&b);
	return NULL;
}

char *log_escape(const char *text)
{
	return s_escape(text, 0);
}

static void s_timestamp(char *out, size_t len)
{
	struct timespec ts;
	struct tm tm;
	char base[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);

	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, len, "%s.%03dZ", base, (int)(ts.tv_nsec / 1000000) % 1000);
}

void log_vmsg(enum log_level level, const char *func, const char *fmt, va_list ap)
{
	struct buf raw = BUF_INIT;
	char *msg = NULL, *line = NULL;
	FILE *out = s_out ? s_out : stderr;
	char ts[40];

	if (level >= LOG_LEVEL_MAX || level < s_min)
		return;
	if (buf_vprintf(&raw, fmt, ap) != 0)
		goto out;
	msg = log_redact(raw.data);
	if (msg == NULL)
		goto out;
	/* Nothing from a CA or AWS writes control characters to a terminal or a
	 * log line. JSON lines: the encoder escapes C0 itself; C1, DEL and bytes
	 * that are not UTF-8, which it would pass raw, are escaped here. */
	line = s_escape(msg, s_json);
	str_wipe_free(msg);
	msg = line;
	line = NULL;
	if (msg == NULL)
		goto out;
	if (s_json) {
		cJSON *o = cJSON_CreateObject();

		s_timestamp(ts, sizeof(ts));
		cJSON_AddStringToObject(o, "timestamp", ts);
		cJSON_AddStringToObject(o, "level", log_level_names[level]);
		cJSON_AddStringToObject(o, "message", msg);
		if (func)
			cJSON_AddStringToObject(o, "function", func);
		if (s_request_id)
			cJSON_AddStringToObject(o, "requestId", s_request_id);
		line = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
		if (line)
			fprintf(out, "%s\n", line);
	} else if (level == LOG_INFO) {
		fprintf(out, "%s\n", msg);
	} else if (level == LOG_DEBUG) {
		fprintf(out, "aaa: debug: %s: %s\n", func ? func : "-", msg);
	} else {
		fprintf(out, "aaa: %s: %s\n", level == LOG_ERROR ? "error" : "warning", msg);
	}
	fflush(out);
out:
	free(line);
	str_wipe_free(msg);
	buf_wipe_free(&raw);
}

void log_msg(enum log_level level, const char *func, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, func, fmt, ap);
	va_end(ap);
}

int log_fail_at(struct aaa_err *err, const char *func, const char *source, const char *code,
		const char *fmt, ...)
{
	struct aaa_err local;
	char *safe;
	va_list ap;

	if (err == NULL)
		err = &local;
	va_start(ap, fmt);
	err_vset(err, source, code, fmt, ap);
	va_end(ap);
	/* An error reaches users and files as a log line does: redacted. */
	safe = log_redact(err->message);
	if (safe != NULL) {
		err_message(err, "%s", safe);
		str_wipe_free(safe);
	}
	log_msg(LOG_ERROR, func, "%s", err->message);
	return -1;
}
