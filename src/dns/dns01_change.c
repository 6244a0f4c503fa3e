/*
 * DNS-01 record set changes: publish (our values added to what each
 * record set holds) and cleanup (exactly ours taken out), one
 * ChangeResourceRecordSets per zone. See dns01.h.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "aws/route53.h"
#include "dns/dns01.h"
#include "dns/dns01_impl.h"
#include "dns/txtset.h"
#include "log/log.h"
#include "util/mem.h"

/* Publish and cleanup read again and retry when another writer changed a
 * record set between our read and our change (InvalidChangeBatch). */
#define DNS01_CHANGE_TRIES 6
#define DNS01_COMMENT	   "aaa dns-01"

/* One batch of changes being built; owns the value strings. */
struct s_batch {
	struct route53_change *ch;
	char ***vals; /* per change, owned wire values */
	size_t n;
	size_t *recs; /* the record index of each change */
};

static void s_batch_free(struct s_batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		dns01_strv_free(b->vals[i], b->ch[i].nvalues);
	free(b->ch);
	free(b->vals);
	free(b->recs);
	memset(b, 0, sizeof(*b));
}

/* Adds a change; takes vals (n values) in every case. */
static int s_batch_add(struct s_batch *b, enum route53_action action, const char *name, long ttl,
		       char **vals, size_t n, size_t rec)
{
	struct route53_change *nc = realloc(b->ch, (b->n + 1) * sizeof(*nc));
	char ***nv;
	size_t *nr;

	if (nc)
		b->ch = nc;
	nv = nc ? realloc(b->vals, (b->n + 1) * sizeof(*nv)) : NULL;
	if (nv)
		b->vals = nv;
	nr = nv ? realloc(b->recs, (b->n + 1) * sizeof(*nr)) : NULL;
	if (nr)
		b->recs = nr;
	if (nr == NULL) {
		dns01_strv_free(vals, n);
		return -1;
	}
	b->ch[b->n].action = action;
	b->ch[b->n].name = name;
	b->ch[b->n].type = "TXT";
	b->ch[b->n].ttl = ttl;
	b->ch[b->n].values = (const char *const *)vals;
	b->ch[b->n].nvalues = n;
	b->vals[b->n] = vals;
	b->recs[b->n] = rec;
	b->n++;
	return 0;
}

/* A copy of n strings; NULL on OOM (n 0 gives a valid empty copy). */
static char **s_dup_values(char *const *v, size_t n)
{
	char **out = calloc(n ? n : 1, sizeof(*out));
	size_t i;

	if (out == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if ((out[i] = str_dup(v[i])) == NULL) {
			dns01_strv_free(out, i);
			return NULL;
		}
	}
	return out;
}

/* What this process believes rec ri holds; read when it has no belief. */
static int s_belief(struct dns01 *d, size_t ri, const struct aws_credentials *creds)
{
	struct dns01_rec *r = &d->recs[ri];
	struct dns01_zone *z = &d->zones[r->zone];
	struct route53_rrset cur;
	struct aws_reply reply;
	int found = 0, rc = 0;

	if (r->known)
		return 0;
	memset(&cur, 0, sizeof(cur));
	memset(&reply, 0, sizeof(reply));
	if (dns01_read_txt(d, z->id, r->name, creds, &cur, &found, &reply) != 0) {
		z->gone |= aws_error_is(&reply.err, "NoSuchHostedZone");
		rc = dns01_fail_aws(d, &reply, "cannot read TXT %s in zone %s (%s): %s", r->name,
				    z->name, z->id, reply.message ? reply.message : "failed");
	} else {
		dns01_rec_know(r, found, &cur);
	}
	route53_rrset_free(&cur);
	aws_reply_free(&reply);
	return rc;
}

/*
 * The conditional replacement of rec ri's set by vals (n values, taken in
 * every case; n 0: the set goes): DELETE exactly what is believed to be
 * there, then CREATE the new set, in one batch. Route53 has no conditional
 * UPSERT; this pair is one: when another writer changed the set since our
 * read, the DELETE does not match (or the CREATE finds a set) and the whole
 * batch is refused with InvalidChangeBatch, so no writer's value is lost.
 */
static int s_replace(struct dns01 *d, size_t ri, long ttl, char **vals, size_t n, struct s_batch *b)
{
	struct dns01_rec *r = &d->recs[ri];
	char **old = NULL;

	if (r->known_found) {
		if ((old = s_dup_values(r->seen.values, r->seen.nvalues)) == NULL ||
		    s_batch_add(b, ROUTE53_DELETE, r->name, r->seen.ttl, old, r->seen.nvalues,
				ri)) {
			dns01_strv_free(vals, n);
			return -1;
		}
	}
	if (n == 0) {
		dns01_strv_free(vals, n);
		return 0;
	}
	return s_batch_add(b, ROUTE53_CREATE, r->name, ttl, vals, n, ri);
}

/*
 * One record's change, as a conditional replacement (s_replace): adding,
 * the values already there, kept byte for byte in their wire form, then
 * ours not yet among them; removing, what remains once ours are taken out
 * (a concurrent writer makes the change fail rather than lose their
 * value). Nothing when there is nothing to do: all ours there already (a
 * publish repeated after a lost answer), or none of ours there.
 */
static int s_rec_change(struct dns01 *d, size_t ri, const struct aws_credentials *creds,
			struct s_batch *b, int adding)
{
	struct dns01_rec *r = &d->recs[ri];
	const char *const *seen, *const *ours;
	char **vals = NULL;
	size_t n = 0;
	int rc;

	if (s_belief(d, ri, creds)) /* may read the set again: take its values after */
		return -1;
	if (!adding && !r->known_found)
		return 0;
	seen = (const char *const *)r->seen.values;
	ours = (const char *const *)r->values;
	rc = adding ? dns_txt_add(seen, r->seen.nvalues, ours, r->nvalues, &vals, &n)
		    : dns_txt_remove(seen, r->seen.nvalues, ours, r->nvalues, &vals, &n);
	if (rc)
		return dns01_fail(d, "dns-01: out of memory");
	if (n == r->seen.nvalues && r->known_found) {
		if (adding)
			r->published = 1;
		dns01_strv_free(vals, n);
		return 0;
	}
	if (s_replace(d, ri, adding ? DNS01_TTL : r->seen.ttl, vals, n, b))
		return dns01_fail(d, "dns-01: out of memory");
	return 0;
}

static int s_publish_change(struct dns01 *d, size_t ri, const struct aws_credentials *creds,
			    struct s_batch *b)
{
	return s_rec_change(d, ri, creds, b, 1);
}

static int s_send_batch(struct dns01 *d, struct dns01_zone *z, const struct aws_credentials *creds,
			struct s_batch *b, struct route53_change_info *ci, struct aws_reply *reply)
{
	d->change_requests++;
	return route53_change_rrsets(z->id, DNS01_COMMENT, b->ch, b->n, creds, ci, reply);
}

/* After an accepted batch, each changed set holds what we wrote. */
static void s_learn(struct dns01 *d, const struct s_batch *b)
{
	struct route53_rrset now;
	size_t i;

	for (i = 0; i < b->n; i++) {
		struct dns01_rec *r = &d->recs[b->recs[i]];

		memset(&now, 0, sizeof(now));
		if (b->ch[i].action == ROUTE53_DELETE) {
			dns01_rec_know(r, 0, &now);
			continue;
		}
		now.ttl = b->ch[i].ttl;
		now.values = s_dup_values(b->vals[i], b->ch[i].nvalues);
		now.nvalues = now.values ? b->ch[i].nvalues : 0;
		if (now.values)
			dns01_rec_know(r, 1, &now);
		else
			r->known = 0;
	}
}

typedef int (*change_fn)(struct dns01 *d, size_t ri, const struct aws_credentials *creds,
			 struct s_batch *b);

/*
 * One zone's change: each record's part from what we believe it holds,
 * then one batch. Refused with InvalidChangeBatch (another writer got
 * there between our read and our change): read again and retry.
 * *sent: the number of record sets changed (0: nothing needed changing).
 */
static int s_change_zone(struct dns01 *d, size_t zi, change_fn fn, const char *what, size_t *sent,
			 struct route53_change_info *ci)
{
	struct dns01_zone *z = &d->zones[zi];
	const struct aws_credentials *creds;
	struct s_batch b = {NULL, NULL, 0, NULL};
	struct aws_reply reply;
	size_t i;
	int ok, rc = -1, tries, src;

	*sent = 0;
	memset(&reply, 0, sizeof(reply));
	creds = dns01_zone_creds(d, z, &ok);
	if (!ok)
		goto out;
	for (tries = 1;; tries++) {
		s_batch_free(&b);
		route53_change_info_free(ci);
		aws_reply_free(&reply);
		for (i = 0; i < d->nrecs; i++) {
			if (d->recs[i].zone != zi || d->recs[i].nvalues == 0)
				continue;
			if (fn(d, i, creds, &b))
				goto out;
		}
		if (b.n == 0)
			break;
		src = s_send_batch(d, z, creds, &b, ci, &reply);
		if (src == 0) {
			s_learn(d, &b);
			/* Another object of the batch reading this zone (a failed
			 * job's cleanup) must see our change, not the listing. */
			dns01_cache_zone_stale(d, zi);
			for (i = 0; i < b.n; i++)
				*sent += b.ch[i].action != ROUTE53_DELETE || i + 1 == b.n ||
					 b.recs[i + 1] != b.recs[i];
			break;
		}
		if (src == 1 && aws_error_is(&reply.err, "InvalidChangeBatch") &&
		    tries < DNS01_CHANGE_TRIES) {
			log_info("zone %s: record sets changed under us (%s), reading again",
				 z->name, reply.message ? reply.message : "InvalidChangeBatch");
			dns01_zone_forget(d, zi);
			continue;
		}
		z->gone |= aws_error_is(&reply.err, "NoSuchHostedZone");
		dns01_fail_aws(d, &reply, "cannot %s the dns-01 TXT records in zone %s (%s): %s",
			       what, z->name, z->id, reply.message ? reply.message : "failed");
		goto out;
	}
	rc = 0;
out:
	if (rc)
		dns01_zone_failed(d, zi);
	s_batch_free(&b);
	aws_reply_free(&reply);
	return rc;
}

/* One zone's publish: read each record (unless known), then one batch. */
static int s_publish_zone(struct dns01 *d, size_t zi)
{
	struct dns01_zone *z = &d->zones[zi];
	struct route53_change_info ci = {NULL, NULL};
	size_t i, sent = 0;
	int rc = -1;

	if (s_change_zone(d, zi, s_publish_change, "publish", &sent, &ci))
		goto out;
	if (sent == 0) {
		rc = 0;
		goto out;
	}
	free(z->change_id);
	z->change_id = ci.id;
	ci.id = NULL;
	z->insync = ci.status && strcmp(ci.status, "INSYNC") == 0;
	for (i = 0; i < d->nrecs; i++)
		if (d->recs[i].zone == zi && d->recs[i].nvalues)
			d->recs[i].published = 1;
	log_info("zone %s (%s): %zu TXT record set(s) in change %s", z->name, z->id, sent,
		 z->change_id);
	rc = 0;
out:
	route53_change_info_free(&ci);
	return rc;
}

static void s_clear_zone_errors(struct dns01 *d)
{
	size_t i;

	for (i = 0; i < d->nzones; i++) {
		free(d->zones[i].err);
		d->zones[i].err = NULL;
		d->zones[i].failed = 0;
	}
}

void dns01_zone_failed(struct dns01 *d, size_t zi)
{
	struct dns01_zone *z = &d->zones[zi];

	z->failed = 1;
	if (z->err == NULL)
		z->err = malloc(sizeof(*z->err));
	if (z->err && err_is_set(&d->err))
		err_copy(z->err, &d->err);
	else if (z->err)
		err_set(z->err, "dns", "", "zone %s (%s): failed", z->name, z->id);
}

int dns01_publish(struct dns01 *d)
{
	size_t i;

	s_clear_zone_errors(d);
	for (i = 0; i < d->nzones; i++)
		if (s_publish_zone(d, i))
			return -1;
	return 0;
}

/* Runs step on every zone even after one fails, so one bad zone does not
 * stop the others (a batch's zones go on, no zone's records are left
 * behind); the first failure is the one reported. */
static int s_each_zone(struct dns01 *d, int (*step)(struct dns01 *, size_t))
{
	struct aaa_err first;
	size_t i;
	int rc = 0;

	err_clear(&first);
	s_clear_zone_errors(d);
	for (i = 0; i < d->nzones; i++) {
		if (step(d, i) == 0)
			continue;
		if (rc == 0)
			err_copy(&first, &d->err);
		rc = -1;
	}
	if (rc)
		err_copy(&d->err, &first);
	return rc;
}

int dns01_publish_all(struct dns01 *d)
{
	return s_each_zone(d, s_publish_zone);
}

static int s_cleanup_change(struct dns01 *d, size_t ri, const struct aws_credentials *creds,
			    struct s_batch *b)
{
	return s_rec_change(d, ri, creds, b, 0);
}

static int s_cleanup_zone(struct dns01 *d, size_t zi)
{
	struct dns01_zone *z = &d->zones[zi];
	struct route53_change_info ci = {NULL, NULL};
	size_t i, sent = 0;
	int rc = -1;

	z->gone = 0;
	if (s_change_zone(d, zi, s_cleanup_change, "remove", &sent, &ci)) {
		if (!z->gone)
			goto out;
		/* Deleted since we published: our records went with it. */
		log_warn("zone %s (%s) no longer exists (NoSuchHostedZone): its TXT records went "
			 "with it, nothing to remove",
			 z->name, z->id);
		free(z->err);
		z->err = NULL;
		z->failed = 0;
		err_clear(&d->err);
	} else if (sent) {
		log_info("zone %s (%s): removed our values from %zu TXT record set(s)", z->name,
			 z->id, sent);
	}
	for (i = 0; i < d->nrecs; i++)
		if (d->recs[i].zone == zi)
			d->recs[i].published = 0;
	rc = 0;
out:
	route53_change_info_free(&ci);
	return rc;
}

const char *dns01_zone_gone(const struct dns01 *d)
{
	size_t i;

	for (i = 0; d && i < d->nzones; i++)
		if (d->zones[i].gone)
			return d->zones[i].name;
	return NULL;
}

int dns01_cleanup(struct dns01 *d)
{
	return s_each_zone(d, s_cleanup_zone);
}
