/* SPDX-License-Identifier: BSD-3-Clause */
/* test_baseline.c - Unit tests for lib/baseline: learning, known edges, caps, bad keys, geo, closest, a stress. */
#include <errno.h>
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "baseline_test.h"

static void test_learning_boundary(void **state)
{
	struct pt_baseline *b = make(16, 16);
	struct pt_baseline_edge a = tls_to("a.example"), c = tls_to("c.example"), d = tls_to("d.example");
	struct pt_baseline_workload_info info;
	struct pt_baseline_stats st;

	(void)state;
	assert_false(pt_baseline_workload(b, "shop/Deployment/frontend", &info));
	assert_int_equal(pt_baseline_observe(b, "shop/Deployment/frontend", &a, 0, NULL, T0, &info),
			 PT_BASELINE_LEARNED);
	assert_int_equal(info.first_seen_ns, T0);
	assert_int_equal(info.learning_until_ns, T0 + PERIOD);
	assert_int_equal(info.edges, 1);
	assert_false(info.full);
	/* The last nanosecond of learning still learns; the first of detection only reports. */
	assert_int_equal(pt_baseline_observe(b, "shop/Deployment/frontend", &c, 0, NULL, T0 + PERIOD - 1, &info),
			 PT_BASELINE_LEARNED);
	assert_int_equal(pt_baseline_observe(b, "shop/Deployment/frontend", &d, 0, NULL, T0 + PERIOD, &info),
			 PT_BASELINE_NEW);
	assert_int_equal(info.edges, 2);
	assert_int_equal(pt_baseline_observe(b, "shop/Deployment/frontend", &d, 0, NULL, T0 + PERIOD + SEC, NULL),
			 PT_BASELINE_NEW);                                  /* reported, never added */
	assert_int_equal(pt_baseline_observe(b, "shop/Deployment/frontend", &a, 0, NULL, T0 + 2 * PERIOD, NULL),
			 PT_BASELINE_KNOWN);
	/* Another workload seen later learns from its own first flow. */
	assert_int_equal(pt_baseline_observe(b, "node/n1", &d, 0, NULL, T0 + PERIOD, &info), PT_BASELINE_LEARNED);
	assert_int_equal(info.learning_until_ns, T0 + 2 * PERIOD);
	pt_baseline_stats(b, &st);
	assert_int_equal(st.workloads, 2);
	assert_int_equal(st.edges, 3);
	assert_int_equal(st.learned, 3);
	assert_int_equal(st.edges_refused, 0);
	pt_baseline_free(b);
	pt_baseline_free(NULL);
}

static void test_known_edge_updates(void **state)
{
	struct pt_baseline *b = make(16, 16);
	struct pt_baseline_edge a = edge(PT_BASELINE_OUT, 6, 443, "tls", PT_PEER_EXTERNAL_IP, "203.0.113.7"), other;
	struct pt_baseline_edge_stats s;

	(void)state;
	assert_int_equal(pt_baseline_observe(b, "ip/10.244.1.5", &a, 0, "", T0 + 10 * SEC, NULL), PT_BASELINE_LEARNED);
	assert_true(edge_stats(b, "ip/10.244.1.5", &a, &s));
	assert_int_equal(s.count, 1);
	assert_int_equal(s.asn, 0);
	assert_string_equal(s.country, "");
	assert_int_equal(pt_baseline_observe(b, "ip/10.244.1.5", &a, 64500, "NL", T0 + 20 * SEC, NULL),
			 PT_BASELINE_KNOWN);
	/* An older flow (out of order) counts but does not move last_seen back; no AS or country keeps the last. */
	assert_int_equal(pt_baseline_observe(b, "ip/10.244.1.5", &a, 0, NULL, T0 + 15 * SEC, NULL), PT_BASELINE_KNOWN);
	assert_true(edge_stats(b, "ip/10.244.1.5", &a, &s));
	assert_int_equal(s.first_seen_ns, T0 + 10 * SEC);
	assert_int_equal(s.last_seen_ns, T0 + 20 * SEC);
	assert_int_equal(s.count, 3);
	assert_int_equal(s.asn, 64500);
	assert_string_equal(s.country, "NL");
	/* A different port, app or peer kind is another edge. */
	other = a;
	other.port = 8443;
	assert_false(edge_stats(b, "ip/10.244.1.5", &other, &s));
	assert_int_equal(pt_baseline_observe(b, "ip/10.244.1.5", &other, 0, NULL, T0 + 20 * SEC, NULL),
			 PT_BASELINE_LEARNED);
	other = a;
	other.peer_kind = PT_PEER_INTERNAL_IP;
	assert_int_equal(pt_baseline_observe(b, "ip/10.244.1.5", &other, 0, NULL, T0 + 20 * SEC, NULL),
			 PT_BASELINE_LEARNED);
	/* A '|' in a member is the same edge as its '_' (they share one text form). */
	other = edge(PT_BASELINE_OUT, 6, 443, "t|s", PT_PEER_DOMAIN, "x|y");
	assert_int_equal(pt_baseline_observe(b, "ip/10.244.1.5", &other, 0, NULL, T0, NULL), PT_BASELINE_LEARNED);
	other = edge(PT_BASELINE_OUT, 6, 443, "t_s", PT_PEER_DOMAIN, "x_y");
	assert_int_equal(pt_baseline_observe(b, "ip/10.244.1.5", &other, 0, NULL, T0, NULL), PT_BASELINE_KNOWN);
	pt_baseline_free(b);
}

static void test_full_at_max_edges(void **state)
{
	struct pt_baseline *b = make(16, 3);
	struct pt_baseline_edge e[5] = { tls_to("a"), tls_to("b"), tls_to("c"), tls_to("d"), tls_to("e") };
	struct pt_baseline_workload_info info;
	struct pt_baseline_stats st;

	(void)state;
	for (int i = 0; i < 3; i++)
		assert_int_equal(pt_baseline_observe(b, "net/corp", &e[i], 0, NULL, T0, &info), PT_BASELINE_LEARNED);
	assert_true(info.full);
	assert_int_equal(pt_baseline_observe(b, "net/corp", &e[3], 0, NULL, T0, &info), PT_BASELINE_FULL);
	assert_int_equal(pt_baseline_observe(b, "net/corp", &e[4], 0, NULL, T0, &info), PT_BASELINE_FULL);
	assert_int_equal(info.edges, 3);
	assert_true(info.full);
	assert_int_equal(pt_baseline_observe(b, "net/corp", &e[1], 0, NULL, T0, NULL), PT_BASELINE_KNOWN);
	/* After learning, an edge beyond the cap is NEW, not FULL. */
	assert_int_equal(pt_baseline_observe(b, "net/corp", &e[4], 0, NULL, T0 + PERIOD, NULL), PT_BASELINE_NEW);
	pt_baseline_stats(b, &st);
	assert_int_equal(st.edges, 3);
	assert_int_equal(st.edges_refused, 2);
	assert_int_equal(st.learned, 3);
	pt_baseline_free(b);
}

static void test_no_room_and_bad_keys(void **state)
{
	struct pt_baseline_config zero = { .learning_period_ns = PERIOD, .max_edges = 0, .max_workloads = 4 };
	struct pt_baseline *b = make(3, 4);
	struct pt_baseline_edge e = tls_to("a"), bad = tls_to("a");
	struct pt_baseline_stats st;
	char longest[PT_BASELINE_KEY_LEN], too_long[PT_BASELINE_KEY_LEN + 8];

	(void)state;
	assert_null(pt_baseline_create(&zero));
	zero.max_edges = 4;
	zero.max_workloads = 0;
	assert_null(pt_baseline_create(&zero));
	assert_null(pt_baseline_create(NULL));
	memset(longest, 'k', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	memset(too_long, 'k', sizeof(too_long) - 1);
	too_long[sizeof(too_long) - 1] = '\0';
	assert_int_equal(pt_baseline_observe(b, NULL, &e, 0, NULL, T0, NULL), PT_BASELINE_NO_ROOM);
	assert_int_equal(pt_baseline_observe(b, "", &e, 0, NULL, T0, NULL), PT_BASELINE_NO_ROOM);
	assert_int_equal(pt_baseline_observe(b, too_long, &e, 0, NULL, T0, NULL), PT_BASELINE_NO_ROOM);
	too_long[PT_BASELINE_KEY_LEN] = '\0';                      /* one byte over: refused */
	assert_int_equal(pt_baseline_observe(b, too_long, &e, 0, NULL, T0, NULL), PT_BASELINE_NO_ROOM);
	assert_int_equal(pt_baseline_observe(b, longest, &e, 0, NULL, T0, NULL), PT_BASELINE_LEARNED);
	assert_int_equal(pt_baseline_observe(b, "w/1", NULL, 0, NULL, T0, NULL), PT_BASELINE_NO_ROOM);
	bad.direction = PT_BASELINE_DIRECTION_MAX;
	assert_int_equal(pt_baseline_observe(b, "w/1", &bad, 0, NULL, T0, NULL), PT_BASELINE_NO_ROOM);
	bad = e;
	bad.peer_kind = PT_PEER_KIND_MAX;
	assert_int_equal(pt_baseline_observe(b, "w/1", &bad, 0, NULL, T0, NULL), PT_BASELINE_NO_ROOM);
	assert_false(pt_baseline_workload(b, "w/1", NULL));
	assert_int_equal(pt_baseline_observe(b, "w/1", &e, 0, NULL, T0, NULL), PT_BASELINE_LEARNED);
	assert_int_equal(pt_baseline_observe(b, "w/2", &e, 0, NULL, T0, NULL), PT_BASELINE_LEARNED);
	assert_int_equal(pt_baseline_observe(b, "w/3", &e, 0, NULL, T0, NULL), PT_BASELINE_NO_ROOM);
	assert_int_equal(pt_baseline_observe(b, "w/2", &e, 0, NULL, T0, NULL), PT_BASELINE_KNOWN);
	assert_int_equal(pt_baseline_merge_workload(b, "w/3", T0, T0 + PERIOD), -ENOSPC);
	assert_int_equal(pt_baseline_merge_edge(b, "w/3", &e, &(struct pt_baseline_edge_stats){ .count = 1 }), -ENOSPC);
	assert_int_equal(pt_baseline_relearn(b, "w/3", T0, T0 + PERIOD), -ENOSPC);
	assert_false(pt_baseline_workload(b, "w/3", NULL));
	assert_false(pt_baseline_workload(b, NULL, NULL));
	assert_false(pt_baseline_workload(b, too_long, NULL));
	pt_baseline_stats(b, &st);
	assert_int_equal(st.workloads, 3);
	assert_int_equal(st.workloads_refused, 11);
	assert_int_equal(st.edges, 3);
	pt_baseline_free(b);
}

static void test_countries_and_asns(void **state)
{
	struct pt_baseline *b = make(4, 1024);
	struct pt_baseline_workload_info info;
	char peer[32];

	(void)state;
	for (uint32_t i = 0; i < 300; i++) {
		struct pt_baseline_edge e;

		snprintf(peer, sizeof(peer), "198.51.%u.%u", i / 256, i % 256);
		e = edge(PT_BASELINE_OUT, 6, 443, "tls", PT_PEER_EXTERNAL_IP, peer);
		assert_int_equal(pt_baseline_observe(b, "shop/Deployment/api", &e, 64500 + i, i % 3 ? "US" : "DE",
						     T0 + i, &info), PT_BASELINE_LEARNED);
	}
	assert_int_equal(info.asns, 256);                               /* capped */
	assert_int_equal(info.countries, 2);
	assert_true(pt_baseline_knows_asn(b, "shop/Deployment/api", 64500));
	assert_true(pt_baseline_knows_asn(b, "shop/Deployment/api", 64500 + 255));
	assert_false(pt_baseline_knows_asn(b, "shop/Deployment/api", 64500 + 256));
	assert_false(pt_baseline_knows_asn(b, "shop/Deployment/api", 0));
	assert_true(pt_baseline_knows_country(b, "shop/Deployment/api", "DE"));
	assert_true(pt_baseline_knows_country(b, "shop/Deployment/api", "US"));
	assert_false(pt_baseline_knows_country(b, "shop/Deployment/api", "FR"));
	assert_false(pt_baseline_knows_country(b, "shop/Deployment/api", ""));
	assert_false(pt_baseline_knows_country(b, "shop/Deployment/api", NULL));
	assert_false(pt_baseline_knows_country(b, "other/Deployment/api", "DE"));
	assert_false(pt_baseline_knows_asn(b, "other/Deployment/api", 64500));
	/* A known edge's new country joins the set. */
	struct pt_baseline_edge first = edge(PT_BASELINE_OUT, 6, 443, "tls", PT_PEER_EXTERNAL_IP, "198.51.0.0");
	assert_int_equal(pt_baseline_observe(b, "shop/Deployment/api", &first, 0, "FR", T0 + PERIOD, &info),
			 PT_BASELINE_KNOWN);
	assert_int_equal(info.countries, 3);
	assert_true(pt_baseline_knows_country(b, "shop/Deployment/api", "FR"));
	/* A NEW edge in detection is not learned: its country stays unknown. */
	struct pt_baseline_edge fresh = edge(PT_BASELINE_OUT, 6, 443, "tls", PT_PEER_EXTERNAL_IP, "192.0.2.1");
	assert_int_equal(pt_baseline_observe(b, "shop/Deployment/api", &fresh, 64999, "JP", T0 + PERIOD, &info),
			 PT_BASELINE_NEW);
	assert_false(pt_baseline_knows_country(b, "shop/Deployment/api", "JP"));
	assert_false(pt_baseline_knows_asn(b, "shop/Deployment/api", 64999));
	pt_baseline_free(b);
}

static void test_closest(void **state)
{
	struct pt_baseline *b = make(4, 16);
	struct pt_baseline_edge a = tls_to("example.com"), other = tls_to("other.com"), out, q;
	struct pt_baseline_edge c = edge(PT_BASELINE_OUT, 6, 80, "http", PT_PEER_DOMAIN, "example.com");
	struct pt_baseline_edge d = edge(PT_BASELINE_OUT, 6, 9000, "", PT_PEER_DOMAIN, "example.com");
	struct pt_baseline_edge_stats s;
	char text[PT_BASELINE_EDGE_TEXT_LEN];

	(void)state;
	pt_baseline_observe(b, "w", &a, 0, NULL, T0 + 10, NULL);
	pt_baseline_observe(b, "w", &other, 0, NULL, T0, NULL);
	pt_baseline_observe(b, "w", &c, 0, NULL, T0 + 5, NULL);
	pt_baseline_observe(b, "w", &d, 0, NULL, T0 + 7, NULL);
	q = edge(PT_BASELINE_OUT, 6, 9000, "", PT_PEER_DOMAIN, "late.example");
	pt_baseline_observe(b, "w", &q, 0, NULL, T0 + 20, NULL);
	/* The same peer wins over the same port, even when edges on that port are older. */
	q = tls_to("late.example");
	assert_true(pt_baseline_closest(b, "w", &q, &out, &s));
	assert_string_equal(out.peer, "late.example");
	assert_int_equal(out.port, 9000);
	/* The same peer on another port: the earliest of its edges (port 80), even though port 443 exists too. */
	q = edge(PT_BASELINE_OUT, 6, 8443, "tls", PT_PEER_DOMAIN, "example.com");
	assert_true(pt_baseline_closest(b, "w", &q, &out, &s));
	pt_baseline_edge_format(&out, text, sizeof(text));
	assert_string_equal(text, "out|tcp|80|http|domain|example.com");
	assert_int_equal(s.first_seen_ns, T0 + 5);
	/* Another peer: the same direction, transport and port, earliest first (other.com before example.com). */
	q = tls_to("new.example");
	assert_true(pt_baseline_closest(b, "w", &q, &out, NULL));
	assert_string_equal(out.peer, "other.com");
	/* The peer kind is part of the peer; a peer kind out of range matches no peer (lib/detect relies on it). */
	q = edge(PT_BASELINE_OUT, 6, 22, "ssh", PT_PEER_EXTERNAL_IP, "example.com");
	assert_false(pt_baseline_closest(b, "w", &q, &out, &s));
	q = tls_to("example.com");
	q.peer_kind = PT_PEER_KIND_MAX;
	assert_true(pt_baseline_closest(b, "w", &q, NULL, &s));
	assert_int_equal(s.first_seen_ns, T0);
	/* Neither: another transport or direction. */
	q = edge(PT_BASELINE_OUT, 17, 443, "quic", PT_PEER_DOMAIN, "new.example");
	assert_false(pt_baseline_closest(b, "w", &q, &out, &s));
	q = edge(PT_BASELINE_IN, 6, 443, "tls", PT_PEER_WORKLOAD, "shop/Deployment/frontend");
	assert_false(pt_baseline_closest(b, "w", &q, &out, &s));
	assert_false(pt_baseline_closest(b, "nobody", &a, &out, &s));
	assert_false(pt_baseline_closest(b, "w", NULL, &out, &s));
	pt_baseline_free(b);
}

/* glibc's count of bytes in use (ASan's allocator reports none: the bound checks then pass trivially). */
static size_t heap_in_use(void)
{
	return mallinfo2().uordblks;
}

static void test_stress_caps(void **state)
{
	enum { WORKLOADS = 10000, CAP = 1000, EDGES = 4, MAX_EDGES = 6 };
	struct pt_baseline *b = make(CAP, MAX_EDGES);
	struct pt_baseline_stats st;
	uint32_t verdicts[5] = { 0 };
	size_t before = heap_in_use(), at_cap = 0;
	char key[64];

	(void)state;
	for (uint32_t w = 0; w < WORKLOADS; w++) {
		snprintf(key, sizeof(key), "ns%u/Deployment/app-%u", w % 97, w);
		for (uint32_t i = 0; i < EDGES; i++) {
			struct pt_baseline_edge e = edge(i & 1, 6, (uint16_t)(8000 + i), "http", PT_PEER_SERVICE, key);

			verdicts[pt_baseline_observe(b, key, &e, 0, NULL, T0 + w, NULL)]++;
		}
		if (w == CAP - 1)
			at_cap = heap_in_use();
	}
	assert_int_equal(verdicts[PT_BASELINE_LEARNED], CAP * EDGES);
	assert_int_equal(verdicts[PT_BASELINE_NO_ROOM], (WORKLOADS - CAP) * EDGES);
	/* Refused workloads allocate nothing: the heap did not grow after the cap was reached. */
	assert_true(heap_in_use() <= at_cap + 4096);
	/* Everything kept is within the caps: a generous 1 KB per edge and per workload. */
	assert_true(heap_in_use() - before <= (size_t)CAP * (MAX_EDGES + 1) * 1024 + 65536 * sizeof(void *));
	/* Fill the kept workloads up to max_edges, then beyond it. */
	for (uint32_t w = 0; w < CAP; w++) {
		snprintf(key, sizeof(key), "ns%u/Deployment/app-%u", w % 97, w);
		for (uint32_t i = EDGES; i < MAX_EDGES + 2; i++) {
			struct pt_baseline_edge e = edge(PT_BASELINE_OUT, 17, (uint16_t)i, "dns", PT_PEER_NETWORK, "n");

			verdicts[pt_baseline_observe(b, key, &e, 0, NULL, T0 + w, NULL)]++;
		}
		struct pt_baseline_edge known = edge(0, 6, 8000, "http", PT_PEER_SERVICE, key);
		assert_int_equal(pt_baseline_observe(b, key, &known, 0, NULL, T0 + PERIOD + w, NULL),
				 PT_BASELINE_KNOWN);
	}
	pt_baseline_stats(b, &st);
	assert_int_equal(st.workloads, CAP);
	assert_int_equal(st.edges, CAP * MAX_EDGES);
	assert_int_equal(st.learned, CAP * MAX_EDGES);
	assert_int_equal(st.edges_refused, CAP * 2);
	assert_int_equal(st.workloads_refused, (WORKLOADS - CAP) * EDGES);
	assert_int_equal(pt_baseline_take_dirty(b, 0, record_none, NULL), CAP * MAX_EDGES);
	assert_int_equal(pt_baseline_take_dirty(b, 0, record_none, NULL), 0);
	pt_baseline_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_learning_boundary),
		cmocka_unit_test(test_known_edge_updates),
		cmocka_unit_test(test_full_at_max_edges),
		cmocka_unit_test(test_no_room_and_bad_keys),
		cmocka_unit_test(test_countries_and_asns),
		cmocka_unit_test(test_closest),
		cmocka_unit_test(test_stress_caps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
