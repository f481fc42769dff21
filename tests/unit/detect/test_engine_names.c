/* SPDX-License-Identifier: BSD-3-Clause */
/* test_engine_names.c - Unit tests of what the engine's alerts name: a scan's source and flows, each side's key and peer. */
#include "engine_test.h"

/* @p r keyed as the flow table keys it: the lower (address, port) is side 0, the originator side 1 otherwise. */
static struct pt_flow_record oriented(struct pt_flow_record r, uint16_t sport)
{
	struct pt_flow *f = &r.flow;
	uint8_t a[16], b[16];
	uint16_t pa = sport, pb = f->key.port[1];
	int c;

	memcpy(a, f->key.addr[0], 16);
	memcpy(b, f->key.addr[1], 16);
	c = memcmp(a, b, 16);
	f->orig_side = c < 0 || (c == 0 && pa <= pb) ? 0 : 1;
	memcpy(f->key.addr[f->orig_side], a, 16);
	memcpy(f->key.addr[!f->orig_side], b, 16);
	f->key.port[f->orig_side] = pa;
	f->key.port[!f->orig_side] = pb;
	return r;
}

static void assert_id_of(const char *listed, const struct pt_flow_record *r)
{
	char want[PT_FLOW_COMMUNITY_ID_LEN];

	assert_string_equal(listed, pt_flow_community_id(&r->flow, 0, want));
}

static void no_trw(struct pt_config *cfg)
{
	cfg->detect.scan.trw = false;
}

/*
 * An external scanner (key side 1 of every flow): its alert names it by address, has no baseline key, and lists
 * the community ids of the last 8 flows it counted, oldest first; not a repeated port, nor another victim's flow.
 */
static void test_scan_alert_lists_the_counted_flows(void **state)
{
	struct fixture f;
	struct pt_flow_record r[15], other;

	(void)state;
	start(&f, no_trw);
	for (uint16_t p = 0; p < 15; p++) {
		r[p] = oriented(record("198.51.100.7", "10.244.2.20", 6, (uint16_t)(100 + p), false, T0 + p * SEC, NULL,
				       f.db), (uint16_t)(40000 + p));
		r[p].orig_scope = PT_SCOPE_EXTERNAL;
		assert_int_equal(r[p].flow.orig_side, 1);
		if (p == 10) {
			other = oriented(record("198.51.100.7", "10.244.2.21", 6, 100, false, T0 + p * SEC, NULL, NULL),
					 41000);
			other.orig_scope = PT_SCOPE_EXTERNAL;
			feed(&f, other, NULL);
			other = oriented(record("198.51.100.7", "10.244.2.20", 6, 100, false, T0 + p * SEC, NULL, f.db),
					 41001);
			other.orig_scope = PT_SCOPE_EXTERNAL;
			feed(&f, other, NULL);                          /* port 100 again */
		}
		feed(&f, r[p], NULL);
		assert_int_equal(f.seen.n, p == 14);
	}
	assert_string_equal(f.seen.got[0].rule->id, "podtap.detect.scan.vertical");
	assert_string_equal(f.seen.got[0].message, "no workload (198.51.100.7) scanned: 15 failed distinct ports of "
			    "10.244.2.20 (threshold 15)");
	assert_null(evidence(&f.seen.got[0], "baseline_key"));
	assert_string_equal(f.seen.got[0].dedup_key, "10.244.2.20");
	assert_int_equal(f.seen.got[0].n_flows, 8);
	for (uint32_t i = 0; i < 8; i++)
		assert_id_of(f.seen.got[0].flows[i], &r[7 + i]);
	stop(&f);
}

static void four_hosts(struct pt_config *cfg)
{
	cfg->detect.scan.horizontal_hosts = 4;
}

/* An ICMP echo sweep by a pod: horizontal and slow at the 4th host, both listing the 4 flows; the pod by its key. */
static void test_icmp_sweep_lists_its_flows(void **state)
{
	struct fixture f;
	const char *dst[4] = { "10.244.7.1", "10.244.1.2", "10.244.7.3", "10.244.1.4" };   /* above, below the pod */
	struct pt_flow_record r[4];

	(void)state;
	start(&f, four_hosts);
	for (int i = 0; i < 4; i++) {
		r[i] = record("10.244.3.3", dst[i], 1, 0, false, T0 + i, f.frontend, NULL);
		r[i].flow.key.port[1] = 0;                                  /* echo request: (type 8, counterpart 0) */
		r[i] = oriented(r[i], 8);
		feed(&f, r[i], NULL);
	}
	assert_int_equal(r[0].flow.orig_side, 0);
	assert_int_equal(r[1].flow.orig_side, 1);
	assert_int_equal(f.seen.n, 2);
	assert_string_equal(f.seen.got[0].rule->id, "podtap.detect.scan.horizontal");
	assert_string_equal(f.seen.got[1].rule->id, "podtap.detect.scan.slow");
	for (int k = 0; k < 2; k++) {
		assert_string_equal(evidence(&f.seen.got[k], "baseline_key"), "shop/Deployment/frontend");
		assert_int_equal(f.seen.got[k].n_flows, 4);
		for (int i = 0; i < 4; i++)
			assert_id_of(f.seen.got[k].flows[i], &r[i]);
	}
	assert_non_null(strstr(f.seen.got[0].message, "shop/Deployment/frontend (10.244.3.3) scanned: 4 failed "
					  "hosts on icmp/8@10.244.0.0/21"));
	stop(&f);
}

static void no_learning(struct pt_config *cfg)
{
	cfg->baseline.learning_period_ns = 0;
}

static struct pt_workload *workload(const char *json)
{
	char err[128];
	struct pt_workload *w = pt_workload_parse(json, strlen(json), err, sizeof(err));

	assert_non_null(w);
	return w;
}

/* An answered flow @p src -> @p dst:@p port between @p ws (matched by @p ms) and @p wd (by @p md): its one alert. */
static const struct pt_alert *edge_alert(struct fixture *f, const char *src, struct pt_workload *ws, uint8_t ms,
					 const char *dst, struct pt_workload *wd, uint8_t md, uint8_t resp_scope,
					 uint16_t port)
{
	struct pt_flow_record r = record(src, dst, 6, port, true, T0 + f->seen.n, ws, wd);
	uint32_t n = f->seen.n;

	r.workload_match[0] = ws != NULL ? ms : PT_WORKLOAD_MATCH_NONE;
	r.workload_match[1] = wd != NULL ? md : PT_WORKLOAD_MATCH_NONE;
	r.orig_scope = ws != NULL && ws->kind == PT_WORKLOAD_NODE ? PT_SCOPE_NODE : PT_SCOPE_POD;
	r.resp_scope = resp_scope;
	feed(f, r, NULL);
	assert_int_equal(f->seen.n, n + 1);
	return &f->seen.got[n];
}

/* Each kind of side by its baseline key (the originator) and its peer name (the responder). */
static void test_side_keys_and_peers(void **state)
{
	const uint8_t A = PT_WORKLOAD_MATCH_ADDRESS, N = PT_WORKLOAD_MATCH_NETWORK;
	struct pt_workload *node = workload("{\"kind\":\"node\",\"node\":\"node-a\"}");
	struct pt_workload *svc = workload("{\"kind\":\"service\",\"namespace\":\"kube-system\","
					   "\"workload\":\"kube-dns\"}");
	struct pt_workload *net = workload("{\"kind\":\"node\",\"node\":\"corp-vpn\",\"workload\":\"corp-net\"}");
	struct pt_workload *vpn = workload("{\"kind\":\"node\",\"node\":\"corp-vpn\"}");
	struct pt_workload *bare = workload("{\"kind\":\"pod\",\"namespace\":\"jobs\",\"pod\":\"once-x1\"}");
	const struct pt_alert *a;
	struct fixture f;

	(void)state;
	start(&f, no_learning);
	a = edge_alert(&f, "10.244.1.10", f.frontend, A, "10.0.0.5", node, A, PT_SCOPE_NODE, 10250);
	assert_string_equal(evidence(a, "baseline_key"), "shop/Deployment/frontend");
	assert_string_equal(evidence(a, "edge"), "out|tcp|10250||node|node-a");
	a = edge_alert(&f, "10.244.1.10", f.frontend, A, "10.96.0.10", svc, A, PT_SCOPE_SERVICE, 53);
	assert_string_equal(evidence(a, "edge"), "out|tcp|53||service|kube-system/kube-dns");
	a = edge_alert(&f, "10.244.1.10", f.frontend, A, "10.250.0.1", net, N, PT_SCOPE_INTERNAL, 443);
	assert_string_equal(evidence(a, "edge"), "out|tcp|443||network|corp-net");
	a = edge_alert(&f, "10.244.1.10", f.frontend, A, "10.250.0.2", vpn, N, PT_SCOPE_INTERNAL, 443);
	assert_string_equal(evidence(a, "edge"), "out|tcp|443||network|corp-vpn");
	a = edge_alert(&f, "10.244.1.10", f.frontend, A, "10.1.2.3", NULL, A, PT_SCOPE_INTERNAL, 8000);
	assert_string_equal(evidence(a, "edge"), "out|tcp|8000||internal_ip|10.1.2.3");
	a = edge_alert(&f, "10.244.1.10", f.frontend, A, "10.244.5.5", bare, A, PT_SCOPE_POD, 8000);
	assert_string_equal(evidence(a, "edge"), "out|tcp|8000||workload|jobs/Pod/once-x1");
	/* The originator's key, by kind. */
	a = edge_alert(&f, "10.0.0.5", node, A, "10.244.2.20", f.db, A, PT_SCOPE_POD, 5432);
	assert_string_equal(evidence(a, "baseline_key"), "node/node-a");
	a = edge_alert(&f, "10.96.0.10", svc, A, "10.244.2.20", f.db, A, PT_SCOPE_POD, 5432);
	assert_string_equal(evidence(a, "baseline_key"), "service/kube-system/kube-dns");
	a = edge_alert(&f, "10.250.0.1", net, N, "10.244.2.20", f.db, A, PT_SCOPE_POD, 5432);
	assert_string_equal(evidence(a, "baseline_key"), "net/corp-net");
	a = edge_alert(&f, "10.1.2.4", NULL, A, "10.244.2.20", f.db, A, PT_SCOPE_POD, 5432);
	assert_string_equal(evidence(a, "baseline_key"), "ip/10.1.2.4");
	a = edge_alert(&f, "10.244.5.5", bare, A, "10.244.2.20", f.db, A, PT_SCOPE_POD, 5432);
	assert_string_equal(evidence(a, "baseline_key"), "jobs/Pod/once-x1");
	stop(&f);
	pt_workload_release(node);
	pt_workload_release(svc);
	pt_workload_release(net);
	pt_workload_release(vpn);
	pt_workload_release(bare);
}

/* Names longer than a key holds are cut where snprintf cut them: at PT_BASELINE_KEY_LEN - 1 bytes. */
static void test_long_names_are_cut(void **state)
{
	char ns[101], name[101], full[512], want[PT_BASELINE_KEY_LEN], labels[8] = "{}";
	struct pt_workload *w;
	const struct pt_alert *a;
	struct fixture f;

	(void)state;
	memset(ns, 'n', 100);
	memset(name, 'w', 100);
	ns[100] = name[100] = '\0';
	start(&f, no_learning);
	w = pod(ns, "Deployment", name, labels);
	snprintf(full, sizeof(full), "%s/Deployment/%s", ns, name);
	assert_true(strlen(full) > PT_BASELINE_KEY_LEN - 1);
	memcpy(want, full, sizeof(want) - 1);
	want[sizeof(want) - 1] = '\0';
	a = edge_alert(&f, "10.244.1.10", w, PT_WORKLOAD_MATCH_ADDRESS, "10.244.2.20", f.db, PT_WORKLOAD_MATCH_ADDRESS,
		       PT_SCOPE_POD, 5432);
	assert_string_equal(evidence(a, "baseline_key"), want);
	a = edge_alert(&f, "10.244.2.20", f.db, PT_WORKLOAD_MATCH_ADDRESS, "10.244.1.10", w, PT_WORKLOAD_MATCH_ADDRESS,
		       PT_SCOPE_POD, 8080);
	snprintf(full, sizeof(full), "out|tcp|8080||workload|%s", want);
	assert_string_equal(evidence(a, "edge"), full);                 /* the peer: the key as cut */
	stop(&f);
	pt_workload_release(w);
}

/*
 * names_without_registered_domain counts the external responder's name of every attempt, whether the flow is
 * checked against a baseline (answered) or not (failed): as it always did.
 */
static void test_unregistrable_names_counted(void **state)
{
	struct pt_detect_engine_stats st;
	struct fixture f;

	(void)state;
	start(&f, NULL);
	feed(&f, record("10.244.1.10", "203.0.113.9", 6, 443, false, T0, f.frontend, NULL), "localhost");
	pt_detect_engine_stats(f.e, &st);
	assert_int_equal(st.psl_fallbacks, 1);
	assert_int_equal(st.edges_checked, 0);
	feed(&f, record("10.244.1.10", "203.0.113.9", 6, 443, true, T0 + 1, f.frontend, NULL), "localhost");
	feed(&f, record("10.244.1.10", "203.0.113.9", 6, 443, false, T0 + 2, f.frontend, NULL), "www.example.com");
	feed(&f, record("10.244.1.10", "10.244.2.20", 6, 443, false, T0 + 3, f.frontend, NULL), "localhost");
	pt_detect_engine_stats(f.e, &st);
	assert_int_equal(st.psl_fallbacks, 2);          /* not for a registrable name, nor for an internal peer */
	assert_int_equal(st.edges_checked, 1);
	stop(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_alert_lists_the_counted_flows),
		cmocka_unit_test(test_icmp_sweep_lists_its_flows),
		cmocka_unit_test(test_side_keys_and_peers),
		cmocka_unit_test(test_long_names_are_cut),
		cmocka_unit_test(test_unregistrable_names_counted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
