/*
 * A batch of issuance jobs stepped together (issue.h, issue_batch_run):
 * each certificate keeps its own job (its id, state, lease, error and
 * resumption are those of a single job), and the jobs move in lockstep,
 * the ones at the earliest state first, so they meet at the states where
 * Route53 is called:
 *
 *   ordered        every job's TXT values are merged into one dns01 object
 *                  and published with one ChangeResourceRecordSets per zone;
 *   dns_published  one GetChange wait per change, for all jobs;
 *   authorized     one change per zone removes every job's values, before
 *                  each job finalizes.
 *
 * Everything else (order, answer, validation, finalize, store, deploy) is
 * each job's own step; all challenges are answered before any is polled.
 * A failure is the failing job's alone: a zone that cannot be written fails
 * the jobs with a name in it, a name in no zone fails its job at the new
 * step, the others go on. When the deadline comes every unfinished job is
 * saved and released together; the caller resumes them as one batch.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "agent/issue.h"
#include "agent/issue_impl.h"
#include "agent/fleet.h"
#include "agent/job.h"
#include "dns/dns01.h"
#include "json/json.h"
#include "log/log.h"

struct s_batch {
	struct agent *a;
	struct issue_batch_item *items;
	struct run *runs;
	int *active;
	size_t n;
	int yielded;		   /* the deadline came: every unfinished job is saved */
	struct dns01 *published;   /* the last publish's object: its beliefs spare reads */
	struct dns01_cache *cache; /* zones listed once per batch */
};

static void s_finish(struct s_batch *b, size_t i, int res)
{
	b->items[i].res = (enum issue_result)res;
	b->active[i] = 0;
}

/* The deadline: every job still going is saved and released, to be
 * resumed together. */
static void s_yield_all(struct s_batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		if (b->active[i])
			s_finish(b, i, issue_yield(&b->runs[i]));
	b->yielded = 1;
}

/* A job's result from a step: finished, or go on; a yield yields all. */
static void s_after(struct s_batch *b, size_t i, int res)
{
	if (res == ISSUE_MORE)
		return;
	s_finish(b, i, res);
	if (res == ISSUE_YIELD)
		s_yield_all(b);
}

static int s_time_short(const struct s_batch *b, const struct run *r)
{
	long long left = b->a->remaining_ms ? b->a->remaining_ms(b->a->remaining_ctx) : -1;
	long margin = r->o->margin_ms ? r->o->margin_ms : 60000L;

	return left >= 0 && left < margin;
}

/* Moves job i to state s and saves it. */
static void s_advance(struct s_batch *b, size_t i, enum job_state s)
{
	struct run *r = &b->runs[i];
	int t;

	if (job_set_state(r->job, s) != 0) {
		s_after(b, i, issue_step_failed(r));
		return;
	}
	t = job_save(b->a, r->job);
	if (t != 0)
		s_finish(b, i, t > 0 ? ISSUE_BUSY : ISSUE_FAILED);
}

/* A batch's dns01 object, with job i's options; waiting: it polls
 * GetChange at the batch's pace. */
static struct dns01 *s_new_dns(struct s_batch *b, size_t i, int waiting)
{
	struct dns01_opts o;

	issue_dns_opts(&b->runs[i], &o);
	if (waiting) {
		o.poll_first_ms = DNS01_BATCH_POLL_FIRST_MS;
		o.poll_max_ms = DNS01_BATCH_POLL_MAX_MS;
	}
	return dns01_new(&o);
}

/* A job whose part of a batch's DNS work failed: its error (NULL: out of
 * memory), then the usual failure (or resumption when the deadline cut it
 * short). */
static void s_dns_failed(struct s_batch *b, size_t i, const struct aaa_err *why)
{
	if (why)
		agent_fail_from(b->a, why, "%s", why->message);
	else
		agent_fail(b->a, "dns", "", "dns-01: out of memory");
	s_after(b, i, issue_step_failed(&b->runs[i]));
}

/* The next job of sel still going, at *i or after, its last error
 * cleared; NULL past the last. */
static struct run *s_next(struct s_batch *b, const int *sel, size_t *i)
{
	for (; *i < b->n; (*i)++) {
		if (sel[*i] && b->active[*i]) {
			b->a->err.message[0] = '\0';
			return &b->runs[*i];
		}
	}
	return NULL;
}

/* A batch's merged dns01 object and which jobs are in it. */
struct s_merged {
	struct dns01 *d;
	int *in;
	size_t n;
};

static int s_merged_init(const struct s_batch *b, struct s_merged *m)
{
	m->d = NULL;
	m->n = 0;
	m->in = calloc(b->n, sizeof(*m->in));
	return m->in ? 0 : -1;
}

static void s_merged_free(struct s_merged *m)
{
	dns01_free(m->d);
	free(m->in);
}

/* Merges job i's dns01 object into m (made with job i's options when
 * first needed) and counts the job in. Waiting, a job that follows
 * another change than m's is not in: it waits on its own. Returns
 * dns01_merge's result, or -2 when m's object could not be made. */
static int s_merge(struct s_batch *b, struct s_merged *m, size_t i, int waiting)
{
	int res;

	if (!m->d && !(m->d = s_new_dns(b, i, waiting)))
		return -2;
	res = dns01_merge(m->d, b->runs[i].dns);
	if (res == 0 || (res > 0 && !waiting)) {
		m->in[i] = 1;
		m->n++;
	}
	return res;
}

/* State ordered for the jobs in sel: values, one publish, outcomes. */
static void s_publish(struct s_batch *b, const int *sel)
{
	struct s_merged all;
	struct run *r;
	size_t i, pending, nvalues = 0;
	int m;

	if (s_merged_init(b, &all) != 0) {
		s_yield_all(b);
		return;
	}
	for (i = 0; (r = s_next(b, sel, &i)); i++) {
		/* Each job's values ask the CA (order, authorizations) and write a
		 * marker: a full batch on a slow CA must not run past the deadline. */
		if (s_time_short(b, r)) {
			log_info("batch: time is short while collecting TXT values; saving every "
				 "job at its state to resume");
			s_yield_all(b);
			goto out;
		}
		if (issue_values(r, &pending) != 0) {
			s_after(b, i, issue_step_failed(r));
			if (b->yielded)
				goto out;
			continue;
		}
		if (pending == 0) { /* authorized already: nothing to publish */
			int t = job_save(b->a, r->job);

			if (t != 0)
				s_finish(b, i, t > 0 ? ISSUE_BUSY : ISSUE_FAILED);
			continue;
		}
		m = s_merge(b, &all, i, 0);
		if (m < 0)
			s_dns_failed(b, i, m == -2 ? NULL : dns01_err(all.d));
		else
			nvalues += pending;
	}
	if (all.n == 0)
		goto out;
	if (dns01_publish_all(all.d) != 0)
		log_warn("batch: publishing failed in a zone: %s (its certificates fail, the "
			 "others go on)",
			 dns01_err(all.d)->message);
	for (i = 0; i < b->n; i++) {
		if (!all.in[i])
			continue;
		r = &b->runs[i];
		if (dns01_adopt(r->dns, all.d) != 0) {
			/* What went out in its other zones is listed, for cleanup. */
			issue_save_dns(r);
			s_dns_failed(b, i, dns01_err(r->dns));
			if (b->yielded)
				goto out;
			continue;
		}
		if (issue_save_dns(r) != 0) {
			s_dns_failed(b, i, NULL);
			continue;
		}
		agent_progress(b->a, "job %s: DNS records published with the batch",
			       job_id(r->job));
		s_advance(b, i, JOB_DNS_PUBLISHED);
	}
	log_info("batch: %zu TXT value(s) of %zu certificate(s) published, %u change(s)", nvalues,
		 all.n, dns01_change_requests(all.d));
	dns01_free(b->published);
	b->published = all.d;
	all.d = NULL;
out:
	s_merged_free(&all);
}

/* State dns_published: one GetChange per change for every job in sel. A
 * job that follows another change than the batch's waits on its own. */
static void s_wait(struct s_batch *b, const int *sel)
{
	struct s_merged w;
	struct run *r;
	size_t i;

	if (s_merged_init(b, &w) != 0) {
		s_yield_all(b);
		return;
	}
	for (i = 0; (r = s_next(b, sel, &i)); i++) {
		if (issue_dns(r) != 0)
			s_after(b, i, issue_step_failed(r));
		else
			s_merge(b, &w, i, 1);
	}
	if (b->yielded)
		goto out;
	if (w.n && dns01_wait(w.d) != 0) {
		for (i = 0; i < b->n && !b->yielded; i++)
			if (w.in[i] && b->active[i])
				s_dns_failed(b, i, dns01_err(w.d));
		goto out;
	}
	for (i = 0; i < b->n && !b->yielded; i++) {
		if (!sel[i] || !b->active[i])
			continue;
		if (w.in[i]) {
			if (dns01_adopt(b->runs[i].dns, w.d) == 0 &&
			    issue_save_dns(&b->runs[i]) == 0)
				s_advance(b, i, JOB_DNS_INSYNC);
			else
				s_dns_failed(b, i, dns01_err(b->runs[i].dns));
		} else {
			s_after(b, i, issue_step(&b->runs[i])); /* its own wait */
		}
	}
out:
	s_merged_free(&w);
}

/*
 * State authorized, before finalize: one change per zone removes the
 * values of every job in sel that still lists records. A job whose zone
 * could not be cleaned keeps its records listed; its own step tries again.
 */
static void s_cleanup(struct s_batch *b, const int *sel)
{
	struct s_merged c;
	struct run *r;
	size_t i;

	if (s_merged_init(b, &c) != 0)
		return;
	for (i = 0; (r = s_next(b, sel, &i)); i++) {
		if (json_obj(r->job->doc, "dns") && issue_dns(r) == 0 && s_merge(b, &c, i, 0) == -2)
			goto out;
	}
	if (c.n == 0)
		goto out;
	if (b->published && dns01_beliefs_from(c.d, b->published) != 0)
		goto out;
	if (dns01_cleanup(c.d) != 0)
		log_warn("batch: removing the TXT records failed in a zone: %s (those jobs keep "
			 "them listed and try again)",
			 dns01_err(c.d)->message);
	for (i = 0; i < b->n; i++) {
		if (!c.in[i])
			continue;
		if (dns01_adopt(b->runs[i].dns, c.d) == 0) {
			cJSON_DeleteItemFromObjectCaseSensitive(b->runs[i].job->doc, "dns");
			leftover_unmark(b->a, b->runs[i].job);
			agent_progress(b->a, "job %s: DNS records removed with the batch",
				       job_id(b->runs[i].job));
		}
	}
	log_info("batch: TXT values of %zu certificate(s) removed, %u change(s)", c.n,
		 dns01_change_requests(c.d));
out:
	s_merged_free(&c);
}

void issue_batch_run(struct agent *a, struct issue_batch_item *items, size_t n,
		     const struct issue_opts *o)
{
	struct issue_opts bo = *o;
	struct issue_ca_memo memo;
	struct s_batch b;
	enum issue_result res;
	enum job_state st, min;
	int *sel = NULL;
	size_t i, first;

	memset(&b, 0, sizeof(b));
	memset(&memo, 0, sizeof(memo));
	bo.ca_memo = &memo;
	b.a = a;
	b.items = items;
	b.n = n;
	b.runs = calloc(n ? n : 1, sizeof(*b.runs));
	b.active = calloc(n ? n : 1, sizeof(*b.active));
	sel = calloc(n ? n : 1, sizeof(*sel));
	b.cache = dns01_cache_new();
	for (i = 0; i < n; i++)
		items[i].res = ISSUE_FAILED;
	if (!b.runs || !b.active || !sel || !b.cache) {
		agent_fail(a, "internal", "", "out of memory");
		goto out;
	}
	bo.dns_cache = b.cache;
	first = n;
	for (i = 0; i < n; i++) {
		if (issue_begin(&b.runs[i], a, items[i].job, &bo, &res) == 0) {
			b.active[i] = 1;
			if (first == n)
				first = i;
		} else {
			items[i].res = res;
		}
	}
	if (first < n)
		issue_time_left_install(&b.runs[first]);
	for (;;) {
		min = JOB_STATE_MAX;
		for (i = 0; i < n; i++) {
			if (!b.active[i])
				continue;
			st = job_state(items[i].job);
			if (st < min)
				min = st;
		}
		if (min == JOB_STATE_MAX)
			break;
		for (i = 0; i < n; i++)
			sel[i] = b.active[i] && job_state(items[i].job) == min;
		if ((min == JOB_ORDERED || min == JOB_DNS_PUBLISHED || min == JOB_AUTHORIZED) &&
		    s_time_short(&b, &b.runs[first])) {
			log_info("batch: time is short, saving every job at its state to resume");
			s_yield_all(&b);
			break;
		}
		if (min == JOB_ORDERED) {
			s_publish(&b, sel);
		} else if (min == JOB_DNS_PUBLISHED) {
			s_wait(&b, sel);
		} else {
			if (min == JOB_AUTHORIZED)
				s_cleanup(&b, sel);
			for (i = 0; i < n && !b.yielded; i++)
				if (sel[i] && b.active[i])
					s_after(&b, i, issue_step(&b.runs[i]));
		}
		if (b.yielded)
			break;
	}
out:
	issue_time_left_install(NULL);
	for (i = 0; b.runs && i < n; i++)
		if (b.runs[i].a)
			issue_end(&b.runs[i]);
	ca_pause_clear(&memo.p);
	dns01_free(b.published);
	dns01_cache_free(b.cache);
	free(b.runs);
	free(b.active);
	free(sel);
}
