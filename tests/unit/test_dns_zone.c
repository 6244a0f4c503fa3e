/*
 * Zone choice and option lookup (src/dns/zone.h), over hand-made zone
 * lists shaped as Route53 lists them (trailing dots, \ddd escapes).
 */
#include <stdlib.h>

#include "dns/zone.h"
#include "tests/unit/harness.h"

static struct route53_zone s_zones[] = {
    {"Z1PUBLIC", "example.com.", 0},  {"Z2PRIVATE", "example.com.", 1},
    {"Z3SUB", "Sub.Example.com.", 0}, {"Z4PRIVSUB", "int.example.com.", 1},
    {"Z5OTHER", "example.org.", 0},   {"Z6ACME", "acme.example.net.", 0},
};
#define NZ (sizeof(s_zones) / sizeof(s_zones[0]))

TEST(dns_challenge_names)
{
	char *n = dns_challenge_name("*.Example.COM.");

	CHECK_STR(n, "_acme-challenge.example.com");
	free(n);
	n = dns_challenge_name("www.example.com");
	CHECK_STR(n, "_acme-challenge.www.example.com");
	free(n);
	CHECK(dns_challenge_name("") == NULL);
	CHECK(dns_challenge_name("*.") == NULL);
	CHECK(dns_challenge_name("a..b") == NULL);
	CHECK(dns_challenge_name("*.*.a") == NULL);
	CHECK(dns_challenge_name("a b.com") == NULL);
}

TEST(dns_name_in_zone_boundaries)
{
	CHECK(dns_name_in_zone("example.com", "example.com"));
	CHECK(dns_name_in_zone("a.example.com", "example.com"));
	CHECK(!dns_name_in_zone("badexample.com", "example.com"));
	CHECK(!dns_name_in_zone("example.com", "a.example.com"));
}

TEST(dns_zone_longest_match)
{
	CHECK_INT(dns_zone_choose("_acme-challenge.a.sub.example.com", s_zones, NZ, NULL), 2);
	CHECK_INT(dns_zone_choose("_acme-challenge.sub.example.com", s_zones, NZ, NULL), 2);
	CHECK_INT(dns_zone_choose("_acme-challenge.www.example.com", s_zones, NZ, NULL), 0);
	CHECK_INT(dns_zone_choose("_acme-challenge.example.org", s_zones, NZ, NULL), 4);
	/* "subexample.com" is not under "example.com"'s label boundary... */
	CHECK_INT(dns_zone_choose("_acme-challenge.x.notexample.com", s_zones, NZ, NULL), -1);
	CHECK_INT(dns_zone_choose("_acme-challenge.example.net", s_zones, NZ, NULL), -1);
}

TEST(dns_zone_public_over_private)
{
	/* Same name: the public zone, whatever the list order. */
	struct route53_zone rev[2] = {{"Z2PRIVATE", "example.com.", 1},
				      {"Z1PUBLIC", "example.com.", 0}};

	CHECK_INT(dns_zone_choose("_acme-challenge.example.com", rev, 2, NULL), 1);
	CHECK_INT(dns_zone_choose("_acme-challenge.example.com", s_zones, NZ, NULL), 0);
	/* A longer private zone does not win over a public parent: the CA asks
	 * public DNS, where example.com's public zone answers. */
	CHECK_INT(dns_zone_choose("_acme-challenge.a.int.example.com", s_zones, NZ, NULL), 0);
	/* Only a private zone matches: used. */
	CHECK_INT(dns_zone_choose("_acme-challenge.example.com", &rev[0], 1, NULL), 0);
}

TEST(dns_zone_explicit_id_wins)
{
	CHECK_INT(dns_zone_choose("_acme-challenge.example.com", s_zones, NZ, "Z2PRIVATE"), 1);
	CHECK_INT(dns_zone_choose("_acme-challenge.a.sub.example.com", s_zones, NZ,
				  "/hostedzone/Z1PUBLIC"),
		  0);
	/* The explicit zone must hold the name. */
	CHECK_INT(dns_zone_choose("_acme-challenge.example.com", s_zones, NZ, "Z5OTHER"), -1);
	CHECK_INT(dns_zone_choose("_acme-challenge.example.com", s_zones, NZ, "ZNOPE"), -1);
}

TEST(dns_zone_escaped_names)
{
	struct route53_zone z[1] = {{"ZW", "\\052.wild.example.", 0}};

	CHECK_INT(dns_zone_choose("_acme-challenge.x.*.wild.example", z, 1, NULL), 0);
}

TEST(dns_opt_lookup_longest_domain)
{
	const char *opts[] = {"example.com=ZA", "*.sub.example.com=ZB", "bad", "=x",
			      "Other.ORG.=ZC"};
	char *v = NULL;

	CHECK(dns_opt_lookup(opts, 5, "_acme-challenge.www.example.com", &v) == 0);
	CHECK_STR(v, "ZA");
	free(v);
	CHECK(dns_opt_lookup(opts, 5, "_acme-challenge.a.sub.example.com", &v) == 0);
	CHECK_STR(v, "ZB");
	free(v);
	CHECK(dns_opt_lookup(opts, 5, "_acme-challenge.other.org", &v) == 0);
	CHECK_STR(v, "ZC");
	free(v);
	CHECK(dns_opt_lookup(opts, 5, "_acme-challenge.example.net", &v) == 0);
	CHECK(v == NULL);
	CHECK(dns_opt_valid("a=b"));
	CHECK(!dns_opt_valid("bad"));
	CHECK(!dns_opt_valid("=x"));
	CHECK(!dns_opt_valid("a="));
}
