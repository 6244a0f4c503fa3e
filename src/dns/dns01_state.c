/*
 * The JSON form of a dns01 job, so that a publish in one process (a
 * Lambda invocation) is waited for and cleaned up in another:
 *
 *   {"version":1,
 *    "zones":[{"id":"Z1","name":"example.com","role":"arn:..."?,
 *              "change_id":"C1"?,"insync":false}],
 *    "records":[{"name":"_acme-challenge.example.com","zone":"Z1",
 *                "values":["..."],"published":true}],
 *    "identifiers":[{"name":"*.example.com","record":"_acme-challenge.example.com"}]}
 *
 * Credentials never go in: a role is assumed again where the state is read.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "dns/dns01.h"
#include "dns/dns01_impl.h"
#include "log/log.h"
#include "util/mem.h"

#define DNS01_STATE_VERSION 1

static int s_add_str(cJSON *o, const char *k, const char *v)
{
	return v == NULL || cJSON_AddStringToObject(o, k, v) != NULL ? 0 : -1;
}

cJSON *dns01_state(const struct dns01 *d)
{
	cJSON *st = cJSON_CreateObject(), *zones, *recs, *ids, *o, *vals;
	size_t i, j;

	if (st == NULL || cJSON_AddNumberToObject(st, "version", DNS01_STATE_VERSION) == NULL ||
	    (zones = cJSON_AddArrayToObject(st, "zones")) == NULL ||
	    (recs = cJSON_AddArrayToObject(st, "records")) == NULL ||
	    (ids = cJSON_AddArrayToObject(st, "identifiers")) == NULL)
		goto fail;
	for (i = 0; i < d->nzones; i++) {
		const struct dns01_zone *z = &d->zones[i];

		if ((o = cJSON_CreateObject()) == NULL)
			goto fail;
		cJSON_AddItemToArray(zones, o);
		if (s_add_str(o, "id", z->id) || s_add_str(o, "name", z->name) ||
		    s_add_str(o, "role", z->role) || s_add_str(o, "change_id", z->change_id) ||
		    cJSON_AddBoolToObject(o, "insync", z->insync) == NULL)
			goto fail;
	}
	for (i = 0; i < d->nrecs; i++) {
		const struct dns01_rec *r = &d->recs[i];

		if ((o = cJSON_CreateObject()) == NULL)
			goto fail;
		cJSON_AddItemToArray(recs, o);
		if (s_add_str(o, "name", r->name) || s_add_str(o, "zone", d->zones[r->zone].id) ||
		    (vals = cJSON_AddArrayToObject(o, "values")) == NULL ||
		    cJSON_AddBoolToObject(o, "published", r->published) == NULL)
			goto fail;
		for (j = 0; j < r->nvalues; j++) {
			cJSON *s = cJSON_CreateString(r->values[j]);

			if (s == NULL)
				goto fail;
			cJSON_AddItemToArray(vals, s);
		}
	}
	for (i = 0; i < d->nidents; i++) {
		if ((o = cJSON_CreateObject()) == NULL)
			goto fail;
		cJSON_AddItemToArray(ids, o);
		if (s_add_str(o, "name", d->idents[i].name) ||
		    s_add_str(o, "record", d->recs[d->idents[i].rec].name))
			goto fail;
	}
	return st;
fail:
	cJSON_Delete(st);
	return NULL;
}

static const char *s_str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int s_zone_index(const struct dns01 *d, const char *id, size_t *idx)
{
	size_t i;

	for (i = 0; id && i < d->nzones; i++) {
		if (strcmp(d->zones[i].id, id) == 0) {
			*idx = i;
			return 0;
		}
	}
	return -1;
}

static int s_rec_index(const struct dns01 *d, const char *name, size_t *idx)
{
	size_t i;

	for (i = 0; name && i < d->nrecs; i++) {
		if (strcmp(d->recs[i].name, name) == 0) {
			*idx = i;
			return 0;
		}
	}
	return -1;
}

/*
 * Rebuilds the job. Anything that does not fit (an unknown version, a
 * record naming a zone not listed, an invalid zone id) makes the whole
 * state unusable rather than half-read: cleanup from a wrong state could
 * remove someone else's values.
 */
struct dns01 *dns01_from_state(const cJSON *state, const struct dns01_opts *opts)
{
	struct dns01 *d = dns01_new(opts);
	const cJSON *ver, *zones, *recs, *ids, *o, *v, *vals;
	const char *what = "not a dns-01 state";
	size_t idx, ri;

	if (d == NULL)
		return NULL;
	ver = cJSON_GetObjectItemCaseSensitive(state, "version");
	zones = cJSON_GetObjectItemCaseSensitive(state, "zones");
	recs = cJSON_GetObjectItemCaseSensitive(state, "records");
	ids = cJSON_GetObjectItemCaseSensitive(state, "identifiers");
	if (!cJSON_IsNumber(ver) || ver->valuedouble != DNS01_STATE_VERSION ||
	    !cJSON_IsArray(zones) || !cJSON_IsArray(recs) || !cJSON_IsArray(ids))
		goto fail;
	what = "bad zone";
	cJSON_ArrayForEach(o, zones)
	{
		const char *id = s_str(o, "id"), *name = s_str(o, "name"), *cid;

		if (id == NULL || name == NULL || !route53_id_valid(id) ||
		    dns01_zone_add(d, id, name, s_str(o, "role"), &idx))
			goto fail;
		cid = s_str(o, "change_id");
		if (cid) {
			if (!route53_id_valid(cid) ||
			    (d->zones[idx].change_id = str_dup(cid)) == NULL)
				goto fail;
		}
		d->zones[idx].insync = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "insync"));
	}
	what = "bad record";
	cJSON_ArrayForEach(o, recs)
	{
		const char *name = s_str(o, "name");

		vals = cJSON_GetObjectItemCaseSensitive(o, "values");
		if (name == NULL || !cJSON_IsArray(vals) ||
		    s_zone_index(d, s_str(o, "zone"), &idx) || dns01_rec_add(d, name, idx, &ri))
			goto fail;
		cJSON_ArrayForEach(v, vals)
		{
			if (!cJSON_IsString(v) || dns01_rec_value_add(&d->recs[ri], v->valuestring))
				goto fail;
		}
		d->recs[ri].published =
		    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "published"));
	}
	what = "bad identifier";
	cJSON_ArrayForEach(o, ids)
	{
		const char *name = s_str(o, "name");

		if (name == NULL || s_rec_index(d, s_str(o, "record"), &ri) ||
		    dns01_ident_add(d, name, ri))
			goto fail;
	}
	return d;
fail:
	log_error("dns-01 state: %s", what);
	dns01_free(d);
	return NULL;
}
