/* SPDX-License-Identifier: BSD-3-Clause */
/* test_dnscache.c - Unit tests for lib/dnscache: TTL floor and cap, refresh, v4/v6, eviction under pressure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pt_dnscache.h"

#define SEC 1000000000ULL
#define T0 (1764786900ULL * SEC)

static struct pt_dnscache *make(uint32_t entries)
{
	struct pt_dnscache_config cfg = { .entries = entries, .ttl_floor_ns = 30 * SEC, .ttl_cap_ns = 3600 * SEC };

	return pt_dnscache_create(&cfg);
}

static void v4(uint8_t a[16], uint8_t x, uint8_t y)
{
	memset(a, 0, 16);
	a[0] = 203; a[1] = 0; a[2] = x; a[3] = y;
}

static void test_ttl_floor_and_cap(void **state)
{
	struct pt_dnscache *c = make(1024);
	uint8_t a[16], b[16];

	(void)state;
	v4(a, 113, 10);
	v4(b, 113, 11);
	pt_dnscache_insert(c, 4, a, "short.example", 5, T0);         /* TTL 5 s: kept 30 s (floor) */
	pt_dnscache_insert(c, 4, b, "long.example", 86400, T0);      /* TTL 1 day: kept 1 h (cap) */
	assert_string_equal(pt_dnscache_lookup(c, 4, a, T0 + 29 * SEC), "short.example");
	assert_null(pt_dnscache_lookup(c, 4, a, T0 + 31 * SEC));
	assert_string_equal(pt_dnscache_lookup(c, 4, b, T0 + 3599 * SEC), "long.example");
	assert_null(pt_dnscache_lookup(c, 4, b, T0 + 3601 * SEC));
	struct pt_dnscache_stats st;
	pt_dnscache_stats(c, &st);
	assert_int_equal(st.inserts, 2);
	assert_int_equal(st.hits, 2);
	assert_int_equal(st.expired, 2);
	pt_dnscache_free(c);
	pt_dnscache_free(NULL);
	assert_null(make(0));
}

static void test_refresh_replaces_name(void **state)
{
	struct pt_dnscache *c = make(1024);
	uint8_t a[16];
	struct pt_dnscache_stats st;

	(void)state;
	v4(a, 113, 20);
	pt_dnscache_insert(c, 4, a, "old.example", 60, T0);
	assert_null(pt_dnscache_lookup(c, 4, a, T0 - SEC));          /* a flow that began before the answer */
	pt_dnscache_insert(c, 4, a, "new.example", 60, T0 + 10 * SEC);
	assert_string_equal(pt_dnscache_lookup(c, 4, a, T0 + 65 * SEC), "new.example");
	assert_null(pt_dnscache_lookup(c, 4, a, T0 + 5 * SEC));      /* not yet renamed then; the old name is gone */
	pt_dnscache_stats(c, &st);
	assert_int_equal(st.inserts, 1);
	assert_int_equal(st.refreshes, 1);
	pt_dnscache_free(c);
}

static void test_v4_and_v6_are_distinct(void **state)
{
	struct pt_dnscache *c = make(1024);
	uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }, b[16];

	(void)state;
	memset(b, 0, 16);
	memcpy(b, a, 4);                       /* an IPv4 address with the same first bytes */
	pt_dnscache_insert(c, 6, a, "six.example", 60, T0);
	assert_string_equal(pt_dnscache_lookup(c, 6, a, T0), "six.example");
	assert_null(pt_dnscache_lookup(c, 4, b, T0));
	assert_null(pt_dnscache_lookup(c, 4, a, T0));
	pt_dnscache_free(c);
}

static void test_bounded_under_pressure(void **state)
{
	struct pt_dnscache *c = make(1024);
	struct pt_dnscache_stats st;
	uint8_t a[16];
	char name[64];
	unsigned found = 0;

	(void)state;
	for (unsigned i = 0; i < 20000; i++) {
		v4(a, (uint8_t)(i >> 8), (uint8_t)i);
		a[1] = (uint8_t)(i >> 16);
		snprintf(name, sizeof(name), "host%u.example", i);
		pt_dnscache_insert(c, 4, a, name, 300, T0 + i);
	}
	pt_dnscache_stats(c, &st);
	assert_int_equal(st.inserts, 20000);
	assert_true(st.evictions >= 20000 - 1024);
	/* The newest answers survive, and a found name is always the right one. */
	for (unsigned i = 0; i < 20000; i++) {
		const char *got;

		v4(a, (uint8_t)(i >> 8), (uint8_t)i);
		a[1] = (uint8_t)(i >> 16);
		got = pt_dnscache_lookup(c, 4, a, T0 + 20000);
		if (got == NULL)
			continue;
		snprintf(name, sizeof(name), "host%u.example", i);
		assert_string_equal(got, name);
		found++;
	}
	assert_true(found > 512 && found <= 1024);
	pt_dnscache_free(c);
}

static void test_long_name_truncated(void **state)
{
	struct pt_dnscache *c = make(1024);
	struct pt_dnscache_stats st;
	char name[400];
	uint8_t a[16];

	(void)state;
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	v4(a, 1, 1);
	pt_dnscache_insert(c, 4, a, name, 60, T0);
	assert_int_equal(strlen(pt_dnscache_lookup(c, 4, a, T0)), PT_DNSCACHE_NAME_LEN - 1);
	pt_dnscache_stats(c, &st);
	assert_int_equal(st.names_truncated, 1);
	pt_dnscache_free(c);
}

/* ---- DNS response parsing --------------------------------------------------------------------------- */

struct answers {
	int n;
	uint8_t ip_version[8];
	uint8_t addr[8][16];
	char name[8][PT_DNSCACHE_NAME_LEN];
	uint32_t ttl[8];
};

static void collect(void *ctx, uint8_t ip_version, const uint8_t addr[16], const char *name, uint32_t ttl_s)
{
	struct answers *a = ctx;

	if (a->n == 8)
		return;
	a->ip_version[a->n] = ip_version;
	memcpy(a->addr[a->n], addr, 16);
	snprintf(a->name[a->n], sizeof(a->name[0]), "%s", name);
	a->ttl[a->n] = ttl_s;
	a->n++;
}

/* www.Example.COM CNAME cdn.example.net (compressed), cdn A 203.0.113.7 TTL 300, AAAA 2001:db8::7 TTL 60. */
static const uint8_t response[] = {
	0x12, 0x34, 0x81, 0x80, 0x00, 0x01, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00,
	/* question at 12: www.Example.COM A IN */
	3, 'w', 'w', 'w', 7, 'E', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'C', 'O', 'M', 0, 0x00, 0x01, 0x00, 0x01,
	/* answer 1: pointer to 12, CNAME IN ttl 3600, rdata cdn.example.net */
	0xC0, 12, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0x0E, 0x10, 0x00, 17,
	3, 'c', 'd', 'n', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'n', 'e', 't', 0,
	/* answer 2: pointer to the CNAME target (offset 45), A IN ttl 300 */
	0xC0, 45, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2C, 0x00, 4, 203, 0, 113, 7,
	/* answer 3: AAAA ttl 60 */
	0xC0, 45, 0x00, 0x1C, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3C, 0x00, 16,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7,
};

static void test_parse_response(void **state)
{
	struct answers a = { 0 };

	(void)state;
	assert_int_equal(pt_dns_parse_response(response, sizeof(response), collect, &a), 2);
	assert_int_equal(a.n, 2);
	assert_int_equal(a.ip_version[0], 4);
	assert_memory_equal(a.addr[0], ((uint8_t[4]){ 203, 0, 113, 7 }), 4);
	assert_string_equal(a.name[0], "www.example.com");    /* the question, lowercased */
	assert_int_equal(a.ttl[0], 300);
	assert_int_equal(a.ip_version[1], 6);
	assert_int_equal(a.addr[1][15], 7);
	assert_int_equal(a.ttl[1], 60);
}

static void test_parse_rejects(void **state)
{
	uint8_t msg[sizeof(response)];
	struct answers a = { 0 };

	(void)state;
	memcpy(msg, response, sizeof(msg));
	msg[2] &= 0x7F;                                       /* a query, not a response */
	assert_int_equal(pt_dns_parse_response(msg, sizeof(msg), collect, &a), -1);
	memcpy(msg, response, sizeof(msg));
	msg[3] = 0x83;                                        /* NXDOMAIN */
	assert_int_equal(pt_dns_parse_response(msg, sizeof(msg), collect, &a), -1);
	memcpy(msg, response, sizeof(msg));
	msg[45] = 0xC0;                                       /* the CNAME target (offset 45) points at itself, */
	msg[46] = 45;                                         /* and answer 2's name points there: a loop */
	assert_int_equal(pt_dns_parse_response(msg, sizeof(msg), collect, &a), -1);
	assert_int_equal(a.n, 0);
}

static void test_parse_truncations_and_mutations(void **state)
{
	uint8_t msg[sizeof(response)];
	struct answers a;
	uint32_t seed = 1;

	(void)state;
	for (uint32_t len = 0; len < sizeof(response); len++) {
		memset(&a, 0, sizeof(a));
		assert_true(pt_dns_parse_response(response, len, collect, &a) <= 2);
	}
	for (int round = 0; round < 20000; round++) {
		memcpy(msg, response, sizeof(msg));
		for (int k = 0; k < 3; k++) {
			seed = seed * 1103515245u + 12345u;
			msg[(seed >> 8) % sizeof(msg)] = (uint8_t)(seed >> 20);
		}
		memset(&a, 0, sizeof(a));
		assert_true(pt_dns_parse_response(msg, sizeof(msg), collect, &a) <= 3);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ttl_floor_and_cap),
		cmocka_unit_test(test_refresh_replaces_name),
		cmocka_unit_test(test_v4_and_v6_are_distinct),
		cmocka_unit_test(test_bounded_under_pressure),
		cmocka_unit_test(test_long_name_truncated),
		cmocka_unit_test(test_parse_response),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_parse_truncations_and_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
