#define _GNU_SOURCE
#include "acme/order.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "acme/problem.h"
#include "crypto/csr.h"
#include "crypto/jws.h"
#include "crypto/names.h"
#include "crypto/x509.h"
#include "json/json.h"
#include "log/log.h"
#include "util/buf.h"
#include "util/cancel.h"
#include "util/mem.h"

long acme_poll_delay_ms(int attempt, long retry_after_s, long cap_ms)
{
	long d = ACME_POLL_FIRST_MS;
	int i;

	/* x1.5 per poll: never more than half the time waited so far is lost to the
	 * gap between the CA finishing and the next poll (x2 could lose all of it). */
	for (i = 0; i < attempt && d < cap_ms; i++)
		d += d / 2;
	if (d > cap_ms)
		d = cap_ms;
	/* Never sooner than the CA asked; the backoff still grows under "Retry-After: 0". */
	if (retry_after_s >= 0) {
		if (retry_after_s > LONG_MAX / 1000)
			return LONG_MAX;
		if (retry_after_s * 1000 > d)
			d = retry_after_s * 1000;
	}
	return d;
}

const char *const acme_revoke_reason_names[ACME_REVOKE_REASON_MAX] = {
    "unspecified", "keyCompromise",	   "cACompromise",    "affiliationChanged",
    "superseded",  "cessationOfOperation", "certificateHold", NULL,
    NULL,	   "privilegeWithdrawn",   "aACompromise"};

int acme_revoke_reason_parse(const char *s)
{
	int i;

	if (!s)
		return -1;
	for (i = 0; i < ACME_REVOKE_REASON_MAX; i++)
		if (acme_revoke_reason_names[i] && strcasecmp(acme_revoke_reason_names[i], s) == 0)
			return i;
	return -1;
}

int acme_revoke_reason_subscriber(int code)
{
	return code == 0 || code == 1 || code == 3 || code == 4 || code == 5;
}

void acme_revoke_reason_join(char *buf, size_t len, const char *sep, const char *last)
{
	const char *names[ACME_REVOKE_REASON_MAX];
	int i;

	for (i = 0; i < ACME_REVOKE_REASON_MAX; i++)
		names[i] = acme_revoke_reason_subscriber(i) ? acme_revoke_reason_names[i] : NULL;
	str_join(buf, len, names, ACME_REVOKE_REASON_MAX, sep, last);
}

void acme_revoke_reason_choices(char *buf, size_t len)
{
	acme_revoke_reason_join(buf, len, ", ", " or ");
}

/* More authorizations than any CA allows names in one order (Let's Encrypt: 100). */
#define ACME_MAX_AUTHZ 1000

static long s_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A request that set the CA working (challenge, finalize): polls count from now. */
static void s_asked(struct acme_client *c, const struct acme_response *r)
{
	c->asked_ms = s_now_ms();
	c->asked_retry_after_s = acme_retry_after_seconds(r->retry_after, time(NULL));
}

/*
 * Sleeps until the next poll is due: acme_poll_delay_ms after `since` (the
 * request that set the CA working, or the previous poll's answer), so time
 * spent in between counts. -1 with c->error set when that would end past
 * the poll budget that began at start: waiting on would be in vain.
 */
static int s_poll_sleep(struct acme_client *c, int attempt, const char *retry_after, long since,
			long start, const char *what)
{
	/* Before the first poll: the Retry-After of the request that set it off. */
	long ra = attempt == 0 && !retry_after ? c->asked_retry_after_s
					       : acme_retry_after_seconds(retry_after, time(NULL));
	long d = acme_poll_delay_ms(attempt, ra, c->poll_cap_ms), now = s_now_ms();

	if (d > c->poll_timeout_ms || since - start + d > c->poll_timeout_ms) {
		if (ra >= 0)
			snprintf(
			    c->error, sizeof(c->error),
			    "%s; the CA asks to poll again in %ld s, past the %ld s wait budget",
			    what, ra, c->poll_timeout_ms / 1000);
		else
			snprintf(c->error, sizeof(c->error), "%s after %ld s", what,
				 (now - start) / 1000);
		return -1;
	}
	if (since + d > now && cancel_sleep_ms(since + d - now) != 0) {
		snprintf(c->error, sizeof(c->error),
			 "interrupted by signal %d while polling the CA", cancel_requested());
		return -1;
	}
	return 0;
}

void acme_order_clear(struct acme_order *o)
{
	size_t i;

	free(o->url);
	free(o->status);
	free(o->finalize);
	free(o->certificate);
	free(o->expires);
	for (i = 0; i < o->nauthz_urls; i++)
		free(o->authz_urls[i]);
	free(o->authz_urls);
	for (i = 0; i < o->nauthz; i++) {
		free(o->authz[i].url);
		free(o->authz[i].identifier);
		free(o->authz[i].status);
		free(o->authz[i].chall_url);
		free(o->authz[i].chall_token);
		free(o->authz[i].chall_status);
		free(o->authz[i].expires);
	}
	free(o->authz);
	memset(o, 0, sizeof(*o));
}

static int s_replace(char **dst, const char *v)
{
	char *n = v ? str_dup(v) : NULL;

	if (v && !n)
		return -1;
	free(*dst);
	*dst = n;
	return 0;
}

int acme_order_parse(const cJSON *json, struct acme_order *o)
{
	const cJSON *arr, *it;
	const char *status;
	size_t i;
	int rc = -1;

	if (json_get_str(json, "status", "ACME order", &status))
		goto out;
	if (s_replace(&o->status, status) || !o->status ||
	    s_replace(&o->finalize, json_str(json, "finalize")) ||
	    s_replace(&o->certificate, json_str(json, "certificate")) ||
	    s_replace(&o->expires, json_str(json, "expires")))
		goto out;
	o->nidentifiers = (size_t)cJSON_GetArraySize(json_arr(json, "identifiers"));
	if ((arr = json_arr(json, "authorizations"))) {
		for (i = 0; i < o->nauthz_urls; i++)
			free(o->authz_urls[i]);
		free(o->authz_urls);
		o->nauthz_urls = 0;
		o->authz_urls = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(char *));
		if (!o->authz_urls)
			goto out;
		cJSON_ArrayForEach(it, arr)
		{
			if (!cJSON_IsString(it) ||
			    !(o->authz_urls[o->nauthz_urls] = str_dup(it->valuestring)))
				goto out;
			o->nauthz_urls++;
		}
	}
	rc = 0;
out:
	return rc;
}

cJSON *acme_order_payload(const char *const *names, size_t n, const struct acme_order_opts *opts)
{
	cJSON *payload = cJSON_CreateObject(), *ids, *id;
	char *lower = NULL;
	size_t i;
	int rc = -1;

	if (!payload || !(ids = cJSON_AddArrayToObject(payload, "identifiers")))
		goto out;
	for (i = 0; i < n; i++) {
		free(lower);
		if (!(lower = str_dup(names[i])) || !(id = cJSON_CreateObject()))
			goto out;
		name_lower(lower);
		cJSON_AddItemToArray(ids, id);
		if (!cJSON_AddStringToObject(id, "type", "dns") ||
		    !cJSON_AddStringToObject(id, "value", lower))
			goto out;
	}
	if (opts && (json_add_str_opt(payload, "profile", opts->profile) ||
		     json_add_str_opt(payload, "replaces", opts->replaces)))
		goto out;
	rc = 0;
out:
	free(lower);
	if (rc) {
		cJSON_Delete(payload);
		payload = NULL;
	}
	return payload;
}

static int s_profile_check(struct acme_client *c, const char *profile)
{
	size_t i;

	if (!profile)
		return 0;
	for (i = 0; i < c->dir.nprofiles; i++)
		if (strcmp(c->dir.profiles[i], profile) == 0)
			return 0;
	if (c->dir.nprofiles == 0) {
		snprintf(c->error, sizeof(c->error),
			 "this CA offers no certificate profiles; drop --profile %s", profile);
	} else {
		struct buf b = BUF_INIT;

		for (i = 0; i < c->dir.nprofiles; i++)
			buf_printf(&b, "%s%s", i ? ", " : "", c->dir.profiles[i]);
		snprintf(c->error, sizeof(c->error), "unknown profile \"%s\"; this CA offers: %s",
			 profile, b.data ? b.data : "");
		buf_free(&b);
	}
	return -1;
}

int acme_order_new(struct acme_client *c, const char *const *names, size_t n,
		   const struct acme_order_opts *opts, struct acme_order *o)
{
	struct acme_order_opts eff = {0};
	struct acme_response r = {0};
	struct aaa_err nerr;
	cJSON *payload = NULL;
	int rc = -1;

	memset(o, 0, sizeof(*o));
	if (opts)
		eff = *opts;
	if (names_validate_list(names, n, &nerr) != 0) {
		snprintf(c->error, sizeof(c->error), "%s", nerr.message);
		goto out;
	}
	if (s_profile_check(c, eff.profile))
		goto out;
	if (!c->dir.renewal_info)
		eff.replaces = NULL;
	if (!(payload = acme_order_payload(names, n, &eff)))
		goto out;
	if (acme_post(c, c->dir.new_order, payload, &r)) {
		if (!eff.replaces || r.status < 400 || r.status >= 500 ||
		    acme_problem_is(r.json, "rateLimited") || acme_problem_is(r.json, "badNonce"))
			goto out;
		/* RFC 9773 7: a CA may refuse "replaces"; the renewal must still happen. */
		log_warn("the CA refused the order with replaces=%s (%s); ordering without it",
			 eff.replaces, c->error);
		eff.replaces = NULL;
		cJSON_Delete(payload);
		acme_response_free(&r);
		if (!(payload = acme_order_payload(names, n, &eff)) ||
		    acme_post(c, c->dir.new_order, payload, &r))
			goto out;
	}
	if (!r.location || !r.json || acme_order_parse(r.json, o)) {
		snprintf(c->error, sizeof(c->error), "newOrder: malformed answer");
		goto out;
	}
	o->url = r.location;
	r.location = NULL;
	/* The order is for the names we asked, whatever it claims. */
	if (o->nidentifiers == 0 || o->nidentifiers > n)
		o->nidentifiers = n;
	rc = 0;
out:
	if (rc)
		log_error("new order: %s", c->error);
	cJSON_Delete(payload);
	acme_response_free(&r);
	return rc;
}

/* o from the CA's answer r about the order at url; -1 with c->error set
 * when the answer is no order. */
static int s_order_answer(struct acme_client *c, const struct acme_response *r,
			  struct acme_order *o, const char *url)
{
	if (r->json && acme_order_parse(r->json, o) == 0)
		return 0;
	snprintf(c->error, sizeof(c->error), "order %s: malformed", url);
	return -1;
}

/* 0 while the order is processing or valid; else -1 with c->error naming
 * its status and the CA's problem in answer (NULL: none). */
static int s_order_going(struct acme_client *c, const struct acme_order *o, const cJSON *answer)
{
	char *m;

	if (strcmp(o->status, "processing") == 0 || strcmp(o->status, "valid") == 0)
		return 0;
	m = answer ? acme_problem_format(json_obj(answer, "error"), 0, NULL, 0) : NULL;
	snprintf(c->error, sizeof(c->error), "order %s: %s", o->status, m ? m : "");
	free(m);
	return -1;
}

/* The next poll of the order: sleeps until it is due (s_poll_sleep), then
 * fetches it into o and *r; *since is when the answer came. */
static int s_order_poll(struct acme_client *c, struct acme_order *o, struct acme_response *r,
			int attempt, long *since, long start, const char *what)
{
	if (s_poll_sleep(c, attempt, r->retry_after, *since, start, what))
		return -1;
	acme_response_free(r);
	if (acme_post_as_get(c, o->url, r))
		return -1;
	*since = s_now_ms();
	return s_order_answer(c, r, o, o->url);
}

/*
 * A job that resumes in another process only kept the order's URL: fetch
 * the order again (POST-as-GET) so the same order is carried on and no
 * second one is made for the same job.
 */
int acme_order_fetch(struct acme_client *c, const char *url, struct acme_order *o)
{
	struct acme_response r = {0};
	int rc = -1;

	memset(o, 0, sizeof(*o));
	if (acme_post_as_get(c, url, &r) || s_order_answer(c, &r, o, url))
		goto out;
	if (!(o->url = str_dup(url)))
		goto out;
	rc = 0;
out:
	if (rc) {
		log_error("fetch order: %s", c->error);
		acme_order_clear(o);
	}
	acme_response_free(&r);
	return rc;
}

static int s_authz_parse(const cJSON *json, struct acme_authz *a)
{
	const cJSON *id = json_obj(json, "identifier"), *ch;
	const char *v = json_str(id, "value"), *status = json_str(json, "status");
	int rc = -1;

	if (!v || !status)
		goto out;
	free(a->identifier);
	a->identifier = json_bool(json, "wildcard", 0) ? str_printf("*.%s", v) : str_dup(v);
	if (s_replace(&a->status, status) || s_replace(&a->expires, json_str(json, "expires")))
		goto out;
	cJSON_ArrayForEach(ch, json_arr(json, "challenges"))
	{
		const char *t = json_str(ch, "type");

		if (t && strcmp(t, "dns-01") == 0) {
			if (s_replace(&a->chall_url, json_str(ch, "url")) ||
			    s_replace(&a->chall_token, json_str(ch, "token")) ||
			    s_replace(&a->chall_status, json_str(ch, "status")))
				goto out;
		}
	}
	rc = a->identifier ? 0 : -1;
out:
	return rc;
}

/* 1 if s is a non-empty base64url string (RFC 8555 8.1: the token's alphabet). */
static int s_base64url(const char *s)
{
	size_t n =
	    s ? strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") : 0;

	return n > 0 && s[n] == '\0';
}

/*
 * What a CA can make us do is capped before the first request: an order
 * has at most one authorization per identifier, each URL once.
 */
static int s_authz_caps(struct acme_client *c, const struct acme_order *o)
{
	size_t i, j;

	/* nidentifiers 0: an order without its identifiers (a test double): only the cap. */
	if ((o->nidentifiers && o->nauthz_urls > o->nidentifiers) ||
	    o->nauthz_urls > ACME_MAX_AUTHZ) {
		snprintf(c->error, sizeof(c->error),
			 "the order lists %zu authorizations for %zu names; refusing to fetch them",
			 o->nauthz_urls, o->nidentifiers);
		return -1;
	}
	for (i = 0; i < o->nauthz_urls; i++)
		for (j = 0; j < i; j++)
			if (strcmp(o->authz_urls[i], o->authz_urls[j]) == 0) {
				snprintf(c->error, sizeof(c->error),
					 "the order lists the authorization %s twice; refusing it",
					 o->authz_urls[i]);
				return -1;
			}
	return 0;
}

int acme_order_authorizations(struct acme_client *c, struct acme_order *o)
{
	struct acme_response r = {0};
	size_t i;
	int rc = -1;

	if (s_authz_caps(c, o) != 0)
		goto out;

	if (!o->authz && o->nauthz_urls && !(o->authz = calloc(o->nauthz_urls, sizeof(*o->authz))))
		goto out;
	for (i = 0; i < o->nauthz_urls; i++) {
		struct acme_authz *a = &o->authz[i];

		acme_response_free(&r);
		if (acme_post_as_get(c, o->authz_urls[i], &r))
			goto out;
		if (!a->url && !(a->url = str_dup(o->authz_urls[i])))
			goto out;
		o->nauthz = i + 1;
		if (!r.json || s_authz_parse(r.json, a)) {
			snprintf(c->error, sizeof(c->error), "authorization %s: malformed",
				 o->authz_urls[i]);
			goto out;
		}
		if (strcmp(a->status, "valid") != 0 && (!a->chall_url || !a->chall_token)) {
			snprintf(c->error, sizeof(c->error),
				 "the CA offers no dns-01 challenge for %s", a->identifier);
			goto out;
		}
		if (strcmp(a->status, "valid") != 0 && !s_base64url(a->chall_token)) {
			snprintf(c->error, sizeof(c->error),
				 "the CA's dns-01 token for %s is not base64url (RFC 8555 8.1): "
				 "\"%.64s\"",
				 a->identifier, a->chall_token);
			goto out;
		}
	}
	rc = 0;
out:
	if (rc)
		log_error("authorizations: %s", c->error);
	acme_response_free(&r);
	return rc;
}

/* 1 when nothing is left to answer: the authorization or its challenge moved on. */
static int s_answered(const struct acme_authz *a)
{
	const char *cs = a->chall_status;

	return (a->status && strcmp(a->status, "valid") == 0) ||
	       (cs && (strcmp(cs, "processing") == 0 || strcmp(cs, "valid") == 0));
}

/* Reads the authorization again into a (its URL is known). 0/-1. */
static int s_authz_refresh(struct acme_client *c, struct acme_authz *a)
{
	struct acme_response r = {0};
	int rc = -1;

	if (a->url && acme_post_as_get(c, a->url, &r) == 0 && r.json)
		rc = s_authz_parse(r.json, a);
	acme_response_free(&r);
	return rc;
}

int acme_challenge_answer(struct acme_client *c, struct acme_authz *a)
{
	struct acme_response r = {0};
	cJSON *empty = NULL;
	char why[sizeof(c->error)];
	int rc = -1;

	if (s_answered(a)) {
		rc = 0;
		goto out;
	}
	/* "{}" tells the CA to validate; an empty payload would be a POST-as-GET. */
	if (!(empty = cJSON_CreateObject()))
		goto out;
	if (acme_post(c, a->chall_url, empty, &r)) {
		/*
		 * An answer that reached the CA before a kill, or one the CA
		 * took while it still showed "pending": the CA says the
		 * challenge is no longer pending. What it says now decides.
		 */
		snprintf(why, sizeof(why), "%s", c->error);
		if (s_authz_refresh(c, a) == 0 && s_answered(a)) {
			log_info("challenge for %s: already answered (%s)", a->identifier,
				 a->chall_status ? a->chall_status : a->status);
			rc = 0;
			goto out;
		}
		snprintf(c->error, sizeof(c->error), "%s", why);
		log_error("challenge for %s: %s", a->identifier, c->error);
		goto out;
	}
	s_asked(c, &r);
	rc = 0;
out:
	cJSON_Delete(empty);
	acme_response_free(&r);
	return rc;
}

/* The error of the authorization's dns-01 challenge, as a formatted problem. */
static void s_challenge_error(struct acme_client *c, const cJSON *authz, const char *name)
{
	const cJSON *ch;
	char *msg = NULL;

	cJSON_ArrayForEach(ch, json_arr(authz, "challenges"))
	{
		const cJSON *err = json_obj(ch, "error");

		if (err) {
			msg = acme_problem_format(err, 0, NULL, time(NULL));
			break;
		}
	}
	snprintf(c->error, sizeof(c->error), "%s: authorization %s: %s", name,
		 json_str(authz, "status"), msg ? msg : "no error given by the CA");
	free(msg);
}

int acme_authz_wait(struct acme_client *c, struct acme_authz *a)
{
	struct acme_response r = {0};
	long start = s_now_ms(), since = c->asked_ms ? c->asked_ms : start;
	char what[320];
	int attempt, rc = -1;

	for (attempt = 0;; attempt++) {
		if (strcmp(a->status, "valid") == 0) {
			rc = 0;
			goto out;
		}
		if (strcmp(a->status, "pending") != 0 && strcmp(a->status, "processing") != 0) {
			if (r.json)
				s_challenge_error(c, r.json, a->identifier);
			else
				snprintf(c->error, sizeof(c->error), "%s: authorization %s",
					 a->identifier, a->status);
			goto out;
		}
		snprintf(what, sizeof(what), "%s: authorization still %s", a->identifier,
			 a->status);
		if (s_poll_sleep(c, attempt, r.retry_after, since, start, what))
			goto out;
		acme_response_free(&r);
		if (acme_post_as_get(c, a->url, &r))
			goto out;
		since = s_now_ms();
		if (!r.json || s_authz_parse(r.json, a))
			goto out;
	}
out:
	if (rc)
		log_error("%s", c->error);
	acme_response_free(&r);
	return rc;
}

int acme_order_wait_ready(struct acme_client *c, struct acme_order *o)
{
	struct acme_response r = {0};
	long start = s_now_ms(), since = c->asked_ms ? c->asked_ms : start;
	size_t i;
	int attempt, rc = -1;

	/* The first poll is due right after the last challenge answer (since). */
	for (attempt = 0;; attempt++) {
		if (s_order_poll(c, o, &r, attempt, &since, start,
				 "order still pending (validation not finished)"))
			goto out;
		if (strcmp(o->status, "pending") != 0)
			break;
	}
	if (strcmp(o->status, "invalid") == 0) {
		/* Find the authorization that failed, for a message that names it. The
		 * order's own list: a resumed job fetched the order but never its
		 * authorizations (o->authz), and must still say why it failed. */
		snprintf(c->error, sizeof(c->error), "order invalid");
		for (i = 0; i < o->nauthz_urls; i++) {
			const cJSON *id;
			char name[300];

			acme_response_free(&r);
			if (acme_post_as_get(c, o->authz_urls[i], &r))
				goto out;
			if (!r.json || !json_str(r.json, "status") ||
			    strcmp(json_str(r.json, "status"), "invalid") != 0)
				continue;
			id = json_obj(r.json, "identifier");
			snprintf(name, sizeof(name), "%s%s",
				 json_bool(r.json, "wildcard", 0) ? "*." : "",
				 json_str(id, "value") ? json_str(id, "value") : o->authz_urls[i]);
			s_challenge_error(c, r.json, name);
			break;
		}
		goto out;
	}
	rc = 0;
out:
	if (rc)
		log_error("%s", c->error);
	acme_response_free(&r);
	return rc;
}

int acme_order_finalize_send(struct acme_client *c, struct acme_order *o, const struct key *key,
			     const char *const *names, size_t n)
{
	struct acme_response r = {0};
	cJSON *payload = NULL;
	char *csr = NULL;
	int rc = -1;

	if (!(csr = csr_create_b64url(key, NULL, names, n))) {
		snprintf(c->error, sizeof(c->error), "cannot build the CSR");
		goto out;
	}
	if (!(payload = cJSON_CreateObject()) || !cJSON_AddStringToObject(payload, "csr", csr))
		goto out;
	if (acme_post(c, o->finalize, payload, &r))
		goto out;
	s_asked(c, &r);
	if (s_order_answer(c, &r, o, o->url) || s_order_going(c, o, r.json))
		goto out;
	rc = 0;
out:
	if (rc)
		log_error("finalize: %s", c->error);
	free(csr);
	cJSON_Delete(payload);
	acme_response_free(&r);
	return rc;
}

int acme_order_wait_valid(struct acme_client *c, struct acme_order *o)
{
	struct acme_response r = {0};
	long start = s_now_ms(), since = c->asked_ms ? c->asked_ms : start;
	char what[64];
	int attempt, rc = -1;

	for (attempt = 0;; attempt++) {
		if (strcmp(o->status, "valid") == 0 && o->certificate)
			break;
		if (s_order_going(c, o, r.json))
			goto out;
		snprintf(what, sizeof(what), "order still %s", o->status);
		if (s_order_poll(c, o, &r, attempt, &since, start, what))
			goto out;
	}
	rc = 0;
out:
	if (rc)
		log_error("finalize: %s", c->error);
	acme_response_free(&r);
	return rc;
}

int acme_order_finalize(struct acme_client *c, struct acme_order *o, const struct key *key,
			const char *const *names, size_t n)
{
	if (acme_order_finalize_send(c, o, key, names, n))
		return -1;
	return acme_order_wait_valid(c, o);
}

int acme_certificate_download(struct acme_client *c, const char *url, char **pem, char ***alts,
			      size_t *nalts)
{
	struct acme_response r = {0};
	int rc = -1;

	*pem = NULL;
	if (alts) {
		*alts = NULL;
		*nalts = 0;
	}
	if (acme_post_as_get(c, url, &r)) {
		log_error("certificate download: %s", c->error);
		goto out;
	}
	if (!strstr(r.body, "-----BEGIN CERTIFICATE-----")) {
		snprintf(c->error, sizeof(c->error), "certificate %s: not a PEM chain", url);
		log_error("%s", c->error);
		goto out;
	}
	*pem = r.body;
	r.body = NULL;
	if (alts) {
		*alts = r.alternates;
		*nalts = r.nalternates;
		r.alternates = NULL;
		r.nalternates = 0;
	}
	rc = 0;
out:
	acme_response_free(&r);
	return rc;
}

int acme_chain_issued_by(const char *pem, const char *issuer_cn)
{
	const char *top = NULL, *p = pem;
	struct cert *crt = NULL;
	char *issuer = NULL, *want = NULL;
	const char *hit;
	int rc = -1;

	while (p && (p = strstr(p, "-----BEGIN CERTIFICATE-----")) != NULL) {
		top = p;
		p++;
	}
	if (!top || !(crt = cert_load_pem(top, strlen(top), NULL, "certificate chain")) ||
	    !(issuer = cert_issuer(crt)) || !(want = str_printf("CN=%s", issuer_cn)))
		goto out;
	rc = 0;
	/* RFC 2253: CN=value then ',' or the end; a CN inside another value is escaped. */
	for (hit = issuer; (hit = strstr(hit, want)) != NULL; hit++) {
		const char *after = hit + strlen(want);

		if ((hit == issuer || hit[-1] == ',') && (*after == ',' || *after == '\0')) {
			rc = 1;
			break;
		}
	}
out:
	free(want);
	free(issuer);
	cert_free(crt);
	return rc;
}

/*
 * Alternate chains are fetched only when the default one does not match,
 * so the common case costs one request.
 */
int acme_certificate_download_preferred(struct acme_client *c, const char *url,
					const char *preferred_issuer, char **pem, size_t *chosen,
					char ***alts_out, size_t *nalts_out)
{
	char **alts = NULL, *alt = NULL;
	size_t nalts = 0, i;
	int rc = -1;

	if (chosen)
		*chosen = 0;
	if (alts_out) {
		*alts_out = NULL;
		*nalts_out = 0;
	}
	if (acme_certificate_download(c, url, pem, &alts, &nalts))
		goto out;
	if (!preferred_issuer || acme_chain_issued_by(*pem, preferred_issuer) == 1) {
		rc = 0;
		goto out;
	}
	for (i = 0; i < nalts; i++) {
		free(alt);
		alt = NULL;
		if (acme_certificate_download(c, alts[i], &alt, NULL, NULL))
			goto out;
		if (acme_chain_issued_by(alt, preferred_issuer) == 1) {
			free(*pem);
			*pem = alt;
			alt = NULL;
			if (chosen)
				*chosen = i + 1;
			break;
		}
	}
	if (i == nalts)
		log_info("no chain issued by \"%s\" among %zu offered; keeping the default",
			 preferred_issuer, nalts + 1);
	rc = 0;
out:
	if (rc) {
		free(*pem);
		*pem = NULL;
	}
	free(alt);
	if (rc == 0 && alts_out) {
		*alts_out = alts;
		*nalts_out = nalts;
		alts = NULL;
		nalts = 0;
	}
	for (i = 0; i < nalts; i++)
		free(alts[i]);
	free(alts);
	return rc;
}

int acme_revoke(struct acme_client *c, const char *cert_pem, int reason, struct key *cert_key)
{
	struct acme_response r = {0};
	struct jws_signer *s = NULL;
	struct cert *crt = NULL;
	cJSON *payload = NULL;
	char *der = NULL;
	int rc = -1;

	if (!(crt = cert_load_pem(cert_pem, strlen(cert_pem), NULL, "certificate to revoke")) ||
	    !(der = cert_der_b64url(crt)))
		goto out;
	if (!(payload = cJSON_CreateObject()) ||
	    !cJSON_AddStringToObject(payload, "certificate", der) ||
	    (reason >= 0 && !cJSON_AddNumberToObject(payload, "reason", reason)))
		goto out;
	if (cert_key && !(s = jws_signer_from_key(cert_key)))
		goto out;
	if (acme_post_with(c, s, c->dir.revoke_cert, payload, &r)) {
		log_error("revoke: %s", c->error);
		goto out;
	}
	rc = 0;
out:
	jws_signer_free(s);
	cert_free(crt);
	free(der);
	cJSON_Delete(payload);
	acme_response_free(&r);
	return rc;
}
