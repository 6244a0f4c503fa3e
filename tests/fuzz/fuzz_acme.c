/* libFuzzer target: what an ACME CA sends: directory, order, renewalInfo and
 * problem documents (with a Retry-After header), and authorization names. */
#include <cjson/cJSON.h>

#include "acme/ari.h"
#include "acme/challenge.h"
#include "acme/directory.h"
#include "acme/order.h"
#include "acme/problem.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data, *nl;
	char *hdr = NULL, *line, *rn;
	cJSON *j;
	struct acme_directory d;
	struct acme_order o;
	struct acme_ari a;
	time_t t;

	fuzz_quiet();
	/* The first line is a Retry-After value (and a date or name to parse),
	 * the rest the JSON body. */
	nl = memchr(body, '\n', size);
	if (nl) {
		hdr = fuzz_cstr(data, (size_t)(nl - body));
		if (hdr == NULL)
			return 0;
		size -= (size_t)(nl - body) + 1;
		body = nl + 1;
		(void)acme_rfc3339_parse(hdr, &t);
		(void)acme_revoke_reason_parse(hdr);
		(void)acme_retry_after_seconds(hdr, 1700000000);
		rn = acme_dns01_record_name(hdr);
		free(rn);
	}
	j = cJSON_ParseWithLength(body, size);

	memset(&d, 0, sizeof(d));
	if (j && acme_directory_parse(j, &d) == 0) {
		if (d.new_nonce == NULL || d.new_account == NULL || d.new_order == NULL)
			abort();
	}
	acme_directory_clear(&d);

	memset(&o, 0, sizeof(o));
	if (j && acme_order_parse(j, &o) == 0 && o.status == NULL)
		abort();
	acme_order_clear(&o);

	memset(&a, 0, sizeof(a));
	if (j && acme_ari_parse(j, &a) == 0 && a.end <= a.start)
		abort();
	acme_ari_clear(&a);

	/* Any body (JSON or not, object or not) gives one line. */
	line = acme_problem_format(j, 400, hdr, 1700000000);
	if (line == NULL || strchr(line, '\n'))
		abort();
	free(line);
	(void)acme_problem_is(j, "badNonce");
	cJSON_Delete(j);
	free(hdr);
	return 0;
}
