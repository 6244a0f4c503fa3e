/*
 * Test program for DNS-01 over Route53 (src/dns/dns01.h), so pytest can
 * drive it against the local stack (moto behind the verifying proxy).
 *
 *   dns_tool [OPTIONS] find-zone NAME            {"zone_id","zone_name"}
 *   dns_tool [OPTIONS] resolve NAME...           {"records":{NAME:RECORD},"zones":{NAME:ZONEID}}
 *   dns_tool [OPTIONS] publish NAME=VALUE...     resolve, add, publish (and wait with --wait)
 *   dns_tool [OPTIONS] wait                      wait for the changes of --state
 *   dns_tool [OPTIONS] cleanup                   cleanup from --state
 *   dns_tool [OPTIONS] run NAME=VALUE...         publish, wait, cleanup in one process
 *   dns_tool list-zones                          {"zones":[{"id","name","private"}],"pages"}
 * OPTIONS: --zone-id DOMAIN=ZONEID, --zone-role DOMAIN=ROLE_ARN (repeatable),
 *          --timeout-ms N, --state FILE (read by wait/cleanup, written by
 *          publish/wait/cleanup), --wait, --check-auth (check_authoritative),
 *          --check-server IP:PORT (repeatable; dns01_set_check_servers).
 * Prints one JSON object ({"error": "...", "source", "code", "http_status",
 * "request_id"} on failure, with "state" and "change_requests" where they
 * apply). Exit 0 ok, 1 failure, 2 usage.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws/client.h"
#include "aws/route53.h"
#include "aws/sts.h"
#include "dns/dns01.h"
#include "http/http.h"
#include "log/log.h"
#include "util/mem.h"

#define MAXOPT 32

struct s_args {
	const char *zone_ids[MAXOPT];
	size_t nzone_ids;
	const char *zone_roles[MAXOPT];
	size_t nzone_roles;
	long timeout_ms;
	const char *state;
	int wait;
	int check_auth;
	const char *check_servers[MAXOPT];
	size_t ncheck_servers;
};

static int s_print(cJSON *o)
{
	char *s = cJSON_PrintUnformatted(o);

	if (s)
		printf("%s\n", s);
	free(s);
	cJSON_Delete(o);
	return s ? 0 : -1;
}

static int s_fail(const char *msg, struct dns01 *d)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "error", msg);
	if (d) {
		cJSON_AddItemToObject(o, "state", dns01_state(d));
		cJSON_AddNumberToObject(o, "change_requests", dns01_change_requests(d));
	}
	s_print(o);
	return 1;
}

/* A failure with its detail: {"error","source","code","http_status",
 * "request_id"}, and d's state when d is given. */
static int s_fail_err(const struct aaa_err *e, struct dns01 *d)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "error", e->message);
	cJSON_AddStringToObject(o, "source", e->source);
	cJSON_AddStringToObject(o, "code", e->code);
	cJSON_AddNumberToObject(o, "http_status", e->http_status);
	cJSON_AddStringToObject(o, "request_id", e->request_id);
	if (d) {
		cJSON_AddItemToObject(o, "state", dns01_state(d));
		cJSON_AddNumberToObject(o, "change_requests", dns01_change_requests(d));
	}
	s_print(o);
	return 1;
}

static struct dns01 *s_load(const struct s_args *a, const struct dns01_opts *opts)
{
	FILE *f;
	char *text = NULL;
	size_t len = 0;
	cJSON *st;
	struct dns01 *d = NULL;

	if (a->state == NULL || (f = fopen(a->state, "r")) == NULL)
		return NULL;
	if (getdelim(&text, &len, '\0', f) > 0) {
		st = cJSON_Parse(text);
		d = st ? dns01_from_state(st, opts) : NULL;
		cJSON_Delete(st);
	}
	free(text);
	fclose(f);
	return d;
}

static int s_save(const struct s_args *a, const struct dns01 *d)
{
	cJSON *st;
	char *s;
	FILE *f;
	int rc = -1;

	if (a->state == NULL)
		return 0;
	st = dns01_state(d);
	s = st ? cJSON_Print(st) : NULL;
	f = s ? fopen(a->state, "w") : NULL;
	if (f) {
		rc = fputs(s, f) < 0 ? -1 : 0;
		if (fclose(f) != 0)
			rc = -1;
	}
	free(s);
	cJSON_Delete(st);
	return rc;
}

static int s_ok(struct dns01 *d)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "result", "ok");
	cJSON_AddItemToObject(o, "state", dns01_state(d));
	cJSON_AddNumberToObject(o, "change_requests", dns01_change_requests(d));
	return s_print(o) ? 1 : 0;
}

/* NAME=VALUE pairs: resolve all names first, then add the values. */
static int s_publish(const struct s_args *a, const struct dns01_opts *opts, char **pairs, int n,
		     int run)
{
	const char *names[64];
	char *vals[64];
	struct dns01 *d = NULL;
	int i, rc = 1;

	if (n <= 0 || n > 64)
		return 2;
	for (i = 0; i < n; i++) {
		char *eq = strchr(pairs[i], '=');

		if (eq == NULL)
			return 2;
		*eq = '\0';
		names[i] = pairs[i];
		vals[i] = eq + 1;
	}
	d = dns01_new(opts);
	if (d == NULL || dns01_set_check_servers(d, a->check_servers, a->ncheck_servers))
		return s_fail("out of memory", NULL);
	if (dns01_resolve(d, names, (size_t)n)) {
		rc = s_fail_err(dns01_err(d), d);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (dns01_add(d, names[i], vals[i])) {
			rc = s_fail_err(dns01_err(d), d);
			goto out;
		}
	}
	if (dns01_publish(d)) {
		s_save(a, d);
		rc = s_fail_err(dns01_err(d), d);
		goto out;
	}
	if ((a->wait || run) && dns01_wait(d)) {
		s_save(a, d);
		rc = s_fail_err(dns01_err(d), d);
		goto out;
	}
	if (run && dns01_cleanup(d)) {
		rc = s_fail_err(dns01_err(d), d);
		goto out;
	}
	if (s_save(a, d))
		rc = s_fail("cannot write the state file", d);
	else
		rc = s_ok(d);
out:
	dns01_free(d);
	return rc;
}

static int s_from_state(const struct s_args *a, const struct dns01_opts *opts, int cleanup)
{
	struct dns01 *d = s_load(a, opts);
	int rc;

	if (d == NULL)
		return s_fail("cannot read the state file (--state)", NULL);
	if (dns01_set_check_servers(d, a->check_servers, a->ncheck_servers)) {
		dns01_free(d);
		return s_fail("out of memory", NULL);
	}
	rc = cleanup ? dns01_cleanup(d) : dns01_wait(d);
	s_save(a, d);
	rc = rc ? s_fail_err(dns01_err(d), d) : s_ok(d);
	dns01_free(d);
	return rc;
}

static int s_resolve(const struct dns01_opts *opts, char **names, int n)
{
	struct dns01 *d = dns01_new(opts);
	cJSON *o, *recs, *zones;
	int i;

	if (d == NULL || n <= 0)
		return d ? 2 : 1;
	if (dns01_resolve(d, (const char *const *)names, (size_t)n)) {
		int rc = s_fail_err(dns01_err(d), NULL);

		dns01_free(d);
		return rc;
	}
	o = cJSON_CreateObject();
	recs = cJSON_AddObjectToObject(o, "records");
	zones = cJSON_AddObjectToObject(o, "zones");
	for (i = 0; i < n; i++) {
		cJSON_AddStringToObject(recs, names[i], dns01_record_name(d, names[i]));
		cJSON_AddStringToObject(zones, names[i], dns01_zone_id(d, names[i]));
	}
	dns01_free(d);
	return s_print(o) ? 1 : 0;
}

static int s_find_zone(const struct dns01_opts *opts, const char *name)
{
	char *id = NULL, *zn = NULL;
	struct aaa_err err;
	cJSON *o;

	if (dns01_find_zone(name, opts, &id, &zn, &err))
		return s_fail_err(&err, NULL);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "zone_id", id);
	cJSON_AddStringToObject(o, "zone_name", zn);
	free(id);
	free(zn);
	return s_print(o) ? 1 : 0;
}

static cJSON *s_zones_json(const struct route53_zones *z)
{
	cJSON *a = cJSON_CreateArray();
	size_t i;

	for (i = 0; a && i < z->n; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "id", z->v[i].id);
		cJSON_AddStringToObject(o, "name", z->v[i].name);
		cJSON_AddBoolToObject(o, "private", z->v[i].private_zone);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

/* The Route53 zone listings themselves (paging checked against moto). */
static int s_list(const char *cmd, int n)
{
	struct route53_zones z;
	struct aws_reply reply;
	unsigned pages = 0;
	cJSON *o;
	int rc;

	memset(&z, 0, sizeof(z));
	if (strcmp(cmd, "list-zones") == 0 && n == 0)
		rc = route53_list_hosted_zones(NULL, &z, &pages, &reply);
	else
		return 2;
	if (rc != 0) {
		rc = s_fail(reply.message ? reply.message : "failed", NULL);
	} else {
		o = cJSON_CreateObject();
		cJSON_AddItemToObject(o, "zones", s_zones_json(&z));
		cJSON_AddNumberToObject(o, "pages", pages);
		cJSON_AddBoolToObject(o, "truncated", z.truncated);
		rc = s_print(o) ? 1 : 0;
	}
	route53_zones_free(&z);
	aws_reply_free(&reply);
	return rc;
}

int main(int argc, char **argv)
{
	struct s_args a;
	struct dns01_opts opts;
	int i = 1, rc = 2;
	const char *cmd;

	memset(&a, 0, sizeof(a));
	log_init_from_env();
	if (http_init() != 0)
		return 1;
	sts_install();
	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--wait") == 0)
			a.wait = 1;
		else if (strcmp(argv[i], "--check-auth") == 0)
			a.check_auth = 1;
		else if (i + 1 >= argc)
			goto usage;
		else if (strcmp(argv[i], "--zone-id") == 0 && a.nzone_ids < MAXOPT)
			a.zone_ids[a.nzone_ids++] = argv[++i];
		else if (strcmp(argv[i], "--zone-role") == 0 && a.nzone_roles < MAXOPT)
			a.zone_roles[a.nzone_roles++] = argv[++i];
		else if (strcmp(argv[i], "--timeout-ms") == 0)
			a.timeout_ms = strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--check-server") == 0 && a.ncheck_servers < MAXOPT)
			a.check_servers[a.ncheck_servers++] = argv[++i];
		else if (strcmp(argv[i], "--state") == 0)
			a.state = argv[++i];
		else
			goto usage;
	}
	if (i >= argc)
		goto usage;
	memset(&opts, 0, sizeof(opts));
	opts.zone_ids = a.zone_ids;
	opts.nzone_ids = a.nzone_ids;
	opts.zone_roles = a.zone_roles;
	opts.nzone_roles = a.nzone_roles;
	opts.insync_timeout_ms = a.timeout_ms;
	opts.check_authoritative = a.check_auth;
	cmd = argv[i++];
	if (strcmp(cmd, "find-zone") == 0 && i + 1 == argc)
		rc = s_find_zone(&opts, argv[i]);
	else if (strcmp(cmd, "resolve") == 0)
		rc = s_resolve(&opts, argv + i, argc - i);
	else if (strcmp(cmd, "publish") == 0 || strcmp(cmd, "run") == 0)
		rc = s_publish(&a, &opts, argv + i, argc - i, strcmp(cmd, "run") == 0);
	else if (strcmp(cmd, "wait") == 0 && i == argc)
		rc = s_from_state(&a, &opts, 0);
	else if (strcmp(cmd, "cleanup") == 0 && i == argc)
		rc = s_from_state(&a, &opts, 1);
	else if (strcmp(cmd, "list-zones") == 0)
		rc = s_list(cmd, argc - i);
usage:
	if (rc == 2)
		fprintf(stderr, "usage: dns_tool [--zone-id D=Z] [--zone-role D=ARN] "
				"[--timeout-ms N] [--state FILE] [--wait] "
				"find-zone NAME | resolve NAME... | publish NAME=VALUE... | "
				"wait | cleanup | run NAME=VALUE... | list-zones\n");
	aws_client_cleanup();
	http_cleanup();
	return rc;
}
