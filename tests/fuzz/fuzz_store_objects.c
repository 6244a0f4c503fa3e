/*
 * libFuzzer target: the store objects the agent reads back (meta.json, a
 * job document, index.json, account.json), written into a file:// store
 * and read by the real readers: the executor's status action (by name and
 * by job), ls, the scheduler's pass over index.json (its renewal invokes go
 * to the local server of fuzz_server.h, which answers 202), and the pure
 * pieces on the parsed meta (the index entry, the renewal time). A damaged
 * or hostile object must give an answer or a clean error, never a crash.
 *
 * The input is up to four documents separated by a line "\n--\n", in the
 * order meta, job, index, account.
 */
#include "fuzz_server.h"

#include <stdint.h>
#include <sys/stat.h>

#include "agent/certs.h"
#include "handlers/handlers.h"
#include "agent/job.h"
#include "agent/ops.h"
#include "agent/renewal.h"
#include "acme/ari.h"
#include "json/json.h"
#include "store/store.h"

#include "fuzz_util.h"

#define S_DIRECTORY "https://127.0.0.1:14000/dir"
#define S_NAME	    "fuzz.example"
#define S_JOB	    "fuzzjob"

static struct store *s_store;
static char s_url[300];

static long long s_remaining(const struct runtime_ctx *ctx)
{
	(void)ctx;
	return 600000;
}

/* One temporary store for the whole run (the process is the fuzzer's). */
static int s_setup(void)
{
	char tmpl[] = "/tmp/aaa-fuzz-store-XXXXXX";

	if (s_store)
		return 0;
	if (fuzz_server_start() != 0 || fuzz_server_answer(202, NULL, "", 0) != 0)
		return -1;
	if (mkdtemp(tmpl) == NULL)
		return -1;
	snprintf(s_url, sizeof(s_url), "file://%s", tmpl);
	setenv("AAA_STORE", s_url, 1);
	setenv("AAA_DIRECTORY", S_DIRECTORY, 1);
	setenv("AAA_EXECUTOR_FUNCTION", "fuzz-executor", 1);
	s_store = store_open(s_url, NULL);
	return s_store ? 0 : -1;
}

/* Writes doc[0..len) at key, or removes key when len is 0. */
static void s_put(const char *key, const char *doc, size_t len)
{
	if (len)
		(void)store_put(s_store, key, doc, len, 0, NULL);
	else
		(void)store_delete(s_store, key);
}

/* Runs one handler on a JSON event; the answer, when any, must be JSON. */
static void s_handle(rt_handler_fn fn, const char *event)
{
	struct runtime_ctx ctx = {"fuzz-request", 0, "arn:aws:lambda:us-east-1:1:function:f", NULL,
				  s_remaining};
	struct aaa_err err;
	cJSON *ev = cJSON_Parse(event), *ans;
	char *resp = NULL;

	memset(&err, 0, sizeof(err));
	if (ev == NULL)
		abort();
	if (fn(ev, &ctx, &resp, &err) == 0) {
		if (resp == NULL || (ans = cJSON_Parse(resp)) == NULL)
			abort();
		cJSON_Delete(ans);
	} else if (err.type[0] == '\0') {
		abort();
	}
	free(resp);
	cJSON_Delete(ev);
}

/* The pure readers over the parsed meta, as agent_cert_record_failure uses them. */
static void s_pure(const char *text, size_t len)
{
	cJSON *meta = json_parse(text, len, NULL), *e;
	struct renewal_input ri;
	time_t t = 0;
	char buf[64];
	const cJSON *ari;

	if (meta == NULL)
		return;
	memset(&ri, 0, sizeof(ri));
	ri.failures = (unsigned)json_int(meta, "failures", 0) + 1;
	if (json_str(meta, "not_before"))
		(void)acme_rfc3339_parse(json_str(meta, "not_before"), &ri.not_before);
	if (json_str(meta, "not_after"))
		(void)acme_rfc3339_parse(json_str(meta, "not_after"), &ri.not_after);
	ari = json_obj(meta, "ari");
	if (json_str(ari, "start"))
		(void)acme_rfc3339_parse(json_str(ari, "start"), &ri.ari_start);
	if (json_str(ari, "end"))
		(void)acme_rfc3339_parse(json_str(ari, "end"), &ri.ari_end);
	ri.last_failure = 1700000000;
	ri.revoked = json_bool(meta, "revoked", 0);
	t = renewal_time(&ri, 0.5);
	agent_time_format(t, buf, sizeof(buf));
	e = agent_index_entry(meta);
	if (e == NULL)
		abort();
	cJSON_Delete(e);
	(void)job_state_parse(json_str(meta, "state"));
	cJSON_Delete(meta);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = {"certs/" S_NAME "/meta.json", "jobs/" S_JOB ".json",
					   "index.json",
					   "accounts/127.0.0.1_14000/default/account.json"};
	const char *p = (const char *)data, *end = p + size, *sep;
	size_t i, len;

	fuzz_quiet();
	if (s_setup() != 0)
		return 0;
	for (i = 0; i < 4; i++) {
		sep = p < end ? memmem(p, (size_t)(end - p), "\n--\n", 4) : NULL;
		len = sep ? (size_t)(sep - p) : (size_t)(end - p);
		s_put(keys[i], p, len);
		if (i == 0)
			s_pure(p, len);
		p = sep ? sep + 4 : end;
	}
	s_handle(agent_executor, "{\"action\":\"status\",\"name\":\"" S_NAME "\"}");
	s_handle(agent_executor, "{\"action\":\"status\",\"job\":\"" S_JOB "\"}");
	s_handle(agent_executor, "{\"action\":\"ls\"}");
	s_handle(agent_scheduler,
		 "{\"source\":\"aws.events\",\"detail-type\":\"Scheduled Event\",\"detail\":{}}");
	return 0;
}
