/*
 * CloudFront client. See cloudfront.h.
 */
#define _GNU_SOURCE
#include "aws/cloudfront.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "log/log.h"
#include "util/mem.h"
#include "xml/xml.h"

#define CF_API "/2020-05-31"

int cloudfront_id_valid(const char *id)
{
	size_t n = id ? strlen(id) : 0, i;

	if (n == 0 || n > 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!isupper((unsigned char)id[i]) && !isdigit((unsigned char)id[i]))
			return 0;
	return 1;
}

int cloudfront_key_type_ok(const char *key_type, const char **why)
{
	static const char *const ok[] = {"rsa1024", "rsa2048", "rsa3072", "rsa4096", "ec256"};
	size_t i;

	*why = NULL;
	for (i = 0; key_type && i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcmp(key_type, ok[i]) == 0)
			return 1;
	*why = "CloudFront serves RSA (1024 to 4096 bits) and ECDSA P-256 certificates only; "
	       "issue this certificate with --key-type ec256 or rsa2048";
	return 0;
}

static char *s_path(const char *id)
{
	return str_printf(CF_API "/distribution/%s/config", id);
}

/* GetDistributionConfig: the <DistributionConfig> document (caller frees
 * with xmlFreeDoc) and its ETag (caller frees). */
static int s_get_config(const char *id, xmlDoc **doc, char **etag, struct aws_reply *reply)
{
	struct aws_call c;
	char *path = s_path(id);
	const char *e;
	int rc = -1;

	memset(reply, 0, sizeof(*reply));
	*doc = NULL;
	*etag = NULL;
	if (path == NULL)
		goto out;
	aws_call_init(&c, AWS_CLOUDFRONT, "GetDistributionConfig", "GET", path, id);
	rc = aws_call(&c, reply);
	if (rc != 0)
		goto out;
	rc = -1;
	e = http_response_header(&reply->resp, "ETag");
	*doc = xml_parse(reply->resp.body.data ? reply->resp.body.data : "", reply->resp.body.len,
			 "CloudFront GetDistributionConfig answer");
	if (e == NULL || *doc == NULL || xml_root(*doc) == NULL) {
		reply->message = str_printf("CloudFront GetDistributionConfig %s: the answer has "
					    "no ETag or no configuration",
					    id);
		goto out;
	}
	*etag = str_dup(e);
	if (*etag == NULL)
		goto out;
	rc = 0;
out:
	if (rc != 0 && *doc) {
		xmlFreeDoc(*doc);
		*doc = NULL;
	}
	if (rc == -1 && reply->message == NULL)
		reply->message = str_printf("CloudFront GetDistributionConfig %s: failed", id);
	free(path);
	return rc;
}

/* UpdateDistribution with If-Match: etag. */
static int s_update_config(const char *id, xmlDoc *doc, const char *etag, struct aws_reply *reply)
{
	struct aws_call c;
	struct aws_header h[2];
	char *path = s_path(id), *body = NULL;
	size_t len = 0;
	int rc = -1;

	memset(reply, 0, sizeof(*reply));
	if (path == NULL || (body = xml_to_string(doc, &len)) == NULL) {
		reply->message = str_printf("CloudFront UpdateDistribution %s: out of memory", id);
		goto out;
	}
	h[0].name = "Content-Type";
	h[0].value = "application/xml";
	h[1].name = "If-Match";
	h[1].value = etag;
	aws_call_init(&c, AWS_CLOUDFRONT, "UpdateDistribution", "PUT", path, id);
	c.headers = h;
	c.nheaders = 2;
	c.body = body;
	c.body_len = len;
	rc = aws_call(&c, reply);
out:
	free(path);
	free(body);
	return rc;
}

/* Removes every child element of parent called name. */
static void s_drop(xmlNode *parent, const char *name)
{
	xmlNode *n;

	while ((n = xml_child(parent, name)) != NULL) {
		xmlUnlinkNode(n);
		xmlFreeNode(n);
	}
}

static int s_set_viewer_acm(xmlDoc *doc, const char *arn)
{
	static const char *const drop[] = {"CloudFrontDefaultCertificate",
					   "IAMCertificateId",
					   "ACMCertificateArn",
					   "SSLSupportMethod",
					   "MinimumProtocolVersion",
					   "Certificate",
					   "CertificateSource"};
	xmlNode *root = doc ? xml_root(doc) : NULL, *vc;
	char *method = NULL, *minproto = NULL, *was_default = NULL;
	size_t i;
	int rc = -1;

	if (root == NULL || xmlStrcmp(root->name, BAD_CAST "DistributionConfig") != 0)
		goto out;
	vc = xml_child(root, "ViewerCertificate");
	if (vc == NULL) {
		vc = xmlNewChild(root, root->ns, BAD_CAST "ViewerCertificate", NULL);
		if (vc == NULL)
			goto out;
	}
	method = xml_path_text(vc, "SSLSupportMethod");
	was_default = xml_path_text(vc, "CloudFrontDefaultCertificate");
	/* With CloudFront's own certificate the minimum version is fixed at
	 * TLSv1 whatever the field says: only a custom certificate's choice
	 * is the user's to keep. */
	if (was_default == NULL || strcmp(was_default, "true") != 0)
		minproto = xml_path_text(vc, "MinimumProtocolVersion");
	for (i = 0; i < sizeof(drop) / sizeof(drop[0]); i++)
		s_drop(vc, drop[i]);
	if (xml_add(vc, "CloudFrontDefaultCertificate", "false") == NULL ||
	    xml_add(vc, "ACMCertificateArn", arn) == NULL ||
	    xml_add(vc, "SSLSupportMethod",
		    method && (strcmp(method, "vip") == 0 || strcmp(method, "static-ip") == 0)
			? method
			: "sni-only") == NULL ||
	    xml_add(vc, "MinimumProtocolVersion",
		    minproto && *minproto && strcmp(minproto, "SSLv3") != 0
			? minproto
			: "TLSv1.2_2021") == NULL)
		goto out;
	rc = 0;
out:
	free(method);
	free(minproto);
	free(was_default);
	return rc;
}

/* The ACMCertificateArn in doc's ViewerCertificate (caller frees), or NULL. */
static char *s_viewer_acm(xmlDoc *doc)
{
	xmlNode *root = doc ? xml_root(doc) : NULL;

	return root ? xml_path_text(root, "ViewerCertificate/ACMCertificateArn") : NULL;
}

int cloudfront_get_viewer(const char *id, struct cloudfront_viewer *v, struct aws_reply *reply)
{
	xmlDoc *doc = NULL;
	int rc;

	memset(v, 0, sizeof(*v));
	rc = s_get_config(id, &doc, &v->etag, reply);
	if (rc == 0)
		v->acm_arn = s_viewer_acm(doc);
	if (doc)
		xmlFreeDoc(doc);
	return rc;
}

void cloudfront_viewer_clear(struct cloudfront_viewer *v)
{
	free(v->acm_arn);
	free(v->etag);
	memset(v, 0, sizeof(*v));
}

char *cloudfront_config_with_acm(const char *xml, size_t len, const char *arn, size_t *out_len)
{
	xmlDoc *doc = xml_parse(xml, len, "CloudFront DistributionConfig");

	return xml_finish(doc, doc && s_set_viewer_acm(doc, arn) == 0, out_len);
}

int cloudfront_should_retry(long http_status, const char *code, unsigned attempt, unsigned max)
{
	if (attempt >= max)
		return 0;
	if (http_status == 412)
		return 1;
	return code && (strcmp(code, "PreconditionFailed") == 0 ||
			strcmp(code, "InvalidIfMatchVersion") == 0);
}

/*
 * Read, change, write. Each pass frees the previous pass's document and
 * ETag first; only a stale-ETag answer loops, anything else is final.
 */
int cloudfront_set_acm_certificate(const char *id, const char *arn, unsigned *attempts,
				   struct aws_reply *reply)
{
	xmlDoc *doc = NULL;
	char *etag = NULL;
	unsigned n = 0;
	int rc = -1;

	memset(reply, 0, sizeof(*reply));
	for (;;) {
		if (doc)
			xmlFreeDoc(doc);
		doc = NULL;
		free(etag);
		etag = NULL;
		aws_reply_free(reply);
		rc = s_get_config(id, &doc, &etag, reply);
		if (rc != 0)
			goto out;
		aws_reply_free(reply);
		if (s_set_viewer_acm(doc, arn) != 0) {
			reply->message = str_printf("CloudFront %s: the configuration has no "
						    "DistributionConfig",
						    id);
			rc = -1;
			goto out;
		}
		rc = s_update_config(id, doc, etag, reply);
		n++;
		if (rc == 1 && cloudfront_should_retry(reply->err.http_status, reply->err.code, n,
						       CLOUDFRONT_MAX_ATTEMPTS)) {
			log_info("CloudFront %s: the distribution changed meanwhile (%s), "
				 "reading it again (%u/%u)",
				 id, reply->err.code, n, CLOUDFRONT_MAX_ATTEMPTS);
			continue;
		}
		break;
	}
out:
	if (attempts)
		*attempts = n;
	if (doc)
		xmlFreeDoc(doc);
	free(etag);
	return rc;
}
