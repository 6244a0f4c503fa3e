/*
 * What the scheduler does for the fleet besides the index (its own files,
 * called from scheduler.c): one listing of fleet/ per pass, which holds
 *   fleet/ca-pause.json     the CA asked to wait (agent/fleet.h): while it
 *                           lasts no renewal starts; they are "deferred"
 *   fleet/ari.json          only in stores written before the ARI re-check
 *                           kept its state in the index entries: read once,
 *                           folded into them, deleted (sched_ari.c)
 *   fleet/cleanup/<job-id>.<time>  a job's TXT records may still be
 *                           published: the executor's "cleanup" action
 *                           finishes them (sched_cleanup.c, agent/fleet.h)
 * Nothing here fails a pass: what cannot be read is logged and skipped, and
 * the next pass tries again.
 */
#ifndef AAA_HANDLERS_SCHED_FLEET_H
#define AAA_HANDLERS_SCHED_FLEET_H

#include <time.h>

#include <cjson/cJSON.h>

#include "agent/agent.h"
#include "agent/fleet.h"
#include "store/store.h"

struct sched_fleet {
	struct store_keys keys; /* the fleet/ listing */
	int paused;		/* the CA's pause lasts: start no renewal */
	struct ca_pause pause;
};

/* Lists fleet/ (one request) and reads the CA's pause when one is listed. */
void sched_fleet_read(struct agent *a, time_t now, struct sched_fleet *f);

/* While paused: "ca_pause" in the answer, and a log line naming how many
 * due certificates wait for it. */
void sched_pause_report(const struct sched_fleet *f, size_t waiting, time_t now, cJSON *out);

/* Hands each old cleanup marker's job to the executor's "cleanup" action
 * (fn); "cleaning" in the answer lists them. */
void sched_cleanup_start(const struct sched_fleet *f, const char *fn, time_t now, cJSON *out);

void sched_fleet_clear(struct sched_fleet *f);

/* Hands payload p (taken; NULL after an allocation failed) to the executor
 * fn, asynchronously; a failure is logged as "scheduler: <what>: <why>".
 * 0/-1. */
int sched_invoke(const char *fn, cJSON *p, const char *what);

/*
 * The ARI re-check (sched_ari.c). What the CA said is kept in the index
 * entries (INDEX_ARI, store/index.h), so the scheduler writes it with its
 * fold: changed asks for that write (index_view.dirty).
 */
struct sched_ari {
	int changed; /* an entry's INDEX_ARI was written: index.json must be */
	int migrate; /* fleet/ari.json was read: delete it once index.json is written */
};
/* An old fleet/ari.json (listed in f) folded into certs, the index's
 * "certs" object: what it says about the versions the index holds, where
 * the entry has nothing yet. */
void sched_ari_migrate(struct agent *a, const struct sched_fleet *f, cJSON *certs,
		       struct sched_ari *s);
/* Asks the CA again (at most SCHED_ARI_MAX), what it said written into the
 * entries of certs; "ari_checked" and "ari_moved" in the answer. */
void sched_ari_check(struct agent *a, struct sched_ari *s, cJSON *certs, time_t now, cJSON *out);
/* 1 when the CA's window for this certificate (its index entry cert) has
 * started: due now, *when the window's start. */
int sched_ari_due(const cJSON *cert, time_t now, time_t *when);
/* After the pass's fold (saved: index.json written or already holding all):
 * the old fleet/ari.json goes. */
void sched_ari_done(struct agent *a, const struct sched_ari *s, int saved);

#endif
