/* SPDX-License-Identifier: BSD-3-Clause */
/* test_scan_flows.c - Unit tests of the flows scan findings list (ids made from the flows) and of reused source slots. */
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
#define T0 1764786900000000000ULL
#define TCP 6
#define UDP 17
#define ICMP 1

static struct pt_scan *create(bool trw, uint32_t max_sources, uint32_t vertical, uint32_t horizontal)
{
	struct pt_scan_config cfg = { .window_ns = 300 * SEC, .vertical_ports = vertical,
				      .horizontal_hosts = horizontal, .trw = trw, .trw_benign_success = 0.8,
				      .trw_scanner_success = 0.2, .trw_detection = 0.99, .trw_false_positive = 0.01,
				      .max_sources = max_sources };
	struct pt_scan *s = pt_scan_create(&cfg);

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

/* The flow @p src:@p sport -> @p dst:@p dport keyed as the flow table keys it: the lower (address, port) is side 0. */
static struct pt_flow flow(const char *src, uint16_t sport, const char *dst, uint16_t dport, uint8_t proto)
{
	struct pt_flow f;
	uint8_t a[16], b[16];
	int c;

	memset(&f, 0, sizeof(f));
	f.key.ip_version = parse(src, a);
	assert_int_equal(parse(dst, b), f.key.ip_version);
	c = memcmp(a, b, 16);
	f.orig_side = c < 0 || (c == 0 && sport <= dport) ? 0 : 1;
	f.key.proto = proto;
	memcpy(f.key.addr[f.orig_side], a, 16);
	memcpy(f.key.addr[!f.orig_side], b, 16);
	f.key.port[f.orig_side] = sport;
	f.key.port[!f.orig_side] = dport;
	return f;
}

/* A failed attempt of flow @p f (its originator and responder, its responder port or ICMP type), listed by @p f. */
static uint32_t attempt_of(struct pt_scan *s, const struct pt_flow *f, uint64_t ts_ns, struct pt_scan_finding *out)
{
	struct pt_scan_attempt a = { .ip_version = f->key.ip_version, .transport = f->key.proto, .failed = true,
				     .ts_ns = ts_ns, .flow = f };

	memcpy(a.src, pt_flow_orig_addr(f), 16);
	memcpy(a.dst, pt_flow_resp_addr(f), 16);
	a.port = f->key.proto == ICMP || f->key.proto == 58 ? pt_flow_orig_port(f) : pt_flow_resp_port(f);
	memset(out, 0xa5, sizeof(*out) * PT_SCAN_KIND_MAX);
	return pt_scan_observe(s, &a, out);
}

/* The same, listed by the text @p cid (or not at all when NULL). */
static uint32_t attempt_cid(struct pt_scan *s, const struct pt_flow *f, uint64_t ts_ns, const char *cid,
			    struct pt_scan_finding *out)
{
	struct pt_scan_attempt a = { .ip_version = f->key.ip_version, .transport = f->key.proto, .failed = true,
				     .ts_ns = ts_ns, .community_id = cid };

	memcpy(a.src, pt_flow_orig_addr(f), 16);
	memcpy(a.dst, pt_flow_resp_addr(f), 16);
	a.port = pt_flow_resp_port(f);
	memset(out, 0xa5, sizeof(*out) * PT_SCAN_KIND_MAX);
	return pt_scan_observe(s, &a, out);
}

static void assert_id_of(const char *listed, const struct pt_flow *f)
{
	char want[PT_FLOW_COMMUNITY_ID_LEN];

	assert_string_equal(listed, pt_flow_community_id(f, 0, want));
}

/*
 * The ids are those of the last 8 attempts the run counted, oldest first, made from the flows (the scanner is
 * key side 1 here): not a repeat (not counted), nor an attempt counted in another victim's run.
 */
static void test_ids_are_the_counted_flows(void **state)
{
	struct pt_scan *s = create(false, 64, 15, 25);
	struct pt_scan_finding out[PT_SCAN_KIND_MAX];
	struct pt_flow f[15], other, again;
	uint32_t n = 0;

	(void)state;
	for (uint16_t p = 0; p < 15; p++) {
		f[p] = flow("198.51.100.7", (uint16_t)(40000 + p), "10.244.2.20", (uint16_t)(p + 1), TCP);
		assert_int_equal(f[p].orig_side, 1);
		if (p == 9) {
			other = flow("198.51.100.7", 41000, "10.244.2.21", 7, TCP);
			assert_int_equal(attempt_of(s, &other, T0 + p * SEC, out), 0);
			again = flow("198.51.100.7", 41001, "10.244.2.20", 1, TCP);     /* port 1 again: not counted */
			assert_int_equal(attempt_of(s, &again, T0 + p * SEC, out), 0);
		}
		n = attempt_of(s, &f[p], T0 + p * SEC, out);
		assert_int_equal(n, p == 14);
	}
	assert_int_equal(out[0].kind, PT_SCAN_VERTICAL);
	assert_int_equal(out[0].count, 15);
	assert_int_equal(out[0].n_flows, PT_SCAN_FLOWS_MAX);
	for (uint32_t i = 0; i < PT_SCAN_FLOWS_MAX; i++)
		assert_id_of(out[0].flows[i], &f[7 + i]);
	pt_scan_free(s);
}

/* ICMP (whose id orders the endpoints its own way), then IPv6 with the scanner on either side of the key. */
static void test_ids_of_each_orientation_and_icmp(void **state)
{
	struct pt_scan *s = create(true, 64, 15, 4);
	struct pt_scan_finding out[PT_SCAN_KIND_MAX];
	struct pt_flow f[4];
	const char *dst[4] = { "10.244.7.1", "10.244.7.2", "10.244.7.3", "10.244.7.4" };
	const char *dst6[4] = { "2001:db8::1", "2001:db8::2", "fd00::1", "fd00::2" };
	uint32_t n = 0;

	(void)state;
	for (uint32_t i = 0; i < 4; i++) {
		f[i] = flow("10.244.3.3", 8, dst[i], 0, ICMP);                  /* echo request: (type 8, 0) */
		n = attempt_of(s, &f[i], T0 + i, out);
	}
	/* Horizontal at 4 hosts and slow at 4 failed first contacts, each listing the 4. */
	assert_int_equal(n, 2);
	assert_int_equal(out[0].kind, PT_SCAN_HORIZONTAL);
	assert_int_equal(out[1].kind, PT_SCAN_SLOW);
	for (uint32_t k = 0; k < 2; k++) {
		assert_int_equal(out[k].n_flows, 4);
		for (uint32_t i = 0; i < 4; i++)
			assert_id_of(out[k].flows[i], &f[i]);
	}
	for (uint32_t i = 0; i < 4; i++) {
		f[i] = flow("2001:db8::7", (uint16_t)(50000 + i), dst6[i], 443, UDP);
		assert_int_equal(f[i].orig_side, i < 2 ? 1 : 0);
		n = attempt_of(s, &f[i], T0 + SEC + i, out);
	}
	assert_int_equal(n, 2);
	assert_int_equal(out[0].kind, PT_SCAN_HORIZONTAL);
	assert_int_equal(out[0].n_flows, 4);
	for (uint32_t i = 0; i < 4; i++)
		assert_id_of(out[0].flows[i], &f[i]);
	pt_scan_free(s);
}

/* Attempts listed by a given id and by their flow mix in one run, in order; an attempt with neither is counted only. */
static void test_given_ids_and_flows_mix(void **state)
{
	const char *longer = "1:given-longer-than-thirty-one-characters";
	struct pt_scan *s = create(false, 64, 6, 25);
	struct pt_scan_finding out[PT_SCAN_KIND_MAX];
	char cut[PT_FLOW_COMMUNITY_ID_LEN];
	struct pt_flow f[6];
	uint32_t n = 0;

	(void)state;
	memcpy(cut, longer, sizeof(cut) - 1);
	cut[sizeof(cut) - 1] = '\0';
	for (uint16_t p = 0; p < 6; p++) {
		f[p] = flow("10.244.1.5", 40000, "10.244.2.7", (uint16_t)(p + 1), TCP);
		if (p == 2)
			n = attempt_cid(s, &f[p], T0 + p, NULL, out);
		else if (p % 2)
			n = attempt_cid(s, &f[p], T0 + p, p == 1 ? "1:given-one" : longer, out);
		else
			n = attempt_of(s, &f[p], T0 + p, out);
	}
	assert_int_equal(n, 1);
	assert_int_equal(out[0].count, 6);
	assert_int_equal(out[0].n_flows, 5);
	assert_id_of(out[0].flows[0], &f[0]);
	assert_string_equal(out[0].flows[1], "1:given-one");
	assert_string_equal(out[0].flows[2], cut);                      /* cut at 31 bytes, as given ids always were */
	assert_id_of(out[0].flows[3], &f[4]);
	assert_string_equal(out[0].flows[4], cut);
	pt_scan_free(s);
}

/* Evict 10.244.1.5 from a table of one: 10.244.9.9 takes its slot, then gives it back to it. */
static void evict_and_return(struct pt_scan *s, uint64_t ts_ns)
{
	struct pt_scan_finding out[PT_SCAN_KIND_MAX];
	struct pt_flow f = flow("10.244.9.9", 40000, "10.244.2.1", 1, TCP);
	struct pt_scan_stats before, after;

	pt_scan_stats(s, &before);
	assert_int_equal(attempt_of(s, &f, ts_ns, out), 0);
	pt_scan_stats(s, &after);
	assert_int_equal(after.sources_evicted, before.sources_evicted + 1);
}

/*
 * A source that takes an evicted one's slot starts empty, though the slot still holds the old one's runs, walk
 * and listed attempts: a new source is not cleared whole, only the marks of what is in use are.
 */
static void test_reused_slot_starts_empty(void **state)
{
	struct pt_scan *s = create(false, 1, 15, 25);
	struct pt_scan_finding out[PT_SCAN_KIND_MAX];
	struct pt_flow f, kept[15];
	char dst[32];
	uint32_t n;

	(void)state;
	/* Runs: 14 ports on each of 8 victims, 24 victims on port 22; none counts after the slot changed hands. */
	for (uint32_t v = 1; v <= 8; v++)
		for (uint16_t p = 1; p <= 14; p++) {
			snprintf(dst, sizeof(dst), "10.244.2.%u", v);
			f = flow("10.244.1.5", 40000, dst, (uint16_t)(1000 + p), TCP);
			assert_int_equal(attempt_cid(s, &f, T0, "1:old", out), 0);
		}
	for (uint32_t v = 1; v <= 24; v++) {
		snprintf(dst, sizeof(dst), "10.244.3.%u", v);
		f = flow("10.244.1.5", 40000, dst, 22, TCP);
		assert_int_equal(attempt_cid(s, &f, T0, "1:old", out), 0);
	}
	evict_and_return(s, T0 + SEC);
	f = flow("10.244.1.5", 40000, "10.244.3.25", 22, TCP);
	assert_int_equal(attempt_of(s, &f, T0 + 2 * SEC, out), 0);
	for (uint32_t v = 1; v <= 8; v++) {
		snprintf(dst, sizeof(dst), "10.244.2.%u", v);
		f = flow("10.244.1.5", 40000, dst, 1015, TCP);
		assert_int_equal(attempt_of(s, &f, T0 + 2 * SEC, out), 0);
	}
	pt_scan_free(s);

	/* Listed attempts: the run found after the slot changed hands lists its own attempts only. */
	s = create(false, 1, 15, 25);
	for (uint16_t p = 1; p <= 14; p++) {
		f = flow("10.244.1.5", 40000, "10.244.2.1", p, TCP);
		assert_int_equal(attempt_cid(s, &f, T0, "1:old", out), 0);
	}
	evict_and_return(s, T0 + SEC);
	for (uint16_t p = 1; p <= 15; p++) {
		kept[p - 1] = flow("10.244.1.5", 40000, "10.244.2.1", p, TCP);
		n = attempt_of(s, &kept[p - 1], T0 + 2 * SEC + p, out);
		assert_int_equal(n, p == 15);
	}
	assert_int_equal(out[0].kind, PT_SCAN_VERTICAL);
	assert_int_equal(out[0].count, 15);
	assert_int_equal(out[0].failures, 15);
	assert_int_equal(out[0].first_ns, T0 + 2 * SEC + 1);
	assert_int_equal(out[0].n_flows, PT_SCAN_FLOWS_MAX);
	for (uint32_t i = 0; i < PT_SCAN_FLOWS_MAX; i++)
		assert_id_of(out[0].flows[i], &kept[7 + i]);
	pt_scan_free(s);

	/*
	 * The walk: one under way is forgotten, and so are the destinations contacted and the failed first contacts
	 * listed (6 here, numbered as the new walk's will be: a mark left set would list them).
	 */
	s = create(true, 1, 15, 25);
	for (uint32_t v = 1; v <= 12; v++) {
		struct pt_scan_attempt a = { .ip_version = 4, .transport = TCP, .port = 443, .failed = v % 2 == 1,
					     .ts_ns = T0 + v, .community_id = "1:old" };

		parse("10.244.1.5", a.src);
		snprintf(dst, sizeof(dst), "192.0.2.%u", v);
		parse(dst, a.dst);
		assert_int_equal(pt_scan_observe(s, &a, out), 0);      /* the ratio goes 4, 1, 4, 1...: no verdict */
	}
	evict_and_return(s, T0 + SEC);
	for (uint32_t v = 4; v <= 6; v++) {                     /* .4, then .1 and .2 again: first contacts anew */
		snprintf(dst, sizeof(dst), "192.0.2.%u", v == 4 ? 4 : v - 4);
		kept[v - 4] = flow("10.244.1.5", 40000, dst, 443, TCP);
		assert_int_equal(attempt_of(s, &kept[v - 4], T0 + 2 * SEC + v, out), 0);
	}
	kept[3] = flow("10.244.1.5", 40000, "192.0.2.3", 443, TCP);
	assert_int_equal(attempt_of(s, &kept[3], T0 + 3 * SEC, out), 1);
	assert_int_equal(out[0].kind, PT_SCAN_SLOW);
	assert_int_equal(out[0].count, 4);
	assert_int_equal(out[0].n_flows, 4);
	for (uint32_t i = 0; i < 4; i++)
		assert_id_of(out[0].flows[i], &kept[i]);
	pt_scan_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ids_are_the_counted_flows),
		cmocka_unit_test(test_ids_of_each_orientation_and_icmp),
		cmocka_unit_test(test_given_ids_and_flows_mix),
		cmocka_unit_test(test_reused_slot_starts_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
