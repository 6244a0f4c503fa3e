/*
 * A minimal DNS client for one question: the TXT strings a given server
 * answers for a name, over UDP (TCP when the answer is truncated). Used to
 * check that a zone's authoritative servers already serve our challenge
 * values, beyond Route53's INSYNC. No recursion, no cache, no DNSSEC.
 */
#ifndef AAA_DNS_QUERY_H
#define AAA_DNS_QUERY_H

#include <stddef.h>

struct dns_txt_answer {
	int rcode;     /* 0 NOERROR, 3 NXDOMAIN, ... */
	char **values; /* each TXT record's character-strings joined; owned */
	size_t nvalues;
};

/*
 * Asks server ("IP", "IP:PORT", "[IPv6]:PORT" or a host name, port 53 by
 * default) for name's TXT records, waiting up to timeout_ms. 0 when an
 * answer arrived (any rcode), -1 otherwise (logged at debug level). Free
 * out with dns_txt_answer_free in both cases.
 */
int dns_query_txt(const char *server, const char *name, long timeout_ms,
		  struct dns_txt_answer *out);
void dns_txt_answer_free(struct dns_txt_answer *a);

/* Exposed for unit tests: the query packet for (id, name, TXT), and the
 * parser of an answer to it. 0/-1. */
int dns_build_query(unsigned id, const char *name, unsigned char *buf, size_t cap, size_t *len);
int dns_parse_txt_answer(const unsigned char *msg, size_t len, unsigned id,
			 struct dns_txt_answer *out, int *truncated);

#endif
