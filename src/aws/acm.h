/*
 * AWS Certificate Manager: import (and re-import in place) and read back.
 * JSON 1.1 protocol (X-Amz-Target: CertificateManager.<Op>); certificate,
 * key and chain travel as base64 blobs. The region is per call: CloudFront
 * needs its certificates in us-east-1, a load balancer in its own region.
 *
 * Functions return 0 on a 2xx answer, 1 on an AWS error answer
 * (reply->err.code), -1 when no answer arrived or it was malformed;
 * reply->message is the one line for the user. Free the reply always.
 */
#ifndef AAA_AWS_ACM_H
#define AAA_AWS_ACM_H

#include <stddef.h>

#include "aws/client.h"

struct acm_tag {
	const char *key;
	const char *value;
};

/*
 * The ImportCertificate body. arn NULL: a first import (tags allowed);
 * else a re-import to that ARN (AWS refuses tags there, so none are sent).
 * chain may be NULL or "". Holds the private key: free with str_wipe_free.
 * NULL on failure.
 */
char *acm_import_body(const char *arn, const char *cert_pem, const char *key_pem,
		      const char *chain_pem, const struct acm_tag *tags, size_t ntags);

/* Imports (arn NULL) or re-imports (arn set); *arn_out (caller frees) is
 * the certificate's ARN from the answer. region NULL: the configured one. */
int acm_import(const char *region, const char *arn, const char *cert_pem, const char *key_pem,
	       const char *chain_pem, const struct acm_tag *tags, size_t ntags, char **arn_out,
	       struct aws_reply *reply);

/* What DescribeCertificate tells us. All strings owned; NULL when absent. */
struct acm_cert {
	char *arn;
	char *serial;	     /* normalised as acm_serial_normalize does */
	char *key_algorithm; /* "RSA_2048", "EC_prime256v1", ... */
	char *status;	     /* "ISSUED", ... */
	char *type;	     /* "IMPORTED", ... */
	size_t in_use;	     /* number of InUseBy entries */
};

int acm_describe(const char *region, const char *arn, struct acm_cert *out,
		 struct aws_reply *reply);
/* Parses a DescribeCertificate answer. 0/-1 (no Certificate object). */
int acm_parse_describe(const char *json, size_t len, struct acm_cert *out);
void acm_cert_clear(struct acm_cert *c);

/*
 * A serial number as lower-case hex without leading zeros ("0" for zero),
 * the form to compare with crypto/x509.h's: AWS writes "0a:1b:..." (hex
 * with colons); moto writes the decimal integer, which is read as decimal
 * when there is no colon and every character is a digit. Caller frees;
 * NULL when s is not a serial.
 */
char *acm_serial_normalize(const char *s);

#endif
