/* SPDX-License-Identifier: BSD-3-Clause */
/* test_flow_key.c - Unit tests for the symmetric flow key and its seeded hash. */
#include "flow_test.h"

static const uint8_t zero_pad[2];

/* Both directions of @p fwd give one key, opposite `reversed`, one hash; the pad is zero. */
static void check_symmetric(const struct pt_decoded *fwd, const struct pt_decoded *rev)
{
	struct pt_flow_key k1, k2;
	bool r1, r2;

	memset(&k1, 0xAA, sizeof(k1)); /* garbage must not leak into the key */
	memset(&k2, 0x55, sizeof(k2));
	pt_flow_key_from_packet(fwd, &k1, &r1);
	pt_flow_key_from_packet(rev, &k2, &r2);
	assert_memory_equal(&k1, &k2, sizeof(k1));
	assert_memory_equal(k1.pad, zero_pad, sizeof(zero_pad));
	assert_true(r1 != r2);
	assert_int_equal(k1.proto, fwd->l4_proto);
	assert_int_equal(k1.ip_version, fwd->ip_version);
	assert_int_equal(pt_flow_key_hash(&k1, 7), pt_flow_key_hash(&k2, 7));
	assert_int_equal(pt_flow_key_hash(&k1, 0), pt_flow_key_hash(&k2, 0));
	assert_int_not_equal(pt_flow_key_hash(&k1, 1), pt_flow_key_hash(&k1, 2));
}

static void test_tcp4(void **state)
{
	(void)state;
	struct pt_decoded a = test_tcp("10.244.1.5", 40000, "192.0.2.10", 443, TCP_SYN, 0);
	struct pt_decoded b = test_tcp("192.0.2.10", 443, "10.244.1.5", 40000, TCP_SYN | TCP_ACK, 0);
	struct pt_flow_key k;
	bool rev;

	check_symmetric(&a, &b);
	pt_flow_key_from_packet(&a, &k, &rev);
	/* 10.244.1.5 < 192.0.2.10: the client is side 0 */
	assert_false(rev);
	assert_int_equal(k.port[0], 40000);
	assert_int_equal(k.port[1], 443);
	assert_memory_equal(k.addr[0], a.src_addr, 16);
	assert_memory_equal(k.addr[1] + 4, (uint8_t[12]){0}, 12);
}

static void test_udp4_same_address(void **state)
{
	(void)state;
	/* equal addresses: the lower port is side 0 */
	struct pt_decoded a = test_pkt(17, "127.0.0.1", 5353, "127.0.0.1", 53);
	struct pt_decoded b = test_pkt(17, "127.0.0.1", 53, "127.0.0.1", 5353);
	struct pt_flow_key k;
	bool rev;

	check_symmetric(&a, &b);
	pt_flow_key_from_packet(&a, &k, &rev);
	assert_true(rev);
	assert_int_equal(k.port[0], 53);
	assert_int_equal(k.port[1], 5353);
}

static void test_tcp6_udp6(void **state)
{
	(void)state;
	struct pt_decoded a = test_tcp("2001:db8::1", 50000, "2001:db8::2", 22, TCP_ACK, 10);
	struct pt_decoded b = test_tcp("2001:db8::2", 22, "2001:db8::1", 50000, TCP_ACK, 0);
	struct pt_decoded c = test_pkt(17, "fe80::1", 546, "ff02::1:2", 547);
	struct pt_decoded d = test_pkt(17, "ff02::1:2", 547, "fe80::1", 546);

	check_symmetric(&a, &b);
	check_symmetric(&c, &d);
}

static void test_sctp(void **state)
{
	(void)state;
	struct pt_decoded a = test_pkt(132, "198.51.100.7", 7, "198.51.100.8", 7);
	struct pt_decoded b = test_pkt(132, "198.51.100.8", 7, "198.51.100.7", 7);

	check_symmetric(&a, &b);
}

static void test_icmp_echo(void **state)
{
	(void)state;
	struct pt_decoded req = test_pkt(1, "10.244.0.9", 8, "203.0.113.1", 0);
	struct pt_decoded rep = test_pkt(1, "203.0.113.1", 0, "10.244.0.9", 0);
	struct pt_decoded req6 = test_pkt(58, "2001:db8::9", 128, "2001:db8::1", 0);
	struct pt_decoded rep6 = test_pkt(58, "2001:db8::1", 129, "2001:db8::9", 0);
	struct pt_decoded ts = test_pkt(1, "10.0.0.1", 13, "10.0.0.2", 0);
	struct pt_decoded tsr = test_pkt(1, "10.0.0.2", 14, "10.0.0.1", 0);
	struct pt_decoded ns = test_pkt(58, "fe80::1", 135, "fe80::2", 0);
	struct pt_decoded na = test_pkt(58, "fe80::2", 136, "fe80::1", 0);
	struct pt_flow_key k;
	bool rev;

	check_symmetric(&req, &rep);
	check_symmetric(&req6, &rep6);
	check_symmetric(&ts, &tsr);
	check_symmetric(&ns, &na);
	/* ports are (type, counterpart type) */
	pt_flow_key_from_packet(&req, &k, &rev);
	assert_false(rev);
	assert_int_equal(k.port[0], 8);
	assert_int_equal(k.port[1], 0);
	pt_flow_key_from_packet(&req6, &k, &rev);
	assert_true(rev); /* 2001:db8::1 < 2001:db8::9 */
	assert_int_equal(k.port[0], 129);
	assert_int_equal(k.port[1], 128);
}

static void test_icmp_one_way(void **state)
{
	(void)state;
	/* destination unreachable, host unreachable: ports are (type, code) */
	struct pt_decoded u = test_pkt(1, "203.0.113.1", 3, "10.244.0.9", 1);
	struct pt_decoded back = test_pkt(1, "10.244.0.9", 3, "203.0.113.1", 1);
	struct pt_decoded u6 = test_pkt(58, "2001:db8::1", 1, "2001:db8::9", 4);
	struct pt_decoded echo = test_pkt(1, "203.0.113.1", 8, "10.244.0.9", 0);
	struct pt_flow_key k, kb, ke;
	bool rev;

	/* One-way types keep their direction (as Community ID does): the sender is side 0. */
	pt_flow_key_from_packet(&u, &k, &rev);
	assert_false(rev);
	assert_int_equal(k.port[0], 3); /* sender's port is the type */
	assert_int_equal(k.port[1], 1); /* receiver's is the code */
	assert_int_equal(k.addr[0][0], 203);
	assert_memory_equal(k.pad, zero_pad, sizeof(zero_pad));
	/* the same message the other way is another flow */
	pt_flow_key_from_packet(&back, &kb, &rev);
	assert_false(rev);
	assert_int_equal(kb.addr[0][0], 10);
	assert_memory_not_equal(&k, &kb, sizeof(k));
	pt_flow_key_from_packet(&u6, &k, &rev);
	assert_false(rev);
	assert_int_equal(k.port[0], 1);
	assert_int_equal(k.port[1], 4);
	/* an unreachable is not part of the echo flow between the same hosts */
	pt_flow_key_from_packet(&u, &k, &rev);
	pt_flow_key_from_packet(&echo, &ke, &rev);
	assert_memory_not_equal(&k, &ke, sizeof(k));
}

static void test_icmp_counterpart(void **state)
{
	(void)state;
	/* the request/reply pairs of the Community ID spec (pycommunityid icmp.py and icmp6.py) */
	const int v4[][2] = { { 8, 0 }, { 13, 14 }, { 15, 16 }, { 10, 9 }, { 17, 18 } };
	const int v6[][2] = { { 128, 129 }, { 133, 134 }, { 135, 136 }, { 130, 131 }, { 139, 140 }, { 144, 145 } };
	int pairs4 = 0, pairs6 = 0;

	for (size_t i = 0; i < PT_ARRAY_SIZE(v4); i++) {
		assert_int_equal(pt_flow_icmp_counterpart(4, (uint8_t)v4[i][0]), v4[i][1]);
		assert_int_equal(pt_flow_icmp_counterpart(4, (uint8_t)v4[i][1]), v4[i][0]);
	}
	for (size_t i = 0; i < PT_ARRAY_SIZE(v6); i++) {
		assert_int_equal(pt_flow_icmp_counterpart(6, (uint8_t)v6[i][0]), v6[i][1]);
		assert_int_equal(pt_flow_icmp_counterpart(6, (uint8_t)v6[i][1]), v6[i][0]);
	}
	/* and nothing else is two-way */
	for (int type = 0; type < 256; type++) {
		pairs4 += pt_flow_icmp_counterpart(4, (uint8_t)type) >= 0;
		pairs6 += pt_flow_icmp_counterpart(6, (uint8_t)type) >= 0;
	}
	assert_int_equal(pairs4, 2 * PT_ARRAY_SIZE(v4));
	assert_int_equal(pairs6, 2 * PT_ARRAY_SIZE(v6));
	assert_int_equal(pt_flow_icmp_counterpart(4, 3), -1);
	assert_int_equal(pt_flow_icmp_counterpart(4, 128), -1);
	assert_int_equal(pt_flow_icmp_counterpart(6, 8), -1);
}

static void test_other_proto(void **state)
{
	(void)state;
	struct pt_decoded a = test_pkt(47, "192.0.2.1", 0, "192.0.2.2", 0);
	struct pt_decoded b = test_pkt(47, "192.0.2.2", 0, "192.0.2.1", 0);

	check_symmetric(&a, &b);
}

static void test_distinct_keys(void **state)
{
	(void)state;
	/* proto, version and each port are part of the key and the hash */
	struct pt_decoded base = test_pkt(17, "10.0.0.1", 1000, "10.0.0.2", 53);
	struct pt_decoded tcp = test_tcp("10.0.0.1", 1000, "10.0.0.2", 53, TCP_SYN, 0);
	struct pt_decoded port = test_pkt(17, "10.0.0.1", 1001, "10.0.0.2", 53);
	struct pt_flow_key k0, k1, k2;
	bool rev;

	pt_flow_key_from_packet(&base, &k0, &rev);
	pt_flow_key_from_packet(&tcp, &k1, &rev);
	pt_flow_key_from_packet(&port, &k2, &rev);
	assert_memory_not_equal(&k0, &k1, sizeof(k0));
	assert_memory_not_equal(&k0, &k2, sizeof(k0));
	assert_int_not_equal(pt_flow_key_hash(&k0, 1), pt_flow_key_hash(&k1, 1));
	assert_int_not_equal(pt_flow_key_hash(&k0, 1), pt_flow_key_hash(&k2, 1));
}

static void test_hash_spread(void **state)
{
	(void)state;
	/* 65536 client ports to one server spread over 4096 buckets without a pile-up */
	enum { N = 65536, BUCKETS = 4096 };
	uint32_t *count = calloc(BUCKETS, sizeof(*count));
	uint32_t max = 0;

	assert_non_null(count);
	for (uint32_t i = 0; i < N; i++) {
		struct pt_decoded p = test_pkt(6, "10.244.3.4", (uint16_t)i, "10.96.0.10", 53);
		struct pt_flow_key k;
		bool rev;

		pt_flow_key_from_packet(&p, &k, &rev);
		uint32_t b = pt_flow_key_hash(&k, 0xC0FFEE) & (BUCKETS - 1);
		if (++count[b] > max)
			max = count[b];
	}
	/* mean 16; a fair hash stays well below 40 */
	assert_true(max < 40);
	free(count);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp4),
		cmocka_unit_test(test_udp4_same_address),
		cmocka_unit_test(test_tcp6_udp6),
		cmocka_unit_test(test_sctp),
		cmocka_unit_test(test_icmp_echo),
		cmocka_unit_test(test_icmp_one_way),
		cmocka_unit_test(test_icmp_counterpart),
		cmocka_unit_test(test_other_proto),
		cmocka_unit_test(test_distinct_keys),
		cmocka_unit_test(test_hash_spread),
	};

	return cmocka_run_group_tests_name("flow-key", tests, NULL, NULL);
}
