/*
 * The fleet-wide CA pause (ca_pause.h), kept in the store so every executor
 * and the scheduler's next pass see what one executor heard.
 */
#define _GNU_SOURCE
#include "agent/ca_pause.h"

#include <stdlib.h>
#include <string.h>

#include "acme/ari.h"
#include "agent/certs.h"
#include "json/json.h"
#include "log/log.h"
#include "store/keys.h"
#include "util/mem.h"

/* Conditional writes lost to another executor before giving up. */
#define CA_PAUSE_TRIES 8

void ca_pause_clear(struct ca_pause *p)
{
	free(p->directory);
	free(p->code);
	free(p->detail);
	memset(p, 0, sizeof(*p));
}

static time_t s_time(const cJSON *o, const char *k)
{
	const char *s = json_str(o, k);
	time_t t = 0;

	return s && acme_rfc3339_parse(s, &t) == 0 ? t : 0;
}

static void s_from_json(const cJSON *doc, struct ca_pause *p)
{
	p->until = s_time(doc, "until");
	p->since = s_time(doc, "since");
	p->directory = str_dup(json_str(doc, "directory"));
	p->code = str_dup(json_str(doc, "code"));
	p->detail = str_dup(json_str(doc, "detail"));
}

int ca_pause_read(struct agent *a, struct ca_pause *p)
{
	char *text = NULL;
	size_t len = 0;
	cJSON *doc = NULL;
	int r;

	memset(p, 0, sizeof(*p));
	r = agent_store_get(a, STORE_KEY_CA_PAUSE, &text, &len, NULL);
	if (r != 0)
		return r;
	/* A damaged record is no pause: the CA says again if it still means it. */
	if ((doc = json_parse(text, len, STORE_KEY_CA_PAUSE)))
		s_from_json(doc, p);
	else
		log_warn("%s in the store is damaged; ignoring it", STORE_KEY_CA_PAUSE);
	cJSON_Delete(doc);
	free(text);
	return doc ? 0 : 1;
}

static char *s_doc(const struct agent *a, time_t until, const char *code, const char *detail)
{
	cJSON *o = cJSON_CreateObject();
	char u[32], s[32], *text = NULL;

	if (!o)
		return NULL;
	agent_time_format(until, u, sizeof(u));
	agent_time_format(time(NULL), s, sizeof(s));
	if (cJSON_AddStringToObject(o, "until", u) && cJSON_AddStringToObject(o, "since", s) &&
	    json_add_str_opt(o, "directory", a->directory_url) == 0 &&
	    json_add_str_opt(o, "code", code && *code ? code : NULL) == 0 &&
	    json_add_str_opt(o, "detail", detail) == 0)
		text = json_print(o);
	cJSON_Delete(o);
	return text;
}

int ca_pause_note(struct agent *a, time_t until, const char *code, const char *detail)
{
	struct store_object o = {0};
	char *text = s_doc(a, until, code, detail);
	int tries, r, rc = -1;

	if (!text)
		return -1;
	for (tries = 0; tries < CA_PAUSE_TRIES; tries++) {
		store_object_free(&o);
		r = store_get(a->store, STORE_KEY_CA_PAUSE, &o);
		if (r == STORE_OK) {
			cJSON *doc = json_parse(o.data, o.len, NULL);
			time_t have = doc ? s_time(doc, "until") : 0;

			cJSON_Delete(doc);
			if (have >= until) {
				rc = 0; /* a longer pause is recorded already */
				goto out;
			}
			r = store_replace(a->store, STORE_KEY_CA_PAUSE, o.etag, text, strlen(text),
					  0, NULL);
		} else if (r == STORE_NOT_FOUND) {
			r = store_create(a->store, STORE_KEY_CA_PAUSE, text, strlen(text), 0, NULL);
		} else {
			goto out;
		}
		if (r == STORE_OK) {
			char u[32];

			agent_time_format(until, u, sizeof(u));
			log_warn("the CA asks to wait: new orders are paused fleet-wide until %s "
				 "(recorded in %s)",
				 u, STORE_KEY_CA_PAUSE);
			rc = 0;
			goto out;
		}
		if (r != STORE_CONFLICT && r != STORE_NOT_FOUND)
			goto out;
	}
out:
	if (rc != 0)
		log_error("could not record the CA's pause in %s/%s", store_url(a->store),
			  STORE_KEY_CA_PAUSE);
	store_object_free(&o);
	free(text);
	return rc;
}

cJSON *ca_pause_json(const struct ca_pause *p, time_t now)
{
	cJSON *o = cJSON_CreateObject();
	char u[32], s[32];

	if (!o)
		return NULL;
	agent_time_format(p->until, u, sizeof(u));
	cJSON_AddStringToObject(o, "until", u);
	if (p->since > 0) {
		agent_time_format(p->since, s, sizeof(s));
		cJSON_AddStringToObject(o, "since", s);
	}
	json_add_str_opt(o, "directory", p->directory);
	json_add_str_opt(o, "code", p->code);
	json_add_str_opt(o, "detail", p->detail);
	cJSON_AddNumberToObject(o, "seconds_left", p->until > now ? (double)(p->until - now) : 0.0);
	return o;
}

void ca_pause_ls(struct agent *a, cJSON *ls, time_t now)
{
	struct ca_pause p;
	cJSON *acc;

	if (ca_pause_read(a, &p) != 0)
		return;
	if (p.until > now) {
		cJSON_ArrayForEach(acc, ls)
		{
			const char *d = json_str(acc, "directory");

			if (d && p.directory && strcmp(d, p.directory) == 0)
				cJSON_AddItemToObject(acc, "ca_pause", ca_pause_json(&p, now));
		}
	}
	ca_pause_clear(&p);
}

void ca_pause_add(struct agent *a, cJSON *out, time_t now)
{
	struct ca_pause p;

	if (ca_pause_read(a, &p) != 0)
		return;
	if (p.until > now)
		cJSON_AddItemToObject(out, "ca_pause", ca_pause_json(&p, now));
	ca_pause_clear(&p);
}
