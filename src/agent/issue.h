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

struct issue_opts {
	const char *owner; /* lease owner: the request id, or cli-<host>-<pid> */
	long lease_s;	   /* lease length; 0: 900 s */
	long margin_ms;	   /* stop when less than this is left; 0: 60000 */
	int authz_only;	   /* aaa authz: stop once the names are authorized */
};

/* Takes the lease and steps the job until done, failed or the deadline. */
enum issue_result issue_run(struct agent *a, struct job *job, const struct issue_opts *o);

#endif
