/*
 * DNS-01 for a batch of certificates: each certificate keeps its own dns01
 * object (its job's state, so its cleanup removes exactly its values), and
 * the batch merges them into one to publish every value of a zone with one
 * ChangeResourceRecordSets, wait on one GetChange per change and remove all
 * values with one change per zone. The outcome goes back to each
 * certificate's object zone by zone, so a zone that fails fails only the
 * certificates with a name in it. See dns01.h.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "dns/dns01.h"
#include "dns/dns01_impl.h"
#include "log/log.h"
#include "util/mem.h"

static long s_zone_find(const struct dns01 *d, const char *id)
{
	size_t i;

	for (i = 0; i < d->nzones; i++)
		if (strcmp(d->zones[i].id, id) == 0)
			return (long)i;
	return -1;
}

static long s_rec_find(const struct dns01 *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->nrecs; i++)
		if (strcmp(d->recs[i].name, name) == 0)
			return (long)i;
	return -1;
}

/* A copy of what src believes a record set holds (values and TTL). */
static int s_copy_belief(struct dns01_rec *dst, const struct dns01_rec *src)
{
	struct route53_rrset now;
	size_t i;

	memset(&now, 0, sizeof(now));
	now.ttl = src->seen.ttl;
	if (src->seen.nvalues) {
		if ((now.values = calloc(src->seen.nvalues, sizeof(*now.values))) == NULL)
			return -1;
		for (i = 0; i < src->seen.nvalues; i++) {
			if ((now.values[i] = str_dup(src->seen.values[i])) == NULL) {
				now.nvalues = i;
				route53_rrset_free(&now);
				return -1;
			}
		}
		now.nvalues = src->seen.nvalues;
	}
	dns01_rec_know(dst, src->known_found, &now);
	return 0;
}

int dns01_merge(struct dns01 *dst, const struct dns01 *src)
{
	size_t i, j, zi, ri;
	int conflicts = 0;

	for (i = 0; i < src->nzones; i++) {
		const struct dns01_zone *z = &src->zones[i];
		struct dns01_zone *dz;

		if (dns01_zone_add(dst, z->id, z->name, z->role, &zi))
			return dns01_fail(dst, "dns-01: out of memory");
		dz = &dst->zones[zi];
		if (z->change_id == NULL)
			continue;
		if (dz->change_id == NULL) {
			if ((dz->change_id = str_dup(z->change_id)) == NULL)
				return dns01_fail(dst, "dns-01: out of memory");
			dz->insync = z->insync;
		} else if (strcmp(dz->change_id, z->change_id) != 0) {
			conflicts++;
		}
	}
	for (i = 0; i < src->nrecs; i++) {
		const struct dns01_rec *r = &src->recs[i];

		zi = (size_t)s_zone_find(dst, src->zones[r->zone].id);
		if (dns01_rec_add(dst, r->name, zi, &ri))
			return dns01_fail(dst, "dns-01: out of memory");
		for (j = 0; j < r->nvalues; j++)
			if (dns01_rec_value_add(&dst->recs[ri], r->values[j]))
				return dns01_fail(dst, "dns-01: out of memory");
		dst->recs[ri].published |= r->published;
		if (r->known && !dst->recs[ri].known && s_copy_belief(&dst->recs[ri], r))
			return dns01_fail(dst, "dns-01: out of memory");
	}
	for (i = 0; i < src->nidents; i++) {
		long have = -1;

		for (j = 0; j < dst->nidents && have < 0; j++)
			if (strcmp(dst->idents[j].name, src->idents[i].name) == 0)
				have = (long)j;
		if (have >= 0)
			continue;
		ri = (size_t)s_rec_find(dst, src->recs[src->idents[i].rec].name);
		if (dns01_ident_add(dst, src->idents[i].name, ri))
			return dns01_fail(dst, "dns-01: out of memory");
	}
	return conflicts;
}

int dns01_adopt(struct dns01 *d, const struct dns01 *batch)
{
	size_t i;
	long bi;
	int rc = 0;

	for (i = 0; i < d->nzones; i++) {
		struct dns01_zone *z = &d->zones[i];
		const struct dns01_zone *bz;

		if ((bi = s_zone_find(batch, z->id)) < 0)
			continue;
		bz = &batch->zones[bi];
		if (bz->failed) {
			if (rc == 0 && bz->err) {
				err_copy(&d->err, bz->err);
				d->fail_kind = -1;
			} else if (rc == 0)
				dns01_fail(d, "zone %s (%s): failed in the batch", z->name, z->id);
			rc = -1;
			continue;
		}
		if (bz->change_id &&
		    (z->change_id == NULL || strcmp(z->change_id, bz->change_id) != 0)) {
			free(z->change_id);
			if ((z->change_id = str_dup(bz->change_id)) == NULL)
				return dns01_fail(d, "dns-01: out of memory");
		}
		z->insync = bz->insync;
	}
	for (i = 0; i < d->nrecs; i++) {
		bi = s_rec_find(batch, d->recs[i].name);
		if (bi >= 0 && !batch->zones[batch->recs[bi].zone].failed)
			d->recs[i].published = batch->recs[bi].published;
		/* The batch wrote the set: this object's belief is stale. */
		route53_rrset_free(&d->recs[i].seen);
		d->recs[i].known = 0;
	}
	return rc;
}

int dns01_zone_ok(const struct dns01 *d, const char *zone_id)
{
	long i = s_zone_find(d, zone_id);

	return i < 0 || !d->zones[i].failed;
}

size_t dns01_zone_count(const struct dns01 *d)
{
	return d ? d->nzones : 0;
}

const char *dns01_zone_id_at(const struct dns01 *d, size_t i)
{
	return d && i < d->nzones ? d->zones[i].id : NULL;
}

int dns01_beliefs_from(struct dns01 *dst, const struct dns01 *src)
{
	size_t i;
	long si;

	for (i = 0; i < dst->nrecs; i++) {
		si = s_rec_find(src, dst->recs[i].name);
		if (si < 0 || !src->recs[si].known)
			continue;
		if (s_copy_belief(&dst->recs[i], &src->recs[si]))
			return dns01_fail(dst, "dns-01: out of memory");
	}
	return 0;
}
