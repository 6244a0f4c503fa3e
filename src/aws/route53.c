/*
 * Route53 over aws_call. See route53.h.
 */
#define _GNU_SOURCE
#include "aws/route53.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/paging.h"
#include "log/log.h"
#include "util/buf.h"
#include "util/mem.h"
#include "xml/xml.h"

#define R53_API "/2013-04-01"
#define R53_NS	"https://route53.amazonaws.com/doc/2013-04-01/"

const char *const route53_action_names[ROUTE53_ACTION_MAX] = {"CREATE", "DELETE", "UPSERT"};

static void s_init(struct aws_call *c, const char *op, const char *method, const char *path,
		   const char *resource, const struct aws_credentials *creds)
{
	aws_call_init(c, AWS_ROUTE53, op, method, path, resource);
	c->credentials = creds;
}

/* An answer that is 2xx but not the XML we expect is a failure with no AWS
 * error code: say so in the reply, as aws_call does for transport errors. */
static int s_bad_answer(struct aws_reply *reply, const char *op, const char *resource)
{
	free(reply->message);
	reply->message = str_printf("Route53 %s%s%s: the answer is not the expected XML", op,
				    resource ? " " : "", resource ? resource : "");
	return -1;
}

static int s_query_add(struct buf *q, const char *name, const char *value)
{
	return buf_printf(q, "%s%s=", q->len ? "&" : "", name) ||
	       aws_uri_encode_buf(q, value, strlen(value), 1);
}

const char *route53_id_bare(const char *id)
{
	const char *slash;

	if (id == NULL)
		return NULL;
	/* "/hostedzone/Z1", "hostedzone/Z1", "/change/C1": the last segment. */
	slash = strrchr(id, '/');
	return slash ? slash + 1 : id;
}

int route53_id_valid(const char *id)
{
	size_t i;

	if (id == NULL || *id == '\0')
		return 0;
	for (i = 0; id[i]; i++) {
		unsigned char c = (unsigned char)id[i];

		if (i >= 64 || !(isalnum(c) || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

char *route53_name_normal(const char *name)
{
	struct buf b = BUF_INIT;
	const char *p;
	char c;

	if (name == NULL || buf_append(&b, "", 0))
		goto fail;
	for (p = name; *p; p++) {
		c = *p;
		/* Route53 answers with \ddd for characters outside [a-z0-9-_.]
		 * ("\052" for the wildcard's '*'). */
		if (c == '\\' && isdigit((unsigned char)p[1]) && isdigit((unsigned char)p[2]) &&
		    isdigit((unsigned char)p[3])) {
			c = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
			p += 3;
		}
		c = (char)tolower((unsigned char)c);
		if (buf_append(&b, &c, 1))
			goto fail;
	}
	while (b.len > 0 && b.data[b.len - 1] == '.')
		b.data[--b.len] = '\0';
	return buf_steal(&b);
fail:
	buf_free(&b);
	return NULL;
}

/*
 * Route53 TXT quirk: a value is written in zone-file syntax, not as raw
 * bytes. Each DNS character-string is enclosed in double quotes, '"' and '\'
 * inside are backslash-escaped, other non-printable bytes are \ddd octal,
 * and one character-string holds at most 255 bytes, so a longer value must
 * be sent as several quoted strings separated by a space
 * ("aaa..." "bbb..."), which resolvers join back into one value. The 255 is
 * counted on the unescaped bytes.
 */
char *route53_txt_quote(const char *value)
{
	struct buf b = BUF_INIT;
	size_t i, in_chunk = 0;
	int rc = -1;

	if (value == NULL)
		goto out;
	if (buf_append_str(&b, "\""))
		goto out;
	for (i = 0; value[i]; i++) {
		unsigned char c = (unsigned char)value[i];

		if (in_chunk == ROUTE53_TXT_CHUNK) {
			if (buf_append_str(&b, "\" \""))
				goto out;
			in_chunk = 0;
		}
		if (c == '"' || c == '\\') {
			if (buf_printf(&b, "\\%c", c))
				goto out;
		} else if (c < 0x20 || c >= 0x7f) {
			if (buf_printf(&b, "\\%03o", c))
				goto out;
		} else if (buf_append(&b, &value[i], 1)) {
			goto out;
		}
		in_chunk++;
	}
	if (buf_append_str(&b, "\""))
		goto out;
	rc = 0;
out:
	if (rc != 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/* Reads the zone-file form back: quoted strings (with \X and \ddd escapes)
 * or bare words, separated by blanks, joined. */
char *route53_txt_unquote(const char *wire)
{
	struct buf b = BUF_INIT;
	const char *p = wire;
	char c;

	if (wire == NULL || buf_append(&b, "", 0))
		goto fail;
	while (*p) {
		if (isspace((unsigned char)*p)) {
			p++;
			continue;
		}
		if (*p == '"') {
			p++;
			while (*p && *p != '"') {
				c = *p++;
				if (c == '\\' && *p) {
					if (isdigit((unsigned char)p[0]) &&
					    isdigit((unsigned char)p[1]) &&
					    isdigit((unsigned char)p[2])) {
						c = (char)((p[0] - '0') * 64 + (p[1] - '0') * 8 +
							   (p[2] - '0'));
						p += 3;
					} else {
						c = *p++;
					}
				}
				if (buf_append(&b, &c, 1))
					goto fail;
			}
			if (*p == '"')
				p++;
		} else {
			while (*p && !isspace((unsigned char)*p)) {
				if (buf_append(&b, p, 1))
					goto fail;
				p++;
			}
		}
	}
	return buf_steal(&b);
fail:
	buf_free(&b);
	return NULL;
}

/*
 * Builds the ChangeBatch with libxml2 (never a string template): every
 * name and value is escaped by the library.
 */
char *route53_change_xml(const char *comment, const struct route53_change *changes, size_t n,
			 size_t *len)
{
	xmlDoc *doc = NULL;
	xmlNode *root = NULL, *batch, *list, *ch, *rrs, *recs, *rec;
	char ttl[24];
	size_t i, j;
	int built = 0;

	if (changes == NULL || n == 0)
		goto out;
	doc = xml_new_doc("ChangeResourceRecordSetsRequest", R53_NS, &root);
	if (doc == NULL || (batch = xml_add(root, "ChangeBatch", NULL)) == NULL)
		goto out;
	if (comment && xml_add(batch, "Comment", comment) == NULL)
		goto out;
	if ((list = xml_add(batch, "Changes", NULL)) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		const struct route53_change *c = &changes[i];

		if ((unsigned)c->action >= ROUTE53_ACTION_MAX || c->name == NULL ||
		    c->type == NULL || c->nvalues == 0)
			goto out;
		snprintf(ttl, sizeof(ttl), "%ld", c->ttl);
		if ((ch = xml_add(list, "Change", NULL)) == NULL ||
		    xml_add(ch, "Action", route53_action_names[c->action]) == NULL ||
		    (rrs = xml_add(ch, "ResourceRecordSet", NULL)) == NULL ||
		    xml_add(rrs, "Name", c->name) == NULL ||
		    xml_add(rrs, "Type", c->type) == NULL || xml_add(rrs, "TTL", ttl) == NULL ||
		    (recs = xml_add(rrs, "ResourceRecords", NULL)) == NULL)
			goto out;
		for (j = 0; j < c->nvalues; j++) {
			if ((rec = xml_add(recs, "ResourceRecord", NULL)) == NULL ||
			    xml_add(rec, "Value", c->values[j]) == NULL)
				goto out;
		}
	}
	built = 1;
out:
	return xml_finish(doc, built, len);
}

static int s_flag(const xmlNode *n, const char *path)
{
	char *t = xml_path_text(n, path);
	int v = t && strcmp(t, "true") == 0;

	free(t);
	return v;
}

/* Takes the text at path as a bare id; NULL when absent. -1 on OOM only. */
static int s_bare_id(const xmlNode *n, const char *path, char **out)
{
	char *t = xml_path_text(n, path);
	int rc = 0;

	*out = NULL;
	if (t == NULL)
		return 0;
	*out = str_dup(route53_id_bare(t));
	if (*out == NULL)
		rc = -1;
	free(t);
	return rc;
}

/* Parses a ListHostedZonesResponse (its HostedZones list and paging
 * fields); appends to out. */
int route53_parse_zones(const char *xml, size_t len, struct route53_zones *out)
{
	xmlDoc *doc = NULL;
	xmlNode *root, *list, *z;
	struct route53_zone *nv;
	int rc = -1;

	doc = xml_parse(xml, len, "Route53 hosted zone list");
	if (doc == NULL || (root = xml_root(doc)) == NULL)
		goto out;
	list = xml_child(root, "HostedZones");
	if (list == NULL)
		goto out;
	for (z = xml_child(list, "HostedZone"); z; z = xml_next(z)) {
		struct route53_zone zz = {NULL, NULL, 0};

		if (s_bare_id(z, "Id", &zz.id) || zz.id == NULL ||
		    (zz.name = xml_path_text(z, "Name")) == NULL) {
			free(zz.id);
			free(zz.name);
			goto out;
		}
		zz.private_zone = s_flag(z, "Config/PrivateZone");
		nv = realloc(out->v, (out->n + 1) * sizeof(*nv));
		if (nv == NULL) {
			free(zz.id);
			free(zz.name);
			goto out;
		}
		out->v = nv;
		out->v[out->n++] = zz;
	}
	out->truncated = s_flag(root, "IsTruncated");
	free(out->next_marker);
	out->next_marker = xml_path_text(root, "NextMarker");
	rc = 0;
out:
	if (doc)
		xmlFreeDoc(doc);
	if (rc != 0)
		route53_zones_free(out);
	return rc;
}

static int s_parse_rrset(const xmlNode *s, struct route53_rrset *r)
{
	xmlNode *recs, *rec;
	char *t = NULL, *end;
	char **nv;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	r->ttl = -1;
	r->name = xml_path_text(s, "Name");
	r->type = xml_path_text(s, "Type");
	if (r->name == NULL || r->type == NULL)
		goto out;
	r->set_identifier = xml_path_text(s, "SetIdentifier");
	r->alias = xml_child(s, "AliasTarget") != NULL;
	t = xml_path_text(s, "TTL");
	if (t) {
		errno = 0;
		r->ttl = strtol(t, &end, 10);
		if (errno || end == t || *end)
			goto out;
	}
	recs = xml_child(s, "ResourceRecords");
	for (rec = recs ? xml_child(recs, "ResourceRecord") : NULL; rec; rec = xml_next(rec)) {
		char *v = xml_path_text(rec, "Value");

		if (v == NULL)
			goto out;
		nv = realloc(r->values, (r->nvalues + 1) * sizeof(*nv));
		if (nv == NULL) {
			free(v);
			goto out;
		}
		r->values = nv;
		r->values[r->nvalues++] = v;
	}
	rc = 0;
out:
	free(t);
	if (rc != 0)
		route53_rrset_free(r);
	return rc;
}

int route53_parse_rrsets(const char *xml, size_t len, struct route53_rrsets *out)
{
	xmlDoc *doc = NULL;
	xmlNode *root, *list, *s;
	struct route53_rrset *nv;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	doc = xml_parse(xml, len, "Route53 record set list");
	if (doc == NULL || (root = xml_root(doc)) == NULL)
		goto out;
	list = xml_child(root, "ResourceRecordSets");
	if (list == NULL)
		goto out;
	for (s = xml_child(list, "ResourceRecordSet"); s; s = xml_next(s)) {
		struct route53_rrset r;

		if (s_parse_rrset(s, &r))
			goto out;
		nv = realloc(out->v, (out->n + 1) * sizeof(*nv));
		if (nv == NULL) {
			route53_rrset_free(&r);
			goto out;
		}
		out->v = nv;
		out->v[out->n++] = r;
	}
	out->truncated = s_flag(root, "IsTruncated");
	out->next_name = xml_path_text(root, "NextRecordName");
	out->next_type = xml_path_text(root, "NextRecordType");
	out->next_identifier = xml_path_text(root, "NextRecordIdentifier");
	rc = 0;
out:
	if (doc)
		xmlFreeDoc(doc);
	if (rc != 0)
		route53_rrsets_free(out);
	return rc;
}

int route53_parse_change_info(const char *xml, size_t len, struct route53_change_info *out)
{
	xmlDoc *doc = NULL;
	xmlNode *root, *ci;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	doc = xml_parse(xml, len, "Route53 change info");
	if (doc == NULL || (root = xml_root(doc)) == NULL)
		goto out;
	ci = xml_child(root, "ChangeInfo");
	if (ci == NULL || s_bare_id(ci, "Id", &out->id) || out->id == NULL ||
	    (out->status = xml_path_text(ci, "Status")) == NULL)
		goto out;
	rc = 0;
out:
	if (doc)
		xmlFreeDoc(doc);
	if (rc != 0)
		route53_change_info_free(out);
	return rc;
}

/*
 * Pages through ListHostedZones with the marker; each page's reply is
 * freed at the top of the next pass, so reply holds the last answer.
 */
int route53_list_hosted_zones(const struct aws_credentials *creds, struct route53_zones *out,
			      unsigned *pages, struct aws_reply *reply)
{
	struct aws_call c;
	struct aws_pager pg;
	struct buf q = BUF_INIT;
	int rc = -1, more;

	memset(reply, 0, sizeof(*reply));
	aws_pager_init(&pg, "NextMarker", "Route53 ListHostedZones");
	do {
		buf_free(&q);
		aws_reply_free(reply);
		if (aws_pager_start(&pg, reply) != 0)
			goto out;
		if (pg.marker && s_query_add(&q, "marker", pg.marker))
			goto out;
		s_init(&c, "ListHostedZones", "GET", R53_API "/hostedzone", NULL, creds);
		c.query = q.data;
		rc = aws_call(&c, reply);
		if (rc != 0)
			goto out;
		if (route53_parse_zones(reply->resp.body.data, reply->resp.body.len, out)) {
			rc = s_bad_answer(reply, "ListHostedZones", NULL);
			goto out;
		}
		rc = -1;
		more = aws_pager_next(&pg, out->next_marker, out->truncated ? 1 : 0, reply);
		out->next_marker = NULL;
	} while (more > 0);
	rc = more; /* 0: complete; -1: the pager refused the marker */
out:
	buf_free(&q);
	return aws_pager_end(&pg, rc, "out of memory", pages, reply);
}

int route53_change_rrsets(const char *zone_id, const char *comment,
			  const struct route53_change *changes, size_t n,
			  const struct aws_credentials *creds, struct route53_change_info *info,
			  struct aws_reply *reply)
{
	struct aws_call c;
	struct aws_header h[1] = {{"Content-Type", "text/xml"}};
	char *body = NULL, *path = NULL;
	size_t len = 0;
	int rc = -1;

	memset(reply, 0, sizeof(*reply));
	memset(info, 0, sizeof(*info));
	zone_id = route53_id_bare(zone_id);
	if (!route53_id_valid(zone_id)) {
		reply->message = str_printf("Route53 ChangeResourceRecordSets: invalid zone id");
		goto out;
	}
	body = route53_change_xml(comment, changes, n, &len);
	path = str_printf(R53_API "/hostedzone/%s/rrset/", zone_id);
	if (body == NULL || path == NULL) {
		reply->message = str_printf("Route53 ChangeResourceRecordSets %s: cannot build the "
					    "request",
					    zone_id);
		goto out;
	}
	s_init(&c, "ChangeResourceRecordSets", "POST", path, zone_id, creds);
	c.headers = h;
	c.nheaders = 1;
	c.body = body;
	c.body_len = len;
	rc = aws_call(&c, reply);
	if (rc != 0)
		goto out;
	if (route53_parse_change_info(reply->resp.body.data, reply->resp.body.len, info))
		rc = s_bad_answer(reply, "ChangeResourceRecordSets", zone_id);
out:
	free(body);
	free(path);
	return rc;
}

int route53_get_change(const char *change_id, const struct aws_credentials *creds,
		       struct route53_change_info *info, struct aws_reply *reply)
{
	struct aws_call c;
	char *path = NULL;
	int rc = -1;

	memset(reply, 0, sizeof(*reply));
	memset(info, 0, sizeof(*info));
	change_id = route53_id_bare(change_id);
	if (!route53_id_valid(change_id)) {
		reply->message = str_printf("Route53 GetChange: invalid change id");
		goto out;
	}
	path = str_printf(R53_API "/change/%s", change_id);
	if (path == NULL)
		goto out;
	s_init(&c, "GetChange", "GET", path, change_id, creds);
	rc = aws_call(&c, reply);
	if (rc != 0)
		goto out;
	if (route53_parse_change_info(reply->resp.body.data, reply->resp.body.len, info))
		rc = s_bad_answer(reply, "GetChange", change_id);
out:
	if (rc == -1 && reply->message == NULL)
		reply->message = str_printf("Route53 GetChange: out of memory");
	free(path);
	return rc;
}

int route53_list_rrsets(const char *zone_id, const char *name, const char *type, unsigned max_items,
			const struct aws_credentials *creds, struct route53_rrsets *out,
			struct aws_reply *reply)
{
	struct aws_call c;
	struct buf q = BUF_INIT;
	char *path = NULL, mi[16];
	int rc = -1;

	memset(reply, 0, sizeof(*reply));
	memset(out, 0, sizeof(*out));
	zone_id = route53_id_bare(zone_id);
	if (!route53_id_valid(zone_id)) {
		reply->message = str_printf("Route53 ListResourceRecordSets: invalid zone id");
		goto out;
	}
	if ((name && s_query_add(&q, "name", name)) ||
	    (name && type && s_query_add(&q, "type", type)))
		goto out;
	if (max_items) {
		snprintf(mi, sizeof(mi), "%u", max_items);
		if (s_query_add(&q, "maxitems", mi))
			goto out;
	}
	path = str_printf(R53_API "/hostedzone/%s/rrset", zone_id);
	if (path == NULL)
		goto out;
	s_init(&c, "ListResourceRecordSets", "GET", path, name ? name : zone_id, creds);
	c.query = q.data;
	rc = aws_call(&c, reply);
	if (rc != 0)
		goto out;
	if (route53_parse_rrsets(reply->resp.body.data, reply->resp.body.len, out))
		rc = s_bad_answer(reply, "ListResourceRecordSets", zone_id);
out:
	if (rc == -1 && reply->message == NULL)
		reply->message = str_printf("Route53 ListResourceRecordSets: out of memory");
	buf_free(&q);
	free(path);
	return rc;
}

/*
 * ListResourceRecordSets has no "get": it lists from (name, type) on, in
 * Route53's order, so the first set may be a later name. Asking for a few
 * items and picking the exact simple record set also skips weighted or
 * latency sets that share the name.
 */
int route53_rrsets_find(struct route53_rrsets *l, const char *name, const char *type,
			struct route53_rrset **set)
{
	char *want = route53_name_normal(name), *have = NULL;
	size_t i;
	int rc = -1;

	if (want == NULL)
		return -1;
	for (i = 0; i < l->n; i++) {
		struct route53_rrset *r = &l->v[i];

		free(have);
		if ((have = route53_name_normal(r->name)) == NULL)
			goto out;
		if (strcmp(have, want) == 0 && strcmp(r->type, type) == 0 &&
		    r->set_identifier == NULL) {
			*set = r;
			rc = 1;
			goto out;
		}
	}
	rc = 0;
out:
	free(want);
	free(have);
	return rc;
}

int route53_get_rrset(const char *zone_id, const char *name, const char *type,
		      const struct aws_credentials *creds, struct route53_rrset *out, int *found,
		      struct aws_reply *reply)
{
	struct route53_rrsets list;
	struct route53_rrset *set = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	*found = 0;
	rc = route53_list_rrsets(zone_id, name, type, 10, creds, &list, reply);
	if (rc != 0)
		goto out;
	rc = route53_rrsets_find(&list, name, type, &set);
	if (rc == 1) {
		*out = *set;
		memset(set, 0, sizeof(*set));
		*found = 1;
		rc = 0;
	}
out:
	if (rc == -1 && reply->message == NULL)
		reply->message = str_printf("Route53 ListResourceRecordSets: out of memory");
	route53_rrsets_free(&list);
	return rc;
}

void route53_zones_free(struct route53_zones *z)
{
	size_t i;

	if (z == NULL)
		return;
	for (i = 0; i < z->n; i++) {
		free(z->v[i].id);
		free(z->v[i].name);
	}
	free(z->v);
	free(z->next_marker);
	memset(z, 0, sizeof(*z));
}

void route53_rrset_free(struct route53_rrset *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nvalues; i++)
		free(r->values[i]);
	free(r->values);
	free(r->name);
	free(r->type);
	free(r->set_identifier);
	memset(r, 0, sizeof(*r));
}

void route53_rrsets_free(struct route53_rrsets *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++)
		route53_rrset_free(&r->v[i]);
	free(r->v);
	free(r->next_name);
	free(r->next_type);
	free(r->next_identifier);
	memset(r, 0, sizeof(*r));
}

void route53_change_info_free(struct route53_change_info *c)
{
	if (c == NULL)
		return;
	free(c->id);
	free(c->status);
	memset(c, 0, sizeof(*c));
}
