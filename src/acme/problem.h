/*
 * ACME problem documents (RFC 8555 6.7, RFC 7807) turned into messages a
 * person can act on, and the Retry-After header (RFC 9110 10.2.3). Pure
 * functions: the current time comes in as a parameter.
 */
#ifndef AAA_ACME_PROBLEM_H
#define AAA_ACME_PROBLEM_H

#include <stddef.h>
#include <time.h>

#include <cjson/cJSON.h>

#define ACME_ERR_PREFIX "urn:ietf:params:acme:error:"

/*
 * One line: "<type>: <detail>" then "; <identifier>: <type>: <detail>" for
 * each subproblem, then for rateLimited (or any problem with a Retry-After)
 * an explanation of when to retry. problem may be NULL or not an object
 * (then http_status is described). retry_after: the header value or NULL.
 * Caller frees; NULL only on allocation failure.
 */
char *acme_problem_format(const cJSON *problem, long http_status, const char *retry_after,
			  time_t now);

/* 1 if problem's type is ACME_ERR_PREFIX + short_type (e.g. "badNonce"). */
int acme_problem_is(const cJSON *problem, const char *short_type);

/*
 * Seconds to wait from a Retry-After value: delta-seconds or an IMF-fixdate
 * (then relative to now; a date in the past gives 0). -1 if absent or
 * malformed.
 */
long acme_retry_after_seconds(const char *value, time_t now);

#endif
