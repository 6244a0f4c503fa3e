/*
 * dns01 without the network: the resumable state (round trip, refusal of
 * malformed states) and the errors that come before any request.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "dns/dns01.h"
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
	struct dns01_opts o = {ids, 1, NULL, 0, 0, 0};
	const char *names[] = {"example.com"};

	REQUIRE(d != NULL);
	CHECK_STR(dns01_error(d), "");
	CHECK(dns01_add(d, "example.com", "v") == -1);
	CHECK(strstr(dns01_error(d), "example.com was not resolved") != NULL);
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
	CHECK(strstr(dns01_error(d), "expected DOMAIN=ZONEID") != NULL);
	dns01_free(d);
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
