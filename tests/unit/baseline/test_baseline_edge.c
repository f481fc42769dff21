/* SPDX-License-Identifier: BSD-3-Clause */
/* test_baseline_edge.c - Unit tests for lib/baseline's edge text: names, format, parse, round trip, rejections. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "baseline_test.h"

static void test_names(void **state)
{
	static const char *const kinds[] = { "workload", "node", "service", "network", "internal_ip", "domain",
					     "external_ip" };

	(void)state;
	assert_string_equal(pt_baseline_direction_name(PT_BASELINE_OUT), "out");
	assert_string_equal(pt_baseline_direction_name(PT_BASELINE_IN), "in");
	assert_null(pt_baseline_direction_name(PT_BASELINE_DIRECTION_MAX));
	assert_null(pt_baseline_direction_name((enum pt_baseline_direction)-1));
	for (int k = 0; k < PT_PEER_KIND_MAX; k++)
		assert_string_equal(pt_baseline_peer_kind_name((enum pt_baseline_peer_kind)k), kinds[k]);
	assert_null(pt_baseline_peer_kind_name(PT_PEER_KIND_MAX));
}

static void expect_format(struct pt_baseline_edge e, const char *want)
{
	char text[PT_BASELINE_EDGE_TEXT_LEN];

	assert_int_equal(pt_baseline_edge_format(&e, text, sizeof(text)), strlen(want));
	assert_string_equal(text, want);
}

static void test_format(void **state)
{
	(void)state;
	expect_format(tls_to("example.com"), "out|tcp|443|tls|domain|example.com");
	expect_format(edge(PT_BASELINE_OUT, 17, 53, "dns", PT_PEER_SERVICE, "kube-system/kube-dns"),
		      "out|udp|53|dns|service|kube-system/kube-dns");
	expect_format(edge(PT_BASELINE_IN, 6, 8080, "http", PT_PEER_WORKLOAD, "shop/Deployment/frontend"),
		      "in|tcp|8080|http|workload|shop/Deployment/frontend");
	expect_format(edge(PT_BASELINE_OUT, 1, 8, "", PT_PEER_EXTERNAL_IP, "203.0.113.7"),
		      "out|icmp|8||external_ip|203.0.113.7");
	expect_format(edge(PT_BASELINE_OUT, 58, 128, "", PT_PEER_INTERNAL_IP, "fd00::1"),
		      "out|icmp6|128||internal_ip|fd00::1");
	expect_format(edge(PT_BASELINE_IN, 132, 0, "", PT_PEER_NODE, "n1"), "in|sctp|0||node|n1");
	expect_format(edge(PT_BASELINE_OUT, 47, 0, "gre", PT_PEER_NETWORK, "corp"), "out|47|0|gre|network|corp");
	expect_format(edge(PT_BASELINE_OUT, 0, 65535, "", PT_PEER_DOMAIN, ""), "out|0|65535||domain|");
	expect_format(edge(PT_BASELINE_OUT, 6, 443, "a|b", PT_PEER_DOMAIN, "x|y|z"), "out|tcp|443|a_b|domain|x_y_z");
}

static void test_format_truncates(void **state)
{
	struct pt_baseline_edge e = tls_to("example.com"), full;
	char text[PT_BASELINE_EDGE_TEXT_LEN + 8];

	(void)state;
	for (size_t len = 1; len < 40; len++) {
		memset(text, 'X', sizeof(text));
		size_t n = pt_baseline_edge_format(&e, text, len);

		assert_true(n < len);
		assert_int_equal(strlen(text), n);
		assert_int_equal(text[len], 'X');                       /* nothing written past out_len */
	}
	assert_int_equal(pt_baseline_edge_format(&e, text, 0), 0);
	assert_int_equal(pt_baseline_edge_format(NULL, text, sizeof(text)), 0);
	/* Members filled to the last byte (no terminator): read within bounds, written as their longest text. */
	memset(&full, 'm', sizeof(full));
	full.direction = PT_BASELINE_IN;
	full.peer_kind = PT_PEER_DOMAIN;
	full.transport = 6;
	full.port = 1;
	size_t n = pt_baseline_edge_format(&full, text, sizeof(text));
	assert_int_equal(n, strlen("in|tcp|1|" "|domain|") + PT_BASELINE_APP_LEN - 1 + PT_BASELINE_PEER_LEN - 1);
	assert_true(n < PT_BASELINE_EDGE_TEXT_LEN);
	assert_int_equal(pt_baseline_edge_parse(text, &e), 0);
}

static void test_round_trip(void **state)
{
	static const uint8_t transports[] = { 6, 17, 1, 58, 132, 0, 47, 255 };
	static const uint16_t ports[] = { 0, 8, 443, 65535 };
	char app[PT_BASELINE_APP_LEN], peer[PT_BASELINE_PEER_LEN];
	unsigned int checked = 0;

	(void)state;
	memset(app, 'a', sizeof(app) - 1);
	app[sizeof(app) - 1] = '\0';
	memset(peer, 'p', sizeof(peer) - 1);
	peer[sizeof(peer) - 1] = '\0';
	const char *apps[] = { "", "tls", "dns.google", app };
	const char *peers[] = { "", "example.com", "shop/Deployment/frontend", "2001:db8::1", peer };

	/* Every combination: one index counts through direction x peer kind x transport x port x app x peer. */
	for (unsigned int i = 0; i < 2 * PT_PEER_KIND_MAX * 8 * 4 * 4 * 5; i++) {
		unsigned int q = i % 5, a = i / 5 % 4, p = i / 20 % 4, t = i / 80 % 8, k = i / 640 % PT_PEER_KIND_MAX;
		struct pt_baseline_edge e = edge((uint8_t)(i / (640 * PT_PEER_KIND_MAX)), transports[t], ports[p],
						 apps[a], (uint8_t)k, peers[q]), back;
		char t1[PT_BASELINE_EDGE_TEXT_LEN], t2[PT_BASELINE_EDGE_TEXT_LEN];

		pt_baseline_edge_format(&e, t1, sizeof(t1));
		assert_int_equal(pt_baseline_edge_parse(t1, &back), 0);
		assert_int_equal(back.direction, e.direction);
		assert_int_equal(back.peer_kind, e.peer_kind);
		assert_int_equal(back.transport, e.transport);
		assert_int_equal(back.port, e.port);
		assert_string_equal(back.app, e.app);
		assert_string_equal(back.peer, e.peer);
		pt_baseline_edge_format(&back, t2, sizeof(t2));
		assert_string_equal(t1, t2);
		checked |= 1u << (e.direction * PT_PEER_KIND_MAX + e.peer_kind);
	}
	assert_int_equal(checked, (1u << (2 * PT_PEER_KIND_MAX)) - 1);          /* both directions, every kind */
}

static void test_parse_accepts(void **state)
{
	struct pt_baseline_edge e;

	(void)state;
	assert_int_equal(pt_baseline_edge_parse("in|udp|5353|mdns|node|n-1", &e), 0);
	assert_int_equal(e.direction, PT_BASELINE_IN);
	assert_int_equal(e.transport, 17);
	assert_int_equal(e.port, 5353);
	assert_string_equal(e.app, "mdns");
	assert_int_equal(e.peer_kind, PT_PEER_NODE);
	assert_string_equal(e.peer, "n-1");
	assert_int_equal(pt_baseline_edge_parse("out|6|443|tls|domain|x", &e), 0);      /* a number for a name */
	assert_int_equal(e.transport, 6);
	assert_int_equal(pt_baseline_edge_parse("out|255|65535||external_ip|192.0.2.1", &e), 0);
	assert_int_equal(e.transport, 255);
	assert_int_equal(e.port, 65535);
}

static void test_parse_rejects(void **state)
{
	char app_long[128], peer_long[512];
	struct pt_baseline_edge e;
	const char *bad[] = {
		"",
		"out",
		"out|tcp|443|tls|domain",                 /* 5 fields */
		"out|tcp|443|tls|domain|a|b",             /* 7 fields */
		"|tcp|443|tls|domain|a",
		"up|tcp|443|tls|domain|a",                /* direction */
		"OUT|tcp|443|tls|domain|a",
		"out|tcp|443|tls|pod|a",                  /* peer kind */
		"out|tcp|443|tls||a",
		"out|tcp|443|tls|domains|a",
		"out|tcp|65536|tls|domain|a",             /* port */
		"out|tcp|-1|tls|domain|a",
		"out|tcp||tls|domain|a",
		"out|tcp|44x|tls|domain|a",
		"out|tcp|1234567|tls|domain|a",
		"out|tcp|0443|tls|domain|a",
		"out|256|443|tls|domain|a",               /* transport */
		"out||443|tls|domain|a",
		"out|TCP|443|tls|domain|a",
		"out|-6|443|tls|domain|a",
		"out|tcpx|443|tls|domain|a",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = pt_baseline_edge_parse(bad[i], &e);

		if (rc != -EINVAL)
			fail_msg("parsed \"%s\" (%d)", bad[i], rc);
	}
	assert_int_equal(pt_baseline_edge_parse(NULL, &e), -EINVAL);
	assert_int_equal(pt_baseline_edge_parse("out|tcp|443|tls|domain|a", NULL), -EINVAL);
	/* Over-long members: the longest that fits parses, one more byte does not. */
	snprintf(app_long, sizeof(app_long), "out|tcp|443|%0*d|domain|a", PT_BASELINE_APP_LEN - 1, 0);
	assert_int_equal(pt_baseline_edge_parse(app_long, &e), 0);
	snprintf(app_long, sizeof(app_long), "out|tcp|443|%0*d|domain|a", PT_BASELINE_APP_LEN, 0);
	assert_int_equal(pt_baseline_edge_parse(app_long, &e), -EINVAL);
	snprintf(peer_long, sizeof(peer_long), "out|tcp|443|tls|domain|%0*d", PT_BASELINE_PEER_LEN - 1, 0);
	assert_int_equal(pt_baseline_edge_parse(peer_long, &e), 0);
	snprintf(peer_long, sizeof(peer_long), "out|tcp|443|tls|domain|%0*d", PT_BASELINE_PEER_LEN, 0);
	assert_int_equal(pt_baseline_edge_parse(peer_long, &e), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_truncates),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_parse_accepts),
		cmocka_unit_test(test_parse_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
