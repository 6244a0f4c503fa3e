/*
 * The AWS Query protocol (IAM, classic ELB, ELBv2): a form-encoded POST of
 * Action, Version and the operation's parameters, answered with XML.
 * List members are spelled Name.member.N (1-based), nested fields with
 * dots, as the services' models say.
 *
 * Bodies may hold private keys (IAM UploadServerCertificate): callers free
 * them with buf_wipe_free.
 */
#ifndef AAA_AWS_QUERY_H
#define AAA_AWS_QUERY_H

#include <libxml/tree.h>

#include "aws/client.h"
#include "util/buf.h"

/* Starts a body: "Action=<action>&Version=<version>". 0/-1. */
int aws_query_start(struct buf *b, const char *action, const char *version);
/* Appends "&name=value", both percent-encoded (RFC 3986 unreserved kept). 0/-1. */
int aws_query_add(struct buf *b, const char *name, const char *value);

/*
 * POSTs body to svc (region NULL: the configured one) and, on a 2xx answer,
 * parses it into *doc (caller frees with xmlFreeDoc; doc NULL: the answer
 * is only checked to be XML). resource names the
 * object in messages. 0 ok, 1 AWS error answer (reply->err), -1 no answer
 * or an answer that is not XML; reply->message says what (free the reply
 * in every case).
 */
int aws_query_call(enum aws_service svc, const char *region, const char *action,
		   const char *resource, const struct buf *body, xmlDoc **doc,
		   struct aws_reply *reply);

/*
 * A paged Query listing (IAM, ELB, ELBv2 all page with Marker and answer
 * NextMarker): action of svc (given as arguments, so the IAM test finds
 * the operation) with at most one parameter, page after page through
 * aws/paging.h (a marker that does not advance is refused, AWS_PAGES_MAX
 * at most). page reads one answer's document into the caller's result
 * and sets *next to its NextMarker (owned; NULL or "" when none); it
 * returns 0, or -1 (reply->message, when it leaves none, says the answer
 * was unexpected).
 */
typedef int (*aws_query_page_fn)(void *ctx, xmlDoc *doc, const struct aws_reply *reply,
				 char **next);
struct aws_query_listing {
	const char *region;  /* NULL: the configured one */
	const char *version; /* the API version */
	const char *what;    /* "IAM ListServerCertificates", for messages */
	const char *param;   /* the one parameter's name, with value */
	const char *value;   /* NULL: no parameter; also names the resource in messages */
	aws_query_page_fn page;
	void *ctx;
};

/* 0 when every page was read; 1 or -1 as aws_query_call, or -1 from the
 * pager or page. *pages (may be NULL) is the number of pages requested.
 * reply must be zeroed or hold an earlier answer (freed here). */
int aws_query_list(enum aws_service svc, const char *action, const struct aws_query_listing *l,
		   unsigned *pages, struct aws_reply *reply);

#endif
