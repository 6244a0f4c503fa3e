/*
 * DNS-01 over Route53: everything between "these names need TXT values"
 * and "the CA can see them", and the cleanup after.
 *
 * The order of use: dns01_new, dns01_resolve (every name's zone is found
 * before an ACME order exists, so a name we cannot serve fails early),
 * dns01_add per challenge, dns01_publish (one ChangeResourceRecordSets per
 * zone), dns01_wait (GetChange until INSYNC), then, whatever happened,
 * dns01_cleanup. dns01_state/dns01_from_state carry a job across processes
 * (a Lambda re-invocation) so the cleanup of another process's records
 * removes exactly what was added.
 *
 * Records are shared: other agents (or the apex and wildcard of one
 * certificate) may hold values in the same _acme-challenge TXT record set.
 * Publishing keeps their values; cleanup removes only ours.
 *
 * Every int function returns 0 on success, -1 on failure with dns01_err()
 * set: source "aws" with AWS's code, HTTP status and request id when a
 * Route53 (or STS, for a zone role) call failed, "dns" when the DNS side did
 * (no zone holds a name, a CNAME loop, a change still pending), and a
 * message of one line for the user (AWS's error code included).
 */
#ifndef AAA_DNS_DNS01_H
#define AAA_DNS_DNS01_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "util/err.h"

struct dns01_opts {
	const char *const *zone_ids;
	size_t nzone_ids; /* "DOMAIN=ZONEID" explicit zone per domain */
	const char *const *zone_roles;
	size_t nzone_roles;	 /* "DOMAIN=ROLE_ARN": assume it for that domain's zone */
	long insync_timeout_ms;	 /* 0: default 300000 */
	int check_authoritative; /* optional: query the zone's NS for the TXT before returning
				    from wait */
	/* optional, borrowed: role credentials, zone listings and record reads
	 * shared by the dns01 objects of one batch (dns01_cache_new), so the
	 * zones are listed once per batch, not once per certificate */
	struct dns01_cache *cache;
	/* optional: GetChange polling, the first wait and the longest one
	 * (0: 500 ms and 3 s; a batch, whose changes serve many certificates,
	 * polls less often: DNS01_BATCH_POLL_*) */
	long poll_first_ms;
	long poll_max_ms;
};

/* A batch's GetChange polling: Route53 changes take seconds to tens of
 * seconds to reach INSYNC; every 10 s at most costs about 7 GetChange for
 * a minute's propagation instead of 21, shared by the whole batch. */
#define DNS01_BATCH_POLL_FIRST_MS 2000L
#define DNS01_BATCH_POLL_MAX_MS	  10000L

struct dns01_cache; /* opaque */

/* An empty cache for one batch (NULL on OOM). It holds assumed-role
 * credentials and what Route53 said: drop it when the batch ends, so a
 * zone created or deleted since is seen by the next one. */
struct dns01_cache *dns01_cache_new(void);
void dns01_cache_free(struct dns01_cache *c);

#define DNS01_INSYNC_TIMEOUT_MS 300000L
/* TTL of the records we write: short, so a value a resolver cached before
 * ours was added expires quickly. */
#define DNS01_TTL 60

struct dns01; /* opaque */

/* opts copied (NULL: defaults); NULL on OOM. */
struct dns01 *dns01_new(const struct dns01_opts *opts);
/* Finds the zone of each name (ACME identifier, "*.x" allowed) BEFORE any order is made:
 * longest matching zone name, public preferred over private, explicit zone id wins, and a CNAME
 * on _acme-challenge.<name> followed into the delegated zone. -1 with dns01_err() naming the
 * name that has no hosted zone (and what to do). */
int dns01_resolve(struct dns01 *d, const char *const *names, size_t n);
/* Registers one TXT value for identifier (after resolve). */
int dns01_add(struct dns01 *d, const char *identifier, const char *txt_value);
/* ONE ChangeResourceRecordSets per zone for all its records: a conditional DELETE-as-read +
 * CREATE keeping values already in the record set (apex and wildcard share
 * _acme-challenge.<name>; other agents' values stay), read again and retried when Route53
 * refuses it because another writer changed the set (InvalidChangeBatch). */
int dns01_publish(struct dns01 *d);
/* GetChange until INSYNC for every change, backoff 0.5 s doubling capped at 3 s (or the
 * options' poll_first_ms/poll_max_ms), up to the timeout. */
int dns01_wait(struct dns01 *d);
/* Removes exactly the values we added, leaving others (the same conditional replacement by
 * the remainder, DELETE when none left). Idempotent; safe after a partial or failed publish, and on
 * a dns01 rebuilt from state. */
int dns01_cleanup(struct dns01 *d);
/* The last failure (empty when none; an empty one for a NULL d). Borrowed:
 * valid until d's next call; a caller copies it (err_copy) to keep it. */
const struct aaa_err *dns01_err(const struct dns01 *d);
/* Serializable state (zones, record names, our values, change ids, published or not) so a job
 * can resume in another process/invocation; caller cJSON_Deletes. NULL on OOM. */
cJSON *dns01_state(const struct dns01 *d);
/* NULL on OOM or a malformed state (logged). */
struct dns01 *dns01_from_state(const cJSON *state, const struct dns01_opts *opts);
void dns01_free(struct dns01 *d);
/*
 * For `aaa doctor` and early checks: the zone that would hold name's challenge. Caller frees
 * *zone_id and *zone_name. When there is none, err is set as dns01_err and the answer says
 * why: DNS01_NO_ZONE (no hosted zone these credentials see holds the record),
 * DNS01_CNAME_NO_ZONE (_acme-challenge.<name> is a CNAME into no such zone),
 * DNS01_ROLE_FAILED (the zone role given for name could not be assumed; err is STS's
 * answer), or -1 for any other failure (a Route53 refusal: err's code).
 */
#define DNS01_NO_ZONE	    (-2)
#define DNS01_CNAME_NO_ZONE (-3)
#define DNS01_ROLE_FAILED   (-4)
int dns01_find_zone(const char *name, const struct dns01_opts *opts, char **zone_id,
		    char **zone_name, struct aaa_err *err);

/* --- a batch: several certificates' dns01 objects, one change per zone --- */

/*
 * Adds src's zones, records, values, identifiers, what it believes the
 * record sets hold, and its changes into dst (a batch's object, from
 * dns01_new). Returns the number of zones where dst already follows a
 * different change than src (src must then wait on its own), -1 on OOM.
 */
int dns01_merge(struct dns01 *dst, const struct dns01 *src);
/* Like dns01_publish, but every zone is tried even when one fails; each
 * zone's outcome is kept for dns01_adopt. 0, or -1 (the first failure in
 * dns01_err) when any zone failed. dns01_cleanup keeps outcomes too. */
int dns01_publish_all(struct dns01 *d);
/*
 * Takes the batch's outcome into d (one certificate): the change of each
 * of d's zones, and which of d's records are published. -1 with
 * dns01_err(d) that zone's failure (its source, AWS's code...) when a zone
 * of d failed in the batch's last publish or cleanup; 0 otherwise.
 */
int dns01_adopt(struct dns01 *d, const struct dns01 *batch);
/* What src believes the record sets dst also holds contain (after src's
 * publish, so a cleanup of the same sets needs no read). 0/-1 (OOM). */
int dns01_beliefs_from(struct dns01 *dst, const struct dns01 *src);
/* The name of a zone d's last cleanup found deleted (NoSuchHostedZone: its
 * records went with it), NULL when none (borrowed). */
const char *dns01_zone_gone(const struct dns01 *d);
/* 1 unless zone_id failed in d's last publish or cleanup. */
int dns01_zone_ok(const struct dns01 *d, const char *zone_id);
/* d's zones, for a batch's bookkeeping (borrowed ids; NULL past the end). */
size_t dns01_zone_count(const struct dns01 *d);
const char *dns01_zone_id_at(const struct dns01 *d, size_t i);

/* --- the details of one run --- */

/* The record name and zone serving identifier after resolve (borrowed;
 * NULL when the identifier was not resolved). */
const char *dns01_record_name(const struct dns01 *d, const char *identifier);
const char *dns01_zone_id(const struct dns01 *d, const char *identifier);
/*
 * The DNS servers check_authoritative asks ("IP[:PORT]" or host names),
 * instead of the zone's NS record set (copied; n 0 restores the default).
 * For split-horizon setups and the tests' local DNS server. 0/-1 (OOM).
 */
int dns01_set_check_servers(struct dns01 *d, const char *const *servers, size_t n);
/* Number of ChangeResourceRecordSets requests publish and cleanup made
 * (for tests and bench: one per zone). */
unsigned dns01_change_requests(const struct dns01 *d);

#endif
