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

/* Cleanup re-reads and retries when another writer changed the record set
 * between our read and our DELETE (Route53 answers InvalidChangeBatch). */
#define DNS01_CLEANUP_TRIES 3
#define DNS01_COMMENT	    "aaa dns-01"

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

/*
 * The publish change for one record: the values already there, kept
 * byte for byte in their wire form, then ours not yet among them. Nothing
 * when all ours are there already (a publish repeated after a lost answer).
 */
static int s_publish_change(struct dns01 *d, size_t ri, const struct aws_credentials *creds,
			    struct s_batch *b)
{
	struct dns01_rec *r = &d->recs[ri];
	struct dns01_zone *z = &d->zones[r->zone];
	struct route53_rrset cur;
	struct aws_reply reply;
	char **vals = NULL;
	size_t n = 0;
	int found = 0, rc = -1;

	memset(&cur, 0, sizeof(cur));
	if (route53_get_rrset(z->id, r->name, "TXT", creds, &cur, &found, &reply) != 0) {
		dns01_fail(d, "cannot read TXT %s in zone %s (%s): %s", r->name, z->name, z->id,
			   reply.message ? reply.message : "failed");
		goto out;
	}
	if (dns_txt_add((const char *const *)cur.values, cur.nvalues,
			(const char *const *)r->values, r->nvalues, &vals, &n))
		goto oom;
	if (n == cur.nvalues && found) {
		r->published = 1; /* all ours already there */
		rc = 0;
		goto out;
	}
	rc = s_batch_add(b, ROUTE53_UPSERT, r->name, DNS01_TTL, vals, n, ri);
	vals = NULL;
	if (rc)
		goto oom;
	goto out;
oom:
	rc = dns01_fail(d, "dns-01: out of memory");
out:
	dns01_strv_free(vals, n);
	route53_rrset_free(&cur);
	aws_reply_free(&reply);
	return rc;
}

static int s_send_batch(struct dns01 *d, struct dns01_zone *z, const struct aws_credentials *creds,
			struct s_batch *b, struct route53_change_info *ci, struct aws_reply *reply)
{
	d->change_requests++;
	return route53_change_rrsets(z->id, DNS01_COMMENT, b->ch, b->n, creds, ci, reply);
}

/* One zone's publish: read each record, then one batch. */
static int s_publish_zone(struct dns01 *d, size_t zi)
{
	struct dns01_zone *z = &d->zones[zi];
	const struct aws_credentials *creds;
	struct s_batch b = {NULL, NULL, 0, NULL};
	struct route53_change_info ci = {NULL, NULL};
	struct aws_reply reply;
	size_t i;
	int ok, rc = -1;

	memset(&reply, 0, sizeof(reply));
	creds = dns01_zone_creds(d, z, &ok);
	if (!ok)
		goto out;
	for (i = 0; i < d->nrecs; i++) {
		if (d->recs[i].zone != zi || d->recs[i].nvalues == 0)
			continue;
		if (s_publish_change(d, i, creds, &b))
			goto out;
	}
	if (b.n == 0) {
		rc = 0;
		goto out;
	}
	if (s_send_batch(d, z, creds, &b, &ci, &reply) != 0) {
		dns01_fail(d, "cannot publish the dns-01 TXT records in zone %s (%s): %s", z->name,
			   z->id, reply.message ? reply.message : "failed");
		goto out;
	}
	free(z->change_id);
	z->change_id = ci.id;
	ci.id = NULL;
	z->insync = ci.status && strcmp(ci.status, "INSYNC") == 0;
	for (i = 0; i < b.n; i++)
		d->recs[b.recs[i]].published = 1;
	log_info("zone %s (%s): %zu TXT record set(s) in change %s", z->name, z->id, b.n,
		 z->change_id);
	rc = 0;
out:
	s_batch_free(&b);
	route53_change_info_free(&ci);
	aws_reply_free(&reply);
	return rc;
}

int dns01_publish(struct dns01 *d)
{
	size_t i;

	for (i = 0; i < d->nzones; i++)
		if (s_publish_zone(d, i))
			return -1;
	return 0;
}

/*
 * One record's cleanup change: what remains once our values are taken
 * out. The DELETE names the record set exactly as read (Route53 requires
 * the same TTL and values), so a concurrent writer makes it fail rather
 * than lose their value.
 */
static int s_cleanup_change(struct dns01 *d, size_t ri, const struct aws_credentials *creds,
			    struct s_batch *b)
{
	struct dns01_rec *r = &d->recs[ri];
	struct dns01_zone *z = &d->zones[r->zone];
	struct route53_rrset cur;
	struct aws_reply reply;
	char **vals = NULL;
	size_t n = 0;
	int found = 0, rc = -1;

	memset(&cur, 0, sizeof(cur));
	if (route53_get_rrset(z->id, r->name, "TXT", creds, &cur, &found, &reply) != 0) {
		dns01_fail(d, "cannot read TXT %s in zone %s (%s): %s", r->name, z->name, z->id,
			   reply.message ? reply.message : "failed");
		goto out;
	}
	rc = 0;
	if (!found)
		goto out;
	if (dns_txt_remove((const char *const *)cur.values, cur.nvalues,
			   (const char *const *)r->values, r->nvalues, &vals, &n))
		goto oom;
	if (n == cur.nvalues) /* none of ours there */
		goto out;
	if (n == 0) {
		/* DELETE names the set exactly as read: hand cur's values over. */
		dns_txt_free(vals, n);
		vals = cur.values;
		n = cur.nvalues;
		cur.values = NULL;
		cur.nvalues = 0;
		rc = s_batch_add(b, ROUTE53_DELETE, r->name, cur.ttl, vals, n, ri);
	} else {
		rc = s_batch_add(b, ROUTE53_UPSERT, r->name, cur.ttl, vals, n, ri);
	}
	vals = NULL;
	if (rc)
		goto oom;
	goto out;
oom:
	rc = dns01_fail(d, "dns-01: out of memory");
out:
	dns01_strv_free(vals, n);
	route53_rrset_free(&cur);
	aws_reply_free(&reply);
	return rc;
}

static int s_cleanup_zone(struct dns01 *d, size_t zi)
{
	struct dns01_zone *z = &d->zones[zi];
	const struct aws_credentials *creds;
	struct s_batch b = {NULL, NULL, 0, NULL};
	struct route53_change_info ci = {NULL, NULL};
	struct aws_reply reply;
	size_t i;
	int ok, rc = -1, tries, src;

	memset(&reply, 0, sizeof(reply));
	creds = dns01_zone_creds(d, z, &ok);
	if (!ok)
		goto out;
	for (tries = 1;; tries++) {
		s_batch_free(&b);
		route53_change_info_free(&ci);
		aws_reply_free(&reply);
		for (i = 0; i < d->nrecs; i++) {
			if (d->recs[i].zone != zi || d->recs[i].nvalues == 0)
				continue;
			if (s_cleanup_change(d, i, creds, &b))
				goto out;
		}
		if (b.n == 0)
			break;
		src = s_send_batch(d, z, creds, &b, &ci, &reply);
		if (src == 0) {
			log_info("zone %s (%s): removed our values from %zu TXT record set(s)",
				 z->name, z->id, b.n);
			break;
		}
		if (src == 1 && aws_error_is(&reply.err, "InvalidChangeBatch") &&
		    tries < DNS01_CLEANUP_TRIES) {
			log_info("zone %s: record sets changed under us (%s), reading again",
				 z->name, reply.message ? reply.message : "InvalidChangeBatch");
			continue;
		}
		dns01_fail(d, "cannot remove the dns-01 TXT records in zone %s (%s): %s", z->name,
			   z->id, reply.message ? reply.message : "failed");
		goto out;
	}
	for (i = 0; i < d->nrecs; i++)
		if (d->recs[i].zone == zi)
			d->recs[i].published = 0;
	rc = 0;
out:
	s_batch_free(&b);
	route53_change_info_free(&ci);
	aws_reply_free(&reply);
	return rc;
}

/* Every zone is tried even after one fails, so one bad zone does not leave
 * the others' records behind; the first failure is the one reported. */
int dns01_cleanup(struct dns01 *d)
{
	char *first = NULL;
	size_t i;
	int rc = 0;

	for (i = 0; i < d->nzones; i++) {
		if (s_cleanup_zone(d, i) == 0)
			continue;
		rc = -1;
		if (first == NULL && d->err)
			first = str_dup(d->err);
	}
	if (first) {
		free(d->err);
		d->err = first;
	}
	return rc;
}
