/*
 * No TXT record is ever left. Before a job publishes its DNS-01 records it
 * writes a marker, fleet/cleanup/<job-id>.<unix-time> ({"job","names",
 * "since","dns"}: the dns01 state of what it is about to publish; the time
 * in the name lets the scheduler's listing tell an old marker from a job
 * still running), names it in the job ("cleanup_marker") and deletes it once
 * its cleanup succeeded. A marker that stays (the cleanup was throttled past
 * the job's time, the worker was killed or timed out) is found by the
 * scheduler's one listing of fleet/, which hands it to the executor's
 * "cleanup" action (leftover_cleanup): the records are removed from the
 * marker's state, and the marker with them.
 */
#ifndef AAA_AGENT_LEFTOVER_H
#define AAA_AGENT_LEFTOVER_H

#include <stddef.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "agent/agent.h"
#include "agent/job.h"

/* A job not finished, with no live lease, untouched for this long, is
 * abandoned (longer than a Lambda invocation can last). */
#define LEFTOVER_STALE_S 900

/*
 * A marker key's job id and time ("fleet/cleanup/ID.T" -> ID, T), the id
 * copied into id (at least 129 bytes). 0, or -1 for a key that is not one.
 */
int leftover_parse(const char *key, char *id, size_t idlen, time_t *when);

/* Writes the marker for job with dns_state (the dns01 state about to be
 * published) and records its key in the job ("cleanup_marker"). 0/-1. */
int leftover_mark(struct agent *a, struct job *job, const cJSON *dns_state);

/* Deletes the job's marker (after a successful cleanup). A missing one is fine. */
void leftover_unmark(struct agent *a, struct job *job);

/*
 * The executor's cleanup of a job's markers (every fleet/cleanup/<id>.*).
 * Removes the records each marker lists and the marker, when the job that wrote it is finished,
 * gone, past the point where it needs them (authorized), or abandoned (no live lease, not updated
 * for LEFTOVER_STALE_S: it is failed first, so no resume answers a challenge without its record; a
 * renewal counts it as a failed attempt). Idempotent. owner: the lease owner to take an abandoned
 * job with. Fills out with "state" ("done", "busy": the job still needs its records, or "failed"
 * with a->err) and "removed" (the record names). 0 done, 1 busy, -1 failed.
 */
int leftover_cleanup(struct agent *a, const char *job_id, const char *owner, cJSON *out);

#endif
