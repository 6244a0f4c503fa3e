/*
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
#ifndef AAA_AGENT_CA_PAUSE_H
#define AAA_AGENT_CA_PAUSE_H

#include <time.h>

#include <cjson/cJSON.h>

#include "agent/agent.h"

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

#endif
