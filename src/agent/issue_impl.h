/*
 * The inside of an issuance run (issue.c), for the batch driver
 * (issue_batch.c) that steps several jobs together. Not for other folders.
 */
#ifndef AAA_AGENT_ISSUE_IMPL_H
#define AAA_AGENT_ISSUE_IMPL_H

#include <stddef.h>
#include <time.h>

#include "acme/order.h"
#include "agent/fleet.h"
#include "agent/issue.h"
#include "dns/dns01.h"

struct run {
	struct agent *a;
	struct job *job;
	const struct issue_opts *o;
	struct acme_order order;
	int have_order;
	struct dns01 *dns;
	const char **names; /* borrowed from job->doc */
	size_t nnames;
	time_t ca_until; /* the fleet's CA pause found before ordering (0: none) */
	int ca_waits;	 /* pauses waited out in this invocation */
	/* The certificate key's PEM once this invocation has read or made it
	 * (secret: wiped by issue_end), so finalize, the checks and the store
	 * read it from the store once. */
	char *key_pem;
	size_t key_len;
};

/*
 * The fleet's CA pause as a batch read it: once for all its jobs' new
 * orders, not once per job, and again after one of them heard the CA (a
 * pause another executor records meanwhile is heard from the CA itself).
 */
struct issue_ca_memo {
	int read; /* 0: read it (again) at the next new order */
	int got;  /* ca_pause_read's answer: 0 p is filled */
	struct ca_pause p;
};

/* issue_step's "not finished: call again" (beside enum issue_result). */
#define ISSUE_MORE 3

/* Sets r up and takes the job's lease: 0, or -1 with *res (ISSUE_BUSY:
 * another worker holds it or the job is finished). issue_end in every case. */
int issue_begin(struct run *r, struct agent *a, struct job *job, const struct issue_opts *o,
		enum issue_result *res);
/* One state of the job (saved): ISSUE_MORE, or how the job ended here
 * (an enum issue_result: done, failed and recorded, yielded, busy). */
int issue_step(struct run *r);
/* A step of r failed (a->err set): yields when the deadline cut it short,
 * ISSUE_MORE when the CA asked to wait and the wait was done (the same
 * state again), else fails the job (records removed). */
int issue_step_failed(struct run *r);
void issue_end(struct run *r);
/* AWS calls wait out throttling for at most r's time left (NULL: no bound). */
void issue_time_left_install(struct run *r);

/* The job's dns01 (r->dns), rebuilt from the job or resolved. 0/-1 (a->error). */
int issue_dns(struct run *r);
/* The dns01 state into the job document (not saved). 0/-1. */
int issue_save_dns(struct run *r);
/* The dns01 options a job's objects are made with. */
void issue_dns_opts(const struct run *r, struct dns01_opts *d);
/* State ordered, without publishing: the TXT values of the pending
 * authorizations added to r->dns (*npending of them); with none pending the
 * state moves on. 0/-1 (a->error). */
int issue_values(struct run *r, size_t *npending);
/* Fails the job: error recorded, records removed, saved. */
void issue_fail(struct run *r);
/* Saves the job to be resumed (bounded): ISSUE_YIELD, or ISSUE_FAILED. */
enum issue_result issue_yield(struct run *r);

#endif
