/*
 * The scheduler's ARI re-check (sched_fleet.h): the window a CA suggested
 * at issuance may move (a mass revocation moves it to "now"), so each pass
 * asks the CA again, with the unauthenticated GET of renewalInfo, for the
 * certificates whose time to ask again (Retry-After, stored at issuance as
 * the index's ari_next) has come: at most SCHED_ARI_MAX a pass and
 * SCHED_ARI_BUDGET_MS of asking, the longest waiting first, HTTP_GET_MANY_MAX
 * at a time (http_get_many), each GET with its own timeout of
 * SCHED_ARI_TIMEOUT_MS; what is not asked waits for the next pass, first.
 * A window that starts in the past makes the certificate due this pass.
 *
 * What it heard goes into the certificate's index entry as INDEX_ARI
 * ({"start","end","next","checked"}), which the scheduler's fold writes with
 * the rest of index.json (store/index.h): the next time to ask, and a moved
 * window until the certificate is renewed (the new version's entry comes
 * without it). No object of its own grows with the fleet.
 *
 * Stores written before kept it in fleet/ari.json ({"<name>":{"serial",
 * "start","end","next","checked"}}): a pass that finds it folds what still
 * applies into the entries and deletes it once index.json holds them.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acme/ari.h"
#include "acme/directory.h"
#include "acme/problem.h"
#include "agent/renew.h"
#include "agent/certs.h"
#include "handlers/sched_fleet.h"
#include "http/http.h"
#include "json/json.h"
#include "log/log.h"
#include "store/index.h"
#include "store/keys.h"
#include "store/store.h"
#include "util/mem.h"

/* A fleet of 1,000 asked again every pass: with the template's default
 * 12-hour schedule, 2,000 certificates hear a moved window (a mass
 * revocation gives 5 days) within a day; an hourly schedule, 24,000. */
#define SCHED_ARI_MAX 1000
/* The pass's time for asking (the scheduler has 300 s): 8 GETs at a time
 * of ~100 ms is ~80 a second, so 1,000 take ~13 s; a CA slow to answer
 * leaves the rest for the next pass instead of the pass running out. */
#define SCHED_ARI_BUDGET_MS 60000L
/* One renewalInfo GET, connection included: the CA's slow answer costs a
 * slot for this long, never the pass. */
#define SCHED_ARI_TIMEOUT_MS 10000L

static void s_set_time(cJSON *o, const char *k, time_t t)
{
	char buf[32];

	agent_time_format(t, buf, sizeof(buf));
	cJSON_DeleteItemFromObjectCaseSensitive(o, k);
	cJSON_AddStringToObject(o, k, buf);
}

void sched_ari_migrate(struct agent *a, const struct sched_fleet *f, cJSON *certs,
		       struct sched_ari *s)
{
	char *text = NULL;
	cJSON *old = NULL;
	const cJSON *it;
	size_t i, len = 0, moved = 0;

	for (i = 0; i < f->keys.n; i++)
		if (strcmp(f->keys.keys[i], STORE_KEY_ARI) == 0)
			break;
	if (i == f->keys.n || agent_store_get(a, STORE_KEY_ARI, &text, &len, NULL) != 0)
		goto out;
	/* Read: it goes once index.json holds what applies (a damaged one
	 * holds nothing). */
	s->migrate = 1;
	if (!(old = json_parse(text, len, STORE_KEY_ARI)) || !cJSON_IsObject(old)) {
		log_warn("scheduler: %s is damaged; deleting it (the CA is asked again)",
			 STORE_KEY_ARI);
		goto out;
	}
	cJSON_ArrayForEach(it, old)
	{
		cJSON *cert = cJSON_GetObjectItemCaseSensitive(certs, it->string), *e;
		const char *serial = json_str(it, "serial");
		static const char *const keep[] = {"start", "end", "next", "checked"};
		size_t k;

		/* Only what was heard about the version the index holds, and
		 * never over what the index already has. */
		if (!cert || !serial || !json_str(cert, "serial") ||
		    strcmp(serial, json_str(cert, "serial")) != 0 || json_obj(cert, INDEX_ARI) ||
		    !(e = cJSON_AddObjectToObject(cert, INDEX_ARI)))
			continue;
		for (k = 0; k < sizeof(keep) / sizeof(keep[0]); k++)
			if (json_str(it, keep[k]))
				cJSON_AddStringToObject(e, keep[k], json_str(it, keep[k]));
		moved++;
	}
	if (moved)
		s->changed = 1;
	log_info("scheduler: %s: %zu re-check%s moved into the index entries; the file goes "
		 "once index.json holds them",
		 STORE_KEY_ARI, moved, moved == 1 ? "" : "s");
out:
	cJSON_Delete(old);
	free(text);
}

int sched_ari_due(const cJSON *cert, time_t now, time_t *when)
{
	time_t start = agent_time_member(json_obj(cert, INDEX_ARI), "start");

	if (start > 0 && start <= now) {
		*when = start;
		return 1;
	}
	return 0;
}

struct s_cand {
	cJSON *cert;
	time_t next;
};

static int s_cand_cmp(const void *pa, const void *pb)
{
	const struct s_cand *a = pa, *b = pb;

	if (a->next != b->next)
		return a->next < b->next ? -1 : 1;
	return strcmp(a->cert->string, b->cert->string);
}

/* What one renewalInfo GET (g, for url) said: 0 with the window in *w, -1
 * (logged). */
static int s_window(const struct http_get *g, struct acme_ari *w)
{
	cJSON *json = NULL;
	int rc = -1;

	memset(w, 0, sizeof(*w));
	if (g->rc != 0) {
		log_warn("scheduler: renewalInfo: %s", g->resp.error);
		goto out;
	}
	if (g->resp.status != 200) {
		log_warn("scheduler: renewalInfo %s: HTTP %ld", g->url, g->resp.status);
		goto out;
	}
	if (!(json = json_parse(g->resp.body.data, g->resp.body.len, "renewalInfo")) ||
	    acme_ari_parse(json, w) != 0)
		goto out;
	w->retry_after_s =
	    acme_retry_after_seconds(http_response_header(&g->resp, "Retry-After"), time(NULL));
	rc = 0;
out:
	cJSON_Delete(json);
	return rc;
}

void sched_ari_check(struct agent *a, struct sched_ari *s, cJSON *certs, time_t now, cJSON *out)
{
	struct acme_directory dir;
	struct s_cand *c = NULL;
	struct http_get *gets = NULL;
	cJSON *checked = cJSON_AddArrayToObject(out, "ari_checked"), *moved;
	cJSON *it;
	size_t n = 0, nget = 0, unsent = 0, i;
	char why[64];

	memset(&dir, 0, sizeof(dir));
	moved = cJSON_AddArrayToObject(out, "ari_moved");
	if (!checked || !moved || !(c = calloc((size_t)cJSON_GetArraySize(certs) + 1, sizeof(*c))))
		goto out;
	cJSON_ArrayForEach(it, certs)
	{
		const cJSON *e = json_obj(it, INDEX_ARI);
		time_t next = e ? agent_time_member(e, "next") : agent_time_member(it, "ari_next"),
		       start;

		/* Due already, or renewed by a moved window this pass: no need to ask. */
		if (!json_str(it, "ari_id") || next > now || renew_due(it, now, why, sizeof(why)) ||
		    sched_ari_due(it, now, &start))
			continue;
		c[n].cert = it;
		c[n].next = next;
		n++;
	}
	if (n == 0)
		goto out;
	if (acme_directory_fetch(a->directory_url, &dir) != 0 || !dir.renewal_info) {
		log_warn("scheduler: %zu certificate%s to ask the CA about again, but %s", n,
			 n == 1 ? "" : "s",
			 dir.renewal_info ? "its directory cannot be read"
					  : "the CA's directory has no renewalInfo now");
		goto out;
	}
	qsort(c, n, sizeof(*c), s_cand_cmp);
	nget = n < SCHED_ARI_MAX ? n : SCHED_ARI_MAX;
	if (!(gets = calloc(nget, sizeof(*gets))))
		goto out;
	for (i = 0; i < nget; i++) {
		const char *base = dir.renewal_info;

		gets[i].url = str_printf("%s%s%s", base, str_has_suffix(base, "/") ? "" : "/",
					 json_str(c[i].cert, "ari_id"));
		gets[i].timeout_ms = SCHED_ARI_TIMEOUT_MS;
	}
	/* Unauthenticated and independent: side by side, at most HTTP_GET_MANY_MAX at once. */
	http_get_many(gets, nget, 0, SCHED_ARI_BUDGET_MS);
	for (i = 0; i < nget; i++) {
		struct acme_ari w;
		const char *name = c[i].cert->string;
		cJSON *e;

		if (gets[i].url && !gets[i].sent) {
			unsent++;
			continue;
		}
		if (!gets[i].url || s_window(&gets[i], &w) != 0)
			continue;
		cJSON_DeleteItemFromObjectCaseSensitive(c[i].cert, INDEX_ARI);
		if ((e = cJSON_AddObjectToObject(c[i].cert, INDEX_ARI))) {
			s_set_time(e, "start", w.start);
			s_set_time(e, "end", w.end);
			s_set_time(e, "next",
				   now + (w.retry_after_s >= 0 ? w.retry_after_s
							       : ACME_ARI_DEFAULT_RETRY_S));
			s_set_time(e, "checked", now);
		}
		s->changed = 1;
		cJSON_AddItemToArray(checked, cJSON_CreateString(name));
		if (w.start <= now) {
			char st[32];

			agent_time_format(w.start, st, sizeof(st));
			cJSON_AddItemToArray(moved, cJSON_CreateString(name));
			log_warn(
			    "scheduler: the CA moved %s's renewal window to start %s%s%s: renewing "
			    "now",
			    name, st, w.explanation_url ? "; " : "",
			    w.explanation_url ? w.explanation_url : "");
		}
		acme_ari_clear(&w);
	}
	if (n > nget || unsent)
		log_info(
		    "scheduler: %zu certificates to ask the CA about again, %zu asked (at most "
		    "%d and %ld s a pass), the rest first next pass",
		    n, nget - unsent, SCHED_ARI_MAX, SCHED_ARI_BUDGET_MS / 1000);
out:
	for (i = 0; gets && i < nget; i++) {
		free((char *)gets[i].url);
		http_response_free(&gets[i].resp);
	}
	free(gets);
	acme_directory_clear(&dir);
	free(c);
}

void sched_ari_done(struct agent *a, const struct sched_ari *s, int saved)
{
	const char *key = STORE_KEY_ARI;

	if (!s->migrate)
		return;
	if (!saved)
		log_info("scheduler: index.json was not written this pass; %s stays until it is",
			 STORE_KEY_ARI);
	else if (store_delete_keys(a->store, &key, 1) != STORE_OK)
		log_warn("scheduler: could not delete %s (index.json holds what it said); the next "
			 "pass tries again",
			 STORE_KEY_ARI);
}
