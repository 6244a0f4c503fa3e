/*
 * ACME Renewal Information (RFC 9773): the CA's suggested renewal window
 * for a certificate, fetched with a plain GET of renewalInfo/<certID>.
 */
#ifndef AAA_ACME_ARI_H
#define AAA_ACME_ARI_H

#include <time.h>

#include <cjson/cJSON.h>

#include "acme/post.h"

struct acme_ari {
	time_t start, end;     /* suggestedWindow */
	char *explanation_url; /* owned, may be NULL */
	long retry_after_s;    /* when to ask again (Retry-After), -1 if not given */
};

/* RFC 3339 date-time ("2025-01-02T04:00:00Z", fractions and offsets too). -1 if malformed. */
int acme_rfc3339_parse(const char *s, time_t *out);

/* Parses a renewalInfo object; refuses a window whose end is not after its start. 0/-1. */
int acme_ari_parse(const cJSON *json, struct acme_ari *a);

/*
 * GETs the window for the certificate (first of cert_pem). 1 when the CA has
 * no ARI (no renewalInfo in the directory), 0 on success, -1 on error.
 */
int acme_ari_fetch(struct acme_client *c, const char *cert_pem, struct acme_ari *a);

/* When to ask again without a Retry-After (RFC 9773 4.3: a client should
 * poll about twice a day; 6 h keeps within it). */
#define ACME_ARI_DEFAULT_RETRY_S 21600

void acme_ari_clear(struct acme_ari *a);

#endif
