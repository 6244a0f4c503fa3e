#include "util/err.h"

#include <stdio.h>
#include <string.h>

/* snprintf into a fixed field; NULL text as "". */
static void s_copy(char *dst, size_t len, const char *text)
{
	snprintf(dst, len, "%s", text ? text : "");
}

/* Appends text to the NUL-terminated dst of len bytes, truncating. */
static void s_append(char *dst, size_t len, const char *text)
{
	size_t have = strlen(dst), n = strlen(text);

	if (have + 1 >= len)
		return;
	if (n > len - have - 1)
		n = len - have - 1;
	memcpy(dst + have, text, n);
	dst[have + n] = '\0';
}

void err_clear(struct aaa_err *err)
{
	if (err)
		memset(err, 0, sizeof(*err));
}

int err_is_set(const struct aaa_err *err)
{
	return err != NULL && err->message[0] != '\0';
}

int err_source_is(const struct aaa_err *err, const char *source)
{
	return err != NULL && source != NULL && strcmp(err->source, source) == 0;
}

int err_vset(struct aaa_err *err, const char *source, const char *code, const char *fmt, va_list ap)
{
	if (err == NULL)
		return -1;
	err_clear(err);
	s_copy(err->source, sizeof(err->source), source);
	s_copy(err->code, sizeof(err->code), code);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	return -1;
}

int err_set(struct aaa_err *err, const char *source, const char *code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vset(err, source, code, fmt, ap);
	va_end(ap);
	return -1;
}

int err_message(struct aaa_err *err, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * The context is formatted first into its own buffer, then the old message
 * is appended after ": ", so a long context truncates the old message's end,
 * never the context.
 */
int err_prefix(struct aaa_err *err, const char *fmt, ...)
{
	char head[sizeof(err->message)], old[sizeof(err->message)];
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	memcpy(old, err->message, sizeof(old));
	if (head[0] == '\0')
		return -1;
	err->message[0] = '\0';
	s_append(err->message, sizeof(err->message), head);
	if (old[0]) {
		s_append(err->message, sizeof(err->message), ": ");
		s_append(err->message, sizeof(err->message), old);
	}
	return -1;
}

int err_type(struct aaa_err *err, const char *type)
{
	if (err)
		s_copy(err->type, sizeof(err->type), type);
	return -1;
}

void err_detail(struct aaa_err *err, int http_status, const char *request_id)
{
	if (err == NULL)
		return;
	err->http_status = http_status;
	if (request_id)
		s_copy(err->request_id, sizeof(err->request_id), request_id);
}

void err_copy(struct aaa_err *dst, const struct aaa_err *src)
{
	if (dst == NULL || dst == src)
		return;
	if (src == NULL)
		err_clear(dst);
	else
		memcpy(dst, src, sizeof(*dst));
}
