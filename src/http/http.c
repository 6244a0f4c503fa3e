#define _GNU_SOURCE
#include "http/http.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "config/settings.h"
#include "log/log.h"
#include "util/mem.h"
#include "version.h"

static CURL *s_curl;
static int s_global_init;
static struct buf s_cabundle = BUF_INIT;
static char *s_cafile;
static char *s_capath;
static long s_connections;

/* Where the system CA bundle may live: Debian, Amazon Linux, others. */
static const char *const s_system_bundles[] = {
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/cert.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
};

static int s_append_file(struct buf *b, const char *path, int must_exist)
{
	FILE *f = fopen(path, "rb");
	char chunk[8192];
	size_t n;
	int rc = -1;

	if (f == NULL) {
		if (must_exist)
			log_error("cannot read CA bundle %s: %m", path);
		return must_exist ? -1 : 1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_append(b, chunk, n) != 0)
			goto out;
	if (ferror(f)) {
		log_error("cannot read CA bundle %s: %m", path);
		goto out;
	}
	if (buf_append_str(b, "\n") != 0)
		goto out;
	rc = 0;
out:
	fclose(f);
	return rc;
}

/*
 * The trust store is always chosen here, never left to libcurl's compiled
 * default: the Lambda zip carries Debian's libcurl, whose default path does
 * not exist on Amazon Linux. SSL_CERT_FILE wins (bootstrap points it at the
 * bundle shipped in the zip), else a hashed system directory (SSL_CERT_DIR,
 * or /etc/ssl/certs as update-ca-certificates leaves it), else the first
 * system bundle found.
 *
 * The directory is preferred to the bundle: OpenSSL then reads only the
 * roots a handshake needs, where a bundle is parsed whole (about 140
 * certificates: 2 MB of memory and milliseconds of CPU per process).
 *
 * AAA_CA_BUNDLE is an *extra* trust anchor, not a replacement: the CA in
 * tests is pebble's, but the same process also talks to AWS. With a
 * directory it is the CAINFO file beside it; with a bundle (libcurl's
 * CAINFO replaces the default) we build one blob: the bundle plus the file.
 */
static const char *s_system_bundle(void)
{
	const char *sys = getenv("SSL_CERT_FILE");
	size_t i;

	if (sys && *sys)
		return sys;
	for (i = 0; i < sizeof(s_system_bundles) / sizeof(s_system_bundles[0]); i++)
		if (access(s_system_bundles[i], R_OK) == 0)
			return s_system_bundles[i];
	return NULL;
}

/* 1 if dir holds OpenSSL's hash links (8 hex digits, ".0"): c_rehash ran there. */
static int s_hashed_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int found = 0;

	if (!d)
		return 0;
	while (!found && (e = readdir(d)) != NULL)
		found = strlen(e->d_name) == 10 && strspn(e->d_name, "0123456789abcdef") == 8 &&
			strcmp(e->d_name + 8, ".0") == 0;
	closedir(d);
	return found;
}

static const char *s_system_dir(void)
{
	const char *file = getenv("SSL_CERT_FILE"), *dir = getenv("SSL_CERT_DIR");

	if (file && *file)
		return NULL;
	if (dir && *dir)
		return dir;
	return s_hashed_dir("/etc/ssl/certs") ? "/etc/ssl/certs" : NULL;
}

static int s_load_ca_bundle(void)
{
	const char *extra = settings()->ca_bundle;
	const char *sys = s_system_bundle(), *dir = s_system_dir();

	buf_free(&s_cabundle);
	free(s_cafile);
	free(s_capath);
	s_cafile = s_capath = NULL;
	if (extra && *extra && access(extra, R_OK) != 0) {
		log_error("AAA_CA_BUNDLE=%s cannot be read; fix the path or unset it", extra);
		return -1;
	}
	if (dir) {
		/* s_cafile NULL: the directory alone (libcurl's default file is off). */
		if (!(s_capath = str_dup(dir)) || (extra && *extra && !(s_cafile = str_dup(extra))))
			return -1;
		return 0;
	}
	if (extra == NULL || *extra == '\0') {
		/* NULL: no bundle anywhere; libcurl's default is all that is left. */
		s_cafile = str_dup(sys);
		return 0;
	}
	if (sys && s_append_file(&s_cabundle, sys, getenv("SSL_CERT_FILE") != NULL) < 0)
		return -1;
	if (s_append_file(&s_cabundle, extra, 1) != 0) {
		log_error("AAA_CA_BUNDLE=%s cannot be read; fix the path or unset it", extra);
		return -1;
	}
	return 0;
}

int http_init(void)
{
	if (!s_global_init) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			log_error("libcurl initialisation failed");
			return -1;
		}
		s_global_init = 1;
	}
	if (s_curl == NULL) {
		if (s_load_ca_bundle() != 0)
			return -1;
		s_curl = curl_easy_init();
		if (s_curl == NULL) {
			log_error("libcurl handle creation failed");
			return -1;
		}
	}
	return 0;
}

void http_cleanup(void)
{
	if (s_curl)
		curl_easy_cleanup(s_curl);
	s_curl = NULL;
	buf_free(&s_cabundle);
	free(s_cafile);
	free(s_capath);
	s_cafile = s_capath = NULL;
	if (s_global_init)
		curl_global_cleanup();
	s_global_init = 0;
}

long http_connections_opened(void)
{
	return s_connections;
}

/* One request on one easy handle: what its callbacks fill and what its
 * options point into, alive until the transfer is done (s_release). */
struct s_ctx {
	struct http_response *resp;
	size_t max;
	int too_large;
	const char *method;
	char *safe; /* the URL for messages: no query */
	struct curl_slist *hdrs;
	char errbuf[CURL_ERROR_SIZE];
};

static size_t s_on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct s_ctx *ctx = userdata;
	size_t n = size * nmemb;

	if (ctx->resp->body.len + n > ctx->max) {
		ctx->too_large = 1;
		return 0;
	}
	if (buf_append(&ctx->resp->body, ptr, n) != 0)
		return 0;
	return n;
}

static void s_free_headers(struct http_response *resp)
{
	size_t i;

	for (i = 0; i < resp->nheaders; i++) {
		free(resp->headers[i].name);
		free(resp->headers[i].value);
	}
	free(resp->headers);
	resp->headers = NULL;
	resp->nheaders = 0;
}

/*
 * Called once per header line, for every response in the exchange (a
 * 100-continue, then the real one): a new status line starts the list over.
 * Folded continuation lines are joined to the previous value.
 */
static size_t s_on_header(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct s_ctx *ctx = userdata;
	struct http_response *resp = ctx->resp;
	size_t n = size * nmemb, len = n;
	struct http_header *h;
	char *colon;

	while (len > 0 && (ptr[len - 1] == '\r' || ptr[len - 1] == '\n'))
		len--;
	if (len >= 5 && strncmp(ptr, "HTTP/", 5) == 0) {
		s_free_headers(resp);
		return n;
	}
	if (len == 0)
		return n;
	if ((ptr[0] == ' ' || ptr[0] == '\t') && resp->nheaders > 0) {
		char *joined;

		h = &resp->headers[resp->nheaders - 1];
		while (len > 0 && (*ptr == ' ' || *ptr == '\t')) {
			ptr++;
			len--;
		}
		joined = str_printf("%s %.*s", h->value, (int)len, ptr);
		if (joined == NULL)
			return 0;
		free(h->value);
		h->value = joined;
		return n;
	}
	colon = memchr(ptr, ':', len);
	if (colon == NULL)
		return n;
	h = realloc(resp->headers, (resp->nheaders + 1) * sizeof(*h));
	if (h == NULL)
		return 0;
	resp->headers = h;
	h = &resp->headers[resp->nheaders];
	h->name = str_ndup(ptr, (size_t)(colon - ptr));
	colon++;
	while (colon < ptr + len && (*colon == ' ' || *colon == '\t'))
		colon++;
	h->value = str_ndup(colon, (size_t)(ptr + len - colon));
	if (h->name == NULL || h->value == NULL) {
		free(h->name);
		free(h->value);
		return 0;
	}
	resp->nheaders++;
	return n;
}

static int s_has_header(const char *const *headers, const char *name)
{
	size_t nlen = strlen(name);

	for (; headers && *headers; headers++)
		if (strncasecmp(*headers, name, nlen) == 0 && (*headers)[nlen] == ':')
			return 1;
	return 0;
}

/* Strips credentials and query from a URL for messages (query may carry a
 * presigned signature). Caller frees. */
static char *s_safe_url(const char *url)
{
	size_t n = strcspn(url, "?#");

	return str_ndup(url, n);
}

/* Error text is truncated on purpose when long: it is a message, not data. */
static void s_set_error(struct http_response *resp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void s_set_error(struct http_response *resp, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(resp->error, sizeof(resp->error), fmt, ap);
	va_end(ap);
}

/*
 * Which transport failures are worth another attempt: the network or the
 * peer may recover. A certificate that does not verify, a malformed URL or
 * an oversize answer will fail the same way every time.
 */
static int s_retryable(CURLcode cc)
{
	switch (cc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;
	}
}

/*
 * Sets everything req asks for on h (reset first: the connection cache, DNS
 * cache and TLS sessions stay), with the TLS settings every request gets.
 * ctx is zeroed and owns the header list and the safe URL until s_release.
 * 0; -1 when out of memory.
 */
static int s_prepare(CURL *h, const struct http_request *req, struct http_response *resp,
		     struct s_ctx *ctx)
{
	struct curl_slist *tmp;
	const char *const *hp;

	memset(resp, 0, sizeof(*resp));
	memset(ctx, 0, sizeof(*ctx));
	ctx->resp = resp;
	ctx->max = req->max_response ? req->max_response : HTTP_DEFAULT_MAX_RESPONSE;
	ctx->method = req->method;
	if (!(ctx->safe = s_safe_url(req->url)))
		return -1;
	for (hp = req->headers; hp && *hp; hp++) {
		if (!(tmp = curl_slist_append(ctx->hdrs, *hp)))
			return -1;
		ctx->hdrs = tmp;
	}
	/* curl adds these on its own; an empty value suppresses them so the
	 * wire request is exactly what the caller (and its signature) saw. */
	if (!s_has_header(req->headers, "Expect") &&
	    (tmp = curl_slist_append(ctx->hdrs, "Expect:")))
		ctx->hdrs = tmp;
	if (!s_has_header(req->headers, "Content-Type") &&
	    (tmp = curl_slist_append(ctx->hdrs, "Content-Type:")))
		ctx->hdrs = tmp;

	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, req->url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ctx->errbuf);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "aaa/" AAA_VERSION);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	if (s_cabundle.len) {
		struct curl_blob blob;

		blob.data = s_cabundle.data;
		blob.len = s_cabundle.len;
		blob.flags = CURL_BLOB_NOCOPY;
		curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
	} else if (s_capath) {
		curl_easy_setopt(h, CURLOPT_CAINFO, s_cafile);
		curl_easy_setopt(h, CURLOPT_CAPATH, s_capath);
	} else if (s_cafile) {
		curl_easy_setopt(h, CURLOPT_CAINFO, s_cafile);
	}
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
			 req->connect_timeout_ms > 0 ? req->connect_timeout_ms
						     : HTTP_DEFAULT_CONNECT_TIMEOUT_MS);
	if (req->timeout_ms != HTTP_NO_TIMEOUT)
		curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
				 req->timeout_ms > 0 ? req->timeout_ms : HTTP_DEFAULT_TIMEOUT_MS);
	if (req->no_proxy)
		curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, ctx->hdrs);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, s_on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, ctx);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, s_on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, ctx);
	if (strcmp(req->method, "HEAD") == 0) {
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	} else if (strcmp(req->method, "GET") != 0 || req->body) {
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
		if (req->body || strcmp(req->method, "POST") == 0 ||
		    strcmp(req->method, "PUT") == 0) {
			curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
			curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body ? req->body : "");
		}
	}
	return 0;
}

/* What a finished transfer on h (cc its result) means for ctx->resp: 0 an
 * answer (status set), -1 a transport failure (error set). */
static int s_complete(CURL *h, CURLcode cc, struct s_ctx *ctx)
{
	struct http_response *resp = ctx->resp;
	long nconn = 0;

	if (curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &nconn) == CURLE_OK)
		s_connections += nconn;
	if (cc != CURLE_OK) {
		if (ctx->too_large)
			s_set_error(resp, "%s %s: response larger than %zu bytes", ctx->method,
				    ctx->safe, ctx->max);
		else
			s_set_error(resp, "%s %s: %s", ctx->method, ctx->safe,
				    ctx->errbuf[0] ? ctx->errbuf : curl_easy_strerror(cc));
		resp->status = 0;
		resp->retryable = !ctx->too_large && s_retryable(cc);
		return -1;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
	if (resp->body.data == NULL && buf_append(&resp->body, "", 0) != 0)
		return -1;
	return 0;
}

/* Ends a request: h (may be NULL) keeps no pointer into ctx, ctx frees
 * what it owns; a failure without a message is a lack of memory. */
static void s_release(CURL *h, struct s_ctx *ctx, int rc)
{
	if (h) {
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
		curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
	}
	curl_slist_free_all(ctx->hdrs);
	free(ctx->safe);
	ctx->hdrs = NULL;
	ctx->safe = NULL;
	if (rc != 0 && ctx->resp->error[0] == '\0')
		s_set_error(ctx->resp, "%s: out of memory", ctx->method);
}

int http_send(const struct http_request *req, struct http_response *resp)
{
	struct s_ctx ctx;
	int rc = -1;

	memset(&ctx, 0, sizeof(ctx));
	ctx.resp = resp;
	ctx.method = req->method;
	memset(resp, 0, sizeof(*resp));
	if (http_init() != 0) {
		s_set_error(resp, "HTTP client not available");
		goto out;
	}
	if (s_prepare(s_curl, req, resp, &ctx) != 0)
		goto out;
	rc = s_complete(s_curl, curl_easy_perform(s_curl), &ctx);
out:
	s_release(s_curl, &ctx, rc);
	return rc;
}

int http_parallel(int parallel, size_t n)
{
	int p = parallel < 1 || parallel > HTTP_GET_MANY_MAX ? HTTP_GET_MANY_MAX : parallel;

	return n < (size_t)p ? (int)n : p;
}

/* Milliseconds on the monotonic clock. */
static long long s_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000LL + ts.tv_nsec / 1000000L;
}

/* http_get_many's state: slot s runs gets[owner[s]] on easy[s] while busy[s]. */
struct s_many {
	CURLM *m;
	struct http_get *gets;
	size_t n, next;
	long long end_ms; /* no GET starts or runs after this; 0: no budget */
	int p, running;
	CURL *easy[HTTP_GET_MANY_MAX];
	struct s_ctx ctx[HTTP_GET_MANY_MAX];
	size_t owner[HTTP_GET_MANY_MAX];
	int busy[HTTP_GET_MANY_MAX];
};

/* Slot s takes the next GET that can start (one that cannot is failed),
 * while the budget lasts. */
static void s_many_start(struct s_many *g, int s)
{
	while (g->next < g->n) {
		struct http_get *get = &g->gets[g->next];
		struct http_request req = {.method = "GET"};
		long long left = g->end_ms ? g->end_ms - s_now_ms() : 0;

		if (g->end_ms && left <= 0)
			return;
		req.url = get->url;
		req.timeout_ms = get->timeout_ms > 0 ? get->timeout_ms : HTTP_DEFAULT_TIMEOUT_MS;
		if (g->end_ms && left < req.timeout_ms)
			req.timeout_ms = (long)left;
		req.max_response = get->max_response;
		g->owner[s] = g->next++;
		get->sent = 1;
		if (s_prepare(g->easy[s], &req, &get->resp, &g->ctx[s]) == 0 &&
		    curl_multi_add_handle(g->m, g->easy[s]) == CURLM_OK) {
			g->busy[s] = 1;
			g->running++;
			return;
		}
		s_release(g->easy[s], &g->ctx[s], -1);
	}
}

/* Ends slot s's GET (cc: its result) and starts the next in it. */
static void s_many_done(struct s_many *g, int s, CURLcode cc)
{
	struct http_get *get = &g->gets[g->owner[s]];

	curl_multi_remove_handle(g->m, g->easy[s]);
	g->busy[s] = 0;
	g->running--;
	get->rc = s_complete(g->easy[s], cc, &g->ctx[s]);
	s_release(g->easy[s], &g->ctx[s], get->rc);
	s_many_start(g, s);
}

/*
 * The multi interface drives up to p easy handles of its own (the shared
 * handle of http_send is left alone); a handle that finishes takes the next
 * URL, so at most p requests are in flight, and the multi's connection
 * cache keeps their connections for the next ones. A request's timeout
 * starts when it is added, never while it waits for a slot.
 */
size_t http_get_many(struct http_get *gets, size_t n, int parallel, long budget_ms)
{
	struct s_many g;
	const char *why = "HTTP client not available";
	size_t done = 0, i;
	CURLMsg *msg;
	CURLMcode mc;
	int s, still = 0, queued;

	memset(&g, 0, sizeof(g));
	g.gets = gets;
	g.n = n;
	g.p = http_parallel(parallel, n);
	g.end_ms = budget_ms > 0 ? s_now_ms() + budget_ms : 0;
	for (i = 0; i < n; i++) {
		memset(&gets[i].resp, 0, sizeof(gets[i].resp));
		gets[i].rc = -1;
		gets[i].sent = 0;
	}
	if (n == 0 || http_init() != 0 || !(g.m = curl_multi_init()))
		goto out;
	curl_multi_setopt(g.m, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)g.p);
	for (s = 0; s < g.p; s++)
		if (!(g.easy[s] = curl_easy_init()))
			goto out;
	for (s = 0; s < g.p; s++)
		s_many_start(&g, s);
	why = NULL;
	while (g.running > 0) {
		if ((mc = curl_multi_perform(g.m, &still)) != CURLM_OK) {
			why = curl_multi_strerror(mc);
			break;
		}
		while ((msg = curl_multi_info_read(g.m, &queued))) {
			CURL *h = msg->easy_handle;
			CURLcode cc = msg->data.result;

			if (msg->msg != CURLMSG_DONE)
				continue;
			for (s = 0; s < g.p && g.easy[s] != h; s++)
				;
			if (s < g.p && g.busy[s])
				s_many_done(&g, s, cc);
		}
		if (g.running > 0 && (mc = curl_multi_poll(g.m, NULL, 0, 1000, NULL)) != CURLM_OK) {
			why = curl_multi_strerror(mc);
			break;
		}
	}
out:
	/* After a failure of the multi itself, what runs or waits fails with it. */
	for (s = 0; s < g.p; s++) {
		if (g.busy[s]) {
			curl_multi_remove_handle(g.m, g.easy[s]);
			s_set_error(g.ctx[s].resp, "GET %s: %s", g.ctx[s].safe, why);
			s_release(g.easy[s], &g.ctx[s], -1);
		}
		if (g.easy[s])
			curl_easy_cleanup(g.easy[s]);
	}
	for (i = g.next; i < n; i++) {
		char *safe = s_safe_url(gets[i].url);

		if (why) {
			s_set_error(&gets[i].resp, "GET %s: %s", safe ? safe : "?", why);
		} else {
			s_set_error(&gets[i].resp,
				    "GET %s: not sent, the %ld ms for these GETs were spent",
				    safe ? safe : "?", budget_ms);
			gets[i].resp.retryable = 1;
		}
		free(safe);
	}
	if (g.m)
		curl_multi_cleanup(g.m);
	for (i = 0; i < n; i++)
		done += gets[i].rc == 0;
	return done;
}

const char *http_response_header(const struct http_response *resp, const char *name)
{
	size_t i;

	for (i = 0; i < resp->nheaders; i++)
		if (strcasecmp(resp->headers[i].name, name) == 0)
			return resp->headers[i].value;
	return NULL;
}

void http_response_free(struct http_response *resp)
{
	s_free_headers(resp);
	buf_free(&resp->body);
	resp->status = 0;
}

const char *http_library_version(void)
{
	static char v[128];
	const curl_version_info_data *d = curl_version_info(CURLVERSION_NOW);

	if (!d || !d->version)
		return "unknown";
	if (d->ssl_version)
		snprintf(v, sizeof(v), "%s (%s)", d->version, d->ssl_version);
	else
		snprintf(v, sizeof(v), "%s", d->version);
	return v;
}

char *http_url_origin(const char *url)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *out = NULL;
	size_t i;

	if (!u || !url ||
	    curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK)
		goto out;
	out = str_printf("%s://%s:%s", scheme, host, port);
	for (i = 0; out && out[i]; i++)
		if (out[i] >= 'A' && out[i] <= 'Z')
			out[i] = (char)(out[i] - 'A' + 'a');
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return out;
}
