/*
 * ACM client over aws_call. See acm.h.
 */
#define _GNU_SOURCE
#include "aws/acm.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/json11.h"
#include "crypto/b64.h"
#include "json/json.h"
#include "util/buf.h"
#include "util/mem.h"

/* Adds a base64 blob member; the encoded copy of a key is wiped. */
static int s_add_blob(cJSON *o, const char *name, const char *text)
{
	char *b = b64_encode(text, strlen(text));
	int rc = -1;

	if (b == NULL)
		goto out;
	if (cJSON_AddStringToObject(o, name, b) == NULL)
		goto out;
	rc = 0;
out:
	str_wipe_free(b);
	return rc;
}

/*
 * cJSON copies the base64 of the key into the tree; the tree's copy is
 * wiped before it is deleted (cJSON_Delete does not clear memory).
 */
static void s_wipe_delete(cJSON *o)
{
	cJSON *k = o ? cJSON_GetObjectItemCaseSensitive(o, "PrivateKey") : NULL;

	if (k != NULL && cJSON_IsString(k) && k->valuestring != NULL)
		mem_wipe(k->valuestring, strlen(k->valuestring));
	cJSON_Delete(o);
}

char *acm_import_body(const char *arn, const char *cert_pem, const char *key_pem,
		      const char *chain_pem, const struct acm_tag *tags, size_t ntags)
{
	cJSON *o = cJSON_CreateObject(), *arr, *t;
	char *out = NULL;
	size_t i;

	if (o == NULL || s_add_blob(o, "Certificate", cert_pem) != 0 ||
	    s_add_blob(o, "PrivateKey", key_pem) != 0)
		goto out;
	if (chain_pem && *chain_pem && s_add_blob(o, "CertificateChain", chain_pem) != 0)
		goto out;
	if (arn) {
		if (cJSON_AddStringToObject(o, "CertificateArn", arn) == NULL)
			goto out;
	} else if (ntags) {
		arr = cJSON_AddArrayToObject(o, "Tags");
		if (arr == NULL)
			goto out;
		for (i = 0; i < ntags; i++) {
			t = cJSON_CreateObject();
			if (t == NULL)
				goto out;
			cJSON_AddItemToArray(arr, t);
			if (cJSON_AddStringToObject(t, "Key", tags[i].key) == NULL ||
			    cJSON_AddStringToObject(t, "Value", tags[i].value) == NULL)
				goto out;
		}
	}
	out = cJSON_PrintUnformatted(o);
out:
	s_wipe_delete(o);
	return out;
}

static int s_call(const char *region, const char *op, const char *resource, const char *body,
		  struct aws_reply *reply)
{
	return aws_json_call(AWS_ACM, "CertificateManager", op, region, resource, body, reply);
}

int acm_import(const char *region, const char *arn, const char *cert_pem, const char *key_pem,
	       const char *chain_pem, const struct acm_tag *tags, size_t ntags, char **arn_out,
	       struct aws_reply *reply)
{
	char *body = NULL;
	cJSON *j = NULL;
	const char *a;
	int rc = -1;

	memset(reply, 0, sizeof(*reply));
	*arn_out = NULL;
	body = acm_import_body(arn, cert_pem, key_pem, chain_pem, tags, ntags);
	if (body == NULL) {
		reply->message = str_dup("ACM ImportCertificate: cannot build the request");
		goto out;
	}
	rc = s_call(region, "ImportCertificate", arn, body, reply);
	if (rc != 0)
		goto out;
	rc = -1;
	j = json_parse(reply->resp.body.data, reply->resp.body.len, NULL);
	a = json_str(j, "CertificateArn");
	if (a == NULL || (*arn_out = str_dup(a)) == NULL) {
		reply->message = str_dup("ACM ImportCertificate: the answer has no CertificateArn");
		goto out;
	}
	rc = 0;
out:
	str_wipe_free(body);
	cJSON_Delete(j);
	return rc;
}

static char *s_dup_opt(const cJSON *o, const char *k)
{
	const char *v = json_str(o, k);

	return v ? str_dup(v) : NULL;
}

int acm_parse_describe(const char *json, size_t len, struct acm_cert *out)
{
	cJSON *j = json_parse(json, len, "ACM DescribeCertificate answer");
	const cJSON *c = json_obj(j, "Certificate"), *u;
	const char *serial;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (c == NULL)
		goto out;
	out->arn = s_dup_opt(c, "CertificateArn");
	out->key_algorithm = s_dup_opt(c, "KeyAlgorithm");
	out->status = s_dup_opt(c, "Status");
	out->type = s_dup_opt(c, "Type");
	serial = json_str(c, "Serial");
	if (serial && (out->serial = acm_serial_normalize(serial)) == NULL)
		goto out;
	u = json_arr(c, "InUseBy");
	out->in_use = u ? (size_t)cJSON_GetArraySize(u) : 0;
	rc = 0;
out:
	if (rc != 0)
		acm_cert_clear(out);
	cJSON_Delete(j);
	return rc;
}

int acm_describe(const char *region, const char *arn, struct acm_cert *out, struct aws_reply *reply)
{
	cJSON *o = cJSON_CreateObject();
	char *body = NULL;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	memset(reply, 0, sizeof(*reply));
	if (o == NULL || cJSON_AddStringToObject(o, "CertificateArn", arn) == NULL ||
	    (body = cJSON_PrintUnformatted(o)) == NULL) {
		reply->message = str_dup("ACM DescribeCertificate: out of memory");
		goto out;
	}
	rc = s_call(region, "DescribeCertificate", arn, body, reply);
	if (rc != 0)
		goto out;
	if (acm_parse_describe(reply->resp.body.data, reply->resp.body.len, out) != 0) {
		reply->message = str_printf("ACM DescribeCertificate %s: unexpected answer", arn);
		rc = -1;
		goto out;
	}
out:
	free(body);
	cJSON_Delete(o);
	return rc;
}

void acm_cert_clear(struct acm_cert *c)
{
	free(c->arn);
	free(c->serial);
	free(c->key_algorithm);
	free(c->status);
	free(c->type);
	memset(c, 0, sizeof(*c));
}

/* Decimal digits to hex by repeated division by 16 (serials are at most
 * 20 octets, 49 decimal digits: the quadratic cost is nothing). */
static char *s_dec_to_hex(const char *s)
{
	size_t n = strlen(s), i, nd = n;
	unsigned char *d = NULL;
	struct buf rev = BUF_INIT;
	char *out = NULL;
	size_t k;

	d = malloc(n ? n : 1);
	if (d == NULL)
		goto out;
	for (i = 0; i < n; i++)
		d[i] = (unsigned char)(s[i] - '0');
	for (;;) {
		unsigned rem = 0, nonzero = 0;

		for (i = 0; i < nd; i++) {
			unsigned cur = rem * 10 + d[i];

			d[i] = (unsigned char)(cur / 16);
			rem = cur % 16;
			nonzero |= d[i];
		}
		if (buf_printf(&rev, "%x", rem) != 0)
			goto out;
		if (!nonzero)
			break;
	}
	out = malloc(rev.len + 1);
	if (out == NULL)
		goto out;
	for (k = 0; k < rev.len; k++)
		out[k] = rev.data[rev.len - 1 - k];
	out[rev.len] = '\0';
out:
	free(d);
	buf_free(&rev);
	return out;
}

char *acm_serial_normalize(const char *s)
{
	struct buf b = BUF_INIT;
	const char *p;
	char *out = NULL, *t;
	int colon = strchr(s, ':') != NULL, digits = 1;

	if (*s == '\0')
		goto out;
	for (p = s; *p; p++) {
		if (*p == ':')
			continue;
		if (!isxdigit((unsigned char)*p))
			goto out;
		if (!isdigit((unsigned char)*p))
			digits = 0;
	}
	if (!colon && digits) {
		t = s_dec_to_hex(s);
	} else {
		for (p = s; *p; p++)
			if (*p != ':' && buf_printf(&b, "%c", tolower((unsigned char)*p)) != 0)
				goto out;
		t = buf_steal(&b);
	}
	if (t == NULL)
		goto out;
	for (p = t; *p == '0' && p[1] != '\0'; p++)
		;
	out = str_dup(p);
	free(t);
out:
	buf_free(&b);
	return out;
}
