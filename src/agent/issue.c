/*
 * The issuance state machine. Each step reads what it needs from the job
 * document, does one phase of the work, records what a later step (maybe
 * in another process) needs, and moves the state on with one conditional
 * save (finalized and downloaded are folded into the next save, see
 * issue_step). Whatever happens, TXT records we published are removed:
 * after the order is authorized, on every failure, and by a resumed job
 * that finds them still listed.
 */
#define _GNU_SOURCE
#include "agent/issue.h"
#include "agent/issue_impl.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acme/ari.h"
#include "acme/challenge.h"
#include "acme/order.h"
#include "agent/account.h"
#include "agent/fleet.h"
#include "agent/certs.h"
#include "config/settings.h"
#include "deploy/deploy.h"
#include "agent/targets.h"
#include "aws/client.h"
#include "crypto/jwk.h"
#include "crypto/jws.h"
#include "crypto/key.h"
#include "crypto/names.h"
#include "crypto/x509.h"
#include "dns/dns01.h"
#include "json/json.h"
#include "log/log.h"
#include "store/keys.h"
#include "util/cancel.h"
#include "util/mem.h"

#define DEFAULT_LEASE_S	  900
#define DEFAULT_MARGIN_MS 60000L
/* Longest single wait (DNS INSYNC, CA validation) we start; AAA_MAX_WAIT_S lowers it. */
#define MAX_WAIT_MS (SETTING_DEFAULT_LONG(max_wait_s) * 1000L)

static long long s_remaining(const struct run *r)
{
	return r->a->remaining_ms ? r->a->remaining_ms(r->a->remaining_ctx) : -1;
}

/* What an invocation keeps to save its job before its deadline. */
static long s_margin(const struct run *r)
{
	return r->o->margin_ms ? r->o->margin_ms : DEFAULT_MARGIN_MS;
}

/* How long a wait may last: the default, or what the invocation has left
 * minus the margin. */
static long s_max_wait(void)
{
	const char *v = settings()->max_wait_s;
	long s = v ? strtol(v, NULL, 10) : 0;

	return s > 0 && s < MAX_WAIT_MS / 1000 ? s * 1000 : MAX_WAIT_MS;
}

static long s_wait_budget(const struct run *r)
{
	long long left = s_remaining(r);
	long max = s_max_wait();

	if (left < 0)
		return max;
	left -= s_margin(r);
	if (left < 1000)
		left = 1000;
	return left < max ? (long)left : max;
}

/* What AWS calls may spend waiting out throttling: the time left before
 * this invocation must save its job (the margin, and a second to save). */
static long long s_aws_time_left(void *ctx)
{
	const struct run *r = ctx;
	long long left = s_remaining(r);

	if (left < 0)
		return -1;
	left -= s_margin(r) + 1000;
	return left < 0 ? 0 : left;
}

static int s_names(struct run *r)
{
	if (json_str_array_view(json_arr(r->job->doc, "names"), &r->names, &r->nnames) != 0)
		return -1;
	return r->nnames == 0 ? -1 : 0;
}

static void s_dns_opts(const struct run *r, struct dns01_opts *d)
{
	memset(d, 0, sizeof(*d));
	d->zone_ids = r->a->cfg.zone_ids;
	d->nzone_ids = r->a->cfg.nzone_ids;
	d->zone_roles = r->a->cfg.zone_roles;
	d->nzone_roles = r->a->cfg.nzone_roles;
	d->insync_timeout_ms = s_wait_budget(r);
	d->cache = r->o->dns_cache;
}

void issue_dns_opts(const struct run *r, struct dns01_opts *d)
{
	s_dns_opts(r, d);
}

/* The hosted zones the names were found in, kept with the job and then
 * the certificate (meta.json, the index): the scheduler groups renewals by
 * zone without asking Route53. Best effort. */
static void s_record_zones(struct run *r)
{
	cJSON *arr = cJSON_CreateArray();
	size_t i;

	for (i = 0; arr && i < dns01_zone_count(r->dns); i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(dns01_zone_id_at(r->dns, i)));
	cJSON_DeleteItemFromObjectCaseSensitive(r->job->doc, "zones");
	if (arr && !cJSON_AddItemToObject(r->job->doc, "zones", arr))
		cJSON_Delete(arr);
}

/* The dns01 session: in memory, else rebuilt from the job's saved state. */
static int s_dns(struct run *r)
{
	struct dns01_opts d;
	const cJSON *st = json_obj(r->job->doc, "dns");

	if (r->dns)
		return 0;
	s_dns_opts(r, &d);
	r->dns = st ? dns01_from_state(st, &d) : dns01_new(&d);
	if (!r->dns) {
		agent_fail(r->a, "dns", "", "cannot set up DNS-01 (out of memory?)");
		return -1;
	}
	if (!st && dns01_resolve(r->dns, r->names, r->nnames) != 0) {
		agent_fail_from(r->a, dns01_err(r->dns), "%s", dns01_err(r->dns)->message);
		return -1;
	}
	if (!st)
		s_record_zones(r);
	return 0;
}

int issue_dns(struct run *r)
{
	return s_dns(r);
}

static int s_save_dns(struct run *r)
{
	cJSON *st = dns01_state(r->dns);

	if (!st)
		return -1;
	cJSON_DeleteItemFromObjectCaseSensitive(r->job->doc, "dns");
	cJSON_AddItemToObject(r->job->doc, "dns", st);
	return 0;
}

int issue_save_dns(struct run *r)
{
	return s_save_dns(r);
}

/* Removes our TXT records; keeps going on failure (logged) so the job's
 * own error is what the user sees, and leaves the state for a later try. */
static void s_dns_cleanup(struct run *r)
{
	if (!json_obj(r->job->doc, "dns"))
		return;
	if (s_dns(r) != 0)
		return;
	if (dns01_cleanup(r->dns) != 0) {
		log_error("job %s: removing the TXT records failed: %s (they stay listed in the "
			  "job; run it again to retry)",
			  job_id(r->job), dns01_err(r->dns)->message);
		return;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(r->job->doc, "dns");
	leftover_unmark(r->a, r->job);
	agent_progress(r->a, "DNS records removed");
}

static int s_order(struct run *r)
{
	const char *url = json_str(r->job->doc, "order");

	if (r->have_order)
		return 0;
	/* A resumed job starts here, in a process that has not loaded the account. */
	if (agent_account_load(r->a) != 0)
		return -1;
	if (!url || acme_order_fetch(r->a->acme, url, &r->order) != 0) {
		agent_fail_acme(r->a, "read the order");
		return -1;
	}
	r->have_order = 1;
	return 0;
}

/*
 * A pause the fleet recorded (fleet.h) that still lasts: no new order
 * before it ends. -1 with the error set (issue_run's s_ca_wait then waits or
 * fails); 0 when there is none (or it cannot be read: the CA then says).
 */
static int s_ca_paused(struct run *r)
{
	struct issue_ca_memo *m = r->o->ca_memo, own;
	const struct ca_pause *p;
	time_t now = time(NULL);
	char u[32];
	int rc = 0;

	if (!m) {
		memset(&own, 0, sizeof(own));
		m = &own;
	}
	if (!m->read) {
		ca_pause_clear(&m->p);
		m->got = ca_pause_read(r->a, &m->p);
		m->read = 1;
	}
	p = &m->p;
	if (m->got == 0 && p->until > now) {
		agent_time_format(p->until, u, sizeof(u));
		agent_fail(r->a, "acme", p->code ? p->code : "",
			   "new order: the CA asked the fleet to wait until %s (%s)", u,
			   p->detail ? p->detail : "rate limited");
		r->ca_until = p->until;
		rc = -1;
	}
	if (m == &own)
		ca_pause_clear(&own.p);
	return rc;
}

/* state new: check everything we can before the CA hears of us. */
static int s_step_new(struct run *r)
{
	struct aaa_err err;
	struct acme_order_opts oo = {0};
	const cJSON *d;
	cJSON *meta = NULL;
	int rc = -1;

	if (names_validate_list(r->names, r->nnames, &err) != 0) {
		agent_fail(r->a, "input", "", "%s", err.message);
		goto out;
	}
	cJSON_ArrayForEach(d, json_arr(r->job->doc, "deploy"))
	{
		if (cJSON_IsString(d) && deploy_target_validate(d->valuestring, &err) != 0) {
			agent_fail(r->a, "input", "", "--deploy %s: %s", d->valuestring,
				   err.message);
			goto out;
		}
	}
	if (agent_account_load(r->a) != 0 || s_dns(r) != 0)
		goto out;
	/* A renewal names the certificate it replaces (ARI, RFC 9773). */
	if (agent_meta_load(r->a, r->names[0], &meta) < 0)
		goto out;
	oo.replaces = json_str(meta, "ari_id");
	/* The profile asked for, else the certificate's own (every renewal
	 * keeps it), else the configured default, which is not recorded, so a
	 * change of the default reaches the certificates that never chose. */
	if (!json_str(r->job->doc, "acme_profile") && json_str(meta, "acme_profile") &&
	    !cJSON_AddStringToObject(r->job->doc, "acme_profile", json_str(meta, "acme_profile")))
		goto out;
	oo.profile = json_str(r->job->doc, "acme_profile") ? json_str(r->job->doc, "acme_profile")
							   : r->a->cfg.profile;
	if (s_ca_paused(r) != 0)
		goto out;
	if (acme_order_new(r->a->acme, r->names, r->nnames, &oo, &r->order) != 0) {
		agent_fail_acme(r->a, "new order");
		goto out;
	}
	r->have_order = 1;
	cJSON_DeleteItemFromObjectCaseSensitive(r->job->doc, "order");
	if (!cJSON_AddStringToObject(r->job->doc, "order", r->order.url))
		goto out;
	agent_progress(r->a, "order created for %zu name%s: %s", r->nnames,
		       r->nnames == 1 ? "" : "s", r->order.url);
	rc = job_set_state(r->job, JOB_ORDERED);
out:
	cJSON_Delete(meta);
	return rc;
}

/* aaa authz: how long the new authorizations last, for aaa ls (one read
 * per name; only this command pays for it). Failure is only logged. */
static void s_record_authz(struct run *r)
{
	cJSON *exp = cJSON_CreateObject();
	size_t i;

	if (!exp || acme_order_authorizations(r->a->acme, &r->order) != 0)
		goto out;
	for (i = 0; i < r->order.nauthz; i++)
		if (r->order.authz[i].expires)
			cJSON_AddStringToObject(exp, r->order.authz[i].identifier,
						r->order.authz[i].expires);
	if (agent_authz_record(r->a, exp) != 0)
		log_warn("could not record the authorizations' expiry for aaa ls");
out:
	cJSON_Delete(exp);
}

static int s_mark(struct run *r)
{
	cJSON *st = dns01_state(r->dns);
	int rc = st ? leftover_mark(r->a, r->job, st) : -1;

	cJSON_Delete(st);
	return rc;
}

/*
 * state ordered, first half: one TXT value per pending authorization,
 * added to the job's dns01 (not published). No pending authorization: the
 * job moves on to authorized (done for aaa authz).
 */
int issue_values(struct run *r, size_t *npending)
{
	char *thumb = NULL, *ka = NULL, *txt = NULL;
	size_t i, pending = 0;
	int rc = -1;

	*npending = 0;
	if (s_order(r) != 0 || acme_order_authorizations(r->a->acme, &r->order) != 0) {
		agent_fail_acme(r->a, "read the authorizations");
		goto out;
	}
	if (s_dns(r) != 0 || !(thumb = jwk_thumbprint(jws_signer_jwk(r->a->acme->signer))))
		goto out;
	for (i = 0; i < r->order.nauthz; i++) {
		const struct acme_authz *z = &r->order.authz[i];

		free(ka);
		free(txt);
		ka = txt = NULL;
		if (strcmp(z->status, "valid") == 0)
			continue;
		if (!(ka = acme_key_authorization(z->chall_token, thumb)) ||
		    !(txt = acme_dns01_txt_value(ka)))
			goto out;
		if (dns01_add(r->dns, z->identifier, txt) != 0) {
			agent_fail_from(r->a, dns01_err(r->dns), "%s", dns01_err(r->dns)->message);
			goto out;
		}
		pending++;
	}
	*npending = pending;
	if (pending == 0) {
		agent_progress(r->a, "every name is already authorized");
		if (r->o->authz_only)
			s_record_authz(r);
		rc = job_set_state(r->job, r->o->authz_only ? JOB_DONE : JOB_AUTHORIZED);
		goto out;
	}
	/* Before anything is published: found by the scheduler if this job
	 * cannot remove them itself (fleet.h). */
	rc = s_mark(r);
out:
	free(thumb);
	free(ka);
	free(txt);
	return rc;
}

/* state ordered: the values, then one change per zone. */
static int s_step_ordered(struct run *r)
{
	size_t pending = 0;

	if (issue_values(r, &pending) != 0)
		return -1;
	if (pending == 0)
		return 0;
	if (dns01_publish(r->dns) != 0) {
		agent_fail_from(r->a, dns01_err(r->dns), "%s", dns01_err(r->dns)->message);
		/* Whatever part went out must be listed, so cleanup finds it. */
		s_save_dns(r);
		return -1;
	}
	if (s_save_dns(r) != 0)
		return -1;
	agent_progress(r->a, "DNS records published (%zu TXT value%s)", pending,
		       pending == 1 ? "" : "s");
	return job_set_state(r->job, JOB_DNS_PUBLISHED);
}

static int s_step_published(struct run *r)
{
	if (s_dns(r) != 0)
		return -1;
	if (dns01_wait(r->dns) != 0) {
		agent_fail_from(r->a, dns01_err(r->dns), "%s", dns01_err(r->dns)->message);
		return -1;
	}
	agent_progress(r->a, "DNS changes in sync");
	return job_set_state(r->job, JOB_DNS_INSYNC);
}

/* Answer every challenge first, then poll once for all (validations run in parallel). */
static int s_step_insync(struct run *r)
{
	size_t i;

	if (s_order(r) != 0)
		return -1;
	if (r->order.nauthz == 0 && acme_order_authorizations(r->a->acme, &r->order) != 0) {
		agent_fail_acme(r->a, "read the authorizations");
		return -1;
	}
	for (i = 0; i < r->order.nauthz; i++)
		if (acme_challenge_answer(r->a->acme, &r->order.authz[i]) != 0) {
			agent_fail_acme(r->a, "answer the challenge");
			return -1;
		}
	agent_progress(r->a, "challenges answered");
	return job_set_state(r->job, JOB_CHALLENGES_ANSWERED);
}

static int s_step_answered(struct run *r)
{
	if (s_order(r) != 0)
		return -1;
	r->a->acme->poll_timeout_ms = s_wait_budget(r);
	if (acme_order_wait_ready(r->a->acme, &r->order) != 0) {
		agent_fail_acme(r->a, "validation");
		return -1;
	}
	agent_progress(r->a, "validated");
	/* A certificate's records go while the CA issues it (s_step_authorized). */
	if (r->o->authz_only) {
		s_dns_cleanup(r);
		s_record_authz(r);
	}
	return job_set_state(r->job, r->o->authz_only ? JOB_DONE : JOB_AUTHORIZED);
}

static char *s_job_key_key(const struct run *r)
{
	char *name = str_printf("%s.key.pem", job_id(r->job)), *k = NULL;

	if (name)
		k = store_key_join(STORE_DIR_JOBS, name);
	free(name);
	return k;
}

static void s_key_pem_forget(struct run *r)
{
	mem_wipe_free(r->key_pem, r->key_len);
	r->key_pem = NULL;
	r->key_len = 0;
}

/*
 * The certificate key: the stored one (the original aaa's default, so pinned keys
 * keep working), or a new one with --create-key, for a first certificate,
 * or when the key type changes. A new key is saved with the job before
 * finalize, so a resumed job stores the key that matches its certificate.
 */
static int s_cert_key(struct run *r, struct key **out)
{
	const char *want = json_str(r->job->doc, "key_type");
	char *pem = NULL, *jk = NULL;
	size_t len = 0;
	struct key *k = NULL;
	int type, got, rc = -1;

	*out = NULL;
	if (!(jk = s_job_key_key(r)))
		goto out;
	got =
	    json_bool(r->job->doc, "new_key", 0) ? agent_store_get(r->a, jk, &pem, &len, NULL) : 1;
	if (got < 0)
		goto out;
	if (got == 1 && !json_bool(r->job->doc, "create_key", 0)) {
		got = agent_cert_file(r->a, r->names[0], STORE_FILE_PRIVKEY, &pem, &len);
		if (got < 0)
			goto out;
		if (got == 0 && (k = key_load_pem(pem, len, "the stored key")) && want &&
		    strcmp(key_type_name(key_get_type(k)), want) != 0) {
			agent_progress(r->a, "key type changes to %s: a new key", want);
			key_free(k);
			k = NULL;
		}
	} else if (got == 0) {
		k = key_load_pem(pem, len, "the job's new key");
	}
	if (!k) {
		type = key_type_parse(want ? want : "ec256");
		if (type < 0) {
			char types[128];

			key_type_choices(types, sizeof(types));
			agent_fail(r->a, "input", "", "key type %s: use %s", want, types);
			goto out;
		}
		str_wipe_free(pem);
		pem = NULL;
		if (!(k = key_generate((enum key_type)type)) || !(pem = key_save_pem(k, &len)) ||
		    agent_store_put(r->a, jk, pem, len, 1) != 0)
			goto out;
		cJSON_DeleteItemFromObjectCaseSensitive(r->job->doc, "new_key");
		cJSON_AddBoolToObject(r->job->doc, "new_key", 1);
		if (job_save(r->a, r->job) != 0)
			goto out;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(r->job->doc, "key_type");
	cJSON_AddStringToObject(r->job->doc, "key_type", key_type_name(key_get_type(k)));
	s_key_pem_forget(r);
	r->key_pem = pem; /* k's own PEM, read or made above */
	r->key_len = len;
	pem = NULL;
	*out = k;
	k = NULL;
	rc = 0;
out:
	key_free(k);
	mem_wipe_free(pem, len);
	free(jk);
	return rc;
}

static int s_step_authorized(struct run *r)
{
	struct key *k = NULL;
	int rc = -1;

	if (s_order(r) != 0)
		goto out;
	/* A resumed job may find the order finalized already (a kill or a deadline
	 * after the request): issued ("valid"), or still being issued. */
	if (strcmp(r->order.status, "ready") == 0) {
		if (s_cert_key(r, &k) != 0)
			goto out;
		r->a->acme->poll_timeout_ms = s_wait_budget(r);
		if (acme_order_finalize_send(r->a->acme, &r->order, k, r->names, r->nnames) != 0) {
			agent_fail_acme(r->a, "finalize");
			goto out;
		}
	} else if (strcmp(r->order.status, "processing") == 0 ||
		   (strcmp(r->order.status, "valid") == 0 && r->order.certificate)) {
		r->a->acme->poll_timeout_ms = s_wait_budget(r);
	} else {
		agent_fail(r->a, "acme", "", "the order is %s, not ready to finalize",
			   r->order.status);
		goto out;
	}
	/* The validated records are no longer needed: remove them while the CA
	 * issues, off the critical path (the poll counts from finalize). An order
	 * already valid is not polled. */
	s_dns_cleanup(r);
	if (acme_order_wait_valid(r->a->acme, &r->order) != 0) {
		agent_fail_acme(r->a, "finalize");
		goto out;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(r->job->doc, "certificate_url");
	cJSON_AddStringToObject(r->job->doc, "certificate_url", r->order.certificate);
	agent_progress(r->a, "order finalized");
	rc = job_set_state(r->job, JOB_FINALIZED);
out:
	key_free(k);
	return rc;
}

/*
 * The key the CSR was made with: the job's new key, or the stored one. Only
 * reads (s_cert_key decided, and recorded new_key, before finalize).
 */
static int s_csr_key_pem(struct run *r, char **pem, size_t *len)
{
	char *jk = NULL;
	int got = -1;

	*pem = NULL;
	if (r->key_pem) { /* this invocation read or made it already */
		if (!(*pem = malloc(r->key_len + 1)))
			return -1;
		memcpy(*pem, r->key_pem, r->key_len);
		(*pem)[r->key_len] = '\0';
		*len = r->key_len;
		return 0;
	}
	if (json_bool(r->job->doc, "new_key", 0)) {
		if ((jk = s_job_key_key(r)))
			got = agent_store_get(r->a, jk, pem, len, NULL);
	} else {
		got = agent_cert_file(r->a, r->names[0], STORE_FILE_PRIVKEY, pem, len);
	}
	free(jk);
	if (got > 0)
		agent_fail(r->a, "store", "", "the key of the request is missing from the store");
	if (got == 0 && (r->key_pem = malloc(*len + 1))) {
		memcpy(r->key_pem, *pem, *len);
		r->key_pem[*len] = '\0';
		r->key_len = *len;
	}
	return got == 0 ? 0 : -1;
}

static int s_csr_key(struct run *r, struct key **out)
{
	char *pem = NULL;
	size_t len = 0;

	*out = NULL;
	if (s_csr_key_pem(r, &pem, &len) == 0)
		*out = key_load_pem(pem, len, "the certificate's key");
	mem_wipe_free(pem, len);
	return *out ? 0 : -1;
}

/*
 * What the CA sent is checked before the job (or the store) keeps it: the
 * leaf carries the CSR's key and exactly the names ordered, is valid now
 * (with a little clock skew) and the chain links up to it.
 */
#define CERT_SKEW_S 300
static int s_check_cert(struct run *r, const char *pem)
{
	struct key *k = NULL;
	struct aaa_err err;
	int rc = -1;

	if (s_csr_key(r, &k) != 0)
		goto out;
	if (cert_check_issued(pem, strlen(pem), k, r->names, r->nnames, time(NULL), CERT_SKEW_S,
			      &err) != 0) {
		agent_fail(r->a, "acme", "badCertificate",
			   "the CA's certificate for %s is refused, nothing was stored: %s",
			   r->names[0], err.message);
		goto out;
	}
	rc = 0;
out:
	key_free(k);
	return rc;
}

static int s_step_finalized(struct run *r)
{
	const char *url = json_str(r->job->doc, "certificate_url");
	char *pem = NULL, **alts = NULL;
	size_t i, nalts = 0, chosen = 0;
	int rc = -1;

	if (!url || agent_account_load(r->a) != 0)
		goto out;
	if (acme_certificate_download_preferred(r->a->acme, url, r->a->cfg.preferred_chain, &pem,
						&chosen, &alts, &nalts) != 0) {
		agent_fail_acme(r->a, "download the certificate");
		goto out;
	}
	if (s_check_cert(r, pem) != 0)
		goto out;
	cJSON_DeleteItemFromObjectCaseSensitive(r->job->doc, "certificate");
	cJSON_AddStringToObject(r->job->doc, "certificate", pem);
	agent_progress(r->a, "certificate issued%s", chosen ? " (alternate chain)" : "");
	rc = job_set_state(r->job, JOB_DOWNLOADED);
out:
	for (i = 0; i < nalts; i++)
		free(alts[i]);
	free(alts);
	free(pem);
	return rc;
}

/* The CA's renewal window for the new certificate, when it offers ARI. */
static void s_ari(struct run *r, const char *pem, cJSON *extra)
{
	struct acme_ari w = {0};
	char s[32], e[32], n[32];
	cJSON *o;

	if (!r->a->acme->dir.renewal_info || acme_ari_fetch(r->a->acme, pem, &w) != 0)
		goto out;
	agent_time_format(w.start, s, sizeof(s));
	agent_time_format(w.end, e, sizeof(e));
	/* When the scheduler asks the CA again (handlers/sched_ari.c). */
	agent_time_format(time(NULL) +
			      (w.retry_after_s >= 0 ? w.retry_after_s : ACME_ARI_DEFAULT_RETRY_S),
			  n, sizeof(n));
	if ((o = cJSON_AddObjectToObject(extra, "ari"))) {
		cJSON_AddStringToObject(o, "start", s);
		cJSON_AddStringToObject(o, "end", e);
		cJSON_AddStringToObject(o, "next", n);
		json_add_str_opt(o, "explanation", w.explanation_url);
	}
out:
	acme_ari_clear(&w);
}

static int s_step_downloaded(struct run *r)
{
	const char *pem = json_str(r->job->doc, "certificate");
	char *keypem = NULL;
	size_t len = 0;
	cJSON *extra = cJSON_CreateObject();
	int rc = -1;

	if (!pem || !extra || agent_account_load(r->a) != 0)
		goto out;
	/* Again here: a job saved by an older version may hold an unchecked one. */
	if (s_check_cert(r, pem) != 0)
		goto out;
	/* The key goes with the certificate (new or reused: the pair is stored as one version). */
	if (s_csr_key_pem(r, &keypem, &len) != 0)
		goto out;
	/* Targets named by this request replace the stored list; none named
	 * keeps it (a renewal redeploys where the certificate already is). */
	if ((json_arr(r->job->doc, "deploy") &&
	     !cJSON_AddItemToObject(extra, "deploy",
				    cJSON_Duplicate(json_arr(r->job->doc, "deploy"), 1))) ||
	    !cJSON_AddStringToObject(extra, "job", job_id(r->job)) ||
	    json_add_str_opt(extra, "acme_profile", json_str(r->job->doc, "acme_profile")) != 0 ||
	    (json_arr(r->job->doc, "zones") &&
	     !cJSON_AddItemToObject(extra, "zones",
				    cJSON_Duplicate(json_arr(r->job->doc, "zones"), 1))))
		goto out;
	s_ari(r, pem, extra);
	if (agent_cert_store(r->a, r->names[0], pem, keypem, json_str(r->job->doc, "key_type"),
			     extra, NULL) != 0)
		goto out;
	agent_progress(r->a, "stored in %s", store_url(r->a->store));
	rc = job_set_state(r->job, JOB_STORED);
out:
	mem_wipe_free(keypem, len);
	cJSON_Delete(extra);
	return rc;
}

static int s_step_stored(struct run *r)
{
	char *jk;
	int rc;

	/* The job's new key is in the stored version, and the saved state says
	 * so: no resume needs it any more. Deleted here rather than when storing,
	 * where a kill before the state was saved left a job that resumed before
	 * the store without the key of its certificate. */
	if (json_bool(r->job->doc, "new_key", 0) && (jk = s_job_key_key(r))) {
		store_delete(r->a->store, jk);
		free(jk);
	}
	rc = agent_deploy_all(r->a, r->names[0], r->job->doc);

	/* A failed deployment keeps the new certificate; the scheduler retries it. */
	if (rc < 0)
		return -1;
	return job_set_state(r->job, JOB_DEPLOYED);
}

static void s_fail(struct run *r)
{
	/* Once stored, only a deployment can fail: the certificate is good, so
	 * it is not a failed renewal (the scheduler redeploys instead). */
	int stored = job_state(r->job) >= JOB_STORED && job_state(r->job) < JOB_FAILED;
	char *jk, first[sizeof(r->a->err.message)];
	const char *gone;

	s_dns_cleanup(r);
	/* A zone deleted under the job is the likely cause (the CA found no record). */
	if (r->dns && (gone = dns01_zone_gone(r->dns)) &&
	    !strstr(r->a->err.message, "NoSuchHostedZone")) {
		snprintf(first, sizeof(first), "%s", r->a->err.message);
		err_message(&r->a->err, "%s (hosted zone %s was deleted: NoSuchHostedZone)", first,
			    gone);
	}
	json_add_error(r->job->doc, &r->a->err);
	if ((jk = s_job_key_key(r))) {
		if (json_bool(r->job->doc, "new_key", 0))
			store_delete(r->a->store, jk);
		free(jk);
	}
	job_set_state(r->job, JOB_FAILED);
	cJSON_DeleteItemFromObjectCaseSensitive(r->job->doc, "lease");
	if (job_save(r->a, r->job) != 0)
		log_error("job %s: could not record the failure", job_id(r->job));
	/* A renewal that fails is retried later with backoff. */
	if (!stored && json_bool(r->job->doc, "renewal", 0))
		agent_cert_record_failure(r->a, r->names[0], r->a->err.message);
}

/*
 * Saves the job to be resumed by a new invocation, at most AAA_MAX_RESUMES
 * times (default 8) and while the job is younger than a day: an order that
 * never validates fails then with the CA's state (its records removed)
 * instead of re-invoking until the CA expires it.
 */
#define DEFAULT_MAX_RESUMES SETTING_DEFAULT_LONG(max_resumes)
#define MAX_JOB_AGE_S	    86400
static enum issue_result s_yield(struct run *r)
{
	const char *v = settings()->max_resumes;
	long max = v && strtol(v, NULL, 10) > 0 ? strtol(v, NULL, 10) : DEFAULT_MAX_RESUMES;
	long long n = json_int(r->job->doc, "resumes", 0);
	time_t created = 0;
	char why[sizeof(r->a->err.message)];

	if (json_str(r->job->doc, "created"))
		acme_rfc3339_parse(json_str(r->job->doc, "created"), &created);
	if (n >= max || (created > 0 && time(NULL) - created > MAX_JOB_AGE_S)) {
		snprintf(why, sizeof(why), "%s", r->a->err.message[0] ? r->a->err.message : "");
		agent_fail(r->a, "acme", "",
			   "job gave up after %lld resumes%s (order %s is %s)%s%s", n,
			   n >= max ? "" : " and a day",
			   json_str(r->job->doc, "order") ? json_str(r->job->doc, "order") : "-",
			   r->have_order && r->order.status ? r->order.status : "unknown",
			   why[0] ? ": " : "", why);
		s_fail(r);
		return ISSUE_FAILED;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(r->job->doc, "resumes");
	cJSON_AddNumberToObject(r->job->doc, "resumes", (double)(n + 1));
	return job_lease_release(r->a, r->job) == 0 ? ISSUE_YIELD : ISSUE_FAILED;
}

/*
 * A step refused because the CA asks to wait: its rateLimited answer (or a
 * 503 with Retry-After) to the new order or the finalize, the fleet's pause
 * found before ordering, or the job's own wait saved by the invocation that
 * heard the CA (s_ca_resume_check). Returns until when (0: not a CA wait).
 * An answer from the CA is recorded for the whole fleet here, before
 * anything else is decided, so even a job cut short by its deadline leaves
 * the pause for the others.
 */
static time_t s_ca_until(struct run *r, enum job_state st)
{
	struct acme_client *c = r->a->acme;
	time_t until = r->ca_until;

	r->ca_until = 0;
	if (st != JOB_NEW && st != JOB_AUTHORIZED)
		return 0;
	if (!until) {
		if (!c || !c->err_rate_limited || !err_source_is(&r->a->err, "acme"))
			return 0;
		until = time(NULL) +
			(c->err_retry_after_s >= 0 ? c->err_retry_after_s : CA_PAUSE_DEFAULT_S);
		(void)ca_pause_note(r->a, until, r->a->err.code, c->error);
		if (r->o->ca_memo)
			r->o->ca_memo->read = 0; /* the batch's other jobs read it anew */
	}
	return until;
}

/* Waits for the CA when the wait ends within what this invocation may wait:
 * 0 waited (the step again), -1 not (too long, too often, or interrupted). */
#define CA_WAITS_MAX 3
static int s_ca_wait(struct run *r, enum job_state st, time_t until)
{
	time_t now = time(NULL);
	long long wait_ms = (long long)(until > now ? until - now : 0) * 1000;
	char u[32];

	if (r->ca_waits >= CA_WAITS_MAX || wait_ms > s_wait_budget(r))
		return -1;
	agent_time_format(until, u, sizeof(u));
	log_info("job %s: the CA asks to wait until %s; waiting %lld s, then %s again",
		 job_id(r->job), u, wait_ms / 1000, st == JOB_NEW ? "ordering" : "finalizing");
	r->ca_waits++;
	return cancel_sleep_ms((long)wait_ms + 1000) == 0 ? 0 : -1;
}

/* Spends on the CA's wait what this invocation may still wait before its
 * margin, so that each resume ends closer to it instead of being used up
 * at once (AAA_MAX_RESUMES counts them). */
static void s_ca_wait_part(const struct run *r, time_t until)
{
	long long left = s_remaining(r), want = ((long long)until - (long long)time(NULL)) * 1000;

	if (left < 0)
		return;
	left -= s_margin(r);
	if (left > 0 && want > 0)
		(void)cancel_sleep_ms((long)(left < want ? left : want));
}

/* The deadline came before the CA's wait ends: the job keeps until when
 * ("ca_until"), so the invocation that resumes it waits for it (or fails
 * saying so) and never asks the CA before. 0/-1. */
static int s_ca_keep(struct run *r, time_t until)
{
	char u[32];

	agent_time_format(until, u, sizeof(u));
	cJSON_DeleteItemFromObjectCaseSensitive(r->job->doc, "ca_until");
	return cJSON_AddStringToObject(r->job->doc, "ca_until", u) ? 0 : -1;
}

/* The error of a job that does not wait for the CA: until when, and that
 * the scheduler renews after it. */
static void s_ca_fail_message(struct run *r, time_t until)
{
	char first[sizeof(r->a->err.message)], u[32];

	agent_time_format(until, u, sizeof(u));
	snprintf(first, sizeof(first), "%s", r->a->err.message);
	err_message(&r->a->err,
		    "%s; new orders are paused fleet-wide until %s (%s), longer than this run may "
		    "wait: the scheduler renews after it",
		    first, u, STORE_KEY_CA_PAUSE);
}

/*
 * Before a step that asks the CA for something it may refuse with a wait
 * (a new order, a finalize): the wait an earlier invocation of this job
 * heard. 0 go on (none, or it has passed: forgotten); -1 with the error set
 * and r->ca_until while it lasts.
 */
static int s_ca_resume_check(struct run *r, enum job_state st)
{
	time_t until;
	char u[32];

	if (!json_str(r->job->doc, "ca_until"))
		return 0;
	until = agent_time_member(r->job->doc, "ca_until");
	if ((st != JOB_NEW && st != JOB_AUTHORIZED) || until <= time(NULL)) {
		cJSON_DeleteItemFromObjectCaseSensitive(r->job->doc, "ca_until");
		return 0;
	}
	agent_time_format(until, u, sizeof(u));
	agent_fail(r->a, "acme", "urn:ietf:params:acme:error:rateLimited",
		   "%s: the CA asked this job to wait until %s",
		   st == JOB_NEW ? "new order" : "finalize", u);
	r->ca_until = until;
	return -1;
}

typedef int (*step_fn)(struct run *r);

static const step_fn s_steps[JOB_STATE_MAX] = {
    [JOB_NEW] = s_step_new,
    [JOB_ORDERED] = s_step_ordered,
    [JOB_DNS_PUBLISHED] = s_step_published,
    [JOB_DNS_INSYNC] = s_step_insync,
    [JOB_CHALLENGES_ANSWERED] = s_step_answered,
    [JOB_AUTHORIZED] = s_step_authorized,
    [JOB_FINALIZED] = s_step_finalized,
    [JOB_DOWNLOADED] = s_step_downloaded,
    [JOB_STORED] = s_step_stored,
};

void issue_fail(struct run *r)
{
	s_fail(r);
}

enum issue_result issue_yield(struct run *r)
{
	return s_yield(r);
}

int issue_begin(struct run *r, struct agent *a, struct job *job, const struct issue_opts *o,
		enum issue_result *res)
{
	const char *holder = NULL;
	int t;

	memset(r, 0, sizeof(*r));
	r->a = a;
	r->job = job;
	r->o = o;
	*res = ISSUE_FAILED;
	a->err.message[0] = '\0';
	if (s_names(r) != 0) {
		agent_fail(a, "input", "", "job %s has no names", job_id(job));
		return -1;
	}
	t = job_lease_take(a, job, o->owner, time(NULL), o->lease_s ? o->lease_s : DEFAULT_LEASE_S,
			   &holder);
	if (t != 0) {
		if (t > 0) {
			log_info("job %s: not acting (%s)", job_id(job), holder);
			*res = ISSUE_BUSY;
		}
		return -1;
	}
	return 0;
}

int issue_step(struct run *r)
{
	struct agent *a = r->a;
	struct job *job = r->job;
	long long left = s_remaining(r);
	long margin = s_margin(r);
	enum job_state st = job_state(job);
	int t;

	a->err.message[0] = '\0';
	if (st == JOB_DEPLOYED && job_set_state(job, JOB_DONE) == 0)
		st = JOB_DONE;
	if (st == JOB_DONE) {
		cJSON_DeleteItemFromObjectCaseSensitive(job->doc, "lease");
		return job_save(a, job) != 0 ? ISSUE_FAILED : ISSUE_DONE;
	}
	if (st >= JOB_STATE_MAX || st == JOB_FAILED || !s_steps[st])
		return st == JOB_FAILED ? ISSUE_FAILED : ISSUE_BUSY;
	if (cancel_requested()) {
		/* Ctrl-C or SIGTERM: fail the usual way, which removes our records. */
		agent_fail(a, "interrupted", "", "interrupted by signal %d at %s",
			   cancel_requested(), job_state_names[st]);
		s_fail(r);
		return ISSUE_FAILED;
	}
	if (left >= 0 && left < margin) {
		log_info("job %s: %lld ms left, saving at %s to resume", job_id(job), left,
			 job_state_names[st]);
		return s_yield(r);
	}
	if (s_ca_resume_check(r, st) != 0 || s_steps[st](r) != 0)
		return issue_step_failed(r);
	/* Finalized and downloaded are not saved: what they hold (the
	 * certificate's URL, the certificate) a resume from the saved authorized
	 * state asks the CA for again (the order is valid by then), so the
	 * stored state's save covers them. */
	if (job_state(job) == JOB_FINALIZED || job_state(job) == JOB_DOWNLOADED)
		return ISSUE_MORE;
	/* Deployed is done: one save for both (nothing runs between them). */
	if (job_state(job) == JOB_DEPLOYED && job_set_state(job, JOB_DONE) == 0) {
		cJSON_DeleteItemFromObjectCaseSensitive(job->doc, "lease");
		return job_save(a, job) != 0 ? ISSUE_FAILED : ISSUE_DONE;
	}
	t = job_save(a, job);
	if (t != 0)
		return t > 0 ? ISSUE_BUSY : ISSUE_FAILED;
	return ISSUE_MORE;
}

int issue_step_failed(struct run *r)
{
	long long left = s_remaining(r);
	enum job_state st = job_state(r->job);
	int short_of_time = left >= 0 && left < s_margin(r) + 5000;
	time_t until = s_ca_until(r, st);

	if (until) {
		/* The CA asked to wait (the fleet's pause is recorded): wait when
		 * it fits, else resume after it when it is only this invocation's
		 * deadline that stands in the way, else fail saying until when. */
		if (s_ca_wait(r, st, until) == 0)
			return ISSUE_MORE;
		if (short_of_time && !cancel_requested() &&
		    until - time(NULL) <= s_max_wait() / 1000 && s_ca_keep(r, until) == 0) {
			log_warn("job %s: %s; resuming in a new invocation, which waits for the CA",
				 job_id(r->job), r->a->err.message);
			s_ca_wait_part(r, until);
			return s_yield(r);
		}
		s_ca_fail_message(r, until);
		s_fail(r);
		return ISSUE_FAILED;
	}
	/* Cut short by our own deadline: resume rather than fail; a request
	 * that is wrong or was interrupted fails now. */
	if (short_of_time && !err_source_is(&r->a->err, "input") &&
	    !err_source_is(&r->a->err, "interrupted") && !cancel_requested()) {
		log_warn("job %s: %s; resuming in a new invocation", job_id(r->job),
			 r->a->err.message);
		return s_yield(r);
	}
	s_fail(r);
	return ISSUE_FAILED;
}

void issue_end(struct run *r)
{
	if (r->have_order)
		acme_order_clear(&r->order);
	r->have_order = 0;
	s_key_pem_forget(r);
	dns01_free(r->dns);
	r->dns = NULL;
	free(r->names);
	r->names = NULL;
}

void issue_time_left_install(struct run *r)
{
	aws_client_set_time_left(r ? s_aws_time_left : NULL, r);
}

enum issue_result issue_run(struct agent *a, struct job *job, const struct issue_opts *o)
{
	struct run r;
	enum issue_result res = ISSUE_FAILED;
	int s;

	if (issue_begin(&r, a, job, o, &res) == 0) {
		issue_time_left_install(&r);
		while ((s = issue_step(&r)) == ISSUE_MORE)
			;
		res = (enum issue_result)s;
	}
	issue_time_left_install(NULL);
	issue_end(&r);
	return res;
}
