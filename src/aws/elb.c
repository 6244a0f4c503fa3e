/*
 * Classic ELB client. See elb.h.
 */
#define _GNU_SOURCE
#include "aws/elb.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/query.h"
#include "util/buf.h"
#include "util/mem.h"
#include "xml/xml.h"

#define ELB_VERSION "2012-06-01"

int elb_name_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0, i;

	if (n == 0 || n > 32 || name[0] == '-' || name[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '-')
			return 0;
	return 1;
}

int elb_set_listener_cert(const char *name, unsigned port, const char *cert_arn,
			  struct aws_reply *reply)
{
	struct buf b = BUF_INIT;
	char p[16];
	int rc = -1;

	memset(reply, 0, sizeof(*reply));
	snprintf(p, sizeof(p), "%u", port);
	if (aws_query_start(&b, "SetLoadBalancerListenerSSLCertificate", ELB_VERSION) ||
	    aws_query_add(&b, "LoadBalancerName", name) ||
	    aws_query_add(&b, "LoadBalancerPort", p) ||
	    aws_query_add(&b, "SSLCertificateId", cert_arn))
		reply->message =
		    str_dup("ELB SetLoadBalancerListenerSSLCertificate: out of memory");
	else
		rc = aws_query_call(AWS_ELB, NULL, "SetLoadBalancerListenerSSLCertificate", name,
				    &b, NULL, reply);
	buf_free(&b);
	return rc;
}

static void s_listener_clear(void *item)
{
	struct elb_listener *e = item;

	free(e->lb_name);
	free(e->protocol);
	free(e->cert_id);
	memset(e, 0, sizeof(*e));
}

void elb_listener_list_clear(struct elb_listener_list *l)
{
	mem_array_free(l->items, l->n, sizeof(*l->items), s_listener_clear);
	memset(l, 0, sizeof(*l));
}

static int s_add(struct elb_listener_list *out, const char *lb, const xmlNode *listener)
{
	struct elb_listener e, *grown;
	char *port = NULL, *end = NULL;
	unsigned long v;
	int rc = -1;

	memset(&e, 0, sizeof(e));
	port = xml_path_text(listener, "LoadBalancerPort");
	if (port == NULL)
		goto out;
	v = strtoul(port, &end, 10);
	if (end == port || *end != '\0' || v == 0 || v > 65535)
		goto out;
	e.port = (unsigned)v;
	e.lb_name = str_dup(lb);
	e.protocol = xml_path_text_def(listener, "Protocol", "");
	e.cert_id = xml_path_text(listener, "SSLCertificateId");
	if (e.lb_name == NULL || e.protocol == NULL)
		goto out;
	grown = realloc(out->items, (out->n + 1) * sizeof(*grown));
	if (grown == NULL)
		goto out;
	out->items = grown;
	out->items[out->n++] = e;
	memset(&e, 0, sizeof(e));
	rc = 0;
out:
	free(port);
	s_listener_clear(&e);
	return rc;
}

int elb_parse_describe_page(const char *xml, size_t len, struct elb_listener_list *out,
			    char **marker)
{
	xmlDoc *doc = xml_parse(xml, len, "ELB DescribeLoadBalancers answer");
	xmlNode *res, *lb, *l;
	char *name = NULL;
	int rc = -1;

	*marker = NULL;
	res = doc ? xml_child(xml_root(doc), "DescribeLoadBalancersResult") : NULL;
	if (res == NULL)
		goto out;
	for (lb = xml_path(res, "LoadBalancerDescriptions/member"); lb; lb = xml_next(lb)) {
		free(name);
		name = xml_path_text(lb, "LoadBalancerName");
		if (name == NULL)
			goto out;
		for (l = xml_path(lb, "ListenerDescriptions/member"); l; l = xml_next(l)) {
			xmlNode *li = xml_child(l, "Listener");

			if (li == NULL || s_add(out, name, li) != 0)
				goto out;
		}
	}
	*marker = xml_path_text(res, "NextMarker");
	if (*marker && **marker == '\0') {
		free(*marker);
		*marker = NULL;
	}
	rc = 0;
out:
	free(name);
	if (doc)
		xmlFreeDoc(doc);
	return rc;
}

static int s_listeners_page(void *ctx, xmlDoc *doc, const struct aws_reply *reply, char **next)
{
	(void)doc;
	return elb_parse_describe_page(reply->resp.body.data, reply->resp.body.len, ctx, next);
}

int elb_describe_listeners(const char *name, struct elb_listener_list *out, struct aws_reply *reply)
{
	const struct aws_query_listing l = {
	    .version = ELB_VERSION,
	    .what = "ELB DescribeLoadBalancers",
	    .param = "LoadBalancerNames.member.1",
	    .value = name,
	    .page = s_listeners_page,
	    .ctx = out,
	};

	memset(reply, 0, sizeof(*reply));
	return aws_query_list(AWS_ELB, "DescribeLoadBalancers", &l, NULL, reply);
}
