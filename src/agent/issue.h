/*
 * Runs an issuance job through its states (docs/architecture.md "The job state machine"):
 * order, DNS-01 on Route53, validation, finalize, download, store, deploy.
 * The same code serves the CLI (no deadline) and the Lambda executor (which
 * must stop before its deadline and continue in a new invocation).
 */
#ifndef AAA_AGENT_ISSUE_H
#define AAA_AGENT_ISSUE_H

#include "agent/agent.h"
#include "agent/job.h"

enum issue_result {
	ISSUE_DONE = 0,	   /* state done */
	ISSUE_FAILED = -1, /* state failed; a->err says why */
	ISSUE_YIELD = 1,   /* saved before the deadline: resume it */
	ISSUE_BUSY = 2	   /* another worker holds the lease, or already finished */
};

struct dns01_cache;

struct issue_ca_memo;

struct issue_opts {
	const char *owner; /* lease owner: the request id, or cli-<host>-<pid> */
	long lease_s;	   /* lease length; 0: 900 s */
	long margin_ms;	   /* stop when less than this is left; 0: 60000 */
	int authz_only;	   /* aaa authz: stop once the names are authorized */
	/* borrowed, optional: the zone cache of a batch (dns01.h) */
	struct dns01_cache *dns_cache;
	/* borrowed, optional: a batch's reading of the fleet's CA pause (issue_impl.h) */
	struct issue_ca_memo *ca_memo;
};

/* Takes the lease and steps the job until done, failed or the deadline. */
enum issue_result issue_run(struct agent *a, struct job *job, const struct issue_opts *o);

/* One job of a batch and how it ended. */
struct issue_batch_item {
	struct job *job; /* borrowed */
	enum issue_result res;
};

/*
 * Runs several jobs as one batch (issue_batch.c): each keeps its own state,
 * lease and error, but they publish their TXT values with one Route53 change
 * per zone, wait on one GetChange per change and remove the values with one
 * change per zone; zones are listed once. One job failing does not stop the
 * others. When the deadline comes, every unfinished job is saved (ISSUE_YIELD)
 * to be resumed together. o->dns_cache is ignored (the batch makes its own).
 */
void issue_batch_run(struct agent *a, struct issue_batch_item *items, size_t n,
		     const struct issue_opts *o);

#endif
