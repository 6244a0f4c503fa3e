/*
 * Slack request verification (https://api.slack.com/authentication/verifying-requests-from-slack):
 *
 *   X-Slack-Signature = "v0=" + hex(HMAC-SHA256(signing secret,
 *                                   "v0:" + X-Slack-Request-Timestamp + ":" + raw body))
 *
 * compared in constant time, with the timestamp at most five minutes from
 * our clock either way (a captured request cannot be replayed later). The
 * legacy verification token is compared in constant time too. Pure: the
 * clock comes in as a parameter.
 */
#ifndef AAA_SLACK_VERIFY_H
#define AAA_SLACK_VERIFY_H

#include <stddef.h>

#include "util/err.h"

/* Slack's own window: five minutes. */
#define SLACK_MAX_SKEW_SECONDS 300

/*
 * 0 when signature is Slack's signature of body at timestamp under secret
 * and timestamp is within SLACK_MAX_SKEW_SECONDS of now; -1 otherwise, with
 * err set (source "input"; the message says why: missing header, not a
 * number, too old, mismatch). err never holds the expected signature or the
 * secret.
 */
int slack_signature_verify(const void *secret, size_t secret_len, const char *timestamp,
			   const char *signature, const void *body, size_t body_len, long long now,
			   struct aaa_err *err);

/* The v0 signature ("v0=" + 64 hex digits and a NUL: 68 bytes). 0/-1. */
int slack_signature_compute(const void *secret, size_t secret_len, const char *timestamp,
			    const void *body, size_t body_len, char out[68]);

/* 1 when got equals want (constant time in the content), else 0; NULLs are 0. */
int slack_token_equal(const char *want, const char *got);

/*
 * The comparison both checks use; mem_equal_ct unless a test replaces it
 * (to prove the constant-time routine is the one used). Not for production
 * code to change.
 */
extern int (*slack_equal_fn)(const void *a, size_t alen, const void *b, size_t blen);

#endif
