/*
 * The executor's messages to Slack: Block Kit built with cJSON from the
 * executor's answer, POSTed to the command's response_url. Slack accepts
 * at most five posts per response_url (within 30 minutes); the caller
 * keeps the count in *posts_used and a sixth post is refused here without
 * being sent. A failed post is returned (never fatal, never retried here):
 * the certificate is stored whatever Slack says.
 *
 * Only response URLs under the prefix AAA_SLACK_RESPONSE_URL_PREFIX
 * (default https://hooks.slack.com/) are posted to, so a forged or
 * misrouted event cannot make the executor send requests elsewhere. The
 * URL is a bearer capability: it is never logged or put in an error.
 *
 * The answer the messages are built from:
 *   {"job","action","state":"done"|"failed"|"running"|..., "names":[..],
 *    "cert":{"name","serial","not_before","not_after","issuer","key_type"},
 *    "deployed":[{"target","ok","detail"}],
 *    "error":{"source","code","message","hint"}, "certs":[...] (ls),
 *    "progress":"DNS records published"}
 * or, for ls, what `aaa ls` prints (a list of accounts with their
 * "domains"), as it is.
 */
#ifndef AAA_SLACK_REPLY_H
#define AAA_SLACK_REPLY_H

#include <cjson/cJSON.h>

#include "util/err.h"

#define SLACK_MAX_POSTS 5u
/* Slack's limits on one message. */
#define SLACK_MAX_BLOCKS       50
#define SLACK_MAX_SECTION_TEXT 3000
#define SLACK_MAX_FIELD_TEXT   2000

/*
 * 1 when url may be posted to: it starts with prefix (NULL: the setting
 * AAA_SLACK_RESPONSE_URL_PREFIX, config/settings.h; a prefix
 * without a path gets "/" added, so "http://127.0.0.1:8080" cannot match
 * "http://127.0.0.1:80801" or "http://127.0.0.1:8080@elsewhere"), and holds
 * no blank, control character, backslash or '#'.
 */
int slack_response_url_allowed(const char *url, const char *prefix);

/* Text with Slack's three control characters escaped (&amp; &lt; &gt;), so
 * names and CA messages can never form a link or an @channel mention.
 * Caller frees; NULL on allocation failure. */
char *slack_escape(const char *text);

/* The Block Kit message for an executor answer (borrowed); caller frees.
 * NULL on allocation failure. */
cJSON *slack_reply_message(const cJSON *result);

/* A short ephemeral progress message ("DNS records published"). */
cJSON *slack_progress_message(const char *job, const char *text);

/*
 * Posts slack_reply_message(result) to response_url. 0 when Slack
 * answered 2xx; -1 with err set otherwise (source "slack"; err may be NULL):
 * URL refused, sixth post, transport failure, Slack's refusal ("404:
 * expired_url", its HTTP status in err's detail).
 * *posts_used is incremented for every post actually sent, whatever its
 * outcome (Slack may have counted it).
 */
int slack_notify(const char *response_url, const cJSON *result, unsigned *posts_used,
		 struct aaa_err *err);
/* The same for a progress line. */
int slack_notify_progress(const char *response_url, const char *job, const char *text,
			  unsigned *posts_used, struct aaa_err *err);

#endif
