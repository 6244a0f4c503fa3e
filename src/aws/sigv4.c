#define _DEFAULT_SOURCE
#include "aws/sigv4.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crypto/hash.h"
#include "log/log.h"
#include "util/mem.h"

/* Headers aws-c-auth never signs even when present: hop-by-hop headers a
 * proxy may change, and values an HTTP library rewrites. */
static const char *const s_unsigned_headers[] = {
    "user-agent", "x-amzn-trace-id", "connection", "expect", "transfer-encoding", "upgrade",
};
/* Headers the signer owns; a caller that sets one has a bug. */
static const char *const s_signer_headers[] = {
    "x-amz-date",
    "authorization",
    "x-amz-security-token",
    "x-amz-content-sha256",
};

/* One canonical header (lower-case name, trimmed value) or one query pair
 * (encoded key and value); idx keeps request order for equal names. */
struct s_pair {
	char *key;
	char *value;
	size_t idx;
};

struct s_pairs {
	struct s_pair *v;
	size_t n, cap;
};

static void s_pairs_free(struct s_pairs *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		str_wipe_free(p->v[i].key);
		str_wipe_free(p->v[i].value);
	}
	free(p->v);
	memset(p, 0, sizeof(*p));
}

/* Takes ownership of key and value (freed on failure too). */
static int s_pairs_push(struct s_pairs *p, char *key, char *value)
{
	struct s_pair *nv;
	int rc = -1;

	if (key == NULL || value == NULL)
		goto out;
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;

		nv = realloc(p->v, cap * sizeof(*nv));
		if (nv == NULL)
			goto out;
		p->v = nv;
		p->cap = cap;
	}
	p->v[p->n].key = key;
	p->v[p->n].value = value;
	p->v[p->n].idx = p->n;
	p->n++;
	key = value = NULL;
	rc = 0;
out:
	str_wipe_free(key);
	str_wipe_free(value);
	return rc;
}

static int s_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

int aws_uri_encode_buf(struct buf *b, const void *s, size_t len, int encode_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = s;
	char esc[3];
	size_t i;

	if (buf_reserve(b, len) != 0)
		return -1;
	b->data[b->len] = '\0'; /* also when nothing is appended */
	for (i = 0; i < len; i++) {
		if (s_unreserved(p[i]) || (p[i] == '/' && !encode_slash)) {
			if (buf_append(b, &p[i], 1) != 0)
				return -1;
			continue;
		}
		esc[0] = '%';
		esc[1] = hex[p[i] >> 4];
		esc[2] = hex[p[i] & 15];
		if (buf_append(b, esc, 3) != 0)
			return -1;
	}
	return 0;
}

char *aws_uri_encode(const char *s, int encode_slash)
{
	struct buf b = BUF_INIT;
	char *ret = NULL;

	if (s == NULL)
		goto out;
	if (aws_uri_encode_buf(&b, s, strlen(s), encode_slash) != 0)
		goto out;
	ret = buf_steal(&b);
out:
	buf_free(&b);
	return ret;
}

/*
 * Decodes %XX escapes of s[0..len) and encodes the bytes again strictly, so
 * "%E1%88%B4", a raw "ሴ" and "%e1%88%b4" all come out as "%E1%88%B4". A '%'
 * not followed by two hex digits is a literal '%'. '+' is a literal plus
 * (AWS query strings are not form-encoded). Caller frees.
 */
static char *s_reencode(const char *s, size_t len)
{
	struct buf dec = BUF_INIT, enc = BUF_INIT;
	char *ret = NULL;
	size_t i;

	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c == '%' && i + 2 < len && hex_value(s[i + 1]) >= 0 &&
		    hex_value(s[i + 2]) >= 0) {
			c = (char)(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
			i += 2;
		}
		if (buf_append(&dec, &c, 1) != 0)
			goto out;
	}
	if (aws_uri_encode_buf(&enc, dec.data ? dec.data : "", dec.len, 1) != 0)
		goto out;
	ret = buf_steal(&enc);
out:
	buf_wipe_free(&dec);
	buf_wipe_free(&enc);
	return ret;
}

/* Adds an unencoded key and value as an encoded query pair. */
static int s_query_add_raw(struct s_pairs *q, const char *key, const char *value)
{
	return s_pairs_push(q, aws_uri_encode(key, 1), aws_uri_encode(value, 1));
}

/* Splits a wire query into pairs ("a=1&b&&c=" -> a=1, b=, c=). */
static int s_query_parse(struct s_pairs *q, const char *query)
{
	const char *p = query, *amp, *eq;
	size_t n;
	int rc = -1;

	while (p && *p) {
		amp = strchr(p, '&');
		n = amp ? (size_t)(amp - p) : strlen(p);
		if (n > 0) {
			eq = memchr(p, '=', n);
			if (eq == NULL) {
				if (s_pairs_push(q, s_reencode(p, n), str_dup("")) != 0)
					goto out;
			} else if (s_pairs_push(q, s_reencode(p, (size_t)(eq - p)),
						s_reencode(eq + 1, n - (size_t)(eq - p) - 1)) !=
				   0) {
				goto out;
			}
		}
		p = amp ? amp + 1 : NULL;
	}
	rc = 0;
out:
	return rc;
}

static int s_cmp_query(const void *a, const void *b)
{
	const struct s_pair *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : strcmp(x->value, y->value);
}

/* Sorted "k=v&k=v". Caller frees. */
static char *s_query_join(struct s_pairs *q)
{
	struct buf b = BUF_INIT;
	char *ret = NULL;
	size_t i;

	if (q->n)
		qsort(q->v, q->n, sizeof(*q->v), s_cmp_query);
	for (i = 0; i < q->n; i++)
		if (buf_printf(&b, "%s%s=%s", i ? "&" : "", q->v[i].key, q->v[i].value) != 0)
			goto out;
	ret = buf_steal(&b);
out:
	buf_wipe_free(&b);
	return ret;
}

char *sigv4_canonical_query(const char *query)
{
	struct s_pairs q = {0};
	char *ret = NULL;

	if (s_query_parse(&q, query) != 0)
		goto out;
	ret = s_query_join(&q);
out:
	s_pairs_free(&q);
	return ret;
}

/*
 * RFC 3986 section 5.2.4 plus what AWS adds: empty segments ("//") go too.
 * A trailing '/' survives when the input had one and something is left
 * ("/a/b/" -> "/a/b/", "/a/.." -> "/"), as botocore and aws-c-auth do.
 */
static char *s_normalize_path(const char *path)
{
	struct buf b = BUF_INIT;
	size_t *starts = NULL, nseg = 0, len = strlen(path), i, j, n;
	char *ret = NULL;

	starts = calloc(len + 1, sizeof(*starts));
	if (starts == NULL)
		goto out;
	for (i = 0; i <= len;) {
		j = i;
		while (j < len && path[j] != '/')
			j++;
		n = j - i;
		if (n == 0 || (n == 1 && path[i] == '.')) {
			/* empty or "." segment: dropped */
		} else if (n == 2 && path[i] == '.' && path[i + 1] == '.') {
			if (nseg > 0) {
				nseg--;
				b.len = starts[nseg];
				if (b.data)
					b.data[b.len] = '\0';
			}
		} else {
			starts[nseg++] = b.len;
			if (buf_append(&b, "/", 1) != 0 || buf_append(&b, path + i, n) != 0)
				goto out;
		}
		i = j + 1;
	}
	if (nseg == 0) {
		if (buf_append(&b, "/", 1) != 0)
			goto out;
	} else if (len > 0 && path[len - 1] == '/' && buf_append(&b, "/", 1) != 0) {
		goto out;
	}
	ret = buf_steal(&b);
out:
	free(starts);
	buf_free(&b);
	return ret;
}

char *sigv4_canonical_path(const char *path, unsigned flags)
{
	char *norm = NULL, *ret = NULL;

	if (path == NULL || *path == '\0')
		path = "/";
	if (flags & SIGV4_PATH_ENCODED) {
		ret = *path == '/' ? str_dup(path) : str_printf("/%s", path);
		goto out;
	}
	if (flags & SIGV4_NO_NORMALIZE)
		norm = *path == '/' ? str_dup(path) : str_printf("/%s", path);
	else
		norm = s_normalize_path(path);
	if (norm == NULL)
		goto out;
	ret = aws_uri_encode(norm, 0);
out:
	free(norm);
	return ret;
}

/* RFC 9110 token characters: a header name or method with anything else
 * would make a different request on the wire than the one signed. */
static int s_is_token(const char *s)
{
	if (s == NULL || *s == '\0')
		return 0;
	for (; *s; s++)
		if (!strchr("!#$%&'*+-.^_`|~", *s) &&
		    !((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= 'A' && *s <= 'Z')))
			return 0;
	return 1;
}

static int s_in_list(const char *lname, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(lname, list[i]) == 0)
			return 1;
	return 0;
}

/* Trimall: leading and trailing white space removed, inner runs (including
 * the line breaks of folded values) collapsed to one space. Caller frees. */
static char *s_trimall(const char *v)
{
	struct buf b = BUF_INIT;
	char *ret = NULL;
	int space = 0;

	for (; *v; v++) {
		if (strchr(" \t\r\n\v\f", *v)) {
			space = b.len > 0;
			continue;
		}
		if ((space && buf_append(&b, " ", 1) != 0) || buf_append(&b, v, 1) != 0)
			goto out;
		space = 0;
	}
	ret = buf_steal(&b);
out:
	buf_wipe_free(&b);
	return ret;
}

static char *s_lower(const char *s)
{
	char *r = str_dup(s), *p;

	for (p = r; p && *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return r;
}

static int s_cmp_header(const void *a, const void *b)
{
	const struct s_pair *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * Collects the headers to sign: the request's (minus the never-signed
 * ones) plus, in header mode, the signer's own. Refuses a request without
 * Host, with a signer-owned header, or with a name that is not a token.
 */
static int s_collect_headers(const struct sigv4_request *req, const struct sigv4_params *p,
			     const struct sigv4_result *r, struct s_pairs *h)
{
	const char *token = p->creds->session_token;
	int have_host = 0, rc = -1;
	char *lname = NULL;
	size_t i;

	for (i = 0; i < req->nheaders; i++) {
		free(lname);
		lname = NULL;
		if (!s_is_token(req->headers[i].name) || req->headers[i].value == NULL) {
			log_error("sigv4: invalid header name %s",
				  req->headers[i].name ? req->headers[i].name : "(null)");
			goto out;
		}
		lname = s_lower(req->headers[i].name);
		if (lname == NULL)
			goto out;
		if (s_in_list(lname, s_signer_headers,
			      sizeof(s_signer_headers) / sizeof(s_signer_headers[0]))) {
			log_error("sigv4: header %s is set by the signer", req->headers[i].name);
			goto out;
		}
		if (s_in_list(lname, s_unsigned_headers,
			      sizeof(s_unsigned_headers) / sizeof(s_unsigned_headers[0])) ||
		    strncmp(lname, "sec-websocket-", 14) == 0)
			continue;
		have_host |= strcmp(lname, "host") == 0;
		if (s_pairs_push(h, lname, s_trimall(req->headers[i].value)) != 0) {
			lname = NULL;
			goto out;
		}
		lname = NULL;
	}
	if (!have_host) {
		log_error("sigv4: the request has no Host header");
		goto out;
	}
	if (!(p->flags & SIGV4_PRESIGN)) {
		if (s_pairs_push(h, str_dup("x-amz-date"), str_dup(r->amz_date)) != 0)
			goto out;
		if (token && !(p->flags & SIGV4_OMIT_TOKEN) &&
		    s_pairs_push(h, str_dup("x-amz-security-token"), s_trimall(token)) != 0)
			goto out;
		if ((p->flags & SIGV4_CONTENT_SHA256) &&
		    s_pairs_push(h, str_dup("x-amz-content-sha256"), str_dup(r->payload_hash)) != 0)
			goto out;
	}
	qsort(h->v, h->n, sizeof(*h->v), s_cmp_header);
	rc = 0;
out:
	free(lname);
	return rc;
}

/* "name:v1,v2\n" lines (duplicates joined in request order) into canon,
 * "a;b" into *signed_out. */
static int s_canonical_headers(const struct s_pairs *h, struct buf *canon, char **signed_out)
{
	struct buf sh = BUF_INIT;
	size_t i;
	int rc = -1;

	for (i = 0; i < h->n; i++) {
		int same = i > 0 && strcmp(h->v[i].key, h->v[i - 1].key) == 0;

		if (same) {
			/* drop the previous '\n' and join with ',' */
			canon->len--;
			if (buf_printf(canon, ",%s\n", h->v[i].value) != 0)
				goto out;
			continue;
		}
		if (buf_printf(canon, "%s:%s\n", h->v[i].key, h->v[i].value) != 0 ||
		    buf_printf(&sh, "%s%s", sh.len ? ";" : "", h->v[i].key) != 0)
			goto out;
	}
	*signed_out = buf_steal(&sh);
	rc = *signed_out ? 0 : -1;
out:
	buf_free(&sh);
	return rc;
}

static int s_valid_scope_part(const char *s)
{
	if (s == NULL || *s == '\0')
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.'))
			return 0;
	return 1;
}

static int s_valid_hash(const char *h)
{
	size_t i;

	if (strcmp(h, SIGV4_UNSIGNED_PAYLOAD) == 0)
		return 1;
	for (i = 0; i < 64; i++)
		if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
			return 0;
	return h[64] == '\0';
}

static int s_check_inputs(const struct sigv4_request *req, const struct sigv4_params *p)
{
	const struct aws_credentials *c = p ? p->creds : NULL;
	int rc = -1;

	if (req == NULL || c == NULL) {
		log_error("sigv4: missing request, parameters or credentials");
		goto out;
	}
	if (c->access_key_id == NULL || !s_valid_scope_part(c->access_key_id) ||
	    c->secret_access_key == NULL || *c->secret_access_key == '\0') {
		log_error("sigv4: the credentials have no valid access key id or secret key");
		goto out;
	}
	if (!s_valid_scope_part(p->region) || !s_valid_scope_part(p->service)) {
		log_error("sigv4: invalid region or service name");
		goto out;
	}
	if (!s_is_token(req->method)) {
		log_error("sigv4: invalid method");
		goto out;
	}
	if (req->payload_hash && !s_valid_hash(req->payload_hash)) {
		log_error("sigv4: payload hash is neither a SHA-256 hex digest nor %s",
			  SIGV4_UNSIGNED_PAYLOAD);
		goto out;
	}
	if (req->payload == NULL && req->payload_len > 0) {
		log_error("sigv4: payload length without a payload");
		goto out;
	}
	if ((p->flags & SIGV4_PRESIGN) && (p->expires < 1 || p->expires > SIGV4_MAX_EXPIRES)) {
		log_error("sigv4: presign expiry %lu is outside 1..%lu seconds", p->expires,
			  SIGV4_MAX_EXPIRES);
		goto out;
	}
	rc = 0;
out:
	return rc;
}

int sigv4_signing_key(const char *secret, const char *date8, const char *region,
		      const char *service, unsigned char key[32])
{
	unsigned char k1[SHA256_LEN], k2[SHA256_LEN];
	char *seed = NULL;
	int rc = -1;

	seed = str_printf("AWS4%s", secret);
	if (seed == NULL)
		goto out;
	if (crypto_hmac_sha256(seed, strlen(seed), date8, strlen(date8), k1) != 0 ||
	    crypto_hmac_sha256(k1, sizeof(k1), region, strlen(region), k2) != 0 ||
	    crypto_hmac_sha256(k2, sizeof(k2), service, strlen(service), k1) != 0 ||
	    crypto_hmac_sha256(k1, sizeof(k1), "aws4_request", 12, key) != 0)
		goto out;
	rc = 0;
out:
	mem_wipe(k1, sizeof(k1));
	mem_wipe(k2, sizeof(k2));
	str_wipe_free(seed);
	return rc;
}

int sigv4_signature(const char *secret, const char *date8, const char *region, const char *service,
		    const char *string_to_sign, char hex[2 * 32 + 1])
{
	unsigned char key[SHA256_LEN], mac[SHA256_LEN];
	int rc = -1;

	if (sigv4_signing_key(secret, date8, region, service, key) != 0 ||
	    crypto_hmac_sha256(key, sizeof(key), string_to_sign, strlen(string_to_sign), mac) != 0)
		goto out;
	hex_encode(mac, sizeof(mac), hex);
	rc = 0;
out:
	mem_wipe(key, sizeof(key));
	return rc;
}

char *sigv4_string_to_sign(const char *amz_date, const char *scope, const char *canonical_request)
{
	char hash[2 * SHA256_LEN + 1];

	if (crypto_sha256_hex(canonical_request, strlen(canonical_request), hash) != 0)
		return NULL;
	return str_printf(SIGV4_ALGORITHM "\n%s\n%s\n%s", amz_date, scope, hash);
}

static void s_add_header(struct sigv4_result *r, const char *name, const char *value)
{
	r->added[r->nadded].name = name;
	r->added[r->nadded].value = value;
	r->nadded++;
}

/*
 * The whole signing in the order of the spec: payload hash, canonical
 * request (path, query with the presign parameters, headers), string to
 * sign, signature, then what goes on the wire.
 */
int sigv4_sign(const struct sigv4_request *req, const struct sigv4_params *p,
	       struct sigv4_result *out)
{
	struct s_pairs q = {0}, h = {0};
	struct buf canon = BUF_INIT, hdrs = BUF_INIT;
	char *path = NULL, *query = NULL, *credential = NULL, date8[9], expires[24];
	const char *token;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (s_check_inputs(req, p) != 0)
		goto out;
	token =
	    p->creds->session_token && *p->creds->session_token ? p->creds->session_token : NULL;
	if (aws_time_format_amz(p->now, out->amz_date) != 0) {
		log_error("sigv4: time out of range");
		goto out;
	}
	memcpy(date8, out->amz_date, 8);
	date8[8] = '\0';
	if (req->payload_hash)
		snprintf(out->payload_hash, sizeof(out->payload_hash), "%s", req->payload_hash);
	else if (crypto_sha256_hex(req->payload ? req->payload : "", req->payload_len,
				   out->payload_hash) != 0)
		goto out;
	out->scope = str_printf("%s/%s/%s/aws4_request", date8, p->region, p->service);
	if (out->scope == NULL)
		goto out;
	if (token && (out->token = str_dup(token)) == NULL)
		goto out;

	if (s_collect_headers(req, p, out, &h) != 0 ||
	    s_canonical_headers(&h, &hdrs, &out->signed_headers) != 0)
		goto out;
	path = sigv4_canonical_path(req->path, p->flags);
	if (path == NULL || s_query_parse(&q, req->query) != 0)
		goto out;
	if (p->flags & SIGV4_PRESIGN) {
		credential = str_printf("%s/%s", p->creds->access_key_id, out->scope);
		snprintf(expires, sizeof(expires), "%lu", p->expires);
		if (credential == NULL || s_query_add_raw(&q, "X-Amz-Algorithm", SIGV4_ALGORITHM) ||
		    s_query_add_raw(&q, "X-Amz-Credential", credential) ||
		    s_query_add_raw(&q, "X-Amz-Date", out->amz_date) ||
		    s_query_add_raw(&q, "X-Amz-Expires", expires) ||
		    s_query_add_raw(&q, "X-Amz-SignedHeaders", out->signed_headers))
			goto out;
		if (token && !(p->flags & SIGV4_OMIT_TOKEN) &&
		    s_query_add_raw(&q, "X-Amz-Security-Token", token))
			goto out;
	}
	query = s_query_join(&q);
	if (query == NULL)
		goto out;

	if (buf_printf(&canon, "%s\n%s\n%s\n%s\n%s\n%s", req->method, path, query, hdrs.data,
		       out->signed_headers, out->payload_hash) != 0)
		goto out;
	out->canonical_request = buf_steal(&canon);
	out->string_to_sign =
	    sigv4_string_to_sign(out->amz_date, out->scope, out->canonical_request);
	if (out->canonical_request == NULL || out->string_to_sign == NULL ||
	    sigv4_signature(p->creds->secret_access_key, date8, p->region, p->service,
			    out->string_to_sign, out->signature) != 0)
		goto out;

	if (p->flags & SIGV4_PRESIGN) {
		struct buf qb = BUF_INIT;

		if (buf_printf(&qb, "%s&X-Amz-Signature=%s", query, out->signature) != 0 ||
		    (token && (p->flags & SIGV4_OMIT_TOKEN) &&
		     (buf_append_str(&qb, "&X-Amz-Security-Token=") != 0 ||
		      aws_uri_encode_buf(&qb, token, strlen(token), 1) != 0))) {
			buf_wipe_free(&qb);
			goto out;
		}
		out->query = buf_steal(&qb);
	} else {
		out->authorization = str_printf(
		    SIGV4_ALGORITHM " Credential=%s/%s, SignedHeaders=%s, Signature=%s",
		    p->creds->access_key_id, out->scope, out->signed_headers, out->signature);
		if (out->authorization == NULL)
			goto out;
		out->query = query;
		query = NULL;
		s_add_header(out, "X-Amz-Date", out->amz_date);
		if (out->token)
			s_add_header(out, "X-Amz-Security-Token", out->token);
		if (p->flags & SIGV4_CONTENT_SHA256)
			s_add_header(out, "x-amz-content-sha256", out->payload_hash);
		s_add_header(out, "Authorization", out->authorization);
	}
	rc = out->query ? 0 : -1;
out:
	s_pairs_free(&q);
	s_pairs_free(&h);
	buf_wipe_free(&canon);
	buf_wipe_free(&hdrs);
	free(path);
	str_wipe_free(query);
	free(credential);
	return rc;
}

void sigv4_result_free(struct sigv4_result *r)
{
	if (r == NULL)
		return;
	str_wipe_free(r->canonical_request);
	str_wipe_free(r->string_to_sign);
	free(r->signed_headers);
	free(r->scope);
	str_wipe_free(r->authorization);
	str_wipe_free(r->query);
	str_wipe_free(r->token);
	memset(r, 0, sizeof(*r));
}

static int s_header_safe(const char *s)
{
	return s && strpbrk(s, "\r\n") == NULL;
}

/*
 * Builds "Name: value" lines for the HTTP layer. A CR or LF in any name or
 * value is refused: it would smuggle a header that was never signed.
 */
char **sigv4_header_lines(const struct sigv4_request *req, const struct sigv4_result *r)
{
	size_t n = req->nheaders + r->nadded, i, k = 0;
	char **lines = NULL, **ret = NULL;

	lines = calloc(n + 1, sizeof(*lines));
	if (lines == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		const struct aws_header *hd =
		    i < req->nheaders ? &req->headers[i] : &r->added[i - req->nheaders];

		if (!s_header_safe(hd->name) || !s_header_safe(hd->value)) {
			log_error("sigv4: header %s has a line break", hd->name ? hd->name : "");
			goto out;
		}
		lines[k] = str_printf("%s: %s", hd->name, hd->value);
		if (lines[k++] == NULL)
			goto out;
	}
	ret = lines;
	lines = NULL;
out:
	sigv4_header_lines_free(lines);
	return ret;
}

void sigv4_header_lines_free(char **lines)
{
	size_t i;

	for (i = 0; lines && lines[i]; i++)
		str_wipe_free(lines[i]);
	free(lines);
}
