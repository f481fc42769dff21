/* SPDX-License-Identifier: BSD-3-Clause */
/* test_baseline_dirty.c - Unit tests for lib/baseline's changes: merges, forget, relearn, the FIFO of dirty edges. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "baseline_test.h"

static void test_take_dirty_order_max_once(void **state)
{
	struct pt_baseline *b = make(4, 16);
	struct pt_baseline_edge a = tls_to("a.example"), c = tls_to("c.example"), d = tls_to("d.example");
	struct rec r = { 0 };

	(void)state;
	pt_baseline_observe(b, "w/1", &a, 0, NULL, T0, NULL);
	pt_baseline_observe(b, "w/2", &c, 0, NULL, T0 + 1, NULL);
	pt_baseline_observe(b, "w/1", &d, 0, NULL, T0 + 2, NULL);
	pt_baseline_observe(b, "w/1", &a, 0, NULL, T0 + 3, NULL);         /* updated again: still once, still first */
	assert_int_equal(pt_baseline_take_dirty(b, 2, record, &r), 2);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.key[0], "w/1");
	assert_string_equal(r.text[0], "out|tcp|443|tls|domain|a.example");
	assert_true(r.new_edge[0]);                                     /* added (and updated) since the last take */
	assert_int_equal(r.stats[0].count, 2);
	assert_int_equal(r.stats[0].last_seen_ns, T0 + 3);
	assert_int_equal(r.info[0].edges, 2);
	assert_int_equal(r.info[0].learning_until_ns, T0 + PERIOD);
	assert_string_equal(r.key[1], "w/2");
	assert_string_equal(r.text[1], "out|tcp|443|tls|domain|c.example");
	assert_int_equal(pt_baseline_take_dirty(b, 0, record, &r), 1);
	assert_string_equal(r.text[2], "out|tcp|443|tls|domain|d.example");
	assert_int_equal(pt_baseline_take_dirty(b, 0, record, &r), 0);
	assert_int_equal(r.n, 3);
	/* An update after the take: dirty again, but not new; a NEW verdict makes nothing dirty. */
	pt_baseline_observe(b, "w/2", &c, 0, NULL, T0 + PERIOD, NULL);
	assert_int_equal(pt_baseline_observe(b, "w/2", &a, 0, NULL, T0 + 2 * PERIOD, NULL), PT_BASELINE_NEW);
	assert_int_equal(pt_baseline_take_dirty(b, 0, record, &r), 1);
	assert_string_equal(r.text[3], "out|tcp|443|tls|domain|c.example");
	assert_false(r.new_edge[3]);
	assert_int_equal(r.stats[3].count, 2);
	assert_int_equal(pt_baseline_take_dirty(b, 0, NULL, NULL), 0);
	pt_baseline_free(b);
}

static void test_merge_edge(void **state)
{
	struct pt_baseline *b = make(2, 3);
	struct pt_baseline_edge a = tls_to("a.example"), c = tls_to("c.example"), d = tls_to("d.example");
	struct pt_baseline_edge_stats s, in = { .first_seen_ns = T0 - 100 * SEC, .last_seen_ns = T0 - 50 * SEC,
						.count = 1, .asn = 64501, .country = "SE" };
	struct pt_baseline_workload_info info;
	struct pt_baseline_stats st;

	(void)state;
	/* Creates the workload, learning from the edge's first_seen. */
	assert_int_equal(pt_baseline_merge_edge(b, "w/1", &a, &in), 0);
	assert_true(pt_baseline_workload(b, "w/1", &info));
	assert_int_equal(info.first_seen_ns, T0 - 100 * SEC);
	assert_int_equal(info.learning_until_ns, T0 - 100 * SEC + PERIOD);
	assert_int_equal(info.asns, 1);
	assert_true(pt_baseline_knows_country(b, "w/1", "SE"));
	assert_int_equal(pt_baseline_take_dirty(b, 0, record_none, NULL), 0);          /* not dirty */
	/* An existing edge: earliest first_seen, latest last_seen, larger count, whichever side has them. */
	pt_baseline_observe(b, "w/1", &c, 0, NULL, T0, NULL);
	pt_baseline_observe(b, "w/1", &c, 0, NULL, T0 + 10 * SEC, NULL);
	in = (struct pt_baseline_edge_stats){ .first_seen_ns = T0 - SEC, .last_seen_ns = T0 + 5 * SEC, .count = 7 };
	assert_int_equal(pt_baseline_merge_edge(b, "w/1", &c, &in), 0);
	assert_true(edge_stats(b, "w/1", &c, &s));
	assert_int_equal(s.first_seen_ns, T0 - SEC);
	assert_int_equal(s.last_seen_ns, T0 + 10 * SEC);
	assert_int_equal(s.count, 7);
	in = (struct pt_baseline_edge_stats){ .first_seen_ns = T0 + SEC, .last_seen_ns = T0 + 20 * SEC, .count = 2 };
	assert_int_equal(pt_baseline_merge_edge(b, "w/1", &c, &in), 0);
	assert_true(edge_stats(b, "w/1", &c, &s));
	assert_int_equal(s.first_seen_ns, T0 - SEC);
	assert_int_equal(s.last_seen_ns, T0 + 20 * SEC);
	assert_int_equal(s.count, 7);
	/* The merges did not make c dirty again beyond its observe: it is handed out once, with the merged stats. */
	struct rec r = { 0 };
	assert_int_equal(pt_baseline_take_dirty(b, 0, record, &r), 1);
	assert_int_equal(r.stats[0].count, 7);
	/* Added whatever the mode (w/1 is detecting by now), up to max_edges. */
	in = (struct pt_baseline_edge_stats){ .first_seen_ns = T0, .last_seen_ns = T0, .count = 1 };
	assert_int_equal(pt_baseline_merge_edge(b, "w/1", &d, &in), 0);
	assert_int_equal(pt_baseline_observe(b, "w/1", &d, 0, NULL, T0 + 2 * PERIOD, NULL), PT_BASELINE_KNOWN);
	struct pt_baseline_edge e4 = tls_to("e.example");
	assert_int_equal(pt_baseline_merge_edge(b, "w/1", &e4, &in), -ENOSPC);
	assert_false(edge_stats(b, "w/1", &e4, &s));
	assert_int_equal(pt_baseline_merge_edge(b, "w/1", NULL, &in), -EINVAL);
	assert_int_equal(pt_baseline_merge_edge(b, "w/1", &a, NULL), -EINVAL);
	pt_baseline_stats(b, &st);
	assert_int_equal(st.merged, 4);
	assert_int_equal(st.learned, 1);
	assert_int_equal(st.edges, 3);
	assert_int_equal(st.edges_refused, 1);
	pt_baseline_free(b);
}

static void test_merge_workload(void **state)
{
	struct pt_baseline *b = make(2, 8);
	struct pt_baseline_edge a = tls_to("a.example");
	struct pt_baseline_workload_info info;

	(void)state;
	assert_int_equal(pt_baseline_merge_workload(b, "w/1", T0, T0 + 10 * SEC), 0);
	assert_true(pt_baseline_workload(b, "w/1", &info));
	assert_int_equal(info.first_seen_ns, T0);
	assert_int_equal(info.learning_until_ns, T0 + 10 * SEC);
	assert_int_equal(info.edges, 0);
	/* A later first_seen does not move it; learning_until is taken as given, even earlier. */
	assert_int_equal(pt_baseline_merge_workload(b, "w/1", T0 + SEC, T0 + 5 * SEC), 0);
	assert_true(pt_baseline_workload(b, "w/1", &info));
	assert_int_equal(info.first_seen_ns, T0);
	assert_int_equal(info.learning_until_ns, T0 + 5 * SEC);
	assert_int_equal(pt_baseline_observe(b, "w/1", &a, 0, NULL, T0 + 6 * SEC, NULL), PT_BASELINE_NEW);
	assert_int_equal(pt_baseline_merge_workload(b, "w/1", T0 - SEC, T0 + 100 * SEC), 0);
	assert_true(pt_baseline_workload(b, "w/1", &info));
	assert_int_equal(info.first_seen_ns, T0 - SEC);
	assert_int_equal(pt_baseline_observe(b, "w/1", &a, 0, NULL, T0 + 6 * SEC, NULL), PT_BASELINE_LEARNED);
	assert_int_equal(pt_baseline_merge_workload(b, "w/2", T0, T0), 0);
	assert_int_equal(pt_baseline_merge_workload(b, "w/3", T0, T0), -ENOSPC);
	assert_int_equal(pt_baseline_merge_workload(b, "", T0, T0), -ENOSPC);
	assert_int_equal(pt_baseline_take_dirty(b, 0, record_none, NULL), 1);           /* the observe only */
	pt_baseline_free(b);
}

static void test_forget(void **state)
{
	struct pt_baseline *b = make(4, 16);
	struct pt_baseline_edge a = tls_to("a.example"), c = tls_to("c.example"), d = tls_to("d.example");
	struct pt_baseline_workload_info info;
	struct pt_baseline_edge_stats s;
	struct pt_baseline_stats st;
	struct rec r = { 0 };

	(void)state;
	pt_baseline_observe(b, "w/1", &a, 0, NULL, T0, NULL);
	pt_baseline_observe(b, "w/2", &a, 0, NULL, T0, NULL);
	pt_baseline_observe(b, "w/1", &c, 64500, "DE", T0, NULL);
	pt_baseline_observe(b, "w/2", &c, 0, NULL, T0, NULL);
	pt_baseline_observe(b, "w/1", &d, 0, NULL, T0, NULL);
	/* One edge: gone from the baseline and from the dirty FIFO (w/1's c was in its middle). */
	assert_int_equal(pt_baseline_forget(b, "w/1", &c), 1);
	assert_int_equal(pt_baseline_forget(b, "w/1", &c), 0);
	assert_int_equal(pt_baseline_forget(b, "nobody", &c), 0);
	assert_false(edge_stats(b, "w/1", &c, &s));
	assert_true(pt_baseline_workload(b, "w/1", &info));
	assert_int_equal(info.edges, 2);
	assert_int_equal(pt_baseline_take_dirty(b, 1, record, &r), 1);
	assert_string_equal(r.key[0], "w/1");
	assert_string_equal(r.text[0], "out|tcp|443|tls|domain|a.example");
	/* All of w/2's edges: the FIFO goes on with w/1's d only. */
	assert_int_equal(pt_baseline_forget(b, "w/2", NULL), 2);
	assert_int_equal(pt_baseline_take_dirty(b, 0, record, &r), 1);
	assert_string_equal(r.key[1], "w/1");
	assert_string_equal(r.text[1], "out|tcp|443|tls|domain|d.example");
	assert_true(pt_baseline_workload(b, "w/2", &info));                       /* the workload stays, empty */
	assert_int_equal(info.edges, 0);
	assert_int_equal(pt_baseline_each_edge(b, "w/2", record, &r), 0);
	/* Forget all of w/1: its countries and AS numbers go with them; forgotten edges are NEW in detection. */
	assert_true(pt_baseline_knows_country(b, "w/1", "DE"));
	assert_int_equal(pt_baseline_forget(b, "w/1", NULL), 2);
	assert_false(pt_baseline_knows_country(b, "w/1", "DE"));
	assert_false(pt_baseline_knows_asn(b, "w/1", 64500));
	assert_int_equal(pt_baseline_observe(b, "w/1", &a, 0, NULL, T0 + PERIOD, NULL), PT_BASELINE_NEW);
	pt_baseline_stats(b, &st);
	assert_int_equal(st.edges, 0);
	assert_int_equal(st.forgotten, 5);
	assert_int_equal(st.workloads, 2);
	assert_int_equal(pt_baseline_take_dirty(b, 0, record, &r), 0);
	pt_baseline_free(b);
}

static void test_relearn(void **state)
{
	struct pt_baseline *b = make(4, 16);
	struct pt_baseline_edge a = tls_to("a.example"), c = tls_to("c.example");
	struct pt_baseline_workload_info info;
	struct pt_baseline_stats st;

	(void)state;
	pt_baseline_observe(b, "w/1", &a, 64500, "DE", T0, NULL);
	pt_baseline_observe(b, "w/1", &c, 0, NULL, T0, NULL);
	assert_int_equal(pt_baseline_observe(b, "w/1", &c, 0, NULL, T0 + PERIOD, NULL), PT_BASELINE_KNOWN);
	assert_int_equal(pt_baseline_relearn(b, "w/1", T0 + 2 * PERIOD, T0 + 2 * PERIOD + 60 * SEC), 0);
	assert_true(pt_baseline_workload(b, "w/1", &info));
	assert_int_equal(info.edges, 0);
	assert_int_equal(info.countries, 0);
	assert_int_equal(info.asns, 0);
	assert_int_equal(info.first_seen_ns, T0 + 2 * PERIOD);
	assert_int_equal(info.learning_until_ns, T0 + 2 * PERIOD + 60 * SEC);
	assert_int_equal(pt_baseline_take_dirty(b, 0, record_none, NULL), 0);           /* dropped with the edges */
	assert_int_equal(pt_baseline_observe(b, "w/1", &c, 0, NULL, T0 + 2 * PERIOD + 59 * SEC, NULL),
			 PT_BASELINE_LEARNED);
	assert_int_equal(pt_baseline_observe(b, "w/1", &a, 0, NULL, T0 + 2 * PERIOD + 60 * SEC, NULL),
			 PT_BASELINE_NEW);
	/* A workload without a baseline is created by relearn. */
	assert_int_equal(pt_baseline_relearn(b, "w/9", T0, T0 + SEC), 0);
	assert_true(pt_baseline_workload(b, "w/9", &info));
	assert_int_equal(info.learning_until_ns, T0 + SEC);
	pt_baseline_stats(b, &st);
	assert_int_equal(st.forgotten, 2);
	assert_int_equal(st.edges, 1);
	assert_int_equal(st.workloads, 2);
	pt_baseline_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_take_dirty_order_max_once),
		cmocka_unit_test(test_merge_edge),
		cmocka_unit_test(test_merge_workload),
		cmocka_unit_test(test_forget),
		cmocka_unit_test(test_relearn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
