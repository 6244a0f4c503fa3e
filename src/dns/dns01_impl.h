/*
 * The inside of struct dns01, shared by dns01.c (the Route53 work) and
 * dns01_state.c (its JSON form). Not for other folders.
 */
#ifndef AAA_DNS_DNS01_IMPL_H
#define AAA_DNS_DNS01_IMPL_H

#include <stddef.h>

#include "aws/credentials.h"
#include "aws/route53.h"
#include "dns/dns01.h"

/* A hosted zone we write to. */
struct dns01_zone {
	char *id;	 /* bare */
	char *name;	 /* normal form */
	char *role;	 /* role ARN to assume for it, or NULL */
	char *change_id; /* the publish's change, NULL before */
	int insync;
	char **ns; /* its NS record set, read once for check_authoritative */
	size_t nns;
	int ns_read;
	int failed;	     /* its last publish, wait or cleanup failed (a batch's
				per-zone outcome) */
	struct aaa_err *err; /* why (source, AWS's code...); NULL when it did not
				fail, or no memory was left to keep it */
	int gone;	     /* Route53 answered NoSuchHostedZone: deleted since resolve */
};

/* One TXT record set: _acme-challenge.<name>, or a CNAME's target. */
struct dns01_rec {
	char *name; /* normal form */
	size_t zone;
	char **values; /* ours, raw (unquoted), distinct */
	size_t nvalues;
	int published; /* the change holding our values was accepted */
	/* The record set as this process last read or wrote it, never
	 * serialized: publish and cleanup use it instead of reading again.
	 * Their changes are conditional (DELETE exactly what is believed to be
	 * there + CREATE), so a stale belief makes Route53 refuse the batch
	 * (InvalidChangeBatch) and the set is read again. */
	int known;	 /* seen is the belief */
	int known_found; /* the set existed */
	struct route53_rrset seen;
};

struct dns01_ident {
	char *name; /* normal form, "*." kept */
	size_t rec;
};

/* Credentials and the zone listing per role (NULL role: default chain);
 * never serialized. */
struct dns01_role {
	char *role;
	struct aws_credentials *creds;
	struct route53_zones zones;
	int listed;
};

/* Role credentials and zone listings, shared by the dns01 objects of a
 * batch (dns01_cache_new) or private to one. */
struct dns01_zone_list {
	char *zone_id;
	unsigned reads;		    /* names read one by one so far */
	int state;		    /* 0 not listed, 1 listed whole, -1 too big to list */
	struct route53_rrsets sets; /* the whole zone when state is 1 */
};

struct dns01_cache {
	struct dns01_role *roles;
	size_t nroles;
	/* Batches only: a zone with several names to read is listed whole
	 * (a page holds 300 record sets) instead of read name by name. */
	struct dns01_zone_list *lists;
	size_t nlists;
};

struct dns01 {
	char **zone_ids;
	size_t nzone_ids;
	char **zone_roles;
	size_t nzone_roles;
	long insync_timeout_ms;
	long poll_first_ms, poll_max_ms;
	int check_authoritative;
	char **check_servers; /* dns01_set_check_servers */
	size_t ncheck_servers;

	struct dns01_zone *zones;
	size_t nzones;
	struct dns01_rec *recs;
	size_t nrecs;
	struct dns01_ident *idents;
	size_t nidents;
	struct dns01_cache own;
	struct dns01_cache *cache; /* &own, or the batch's (borrowed) */

	unsigned change_requests;
	struct aaa_err err; /* the last failure (dns01_err) */
	int fail_kind;	    /* -1, or DNS01_NO_ZONE... for dns01_find_zone */
};

/* Appends (copies) into d; index through *idx. 0/-1 (OOM). */
int dns01_zone_add(struct dns01 *d, const char *id, const char *name, const char *role,
		   size_t *idx);
int dns01_rec_add(struct dns01 *d, const char *name, size_t zone, size_t *idx);
int dns01_ident_add(struct dns01 *d, const char *name, size_t rec);
/* Adds value to rec unless present. 0/-1. */
int dns01_rec_value_add(struct dns01_rec *r, const char *value);
/* Frees n strings and the array (NULL allowed). */
void dns01_strv_free(char **v, size_t n);
/* The credentials for z's Route53 calls: NULL (default chain) or the
 * assumed role's, assumed on first use; *ok 0 when the role could not be
 * assumed (d's error says why). */
const struct aws_credentials *dns01_zone_creds(struct dns01 *d, const struct dns01_zone *z,
					       int *ok);
/* Records what rec ri holds now (found or not; takes cur's contents). */
void dns01_rec_know(struct dns01_rec *r, int found, struct route53_rrset *cur);
/* The TXT set name of zone_id as route53_get_rrset answers it; in a batch
 * (a shared cache) from the zone's listing once a second name of it is
 * read. 0, or 1/-1 as route53.h. */
int dns01_read_txt(struct dns01 *d, const char *zone_id, const char *name,
		   const struct aws_credentials *creds, struct route53_rrset *txt, int *found,
		   struct aws_reply *reply);
/* Forgets every belief about the record sets of zone zi (and a batch's
 * listing of it). */
void dns01_zone_forget(struct dns01 *d, size_t zi);
/* Records zone zi's failure (d->err) as its own outcome too. */
void dns01_zone_failed(struct dns01 *d, size_t zi);
/* The batch cache's listing of zone zi no longer says what the zone holds
 * (we changed it): the next read lists it again. */
void dns01_cache_zone_stale(struct dns01 *d, size_t zi);
/* Sets d->err, source "dns", no code (printf format); always returns -1. */
int dns01_fail(struct dns01 *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Sets d->err for a failed AWS call: source "aws" and, when AWS answered,
 * its error code, HTTP status and request id from reply. Returns -1. */
int dns01_fail_aws(struct dns01 *d, const struct aws_reply *reply, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
