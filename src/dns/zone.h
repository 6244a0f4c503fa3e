/*
 * Pure decisions of DNS-01 over Route53, apart from any request: the
 * challenge record name of an identifier, which hosted zone holds a name,
 * and the "DOMAIN=VALUE" options (explicit zone ids, zone roles) that apply
 * to a name. Tested offline over zone lists.
 */
#ifndef AAA_DNS_ZONE_H
#define AAA_DNS_ZONE_H

#include <stddef.h>

#include "aws/route53.h"

/*
 * "_acme-challenge.<name>" for an ACME identifier: a wildcard's "*." is
 * dropped (RFC 8555 8.4: *.x and x share the record), lower case, no
 * trailing dot. Caller frees; NULL for an empty or malformed name.
 */
char *dns_challenge_name(const char *identifier);
/* An identifier as compared here: lower case, no trailing dot ("*." kept).
 * Caller frees; NULL when empty. */
char *dns_identifier_normal(const char *identifier);
/* 1 when name is zone or under it (both normal forms). */
int dns_name_in_zone(const char *name, const char *zone);

/*
 * Index of the zone in zones[0..n) that holds name (normal form):
 *   - explicit_id (bare or "/hostedzone/" form) set: that zone, and only
 *     when name lies inside it; -1 otherwise;
 *   - else public zones before private ones (ACME CAs ask public DNS, a
 *     private zone only serves a CA inside the VPC, so it is used only when
 *     no public zone matches), and among those the longest zone name (the
 *     most specific delegation answers for the name).
 * -1 when none matches.
 */
long dns_zone_choose(const char *name, const struct route53_zone *zones, size_t n,
		     const char *explicit_id);

/* 1 when entry has the form DOMAIN=VALUE with both sides non-empty. */
int dns_opt_valid(const char *entry);
/*
 * The VALUE of the entry whose DOMAIN is name or a parent of it (a leading
 * "*." and a trailing dot of DOMAIN are ignored; case-insensitive); the
 * longest DOMAIN wins. Caller frees *value (NULL when no entry applies).
 * 0, or -1 on allocation failure.
 */
int dns_opt_lookup(const char *const *entries, size_t n, const char *name, char **value);

#endif
