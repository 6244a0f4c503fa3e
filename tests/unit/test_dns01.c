/*
 * dns01 without the network: the resumable state (round trip, refusal of
 * malformed states), the errors that come before any request, and how a
 * Route53 refusal's code, status and request id are kept (dns01_impl.h's
 * failure recording, fed a parsed Route53 error answer).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws/awserr.h"
#include "aws/client.h"
#include "dns/dns01.h"
#include "dns/dns01_impl.h"
#include "tests/unit/harness.h"

static const char s_state[] =
    "{\"version\":1,"
    "\"zones\":[{\"id\":\"Z1\",\"name\":\"example.com\",\"change_id\":\"C1\",\"insync\":false},"
    "{\"id\":\"Z2\",\"name\":\"acme.example.net\",\"role\":\"arn:aws:iam::1:role/r\","
    "\"insync\":false}],"
    "\"records\":[{\"name\":\"_acme-challenge.example.com\",\"zone\":\"Z1\","
    "\"values\":[\"v1\",\"v2\"],\"published\":true},"
    "{\"name\":\"www.acme.example.net\",\"zone\":\"Z2\",\"values\":[\"v3\"],"
    "\"published\":false}],"
    "\"identifiers\":[{\"name\":\"example.com\",\"record\":\"_acme-challenge.example.com\"},"
    "{\"name\":\"*.example.com\",\"record\":\"_acme-challenge.example.com\"},"
    "{\"name\":\"www.example.com\",\"record\":\"www.acme.example.net\"}]}";

TEST(dns01_state_round_trip)
{
	cJSON *in = cJSON_Parse(s_state), *out = NULL;
	struct dns01 *d;

	REQUIRE(in != NULL);
	d = dns01_from_state(in, NULL);
	REQUIRE(d != NULL);
	CHECK_STR(dns01_record_name(d, "*.EXAMPLE.com."), "_acme-challenge.example.com");
	CHECK_STR(dns01_zone_id(d, "www.example.com"), "Z2");
	CHECK(dns01_record_name(d, "other.com") == NULL);
	out = dns01_state(d);
	REQUIRE(out != NULL);
	CHECK(cJSON_Compare(in, out, 1));
	/* A wildcard's authorization named by its base name finds the shared
	 * record (RFC 8555 7.1.4). */
	CHECK(dns01_add(d, "acme.example.net", "v5") == -1);
	/* Values added after a rebuild land in the state too (deduplicated). */
	CHECK(dns01_add(d, "example.com", "v4") == 0);
	CHECK(dns01_add(d, "*.example.com", "v4") == 0);
	cJSON_Delete(out);
	out = dns01_state(d);
	REQUIRE(out != NULL);
	CHECK_INT(cJSON_GetArraySize(cJSON_GetObjectItem(
		      cJSON_GetArrayItem(cJSON_GetObjectItem(out, "records"), 0), "values")),
		  3);
	cJSON_Delete(out);
	cJSON_Delete(in);
	dns01_free(d);
}

TEST(dns01_state_refuses_malformed)
{
	static const char *bad[] = {
	    "{}",
	    "{\"version\":2,\"zones\":[],\"records\":[],\"identifiers\":[]}",
	    /* a record in a zone that is not listed */
	    "{\"version\":1,\"zones\":[],\"records\":[{\"name\":\"a\",\"zone\":\"Z9\","
	    "\"values\":[]}],\"identifiers\":[]}",
	    /* a zone id that would change the request path */
	    "{\"version\":1,\"zones\":[{\"id\":\"Z1/../x\",\"name\":\"a\"}],\"records\":[],"
	    "\"identifiers\":[]}",
	    /* an identifier whose record is unknown */
	    "{\"version\":1,\"zones\":[],\"records\":[],\"identifiers\":[{\"name\":\"a\","
	    "\"record\":\"b\"}]}",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cJSON *j = cJSON_Parse(bad[i]);
		struct dns01 *d;

		REQUIRE(j != NULL);
		d = dns01_from_state(j, NULL);
		if (d != NULL)
			harness_fail(__FILE__, __LINE__, "accepted bad state %zu", i);
		dns01_free(d);
		cJSON_Delete(j);
	}
}

TEST(dns01_errors_before_requests)
{
	struct dns01 *d = dns01_new(NULL);
	const char *ids[] = {"example.com"};
	struct dns01_opts o = {ids, 1, NULL, 0, 0, 0, NULL, 0, 0};
	const char *names[] = {"example.com"};

	REQUIRE(d != NULL);
	CHECK(!err_is_set(dns01_err(d)));
	CHECK(dns01_add(d, "example.com", "v") == -1);
	CHECK(strstr(dns01_err(d)->message, "example.com was not resolved") != NULL);
	/* Not an AWS answer: the DNS side's own failure, with no code. */
	CHECK_STR(dns01_err(d)->source, "dns");
	CHECK_STR(dns01_err(d)->code, "");
	/* Nothing resolved: publish, wait and cleanup have nothing to do. */
	CHECK(dns01_publish(d) == 0);
	CHECK(dns01_wait(d) == 0);
	CHECK(dns01_cleanup(d) == 0);
	CHECK_INT(dns01_change_requests(d), 0);
	dns01_free(d);
	/* A malformed option is refused before any request. */
	d = dns01_new(&o);
	REQUIRE(d != NULL);
	CHECK(dns01_resolve(d, names, 1) == -1);
	CHECK(strstr(dns01_err(d)->message, "expected DOMAIN=ZONEID") != NULL);
	dns01_free(d);
}

/* Route53's error answer as the AWS client leaves it in a reply. */
static void s_route53_refusal(struct aws_reply *reply, long status, const char *code)
{
	char body[512];

	memset(reply, 0, sizeof(*reply));
	snprintf(body, sizeof(body),
		 "<?xml version=\"1.0\"?><ErrorResponse xmlns=\"https://route53.amazonaws.com/"
		 "doc/2013-04-01/\"><Error><Type>Sender</Type><Code>%s</Code><Message>Rate "
		 "exceeded</Message></Error><RequestId>rid-53</RequestId></ErrorResponse>",
		 code);
	reply->resp.status = status;
	REQUIRE(aws_error_parse(status, body, strlen(body), "rid-53", NULL, &reply->err) == 0);
	reply->message = aws_error_format(&reply->err, "Route53", "ChangeResourceRecordSets", "Z1");
	REQUIRE(reply->message != NULL);
}

TEST(dns01_keeps_route53_code_through_a_batch)
{
	cJSON *st = cJSON_Parse(s_state);
	struct dns01 *batch, *cert;
	struct aws_reply reply;
	const struct aaa_err *e;

	REQUIRE(st != NULL);
	batch = dns01_from_state(st, NULL);
	cert = dns01_from_state(st, NULL);
	REQUIRE(batch != NULL && cert != NULL);
	s_route53_refusal(&reply, 400, "Throttling");
	/* A failed Route53 call: source aws, Route53's code, status and id;
	 * the words as before (with the code in them). */
	CHECK_INT(dns01_fail_aws(batch, &reply,
				 "cannot publish the dns-01 TXT records in zone "
				 "example.com (Z1): %s",
				 reply.message),
		  -1);
	e = dns01_err(batch);
	CHECK_STR(e->source, "aws");
	CHECK_STR(e->code, "Throttling");
	CHECK_INT(e->http_status, 400);
	CHECK_STR(e->request_id, "rid-53");
	CHECK(strstr(e->message, "zone example.com (Z1): Route53 ChangeResourceRecordSets") !=
	      NULL);
	CHECK(strstr(e->message, "Throttling") != NULL);
	/* The zone's outcome keeps it, and each certificate of the batch with
	 * a record there gets it whole. */
	dns01_zone_failed(batch, 0);
	CHECK(!dns01_zone_ok(batch, "Z1"));
	CHECK(dns01_zone_ok(batch, "Z2"));
	dns01_fail(batch, "a later failure of the batch");
	CHECK_INT(dns01_adopt(cert, batch), -1);
	e = dns01_err(cert);
	CHECK_STR(e->source, "aws");
	CHECK_STR(e->code, "Throttling");
	CHECK_INT(e->http_status, 400);
	CHECK_STR(e->request_id, "rid-53");
	CHECK(strstr(e->message, "zone example.com (Z1)") != NULL);
	/* A later failure of another kind does not carry the old code. */
	dns01_fail(cert, "dns-01: out of memory");
	CHECK_STR(dns01_err(cert)->source, "dns");
	CHECK_STR(dns01_err(cert)->code, "");
	CHECK_INT(dns01_err(cert)->http_status, 0);
	CHECK_STR(dns01_err(cert)->request_id, "");
	aws_reply_free(&reply);
	dns01_free(batch);
	dns01_free(cert);
	cJSON_Delete(st);
	CHECK(!err_is_set(dns01_err(NULL)));
}

TEST(dns01_add_wildcard_by_base_name)
{
	static const char st[] =
	    "{\"version\":1,\"zones\":[{\"id\":\"Z1\",\"name\":\"example.com\"}],"
	    "\"records\":[{\"name\":\"_acme-challenge.only.example.com\",\"zone\":\"Z1\","
	    "\"values\":[],\"published\":false}],"
	    "\"identifiers\":[{\"name\":\"*.only.example.com\","
	    "\"record\":\"_acme-challenge.only.example.com\"}]}";
	cJSON *in = cJSON_Parse(st), *out;
	struct dns01 *d;

	REQUIRE(in != NULL);
	d = dns01_from_state(in, NULL);
	REQUIRE(d != NULL);
	/* The ACME server names the wildcard's authorization "only.example.com". */
	CHECK(dns01_add(d, "only.example.com", "w1") == 0);
	CHECK(dns01_add(d, "other.example.com", "w2") == -1);
	out = dns01_state(d);
	REQUIRE(out != NULL);
	CHECK_STR(cJSON_GetArrayItem(
		      cJSON_GetObjectItem(
			  cJSON_GetArrayItem(cJSON_GetObjectItem(out, "records"), 0), "values"),
		      0)
		      ->valuestring,
		  "w1");
	cJSON_Delete(out);
	cJSON_Delete(in);
	dns01_free(d);
}

/* A job's dns01 from its state (one zone, one record, one identifier). */
static struct dns01 *s_job(const char *zone, const char *zname, const char *change, const char *rec,
			   const char *ident, const char *value, int published)
{
	char buf[1024];
	cJSON *st;
	struct dns01 *d;

	snprintf(buf, sizeof(buf),
		 "{\"version\":1,\"zones\":[{\"id\":\"%s\",\"name\":\"%s\"%s%s%s,"
		 "\"insync\":false}],"
		 "\"records\":[{\"name\":\"%s\",\"zone\":\"%s\",\"values\":[\"%s\"],"
		 "\"published\":%s}],"
		 "\"identifiers\":[{\"name\":\"%s\",\"record\":\"%s\"}]}",
		 zone, zname, change ? ",\"change_id\":\"" : "", change ? change : "",
		 change ? "\"" : "", rec, zone, value, published ? "true" : "false", ident, rec);
	st = cJSON_Parse(buf);
	d = st ? dns01_from_state(st, NULL) : NULL;
	cJSON_Delete(st);
	return d;
}

static cJSON *s_rec_values(const cJSON *state, const char *name)
{
	const cJSON *r;

	cJSON_ArrayForEach(r, cJSON_GetObjectItem(state, "records"))
	{
		if (strcmp(cJSON_GetObjectItem(r, "name")->valuestring, name) == 0)
			return cJSON_GetObjectItem(r, "values");
	}
	return NULL;
}

/*
 * A batch merges its certificates' objects: one zone entry per zone, one
 * record per record name whatever the number of certificates writing it
 * (apex and wildcard as two certificates share _acme-challenge.<name>),
 * every certificate's values in it; each identifier once.
 */
TEST(dns01_batch_merge)
{
	struct dns01 *a = s_job("Z1", "example.com", NULL, "_acme-challenge.a.example.com",
				"a.example.com", "va", 0);
	struct dns01 *apex = s_job("Z1", "example.com", NULL, "_acme-challenge.example.com",
				   "example.com", "vapex", 0);
	struct dns01 *wild = s_job("Z1", "example.com", NULL, "_acme-challenge.example.com",
				   "*.example.com", "vwild", 0);
	struct dns01 *other = s_job("Z2", "example.net", NULL, "_acme-challenge.example.net",
				    "example.net", "vnet", 0);
	struct dns01 *b = dns01_new(NULL);
	cJSON *st = NULL, *vals;

	REQUIRE(a && apex && wild && other && b);
	CHECK_INT(dns01_merge(b, a), 0);
	CHECK_INT(dns01_merge(b, apex), 0);
	CHECK_INT(dns01_merge(b, wild), 0);
	CHECK_INT(dns01_merge(b, other), 0);
	CHECK_INT(dns01_merge(b, wild), 0); /* merging again changes nothing */
	CHECK_INT((int)dns01_zone_count(b), 2);
	CHECK_STR(dns01_zone_id_at(b, 0), "Z1");
	CHECK_STR(dns01_zone_id_at(b, 1), "Z2");
	CHECK(dns01_zone_id_at(b, 2) == NULL);
	st = dns01_state(b);
	REQUIRE(st != NULL);
	CHECK_INT(cJSON_GetArraySize(cJSON_GetObjectItem(st, "records")), 3);
	CHECK_INT(cJSON_GetArraySize(cJSON_GetObjectItem(st, "identifiers")), 4);
	vals = s_rec_values(st, "_acme-challenge.example.com");
	REQUIRE(vals != NULL);
	CHECK_INT(cJSON_GetArraySize(vals), 2);
	CHECK_STR(cJSON_GetArrayItem(vals, 0)->valuestring, "vapex");
	CHECK_STR(cJSON_GetArrayItem(vals, 1)->valuestring, "vwild");
	CHECK_STR(dns01_zone_id(b, "*.example.com"), "Z1");
	CHECK_STR(dns01_record_name(b, "example.net"), "_acme-challenge.example.net");
	/* Nothing was published: every zone is fine in the batch's outcome. */
	CHECK(dns01_zone_ok(b, "Z1") && dns01_zone_ok(b, "Z2") && dns01_zone_ok(b, "Z9"));
	cJSON_Delete(st);
	dns01_free(a);
	dns01_free(apex);
	dns01_free(wild);
	dns01_free(other);
	dns01_free(b);
}

/*
 * The batch's change goes back to each certificate: its zones' change id
 * and its records' published flag, so its own job can wait and clean up
 * after a resume. A job that follows another change of the same zone is
 * counted by merge (it waits on its own).
 */
TEST(dns01_batch_adopt_and_conflicting_changes)
{
	struct dns01 *job =
	    s_job("Z1", "example.com", NULL, "_acme-challenge.example.com", "example.com", "v1", 0);
	struct dns01 *done = s_job("Z1", "example.com", "C1", "_acme-challenge.example.com",
				   "*.example.com", "v2", 1);
	struct dns01 *late = s_job("Z1", "example.com", "C2", "_acme-challenge.b.example.com",
				   "b.example.com", "v3", 1);
	struct dns01 *b = dns01_new(NULL);
	cJSON *st = NULL;
	const cJSON *z, *r;

	REQUIRE(job && done && late && b);
	CHECK_INT(dns01_merge(b, done), 0);
	CHECK_INT(dns01_merge(b, late), 1); /* Z1 follows C1 already */
	CHECK_INT(dns01_adopt(job, b), 0);
	st = dns01_state(job);
	REQUIRE(st != NULL);
	z = cJSON_GetArrayItem(cJSON_GetObjectItem(st, "zones"), 0);
	CHECK_STR(cJSON_GetObjectItem(z, "change_id")->valuestring, "C1");
	r = cJSON_GetArrayItem(cJSON_GetObjectItem(st, "records"), 0);
	CHECK(cJSON_IsTrue(cJSON_GetObjectItem(r, "published")));
	/* Its own values stay its own: the other certificate's are not taken. */
	CHECK_INT(cJSON_GetArraySize(cJSON_GetObjectItem(r, "values")), 1);
	CHECK_STR(cJSON_GetArrayItem(cJSON_GetObjectItem(r, "values"), 0)->valuestring, "v1");
	/* No belief to copy in a state: nothing changes, no failure. */
	CHECK_INT(dns01_beliefs_from(job, b), 0);
	cJSON_Delete(st);
	dns01_free(job);
	dns01_free(done);
	dns01_free(late);
	dns01_free(b);
}

/* A cache outlives the objects that used it, and is freed once. */
TEST(dns01_cache_shared)
{
	struct dns01_cache *c = dns01_cache_new();
	struct dns01_opts o = {NULL, 0, NULL, 0, 0, 0, NULL, 0, 0};
	struct dns01 *d1, *d2;

	REQUIRE(c != NULL);
	o.cache = c;
	d1 = dns01_new(&o);
	d2 = dns01_new(&o);
	REQUIRE(d1 && d2);
	dns01_free(d1);
	dns01_free(d2);
	dns01_cache_free(c);
	dns01_cache_free(NULL);
}
