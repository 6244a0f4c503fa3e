/*
 * One TXT question to one DNS server. See query.h.
 */
#define _GNU_SOURCE
#include "dns/query.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "crypto/hash.h"
#include "log/log.h"
#include "util/buf.h"
#include "util/mem.h"

#define DNS_TYPE_TXT 16
#define DNS_CLASS_IN 1
#define DNS_MAX_MSG  65535

void dns_txt_answer_free(struct dns_txt_answer *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < a->nvalues; i++)
		free(a->values[i]);
	free(a->values);
	memset(a, 0, sizeof(*a));
}

/* RFC 1035 4.1: header (recursion not desired: we ask the authority),
 * one question, name as length-prefixed labels. */
int dns_build_query(unsigned id, const char *name, unsigned char *buf, size_t cap, size_t *len)
{
	size_t off = 12, l;
	const char *p = name, *dot;

	if (cap < 12 + 256 + 4 || name == NULL || *name == '\0')
		return -1;
	memset(buf, 0, 12);
	buf[0] = (unsigned char)(id >> 8);
	buf[1] = (unsigned char)id;
	buf[5] = 1; /* QDCOUNT */
	while (*p) {
		dot = strchr(p, '.');
		l = dot ? (size_t)(dot - p) : strlen(p);
		if (l == 0 || l > 63 || off + 1 + l + 5 > 12 + 255 + 1)
			return -1;
		buf[off++] = (unsigned char)l;
		memcpy(buf + off, p, l);
		off += l;
		p += l;
		if (*p == '.')
			p++;
	}
	buf[off++] = 0;
	buf[off++] = 0;
	buf[off++] = DNS_TYPE_TXT;
	buf[off++] = 0;
	buf[off++] = DNS_CLASS_IN;
	*len = off;
	return 0;
}

/* Skips a possibly compressed name at *off. 0/-1. */
static int s_skip_name(const unsigned char *m, size_t len, size_t *off)
{
	size_t o = *off;
	unsigned c;

	for (;;) {
		if (o >= len)
			return -1;
		c = m[o];
		if (c == 0) {
			o++;
			break;
		}
		if ((c & 0xC0) == 0xC0) {
			if (o + 1 >= len)
				return -1;
			o += 2;
			break;
		}
		if (c & 0xC0)
			return -1;
		o += 1 + c;
	}
	*off = o;
	return 0;
}

static unsigned s_u16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static int s_add_txt(struct dns_txt_answer *out, const unsigned char *rd, size_t rdlen)
{
	struct buf b = BUF_INIT;
	size_t p = 0;
	char **nv;

	if (buf_append(&b, "", 0))
		return -1;
	while (p < rdlen) {
		size_t l = rd[p];

		if (p + 1 + l > rdlen || buf_append(&b, rd + p + 1, l)) {
			buf_free(&b);
			return -1;
		}
		p += 1 + l;
	}
	nv = realloc(out->values, (out->nvalues + 1) * sizeof(*nv));
	if (nv == NULL) {
		buf_free(&b);
		return -1;
	}
	out->values = nv;
	out->values[out->nvalues++] = buf_steal(&b);
	return 0;
}

/* Every TXT record in the answer section, whatever its owner (a server
 * that chased a CNAME answers with the target's records). */
int dns_parse_txt_answer(const unsigned char *m, size_t len, unsigned id,
			 struct dns_txt_answer *out, int *truncated)
{
	size_t off = 12, i, qd, an;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	*truncated = 0;
	if (len < 12 || s_u16(m) != (id & 0xFFFF) || !(m[2] & 0x80))
		goto out;
	*truncated = (m[2] & 0x02) != 0;
	out->rcode = m[3] & 0x0F;
	qd = s_u16(m + 4);
	an = s_u16(m + 6);
	for (i = 0; i < qd; i++) {
		if (s_skip_name(m, len, &off) || off + 4 > len)
			goto out;
		off += 4;
	}
	for (i = 0; i < an; i++) {
		unsigned type, cls;
		size_t rdlen;

		if (s_skip_name(m, len, &off) || off + 10 > len)
			goto out;
		type = s_u16(m + off);
		cls = s_u16(m + off + 2);
		rdlen = s_u16(m + off + 8);
		off += 10;
		if (off + rdlen > len)
			goto out;
		if (type == DNS_TYPE_TXT && cls == DNS_CLASS_IN && s_add_txt(out, m + off, rdlen))
			goto out;
		off += rdlen;
	}
	rc = 0;
out:
	if (rc != 0)
		dns_txt_answer_free(out);
	return rc;
}

/* "IP", "IP:PORT", "[IPv6]:PORT", "host", "host:PORT", bare IPv6. */
static int s_split_server(const char *server, char **host, char **port)
{
	const char *colon = strrchr(server, ':');

	*host = *port = NULL;
	if (server[0] == '[') {
		const char *end = strchr(server, ']');

		if (end == NULL)
			return -1;
		*host = str_ndup(server + 1, (size_t)(end - server - 1));
		*port = str_dup(end[1] == ':' ? end + 2 : "53");
	} else if (colon && strchr(server, ':') == colon) {
		*host = str_ndup(server, (size_t)(colon - server));
		*port = str_dup(colon + 1);
	} else {
		*host = str_dup(server);
		*port = str_dup("53");
	}
	return *host && *port ? 0 : -1;
}

static int s_send_all(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int s_recv_all(int fd, unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t r = recv(fd, p, n, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* The same question over TCP (RFC 1035 4.2.2: two-byte length prefix). */
static int s_tcp(const struct addrinfo *ai, const unsigned char *q, size_t qlen, long timeout_ms,
		 unsigned char *ans, size_t *alen)
{
	struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
	unsigned char hdr[2];
	int fd, rc = -1;

	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	hdr[0] = (unsigned char)(qlen >> 8);
	hdr[1] = (unsigned char)qlen;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 || s_send_all(fd, hdr, 2) ||
	    s_send_all(fd, q, qlen) || s_recv_all(fd, hdr, 2))
		goto out;
	*alen = s_u16(hdr);
	if (s_recv_all(fd, ans, *alen))
		goto out;
	rc = 0;
out:
	close(fd);
	return rc;
}

/* One datagram out, the first datagram back with our id within the time. */
static int s_udp(const struct addrinfo *ai, const unsigned char *q, size_t qlen, long timeout_ms,
		 unsigned id, unsigned char *ans, size_t *alen)
{
	struct pollfd pfd;
	struct timespec t0, t1;
	long left = timeout_ms;
	ssize_t r;
	int fd, rc = -1;

	fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 || send(fd, q, qlen, 0) != (ssize_t)qlen)
		goto out;
	while (left > 0) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)left) <= 0)
			goto out;
		r = recv(fd, ans, DNS_MAX_MSG, 0);
		if (r < 0 && errno != EINTR && errno != EAGAIN)
			goto out; /* ICMP unreachable: nothing listens there */
		if (r >= 2 && s_u16(ans) == (id & 0xFFFF)) {
			*alen = (size_t)r;
			rc = 0;
			goto out;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		left = timeout_ms -
		       ((t1.tv_sec - t0.tv_sec) * 1000L + (t1.tv_nsec - t0.tv_nsec) / 1000000L);
	}
out:
	close(fd);
	return rc;
}

int dns_query_txt(const char *server, const char *name, long timeout_ms, struct dns_txt_answer *out)
{
	struct addrinfo hints, *res = NULL;
	unsigned char q[600], *ans = NULL, rnd[2];
	char *host = NULL, *port = NULL;
	size_t qlen = 0, alen = 0;
	unsigned id;
	int rc = -1, trunc = 0;

	memset(out, 0, sizeof(*out));
	if (crypto_random(rnd, sizeof(rnd)))
		goto out;
	id = (unsigned)rnd[0] << 8 | rnd[1];
	if (dns_build_query(id, name, q, sizeof(q), &qlen) ||
	    s_split_server(server, &host, &port) || (ans = malloc(DNS_MAX_MSG)) == NULL)
		goto out;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_DGRAM;
	if (getaddrinfo(host, port, &hints, &res) != 0 || res == NULL) {
		log_debug("%s: cannot resolve DNS server %s", name, server);
		goto out;
	}
	if (s_udp(res, q, qlen, timeout_ms, id, ans, &alen) ||
	    dns_parse_txt_answer(ans, alen, id, out, &trunc)) {
		log_debug("%s: no usable answer from %s", name, server);
		goto out;
	}
	if (trunc) {
		dns_txt_answer_free(out);
		if (s_tcp(res, q, qlen, timeout_ms, ans, &alen) ||
		    dns_parse_txt_answer(ans, alen, id, out, &trunc)) {
			log_debug("%s: no usable TCP answer from %s", name, server);
			goto out;
		}
	}
	rc = 0;
out:
	if (res)
		freeaddrinfo(res);
	free(ans);
	free(host);
	free(port);
	return rc;
}
