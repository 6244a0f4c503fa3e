/*
 * Slack request signatures and the legacy token (see slack/verify.h).
 */
#include "slack/verify.h"

#include <stdio.h>
#include <string.h>

#include "crypto/hash.h"
#include "util/buf.h"
#include "util/mem.h"

int (*slack_equal_fn)(const void *a, size_t alen, const void *b, size_t blen) = mem_equal_ct;

/*
 * The base string is built in a buffer that is wiped afterwards: the body
 * carries the legacy token and user data, which need not linger in freed
 * heap.
 */
int slack_signature_compute(const void *secret, size_t secret_len, const char *timestamp,
			    const void *body, size_t body_len, char out[68])
{
	struct buf base = BUF_INIT;
	unsigned char mac[SHA256_LEN];
	int rc = -1;

	if (buf_printf(&base, "v0:%s:", timestamp) != 0 ||
	    (body_len > 0 && buf_append(&base, body, body_len) != 0))
		goto out;
	if (crypto_hmac_sha256(secret, secret_len, base.data, base.len, mac) != 0)
		goto out;
	out[0] = 'v';
	out[1] = '0';
	out[2] = '=';
	hex_encode(mac, sizeof(mac), out + 3);
	rc = 0;
out:
	mem_wipe(mac, sizeof(mac));
	buf_wipe_free(&base);
	return rc;
}

/* Digits only (no sign, no space), at most 12 of them: a plausible epoch. */
static int s_parse_timestamp(const char *s, long long *out)
{
	long long v = 0;
	size_t i;

	if (s == NULL || *s == '\0' || strlen(s) > 12)
		return -1;
	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/*
 * The timestamp is checked before the HMAC is computed, so a stale request
 * costs nothing; both failures read the same to the caller (401), only the
 * log says which.
 */
int slack_signature_verify(const void *secret, size_t secret_len, const char *timestamp,
			   const char *signature, const void *body, size_t body_len, long long now,
			   struct aaa_err *err)
{
	char want[68];
	long long ts = 0, skew;
	int rc = -1;

	if (secret == NULL || secret_len == 0) {
		err_set(err, "input", "", "no signing secret is configured");
		goto out;
	}
	if (timestamp == NULL || signature == NULL) {
		err_set(err, "input", "", "missing %s header",
			timestamp == NULL ? "X-Slack-Request-Timestamp" : "X-Slack-Signature");
		goto out;
	}
	if (s_parse_timestamp(timestamp, &ts) != 0) {
		err_set(err, "input", "", "X-Slack-Request-Timestamp is not a number of seconds");
		goto out;
	}
	skew = now - ts;
	if (skew > SLACK_MAX_SKEW_SECONDS || skew < -SLACK_MAX_SKEW_SECONDS) {
		err_set(err, "input", "",
			"X-Slack-Request-Timestamp is %lld s away from our clock (limit %d s)",
			skew, SLACK_MAX_SKEW_SECONDS);
		goto out;
	}
	if (slack_signature_compute(secret, secret_len, timestamp, body, body_len, want) != 0) {
		err_set(err, "input", "", "could not compute the signature");
		goto out;
	}
	if (!slack_equal_fn(want, strlen(want), signature, strlen(signature))) {
		err_set(err, "input", "", "X-Slack-Signature does not match");
		goto out;
	}
	rc = 0;
out:
	mem_wipe(want, sizeof(want));
	return rc;
}

int slack_token_equal(const char *want, const char *got)
{
	if (want == NULL || got == NULL || *want == '\0')
		return 0;
	return slack_equal_fn(want, strlen(want), got, strlen(got));
}
