#define _DEFAULT_SOURCE
#include "aws/endpoint.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/credentials_profile.h"
#include "aws/sigv4.h"
#include "log/log.h"
#include "util/mem.h"

const struct aws_service_info aws_services[AWS_SERVICE_MAX] = {
    [AWS_S3] = {"S3", "s3", "s3", "S3", 0},
    [AWS_KMS] = {"KMS", "kms", "kms", "KMS", 0},
    [AWS_ROUTE53] = {"Route53", "route53", "route53", "ROUTE_53", 1},
    [AWS_LAMBDA] = {"Lambda", "lambda", "lambda", "LAMBDA", 0},
    [AWS_STS] = {"STS", "sts", "sts", "STS", 0},
    [AWS_ACM] = {"ACM", "acm", "acm", "ACM", 0},
    [AWS_IAM] = {"IAM", "iam", "iam", "IAM", 1},
    [AWS_ELB] = {"ELB", "elasticloadbalancing", "elasticloadbalancing", "ELASTIC_LOAD_BALANCING",
		 0},
    [AWS_ELBV2] = {"ELBv2", "elasticloadbalancing", "elasticloadbalancing",
		   "ELASTIC_LOAD_BALANCING_V2", 0},
    [AWS_CLOUDFRONT] = {"CloudFront", "cloudfront", "cloudfront", "CLOUDFRONT", 1},
    /* portal.sso.<region>.amazonaws.com; AWS_ENDPOINT_URL_SSO as the SDKs */
    [AWS_SSO] = {"SSO", "awsssoportal", "portal.sso", "SSO", 0},
    /* oidc.<region>.amazonaws.com; AWS_ENDPOINT_URL_SSO_OIDC */
    [AWS_SSO_OIDC] = {"SSO OIDC", "sso-oauth", "oidc", "SSO_OIDC", 0},
};

/*
 * Partitions: DNS suffix and, for the global services, the host and the
 * signing region (from the SDKs' endpoint rules). A NULL host means the
 * service does not exist in that partition.
 */
struct s_partition {
	const char *region_prefix; /* "" matches every region (the aws partition) */
	const char *suffix;
	const char *global_region;
	const char *global_host[AWS_SERVICE_MAX];
	const char *global_sign[AWS_SERVICE_MAX];
};

static const struct s_partition s_partitions[] = {
    {"cn-",
     "amazonaws.com.cn",
     "cn-northwest-1",
     {[AWS_ROUTE53] = "route53.amazonaws.com.cn",
      [AWS_IAM] = "iam.cn-north-1.amazonaws.com.cn",
      [AWS_CLOUDFRONT] = "cloudfront.cn-northwest-1.amazonaws.com.cn"},
     {[AWS_ROUTE53] = "cn-northwest-1",
      [AWS_IAM] = "cn-north-1",
      [AWS_CLOUDFRONT] = "cn-northwest-1"}},
    {"us-gov-",
     "amazonaws.com",
     "us-gov-west-1",
     {[AWS_ROUTE53] = "route53.us-gov.amazonaws.com", [AWS_IAM] = "iam.us-gov.amazonaws.com"},
     {[AWS_ROUTE53] = "us-gov-west-1", [AWS_IAM] = "us-gov-west-1"}},
    {"",
     "amazonaws.com",
     "us-east-1",
     {[AWS_ROUTE53] = "route53.amazonaws.com",
      [AWS_IAM] = "iam.amazonaws.com",
      [AWS_CLOUDFRONT] = "cloudfront.amazonaws.com"},
     {[AWS_ROUTE53] = "us-east-1", [AWS_IAM] = "us-east-1", [AWS_CLOUDFRONT] = "us-east-1"}},
};

const char *aws_service_name(enum aws_service s)
{
	return (unsigned)s < AWS_SERVICE_MAX ? aws_services[s].name : "unknown";
}

static const struct s_partition *s_partition_of(const char *region)
{
	size_t i, n = sizeof(s_partitions) / sizeof(s_partitions[0]);

	for (i = 0; region && i + 1 < n; i++)
		if (strncmp(region, s_partitions[i].region_prefix,
			    strlen(s_partitions[i].region_prefix)) == 0)
			return &s_partitions[i];
	return &s_partitions[n - 1];
}

int aws_region_valid(const char *r)
{
	size_t n, i;

	if (r == NULL || (n = strlen(r)) == 0 || n > 63 || r[0] == '-' || r[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++) {
		if ((r[i] >= 'a' && r[i] <= 'z') || (r[i] >= '0' && r[i] <= '9'))
			continue;
		if (r[i] != '-' || r[i + 1] == '-')
			return 0;
	}
	return 1;
}

int aws_region_resolve(const struct aws_env *env, char **out)
{
	struct aws_profiles p;
	const char *v, *from = "AWS_REGION", *path = NULL;
	const char *profile = aws_profile_name(env);
	int rc = -1, loaded = 0;

	*out = NULL;
	memset(&p, 0, sizeof(p));
	v = aws_env_get(env, "AWS_REGION");
	if (v == NULL) {
		v = aws_env_get(env, "AWS_DEFAULT_REGION");
		from = "AWS_DEFAULT_REGION";
	}
	if (v == NULL) {
		if (aws_profiles_load(env, &p, NULL) != 0)
			goto out;
		loaded = 1;
		v = aws_profile_get(&p, profile, "region", &path);
		from = "region";
	}
	if (v == NULL) {
		rc = 0;
		goto out;
	}
	if (!aws_region_valid(v)) {
		if (loaded)
			log_error("invalid AWS region in profile %s of %s: use a region name such "
				  "as us-east-1",
				  profile, path ? path : "the config file");
		else
			log_error("invalid AWS region in %s: use a region name such as us-east-1",
				  from);
		goto out;
	}
	*out = str_dup(v);
	rc = *out ? 0 : -1;
out:
	aws_profiles_free(&p);
	return rc;
}

void aws_endpoint_free(struct aws_endpoint *ep)
{
	if (ep == NULL)
		return;
	free(ep->scheme);
	free(ep->host);
	free(ep->base_path);
	free(ep->region);
	free(ep->signing_region);
	memset(ep, 0, sizeof(*ep));
}

static int s_host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_';
}

/*
 * Splits a custom endpoint URL into scheme, Host header value and base
 * path. Refuses what would make the signed request differ from the sent
 * one or smuggle something in: user info, a query, a fragment, spaces or
 * control characters, a port outside 1..65535.
 */
static int s_parse_url(const char *url, const char *var, struct aws_endpoint *ep)
{
	const char *p, *hb, *he, *port = NULL, *pe;
	size_t schemelen, i;
	long portnum = 0;
	char *end = NULL;
	int rc = -1;

	for (i = 0; url[i]; i++)
		if ((unsigned char)url[i] <= ' ' || url[i] == 0x7f || url[i] == '?' ||
		    url[i] == '#' || url[i] == '@' || url[i] == '\\')
			goto bad;
	if (strncasecmp(url, "https://", 8) == 0)
		schemelen = 5;
	else if (strncasecmp(url, "http://", 7) == 0)
		schemelen = 4;
	else
		goto bad;
	hb = url + schemelen + 3;
	pe = hb + strcspn(hb, "/");
	if (*hb == '[') {
		he = memchr(hb, ']', (size_t)(pe - hb));
		if (he == NULL || he == hb + 1)
			goto bad;
		for (p = hb + 1; p < he; p++)
			if (!strchr("0123456789abcdefABCDEF:.", *p))
				goto bad;
		he++;
	} else {
		for (he = hb; he < pe && *he != ':'; he++)
			if (!s_host_char(*he))
				goto bad;
		if (he == hb)
			goto bad;
	}
	if (he < pe) {
		if (*he != ':' || he + 1 == pe)
			goto bad;
		port = he + 1;
		portnum = strtol(port, &end, 10);
		if (end != pe || portnum < 1 || portnum > 65535 || *port == '+' || *port == '-')
			goto bad;
	}
	ep->scheme = str_ndup(url, schemelen);
	if (ep->scheme == NULL)
		goto out;
	for (i = 0; ep->scheme[i]; i++)
		ep->scheme[i] = (char)(ep->scheme[i] | 0x20);
	if (port && portnum != (schemelen == 5 ? 443 : 80))
		ep->host = str_printf("%.*s:%ld", (int)(he - hb), hb, portnum);
	else
		ep->host = str_ndup(hb, (size_t)(he - hb));
	if (ep->host == NULL)
		goto out;
	for (i = 0; ep->host[i]; i++)
		if (ep->host[i] >= 'A' && ep->host[i] <= 'Z')
			ep->host[i] = (char)(ep->host[i] | 0x20);
	i = strlen(pe);
	while (i > 0 && pe[i - 1] == '/')
		i--;
	ep->base_path = str_ndup(pe, i);
	rc = ep->base_path ? 0 : -1;
	goto out;
bad:
	log_error("%s is not a valid endpoint URL (http[s]://host[:port][/path], no query)", var);
out:
	return rc;
}

int aws_endpoint_resolve(const struct aws_env *env, enum aws_service svc, const char *region,
			 struct aws_endpoint *out)
{
	const struct aws_service_info *si;
	const struct s_partition *part;
	const char *url = NULL;
	char var[64];
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if ((unsigned)svc >= AWS_SERVICE_MAX)
		goto out;
	si = &aws_services[svc];
	out->service = svc;
	out->signing_name = si->signing_name;
	if (region && !aws_region_valid(region)) {
		log_error("%s: invalid AWS region: use a region name such as us-east-1", si->name);
		goto out;
	}
	if (region == NULL && !si->global) {
		log_error("%s: no AWS region configured: set AWS_REGION (or AWS_DEFAULT_REGION, or "
			  "region in the profile in ~/.aws/config)",
			  si->name);
		goto out;
	}
	part = s_partition_of(region);
	if (si->global && part->global_host[svc] == NULL) {
		log_error("%s is not available in region %s", si->name, region);
		goto out;
	}
	out->region = str_dup(region);
	out->signing_region = str_dup(si->global ? part->global_sign[svc] : region);
	if ((region && out->region == NULL) || out->signing_region == NULL)
		goto out;

	snprintf(var, sizeof(var), "AWS_ENDPOINT_URL_%s", si->env_suffix);
	if (!aws_env_is_true(env, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) {
		url = aws_env_get(env, var);
		if (url == NULL) {
			url = aws_env_get(env, "AWS_ENDPOINT_URL");
			snprintf(var, sizeof(var), "AWS_ENDPOINT_URL");
		}
	}
	if (url) {
		if (s_parse_url(url, var, out) != 0)
			goto out;
		out->custom = 1;
		out->path_style = svc == AWS_S3;
		log_debug("%s: endpoint %s://%s%s from %s", si->name, out->scheme, out->host,
			  out->base_path, var);
	} else {
		out->scheme = str_dup("https");
		out->base_path = str_dup("");
		if (si->global)
			out->host = str_dup(part->global_host[svc]);
		else
			out->host = str_printf("%s.%s.%s", si->host_prefix, region, part->suffix);
		if (out->scheme == NULL || out->base_path == NULL || out->host == NULL)
			goto out;
	}
	rc = 0;
out:
	return rc;
}

void aws_target_free(struct aws_target *t)
{
	if (t == NULL)
		return;
	free(t->base);
	free(t->host);
	free(t->path);
	memset(t, 0, sizeof(*t));
}

/* Fills t from a host and the path pieces (already encoded). */
static int s_target(const struct aws_endpoint *ep, const char *host, const char *path,
		    struct aws_target *t)
{
	int rc = -1;

	t->host = str_dup(host);
	t->base = str_printf("%s://%s", ep->scheme, host);
	t->path = str_printf("%s%s%s", ep->base_path, *path == '/' ? "" : "/", path);
	if (t->host && t->base && t->path)
		rc = 0;
	return rc;
}

int aws_endpoint_target(const struct aws_endpoint *ep, const char *path, struct aws_target *t)
{
	memset(t, 0, sizeof(*t));
	return s_target(ep, ep->host, path ? path : "/", t);
}

/* S3 bucket naming rules: 3-63 of [a-z0-9.-], starting and ending with a
 * letter or digit, no "..". */
static int s_bucket_valid(const char *b)
{
	size_t n = strlen(b), i;

	if (n < 3 || n > 63 || !(isalnum((unsigned char)b[0]) && isalnum((unsigned char)b[n - 1])))
		return 0;
	for (i = 0; i < n; i++)
		if (!((b[i] >= 'a' && b[i] <= 'z') || (b[i] >= '0' && b[i] <= '9') || b[i] == '-' ||
		      (b[i] == '.' && b[i + 1] != '.')))
			return 0;
	return 1;
}

int aws_s3_target(const struct aws_endpoint *ep, const char *bucket, const char *key,
		  struct aws_target *t)
{
	char *ekey = NULL, *host = NULL, *path = NULL;
	int rc = -1;

	memset(t, 0, sizeof(*t));
	if (bucket == NULL || !s_bucket_valid(bucket)) {
		log_error("S3: invalid bucket name %s (3-63 characters of a-z, 0-9, '.', '-')",
			  bucket ? bucket : "(none)");
		goto out;
	}
	ekey = aws_uri_encode(key ? key : "", 0);
	if (ekey == NULL)
		goto out;
	if (ep->path_style || strchr(bucket, '.') != NULL) {
		path = str_printf("/%s%s%s", bucket, key ? "/" : "", ekey);
		host = str_dup(ep->host);
	} else {
		path = str_printf("/%s", ekey);
		host = str_printf("%s.%s", bucket, ep->host);
	}
	if (path == NULL || host == NULL)
		goto out;
	rc = s_target(ep, host, path, t);
out:
	free(ekey);
	free(host);
	free(path);
	return rc;
}

char *aws_target_url(const struct aws_target *t, const char *query)
{
	if (query && *query)
		return str_printf("%s%s?%s", t->base, t->path, query);
	return str_printf("%s%s", t->base, t->path);
}
