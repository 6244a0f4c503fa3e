/*
 * DNS-01 over Route53: the dns01 object, zone resolution (explicit ids,
 * roles, CNAME delegation) and the values to publish. Changes are in
 * dns01_change.c, the wait in dns01_wait.c, the JSON state in
 * dns01_state.c. See dns01.h.
 */
#define _GNU_SOURCE
#include "dns/dns01.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/client.h"
#include "aws/route53.h"
#include "aws/sts.h"
#include "dns/dns01_impl.h"
#include "dns/zone.h"
#include "log/log.h"
#include "util/mem.h"

/* CNAME links followed from _acme-challenge.<name> before giving up. */
#define DNS01_MAX_CNAME 8

static char **s_strv_dup(const char *const *v, size_t n)
{
	char **out;
	size_t i;

	if (n == 0)
		return NULL;
	out = calloc(n, sizeof(*out));
	if (out == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if ((out[i] = str_dup(v[i] ? v[i] : "")) == NULL) {
			while (i > 0)
				free(out[--i]);
			free(out);
			return NULL;
		}
	}
	return out;
}

void dns01_strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

struct dns01 *dns01_new(const struct dns01_opts *opts)
{
	struct dns01 *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	d->insync_timeout_ms = DNS01_INSYNC_TIMEOUT_MS;
	d->cache = opts && opts->cache ? opts->cache : &d->own;
	if (opts) {
		if (opts->insync_timeout_ms > 0)
			d->insync_timeout_ms = opts->insync_timeout_ms;
		d->poll_first_ms = opts->poll_first_ms;
		d->poll_max_ms = opts->poll_max_ms;
		d->check_authoritative = opts->check_authoritative;
		d->nzone_ids = opts->nzone_ids;
		d->nzone_roles = opts->nzone_roles;
		d->zone_ids = s_strv_dup(opts->zone_ids, opts->nzone_ids);
		d->zone_roles = s_strv_dup(opts->zone_roles, opts->nzone_roles);
		if ((d->nzone_ids && d->zone_ids == NULL) ||
		    (d->nzone_roles && d->zone_roles == NULL)) {
			dns01_free(d);
			return NULL;
		}
	}
	return d;
}

static void s_cache_clear(struct dns01_cache *c)
{
	size_t i;

	for (i = 0; i < c->nroles; i++) {
		free(c->roles[i].role);
		aws_credentials_free(c->roles[i].creds);
		route53_zones_free(&c->roles[i].zones);
	}
	free(c->roles);
	for (i = 0; i < c->nlists; i++) {
		free(c->lists[i].zone_id);
		route53_rrsets_free(&c->lists[i].sets);
	}
	free(c->lists);
	memset(c, 0, sizeof(*c));
}

struct dns01_cache *dns01_cache_new(void)
{
	return calloc(1, sizeof(struct dns01_cache));
}

void dns01_cache_free(struct dns01_cache *c)
{
	if (c == NULL)
		return;
	s_cache_clear(c);
	free(c);
}

void dns01_free(struct dns01 *d)
{
	size_t i;

	if (d == NULL)
		return;
	dns01_strv_free(d->zone_ids, d->nzone_ids);
	dns01_strv_free(d->zone_roles, d->nzone_roles);
	dns01_strv_free(d->check_servers, d->ncheck_servers);
	for (i = 0; i < d->nzones; i++) {
		free(d->zones[i].id);
		free(d->zones[i].name);
		free(d->zones[i].role);
		free(d->zones[i].change_id);
		free(d->zones[i].err);
		dns01_strv_free(d->zones[i].ns, d->zones[i].nns);
	}
	free(d->zones);
	for (i = 0; i < d->nrecs; i++) {
		free(d->recs[i].name);
		dns01_strv_free(d->recs[i].values, d->recs[i].nvalues);
		route53_rrset_free(&d->recs[i].seen);
	}
	free(d->recs);
	for (i = 0; i < d->nidents; i++)
		free(d->idents[i].name);
	free(d->idents);
	s_cache_clear(&d->own);
	free(d);
}

static int s_vfail(struct dns01 *d, const char *source, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
static int s_vfail(struct dns01 *d, const char *source, const char *fmt, va_list ap)
{
	err_vset(&d->err, source, "", fmt, ap);
	d->fail_kind = -1;
	log_debug("%s", d->err.message);
	return -1;
}

int dns01_fail(struct dns01 *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	s_vfail(d, "dns", fmt, ap);
	va_end(ap);
	return -1;
}

int dns01_fail_aws(struct dns01 *d, const struct aws_reply *reply, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	s_vfail(d, "aws", fmt, ap);
	va_end(ap);
	aws_reply_detail(reply, &d->err);
	return -1;
}

const struct aaa_err *dns01_err(const struct dns01 *d)
{
	static const struct aaa_err none;

	return d ? &d->err : &none;
}

int dns01_set_check_servers(struct dns01 *d, const char *const *servers, size_t n)
{
	char **v = s_strv_dup(servers, n);

	if (n && v == NULL)
		return dns01_fail(d, "dns-01: out of memory");
	dns01_strv_free(d->check_servers, d->ncheck_servers);
	d->check_servers = v;
	d->ncheck_servers = n;
	return 0;
}

unsigned dns01_change_requests(const struct dns01 *d)
{
	return d ? d->change_requests : 0;
}

int dns01_zone_add(struct dns01 *d, const char *id, const char *name, const char *role, size_t *idx)
{
	struct dns01_zone *nv, z;
	size_t i;

	for (i = 0; i < d->nzones; i++) {
		if (strcmp(d->zones[i].id, id) == 0) {
			*idx = i;
			return 0;
		}
	}
	memset(&z, 0, sizeof(z));
	z.id = str_dup(id);
	z.name = str_dup(name);
	z.role = role ? str_dup(role) : NULL;
	nv = realloc(d->zones, (d->nzones + 1) * sizeof(*nv));
	if (z.id == NULL || z.name == NULL || (role && z.role == NULL) || nv == NULL) {
		if (nv)
			d->zones = nv;
		free(z.id);
		free(z.name);
		free(z.role);
		return -1;
	}
	d->zones = nv;
	*idx = d->nzones;
	d->zones[d->nzones++] = z;
	return 0;
}

/* arr (*n items of size bytes) with item copied at its end and *n
 * counted up; NULL on OOM, arr and *n as they were. */
static void *s_append(void *arr, size_t *n, const void *item, size_t size)
{
	char *nv = realloc(arr, (*n + 1) * size);

	if (nv) {
		memcpy(nv + *n * size, item, size);
		(*n)++;
	}
	return nv;
}

int dns01_rec_add(struct dns01 *d, const char *name, size_t zone, size_t *idx)
{
	struct dns01_rec *nv, r;
	size_t i;

	memset(&r, 0, sizeof(r));
	for (i = 0; i < d->nrecs; i++) {
		if (strcmp(d->recs[i].name, name) == 0) {
			*idx = i;
			return 0;
		}
	}
	r.zone = zone;
	*idx = d->nrecs;
	if ((r.name = str_dup(name)) == NULL ||
	    (nv = s_append(d->recs, &d->nrecs, &r, sizeof(r))) == NULL) {
		free(r.name);
		return -1;
	}
	d->recs = nv;
	return 0;
}

void dns01_rec_know(struct dns01_rec *r, int found, struct route53_rrset *cur)
{
	route53_rrset_free(&r->seen);
	r->seen = *cur;
	memset(cur, 0, sizeof(*cur));
	r->known = 1;
	r->known_found = found;
}

void dns01_zone_forget(struct dns01 *d, size_t zi)
{
	size_t i;

	for (i = 0; i < d->nrecs; i++) {
		if (d->recs[i].zone != zi)
			continue;
		route53_rrset_free(&d->recs[i].seen);
		d->recs[i].known = 0;
	}
	/* A batch's listing of the zone is as stale: list it again when read. */
	dns01_cache_zone_stale(d, zi);
}

void dns01_cache_zone_stale(struct dns01 *d, size_t zi)
{
	struct dns01_cache *c = d->cache;
	size_t i;

	for (i = 0; c != &d->own && i < c->nlists; i++) {
		if (strcmp(c->lists[i].zone_id, d->zones[zi].id) != 0)
			continue;
		route53_rrsets_free(&c->lists[i].sets);
		c->lists[i].state = 0;
		if (c->lists[i].reads < 1)
			c->lists[i].reads = 1;
	}
}

int dns01_ident_add(struct dns01 *d, const char *name, size_t rec)
{
	struct dns01_ident *nv, id = {NULL, rec};

	if ((id.name = str_dup(name)) == NULL ||
	    (nv = s_append(d->idents, &d->nidents, &id, sizeof(id))) == NULL) {
		free(id.name);
		return -1;
	}
	d->idents = nv;
	return 0;
}

int dns01_rec_value_add(struct dns01_rec *r, const char *value)
{
	char **nv, *v;
	size_t i;

	for (i = 0; i < r->nvalues; i++)
		if (strcmp(r->values[i], value) == 0)
			return 0;
	v = str_dup(value);
	nv = realloc(r->values, (r->nvalues + 1) * sizeof(*nv));
	if (v == NULL || nv == NULL) {
		if (nv)
			r->values = nv;
		free(v);
		return -1;
	}
	r->values = nv;
	r->values[r->nvalues++] = v;
	return 0;
}

static const struct dns01_ident *s_ident(const struct dns01 *d, const char *identifier)
{
	char *n = dns_identifier_normal(identifier);
	const struct dns01_ident *found = NULL;
	size_t i;

	for (i = 0; n && i < d->nidents; i++) {
		if (strcmp(d->idents[i].name, n) == 0) {
			found = &d->idents[i];
			break;
		}
	}
	free(n);
	return found;
}

/*
 * The identifier, else one sharing its challenge record: an ACME server
 * names a wildcard's authorization by its base name ("wildcard": true), so
 * "example.com" finds "*.example.com" (RFC 8555 7.1.4); both values go
 * into _acme-challenge.example.com anyway.
 */
static const struct dns01_ident *s_ident_same_record(const struct dns01 *d, const char *identifier)
{
	const struct dns01_ident *found = s_ident(d, identifier);
	char *want = NULL, *have = NULL;
	size_t i;

	if (found || (want = dns_challenge_name(identifier)) == NULL)
		return found;
	for (i = 0; i < d->nidents && !found; i++) {
		free(have);
		have = dns_challenge_name(d->idents[i].name);
		if (have && strcmp(have, want) == 0)
			found = &d->idents[i];
	}
	free(have);
	free(want);
	return found;
}

static const struct dns01_rec *s_rec_of(const struct dns01 *d, const char *identifier)
{
	const struct dns01_ident *i = d ? s_ident(d, identifier) : NULL;

	return i && i->rec < d->nrecs ? &d->recs[i->rec] : NULL;
}

static const struct dns01_zone *s_zone_of(const struct dns01 *d, const char *identifier)
{
	const struct dns01_rec *r = s_rec_of(d, identifier);

	return r && r->zone < d->nzones ? &d->zones[r->zone] : NULL;
}

const char *dns01_record_name(const struct dns01 *d, const char *identifier)
{
	const struct dns01_rec *r = s_rec_of(d, identifier);

	return r ? r->name : NULL;
}

const char *dns01_zone_id(const struct dns01 *d, const char *identifier)
{
	const struct dns01_zone *z = s_zone_of(d, identifier);

	return z ? z->id : NULL;
}

/*
 * The role entry (credentials, zone list) for role, NULL for the default
 * chain; created on first use. Assuming the role happens here, once per
 * role per dns01 object, or per batch when the objects share a cache;
 * STS's answer is what the user sees on failure.
 */
static struct dns01_role *s_role(struct dns01 *d, const char *role)
{
	struct dns01_cache *c = d->cache;
	struct dns01_role *nv, *r = NULL;
	struct aws_reply reply;
	size_t i;
	int rc;

	memset(&reply, 0, sizeof(reply));
	for (i = 0; i < c->nroles; i++) {
		if ((role == NULL && c->roles[i].role == NULL) ||
		    (role && c->roles[i].role && strcmp(role, c->roles[i].role) == 0)) {
			r = &c->roles[i];
			goto out;
		}
	}
	nv = realloc(c->roles, (c->nroles + 1) * sizeof(*nv));
	if (nv == NULL) {
		dns01_fail(d, "dns-01: out of memory");
		goto out;
	}
	c->roles = nv;
	memset(&c->roles[c->nroles], 0, sizeof(*nv));
	if (role && (c->roles[c->nroles].role = str_dup(role)) == NULL) {
		dns01_fail(d, "dns-01: out of memory");
		goto out;
	}
	r = &c->roles[c->nroles++];
out:
	if (r && r->role && r->creds == NULL) {
		rc = sts_assume_role(r->role, "aaa-dns01", NULL, 0, NULL, &r->creds, &reply);
		if (rc != 0) {
			dns01_fail_aws(d, &reply, "cannot assume zone role %s: %s", r->role,
				       reply.message ? reply.message : "STS AssumeRole failed");
			d->fail_kind = DNS01_ROLE_FAILED;
			r = NULL;
		}
	}
	aws_reply_free(&reply);
	return r;
}

const struct aws_credentials *dns01_zone_creds(struct dns01 *d, const struct dns01_zone *z, int *ok)
{
	struct dns01_role *r;

	*ok = 1;
	if (z->role == NULL)
		return NULL;
	r = s_role(d, z->role);
	if (r == NULL)
		*ok = 0;
	return r ? r->creds : NULL;
}

/* The hosted zones these credentials see, listed once per dns01 object
 * (once per batch with a shared cache). A failed listing is not kept: the
 * next certificate of a batch tries again. */
static int s_role_list(struct dns01 *d, struct dns01_role *r)
{
	struct aws_reply reply;
	int rc;

	if (r->listed)
		return 0;
	rc = route53_list_hosted_zones(r->creds, &r->zones, NULL, &reply);
	if (rc != 0) {
		dns01_fail_aws(d, &reply, "cannot list Route53 hosted zones%s%s: %s",
			       r->role ? " as " : "", r->role ? r->role : "",
			       reply.message ? reply.message : "failed");
		route53_zones_free(&r->zones);
	} else {
		r->listed = 1;
	}
	aws_reply_free(&reply);
	return rc == 0 ? 0 : -1;
}

/*
 * The simple CNAME and TXT record sets at name, from one
 * ListResourceRecordSets that starts at name (Route53 lists a name's types
 * together, CNAME before TXT). 0, or 1/-1 as route53.h.
 */
static int s_read_name(const char *zone_id, const char *name, const struct aws_credentials *creds,
		       struct route53_rrset *cname, int *cname_found, struct route53_rrset *txt,
		       int *txt_found, struct aws_reply *reply)
{
	struct route53_rrsets list;
	char *want = NULL, *have = NULL;
	size_t i;
	int rc;

	*cname_found = *txt_found = 0;
	rc = route53_list_rrsets(zone_id, name, NULL, 10, creds, &list, reply);
	if (rc != 0)
		goto out;
	rc = -1;
	if ((want = route53_name_normal(name)) == NULL)
		goto out;
	for (i = 0; i < list.n; i++) {
		struct route53_rrset *r = &list.v[i];

		free(have);
		if ((have = route53_name_normal(r->name)) == NULL)
			goto out;
		if (strcmp(have, want) != 0 || r->set_identifier != NULL)
			continue;
		if (strcmp(r->type, "CNAME") == 0 && !*cname_found) {
			*cname = *r;
			*cname_found = 1;
		} else if (strcmp(r->type, "TXT") == 0 && !*txt_found) {
			*txt = *r;
			*txt_found = 1;
		} else {
			continue;
		}
		memset(r, 0, sizeof(*r));
	}
	rc = 0;
out:
	if (rc == -1 && reply->message == NULL)
		reply->message = str_printf("Route53 ListResourceRecordSets: out of memory");
	route53_rrsets_free(&list);
	free(want);
	free(have);
	return rc;
}

/* Pages of a zone's listing a batch reads instead of names one by one. */
#define DNS01_LIST_PAGES_MAX 4

static int s_rrset_copy(const struct route53_rrset *src, struct route53_rrset *dst)
{
	size_t i;

	memset(dst, 0, sizeof(*dst));
	dst->ttl = src->ttl;
	dst->alias = src->alias;
	if ((src->name && !(dst->name = str_dup(src->name))) ||
	    (src->type && !(dst->type = str_dup(src->type))) ||
	    (src->set_identifier && !(dst->set_identifier = str_dup(src->set_identifier))))
		goto fail;
	if (src->nvalues) {
		if (!(dst->values = calloc(src->nvalues, sizeof(*dst->values))))
			goto fail;
		for (i = 0; i < src->nvalues; i++) {
			if (!(dst->values[i] = str_dup(src->values[i])))
				goto fail;
			dst->nvalues = i + 1;
		}
	}
	return 0;
fail:
	route53_rrset_free(dst);
	return -1;
}

/* Every record set of the zone, a page after another, up to the cap. */
static int s_list_zone(struct dns01_zone_list *l, const struct aws_credentials *creds,
		       struct aws_reply *reply)
{
	struct route53_rrsets page, *all = &l->sets;
	char *next = NULL, *next_type = NULL;
	unsigned pages = 0;
	int rc;

	for (;;) {
		struct route53_rrset *nv;

		memset(&page, 0, sizeof(page));
		aws_reply_free(reply);
		rc = route53_list_rrsets(l->zone_id, next, next ? next_type : NULL, 0, creds, &page,
					 reply);
		free(next);
		free(next_type);
		next = next_type = NULL;
		if (rc != 0)
			return rc;
		pages++;
		nv = page.n ? realloc(all->v, (all->n + page.n) * sizeof(*nv)) : all->v;
		if (page.n && nv == NULL) {
			route53_rrsets_free(&page);
			return -1;
		}
		all->v = nv;
		if (page.n)
			memcpy(all->v + all->n, page.v, page.n * sizeof(*nv));
		all->n += page.n;
		free(page.v);
		page.v = NULL;
		page.n = 0;
		if (!page.truncated || !page.next_name) {
			route53_rrsets_free(&page);
			l->state = 1;
			return 0;
		}
		if (pages >= DNS01_LIST_PAGES_MAX) {
			route53_rrsets_free(&page);
			route53_rrsets_free(all);
			l->state = -1;
			return 0;
		}
		next = page.next_name;
		next_type = page.next_type;
		page.next_name = page.next_type = NULL;
		route53_rrsets_free(&page);
	}
}

static int s_read_name(const char *zone_id, const char *name, const struct aws_credentials *creds,
		       struct route53_rrset *cname, int *cname_found, struct route53_rrset *txt,
		       int *txt_found, struct aws_reply *reply);

/*
 * s_read_name through a batch's cache: the first name of a zone is read
 * alone (a batch of one pays nothing more); at the second, the zone is
 * listed whole, up to DNS01_LIST_PAGES_MAX pages, and every later name of
 * it is answered from that listing. A bigger zone is read name by name.
 * The listing is what the batch publishes from; another writer's change
 * since makes Route53 refuse the change, and publishing reads again.
 */
/* A copy of the record set name/type of a zone's listing, when it has
 * one. 0, or -1 on OOM. */
static int s_take_listed(struct route53_rrsets *sets, const char *name, const char *type,
			 struct route53_rrset *out, int *found)
{
	struct route53_rrset *set = NULL;
	int rc = route53_rrsets_find(sets, name, type, &set);

	if (rc == 1 && s_rrset_copy(set, out))
		return -1;
	*found = rc == 1;
	return rc < 0 ? -1 : 0;
}

static int s_read_cached(struct dns01 *d, const char *zone_id, const char *name,
			 const struct aws_credentials *creds, struct route53_rrset *cname,
			 int *cname_found, struct route53_rrset *txt, int *txt_found,
			 struct aws_reply *reply)
{
	struct dns01_cache *c = d->cache;
	struct dns01_zone_list *l = NULL, *nv;
	size_t i;
	int rc;

	if (c == &d->own)
		return s_read_name(zone_id, name, creds, cname, cname_found, txt, txt_found, reply);
	for (i = 0; i < c->nlists && !l; i++)
		if (strcmp(c->lists[i].zone_id, zone_id) == 0)
			l = &c->lists[i];
	if (!l) {
		if (!(nv = realloc(c->lists, (c->nlists + 1) * sizeof(*nv))))
			return -1;
		c->lists = nv;
		l = &c->lists[c->nlists];
		memset(l, 0, sizeof(*l));
		if (!(l->zone_id = str_dup(zone_id)))
			return -1;
		c->nlists++;
	}
	if (l->state == 0 && l->reads >= 1) {
		rc = s_list_zone(l, creds, reply);
		if (rc != 0) {
			route53_rrsets_free(&l->sets);
			return rc;
		}
		log_debug("zone %s: %s", zone_id,
			  l->state == 1 ? "listed whole for the batch"
					: "too big to list, reading names one by one");
	}
	if (l->state != 1) {
		l->reads++;
		return s_read_name(zone_id, name, creds, cname, cname_found, txt, txt_found, reply);
	}
	*cname_found = *txt_found = 0;
	if ((rc = s_take_listed(&l->sets, name, "CNAME", cname, cname_found)) == 0)
		rc = s_take_listed(&l->sets, name, "TXT", txt, txt_found);
	if (rc == -1 && reply->message == NULL)
		reply->message = str_printf("Route53 ListResourceRecordSets: out of memory");
	return rc;
}

int dns01_read_txt(struct dns01 *d, const char *zone_id, const char *name,
		   const struct aws_credentials *creds, struct route53_rrset *txt, int *found,
		   struct aws_reply *reply)
{
	struct route53_rrset cname;
	int cname_found = 0, rc;

	if (d->cache == &d->own)
		return route53_get_rrset(zone_id, name, "TXT", creds, txt, found, reply);
	memset(&cname, 0, sizeof(cname));
	rc = s_read_cached(d, zone_id, name, creds, &cname, &cname_found, txt, found, reply);
	route53_rrset_free(&cname);
	return rc;
}

/*
 * One identifier: the record name, its zone, and any CNAME on it followed
 * into the zone it points to (a common way to keep the ACME agent's
 * permissions to one small zone: _acme-challenge.example.com CNAME
 * example.com.acme.example.net). Each hop looks up explicit zone ids and
 * roles for the name at that hop.
 */
static int s_resolve_one(struct dns01 *d, const char *identifier)
{
	char *ident = NULL, *rname = NULL, *explicit_id = NULL, *role = NULL, *target = NULL;
	char *zname = NULL, *first = NULL;
	struct route53_rrset rr, txt;
	struct aws_reply reply;
	struct dns01_role *r;
	const struct route53_zone *z;
	size_t zi, ri;
	long idx;
	unsigned hops = 0;
	int found, txt_found = 0, rc = -1, arc;

	memset(&reply, 0, sizeof(reply));
	memset(&rr, 0, sizeof(rr));
	memset(&txt, 0, sizeof(txt));
	ident = dns_identifier_normal(identifier);
	rname = dns_challenge_name(identifier);
	if (ident == NULL || rname == NULL) {
		dns01_fail(d, "dns-01: \"%s\" is not a DNS name", identifier ? identifier : "");
		goto out;
	}
	if (s_ident(d, ident)) {
		rc = 0;
		goto out;
	}
	if ((first = str_dup(rname)) == NULL)
		goto oom;
	for (;;) {
		free(explicit_id);
		free(role);
		explicit_id = role = NULL;
		if (dns_opt_lookup((const char *const *)d->zone_ids, d->nzone_ids, rname,
				   &explicit_id) ||
		    dns_opt_lookup((const char *const *)d->zone_roles, d->nzone_roles, rname,
				   &role))
			goto oom;
		if ((r = s_role(d, role)) == NULL || s_role_list(d, r))
			goto out;
		idx = dns_zone_choose(rname, r->zones.v, r->zones.n, explicit_id);
		if (idx < 0) {
			if (explicit_id)
				dns01_fail(d,
					   "%s: hosted zone %s (given for it) was not found or "
					   "does not hold %s; check the zone id%s%s",
					   ident, route53_id_bare(explicit_id), rname,
					   role ? " and role " : "", role ? role : "");
			else if (hops)
				dns01_fail(d,
					   "%s: %s is a CNAME to %s, which is in no Route53 hosted "
					   "zone these credentials can see; create that zone or "
					   "give its role with a zone role option",
					   ident, first, rname);
			else
				dns01_fail(d,
					   "%s: no Route53 hosted zone holds %s; create a hosted "
					   "zone for %s or a parent domain, give an explicit zone "
					   "id, or CNAME %s into a zone you have",
					   ident, rname, rname + strlen("_acme-challenge."), rname);
			if (!explicit_id)
				d->fail_kind = hops ? DNS01_CNAME_NO_ZONE : DNS01_NO_ZONE;
			goto out;
		}
		z = &r->zones.v[idx];
		free(zname);
		if ((zname = route53_name_normal(z->name)) == NULL)
			goto oom;
		route53_rrset_free(&rr);
		route53_rrset_free(&txt);
		aws_reply_free(&reply);
		/* One read for both questions: a CNAME on the name, and the TXT
		 * set publishing will change (kept as this process's belief). */
		arc =
		    s_read_cached(d, z->id, rname, r->creds, &rr, &found, &txt, &txt_found, &reply);
		if (arc != 0) {
			dns01_fail_aws(d, &reply, "%s: cannot read %s in zone %s (%s): %s", ident,
				       rname, zname, z->id,
				       reply.message ? reply.message : "failed");
			goto out;
		}
		if (!found || rr.nvalues == 0)
			break;
		if (++hops > DNS01_MAX_CNAME) {
			dns01_fail(d, "%s: more than %d CNAMEs from %s (a loop?)", ident,
				   DNS01_MAX_CNAME, first);
			goto out;
		}
		free(target);
		if ((target = route53_name_normal(rr.values[0])) == NULL)
			goto oom;
		log_info("%s: %s is a CNAME to %s, following it", ident, rname, target);
		free(rname);
		rname = target;
		target = NULL;
	}
	if (dns01_zone_add(d, z->id, zname, role, &zi) || dns01_rec_add(d, rname, zi, &ri) ||
	    dns01_ident_add(d, ident, ri))
		goto oom;
	dns01_rec_know(&d->recs[ri], txt_found, &txt);
	log_debug("%s: TXT %s in zone %s (%s)", ident, rname, zname, z->id);
	rc = 0;
	goto out;
oom:
	dns01_fail(d, "dns-01: out of memory");
out:
	route53_rrset_free(&rr);
	route53_rrset_free(&txt);
	aws_reply_free(&reply);
	free(ident);
	free(rname);
	free(first);
	free(explicit_id);
	free(role);
	free(target);
	free(zname);
	return rc;
}

int dns01_resolve(struct dns01 *d, const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < d->nzone_ids; i++)
		if (!dns_opt_valid(d->zone_ids[i]) ||
		    !route53_id_valid(route53_id_bare(strchr(d->zone_ids[i], '=') + 1)))
			return dns01_fail(d, "zone id option \"%s\": expected DOMAIN=ZONEID",
					  d->zone_ids[i]);
	for (i = 0; i < d->nzone_roles; i++)
		if (!dns_opt_valid(d->zone_roles[i]))
			return dns01_fail(d, "zone role option \"%s\": expected DOMAIN=ROLE_ARN",
					  d->zone_roles[i]);
	for (i = 0; i < n; i++)
		if (s_resolve_one(d, names[i]))
			return -1;
	return 0;
}

int dns01_add(struct dns01 *d, const char *identifier, const char *txt_value)
{
	const struct dns01_ident *id = s_ident_same_record(d, identifier);

	if (id == NULL)
		return dns01_fail(d, "dns-01: %s was not resolved before adding its value",
				  identifier ? identifier : "(null)");
	if (txt_value == NULL || *txt_value == '\0')
		return dns01_fail(d, "dns-01: empty TXT value for %s", identifier);
	if (dns01_rec_value_add(&d->recs[id->rec], txt_value))
		return dns01_fail(d, "dns-01: out of memory");
	return 0;
}

int dns01_find_zone(const char *name, const struct dns01_opts *opts, char **zone_id,
		    char **zone_name, struct aaa_err *err)
{
	struct dns01 *d = dns01_new(opts);
	const struct dns01_zone *z;
	const char *names[1] = {name};
	int rc = -1;

	*zone_id = *zone_name = NULL;
	if (d == NULL) {
		err_set(err, "internal", "", "dns-01: out of memory");
		goto out;
	}
	if (dns01_resolve(d, names, 1)) {
		err_copy(err, &d->err);
		rc = d->fail_kind < 0 ? d->fail_kind : -1;
		goto out;
	}
	z = s_zone_of(d, name);
	if (z == NULL) {
		err_set(err, "dns", "", "no hosted zone found");
		goto out;
	}
	*zone_id = str_dup(z->id);
	*zone_name = str_dup(z->name);
	if (*zone_id == NULL || *zone_name == NULL) {
		free(*zone_id);
		free(*zone_name);
		*zone_id = *zone_name = NULL;
		err_set(err, "internal", "", "dns-01: out of memory");
		goto out;
	}
	rc = 0;
out:
	dns01_free(d);
	return rc;
}
