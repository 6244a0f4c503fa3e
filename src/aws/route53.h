/*
 * Route53 client: the four calls DNS-01 needs (ListHostedZones,
 * ChangeResourceRecordSets, GetChange, ListResourceRecordSets), over aws_call, which signs for the
 * global endpoint and retries throttling (Route53's 400 Throttling and PriorRequestNotComplete) and
 * 5xx answers.
 *
 * Zone and change ids are bare here ("Z123", "C456"): the "/hostedzone/"
 * and "/change/" prefixes Route53 puts in its answers are removed when
 * parsing, and never expected from callers. Names are returned as Route53
 * sends them, except that route53_name_normal() gives the comparable form.
 *
 * Every call takes creds: NULL for the process's default chain, else
 * borrowed credentials (an assumed role for a zone in another account).
 * Returns 0 on a 2xx answer (parsed into the out-parameter), 1 on an AWS
 * error answer (reply->err.code, reply->message), -1 when no answer came or
 * the answer could not be read (reply->message says which). Free the reply
 * with aws_reply_free in every case, and the out-parameter with its _free.
 */
#ifndef AAA_AWS_ROUTE53_H
#define AAA_AWS_ROUTE53_H

#include <stddef.h>

#include "aws/client.h"

/* Route53's own limit on one DNS character-string inside a TXT value. */
#define ROUTE53_TXT_CHUNK 255

struct route53_zone {
	char *id;   /* bare: "Z123" */
	char *name; /* as Route53 sends it: "example.com." (maybe with \ddd escapes) */
	int private_zone;
};

struct route53_zones {
	struct route53_zone *v;
	size_t n;
	int truncated;
	char *next_marker; /* ListHostedZones */
};

struct route53_rrset {
	char *name;	      /* as sent: "_acme-challenge.example.com." */
	char *type;	      /* "TXT" */
	long ttl;	      /* -1 when absent (alias records) */
	char *set_identifier; /* weighted/latency/... routing; NULL for simple records */
	int alias;	      /* an AliasTarget record (no values) */
	char **values;	      /* ResourceRecord/Value, wire form (TXT values quoted) */
	size_t nvalues;
};

struct route53_rrsets {
	struct route53_rrset *v;
	size_t n;
	int truncated;
	char *next_name;
	char *next_type;
	char *next_identifier;
};

struct route53_change_info {
	char *id;     /* bare: "C456" */
	char *status; /* "PENDING" or "INSYNC" */
};

enum route53_action { ROUTE53_CREATE, ROUTE53_DELETE, ROUTE53_UPSERT, ROUTE53_ACTION_MAX };
extern const char *const route53_action_names[ROUTE53_ACTION_MAX];

/* One Change of a batch. All borrowed. values are in wire form (for TXT:
 * already quoted, see route53_txt_quote). */
struct route53_change {
	enum route53_action action;
	const char *name;
	const char *type;
	long ttl;
	const char *const *values;
	size_t nvalues;
};

/* --- calls --- */

/*
 * ListHostedZones, every page (marker followed to the end), appended to
 * out (which the caller zeroes first). pages, when not NULL, receives the
 * number of requests made.
 */
int route53_list_hosted_zones(const struct aws_credentials *creds, struct route53_zones *out,
			      unsigned *pages, struct aws_reply *reply);
/* ChangeResourceRecordSets: the n changes as one atomic batch. comment may be NULL. */
int route53_change_rrsets(const char *zone_id, const char *comment,
			  const struct route53_change *changes, size_t n,
			  const struct aws_credentials *creds, struct route53_change_info *info,
			  struct aws_reply *reply);
int route53_get_change(const char *change_id, const struct aws_credentials *creds,
		       struct route53_change_info *info, struct aws_reply *reply);
/*
 * One page of ListResourceRecordSets starting at (name, type) (both may be
 * NULL; type only with name); max_items 0: Route53's default (300).
 * Route53 lists in its own order from the start point, so the first set
 * returned is not necessarily the one named: see route53_get_rrset.
 */
int route53_list_rrsets(const char *zone_id, const char *name, const char *type, unsigned max_items,
			const struct aws_credentials *creds, struct route53_rrsets *out,
			struct aws_reply *reply);
/*
 * The simple (non-routing-policy) record set name/type: 0 with *found 1
 * and out filled, or 0 with *found 0 when there is none. 1/-1 as above.
 */
int route53_get_rrset(const char *zone_id, const char *name, const char *type,
		      const struct aws_credentials *creds, struct route53_rrset *out, int *found,
		      struct aws_reply *reply);
/*
 * The simple record set name/type in l (names compared as
 * route53_name_normal gives them): 1 with *set pointing into l, 0 when it
 * is not there, -1 on OOM.
 */
int route53_rrsets_find(struct route53_rrsets *l, const char *name, const char *type,
			struct route53_rrset **set);

/* --- pure helpers (exposed for unit tests) --- */

/* ChangeResourceRecordSetsRequest XML; caller frees; NULL on failure
 * (also for an empty batch or an unknown action). */
char *route53_change_xml(const char *comment, const struct route53_change *changes, size_t n,
			 size_t *len);
/* Parsers of Route53 answers (0/-1; out freed on failure too). */
int route53_parse_zones(const char *xml, size_t len, struct route53_zones *out);
int route53_parse_rrsets(const char *xml, size_t len, struct route53_rrsets *out);
int route53_parse_change_info(const char *xml, size_t len, struct route53_change_info *out);

/*
 * A TXT value in Route53's wire form: the bytes in double quotes, '"' and
 * '\' backslash-escaped, bytes outside printable ASCII as \ddd (octal), and
 * split into several quoted strings of at most 255 bytes each (one DNS
 * character-string's limit). Caller frees; NULL on failure.
 */
char *route53_txt_quote(const char *value);
/* The reverse: the character-strings of a wire value joined into one string
 * (what an ACME validator compares). Caller frees; NULL on failure. */
char *route53_txt_unquote(const char *wire);
/* A name as Route53 compares it: \ddd escapes decoded, lower case, no
 * trailing dot. Caller frees; NULL on failure. */
char *route53_name_normal(const char *name);
/* 1 when id could be a hosted zone or change id (letters, digits, '_' and
 * '-', at most 64): ids go into the request path unencoded. */
int route53_id_valid(const char *id);
/* The id without a "/hostedzone/" or "/change/" prefix (borrowed view). */
const char *route53_id_bare(const char *id);

void route53_zones_free(struct route53_zones *z);
void route53_rrset_free(struct route53_rrset *r);
void route53_rrsets_free(struct route53_rrsets *r);
void route53_change_info_free(struct route53_change_info *c);

#endif
