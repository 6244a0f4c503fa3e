/*
 * Waiting for DNS-01 changes: GetChange until INSYNC, and optionally
 * until the zone's name servers answer with our values. See dns01.h.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/route53.h"
#include "dns/dns01.h"
#include "dns/dns01_impl.h"
#include "dns/query.h"
#include "log/log.h"
#include "util/cancel.h"
#include "util/mem.h"

static long s_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* The zone's NS names, read once (Route53 lists them at the apex). */
static int s_zone_ns(struct dns01 *d, struct dns01_zone *z, const struct aws_credentials *creds)
{
	struct route53_rrset ns;
	struct aws_reply reply;
	int found = 0, rc = -1;
	size_t i;

	if (z->ns_read)
		return 0;
	memset(&ns, 0, sizeof(ns));
	if (route53_get_rrset(z->id, z->name, "NS", creds, &ns, &found, &reply) != 0) {
		dns01_fail_aws(d, &reply, "cannot read the NS records of zone %s (%s): %s", z->name,
			       z->id, reply.message ? reply.message : "failed");
		goto out;
	}
	if (!found || ns.nvalues == 0) {
		dns01_fail(d, "zone %s (%s) has no NS record set to check", z->name, z->id);
		goto out;
	}
	for (i = 0; i < ns.nvalues; i++) {
		size_t l = strlen(ns.values[i]);

		if (l > 1 && ns.values[i][l - 1] == '.')
			ns.values[i][l - 1] = '\0';
	}
	z->ns = ns.values;
	z->nns = ns.nvalues;
	ns.values = NULL;
	ns.nvalues = 0;
	z->ns_read = 1;
	rc = 0;
out:
	route53_rrset_free(&ns);
	aws_reply_free(&reply);
	return rc;
}

/*
 * check_authoritative: asks each authoritative server of each record's
 * zone (or the configured servers) for the record, and counts the
 * (record, server) pairs that do not serve all our values yet. *missing
 * names the first one for the timeout message. -1 on a Route53 failure.
 */
static int s_check_auth(struct dns01 *d, size_t *pending, char **missing)
{
	struct dns_txt_answer a;
	const struct aws_credentials *creds;
	const char *const *servers;
	size_t ri, si, vi, ai, nservers;
	int ok, have;

	*pending = 0;
	memset(&a, 0, sizeof(a));
	for (ri = 0; ri < d->nrecs; ri++) {
		struct dns01_rec *r = &d->recs[ri];
		struct dns01_zone *z = &d->zones[r->zone];

		if (r->nvalues == 0 || !r->published)
			continue;
		servers = (const char *const *)d->check_servers;
		nservers = d->ncheck_servers;
		if (nservers == 0) {
			creds = dns01_zone_creds(d, z, &ok);
			if (!ok || s_zone_ns(d, z, creds))
				return -1;
			servers = (const char *const *)z->ns;
			nservers = z->nns;
		}
		for (si = 0; si < nservers; si++) {
			have = 0;
			if (dns_query_txt(servers[si], r->name, 2000, &a) == 0) {
				for (vi = 0, have = 1; vi < r->nvalues && have; vi++) {
					have = 0;
					for (ai = 0; ai < a.nvalues; ai++)
						if (strcmp(a.values[ai], r->values[vi]) == 0)
							have = 1;
				}
			}
			dns_txt_answer_free(&a);
			if (have)
				continue;
			if (*pending == 0) {
				free(*missing);
				*missing =
				    str_printf("%s does not serve all our TXT values at %s yet",
					       servers[si], r->name);
			}
			(*pending)++;
		}
	}
	return 0;
}

/*
 * Polls GetChange for every zone's change that is not INSYNC yet, all of
 * them per round, sleeping 0.5 s, 1, 2, 3, 3... between rounds until
 * the timeout. A zone whose publish changed nothing has no change to wait
 * for. With check_authoritative, the rounds go on until the name servers
 * also answer with our values.
 */
int dns01_wait(struct dns01 *d)
{
	struct route53_change_info ci = {NULL, NULL};
	struct aws_reply reply;
	const struct aws_credentials *creds;
	long start = s_now_ms(), delay = d->poll_first_ms > 0 ? d->poll_first_ms : 500;
	long cap = d->poll_max_ms > 0 ? d->poll_max_ms : 3000;
	char *why = NULL;
	size_t i, pending;
	int ok, rc = -1;

	memset(&reply, 0, sizeof(reply));
	for (;;) {
		pending = 0;
		for (i = 0; i < d->nzones; i++) {
			struct dns01_zone *z = &d->zones[i];

			if (z->change_id == NULL || z->insync)
				continue;
			creds = dns01_zone_creds(d, z, &ok);
			if (!ok)
				goto out;
			route53_change_info_free(&ci);
			aws_reply_free(&reply);
			if (route53_get_change(z->change_id, creds, &ci, &reply) != 0) {
				dns01_fail_aws(d, &reply,
					       "cannot follow change %s of zone %s (%s): %s",
					       z->change_id, z->name, z->id,
					       reply.message ? reply.message : "failed");
				goto out;
			}
			if (ci.status && strcmp(ci.status, "INSYNC") == 0) {
				z->insync = 1;
				log_debug("zone %s: change %s INSYNC", z->name, z->change_id);
			} else if (pending++ == 0) {
				free(why);
				why = str_printf("Route53 change %s of zone %s is still %s",
						 z->change_id, z->name,
						 ci.status ? ci.status : "PENDING");
			}
		}
		if (pending == 0 && d->check_authoritative && s_check_auth(d, &pending, &why))
			goto out;
		if (pending == 0)
			break;
		if (s_now_ms() - start + delay > d->insync_timeout_ms) {
			dns01_fail(d,
				   "%s after %ld s; try again later (cleanup removes the records)",
				   why ? why : "changes pending", (s_now_ms() - start) / 1000);
			goto out;
		}
		if (cancel_sleep_ms(delay) != 0) {
			err_set(&d->err, "interrupted", "",
				"interrupted by signal %d while waiting for Route53",
				cancel_requested());
			d->fail_kind = -1;
			goto out;
		}
		/* 3 s apart at most: a change is late by 1.5 s on average, for about
		 * 0.3 GetChange per second per zone (Route53 allows 5 per account);
		 * a batch waits up to 10 s (DNS01_BATCH_POLL_MAX_MS). */
		delay = delay * 2 > cap ? cap : delay * 2;
	}
	rc = 0;
out:
	free(why);
	route53_change_info_free(&ci);
	aws_reply_free(&reply);
	return rc;
}
