/*
 * Renewing stored certificates: the one rule that says whether a
 * certificate is due (the scheduler's, and aaa renew's), and the job
 * request that renews one with what it was issued with (the executor's
 * renew action, and aaa renew).
 */
#ifndef AAA_AGENT_RENEW_H
#define AAA_AGENT_RENEW_H

#include <time.h>

#include <cjson/cJSON.h>

#include "agent/agent.h"
#include "agent/job.h"

/*
 * 1 when the certificate of entry (its index.json entry, or its meta.json:
 * the same members) is due at now, else 0. Due when revoked, when its
 * renew_after has come (the ARI window, a third of the lifetime or the
 * configured days, and the backoff after failures are all folded into
 * renew_after when it is stored), or, with no renew_after, when it expires
 * within 30 days. why (len bytes) gets one line for people.
 */
int renew_due(const cJSON *entry, time_t now, char *why, size_t len);

/* A renewal request for one stored certificate; owns what req borrows. */
struct renew_request {
	struct job_request req;
	cJSON *meta;
	const char **names, **deploy;
	const char *one[1];
	char *key;
};

/*
 * Fills r->req to renew name with its stored names, key type and deploy
 * targets (issue.c adds its stored ACME profile) and an idempotency key per
 * certificate version and attempt, so a repeated delivery finds the same
 * job. 0; 1 when name is not stored; -1 on error (a->err). Clear r with
 * renew_request_clear in every case.
 */
int renew_request_prepare(struct agent *a, const char *name, struct renew_request *r);
void renew_request_clear(struct renew_request *r);

#endif
