/*
 * CloudFront (REST-XML, API 2020-05-31): put an ACM certificate on a
 * distribution's viewer side. The configuration is read with its ETag,
 * changed in the document (nothing else in it is touched) and written back
 * with If-Match; when someone else changed the distribution in between
 * (412 PreconditionFailed), the whole read-change-write is repeated with
 * the fresh ETag. CloudFront is global; its ACM certificates live in
 * us-east-1.
 *
 * Functions return 0 on a 2xx answer, 1 on an AWS error answer
 * (reply->err.code: NoSuchDistribution, AccessDenied,
 * InvalidViewerCertificate...), -1 when no answer arrived or it was
 * malformed.
 */
#ifndef AAA_AWS_CLOUDFRONT_H
#define AAA_AWS_CLOUDFRONT_H

#include "aws/client.h"

#define CLOUDFRONT_ACM_REGION	"us-east-1"
#define CLOUDFRONT_MAX_ATTEMPTS 5

/* 1 when id looks like a distribution id (upper-case letters and digits, at most 64). */
int cloudfront_id_valid(const char *id);

/*
 * 1 when CloudFront can serve a certificate with this key type (aaa's
 * names: "rsa2048", "ec256", ...), else 0 with *why set (static text).
 * AWS: "CloudFront only supports 1024-bit RSA, 2048-bit RSA, 3072-bit RSA,
 * 4096-bit RSA, and Elliptic Prime Curve 256-bit keys" (ACM user guide,
 * import prerequisites), so ec384 is refused.
 */
int cloudfront_key_type_ok(const char *key_type, const char **why);

/* What a distribution's viewer side serves, as GetDistributionConfig tells. */
struct cloudfront_viewer {
	char *acm_arn; /* ViewerCertificate/ACMCertificateArn; NULL when none */
	char *etag;    /* the configuration's ETag */
};

/* GetDistributionConfig, read into v (clear with cloudfront_viewer_clear). */
int cloudfront_get_viewer(const char *id, struct cloudfront_viewer *v, struct aws_reply *reply);
void cloudfront_viewer_clear(struct cloudfront_viewer *v);

/*
 * The DistributionConfig document xml with <ViewerCertificate> rewritten to
 * serve the ACM certificate arn over SNI (caller frees; NULL when xml is
 * not a DistributionConfig): CloudFrontDefaultCertificate false,
 * ACMCertificateArn, SSLSupportMethod (kept when it is "vip" or
 * "static-ip", else sni-only), MinimumProtocolVersion (kept when a custom
 * certificate was in place before, else TLSv1.2_2021), in the schema's
 * order; IAMCertificateId, Certificate and CertificateSource (which name
 * the old certificate) are dropped; nothing else is touched.
 */
char *cloudfront_config_with_acm(const char *xml, size_t len, const char *arn, size_t *out_len);

/*
 * 1 when an UpdateDistribution answer means "the ETag is stale, read
 * again and retry" (412 PreconditionFailed, or InvalidIfMatchVersion) and
 * attempts made so far are below max, else 0.
 */
int cloudfront_should_retry(long http_status, const char *code, unsigned attempt, unsigned max);

/*
 * The whole switch: get, change, update with If-Match, retried on a stale
 * ETag up to CLOUDFRONT_MAX_ATTEMPTS times. *attempts (may be NULL) counts
 * the updates sent. Returns as above.
 */
int cloudfront_set_acm_certificate(const char *id, const char *arn, unsigned *attempts,
				   struct aws_reply *reply);

#endif
