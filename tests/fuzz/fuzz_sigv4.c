/* libFuzzer target: SigV4 canonical path and query of any wire path and query. */
#include "aws/sigv4.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, *q, *cp, *cq;
	unsigned flags;

	fuzz_quiet();
	if (size < 1)
		return 0;
	flags = data[0] & (SIGV4_NO_NORMALIZE | SIGV4_PATH_ENCODED);
	s = fuzz_cstr(data + 1, size - 1);
	if (s == NULL)
		return 0;
	q = strchr(s, '?');
	if (q)
		*q++ = '\0';
	cp = sigv4_canonical_path(s, flags);
	/* SIGV4_PATH_ENCODED keeps the wire path verbatim, so only the
	 * normalising forms promise a single line. */
	if (cp == NULL || (!(flags & SIGV4_PATH_ENCODED) && strchr(cp, '\n')))
		abort();
	free(cp);
	cq = sigv4_canonical_query(q ? q : s);
	if (cq == NULL || strchr(cq, '\n') || strchr(cq, ' '))
		abort();
	free(cq);
	free(s);
	return 0;
}
