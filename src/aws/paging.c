/*
 * Paging through an AWS listing. See paging.h.
 */
#include "aws/paging.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

void aws_pager_init(struct aws_pager *p, const char *marker_name, const char *fmt, ...)
{
	va_list ap;

	memset(p, 0, sizeof(*p));
	p->marker_name = marker_name;
	va_start(ap, fmt);
	vsnprintf(p->what, sizeof(p->what), fmt, ap);
	va_end(ap);
}

int aws_pager_start(struct aws_pager *p, struct aws_reply *reply)
{
	if (p->pages >= AWS_PAGES_MAX) {
		free(reply->message);
		reply->message = str_printf("%s: more than %u pages; stopped (the listing does not "
					    "end)",
					    p->what, AWS_PAGES_MAX);
		return -1;
	}
	p->pages++;
	return 0;
}

int aws_pager_next(struct aws_pager *p, char *next, int truncated, struct aws_reply *reply)
{
	int have = next != NULL && *next != '\0';

	if (truncated == 0 || (truncated < 0 && !have)) {
		free(next);
		return 0;
	}
	if (!have) {
		free(next);
		free(reply->message);
		reply->message =
		    str_printf("%s: truncated listing without a %s", p->what, p->marker_name);
		return -1;
	}
	if (p->marker && strcmp(p->marker, next) == 0) {
		free(next);
		free(reply->message);
		reply->message =
		    str_printf("%s: the listing repeats its %s", p->what, p->marker_name);
		return -1;
	}
	free(p->marker);
	p->marker = next;
	return 1;
}

void aws_pager_clear(struct aws_pager *p)
{
	free(p->marker);
	p->marker = NULL;
}

int aws_pager_end(struct aws_pager *p, int rc, const char *why, unsigned *pages,
		  struct aws_reply *reply)
{
	if (rc == -1 && reply->message == NULL && why)
		reply->message = str_printf("%s: %s", p->what, why);
	if (pages)
		*pages = p->pages;
	aws_pager_clear(p);
	return rc;
}
