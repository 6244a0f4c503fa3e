/*
 * What the fleet shares through the store: the CA pause and the leftover
 * cleanup markers.
 *
 * The fleet-wide CA pause: when the CA answers a new order or a finalize
 * with `rateLimited` (or HTTP 503 with Retry-After), the job records until
 * when the CA asked to wait in fleet/ca-pause.json. Every later new order
 * (any executor, the CLI) waits for it or fails saying until when, and the
 * scheduler starts no renewal before it ends (handlers/sched_fleet.h).
 *
 * The document: {"until","since","directory","code","detail"} (times RFC
 * 3339 UTC). A pause is only ever extended: a shorter one recorded later
 * (a second executor's answer) keeps the longer.
 */
#ifndef AAA_AGENT_FLEET_H
#define AAA_AGENT_FLEET_H

#include <stddef.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "agent/agent.h"
#include "agent/job.h"

/* The pause when the CA said rateLimited without a Retry-After. */
#define CA_PAUSE_DEFAULT_S 3600

struct ca_pause {
	time_t until, since;
	char *directory, *code, *detail; /* owned, may be NULL */
};

/* Reads the pause. 0 (filled; until may be past), 1 none recorded, -1 error (a->error). */
int ca_pause_read(struct agent *a, struct ca_pause *p);

/*
 * Records a pause until `until` for the agent's CA, unless one that ends
 * later is recorded (conditional writes: two executors at once keep the
 * later). code: the CA's problem type, detail: its message. 0/-1.
 */
int ca_pause_note(struct agent *a, time_t until, const char *code, const char *detail);

/* {"until","since","directory","code","detail","seconds_left"} for an answer. Caller deletes. */
cJSON *ca_pause_json(const struct ca_pause *p, time_t now);

/* Adds "ca_pause" to every account object of agent_ls's answer whose
 * directory is the paused CA's, while the pause lasts (aaa ls). */
void ca_pause_ls(struct agent *a, cJSON *ls, time_t now);

/* Adds "ca_pause" to out while a pause lasts (the executor's status answer). */
void ca_pause_add(struct agent *a, cJSON *out, time_t now);

void ca_pause_clear(struct ca_pause *p);

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
