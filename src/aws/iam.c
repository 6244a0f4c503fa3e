/*
 * IAM server certificate client. See iam.h.
 */
#define _GNU_SOURCE
#include "aws/iam.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "aws/query.h"
#include "util/buf.h"
#include "util/mem.h"
#include "xml/xml.h"

#define IAM_VERSION	 "2010-05-08"
#define IAM_SERIAL_CHARS 16

static int s_name_char_ok(char c)
{
	return isalnum((unsigned char)c) || strchr("_+=,.@-", c) != NULL;
}

/* The sanitised certificate name, cut to max characters. */
static char *s_name_part(const char *cert_name, size_t max)
{
	struct buf b = BUF_INIT;
	const char *p;
	char *out = NULL;

	for (p = cert_name; *p; p++) {
		if (*p == '*') {
			if (buf_append_str(&b, "_wildcard_") != 0)
				goto out;
		} else if (buf_printf(&b, "%c", s_name_char_ok(*p) ? *p : '_') != 0) {
			goto out;
		}
	}
	if (b.len > max) {
		b.len = max;
		b.data[max] = '\0';
	}
	out = buf_steal(&b);
out:
	buf_free(&b);
	return out;
}

char *iam_cert_name_prefix(const char *cert_name)
{
	char *n = s_name_part(cert_name, IAM_NAME_MAX - 1 - IAM_SERIAL_CHARS);
	char *out = n ? str_printf("%s-", n) : NULL;

	free(n);
	return out;
}

char *iam_cert_name(const char *cert_name, const char *serial)
{
	char *prefix = iam_cert_name_prefix(cert_name), *out = NULL;
	char ser[IAM_SERIAL_CHARS + 1];
	size_t i, n = 0;

	if (prefix == NULL || serial == NULL)
		goto out;
	for (i = 0; serial[i] && n < IAM_SERIAL_CHARS; i++)
		if (isxdigit((unsigned char)serial[i]))
			ser[n++] = (char)tolower((unsigned char)serial[i]);
	ser[n] = '\0';
	if (n == 0)
		goto out;
	out = str_printf("%s%s", prefix, ser);
out:
	free(prefix);
	return out;
}

int iam_path_valid(const char *path)
{
	size_t n = path ? strlen(path) : 0, i;

	if (n == 0 || n > IAM_PATH_MAX || path[0] != '/' || path[n - 1] != '/')
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)path[i] < 0x21 || (unsigned char)path[i] > 0x7e)
			return 0;
	return 1;
}

static void s_meta_clear(void *item)
{
	struct iam_cert_meta *e = item;

	free(e->name);
	free(e->path);
	free(e->arn);
	free(e->upload_date);
	memset(e, 0, sizeof(*e));
}

void iam_cert_list_clear(struct iam_cert_list *l)
{
	mem_array_free(l->items, l->n, sizeof(*l->items), s_meta_clear);
	memset(l, 0, sizeof(*l));
}

int iam_upload(const char *name, const char *path, const char *cert_pem, const char *key_pem,
	       const char *chain_pem, char **arn_out, struct aws_reply *reply)
{
	struct buf b = BUF_INIT;
	xmlDoc *doc = NULL;
	int rc = -1;

	memset(reply, 0, sizeof(*reply));
	*arn_out = NULL;
	if (aws_query_start(&b, "UploadServerCertificate", IAM_VERSION) ||
	    aws_query_add(&b, "ServerCertificateName", name) || aws_query_add(&b, "Path", path) ||
	    aws_query_add(&b, "CertificateBody", cert_pem) ||
	    aws_query_add(&b, "PrivateKey", key_pem) ||
	    (chain_pem && *chain_pem && aws_query_add(&b, "CertificateChain", chain_pem))) {
		reply->message = str_dup("IAM UploadServerCertificate: out of memory");
		goto out;
	}
	rc = aws_query_call(AWS_IAM, NULL, "UploadServerCertificate", name, &b, &doc, reply);
	if (rc != 0)
		goto out;
	*arn_out = xml_path_text(xml_root(doc),
				 "UploadServerCertificateResult/ServerCertificateMetadata/Arn");
	if (*arn_out == NULL) {
		reply->message =
		    str_printf("IAM UploadServerCertificate %s: the answer has no Arn", name);
		rc = -1;
	}
out:
	buf_wipe_free(&b);
	if (doc)
		xmlFreeDoc(doc);
	return rc;
}

int iam_parse_list_page(const char *xml, size_t len, const char *path_prefix,
			struct iam_cert_list *out, char **marker)
{
	xmlDoc *doc = xml_parse(xml, len, "IAM ListServerCertificates answer");
	xmlNode *res, *m;
	struct iam_cert_meta e, *grown;
	char *trunc = NULL;
	int rc = -1;

	*marker = NULL;
	memset(&e, 0, sizeof(e));
	res = doc ? xml_child(xml_root(doc), "ListServerCertificatesResult") : NULL;
	if (res == NULL)
		goto out;
	m = xml_path(res, "ServerCertificateMetadataList/member");
	for (; m; m = xml_next(m)) {
		e.name = xml_path_text(m, "ServerCertificateName");
		e.path = xml_path_text_def(m, "Path", "/");
		e.arn = xml_path_text_def(m, "Arn", "");
		e.upload_date = xml_path_text_def(m, "UploadDate", "");
		if (e.name == NULL || e.path == NULL || e.arn == NULL || e.upload_date == NULL)
			goto out;
		if (path_prefix == NULL || str_has_prefix(e.path, path_prefix)) {
			grown = realloc(out->items, (out->n + 1) * sizeof(*grown));
			if (grown == NULL)
				goto out;
			out->items = grown;
			out->items[out->n++] = e;
			memset(&e, 0, sizeof(e));
		}
		s_meta_clear(&e);
	}
	trunc = xml_path_text(res, "IsTruncated");
	if (trunc && strcmp(trunc, "true") == 0) {
		*marker = xml_path_text(res, "Marker");
		if (*marker == NULL || **marker == '\0')
			goto out;
	}
	rc = 0;
out:
	if (rc != 0) {
		free(*marker);
		*marker = NULL;
	}
	s_meta_clear(&e);
	free(trunc);
	if (doc)
		xmlFreeDoc(doc);
	return rc;
}

struct s_list_ctx {
	const char *path_prefix;
	struct iam_cert_list *out;
};

static int s_list_page(void *ctx, xmlDoc *doc, const struct aws_reply *reply, char **next)
{
	struct s_list_ctx *c = ctx;

	(void)doc;
	return iam_parse_list_page(reply->resp.body.data, reply->resp.body.len, c->path_prefix,
				   c->out, next);
}

int iam_list(const char *path_prefix, struct iam_cert_list *out, unsigned *pages,
	     struct aws_reply *reply)
{
	struct s_list_ctx c = {path_prefix, out};
	const struct aws_query_listing l = {
	    .version = IAM_VERSION,
	    .what = "IAM ListServerCertificates",
	    .param = "PathPrefix",
	    .value = path_prefix,
	    .page = s_list_page,
	    .ctx = &c,
	};

	memset(reply, 0, sizeof(*reply));
	return aws_query_list(AWS_IAM, "ListServerCertificates", &l, pages, reply);
}

int iam_get_body(const char *name, char **pem, struct aws_reply *reply)
{
	struct buf b = BUF_INIT;
	xmlDoc *doc = NULL;
	int rc = -1;

	memset(reply, 0, sizeof(*reply));
	*pem = NULL;
	if (aws_query_start(&b, "GetServerCertificate", IAM_VERSION) ||
	    aws_query_add(&b, "ServerCertificateName", name)) {
		reply->message = str_dup("IAM GetServerCertificate: out of memory");
		goto out;
	}
	rc = aws_query_call(AWS_IAM, NULL, "GetServerCertificate", name, &b, &doc, reply);
	if (rc != 0)
		goto out;
	*pem = xml_path_text(xml_root(doc),
			     "GetServerCertificateResult/ServerCertificate/CertificateBody");
	if (*pem == NULL) {
		reply->message =
		    str_printf("IAM GetServerCertificate %s: the answer has no body", name);
		rc = -1;
	}
out:
	buf_free(&b);
	if (doc)
		xmlFreeDoc(doc);
	return rc;
}

int iam_delete(const char *name, struct aws_reply *reply)
{
	struct buf b = BUF_INIT;
	int rc = -1;

	memset(reply, 0, sizeof(*reply));
	if (aws_query_start(&b, "DeleteServerCertificate", IAM_VERSION) ||
	    aws_query_add(&b, "ServerCertificateName", name))
		reply->message = str_dup("IAM DeleteServerCertificate: out of memory");
	else
		rc =
		    aws_query_call(AWS_IAM, NULL, "DeleteServerCertificate", name, &b, NULL, reply);
	buf_free(&b);
	return rc;
}
