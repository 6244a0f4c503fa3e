/*
 * aws_call: endpoint -> sign -> send -> classify -> wait and re-sign, with
 * one credentials chain and one region per process. See client.h.
 */
#define _GNU_SOURCE
#include "aws/client.h"

#include "aws/ratelimit.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/hash.h"
#include "log/log.h"
#include "util/buf.h"
#include "util/mem.h"

#define CLIENT_MAX_HEADERS 32

static struct aws_credentials_chain *s_chain;
static aws_assume_role_fn s_assume_role;
static void *s_assume_role_ctx;
static aws_web_identity_fn s_web_identity;
static void *s_web_identity_ctx;
static aws_sso_role_fn s_sso_role;
static void *s_sso_role_ctx;
static aws_sso_refresh_fn s_sso_refresh;
static void *s_sso_refresh_ctx;
static char *s_region;
static int s_region_done;
static long s_skew;
static char *s_registered_key; /* access key id whose secrets went to log_add_secret */
static long long (*s_time_left)(void *ctx);
static void *s_time_left_ctx;
/* One adaptive limiter per service for the process's life (ratelimit.h). */
static struct aws_rate s_rates[AWS_SERVICE_MAX];
static int s_rates_ready[AWS_SERVICE_MAX];
static unsigned long s_throttles[AWS_SERVICE_MAX];

/* The container/IMDS fetch the credentials chain needs, over http/. The
 * body holds secrets: it is wiped here after the copy is handed over. */
int aws_client_fetch(void *ctx, const struct aws_fetch_request *req,
		     struct aws_fetch_response *resp)
{
	struct http_request hr;
	struct http_response r;
	int rc = -1;

	(void)ctx;
	memset(&hr, 0, sizeof(hr));
	memset(&r, 0, sizeof(r));
	hr.method = req->method;
	hr.url = req->url;
	hr.headers = req->headers;
	hr.timeout_ms = req->timeout_ms;
	hr.connect_timeout_ms = req->timeout_ms;
	hr.no_proxy = 1; /* link-local and loopback metadata services */
	if (http_send(&hr, &r) != 0)
		goto out;
	resp->status = r.status;
	resp->body_len = r.body.len;
	resp->body = malloc(r.body.len + 1);
	if (resp->body == NULL)
		goto out;
	memcpy(resp->body, r.body.data ? r.body.data : "", r.body.len);
	resp->body[r.body.len] = '\0';
	rc = 0;
out:
	if (r.body.data)
		mem_wipe(r.body.data, r.body.len);
	http_response_free(&r);
	return rc;
}

void aws_client_set_assume_role(aws_assume_role_fn fn, void *ctx)
{
	s_assume_role = fn;
	s_assume_role_ctx = ctx;
}

void aws_client_set_web_identity(aws_web_identity_fn fn, void *ctx)
{
	s_web_identity = fn;
	s_web_identity_ctx = ctx;
}

void aws_client_set_sso(aws_sso_role_fn fn, void *ctx, aws_sso_refresh_fn refresh,
			void *refresh_ctx)
{
	s_sso_role = fn;
	s_sso_role_ctx = ctx;
	s_sso_refresh = refresh;
	s_sso_refresh_ctx = refresh_ctx;
}

/* The cached chain's credentials; the secret key and token are registered
 * with the log redactor whenever a new set appears. -1 with err saying why
 * (an expired SSO token, a failed credential_process...), "" when no source
 * had any. */
static int s_credentials(const struct aws_credentials **out, struct aaa_err *err)
{
	struct aws_credentials_deps deps;
	int rc = -1;

	if (s_chain == NULL) {
		memset(&deps, 0, sizeof(deps));
		deps.fetch = aws_client_fetch;
		deps.assume_role = s_assume_role;
		deps.assume_role_ctx = s_assume_role_ctx;
		deps.web_identity = s_web_identity;
		deps.web_identity_ctx = s_web_identity_ctx;
		deps.sso_role = s_sso_role;
		deps.sso_role_ctx = s_sso_role_ctx;
		deps.sso_refresh = s_sso_refresh;
		deps.sso_refresh_ctx = s_sso_refresh_ctx;
		s_chain = aws_credentials_chain_new(&deps);
		if (s_chain == NULL)
			goto out;
	}
	if (aws_credentials_chain_get(s_chain, time(NULL) + s_skew, out, err) != 0)
		goto out;
	if (s_registered_key == NULL || strcmp(s_registered_key, (*out)->access_key_id) != 0) {
		log_add_secret((*out)->secret_access_key);
		if ((*out)->session_token)
			log_add_secret((*out)->session_token);
		free(s_registered_key);
		s_registered_key = str_dup((*out)->access_key_id);
	}
	rc = 0;
out:
	return rc;
}

int aws_client_region(const char **out)
{
	if (!s_region_done) {
		if (aws_region_resolve(aws_env_process(), &s_region) != 0)
			return -1;
		s_region_done = 1;
	}
	*out = s_region;
	return 0;
}

void aws_client_set_time_left(long long (*fn)(void *ctx), void *ctx)
{
	s_time_left = fn;
	s_time_left_ctx = ctx;
}

static double s_now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static struct aws_rate *s_rate(enum aws_service svc)
{
	if (!s_rates_ready[svc]) {
		aws_rate_init(&s_rates[svc], s_now_s());
		s_rates_ready[svc] = 1;
	}
	return &s_rates[svc];
}

void aws_client_rate(enum aws_service s, int *enabled, double *rate, unsigned long *throttles)
{
	struct aws_rate *r;

	if ((unsigned)s >= AWS_SERVICE_MAX)
		return;
	r = s_rate(s);
	if (enabled)
		*enabled = r->enabled;
	if (rate)
		*rate = r->fill_rate;
	if (throttles)
		*throttles = s_throttles[s];
}

long aws_client_clock_skew(void)
{
	return s_skew;
}

void aws_client_cleanup(void)
{
	aws_credentials_chain_free(s_chain);
	s_chain = NULL;
	free(s_region);
	s_region = NULL;
	s_region_done = 0;
	s_skew = 0;
	free(s_registered_key);
	s_registered_key = NULL;
	memset(s_rates_ready, 0, sizeof(s_rates_ready));
	memset(s_throttles, 0, sizeof(s_throttles));
}

char *aws_client_transport_message(const char *label, const char *error, unsigned attempts)
{
	if (attempts > 1)
		return str_printf("%s: %s, after %u attempts", label, error, attempts);
	return str_printf("%s: %s", label, error);
}

static unsigned long s_ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (unsigned long)((t.tv_sec - t0->tv_sec) * 1000L +
			       (t.tv_nsec - t0->tv_nsec) / 1000000L);
}

static double s_random(void)
{
	uint32_t r = 0;

	if (crypto_random(&r, sizeof(r)) != 0)
		return 0.5;
	return (double)r / 4294967296.0;
}

static void s_sleep_ms(unsigned long ms)
{
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* "Name: value" lines of an unsigned request, NULL-terminated, freed (and
 * wiped: a bearer token may be among them) by sigv4_header_lines_free. */
static char **s_plain_header_lines(const struct aws_header *h, size_t n)
{
	char **lines = calloc(n + 1, sizeof(*lines));
	size_t i;

	for (i = 0; lines && i < n; i++) {
		lines[i] = str_printf("%s: %s", h[i].name, h[i].value);
		if (lines[i] == NULL) {
			sigv4_header_lines_free(lines);
			return NULL;
		}
	}
	return lines;
}

/* One signed (or, for an anonymous call, unsigned) attempt. Fills resp; 0 when an answer arrived,
 * -1 when not (resp->error says why; a signing failure leaves a message there too). */
static int s_attempt(const struct aws_call *c, const struct aws_credentials *creds,
		     const struct aws_endpoint *ep, struct http_response *resp)
{
	struct aws_target t;
	struct aws_header hdrs[CLIENT_MAX_HEADERS + 1];
	struct sigv4_request sr;
	struct sigv4_params sp;
	struct sigv4_result res;
	struct http_request hr;
	char **lines = NULL, *url = NULL;
	int rc = -1;

	memset(&t, 0, sizeof(t));
	memset(&res, 0, sizeof(res));
	http_response_free(resp);
	memset(resp, 0, sizeof(*resp));
	if ((c->bucket ? aws_s3_target(ep, c->bucket, c->key, &t)
		       : aws_endpoint_target(ep, c->path ? c->path : "/", &t)) != 0) {
		snprintf(resp->error, sizeof(resp->error), "cannot build the request URL");
		goto out;
	}
	hdrs[0].name = "Host";
	hdrs[0].value = t.host;
	if (c->nheaders)
		memcpy(hdrs + 1, c->headers, c->nheaders * sizeof(*hdrs));
	memset(&sr, 0, sizeof(sr));
	sr.method = c->method;
	sr.path = t.path;
	sr.query = c->query;
	sr.headers = hdrs;
	sr.nheaders = c->nheaders + 1;
	sr.payload = c->body;
	sr.payload_len = c->body_len;
	memset(&sp, 0, sizeof(sp));
	sp.creds = creds;
	sp.region = ep->signing_region;
	sp.service = ep->signing_name;
	sp.now = time(NULL) + s_skew;
	/* S3 signs the wire path as is (single encoding) with a payload hash
	 * header; every other service normalises and double-encodes. */
	sp.flags = c->service == AWS_S3 ? SIGV4_S3 : 0;
	if (c->anonymous) {
		lines = s_plain_header_lines(hdrs, c->nheaders + 1);
		url = aws_target_url(&t, c->query);
	} else {
		if (sigv4_sign(&sr, &sp, &res) != 0) {
			snprintf(resp->error, sizeof(resp->error), "cannot sign the request");
			goto out;
		}
		lines = sigv4_header_lines(&sr, &res);
		url = aws_target_url(&t, res.query);
	}
	if (lines == NULL || url == NULL) {
		snprintf(resp->error, sizeof(resp->error), "out of memory");
		goto out;
	}
	memset(&hr, 0, sizeof(hr));
	hr.method = c->method;
	hr.url = url;
	hr.headers = (const char *const *)lines;
	hr.body = c->body;
	hr.body_len = c->body_len;
	if (http_send(&hr, resp) != 0)
		goto out;
	rc = 0;
out:
	sigv4_header_lines_free(lines);
	free(url);
	sigv4_result_free(&res);
	aws_target_free(&t);
	return rc;
}

/*
 * Learns the server's clock from a response's Date header. Returns 1 when
 * it differs from the offset in use by more than AWS_SKEW_TOLERANCE (then
 * the offset is updated, for this and every later request), else 0.
 * SigV4 allows 15 minutes; like the SDKs, correct well before that.
 */
#define AWS_SKEW_TOLERANCE 240
static int s_skew_from_date(const struct http_response *resp, const char *label)
{
	const char *date = http_response_header(resp, "Date");
	long skew;

	if (date == NULL || aws_clock_skew_from_date(date, time(NULL), &skew) != 0)
		return 0;
	if (labs(skew - s_skew) <= AWS_SKEW_TOLERANCE)
		return 0;
	log_info("%s: clock skew of %ld s corrected", label, skew);
	s_skew = skew;
	return 1;
}

static int s_is_success(long status)
{
	return (status >= 200 && status <= 299) || status == 304;
}

/*
 * The retry loop. Per attempt buffers (the response, the parsed error) are
 * freed at the top of each pass. A RequestTimeTooSkewed answer sets the
 * process-wide clock offset from the server's Date header, so this and
 * every later request is signed with the server's time.
 */
void aws_call_init(struct aws_call *c, enum aws_service svc, const char *op, const char *method,
		   const char *path, const char *resource)
{
	memset(c, 0, sizeof(*c));
	c->service = svc;
	c->operation = op;
	c->method = method;
	c->path = path;
	c->resource = resource;
}

int aws_call(const struct aws_call *c, struct aws_reply *reply)
{
	const struct aws_credentials *creds = NULL;
	const char *region = NULL;
	struct aws_endpoint ep;
	struct aws_retry_input in;
	struct aws_retry_decision d;
	struct timespec t0;
	struct buf label = BUF_INIT;
	struct aaa_err why;
	const char *svc = aws_service_name(c->service);
	struct aws_rate *rate;
	unsigned long wait;
	long long left;
	int sent = -1, skew_fixed = 0, throttled, rc = -1;

	memset(reply, 0, sizeof(*reply));
	memset(&ep, 0, sizeof(ep));
	if (c->nheaders > CLIENT_MAX_HEADERS || (unsigned)c->service >= AWS_SERVICE_MAX)
		goto out;
	rate = s_rate(c->service);
	if (buf_printf(&label, "%s %s", svc, c->operation) != 0 ||
	    (c->resource && buf_printf(&label, " %s", c->resource) != 0))
		goto out;
	if (c->region != NULL) {
		if (!aws_region_valid(c->region)) {
			reply->message = str_printf("%s: invalid region", label.data);
			goto out;
		}
		region = c->region;
	} else if (aws_client_region(&region) != 0) {
		reply->message = str_printf("%s: the AWS region setting is invalid", label.data);
		goto out;
	}
	if (aws_endpoint_resolve(aws_env_process(), c->service, region, &ep) != 0) {
		reply->message = str_printf("%s: no endpoint (set AWS_REGION, or "
					    "AWS_ENDPOINT_URL for a local endpoint)",
					    label.data);
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		aws_error_free(&reply->err);
		memset(&reply->err, 0, sizeof(reply->err));
		err_clear(&why);
		if (c->anonymous) {
			creds = NULL;
		} else if (c->credentials != NULL) {
			creds = c->credentials;
		} else if (s_credentials(&creds, &why) != 0) {
			/* Say why the chain failed, not a generic line. */
			reply->message =
			    str_printf("%s: %s", label.data,
				       err_is_set(&why) ? why.message : AWS_NO_CREDENTIALS_MSG);
			goto out;
		}
		/* A throttled service is sent to no faster than it allows. */
		wait = aws_rate_acquire(rate, s_now_s());
		if (wait > 0) {
			log_debug("%s: rate limited, sending in %lu ms", label.data, wait);
			s_sleep_ms(wait);
		}
		sent = s_attempt(c, creds, &ep, &reply->resp);
		reply->attempts++;
		memset(&in, 0, sizeof(in));
		in.attempt = reply->attempts;
		in.now = time(NULL);
		in.random = s_random();
		if (sent != 0) {
			/* A certificate that does not verify or a bad URL fails
			 * the same way every time: only retry what may recover. */
			in.outcome = reply->resp.retryable ? AWS_OUTCOME_TRANSPORT_TRANSIENT
							   : AWS_OUTCOME_TRANSPORT_FATAL;
		} else {
			in.outcome = AWS_OUTCOME_RESPONSE;
			in.http_status = reply->resp.status;
			if (!s_is_success(reply->resp.status)) {
				if (aws_error_from_response(&reply->resp, &reply->err) != 0)
					goto out;
				in.error_code = reply->err.code;
				in.retry_after = http_response_header(&reply->resp, "Retry-After");
			}
		}
		in.elapsed_ms = s_ms_since(&t0);
		left = s_time_left ? s_time_left(s_time_left_ctx) : -1;
		if (left >= 0) {
			in.has_deadline = 1;
			in.time_left_ms = (unsigned long)left;
		}
		aws_retry_decide(c->policy, &in, &d);
		/* Route53's PriorRequestNotComplete also means "slower, please". */
		throttled =
		    d.reason == AWS_RETRY_THROTTLED ||
		    (in.error_code && strcmp(in.error_code, "PriorRequestNotComplete") == 0);
		if (throttled)
			s_throttles[c->service]++;
		aws_rate_update(rate, s_now_s(), throttled);
		if (!d.retry && !skew_fixed && sent == 0 && reply->resp.status == 403 &&
		    s_skew_from_date(&reply->resp, label.data)) {
			/* A 403 without a code (HEAD has no body) from a server
			 * whose clock is far from ours: re-sign once. */
			skew_fixed = 1;
			continue;
		}
		if (!d.retry)
			break;
		if (d.reason == AWS_RETRY_CLOCK_SKEW && !skew_fixed)
			skew_fixed = s_skew_from_date(&reply->resp, label.data);
		log_info("%s: %s, retry %u in %lu ms", label.data,
			 sent != 0 ? reply->resp.error
				   : (reply->err.code ? reply->err.code : "error"),
			 reply->attempts, d.delay_ms);
		s_sleep_ms(d.delay_ms);
	}
	if (sent != 0) {
		reply->message =
		    aws_client_transport_message(label.data, reply->resp.error, reply->attempts);
		goto out;
	}
	if (!s_is_success(reply->resp.status)) {
		/* An expired token: the next call resolves the chain again. */
		if (c->credentials == NULL && !c->anonymous &&
		    (aws_error_is(&reply->err, "ExpiredToken") ||
		     aws_error_is(&reply->err, "ExpiredTokenException")))
			aws_credentials_chain_clear(s_chain);
		reply->message = aws_error_format(&reply->err, svc, c->operation, c->resource);
		rc = 1;
		goto out;
	}
	rc = 0;
out:
	if (rc == -1 && reply->message == NULL)
		reply->message = str_printf("%s: failed", label.data ? label.data : svc);
	aws_endpoint_free(&ep);
	buf_free(&label);
	return rc;
}

void aws_reply_detail(const struct aws_reply *reply, struct aaa_err *err)
{
	if (err == NULL)
		return;
	if (reply->err.code)
		snprintf(err->code, sizeof(err->code), "%s", reply->err.code);
	err_detail(err, (int)reply->resp.status, reply->err.request_id);
}

void aws_reply_free(struct aws_reply *reply)
{
	http_response_free(&reply->resp);
	aws_error_free(&reply->err);
	free(reply->message);
	reply->message = NULL;
}
