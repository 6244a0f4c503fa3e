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
 * parses it into *doc (caller frees with xmlFreeDoc). resource names the
 * object in messages. 0 ok, 1 AWS error answer (reply->err), -1 no answer
 * or an answer that is not XML; reply->message says what (free the reply
 * in every case).
 */
int aws_query_call(enum aws_service svc, const char *region, const char *action,
		   const char *resource, const struct buf *body, xmlDoc **doc,
		   struct aws_reply *reply);

#endif
