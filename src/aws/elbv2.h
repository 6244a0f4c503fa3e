/*
 * Elastic Load Balancing v2 (ALB/NLB, API 2015-12-01): a listener's
 * default certificate and its SNI certificate list. Query protocol over
 * aws/query.h; the region comes from the listener's ARN (a certificate
 * must be in the listener's region).
 *
 * Functions return 0 on a 2xx answer, 1 on an AWS error answer
 * (reply->err.code: ListenerNotFound, CertificateNotFound,
 * TooManyCertificates...), -1 when no answer arrived or it was malformed.
 */
#ifndef AAA_AWS_ELBV2_H
#define AAA_AWS_ELBV2_H

#include <stddef.h>

#include "aws/client.h"

/*
 * Checks a listener ARN ("arn:PARTITION:elasticloadbalancing:REGION:
 * ACCOUNT:listener/app|net/NAME/ID/ID") and returns its region (caller
 * frees) through *region. 0/-1.
 */
int elbv2_listener_arn_region(const char *arn, char **region);

/* ModifyListener with this one certificate as the default. */
int elbv2_set_default_cert(const char *region, const char *listener, const char *cert_arn,
			   struct aws_reply *reply);
int elbv2_add_cert(const char *region, const char *listener, const char *cert_arn,
		   struct aws_reply *reply);
int elbv2_remove_cert(const char *region, const char *listener, const char *cert_arn,
		      struct aws_reply *reply);
/* DescribeListeners for one listener: its default certificate's ARN
 * (caller frees; NULL when the listener has none). */
int elbv2_default_cert(const char *region, const char *listener, char **cert_arn,
		       struct aws_reply *reply);

struct elbv2_cert {
	char *arn;
	int is_default;
};

struct elbv2_cert_list {
	struct elbv2_cert *items;
	size_t n;
};

void elbv2_cert_list_clear(struct elbv2_cert_list *l);
/* DescribeListenerCertificates, every page. */
int elbv2_list_certs(const char *region, const char *listener, struct elbv2_cert_list *out,
		     struct aws_reply *reply);
/* One DescribeListenerCertificates page; *marker NULL at the end. 0/-1. */
int elbv2_parse_certs_page(const char *xml, size_t len, struct elbv2_cert_list *out, char **marker);

/*
 * Every certificate ARN any HTTPS/TLS listener of any ALB/NLB in region
 * serves, default or SNI (DescribeLoadBalancers, DescribeListeners and
 * DescribeListenerCertificates, every page), appended to out with
 * is_default as the listener says. For "is this IAM certificate still in
 * use" before a prune.
 */
int elbv2_certs_in_use(const char *region, struct elbv2_cert_list *out, struct aws_reply *reply);

#endif
