/* libFuzzer target: AWS error bodies (XML and JSON) and their headers. */
#include "aws/awserr.h"

#include "fuzz_util.h"

static const long s_status[] = {400, 403, 404, 409, 500, 503, 301, 200};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aws_error e;
	char *hdr = NULL, *body;
	const char *rid = NULL, *type = NULL;
	long status;
	char *line;

	fuzz_quiet();
	if (size < 1)
		return 0;
	/* First byte: status and which headers; then, when a header is
	 * wanted, the body's first line is the header value. */
	status = s_status[data[0] & 7];
	body = (char *)data + 1;
	size--;
	if (data[0] & 0x18) {
		const char *nl = memchr(body, '\n', size);
		size_t hl = nl ? (size_t)(nl - body) : size;

		hdr = fuzz_cstr((const uint8_t *)body, hl);
		if (hdr == NULL)
			return 0;
		if (data[0] & 0x08)
			rid = hdr;
		if (data[0] & 0x10)
			type = hdr;
		body += hl;
		size -= hl;
	}
	memset(&e, 0, sizeof(e));
	if (aws_error_parse(status, body, size, rid, type, &e) == 0) {
		if (e.code == NULL || e.message == NULL)
			abort();
		/* Cut at AWS_ERROR_MAX_MESSAGE bytes, then "..." (awserr.c s_one_line). */
		if (strlen(e.message) > AWS_ERROR_MAX_MESSAGE + 3)
			abort();
		if (strchr(e.message, '\n') || strchr(e.message, '\r'))
			abort();
		(void)aws_error_is(&e, "NoSuchKey");
		line = aws_error_format(&e, "S3", "GetObject", "bucket/key");
		if (line == NULL || strchr(line, '\n'))
			abort();
		free(line);
		aws_error_free(&e);
	}
	free(hdr);
	return 0;
}
