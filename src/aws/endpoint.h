/*
 * Services, regions and endpoints: which URL a request goes to, which Host
 * header it carries, and which region and name it is signed for.
 *
 * Region: AWS_REGION, then AWS_DEFAULT_REGION, then "region" of the active
 * profile in the shared config file. Endpoint: AWS_ENDPOINT_URL_<SERVICE>
 * (the SDKs' names, e.g. AWS_ENDPOINT_URL_ROUTE_53), then AWS_ENDPOINT_URL,
 * then the public endpoint of the region's partition (both variables are
 * ignored when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true). Global services
 * (Route53, IAM, CloudFront) have one endpoint and sign for the partition's
 * global region (us-east-1 in the aws partition), also on custom endpoints.
 */
#ifndef AAA_AWS_ENDPOINT_H
#define AAA_AWS_ENDPOINT_H

#include "aws/env.h"

enum aws_service {
	AWS_S3,
	AWS_KMS,
	AWS_ROUTE53,
	AWS_LAMBDA,
	AWS_STS,
	AWS_ACM,
	AWS_IAM,
	AWS_ELB,
	AWS_ELBV2,
	AWS_CLOUDFRONT,
	AWS_SSO,      /* the IAM Identity Center portal (GetRoleCredentials), unsigned */
	AWS_SSO_OIDC, /* its OIDC service (CreateToken: refresh an SSO token), unsigned */
	AWS_SERVICE_MAX
};

struct aws_service_info {
	const char *name;	  /* for messages: "S3", "Route53", "ELBv2" */
	const char *signing_name; /* SigV4 service name: "s3", "elasticloadbalancing" */
	const char *host_prefix;  /* public host: <prefix>.<region>.amazonaws.com */
	const char *env_suffix;	  /* AWS_ENDPOINT_URL_<suffix> */
	int global;		  /* one endpoint per partition, global signing region */
};

extern const struct aws_service_info aws_services[AWS_SERVICE_MAX];

/* "S3", "Route53", ...; "unknown" when out of range. */
const char *aws_service_name(enum aws_service s);

/* 1 when region is a plausible region name: lower-case letters, digits and
 * single hyphens, starting and ending with a letter or digit, at most 63
 * characters ("us-east-1", "us-gov-west-1"; never "us-east-1; rm"). */
int aws_region_valid(const char *region);
/*
 * The configured region: 0 with *out set (caller frees), 0 with *out NULL
 * when none is configured, -1 when the configured value is invalid or the
 * config file is malformed (logged, naming where the value came from).
 */
int aws_region_resolve(const struct aws_env *env, char **out);

/* Where one service's requests go. All strings owned. */
struct aws_endpoint {
	enum aws_service service;
	char *scheme;	      /* "https" or "http" */
	char *host;	      /* Host header value: host[:port], default port omitted, lower case */
	char *base_path;      /* "" or a custom endpoint's path prefix ("/prefix") */
	char *region;	      /* the client's region, NULL for a global service without one */
	char *signing_region; /* region the requests are signed for */
	const char *signing_name;
	int custom;	/* from AWS_ENDPOINT_URL[_<SERVICE>] */
	int path_style; /* S3: bucket in the path (custom endpoints) */
};

/*
 * Resolves the endpoint of svc for region (NULL allowed for global
 * services; regional ones then fail with a message telling how to set
 * one). 0/-1; out must be freed with aws_endpoint_free in both cases.
 */
int aws_endpoint_resolve(const struct aws_env *env, enum aws_service svc, const char *region,
			 struct aws_endpoint *out);
void aws_endpoint_free(struct aws_endpoint *ep);

/* One request's destination. All strings owned. */
struct aws_target {
	char *base; /* "scheme://host[:port]" */
	char *host; /* Host header value (sign it, send it) */
	char *path; /* wire path, URI-encoded, starting with '/' */
};

/* Target for an already-encoded path under ep (base path prepended). 0/-1. */
int aws_endpoint_target(const struct aws_endpoint *ep, const char *path, struct aws_target *t);
/*
 * Target for an S3 bucket and optional object key (encoded once here, '/'
 * kept). Virtual-hosted style (bucket.s3.region.amazonaws.com) on AWS;
 * path style (/bucket/key) on custom endpoints and for bucket names with a
 * '.', which would not match the wildcard TLS certificate. Invalid bucket
 * names are refused. 0/-1.
 */
int aws_s3_target(const struct aws_endpoint *ep, const char *bucket, const char *key,
		  struct aws_target *t);
/* base + path [+ '?' + query]. Caller frees. */
char *aws_target_url(const struct aws_target *t, const char *query);
void aws_target_free(struct aws_target *t);

#endif
