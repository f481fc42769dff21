/* SPDX-License-Identifier: BSD-3-Clause */
/* test_engine.c - Unit tests of the detections over flow records: learning, novelty, severity, scans, loss. */
#include "engine_test.h"

/* Learned edges raise nothing; after learning, a new internal peer port is lateral movement with its evidence. */
static void test_learn_then_lateral(void **state)
{
	struct fixture f;

	(void)state;
	start(&f, NULL);
	feed(&f, record("10.244.1.10", "10.244.2.20", 6, 5432, true, T0, f.frontend, f.db), NULL);
	feed(&f, record("10.244.1.10", "10.244.2.20", 6, 5432, true, T0 + 20 * SEC, f.frontend, f.db), NULL);
	assert_int_equal(f.seen.n, 0);
	feed(&f, record("10.244.1.10", "10.244.2.20", 6, 22, true, T0 + 21 * SEC, f.frontend, f.db), NULL);
	assert_int_equal(f.seen.n, 1);
	assert_string_equal(f.seen.got[0].rule->id, "podtap.detect.lateral_movement");
	assert_int_equal(f.seen.got[0].severity, 70);     /* 50 + sensitive port 22 */
	assert_int_equal(f.seen.got[0].ts_ns, T0 + 21 * SEC);
	assert_string_equal(evidence(&f.seen.got[0], "baseline_key"), "shop/Deployment/frontend");
	assert_string_equal(evidence(&f.seen.got[0], "edge"), "out|tcp|22||workload|shop/StatefulSet/db");
	assert_string_equal(evidence(&f.seen.got[0], "closest_edge"), "out|tcp|5432||workload|shop/StatefulSet/db");
	assert_string_equal(evidence(&f.seen.got[0], "baseline_edges"), "1");
	assert_string_equal(evidence(&f.seen.got[0], "baseline_age_s"), "21");
	assert_string_equal(f.seen.got[0].dedup_key, "shop/StatefulSet/db:22");
	stop(&f);
}

/* Failed attempts are neither learned nor novelties (they are scan evidence). */
static void test_failed_attempts_not_novel(void **state)
{
	struct fixture f;
	struct pt_detect_engine_stats st;

	(void)state;
	start(&f, NULL);
	feed(&f, record("10.244.1.10", "10.244.2.20", 17, 53, true, T0, f.frontend, f.db), NULL);
	feed(&f, record("10.244.1.10", "10.244.2.20", 6, 23, false, T0 + 1 * SEC, f.frontend, f.db), NULL);
	feed(&f, record("10.244.1.10", "10.244.2.20", 6, 23, false, T0 + 30 * SEC, f.frontend, f.db), NULL);
	assert_int_equal(f.seen.n, 0);
	pt_detect_engine_stats(f.e, &st);
	assert_int_equal(st.baseline.learned, 2);         /* out on frontend, in on db: the answered flow only */
	assert_int_equal(st.scan_attempts, 3);
	stop(&f);
}

/* External peers: by registered domain, else the raw address, which is more severe. */
static void test_new_external(void **state)
{
	struct fixture f;

	(void)state;
	start(&f, NULL);
	feed(&f, record("10.244.1.10", "198.51.100.10", 6, 443, true, T0, f.frontend, NULL), "api.example.com");
	feed(&f, record("10.244.1.10", "198.51.100.11", 6, 443, true, T0 + 20 * SEC, f.frontend, NULL), "www.example.com");
	assert_int_equal(f.seen.n, 0);                    /* another name of a learned registered domain */
	feed(&f, record("10.244.1.10", "198.51.100.20", 6, 443, true, T0 + 21 * SEC, f.frontend, NULL), "new.example.net");
	feed(&f, record("10.244.1.10", "203.0.113.30", 6, 443, true, T0 + 22 * SEC, f.frontend, NULL), NULL);
	feed(&f, record("10.244.1.10", "203.0.113.31", 6, 4444, true, T0 + 23 * SEC, f.frontend, NULL), NULL);
	assert_int_equal(f.seen.n, 3);
	for (int i = 0; i < 3; i++)
		assert_string_equal(f.seen.got[i].rule->id, "podtap.detect.new_external_destination");
	assert_string_equal(evidence(&f.seen.got[0], "edge"), "out|tcp|443||domain|example.net");
	assert_int_equal(f.seen.got[0].severity, 40);
	assert_string_equal(evidence(&f.seen.got[1], "edge"), "out|tcp|443||external_ip|203.0.113.30");
	assert_int_equal(f.seen.got[1].severity, 55);     /* + raw IP */
	assert_int_equal(f.seen.got[2].severity, 65);     /* + raw IP + non-standard port */
	stop(&f);
}

/* The cloud metadata address is lateral movement of severity 90 or more. */
static void test_metadata_address(void **state)
{
	struct fixture f;

	(void)state;
	start(&f, NULL);
	feed(&f, record("10.244.1.10", "10.244.2.20", 17, 53, true, T0, f.frontend, f.db), NULL);
	feed(&f, record("10.244.1.10", "169.254.169.254", 6, 80, true, T0 + 20 * SEC, f.frontend, NULL), NULL);
	assert_int_equal(f.seen.n, 1);
	assert_string_equal(f.seen.got[0].rule->id, "podtap.detect.lateral_movement");
	assert_true(f.seen.got[0].severity >= 90);
	assert_string_equal(evidence(&f.seen.got[0], "edge"), "out|tcp|80||internal_ip|169.254.169.254");
	stop(&f);
}

/* 15 failed ports on one host: a vertical scan naming the source; an exempt source raises nothing. */
static void test_vertical_scan_and_exemption(void **state)
{
	struct fixture f;
	struct pt_detect_engine_stats st;

	(void)state;
	start(&f, NULL);
	for (uint16_t p = 1; p <= 15; p++) {
		feed(&f, record("10.244.1.10", "10.244.2.20", 6, p, false, T0 + p * SEC / 10, f.frontend, f.db), NULL);
		feed(&f, record("10.244.4.10", "10.244.2.20", 6, p, false, T0 + p * SEC / 10, f.prometheus, f.db), NULL);
	}
	assert_true(f.seen.n >= 1);
	for (uint32_t i = 0; i < f.seen.n; i++) {
		assert_int_equal(f.seen.got[i].rule->category, PT_ALERT_SCAN);
		assert_ptr_equal(f.seen.got[i].flow.flow.key.addr[0][3], 10);   /* 10.244.1.10, never prometheus */
		assert_int_equal(f.seen.got[i].flow.flow.key.addr[0][2], 1);
	}
	assert_string_equal(f.seen.got[f.seen.n - 1].rule->id, "podtap.detect.scan.vertical");
	assert_string_equal(evidence(&f.seen.got[f.seen.n - 1], "victim"), "10.244.2.20");
	assert_string_equal(evidence(&f.seen.got[f.seen.n - 1], "baseline_key"), "shop/Deployment/frontend");
	assert_true(f.seen.got[f.seen.n - 1].n_flows >= 1);
	pt_detect_engine_stats(f.e, &st);
	assert_int_equal(st.scan_exempt, 15);
	stop(&f);
}

static void no_trw(struct pt_config *cfg)
{
	cfg->detect.scan.trw = false;
}

/* After capture loss, a scan verdict becomes a sensor_health alert instead. */
static void test_loss_holdoff(void **state)
{
	struct fixture f;
	struct pt_detect_engine_stats st;

	(void)state;
	start(&f, no_trw);
	pt_detect_engine_capture_loss(f.e, T0);
	for (uint16_t p = 1; p <= 15; p++)
		feed(&f, record("10.244.1.10", "10.244.2.20", 6, p, false, T0 + p * SEC, f.frontend, f.db), NULL);
	assert_int_equal(f.seen.n, 1);
	assert_string_equal(f.seen.got[0].rule->id, "podtap.health.scan_suppressed");
	assert_int_equal(f.seen.got[0].rule->category, PT_ALERT_SENSOR_HEALTH);
	pt_detect_engine_stats(f.e, &st);
	assert_int_equal(st.scan_suppressed, 1);
	/* Past the hold-off (60 s), verdicts come back. */
	for (uint16_t p = 1; p <= 15; p++)
		feed(&f, record("10.244.1.10", "10.244.2.21", 6, p, false, T0 + 100 * SEC + p, f.frontend, NULL), NULL);
	assert_int_equal(f.seen.n, 2);
	assert_string_equal(f.seen.got[1].rule->id, "podtap.detect.scan.vertical");
	stop(&f);
}

static void small_baseline(struct pt_config *cfg)
{
	cfg->baseline.max_edges = 16;
}

/* A workload at baseline.max_edges learns no more and says so. */
static void test_baseline_full(void **state)
{
	struct fixture f;
	struct pt_detect_engine_stats st;

	(void)state;
	start(&f, small_baseline);
	for (uint16_t p = 1; p <= 17; p++)
		feed(&f, record("10.244.1.10", "10.244.2.20", 17, (uint16_t)(1000 + p), true, T0 + p, f.frontend, f.db),
		     NULL);
	assert_true(f.seen.n >= 1);
	assert_string_equal(f.seen.got[0].rule->id, "podtap.health.baseline_full");
	assert_string_equal(evidence(&f.seen.got[0], "max_edges"), "16");
	pt_detect_engine_stats(f.e, &st);
	assert_true(st.baseline.edges_refused >= 1);
	stop(&f);
}

/* A long flow is checked at its first interim record, not again at its end. */
static void test_checked_once(void **state)
{
	struct fixture f;
	struct pt_flow_record r;
	struct pt_detect_engine_stats st;

	(void)state;
	start(&f, NULL);
	feed(&f, record("10.244.1.10", "10.244.2.20", 17, 53, true, T0, f.frontend, f.db), NULL);
	r = record("10.244.1.10", "10.244.2.20", 6, 3306, true, T0 + 20 * SEC, f.frontend, f.db);
	r.event = PT_FLOW_EVENT_UPDATE;
	feed(&f, r, NULL);
	r.event = PT_FLOW_EVENT_END_CLOSED;
	r.flow.tcp_seen[0] |= PT_FLOW_UPDATE_SENT;       /* the interim record went out */
	feed(&f, r, NULL);
	assert_int_equal(f.seen.n, 1);
	pt_detect_engine_stats(f.e, &st);
	assert_int_equal(st.edges_new, 1);
	stop(&f);
}

/* An edge known with an application protocol is the same edge when nDPI left a later flow unclassified. */
static void test_unclassified_is_known(void **state)
{
	struct fixture f;
	struct pt_flow_record r;

	(void)state;
	start(&f, NULL);
	r = record("10.244.1.10", "10.244.2.20", 6, 8080, true, T0, f.frontend, f.db);
	r.has_dpi = true;
	snprintf(r.dpi.protocol, sizeof(r.dpi.protocol), "http");
	feed(&f, r, NULL);
	r = record("10.244.1.10", "10.244.2.20", 6, 8080, true, T0 + 20 * SEC, f.frontend, f.db);
	feed(&f, r, NULL);
	assert_int_equal(f.seen.n, 0);
	r.has_dpi = true;
	snprintf(r.dpi.protocol, sizeof(r.dpi.protocol), "ssh");
	feed(&f, r, NULL);
	assert_int_equal(f.seen.n, 1);                    /* another protocol on the port is new */
	assert_string_equal(evidence(&f.seen.got[0], "edge"), "out|tcp|8080|ssh|workload|shop/StatefulSet/db");
	stop(&f);
}

/* Flows whose originator is unsure (TCP without its SYN, UDP from a well-known port) are neither edges nor attempts. */
static void test_unsure_orientation(void **state)
{
	struct fixture f;
	struct pt_flow_record r;
	struct pt_detect_engine_stats st;

	(void)state;
	start(&f, NULL);
	feed(&f, record("10.244.1.10", "10.244.2.20", 17, 53, true, T0, f.frontend, f.db), NULL);
	for (uint16_t i = 0; i < 20; i++) {
		r = record("10.244.2.20", "10.244.1.10", 6, (uint16_t)(50000 + i), true, T0 + 20 * SEC + i, f.db, f.frontend);
		r.flow.tcp_seen[0] = PT_FLOW_TCP_ACK | PT_FLOW_TCP_DATA;          /* picked up midstream */
		feed(&f, r, NULL);
		r = record("10.244.2.20", "10.244.1.10", 17, (uint16_t)(40000 + i), false, T0 + 20 * SEC + i, f.db,
			   f.frontend);
		r.flow.key.port[0] = 53;                                        /* a reply whose query was missed */
		feed(&f, r, NULL);
	}
	assert_int_equal(f.seen.n, 0);
	pt_detect_engine_stats(f.e, &st);
	assert_int_equal(st.scan_attempts, 1);
	stop(&f);
}

/* Fan-out counts distinct new peers: many flows to one new peer are one. */
static void test_fanout_counts_peers(void **state)
{
	struct fixture f;
	char dst[32];

	(void)state;
	start(&f, NULL);
	feed(&f, record("10.244.1.10", "10.244.2.20", 17, 53, true, T0, f.frontend, f.db), NULL);
	for (int i = 0; i < 10; i++)
		feed(&f, record("10.244.1.10", "10.244.3.1", 17, 7070, true, T0 + 20 * SEC + i, f.frontend, NULL), NULL);
	assert_int_equal(f.seen.n, 10);
	assert_string_equal(evidence(&f.seen.got[9], "fanout_peers"), "1");
	for (int i = 2; i <= 10; i++) {
		snprintf(dst, sizeof(dst), "10.244.3.%d", i);
		feed(&f, record("10.244.1.10", dst, 17, 7070, true, T0 + 40 * SEC - i, f.frontend, NULL), NULL);
	}
	assert_int_equal(f.seen.n, 19);
	assert_string_equal(evidence(&f.seen.got[18], "fanout_peers"), "10");
	assert_int_equal(f.seen.got[18].severity, 65);    /* 50 + fan-out */
	assert_int_equal(f.seen.got[17].severity, 50);
	stop(&f);
}

/* Names: an HTTP Host with a port is its host; an address literal is no name; ICMP has no non-standard port. */
static void test_names_and_icmp(void **state)
{
	struct fixture f;
	struct pt_flow_record r;

	(void)state;
	start(&f, NULL);
	feed(&f, record("10.244.1.10", "10.244.2.20", 17, 53, true, T0, f.frontend, f.db), NULL);
	r = record("10.244.1.10", "203.0.113.67", 6, 8080, true, T0 + 20 * SEC, f.frontend, NULL);
	r.has_dpi = true;
	r.dpi.kind = PT_DPI_KIND_HTTP;
	snprintf(r.dpi.protocol, sizeof(r.dpi.protocol), "http");
	snprintf(r.dpi.server_name, sizeof(r.dpi.server_name), "203.0.113.67:8080");
	feed(&f, r, NULL);
	snprintf(r.dpi.server_name, sizeof(r.dpi.server_name), "WWW.Example.COM:8080");
	feed(&f, r, NULL);
	snprintf(r.dpi.server_name, sizeof(r.dpi.server_name), "[2001:db8::1]:8080");
	feed(&f, r, "cdn.example.org");
	feed(&f, record("10.244.1.10", "203.0.113.68", 1, 0, true, T0 + 21 * SEC, f.frontend, NULL), NULL);
	assert_int_equal(f.seen.n, 4);
	assert_string_equal(evidence(&f.seen.got[0], "edge"), "out|tcp|8080|http|external_ip|203.0.113.67");
	assert_string_equal(evidence(&f.seen.got[1], "edge"), "out|tcp|8080|http|domain|example.com");
	assert_string_equal(evidence(&f.seen.got[1], "name_source"), "http_host");
	assert_string_equal(evidence(&f.seen.got[2], "edge"), "out|tcp|8080|http|domain|example.org");
	assert_string_equal(evidence(&f.seen.got[2], "name_source"), "dns");
	assert_string_equal(evidence(&f.seen.got[3], "edge"), "out|icmp|8||external_ip|203.0.113.68");
	assert_string_equal(evidence(&f.seen.got[3], "nonstandard_port"), "0");
	stop(&f);
}

/* Inbound edges from the Internet are not kept: a public service's clients do not fill its baseline. */
static void test_external_clients_not_learned(void **state)
{
	struct fixture f;
	struct pt_detect_engine_stats st;
	char src[32];

	(void)state;
	start(&f, NULL);
	for (int i = 0; i < 50; i++) {
		snprintf(src, sizeof(src), "198.51.100.%d", i + 1);
		struct pt_flow_record r = record(src, "10.244.1.10", 6, 443, true, T0 + i, NULL, f.frontend);

		r.orig_scope = PT_SCOPE_EXTERNAL;
		r.resp_scope = PT_SCOPE_POD;
		feed(&f, r, NULL);
	}
	pt_detect_engine_stats(f.e, &st);
	assert_int_equal(st.baseline.learned, 0);
	assert_int_equal(f.seen.n, 0);
	stop(&f);
}

/* Attempts that were open when the capture lost packets do not count toward scans. */
static void test_lossy_attempts_not_counted(void **state)
{
	struct fixture f;
	struct pt_detect_engine_stats st;

	(void)state;
	start(&f, no_trw);
	pt_detect_engine_capture_loss(f.e, T0 + 10 * SEC);
	for (uint16_t p = 1; p <= 14; p++)
		feed(&f, record("10.244.1.10", "10.244.2.20", 6, p, false, T0 + 9 * SEC, f.frontend, f.db), NULL);
	pt_detect_engine_stats(f.e, &st);
	assert_int_equal(st.scan_lossy, 14);
	/* After the hold-off, one more failure is one, not fifteen. */
	feed(&f, record("10.244.1.10", "10.244.2.20", 6, 15, false, T0 + 100 * SEC, f.frontend, f.db), NULL);
	assert_int_equal(f.seen.n, 0);
	stop(&f);
}

static void no_learning(struct pt_config *cfg)
{
	cfg->baseline.learning_period_ns = 0;
}

/* baseline.learning_period=0: nothing is learned, every edge is new, whatever order records arrive in. */
static void test_no_learning_period(void **state)
{
	struct fixture f;
	struct pt_detect_engine_stats st;

	(void)state;
	start(&f, no_learning);
	feed(&f, record("10.244.1.10", "10.244.2.20", 17, 53, true, T0 + 5 * SEC, f.frontend, f.db), NULL);
	feed(&f, record("10.244.1.10", "10.244.2.20", 17, 123, true, T0, f.frontend, f.db), NULL);
	pt_detect_engine_stats(f.e, &st);
	assert_int_equal(st.baseline.learned, 0);
	assert_int_equal(f.seen.n, 2);
	stop(&f);
}

/* A bad exemption list is a one-line error at create. */
static void test_bad_exempt_labels(void **state)
{
	struct pt_config cfg;
	char err[256] = "";

	(void)state;
	pt_config_default(&cfg);
	snprintf(cfg.detect.scan.exempt_labels, sizeof(cfg.detect.scan.exempt_labels), "app=prometheus,oops");
	assert_null(pt_detect_engine_create(&cfg, err, sizeof(err)));
	assert_non_null(strstr(err, "detect.scan.exempt_labels"));
	assert_non_null(strstr(err, "oops"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_learn_then_lateral),
		cmocka_unit_test(test_failed_attempts_not_novel),
		cmocka_unit_test(test_new_external),
		cmocka_unit_test(test_metadata_address),
		cmocka_unit_test(test_vertical_scan_and_exemption),
		cmocka_unit_test(test_loss_holdoff),
		cmocka_unit_test(test_baseline_full),
		cmocka_unit_test(test_checked_once),
		cmocka_unit_test(test_unclassified_is_known),
		cmocka_unit_test(test_unsure_orientation),
		cmocka_unit_test(test_fanout_counts_peers),
		cmocka_unit_test(test_names_and_icmp),
		cmocka_unit_test(test_external_clients_not_learned),
		cmocka_unit_test(test_lossy_attempts_not_counted),
		cmocka_unit_test(test_no_learning_period),
		cmocka_unit_test(test_bad_exempt_labels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
