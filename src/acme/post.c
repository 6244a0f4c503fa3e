#define _GNU_SOURCE
#include "acme/post.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "acme/problem.h"
#include "config/settings.h"
#include "http/http.h"
#include "json/json.h"
#include "log/log.h"
#include "util/mem.h"

struct acme_client *acme_client_new(const char *directory_url, struct jws_signer *signer)
{
	struct acme_client *c = calloc(1, sizeof(*c));
	int rc = -1;

	if (!c || !signer || http_init())
		goto out;
	c->signer = signer;
	signer = NULL;
	c->poll_cap_ms = 10000;
	c->poll_timeout_ms = 300000;
	c->asked_retry_after_s = -1;
	if (!(c->directory_url = str_dup(directory_url)))
		goto out;
	c->requests++;
	if (acme_directory_fetch(directory_url, &c->dir))
		goto out;
	rc = 0;
out:
	jws_signer_free(signer);
	if (rc) {
		acme_client_free(c);
		c = NULL;
	}
	return c;
}

void acme_client_free(struct acme_client *c)
{
	if (!c)
		return;
	free(c->directory_url);
	acme_directory_clear(&c->dir);
	jws_signer_free(c->signer);
	free(c->kid);
	acme_nonce_clear(&c->nonces);
	free(c);
}

void acme_response_free(struct acme_response *r)
{
	size_t i;

	free(r->body);
	cJSON_Delete(r->json);
	free(r->location);
	free(r->retry_after);
	for (i = 0; i < r->nalternates; i++)
		free(r->alternates[i]);
	free(r->alternates);
	free(r->up);
	memset(r, 0, sizeof(*r));
}

/*
 * One link-value of RFC 8288: "<url>" then ";"-separated parameters. We
 * only need rel, compared without quotes and case; *next points past this
 * link-value so a caller can walk a comma-joined header.
 */
char *acme_link_find(const char *value, const char *rel, const char **next)
{
	const char *p = value;
	size_t rl = strlen(rel);
	char *url = NULL;

	if (next)
		*next = NULL;
	while (p && *p && !url) {
		const char *lt = strchr(p, '<'), *gt = lt ? strchr(lt, '>') : NULL, *end, *q;

		if (!gt)
			break;
		end = strchr(gt, ',');
		if (!end)
			end = gt + strlen(gt);
		/* the parameters between '>' and the end of this link-value */
		for (q = gt + 1; (q = strcasestr(q, "rel=")) != NULL && q < end; q += 4) {
			const char *v = q + 4;

			if (*v == '"')
				v++;
			if ((size_t)(end - v) >= rl && strncasecmp(v, rel, rl) == 0 &&
			    strchr("\"; ,", v[rl])) {
				url = str_ndup(lt + 1, (size_t)(gt - lt - 1));
				if (next)
					*next = *end ? end + 1 : NULL;
				break;
			}
		}
		p = *end ? end + 1 : NULL;
	}
	return url;
}

static void s_collect_links(struct acme_response *r, const struct http_response *h)
{
	size_t i;

	for (i = 0; i < h->nheaders; i++) {
		const char *v = h->headers[i].value, *next = NULL;
		char *u;

		if (strcasecmp(h->headers[i].name, "Link") != 0)
			continue;
		for (const char *p = v; p && (u = acme_link_find(p, "alternate", &next));
		     p = next) {
			char **n = realloc(r->alternates, sizeof(char *) * (r->nalternates + 1));

			if (!n) {
				free(u);
				break;
			}
			r->alternates = n;
			r->alternates[r->nalternates++] = u;
		}
		if (!r->up)
			r->up = acme_link_find(v, "up", NULL);
	}
}

/*
 * Signed requests go only to the directory's origin (scheme, host and
 * port: a CA that hands out an http:// or another host's URL does not get
 * our JWS bodies), or to an origin the user allows in AAA_ACME_ALLOW_ORIGINS
 * (comma- or space-separated, e.g. "https://acme.example:443"). 0 or -1
 * with c->error naming the URL.
 */
int acme_url_allowed(struct acme_client *c, const char *url)
{
	char *want = http_url_origin(c->directory_url), *got = http_url_origin(url), *list = NULL;
	const char *env = settings()->acme_allow_origins;
	char *tok, *save = NULL, *o;
	int ok = 0;

	if (want && got && strcmp(want, got) == 0) {
		ok = 1;
		goto out;
	}
	if (got && env && (list = str_dup(env))) {
		for (tok = strtok_r(list, ", ", &save); tok && !ok;
		     tok = strtok_r(NULL, ", ", &save)) {
			o = http_url_origin(tok);
			ok = o && strcmp(o, got) == 0 && strncmp(got, "https:", 6) == 0;
			free(o);
		}
	}
	if (!ok)
		snprintf(
		    c->error, sizeof(c->error),
		    "the CA handed out %s, which is not on the directory's origin %s; refusing "
		    "to send it a request (allow another https origin with "
		    "AAA_ACME_ALLOW_ORIGINS)",
		    url ? url : "(no URL)", want ? want : c->directory_url);
out:
	free(want);
	free(got);
	free(list);
	return ok ? 0 : -1;
}

/* HEAD newNonce, only when the pool is empty. */
static int s_fetch_nonce(struct acme_client *c)
{
	struct http_request req = {.method = "HEAD", .url = c->dir.new_nonce};
	struct http_response resp;
	int rc = -1;

	memset(&resp, 0, sizeof(resp));
	if (acme_url_allowed(c, c->dir.new_nonce) != 0)
		return -1;
	c->requests++;
	c->nonce_heads++;
	if (http_send(&req, &resp)) {
		snprintf(c->error, sizeof(c->error), "cannot reach the CA at %s: %s",
			 c->dir.new_nonce, resp.error);
		goto out;
	}
	acme_nonce_put(&c->nonces, http_response_header(&resp, "Replay-Nonce"));
	if (c->nonces.count == 0) {
		snprintf(c->error, sizeof(c->error), "newNonce %s: HTTP %ld without a Replay-Nonce",
			 c->dir.new_nonce, resp.status);
		goto out;
	}
	rc = 0;
out:
	http_response_free(&resp);
	return rc;
}

/*
 * The signed request. A badNonce answer carries a fresh nonce (RFC 8555
 * 6.5), so the retry costs no HEAD; the loop is bounded because a CA that
 * rejects every nonce would otherwise keep us here forever. Every pass
 * frees its own buffers first.
 */
int acme_post_with(struct acme_client *c, const struct jws_signer *signer, const char *url,
		   const cJSON *payload, struct acme_response *r)
{
	static const char *const hdrs[] = {"Content-Type: application/jose+json", NULL};
	struct http_response resp;
	char *nonce = NULL, *body = NULL, *msg;
	const char *kid = signer ? NULL : c->kid;
	int attempt, rc = -1;

	memset(&resp, 0, sizeof(resp));
	memset(r, 0, sizeof(*r));
	c->error[0] = '\0';
	c->err_status = 0;
	c->err_retry_after_s = -1;
	c->err_rate_limited = 0;
	if (!signer)
		signer = c->signer;
	if (acme_url_allowed(c, url) != 0) {
		log_debug("%s", c->error);
		goto out;
	}
	for (attempt = 0; attempt <= ACME_BADNONCE_RETRIES; attempt++) {
		struct http_request req = {.method = "POST", .url = url, .headers = hdrs};

		free(nonce);
		nonce = NULL;
		free(body);
		body = NULL;
		http_response_free(&resp);
		memset(&resp, 0, sizeof(resp));
		acme_response_free(r);
		if (c->nonces.count == 0 && s_fetch_nonce(c))
			goto out;
		nonce = acme_nonce_take(&c->nonces);
		if (!(body = jws_build_text(signer, url, nonce, kid, payload))) {
			snprintf(c->error, sizeof(c->error), "cannot sign the request to %s", url);
			goto out;
		}
		req.body = body;
		req.body_len = strlen(body);
		c->requests++;
		if (http_send(&req, &resp)) {
			snprintf(c->error, sizeof(c->error), "cannot reach the CA at %s: %s", url,
				 resp.error);
			goto out;
		}
		acme_nonce_put(&c->nonces, http_response_header(&resp, "Replay-Nonce"));
		r->status = resp.status;
		r->body_len = resp.body.len;
		r->body = resp.body.data ? str_ndup(resp.body.data, resp.body.len) : str_dup("");
		r->location = str_dup(http_response_header(&resp, "Location"));
		r->retry_after = str_dup(http_response_header(&resp, "Retry-After"));
		s_collect_links(r, &resp);
		{
			const char *ct = http_response_header(&resp, "Content-Type");

			if (ct && (strstr(ct, "json") != NULL) && resp.body.len > 0)
				r->json = json_parse(resp.body.data, resp.body.len, NULL);
		}
		if (r->status >= 200 && r->status < 300) {
			rc = 0;
			goto out;
		}
		if (r->status == 400 && acme_problem_is(r->json, "badNonce") &&
		    attempt < ACME_BADNONCE_RETRIES) {
			c->bad_nonces++;
			log_debug("%s: badNonce, retry %d/%d", url, attempt + 1,
				  ACME_BADNONCE_RETRIES);
			continue;
		}
		c->err_status = r->status;
		c->err_retry_after_s = acme_retry_after_seconds(r->retry_after, time(NULL));
		c->err_rate_limited = acme_problem_is(r->json, "rateLimited") ||
				      (r->status == 503 && c->err_retry_after_s >= 0);
		msg = acme_problem_format(r->json, r->status, r->retry_after, time(NULL));
		snprintf(c->error, sizeof(c->error), "%s", msg ? msg : "CA error");
		free(msg);
		log_debug("%s: HTTP %ld: %s", url, r->status, c->error);
		goto out;
	}
out:
	free(nonce);
	free(body);
	http_response_free(&resp);
	return rc;
}

int acme_post(struct acme_client *c, const char *url, const cJSON *payload, struct acme_response *r)
{
	return acme_post_with(c, NULL, url, payload, r);
}

int acme_post_as_get(struct acme_client *c, const char *url, struct acme_response *r)
{
	return acme_post_with(c, NULL, url, NULL, r);
}
