/*
 * The scheduler's hand-off in batches (sched_batch.c): the certificates a
 * pass starts, grouped by the hosted zone they were last validated in, in
 * batches of at most AAA_BATCH_SIZE, each batch one asynchronous executor
 * invocation ({"action":"renew_batch","names":[...],"due_only":true}; a
 * batch of one is {"action":"renew","name":...}). The scheduler never calls
 * Route53: the zone comes from the index entry's "zones" (recorded at
 * issuance), else the name's parent domain stands in for it.
 */
#ifndef AAA_HANDLERS_SCHED_BATCH_H
#define AAA_HANDLERS_SCHED_BATCH_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* AAA_BATCH_SIZE: a whole number 1..100; anything else is the default (25). */
long sched_batch_size(void);

/*
 * The grouping key of a certificate: its entry's first zone id ("zone:Z1"),
 * else its name's parent domain, a leading "*." dropped first
 * ("name:example.com" for www.example.com, *.www.example.com, *.example.com
 * and example.com alike), lower case. Caller frees; NULL on OOM.
 */
char *sched_zone_key(const char *name, const cJSON *entry);

/*
 * The batches for names[0..n) (most urgent first; entries[i] is names[i]'s
 * index entry, may be NULL): a JSON array of arrays of names, each of one
 * zone key and at most size names, ordered by their most urgent member;
 * within a batch the names keep their order. NULL on OOM.
 */
cJSON *sched_batches(const char *const *names, const cJSON *const *entries, size_t n, long size);

/*
 * Starts the batches: one asynchronous invocation of fn each. Names of a
 * batch that went out are added to renewing, the others to failed.
 * ari_moved (name -> serial, may be NULL): certificates due only because
 * the CA's ARI moved their window (the scheduler's re-check, which the
 * executor's rule on meta.json does not see): a batch lists their serials
 * as "ari_moved", so due_only renews those versions and no later one.
 * Returns the number of invocations made.
 */
size_t sched_batch_start(const char *fn, const char *const *names, const cJSON *const *entries,
			 size_t n, const cJSON *ari_moved, cJSON *renewing, cJSON *failed);

#endif
