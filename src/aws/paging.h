/*
 * Paging through an AWS listing (ELB, ELBv2, IAM, Route53, S3): the one
 * place that decides whether another page follows, refuses a listing whose
 * marker does not advance (a broken proxy or emulator would page forever)
 * or that says it is truncated without a marker, and stops after
 * AWS_PAGES_MAX pages. The caller keeps its own request and parsing:
 *
 *   struct aws_pager pg;
 *   aws_pager_init(&pg, "marker", "IAM ListServerCertificates");
 *   for (;;) {
 *           if (aws_pager_start(&pg, reply) != 0) goto out;
 *           ... request with pg.marker (NULL: the first page), parse into &next ...
 *           r = aws_pager_next(&pg, next, truncated, reply);
 *           if (r < 0) goto out;
 *           if (r == 0) break;
 *   }
 *   return aws_pager_end(&pg, rc, "out of memory", pages, reply);
 */
#ifndef AAA_AWS_PAGING_H
#define AAA_AWS_PAGING_H

#include "aws/client.h"

/* More pages than any listing aaa makes can have (IAM and ELB pages hold
 * up to 100 or 400 items, S3 and Route53 up to 1,000 and 100). */
#define AWS_PAGES_MAX 1000

struct aws_pager {
	char what[160];		 /* "IAM ListServerCertificates", for messages */
	const char *marker_name; /* "marker", "NextMarker", "continuation token" */
	char *marker;		 /* owned: the next page's marker; NULL for the first */
	unsigned pages;		 /* pages started */
};

void aws_pager_init(struct aws_pager *p, const char *marker_name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Before each request: counts it. 0; -1 with reply->message when
 * AWS_PAGES_MAX pages were requested already. */
int aws_pager_start(struct aws_pager *p, struct aws_reply *reply);

/*
 * After a page: next is its marker (taken; NULL or "" when none);
 * truncated is the page's own "more follows" flag (1/0), or -1 when the
 * protocol has none (more follows exactly when there is a marker).
 * 1: another page follows (p->marker is its marker); 0: the listing is
 * complete; -1 with reply->message: truncated without a marker, or the
 * same marker again.
 */
int aws_pager_next(struct aws_pager *p, char *next, int truncated, struct aws_reply *reply);

void aws_pager_clear(struct aws_pager *p);

/*
 * The end of a listing whose result is rc: *pages (when pages is not NULL)
 * the pages started; when rc is -1 and reply holds no message yet and why
 * is not NULL, "<what>: <why>"; the pager cleared. Returns rc.
 */
int aws_pager_end(struct aws_pager *p, int rc, const char *why, unsigned *pages,
		  struct aws_reply *reply);

#endif
