/*
 * ELBv2 listener certificate client. See elbv2.h.
 */
#define _GNU_SOURCE
#include "aws/elbv2.h"

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

int elbv2_list_certs(const char *region, const char *listener, struct elbv2_cert_list *out,
		     struct aws_reply *reply)
{
	struct buf b = BUF_INIT;
	xmlDoc *doc = NULL;
	char *marker = NULL, *next = NULL;
	int rc = -1;

	memset(reply, 0, sizeof(*reply));
	for (;;) {
		buf_free(&b);
		if (doc)
			xmlFreeDoc(doc);
		doc = NULL;
		aws_reply_free(reply);
		if (aws_query_start(&b, "DescribeListenerCertificates", ELBV2_VERSION) ||
		    aws_query_add(&b, "ListenerArn", listener) ||
		    (marker && aws_query_add(&b, "Marker", marker))) {
			reply->message =
			    str_dup("ELBv2 DescribeListenerCertificates: out of memory");
			goto out;
		}
		rc = aws_query_call(AWS_ELBV2, region, "DescribeListenerCertificates", listener, &b,
				    &doc, reply);
		if (rc != 0)
			goto out;
		rc = -1;
		if (elbv2_parse_certs_page(reply->resp.body.data, reply->resp.body.len, out,
					   &next) != 0) {
			reply->message =
			    str_dup("ELBv2 DescribeListenerCertificates: unexpected answer");
			goto out;
		}
		free(marker);
		marker = next;
		next = NULL;
		if (marker == NULL)
			break;
	}
	rc = 0;
out:
	free(marker);
	buf_free(&b);
	if (doc)
		xmlFreeDoc(doc);
	return rc;
}
