/*
 * The one error type. A failure is described once, where it happens, and the
 * description travels up the call chain in a struct aaa_err the caller owns
 * (usually on its stack or inside a longer-lived handle such as the agent):
 * the CLI's error line, the executor's {"source","code","message"} object and
 * the Lambda Runtime API error are all built from it. There is no global
 * "last error".
 *
 *   source   where it failed, one word: "acme", "aws", "dns", "store",
 *            "input" (the request itself is wrong), "interrupted", "lambda",
 *            "internal"...
 *   code     the CA's or AWS's own code when there is one
 *            ("urn:ietf:params:acme:error:rateLimited", "AccessDenied"), else ""
 *   message  one line for a person: what failed, the code, what to do next
 *   type     the class a Lambda handler reports as errorType when the failure
 *            ends the invocation ("StoreError", "InvalidRequest"), else ""
 *   http_status, request_id   AWS/ACME detail: the answer's HTTP status and
 *            AWS's x-amzn-RequestId (0 / "" when unknown)
 *
 * Fixed buffers: setting an error never allocates (a failure path may be out
 * of memory) and truncates instead of failing. Every function accepts a NULL
 * err and then does nothing, so a caller that does not want the detail
 * passes NULL. No secret may be formatted into an error: it reaches users
 * and logs (the logger redacts known secrets, an error does not).
 */
#ifndef AAA_UTIL_ERR_H
#define AAA_UTIL_ERR_H

#include <stdarg.h>
#include <stddef.h>

struct aaa_err {
	char source[16];
	char code[160];
	char type[64];
	char message[2048];
	int http_status;
	char request_id[96];
};

/* Empties err (all fields "" and 0). */
void err_clear(struct aaa_err *err);
/* Nonzero when err holds a failure (its message is not empty). */
int err_is_set(const struct aaa_err *err);
/* Nonzero when err's source is source (exact match). */
int err_source_is(const struct aaa_err *err, const char *source);

/*
 * Replaces err with a new failure: source and code (NULL as ""), the message
 * formatted from fmt; type, http_status and request_id are cleared. Returns
 * -1, so a failing function may end with `return err_set(err, ...)`.
 */
int err_set(struct aaa_err *err, const char *source, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int err_vset(struct aaa_err *err, const char *source, const char *code, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

/* Sets err's message only (source, code and detail kept). Returns -1. */
int err_message(struct aaa_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Puts context before the message: "cannot write X: " + the old message
 * (the old message alone when fmt gives ""; fmt's text alone when err was
 * empty). Source, code and detail are kept. Returns -1.
 */
int err_prefix(struct aaa_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Sets the Lambda errorType (type) and returns -1. */
int err_type(struct aaa_err *err, const char *type);
/* Sets the HTTP status and AWS request id (NULL keeps the old id). */
void err_detail(struct aaa_err *err, int http_status, const char *request_id);
/* Copies src into dst (both may be the same; NULL src clears dst). */
void err_copy(struct aaa_err *dst, const struct aaa_err *src);

#endif
