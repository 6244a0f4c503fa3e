#define _GNU_SOURCE
#include "acme/ari.h"

#include <stdlib.h>
#include <string.h>

#include "acme/problem.h"
#include "crypto/x509.h"
#include "http/http.h"
#include "json/json.h"
#include "log/log.h"
#include "util/mem.h"
#include "util/time.h"

int acme_rfc3339_parse(const char *s, time_t *out)
{
	return time_parse_rfc3339(s, out);
}

int acme_ari_parse(const cJSON *json, struct acme_ari *a)
{
	const cJSON *w = json_obj(json, "suggestedWindow");
	int rc = -1;

	memset(a, 0, sizeof(*a));
	a->retry_after_s = -1;
	if (!w || acme_rfc3339_parse(json_str(w, "start"), &a->start) ||
	    acme_rfc3339_parse(json_str(w, "end"), &a->end) || a->end <= a->start) {
		log_error("renewalInfo: no valid suggestedWindow");
		goto out;
	}
	a->explanation_url = str_dup(json_str(json, "explanationURL"));
	rc = 0;
out:
	return rc;
}

/* RFC 9773 4.1: an unauthenticated GET, so it costs no nonce or signature. */
int acme_ari_fetch(struct acme_client *c, const char *cert_pem, struct acme_ari *a)
{
	struct http_request req = {.method = "GET"};
	struct http_response resp;
	struct cert *crt = NULL;
	char *id = NULL, *url = NULL;
	cJSON *json = NULL;
	int rc = -1;

	memset(&resp, 0, sizeof(resp));
	memset(a, 0, sizeof(*a));
	a->retry_after_s = -1;
	if (!c->dir.renewal_info) {
		rc = 1;
		goto out;
	}
	if (!(crt = cert_load_pem(cert_pem, strlen(cert_pem), NULL, "certificate")) ||
	    !(id = ari_cert_id(crt))) {
		snprintf(c->error, sizeof(c->error), "the certificate has no ARI identifier (AKI)");
		goto out;
	}
	if (!(url = str_printf("%s%s%s", c->dir.renewal_info,
			       str_has_suffix(c->dir.renewal_info, "/") ? "" : "/", id)))
		goto out;
	req.url = url;
	if (acme_url_allowed(c, url) != 0)
		goto out;
	c->requests++;
	if (http_send(&req, &resp)) {
		snprintf(c->error, sizeof(c->error), "renewalInfo %s: %s", url, resp.error);
		goto out;
	}
	if (resp.status != 200) {
		snprintf(c->error, sizeof(c->error), "renewalInfo %s: HTTP %ld", url, resp.status);
		goto out;
	}
	if (!(json = json_parse(resp.body.data, resp.body.len, "renewalInfo")) ||
	    acme_ari_parse(json, a))
		goto out;
	a->retry_after_s =
	    acme_retry_after_seconds(http_response_header(&resp, "Retry-After"), time(NULL));
	rc = 0;
out:
	if (rc < 0)
		log_error("ARI: %s", c->error);
	cJSON_Delete(json);
	http_response_free(&resp);
	cert_free(crt);
	free(id);
	free(url);
	return rc;
}

void acme_ari_clear(struct acme_ari *a)
{
	free(a->explanation_url);
	memset(a, 0, sizeof(*a));
}
