/*
 * Classic Elastic Load Balancing (API 2012-06-01): switch an HTTPS/SSL
 * listener's certificate and read listeners back. Query protocol over
 * aws/query.h, in the configured region.
 *
 * Functions return 0 on a 2xx answer, 1 on an AWS error answer
 * (reply->err.code: LoadBalancerNotFound, ListenerNotFound,
 * CertificateNotFound...), -1 when no answer arrived or it was malformed.
 */
#ifndef AAA_AWS_ELB_H
#define AAA_AWS_ELB_H

#include <stddef.h>

#include "aws/client.h"

/* 1 when name is a classic load balancer name: 1-32 letters, digits, '-'. */
int elb_name_valid(const char *name);

int elb_set_listener_cert(const char *name, unsigned port, const char *cert_arn,
			  struct aws_reply *reply);

struct elb_listener {
	char *lb_name;
	unsigned port;
	char *protocol;
	char *cert_id; /* SSLCertificateId; NULL for HTTP/TCP listeners */
};

struct elb_listener_list {
	struct elb_listener *items;
	size_t n;
};

void elb_listener_list_clear(struct elb_listener_list *l);
/* DescribeLoadBalancers (one name, or all when name is NULL), every page:
 * every listener of every balancer is appended to out. */
int elb_describe_listeners(const char *name, struct elb_listener_list *out,
			   struct aws_reply *reply);
/* One DescribeLoadBalancers page; *marker (caller frees) NULL at the end. 0/-1. */
int elb_parse_describe_page(const char *xml, size_t len, struct elb_listener_list *out,
			    char **marker);

#endif
