/* SPDX-License-Identifier: BSD-3-Clause */
/* test_scan.c - Unit tests for the scan detector: thresholds, prefixes, windows, the random walk, bounded memory. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "detect_scan.h"
#include "pt_util.h"

#define SEC PT_NS_PER_SEC
#define MINUTE (60 * SEC)
#define T0 1764786900000000000ULL          /* 2025-12-03T18:35:00Z */
#define TCP 6
#define UDP 17
#define ICMP 1

/* podtap's defaults: 5 min, 15 ports, 25 hosts, TRW 0.8 / 0.2 / 0.99 / 0.01. */
static struct pt_scan_config config(bool trw, uint32_t max_sources)
{
	return (struct pt_scan_config){ .window_ns = 5 * MINUTE, .vertical_ports = 15, .horizontal_hosts = 25,
					.trw = trw, .trw_benign_success = 0.8, .trw_scanner_success = 0.2,
					.trw_detection = 0.99, .trw_false_positive = 0.01, .max_sources = max_sources };
}

static struct pt_scan *create(const struct pt_scan_config *cfg)
{
	struct pt_scan *s = pt_scan_create(cfg);

	assert_non_null(s);
	return s;
}

static uint8_t parse(const char *text, uint8_t out[16])
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET, text, out) == 1)
		return 4;
	assert_int_equal(inet_pton(AF_INET6, text, out), 1);
	return 6;
}

/* One attempt from @p src to @p dst; @p cid may be NULL. @return the findings written to @p out. */
static uint32_t attempt(struct pt_scan *s, const char *src, const char *dst, uint8_t transport, uint16_t port,
			bool failed, uint64_t ts_ns, const char *cid, struct pt_scan_finding out[PT_SCAN_KIND_MAX])
{
	struct pt_scan_attempt a = { .transport = transport, .port = port, .failed = failed, .ts_ns = ts_ns,
				     .community_id = cid };

	a.ip_version = parse(src, a.src);
	assert_int_equal(parse(dst, a.dst), a.ip_version);
	memset(out, 0xa5, sizeof(*out) * PT_SCAN_KIND_MAX);
	return pt_scan_observe(s, &a, out);
}

static uint32_t quiet(struct pt_scan *s, const char *src, const char *dst, uint8_t transport, uint16_t port,
		      bool failed, uint64_t ts_ns)
{
	struct pt_scan_finding out[PT_SCAN_KIND_MAX];

	return attempt(s, src, dst, transport, port, failed, ts_ns, NULL, out);
}

static const char *ip4(uint32_t a)
{
	static char buf[4][16];
	static int next;
	char *b = buf[next++ % 4];

	snprintf(b, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
	return b;
}

static void test_vertical_fires_at_threshold_on_failures_only(void **state)
{
	struct pt_scan_config cfg = config(false, 64);
	struct pt_scan *s = create(&cfg);
	struct pt_scan_finding out[PT_SCAN_KIND_MAX];
	struct pt_scan_stats st;
	uint8_t victim[16];
	char cid[32];

	(void)state;
	for (uint16_t p = 1000; p < 1100; p++)          /* answered: never counted */
		assert_int_equal(quiet(s, "10.244.1.5", "10.244.2.7", TCP, p, false, T0), 0);
	for (uint16_t p = 1; p <= 13; p++) {
		snprintf(cid, sizeof(cid), "1:tcp-%u", p);
		assert_int_equal(attempt(s, "10.244.1.5", "10.244.2.7", TCP, p, true, T0 + p * SEC, cid, out), 0);
	}
	assert_int_equal(attempt(s, "10.244.1.5", "10.244.2.7", UDP, 1, true, T0 + 20 * SEC, "1:udp-1", out), 0);
	for (int i = 0; i < 5; i++)                     /* the same ports again: not distinct */
		assert_int_equal(attempt(s, "10.244.1.5", "10.244.2.7", TCP, 1, true, T0 + 21 * SEC, "1:again", out), 0);
	assert_int_equal(attempt(s, "10.244.1.5", "10.244.2.7", TCP, 15, true, T0 + 30 * SEC, "1:tcp-15", out), 1);
	assert_int_equal(out[0].kind, PT_SCAN_VERTICAL);
	assert_int_equal(out[0].count, 15);
	assert_int_equal(out[0].threshold, 15);
	assert_int_equal(out[0].failures, 20);
	assert_int_equal(out[0].first_ns, T0 + SEC);
	parse("10.244.2.7", victim);
	assert_memory_equal(out[0].victim, victim, 16);
	assert_string_equal(out[0].targets, "10.244.2.7");
	assert_int_equal(out[0].port, 0);
	/* The last 8 counted attempts, oldest first; the repeats were not counted. */
	assert_int_equal(out[0].n_flows, 8);
	assert_string_equal(out[0].flows[0], "1:tcp-8");
	assert_string_equal(out[0].flows[5], "1:tcp-13");
	assert_string_equal(out[0].flows[6], "1:udp-1");
	assert_string_equal(out[0].flows[7], "1:tcp-15");
	pt_scan_stats(s, &st);
	assert_int_equal(st.attempts, 100 + 13 + 1 + 5 + 1);
	assert_int_equal(st.failed, 20);
	assert_int_equal(st.sources, 1);
	assert_int_equal(st.findings[PT_SCAN_VERTICAL], 1);
	assert_int_equal(st.findings[PT_SCAN_HORIZONTAL] + st.findings[PT_SCAN_SLOW], 0);
	pt_scan_free(s);
}

static void test_vertical_reports_again_for_new_targets(void **state)
{
	struct pt_scan_config cfg = config(false, 64);
	struct pt_scan *s = create(&cfg);
	struct pt_scan_finding out[PT_SCAN_KIND_MAX];
	uint64_t ts = T0;
	uint32_t n;

	(void)state;
	for (uint16_t p = 1; p <= 15; p++)
		n = quiet(s, "2001:db8:ff::5", "2001:db8::7", TCP, p, true, ts += SEC);
	assert_int_equal(n, 1);
	/* The victim's set restarted: 14 more ports are not enough, the 15th reports again. */
	for (uint16_t p = 100; p < 114; p++)
		assert_int_equal(quiet(s, "2001:db8:ff::5", "2001:db8::7", TCP, p, true, ts += SEC), 0);
	assert_int_equal(attempt(s, "2001:db8:ff::5", "2001:db8::7", TCP, 114, true, ts += SEC, NULL, out), 1);
	assert_int_equal(out[0].kind, PT_SCAN_VERTICAL);
	assert_int_equal(out[0].first_ns, T0 + 16 * SEC);
	assert_string_equal(out[0].targets, "2001:db8::7");
	assert_int_equal(out[0].n_flows, 0);
	/* Another victim, scanned the same way, reports on its own. */
	for (uint16_t p = 1; p < 15; p++)
		assert_int_equal(quiet(s, "2001:db8:ff::5", "2001:db8::8", TCP, p, true, ts += SEC), 0);
	assert_int_equal(attempt(s, "2001:db8:ff::5", "2001:db8::8", TCP, 15, true, ts += SEC, NULL, out), 1);
	assert_string_equal(out[0].targets, "2001:db8::8");
	pt_scan_free(s);
}

/* 25 failed victims dst(i), i = 1..25, on one port from @p src: nothing before the 25th, then the key @p want. */
static void horizontal(struct pt_scan *s, const char *src, const char *fmt, uint32_t mul, uint8_t transport,
		       uint16_t port, const char *want)
{
	struct pt_scan_finding out[PT_SCAN_KIND_MAX];
	char dst[64];

	for (uint32_t i = 1; i <= 25; i++) {
		snprintf(dst, sizeof(dst), fmt, i * mul);
		if (i < 25) {
			assert_int_equal(attempt(s, src, dst, transport, port, true, T0 + i * SEC, NULL, out), 0);
			continue;
		}
		assert_int_equal(attempt(s, src, dst, transport, port, true, T0 + i * SEC, NULL, out), 1);
		assert_int_equal(out[0].kind, PT_SCAN_HORIZONTAL);
		assert_int_equal(out[0].count, 25);
		assert_int_equal(out[0].threshold, 25);
		assert_int_equal(out[0].failures, 25);
		assert_int_equal(out[0].first_ns, T0 + SEC);
		assert_int_equal(out[0].port, port);
		assert_string_equal(out[0].targets, want);
	}
}

static void test_horizontal_ipv4_prefix(void **state)
{
	struct pt_scan_config cfg = config(false, 64);
	struct pt_scan *s = create(&cfg);
	struct pt_scan_finding out[PT_SCAN_KIND_MAX];
	uint32_t n = 0;

	(void)state;
	horizontal(s, "10.244.1.5", "10.244.9.%u", 2, TCP, 22, "tcp/22@10.244.9.0/26");     /* .2 .. .50 */
	horizontal(s, "10.244.1.6", "192.0.2.%u", 1, ICMP, 8, "icmp/8@192.0.2.0/27");       /* echo sweep */
	horizontal(s, "10.244.1.7", "10.%u.0.1", 1, UDP, 53, "udp/53@10.1.0.0/16");        /* never below /16 */
	horizontal(s, "10.244.1.8", "10.244.%u.9", 1, 47, 0, "47/0@10.244.0.0/19");        /* a transport with no name */
	/* Victims in falling order (.68 down to .20): the prefix still covers them all. */
	for (uint32_t i = 1; i <= 25; i++)
		n = attempt(s, "10.244.1.10", ip4(0x0af40c46 - 2 * i), TCP, 80, true, T0 + i, NULL, out);
	assert_int_equal(n, 1);
	assert_string_equal(out[0].targets, "tcp/80@10.244.12.0/25");
	/* Answered attempts on the port do not count. */
	for (uint32_t i = 1; i <= 100; i++)
		assert_int_equal(quiet(s, "10.244.1.9", ip4(0x0af40900 + i), TCP, 22, false, T0 + i), 0);
	pt_scan_free(s);
}

static void test_horizontal_ipv6_prefix(void **state)
{
	struct pt_scan_config cfg = config(false, 64);
	struct pt_scan *s = create(&cfg);

	(void)state;
	horizontal(s, "2001:db8:ff::5", "2001:db8:0:1::%x", 1, TCP, 443, "tcp/443@2001:db8:0:1::/123");
	horizontal(s, "2001:db8:ff::6", "2001:db8:0:%x::1", 1, TCP, 443, "tcp/443@2001:db8::/59");
	horizontal(s, "2001:db8:ff::7", "2001:db8:%x::1", 1, TCP, 443, "tcp/443@2001:db8:1::/48");
	horizontal(s, "2001:db8:ff::8", "2001:db8::%x", 1, 58, 128, "ipv6-icmp/128@2001:db8::/123");
	pt_scan_free(s);
}

static void test_horizontal_reports_again_for_new_targets(void **state)
{
	struct pt_scan_config cfg = config(false, 64);
	struct pt_scan *s = create(&cfg);
	uint32_t found = 0;

	(void)state;
	for (uint32_t i = 1; i <= 100; i++)
		found += quiet(s, "10.244.1.5", ip4(0x0af40a00 + i), TCP, 22, true, T0 + i * SEC);
	assert_int_equal(found, 4);
	pt_scan_free(s);
}

/* One failed attempt every @p gap, on new ports of one victim and on new victims of one port. */
static uint32_t trickle(uint64_t gap, uint32_t n)
{
	struct pt_scan_config cfg = config(false, 64);
	struct pt_scan *s = create(&cfg);
	uint32_t found = 0;

	for (uint32_t i = 0; i < n; i++) {
		found += quiet(s, "10.244.1.5", "10.244.2.7", TCP, (uint16_t)(1 + i), true, T0 + i * gap);
		found += quiet(s, "10.244.1.6", ip4(0x0af40000 + i), TCP, 22, true, T0 + i * gap);
	}
	pt_scan_free(s);
	return found;
}

static void test_window_expiry_stops_a_trickle(void **state)
{
	(void)state;
	/* Every 25 s: at most 13 ports and 13 victims in 5 minutes. */
	assert_int_equal(trickle(25 * SEC, 2000), 0);
	/* Every 15 s: 21 in 5 minutes, enough for the ports (15), not for the victims (25). */
	assert_int_equal(trickle(15 * SEC, 2000), 2000 / 15);
	/* Every 10 s: both. */
	assert_true(trickle(10 * SEC, 2000) > 2000 / 15 + 2000 / 25 - 2);
}

static void test_window_counts_from_the_first_attempt(void **state)
{
	struct pt_scan_config cfg = config(false, 64);
	struct pt_scan *s = create(&cfg);
	struct pt_scan_finding out[PT_SCAN_KIND_MAX];

	(void)state;
	/* 14 ports at T0, the 15th exactly 5 minutes later: still in the window. */
	for (uint16_t p = 1; p < 15; p++)
		assert_int_equal(quiet(s, "10.244.1.5", "10.244.2.7", TCP, p, true, T0), 0);
	assert_int_equal(quiet(s, "10.244.1.5", "10.244.2.7", TCP, 15, true, T0 + 5 * MINUTE), 1);
	/* 14 ports on another victim at T0, the 15th a nanosecond too late: it starts a new run instead. */
	for (uint16_t p = 1; p < 15; p++)
		assert_int_equal(quiet(s, "10.244.1.5", "10.244.2.8", TCP, p, true, T0), 0);
	assert_int_equal(attempt(s, "10.244.1.5", "10.244.2.8", TCP, 15, true, T0 + 5 * MINUTE + 1, NULL, out), 0);
	/* A record arriving late (an earlier first packet) still counts, and moves the start back. */
	for (uint16_t p = 16; p < 29; p++)
		assert_int_equal(quiet(s, "10.244.1.5", "10.244.2.8", TCP, p, true, T0 + 6 * MINUTE), 0);
	assert_int_equal(attempt(s, "10.244.1.5", "10.244.2.8", TCP, 29, true, T0 + 5 * MINUTE - 1, NULL, out), 1);
	assert_int_equal(out[0].first_ns, T0 + 5 * MINUTE - 1);
	pt_scan_free(s);
}

static void test_trw_catches_a_slow_scan(void **state)
{
	struct pt_scan_config cfg = config(true, 64);
	struct pt_scan *s = create(&cfg);
	struct pt_scan_finding out[PT_SCAN_KIND_MAX];
	struct pt_scan_stats st;
	uint32_t slow = 0, n;
	char cid[32];

	(void)state;
	/* One new destination a minute for 4 hours, 3 of 4 failing: far below the vertical and horizontal rates. */
	for (uint32_t i = 0; i < 240; i++) {
		bool failed = i % 4 != 3;

		snprintf(cid, sizeof(cid), "1:c%u", i);
		n = attempt(s, "10.244.3.3", ip4(0x0af43201 + i), TCP, (uint16_t)(1000 + i), failed, T0 + i * MINUTE,
			    cid, out);
		for (uint32_t k = 0; k < n; k++)
			assert_int_equal(out[k].kind, PT_SCAN_SLOW);
		if (n > 0 && slow++ == 0) {
			/* f f f s f f: log ratio 5 ln 4 - ln 4, a ratio of 256 >= 99 at the sixth first contact. */
			assert_int_equal(i, 5);
			assert_int_equal(out[0].count, 6);
			assert_int_equal(out[0].threshold, 6);
			assert_int_equal(out[0].failures, 5);
			assert_int_equal(out[0].first_ns, T0);
			assert_true(out[0].trw_ratio > 255.99 && out[0].trw_ratio < 256.01);
			assert_string_equal(out[0].targets, "10.244.50.0/29");   /* .1 .. .6 */
			assert_int_equal(out[0].n_flows, 5);                     /* the failed first contacts */
			assert_string_equal(out[0].flows[0], "1:c0");
			assert_string_equal(out[0].flows[4], "1:c5");
		}
	}
	assert_true(slow >= 30);
	pt_scan_stats(s, &st);
	assert_int_equal(st.findings[PT_SCAN_SLOW], slow);
	assert_int_equal(st.findings[PT_SCAN_VERTICAL] + st.findings[PT_SCAN_HORIZONTAL], 0);
	pt_scan_free(s);
}

static void test_trw_counts_first_contacts_only(void **state)
{
	struct pt_scan_config cfg = config(true, 64);
	struct pt_scan *s = create(&cfg);
	struct pt_scan_finding out[PT_SCAN_KIND_MAX];

	(void)state;
	/* Three failed first contacts: 3 ln 4 < ln 99. */
	for (uint32_t i = 1; i <= 3; i++)
		assert_int_equal(quiet(s, "10.244.3.3", ip4(0xc0000200 + i), TCP, 443, true, T0 + i * MINUTE), 0);
	/* Failing again and again on the same three (and once answered) moves nothing. */
	for (uint32_t i = 0; i < 300; i++)
		assert_int_equal(quiet(s, "10.244.3.3", ip4(0xc0000201 + i % 3), TCP, 443, i != 7, T0 + i * SEC), 0);
	assert_int_equal(attempt(s, "10.244.3.3", "192.0.2.4", TCP, 443, true, T0 + 9 * MINUTE, NULL, out), 1);
	assert_int_equal(out[0].kind, PT_SCAN_SLOW);
	assert_int_equal(out[0].count, 4);
	assert_int_equal(out[0].failures, 4);
	assert_int_equal(out[0].first_ns, T0 + MINUTE);
	assert_true(out[0].trw_ratio > 255.99 && out[0].trw_ratio < 256.01);
	assert_string_equal(out[0].targets, "192.0.2.0/29");
	pt_scan_free(s);
}

static void test_trw_benign_source_is_not_flagged_until_it_scans(void **state)
{
	struct pt_scan_config cfg = config(true, 64);
	struct pt_scan *s = create(&cfg);
	uint32_t found = 0, i;

	(void)state;
	/* 90% of 5000 first contacts answered, and every destination visited again (answered) a few times. */
	for (i = 0; i < 5000; i++) {
		found += quiet(s, "10.244.4.4", ip4(0x0a000000 + i * 7), TCP, 443, i % 10 == 9, T0 + i * 10 * SEC);
		found += quiet(s, "10.244.4.4", ip4(0x0a000000 + i * 7), TCP, 443, false, T0 + i * 10 * SEC + 1);
	}
	assert_int_equal(found, 0);
	/* The walk restarted at each benign verdict: when the source turns to scanning, it is caught. */
	for (i = 0; i < 8 && found == 0; i++)
		found = quiet(s, "10.244.4.4", ip4(0xc6336400 + i), TCP, 22, true, T0 + 60000 * SEC + i * MINUTE);
	assert_int_equal(found, 1);
	pt_scan_free(s);
}

/* A horizontal scan with TRW on: the 4th failed victim is a scan both ways, in one call. */
static void test_two_findings_from_one_attempt(void **state)
{
	struct pt_scan_config cfg = config(true, 64);
	struct pt_scan *s;
	struct pt_scan_finding out[PT_SCAN_KIND_MAX];
	char cid[32];

	(void)state;
	cfg.horizontal_hosts = 4;
	s = create(&cfg);
	for (uint32_t i = 1; i <= 3; i++) {
		snprintf(cid, sizeof(cid), "1:h%u", i);
		assert_int_equal(attempt(s, "10.244.5.5", ip4(0x0af40600 + i), TCP, 22, true, T0 + i, cid, out), 0);
	}
	assert_int_equal(attempt(s, "10.244.5.5", "10.244.6.4", TCP, 22, true, T0 + 4, "1:h4", out), 2);
	assert_int_equal(out[0].kind, PT_SCAN_HORIZONTAL);
	assert_string_equal(out[0].targets, "tcp/22@10.244.6.0/29");
	assert_int_equal(out[1].kind, PT_SCAN_SLOW);
	assert_string_equal(out[1].targets, "10.244.6.0/29");
	assert_int_equal(out[0].n_flows, 4);
	assert_int_equal(out[1].n_flows, 4);
	assert_string_equal(out[0].flows[3], "1:h4");
	assert_string_equal(out[1].flows[0], "1:h1");
	pt_scan_free(s);
}

static void test_community_ids_up_to_eight(void **state)
{
	struct pt_scan_config cfg = config(false, 64);
	struct pt_scan *s;
	struct pt_scan_finding out[PT_SCAN_KIND_MAX];
	char cid[32];
	uint32_t n = 0;

	(void)state;
	cfg.vertical_ports = 5;
	s = create(&cfg);
	/* Only some attempts carry one: those are the ones the finding carries. */
	for (uint16_t p = 1; p <= 5; p++)
		n = attempt(s, "10.244.1.5", "10.244.2.7", TCP, p, true, T0 + p, p % 2 ? (p == 1 ? "1:a" : p == 3 ?
			    "1:b" : "1:c") : NULL, out);
	assert_int_equal(n, 1);
	assert_int_equal(out[0].n_flows, 3);
	assert_string_equal(out[0].flows[0], "1:a");
	assert_string_equal(out[0].flows[1], "1:b");
	assert_string_equal(out[0].flows[2], "1:c");
	pt_scan_free(s);
	/* Full-length ids, 64 ports: the last 8. */
	cfg.vertical_ports = 64;
	s = create(&cfg);
	for (uint16_t p = 1; p <= 64; p++) {
		snprintf(cid, sizeof(cid), "1:%028u", p);
		n = attempt(s, "10.244.1.5", "10.244.2.7", UDP, p, true, T0 + p, cid, out);
	}
	assert_int_equal(n, 1);
	assert_int_equal(out[0].count, 64);
	assert_int_equal(out[0].n_flows, PT_SCAN_FLOWS_MAX);
	assert_string_equal(out[0].flows[0], "1:0000000000000000000000000057");
	assert_string_equal(out[0].flows[7], "1:0000000000000000000000000064");
	pt_scan_free(s);
}

static void test_eviction_takes_the_least_recently_seen(void **state)
{
	struct pt_scan_config cfg = config(true, 2);
	struct pt_scan *s = create(&cfg);
	struct pt_scan_stats st;

	(void)state;
	for (uint16_t p = 1; p < 15; p++)
		assert_int_equal(quiet(s, "10.244.1.1", "10.244.2.7", TCP, p, true, T0), 0);
	assert_int_equal(quiet(s, "10.244.1.2", "10.244.2.7", TCP, 1, true, T0), 0);
	assert_int_equal(quiet(s, "10.244.1.1", "10.244.2.7", TCP, 1, true, T0), 0);      /* seen again */
	assert_int_equal(quiet(s, "10.244.1.3", "10.244.2.7", TCP, 1, true, T0), 0);      /* .2 goes */
	pt_scan_stats(s, &st);
	assert_int_equal(st.sources, 2);
	assert_int_equal(st.sources_evicted, 1);
	assert_int_equal(quiet(s, "10.244.1.1", "10.244.2.7", TCP, 15, true, T0), 1);     /* .1 kept its ports */
	assert_int_equal(quiet(s, "10.244.1.2", "10.244.2.7", TCP, 2, true, T0), 0);      /* .3 goes */
	pt_scan_stats(s, &st);
	assert_int_equal(st.sources_evicted, 2);
	pt_scan_free(s);
}

/* A million sources (a quarter IPv6), each seen once: memory stays, the table stays full, the rest is evicted. */
static void test_flood_of_sources_stays_bounded(void **state)
{
	struct pt_scan_config cfg = config(true, 1024);
	struct pt_scan *s = create(&cfg);
	struct pt_scan_finding out[PT_SCAN_KIND_MAX];
	uint64_t memory = pt_scan_memory(s);
	struct pt_scan_attempt a = { .transport = TCP, .failed = true };
	const uint32_t n = 1000000;
	struct pt_scan_stats st;

	(void)state;
	assert_true(memory > 1024 * 1024 && memory < 16 * 1024 * 1024);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t x = i * 2654435761u;            /* odd multiplier: distinct, scattered */

		memset(a.src, 0, 16);
		memset(a.dst, 0, 16);
		a.ip_version = i % 4 == 3 ? 6 : 4;
		memcpy(a.src, &x, 4);
		a.src[15] = a.ip_version;                /* IPv4 ignores it */
		a.dst[0] = 10, a.dst[3] = (uint8_t)i;
		a.port = (uint16_t)(i >> 8);
		a.ts_ns = T0 + i * 1000ULL;
		pt_scan_observe(s, &a, out);
	}
	assert_int_equal(pt_scan_memory(s), memory);
	pt_scan_stats(s, &st);
	assert_int_equal(st.attempts, n);
	assert_int_equal(st.sources, 1024);
	assert_int_equal(st.sources_evicted, n - 1024);
	/* The last 1024 are all still found: seeing them again evicts nobody. */
	for (uint32_t i = n - 1024; i < n; i++) {
		uint32_t x = i * 2654435761u;

		memset(a.src, 0, 16);
		a.ip_version = i % 4 == 3 ? 6 : 4;
		memcpy(a.src, &x, 4);
		a.src[15] = a.ip_version;
		pt_scan_observe(s, &a, out);
	}
	pt_scan_stats(s, &st);
	assert_int_equal(st.sources_evicted, n - 1024);
	/* And a scan after the churn is still seen. */
	for (uint16_t p = 1; p < 15; p++)
		assert_int_equal(quiet(s, "10.244.1.5", "10.244.2.7", TCP, p, true, T0 + 2 * SEC), 0);
	assert_int_equal(quiet(s, "10.244.1.5", "10.244.2.7", TCP, 15, true, T0 + 2 * SEC), 1);
	assert_int_equal(pt_scan_memory(s), memory);
	pt_scan_free(s);
}

static void test_create_checks_its_configuration(void **state)
{
	struct pt_scan_config cfg;

	(void)state;
	assert_null(pt_scan_create(NULL));
	cfg = config(true, 0);
	assert_null(pt_scan_create(&cfg));
	cfg = config(true, 16);
	cfg.vertical_ports = 0;
	assert_null(pt_scan_create(&cfg));
	cfg.vertical_ports = 65;
	assert_null(pt_scan_create(&cfg));
	cfg = config(true, 16);
	cfg.horizontal_hosts = 65;
	assert_null(pt_scan_create(&cfg));
	cfg = config(true, 16);
	cfg.trw_scanner_success = 0.8;                   /* a scanner must succeed less than a benign host */
	assert_null(pt_scan_create(&cfg));
	cfg = config(true, 16);
	cfg.trw_false_positive = 0.99;
	assert_null(pt_scan_create(&cfg));
	cfg.trw = false;                                 /* the walk's parameters matter only with the walk */
	pt_scan_free(create(&cfg));
	cfg = config(true, 16);
	cfg.vertical_ports = cfg.horizontal_hosts = 64;
	pt_scan_free(create(&cfg));
	pt_scan_free(NULL);
}

/* 30 hosts by 30 ports in a shuffled order (nmap over a subnet): more victims and ports than a source has runs for,
 * yet the fullest runs are kept, so both a vertical and a horizontal scan are found without the walk. */
static void test_interleaved_subnet_scan(void **state)
{
	struct pt_scan_config cfg = config(false, 64);
	struct pt_scan *s = create(&cfg);
	struct pt_scan_finding out[PT_SCAN_KIND_MAX];
	uint32_t order[900], found[PT_SCAN_KIND_MAX] = { 0 }, rng = 12345;
	char dst[32];

	(void)state;
	for (uint32_t i = 0; i < 900; i++)
		order[i] = i;
	for (uint32_t i = 899; i > 0; i--) {               /* Fisher-Yates with a fixed LCG: reproducible */
		uint32_t j, t;

		rng = rng * 1103515245u + 12345u;
		j = (rng >> 8) % (i + 1);
		t = order[i], order[i] = order[j], order[j] = t;
	}
	for (uint32_t i = 0; i < 900; i++) {
		uint32_t n;

		snprintf(dst, sizeof(dst), "10.0.9.%u", order[i] / 30 + 1);
		n = attempt(s, "10.0.1.10", dst, TCP, (uint16_t)(1000 + order[i] % 30), true, T0 + i * (SEC / 100),
			    NULL, out);
		for (uint32_t k = 0; k < n; k++)
			found[out[k].kind]++;
	}
	assert_true(found[PT_SCAN_VERTICAL] >= 1);
	assert_true(found[PT_SCAN_HORIZONTAL] >= 1);
	assert_int_equal(found[PT_SCAN_SLOW], 0);
	pt_scan_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vertical_fires_at_threshold_on_failures_only),
		cmocka_unit_test(test_interleaved_subnet_scan),
		cmocka_unit_test(test_vertical_reports_again_for_new_targets),
		cmocka_unit_test(test_horizontal_ipv4_prefix),
		cmocka_unit_test(test_horizontal_ipv6_prefix),
		cmocka_unit_test(test_horizontal_reports_again_for_new_targets),
		cmocka_unit_test(test_window_expiry_stops_a_trickle),
		cmocka_unit_test(test_window_counts_from_the_first_attempt),
		cmocka_unit_test(test_trw_catches_a_slow_scan),
		cmocka_unit_test(test_trw_counts_first_contacts_only),
		cmocka_unit_test(test_trw_benign_source_is_not_flagged_until_it_scans),
		cmocka_unit_test(test_two_findings_from_one_attempt),
		cmocka_unit_test(test_community_ids_up_to_eight),
		cmocka_unit_test(test_eviction_takes_the_least_recently_seen),
		cmocka_unit_test(test_flood_of_sources_stays_bounded),
		cmocka_unit_test(test_create_checks_its_configuration),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
