/*
 * The DNS client's packet handling (src/dns/query.h) over hand-assembled
 * RFC 1035 messages: the query bytes, and answers with name compression,
 * multi-string TXT records, other record types, truncation and damage.
 */
#include <stdlib.h>
#include <string.h>

#include "dns/query.h"
#include "tests/unit/harness.h"

TEST(dns_query_packet_bytes)
{
	static const unsigned char want[] = {
	    0x12, 0x34, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 15,	 '_',
	    'a',  'c',	'm',  'e',  '-',  'c',	'h',  'a',  'l',  'l',	'e',  'n',  'g', 'e',
	    1,	  'x',	4,    't',  'e',  's',	't',  0,    0x00, 0x10, 0x00, 0x01};
	unsigned char buf[600];
	size_t len = 0;

	REQUIRE(dns_build_query(0x1234, "_acme-challenge.x.test", buf, sizeof(buf), &len) == 0);
	CHECK_INT(len, sizeof(want));
	CHECK(memcmp(buf, want, sizeof(want)) == 0);
	CHECK(dns_build_query(1, "a..b", buf, sizeof(buf), &len) == -1);
	CHECK(dns_build_query(1, "", buf, sizeof(buf), &len) == -1);
}

/* An answer to id 0xBEEF for "_acme-challenge.x.test" TXT: a CNAME, then two
 * TXT records owned by a compressed name, one of them in two strings. */
static const unsigned char s_answer[] = {
    0xBE, 0xEF, 0x84, 0x00, 0x00, 0x01, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00,
    /* question at offset 12 */
    15, '_', 'a', 'c', 'm', 'e', '-', 'c', 'h', 'a', 'l', 'l', 'e', 'n', 'g', 'e', 1, 'x', 4, 't',
    'e', 's', 't', 0, 0x00, 0x10, 0x00, 0x01,
    /* CNAME: name = pointer to 12, type 5, class 1, ttl, rdlength 4, rdata */
    0xC0, 12, 0x00, 0x05, 0x00, 0x01, 0, 0, 0, 60, 0, 4, 1, 'y', 0xC0, 30,
    /* TXT "abc" */
    0xC0, 12, 0x00, 0x10, 0x00, 0x01, 0, 0, 0, 60, 0, 4, 3, 'a', 'b', 'c',
    /* TXT "de" "fgh" */
    0xC0, 12, 0x00, 0x10, 0x00, 0x01, 0, 0, 0, 60, 0, 7, 2, 'd', 'e', 3, 'f', 'g', 'h'};

TEST(dns_query_parse_answer)
{
	struct dns_txt_answer a;
	int trunc = -1;

	REQUIRE(dns_parse_txt_answer(s_answer, sizeof(s_answer), 0xBEEF, &a, &trunc) == 0);
	CHECK_INT(trunc, 0);
	CHECK_INT(a.rcode, 0);
	REQUIRE(a.nvalues == 2);
	CHECK_STR(a.values[0], "abc");
	CHECK_STR(a.values[1], "defgh");
	dns_txt_answer_free(&a);
}

TEST(dns_query_parse_refuses_damage)
{
	unsigned char m[sizeof(s_answer)];
	struct dns_txt_answer a;
	int trunc;

	/* Wrong id. */
	CHECK(dns_parse_txt_answer(s_answer, sizeof(s_answer), 0xBEEE, &a, &trunc) == -1);
	/* Cut anywhere inside the records. */
	CHECK(dns_parse_txt_answer(s_answer, sizeof(s_answer) - 1, 0xBEEF, &a, &trunc) == -1);
	CHECK(dns_parse_txt_answer(s_answer, 11, 0xBEEF, &a, &trunc) == -1);
	/* A character-string longer than its record. */
	memcpy(m, s_answer, sizeof(m));
	m[sizeof(m) - 4] = 9;
	CHECK(dns_parse_txt_answer(m, sizeof(m), 0xBEEF, &a, &trunc) == -1);
	/* Not a response (QR clear). */
	memcpy(m, s_answer, sizeof(m));
	m[2] = 0x04;
	CHECK(dns_parse_txt_answer(m, sizeof(m), 0xBEEF, &a, &trunc) == -1);
	/* Truncated flag and NXDOMAIN are reported. */
	memcpy(m, s_answer, sizeof(m));
	m[2] |= 0x02;
	m[3] = 0x03;
	REQUIRE(dns_parse_txt_answer(m, sizeof(m), 0xBEEF, &a, &trunc) == 0);
	CHECK_INT(trunc, 1);
	CHECK_INT(a.rcode, 3);
	dns_txt_answer_free(&a);
}
