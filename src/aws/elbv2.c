/*
 * ELBv2 listener certificate client. See elbv2.h.
 */
#define _GNU_SOURCE
#include "aws/elbv2.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/query.h"
#include "util/buf.h"
#include "util/mem.h"
#include "xml/xml.h"

#define ELBV2_VERSION "2015-12-01"

/* arn:partition:service:region:account:resource, the resource holding '/'. */
int elbv2_listener_arn_region(const char *arn, char **region)
{
	const char *f[6], *p = arn;
	size_t i, rlen;
	int rc = -1;

	*region = NULL;
	if (arn == NULL || strlen(arn) > 2048)
		goto out;
	f[0] = p;
	for (i = 1; i < 6; i++) {
		p = strchr(p, ':');
		if (p == NULL)
			goto out;
		f[i] = ++p;
	}
	if (strncmp(f[0], "arn:", 4) != 0 || f[2] == f[1] + 1 ||
	    strncmp(f[2], "elasticloadbalancing:", 21) != 0 || strncmp(f[5], "listener/", 9) != 0 ||
	    strchr(f[5], ':') != NULL || strchr(f[5], ' ') != NULL || f[5][9] == '\0')
		goto out;
	rlen = (size_t)(f[4] - f[3] - 1);
	*region = str_ndup(f[3], rlen);
	if (*region == NULL || !aws_region_valid(*region))
		goto out;
	rc = 0;
out:
	if (rc != 0) {
		free(*region);
		*region = NULL;
	}
	return rc;
}

/* One call with ListenerArn and an optional one-certificate list. */
static int s_cert_call(const char *action, const char *region, const char *listener,
		       const char *cert_arn, xmlDoc **doc, struct aws_reply *reply)
{
	struct buf b = BUF_INIT;
	int rc = -1;

	memset(reply, 0, sizeof(*reply));
	*doc = NULL;
	if (aws_query_start(&b, action, ELBV2_VERSION) ||
	    aws_query_add(&b, "ListenerArn", listener) ||
	    (cert_arn && aws_query_add(&b, "Certificates.member.1.CertificateArn", cert_arn))) {
		reply->message = str_printf("ELBv2 %s: out of memory", action);
		goto out;
	}
	rc = aws_query_call(AWS_ELBV2, region, action, listener, &b, doc, reply);
out:
	buf_free(&b);
	return rc;
}

static int s_simple(const char *action, const char *region, const char *listener,
		    const char *cert_arn, struct aws_reply *reply)
{
	xmlDoc *doc = NULL;
	int rc = s_cert_call(action, region, listener, cert_arn, &doc, reply);

	if (doc)
		xmlFreeDoc(doc);
	return rc;
}

int elbv2_set_default_cert(const char *region, const char *listener, const char *cert_arn,
			   struct aws_reply *reply)
{
	return s_simple("ModifyListener", region, listener, cert_arn, reply);
}

int elbv2_add_cert(const char *region, const char *listener, const char *cert_arn,
		   struct aws_reply *reply)
{
	return s_simple("AddListenerCertificates", region, listener, cert_arn, reply);
}

int elbv2_remove_cert(const char *region, const char *listener, const char *cert_arn,
		      struct aws_reply *reply)
{
	return s_simple("RemoveListenerCertificates", region, listener, cert_arn, reply);
}

int elbv2_default_cert(const char *region, const char *listener, char **cert_arn,
		       struct aws_reply *reply)
{
	struct buf b = BUF_INIT;
	xmlDoc *doc = NULL;
	xmlNode *l;
	int rc = -1;

	memset(reply, 0, sizeof(*reply));
	*cert_arn = NULL;
	if (aws_query_start(&b, "DescribeListeners", ELBV2_VERSION) ||
	    aws_query_add(&b, "ListenerArns.member.1", listener)) {
		reply->message = str_dup("ELBv2 DescribeListeners: out of memory");
		goto out;
	}
	rc = aws_query_call(AWS_ELBV2, region, "DescribeListeners", listener, &b, &doc, reply);
	if (rc != 0)
		goto out;
	l = xml_path(xml_root(doc), "DescribeListenersResult/Listeners/member");
	if (l == NULL) {
		reply->message = str_printf("ELBv2 DescribeListeners %s: no such listener in the "
					    "answer",
					    listener);
		rc = -1;
		goto out;
	}
	*cert_arn = xml_path_text(l, "Certificates/member/CertificateArn");
out:
	buf_free(&b);
	if (doc)
		xmlFreeDoc(doc);
	return rc;
}

void elbv2_cert_list_clear(struct elbv2_cert_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->items[i].arn);
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

int elbv2_parse_certs_page(const char *xml, size_t len, struct elbv2_cert_list *out, char **marker)
{
	xmlDoc *doc = xml_parse(xml, len, "ELBv2 DescribeListenerCertificates answer");
	xmlNode *res, *m;
	struct elbv2_cert *grown;
	char *arn = NULL, *def = NULL;
	int rc = -1;

	*marker = NULL;
	res = doc ? xml_child(xml_root(doc), "DescribeListenerCertificatesResult") : NULL;
	if (res == NULL)
		goto out;
	for (m = xml_path(res, "Certificates/member"); m; m = xml_next(m)) {
		free(arn);
		free(def);
		def = NULL;
		arn = xml_path_text(m, "CertificateArn");
		if (arn == NULL)
			goto out;
		def = xml_path_text(m, "IsDefault");
		grown = realloc(out->items, (out->n + 1) * sizeof(*grown));
		if (grown == NULL)
			goto out;
		out->items = grown;
		out->items[out->n].arn = arn;
		out->items[out->n].is_default = def && strcmp(def, "true") == 0;
		out->n++;
		arn = NULL;
	}
	*marker = xml_path_text(res, "NextMarker");
	if (*marker && **marker == '\0') {
		free(*marker);
		*marker = NULL;
	}
	rc = 0;
out:
	free(arn);
	free(def);
	if (doc)
		xmlFreeDoc(doc);
	return rc;
}

static int s_certs_page(void *ctx, xmlDoc *doc, const struct aws_reply *reply, char **next)
{
	(void)doc;
	return elbv2_parse_certs_page(reply->resp.body.data, reply->resp.body.len, ctx, next);
}

int elbv2_list_certs(const char *region, const char *listener, struct elbv2_cert_list *out,
		     struct aws_reply *reply)
{
	const struct aws_query_listing l = {
	    .region = region,
	    .version = ELBV2_VERSION,
	    .what = "ELBv2 DescribeListenerCertificates",
	    .param = "ListenerArn",
	    .value = listener,
	    .page = s_certs_page,
	    .ctx = out,
	};

	memset(reply, 0, sizeof(*reply));
	return aws_query_list(AWS_ELBV2, "DescribeListenerCertificates", &l, NULL, reply);
}

/* Appends a copy of s to the string list. 0/-1. */
static int s_push(char ***list, size_t *n, const char *s)
{
	char **grown = realloc(*list, (*n + 1) * sizeof(*grown));

	if (grown == NULL)
		return -1;
	*list = grown;
	if ((grown[*n] = str_dup(s)) == NULL)
		return -1;
	(*n)++;
	return 0;
}

static void s_free_list(char **list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

/* What s_collect gathers from each page. */
struct s_collect_ctx {
	const char *result;  /* "<action>Result" */
	const char *members; /* a path from the result element */
	const char *field;   /* the text appended, a path from a member */
	const char *filter;  /* NULL, or a path whose text must be HTTPS or TLS */
	char ***list;
	size_t *n;
};

static int s_collect_page(void *ctx, xmlDoc *doc, const struct aws_reply *reply, char **next)
{
	struct s_collect_ctx *c = ctx;
	xmlNode *res = xml_child(xml_root(doc), c->result), *m;
	char *text = NULL, *proto = NULL;
	int rc = -1;

	(void)reply;
	if (res == NULL)
		return -1;
	for (m = xml_path(res, c->members); m; m = xml_next(m)) {
		free(text);
		free(proto);
		proto = NULL;
		text = xml_path_text(m, c->field);
		if (text == NULL)
			continue;
		if (c->filter) {
			proto = xml_path_text(m, c->filter);
			if (proto == NULL ||
			    (strcmp(proto, "HTTPS") != 0 && strcmp(proto, "TLS") != 0))
				continue;
		}
		if (s_push(c->list, c->n, text) != 0)
			goto out;
	}
	*next = xml_path_text(res, "NextMarker");
	rc = 0;
out:
	free(text);
	free(proto);
	return rc;
}

/*
 * One paged Describe* call: action with name=value (value may be NULL),
 * following NextMarker; for each element at members (a path from the
 * result element) the text at field is appended to *list when filter
 * (a path) is NULL or its text is one of the protocols we care about.
 */
static int s_collect(const char *region, const char *action, const char *name, const char *value,
		     const char *members, const char *field, const char *filter, char ***list,
		     size_t *n, struct aws_reply *reply)
{
	char result[96], what[128];
	struct s_collect_ctx c = {result, members, field, filter, list, n};
	const struct aws_query_listing l = {
	    .region = region,
	    .version = ELBV2_VERSION,
	    .what = what,
	    .param = name,
	    .value = value,
	    .page = s_collect_page,
	    .ctx = &c,
	};

	snprintf(result, sizeof(result), "%sResult", action);
	snprintf(what, sizeof(what), "ELBv2 %s", action);
	return aws_query_list(AWS_ELBV2, action, &l, NULL, reply);
}

int elbv2_certs_in_use(const char *region, struct elbv2_cert_list *out, struct aws_reply *reply)
{
	char **lbs = NULL, **listeners = NULL;
	size_t nlb = 0, nl = 0, i;
	int rc = -1;

	memset(reply, 0, sizeof(*reply));
	rc = s_collect(region, "DescribeLoadBalancers", NULL, NULL, "LoadBalancers/member",
		       "LoadBalancerArn", NULL, &lbs, &nlb, reply);
	for (i = 0; rc == 0 && i < nlb; i++)
		rc = s_collect(region, "DescribeListeners", "LoadBalancerArn", lbs[i],
			       "Listeners/member", "ListenerArn", "Protocol", &listeners, &nl,
			       reply);
	for (i = 0; rc == 0 && i < nl; i++) {
		aws_reply_free(reply);
		rc = elbv2_list_certs(region, listeners[i], out, reply);
	}
	s_free_list(lbs, nlb);
	s_free_list(listeners, nl);
	return rc;
}
