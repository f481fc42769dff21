/* SPDX-License-Identifier: BSD-3-Clause */
/* test_community_id.c - Community ID v1 against the published values of corelight/community-id-spec (baseline/). */
#include "flow_test.h"

struct vector {
	uint8_t proto;
	const char *saddr;
	const char *daddr;
	uint16_t sport;    /* ICMP: type */
	uint16_t dport;    /* ICMP: code */
	uint16_t seed;
	const char *id;
};

/*
 * baseline/README.md (tables made by make-tables.py) and baseline/baseline_deflt.json (the spec's pcaps).
 * For ICMP the JSON lists mapped ports; the packets behind them are given here as type/code.
 */
static const struct vector vectors[] = {
	/* README, default seed */
	{ 6, "1.2.3.4", "5.6.7.8", 1122, 3344, 0, "1:wCb3OG7yAFWelaUydu0D+125CLM=" },
	{ 17, "1.2.3.4", "5.6.7.8", 1122, 3344, 0, "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=" },
	{ 132, "1.2.3.4", "5.6.7.8", 1122, 3344, 0, "1:EKt4MsxuyaE6mL+hmrEkQ9csDD8=" },
	{ 1, "1.2.3.4", "5.6.7.8", 8, 0, 0, "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=" },
	{ 1, "5.6.7.8", "1.2.3.4", 0, 0, 0, "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=" },
	{ 1, "1.2.3.4", "5.6.7.8", 11, 0, 0, "1:f/YiSyWqczrTgfUCZlBUnvHRcPk=" },
	{ 58, "fe80:0001:0203:0405:0607:0809:0A0B:0C0D", "fe80:1011:1213:1415:1617:1819:1A1B:1C1D", 128, 0, 0,
	  "1:0bf7hyMJUwt3fMED7z8LIfRpBeo=" },
	{ 58, "fe80:1011:1213:1415:1617:1819:1A1B:1C1D", "fe80:0001:0203:0405:0607:0809:0A0B:0C0D", 129, 0, 0,
	  "1:0bf7hyMJUwt3fMED7z8LIfRpBeo=" },
	{ 58, "fe80:0001:0203:0405:0607:0809:0A0B:0C0D", "fe80:1011:1213:1415:1617:1819:1A1B:1C1D", 146, 0, 0,
	  "1:fYC8+pz24E+EhANP1EZhpX0Dw10=" },
	{ 46, "1.2.3.4", "5.6.7.8", 0, 0, 0, "1:ikv3kmf89luf73WPz1jOs49S768=" },
	{ 46, "fe80:0001:0203:0405:0607:0809:0A0B:0C0D", "fe80:1011:1213:1415:1617:1819:1A1B:1C1D", 0, 0, 0,
	  "1:wQ/2mwrnXP4lmJcHdGL5ePjR+e0=" },
	/* README, seed 1 */
	{ 6, "1.2.3.4", "5.6.7.8", 1122, 3344, 1, "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=" },
	{ 17, "1.2.3.4", "5.6.7.8", 1122, 3344, 1, "1:OShq+iKDAMVouh/4bMxB9Sz4amw=" },
	{ 132, "1.2.3.4", "5.6.7.8", 1122, 3344, 1, "1:uitchpn5MMGAQKBJh7bIr/bAr7s=" },
	{ 1, "1.2.3.4", "5.6.7.8", 8, 0, 1, "1:9pr4ZGTICiuZoIh90RRYE2RyXpU=" },
	{ 1, "1.2.3.4", "5.6.7.8", 11, 0, 1, "1:1DD7cWGC/Yg91YGsQeni8du3pIA=" },
	{ 58, "fe80:0001:0203:0405:0607:0809:0A0B:0C0D", "fe80:1011:1213:1415:1617:1819:1A1B:1C1D", 128, 0, 1,
	  "1:IO27GQzPuCtNnwFvjWALMHu5tJE=" },
	{ 58, "fe80:0001:0203:0405:0607:0809:0A0B:0C0D", "fe80:1011:1213:1415:1617:1819:1A1B:1C1D", 146, 0, 1,
	  "1:Cv4IKJe56BNkF0MBW2YxQ3Nwc3s=" },
	{ 46, "1.2.3.4", "5.6.7.8", 0, 0, 1, "1:/buhqeOmaRCopOZFy9HnoJd5XW8=" },
	{ 46, "fe80:0001:0203:0405:0607:0809:0A0B:0C0D", "fe80:1011:1213:1415:1617:1819:1A1B:1C1D", 0, 0, 1,
	  "1:j6EyyfBzL4vWKHFXgUqb5Az3OxM=" },
	/* baseline_deflt.json (real packets) */
	{ 6, "128.232.110.120", "66.35.250.204", 34855, 80, 0, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=" },
	{ 6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25, 0,
	  "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=" },
	{ 17, "192.168.1.52", "8.8.8.8", 54585, 53, 0, "1:d/FP5EW3wiY1vCndhwleRRKHowQ=" },
	{ 132, "192.168.170.8", "192.168.170.56", 7, 7, 0, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=" },
	{ 1, "192.168.0.89", "192.168.0.1", 8, 0, 0, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=" },
	{ 1, "192.168.0.1", "192.168.0.89", 0, 0, 0, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=" },
	{ 1, "10.0.0.1", "10.0.0.2", 11, 0, 0, "1:YHxtAirCG//0OzkcVAukqKQN9xM=" },
	{ 58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 135, 0, 0, "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=" },
	{ 58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 136, 0, 0, "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=" },
	{ 58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 135, 0, 0, "1:zavyT/cezQr1fmImYCwYnMXbgck=" },
	{ 58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 136, 0, 0, "1:zavyT/cezQr1fmImYCwYnMXbgck=" },
	{ 58, "3ffe:501:1800:2345::2", "3ffe:507:0:1:200:86ff:fe05:80da", 3, 0, 0, "1:2ObVBgIn28oZvibYZhZMBgh7WdQ=" },
	{ 58, "3ffe:501:410:0:2c0:dfff:fe47:33e", "3ffe:507:0:1:200:86ff:fe05:80da", 1, 4, 0,
	  "1:hLZd0XGWojozrvxqE0dWB1iM6R0=" },
	{ 58, "3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:501:0:1001::2", 128, 0, 0, "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=" },
	{ 58, "3ffe:501:0:1001::2", "3ffe:507:0:1:200:86ff:fe05:80da", 129, 0, 0, "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=" },
	{ 58, "fe80::200:86ff:fe05:80da", "ff02::2", 133, 0, 0, "1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0=" },
	{ 58, "fe80::260:97ff:fe07:69ea", "ff02::1", 134, 0, 0, "1:pkvHqCL88/tg1k4cPigmZXUtL00=" },
	{ 46, "10.1.12.1", "10.1.12.2", 0, 0, 0, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=" },
	{ 46, "10.1.12.2", "10.1.12.1", 0, 0, 0, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=" },
};

/* The spec's request/reply pairs (pycommunityid icmp.py and icmp6.py), kept apart from the library's table. */
static int counterpart(uint8_t proto, uint16_t type)
{
	static const uint8_t v4[][2] = { { 8, 0 }, { 13, 14 }, { 15, 16 }, { 10, 9 }, { 17, 18 } };
	static const uint8_t v6[][2] = { { 128, 129 }, { 133, 134 }, { 135, 136 }, { 130, 131 }, { 139, 140 }, { 144, 145 } };
	const uint8_t(*pairs)[2] = proto == 1 ? v4 : v6;
	size_t n = proto == 1 ? PT_ARRAY_SIZE(v4) : proto == 58 ? PT_ARRAY_SIZE(v6) : 0;

	for (size_t i = 0; i < n; i++) {
		if (pairs[i][0] == type)
			return pairs[i][1];
		if (pairs[i][1] == type)
			return pairs[i][0];
	}
	return -1;
}

static bool one_way_icmp(const struct vector *v)
{
	return (v->proto == 1 || v->proto == 58) && counterpart(v->proto, v->sport) < 0;
}

/* Community ID of the flow created by one packet of @p v, sent forward or (for two-way flows) backward. */
static void community_id_of(const struct vector *v, bool backward, char out[PT_FLOW_COMMUNITY_ID_LEN])
{
	struct pt_flow_config cfg = test_config(4);
	struct pt_flow_table *t = pt_flow_table_create(&cfg, NULL, NULL);
	struct pt_decoded p;
	struct pt_flow *f;

	assert_non_null(t);
	if (!backward) {
		p = test_pkt(v->proto, v->saddr, v->sport, v->daddr, v->dport);
	} else if (v->proto == 1 || v->proto == 58) {
		/* the answer: the counterpart type, from the other side */
		p = test_pkt(v->proto, v->daddr, (uint16_t)counterpart(v->proto, v->sport), v->saddr, 0);
	} else {
		p = test_pkt(v->proto, v->daddr, v->dport, v->saddr, v->sport);
	}
	if (v->proto == 6)
		p.tcp_flags = TCP_ACK;
	f = test_feed(t, &p, 100, SEC(1));
	pt_flow_community_id(f, v->seed, out);
	pt_flow_table_free(t);
}

static void test_vectors(void **state)
{
	(void)state;
	char id[PT_FLOW_COMMUNITY_ID_LEN];

	for (size_t i = 0; i < PT_ARRAY_SIZE(vectors); i++) {
		const struct vector *v = &vectors[i];

		memset(id, 'x', sizeof(id));
		community_id_of(v, false, id);
		if (strcmp(id, v->id) != 0)
			print_error("vector %zu: proto %u %s -> %s: got %s want %s\n", i, v->proto, v->saddr, v->daddr,
				    id, v->id);
		assert_string_equal(id, v->id);
		assert_int_equal(strlen(id), 30);
		if (!one_way_icmp(v)) {
			/* the same flow seen first from the other side */
			community_id_of(v, true, id);
			assert_string_equal(id, v->id);
		}
	}
}

static void test_one_way_icmp_direction(void **state)
{
	(void)state;
	/* time exceeded from the other side is another flow with another id */
	const struct vector v = { 1, "5.6.7.8", "1.2.3.4", 11, 0, 0, NULL };
	char id[PT_FLOW_COMMUNITY_ID_LEN];

	community_id_of(&v, false, id);
	assert_string_not_equal(id, "1:f/YiSyWqczrTgfUCZlBUnvHRcPk=");
}

static void test_tcp_flow_both_directions(void **state)
{
	(void)state;
	/* a whole connection, started by the responder's SYN+ACK: the id does not depend on who was first */
	struct pt_flow_config cfg = test_config(4);
	struct pt_flow_table *t = pt_flow_table_create(&cfg, NULL, NULL);
	struct pt_decoded sa = test_tcp("66.35.250.204", 80, "128.232.110.120", 34855, TCP_SYN | TCP_ACK, 0);
	struct pt_decoded ack = test_tcp("128.232.110.120", 34855, "66.35.250.204", 80, TCP_ACK, 0);
	char id[PT_FLOW_COMMUNITY_ID_LEN];
	struct pt_flow *f;

	assert_non_null(t);
	test_feed(t, &sa, 60, SEC(1));
	f = test_feed(t, &ack, 60, SEC(2));
	assert_int_equal(pt_flow_orig_port(f), 34855);
	assert_ptr_equal(pt_flow_community_id(f, 0, id), id);
	assert_string_equal(id, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
	pt_flow_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_one_way_icmp_direction),
		cmocka_unit_test(test_tcp_flow_both_directions),
	};

	return cmocka_run_group_tests_name("flow-community-id", tests, NULL, NULL);
}
