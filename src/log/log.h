/*
 * Logging for the CLI and the Lambda runtime.
 *
 * Text on a terminal ("aaa: error: route53_change: zone Z1: Throttling"), or
 * one JSON object per line when AWS_LAMBDA_LOG_FORMAT=JSON, as Lambda's
 * advanced logging controls expect. Levels come from AWS_LAMBDA_LOG_LEVEL or
 * AAA_LOG_LEVEL (debug, info, warn, error).
 *
 * Redaction: every message passes through log_redact() before it is written.
 * It replaces the values registered with log_add_secret() and anything that
 * looks like a secret by shape (PEM private key blocks, Authorization and
 * security-token headers, AWS secret keys, JWK private members, Slack
 * signatures), so a careless format string still cannot leak a key.
 */
#ifndef AAA_LOG_LOG_H
#define AAA_LOG_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include "util/err.h"

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_LEVEL_MAX };

extern const char *const log_level_names[LOG_LEVEL_MAX];

/* Reads AWS_LAMBDA_LOG_FORMAT, AWS_LAMBDA_LOG_LEVEL and AAA_LOG_LEVEL. */
void log_init_from_env(void);
/* min: messages below it are dropped (LOG_LEVEL_MAX silences everything). */
void log_configure(enum log_level min, int json, FILE *out);
/* Parses "debug|info|warn|warning|error" (any case); -1 if unknown. */
int log_level_parse(const char *s);
enum log_level log_get_level(void);
/* Lambda request id added to JSON lines (copied; NULL clears). */
void log_set_request_id(const char *id);
/* Registers a secret value that must never appear in output (copied). */
void log_add_secret(const char *secret);
void log_clear_secrets(void);

void log_msg(enum log_level level, const char *func, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void log_vmsg(enum log_level level, const char *func, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/*
 * A failure where it happens: fills err (source, code, the message, redacted
 * as a log line is) and logs the message at error level under func. err may
 * be NULL (then it is only logged). Returns -1.
 */
int log_fail_at(struct aaa_err *err, const char *func, const char *source, const char *code,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));
#define log_fail(err, source, code, ...) log_fail_at((err), __func__, source, code, __VA_ARGS__)

/*
 * A copy of text safe for a terminal or a log line (caller frees; NULL on
 * allocation failure): C0 controls and DEL as \xNN (newline and carriage
 * return as \n and \r; tab kept), C1 controls (U+0080..U+009F) as \uNNNN,
 * bytes that are not UTF-8 (a lone 0x9b CSI too) as \xNN. ANSI and OSC
 * sequences lose their ESC, so none reaches the terminal. log_msg and the
 * CLI's stderr lines pass through it.
 */
char *log_escape(const char *text);

/* Returns a redacted copy of text (caller frees), NULL on allocation failure. */
char *log_redact(const char *text);

#define log_debug(...) log_msg(LOG_DEBUG, __func__, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __func__, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __func__, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __func__, __VA_ARGS__)

#endif
