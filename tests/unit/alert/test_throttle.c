/* SPDX-License-Identifier: BSD-3-Clause */
/* test_throttle.c - Unit tests for lib/alert's flood control: groups per key, their updates, the rate per rule, eviction, references. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pt_alert.h"

#define SEC PT_NS_PER_SEC
#define MS (PT_NS_PER_SEC / 1000)
#define T0 1764786900000000000ULL          /* 2025-12-03T18:35:00Z */
#define WINDOW (10 * SEC)

static const struct pt_alert_rule rule_new_dest = { "podtap.test.new_destination", "New destination",
						    PT_ALERT_NEW_EXTERNAL_DESTINATION };
static const struct pt_alert_rule rule_scan = { "podtap.test.scan", "Scan", PT_ALERT_SCAN };
static const struct pt_alert_rule rule_health = { "podtap.test.health", "Health", PT_ALERT_SENSOR_HEALTH };

/* A pod of Deployment @p workload in namespace shop, with one reference. */
static struct pt_workload *pod(const char *name, const char *workload)
{
	char json[256], err[128];
	struct pt_workload *w;

	snprintf(json, sizeof(json), "{\"kind\":\"pod\",\"namespace\":\"shop\",\"pod\":\"%s\","
		 "\"workload_kind\":\"Deployment\",\"workload\":\"%s\",\"node\":\"node-1\"}", name, workload);
	w = pt_workload_parse(json, strlen(json), err, sizeof(err));
	if (w == NULL)
		fail_msg("pt_workload_parse: %s", err);
	return w;
}

static uint32_t refs(struct pt_workload *w)
{
	return atomic_load(&w->refs);
}

/*
 * An alert about a TCP flow 10.244.1.<src>:<sport> -> 203.0.113.10:443 whose originator is @p w (may be NULL).
 * The alert borrows the caller's reference to @p w: the throttle takes its own for what it keeps.
 */
static void flow_alert(struct pt_alert *a, const struct pt_alert_rule *rule, uint64_t ts_ns, const char *dedup,
		       struct pt_workload *w, uint8_t src, uint16_t sport)
{
	struct pt_flow *f = &a->flow.flow;

	memset(a, 0, sizeof(*a));
	a->rule = rule;
	a->ts_ns = ts_ns;
	a->severity = 50;
	snprintf(a->message, sizeof(a->message), "test alert");
	snprintf(a->dedup_key, sizeof(a->dedup_key), "%s", dedup);
	a->has_flow = true;
	f->key.ip_version = 4;
	f->key.proto = 6;
	memcpy(f->key.addr[0], (uint8_t[]){ 10, 244, 1, src }, 4);
	memcpy(f->key.addr[1], (uint8_t[]){ 203, 0, 113, 10 }, 4);
	f->key.port[0] = sport;
	f->key.port[1] = 443;
	f->first_ns = f->last_ns = ts_ns;
	a->flow.now_ns = ts_ns;
	a->flow.workload[0] = w;
}

static void sensor_alert(struct pt_alert *a, const struct pt_alert_rule *rule, uint64_t ts_ns, const char *dedup)
{
	memset(a, 0, sizeof(*a));
	a->rule = rule;
	a->ts_ns = ts_ns;
	a->severity = 30;
	snprintf(a->dedup_key, sizeof(a->dedup_key), "%s", dedup);
}

/* What the group callback saw. */
struct closed_groups {
	int n;
	char dedup[16][128];
	struct pt_alert_group_info info[16];
};

static void on_group(void *ctx, const struct pt_alert *first, const struct pt_alert_group_info *g)
{
	struct closed_groups *c = ctx;

	assert_true(c->n < 16);
	snprintf(c->dedup[c->n], sizeof(c->dedup[0]), "%s", first->dedup_key);
	c->info[c->n++] = *g;
}

static struct pt_alert_throttle *create(uint64_t window_ns, uint32_t rate, uint32_t burst, uint32_t max_groups)
{
	struct pt_alert_throttle_config cfg = { .window_ns = window_ns, .rate_per_minute = rate, .burst = burst,
						.max_groups = max_groups };
	struct pt_alert_throttle *t = pt_alert_throttle_create(&cfg);

	assert_non_null(t);
	return t;
}

/* Expire at the alert's time, then check it, as the control side does. */
static enum pt_alert_verdict check(struct pt_alert_throttle *t, const struct pt_alert *a, const char *id,
				   struct pt_alert_group_info *info, struct closed_groups *closed)
{
	struct pt_alert_group_info scratch;

	pt_alert_throttle_expire(t, a->ts_ns, false, on_group, closed);
	return pt_alert_throttle_check(t, a, id, info != NULL ? info : &scratch, on_group, closed);
}

static struct pt_alert_throttle_stats stats(const struct pt_alert_throttle *t)
{
	struct pt_alert_throttle_stats st;

	pt_alert_throttle_stats(t, &st);
	return st;
}

static void test_throttle_create_refuses_zero_groups(void **state)
{
	struct pt_alert_throttle_config cfg = { .window_ns = WINDOW, .max_groups = 0 };

	(void)state;
	assert_null(pt_alert_throttle_create(&cfg));
	assert_null(pt_alert_throttle_create(NULL));
	pt_alert_throttle_free(NULL);
}

static void test_throttle_same_key_merges_within_window(void **state)
{
	struct pt_alert_throttle *t = create(WINDOW, 0, 0, 16);
	struct pt_workload *web = pod("web-1", "web");
	struct closed_groups closed = { 0 };
	struct pt_alert_group_info info;
	struct pt_alert a;
	char id[16];

	(void)state;
	flow_alert(&a, &rule_new_dest, T0, "203.0.113.10", web, 10, 40000);
	assert_int_equal(check(t, &a, "id-first", &info, &closed), PT_ALERT_EMIT);
	assert_int_equal(info.count, 1);
	assert_string_equal(info.first_id, "id-first");
	assert_int_equal(info.first_ns, T0);
	assert_int_equal(info.n_flows, 1);
	/* Eleven more within the window, from the source ports 40000 + these: repeats, then more than fit. */
	for (int i = 1; i <= 11; i++) {
		static const uint16_t port[12] = { 0, 1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
		static const uint32_t n_flows[12] = { 1, 2, 2, 2, 3, 4, 5, 6, 7, 8, 8, 8 };

		snprintf(id, sizeof(id), "id-%d", i);
		flow_alert(&a, &rule_new_dest, T0 + (uint64_t)i * 100 * MS, "203.0.113.10", web, 10,
			   (uint16_t)(40000 + port[i]));
		assert_int_equal(check(t, &a, id, &info, &closed), PT_ALERT_MERGED);
		assert_int_equal(info.count, (uint64_t)i + 1);
		assert_string_equal(info.first_id, "id-first");
		assert_int_equal(info.n_flows, n_flows[i]);
	}
	assert_int_equal(PT_ALERT_FLOWS_MAX, 8);
	for (uint32_t i = 0; i < info.n_flows; i++)
		for (uint32_t k = i + 1; k < info.n_flows; k++)
			assert_string_not_equal(info.flows[i], info.flows[k]);
	assert_int_equal(stats(t).emitted, 1);
	assert_int_equal(stats(t).merged, 11);
	assert_int_equal(stats(t).groups_open, 1);

	/* The window ends 10 s after the group opened: one update, with the whole group's count and times. */
	assert_int_equal(pt_alert_throttle_expire(t, T0 + WINDOW - 1, false, on_group, &closed), 0);
	assert_int_equal(closed.n, 0);
	assert_int_equal(pt_alert_throttle_expire(t, T0 + WINDOW, false, on_group, &closed), 1);
	assert_int_equal(closed.n, 1);
	assert_int_equal(closed.info[0].count, 12);
	assert_int_equal(closed.info[0].first_ns, T0);
	assert_int_equal(closed.info[0].last_ns, T0 + 1100 * MS);
	assert_string_equal(closed.info[0].first_id, "id-first");
	assert_int_equal(closed.info[0].n_flows, PT_ALERT_FLOWS_MAX);
	assert_string_equal(closed.dedup[0], "203.0.113.10");
	assert_int_equal(stats(t).updates, 1);
	assert_int_equal(stats(t).groups_open, 0);
	assert_int_equal(pt_alert_throttle_expire(t, T0 + 2 * WINDOW, false, on_group, &closed), 0);
	assert_int_equal(closed.n, 1);                      /* closed once only */

	/* After the window the same key opens a new group. */
	flow_alert(&a, &rule_new_dest, T0 + WINDOW + SEC, "203.0.113.10", web, 10, 40000);
	assert_int_equal(check(t, &a, "id-second", &info, &closed), PT_ALERT_EMIT);
	pt_alert_throttle_free(t);
	assert_int_equal(refs(web), 1);
	pt_workload_release(web);
}

static void test_throttle_single_alert_group_closes_without_update(void **state)
{
	struct pt_alert_throttle *t = create(WINDOW, 0, 0, 16);
	struct closed_groups closed = { 0 };
	struct pt_alert a;

	(void)state;
	flow_alert(&a, &rule_new_dest, T0, "203.0.113.10", NULL, 10, 40000);
	assert_int_equal(check(t, &a, "id-1", NULL, &closed), PT_ALERT_EMIT);
	flow_alert(&a, &rule_new_dest, T0 + SEC, "198.51.100.7", NULL, 10, 40000);
	assert_int_equal(check(t, &a, "id-2", NULL, &closed), PT_ALERT_EMIT);
	assert_int_equal(check(t, &a, "id-3", NULL, &closed), PT_ALERT_MERGED);
	assert_int_equal(pt_alert_throttle_expire(t, T0 + WINDOW + SEC, false, on_group, &closed), 2);
	assert_int_equal(closed.n, 1);                      /* only the group of two */
	assert_string_equal(closed.dedup[0], "198.51.100.7");
	assert_int_equal(closed.info[0].count, 2);
	assert_int_equal(stats(t).updates, 1);
	pt_alert_throttle_free(t);
}

static void test_throttle_key_is_rule_source_and_dedup_key(void **state)
{
	struct pt_alert_throttle *t = create(WINDOW, 0, 0, 16);
	struct pt_workload *web1 = pod("web-1", "web"), *web2 = pod("web-2", "web"), *api = pod("api-1", "api");
	struct closed_groups closed = { 0 };
	struct pt_alert a;

	(void)state;
	flow_alert(&a, &rule_new_dest, T0, "203.0.113.10", web1, 10, 40000);
	assert_int_equal(check(t, &a, "id-1", NULL, &closed), PT_ALERT_EMIT);
	flow_alert(&a, &rule_new_dest, T0, "203.0.113.11", web1, 10, 40000);     /* another destination */
	assert_int_equal(check(t, &a, "id-2", NULL, &closed), PT_ALERT_EMIT);
	flow_alert(&a, &rule_new_dest, T0, "203.0.113.10", api, 12, 40000);      /* another workload */
	assert_int_equal(check(t, &a, "id-3", NULL, &closed), PT_ALERT_EMIT);
	flow_alert(&a, &rule_scan, T0, "203.0.113.10", web1, 10, 40000);         /* another rule */
	assert_int_equal(check(t, &a, "id-4", NULL, &closed), PT_ALERT_EMIT);
	/* Another pod of the same Deployment, from another address, is the same source. */
	flow_alert(&a, &rule_new_dest, T0 + SEC, "203.0.113.10", web2, 11, 40001);
	assert_int_equal(check(t, &a, "id-5", NULL, &closed), PT_ALERT_MERGED);
	/* Without a workload the source is the address. */
	flow_alert(&a, &rule_new_dest, T0, "203.0.113.10", NULL, 20, 40000);
	assert_int_equal(check(t, &a, "id-6", NULL, &closed), PT_ALERT_EMIT);
	flow_alert(&a, &rule_new_dest, T0, "203.0.113.10", NULL, 21, 40000);
	assert_int_equal(check(t, &a, "id-7", NULL, &closed), PT_ALERT_EMIT);
	flow_alert(&a, &rule_new_dest, T0, "203.0.113.10", NULL, 20, 50000);
	assert_int_equal(check(t, &a, "id-8", NULL, &closed), PT_ALERT_MERGED);
	assert_int_equal(stats(t).groups_open, 6);
	assert_int_equal(stats(t).emitted, 6);
	assert_int_equal(stats(t).merged, 2);
	pt_alert_throttle_free(t);
	pt_workload_release(web1);
	pt_workload_release(web2);
	pt_workload_release(api);
}

static void test_throttle_alerts_without_flow_use_sensor_source(void **state)
{
	struct pt_alert_throttle *t = create(WINDOW, 0, 0, 16);
	struct pt_alert_rule long_rule = { NULL, "Long", PT_ALERT_SENSOR_HEALTH };
	struct closed_groups closed = { 0 };
	char long_id[400];
	struct pt_alert a;

	(void)state;
	sensor_alert(&a, &rule_health, T0, "capture_loss");
	assert_int_equal(check(t, &a, "id-1", NULL, &closed), PT_ALERT_EMIT);
	sensor_alert(&a, &rule_health, T0 + SEC, "capture_loss");
	assert_int_equal(check(t, &a, "id-2", NULL, &closed), PT_ALERT_MERGED);
	flow_alert(&a, &rule_health, T0 + SEC, "capture_loss", NULL, 10, 40000); /* with a flow: another source */
	assert_int_equal(check(t, &a, "id-3", NULL, &closed), PT_ALERT_EMIT);
	/* The key "<rule.id>|sensor|<dedup_key>" is cut past 319 bytes: its length shows the source is "sensor". */
	memset(long_id, 'r', sizeof(long_id));
	long_id[319 - strlen("|sensor|x")] = '\0';
	long_rule.id = long_id;
	sensor_alert(&a, &long_rule, T0 + SEC, "x");
	assert_int_equal(check(t, &a, "id-4", NULL, &closed), PT_ALERT_EMIT);
	assert_int_equal(stats(t).keys_cut, 0);
	/* One byte longer: cut to the same 319 bytes as the previous key, so merged with it. */
	sensor_alert(&a, &long_rule, T0 + SEC, "xy");
	assert_int_equal(check(t, &a, "id-5", NULL, &closed), PT_ALERT_MERGED);
	assert_int_equal(stats(t).keys_cut, 1);
	pt_alert_throttle_free(t);
}

static void test_throttle_window_zero_emits_every_alert(void **state)
{
	struct pt_alert_throttle *t = create(0, 0, 0, 16);
	struct pt_workload *web = pod("web-1", "web");
	struct closed_groups closed = { 0 };
	struct pt_alert_group_info info;
	struct pt_alert a;

	(void)state;
	for (int i = 0; i < 5; i++) {
		flow_alert(&a, &rule_new_dest, T0 + (uint64_t)i * MS, "203.0.113.10", web, 10, 40000);
		assert_int_equal(check(t, &a, "id", &info, &closed), PT_ALERT_EMIT);
		assert_int_equal(info.count, 1);
	}
	assert_int_equal(refs(web), 1);                     /* nothing kept */
	assert_int_equal(stats(t).groups_open, 0);
	assert_int_equal(stats(t).emitted, 5);
	assert_int_equal(pt_alert_throttle_expire(t, T0 + 100 * SEC, true, on_group, &closed), 0);
	assert_int_equal(closed.n, 0);
	pt_alert_throttle_free(t);
	pt_workload_release(web);
}

static void test_throttle_rate_limit_burst_then_refill(void **state)
{
	struct pt_alert_throttle *t = create(0, 60, 3, 16);    /* 60 a minute: one token a second; burst 3 */
	struct closed_groups closed = { 0 };
	struct pt_alert_group_info info;
	struct pt_alert a;

	(void)state;
	sensor_alert(&a, &rule_scan, T0, "k");
	for (int i = 0; i < 3; i++) {
		assert_int_equal(check(t, &a, "id", &info, &closed), PT_ALERT_EMIT);
		assert_int_equal(info.suppressed, 0);
	}
	for (int i = 0; i < 4; i++)
		assert_int_equal(check(t, &a, "id", &info, &closed), PT_ALERT_RATE_LIMITED);
	a.ts_ns = T0 + 999 * MS;                            /* not a whole token yet */
	assert_int_equal(check(t, &a, "id", &info, &closed), PT_ALERT_RATE_LIMITED);
	/* Another rule has its own bucket. */
	sensor_alert(&a, &rule_health, T0 + 999 * MS, "k");
	assert_int_equal(check(t, &a, "id", &info, &closed), PT_ALERT_EMIT);
	sensor_alert(&a, &rule_scan, T0 + SEC, "k");
	assert_int_equal(check(t, &a, "id", &info, &closed), PT_ALERT_EMIT);
	assert_int_equal(info.suppressed, 5);               /* dropped since the previous emitted alert */
	assert_int_equal(check(t, &a, "id", &info, &closed), PT_ALERT_RATE_LIMITED);
	a.ts_ns = T0 + 2 * SEC;
	assert_int_equal(check(t, &a, "id", &info, &closed), PT_ALERT_EMIT);
	assert_int_equal(info.suppressed, 1);
	/* A long quiet time refills the bucket to its size, not beyond. */
	a.ts_ns = T0 + 1000 * SEC;
	for (int i = 0; i < 3; i++)
		assert_int_equal(check(t, &a, "id", &info, &closed), PT_ALERT_EMIT);
	assert_int_equal(check(t, &a, "id", &info, &closed), PT_ALERT_RATE_LIMITED);
	assert_int_equal(stats(t).rate_limited, 7);
	assert_int_equal(stats(t).emitted, 9);
	pt_alert_throttle_free(t);
}

/*
 * After a quiet time, a rule's bucket is full again, whatever its rate. alerts.rate_limit may be up to 1000000 a
 * minute; with 6000, a gap of 3074.457346 s (51 minutes) makes the refill's dt_us * rate * 1000000 just pass 2^64.
 */
static void test_throttle_refill_after_long_quiet_gap(void **state)
{
	struct pt_alert_throttle *t = create(0, 6000, 1, 16);
	enum pt_alert_verdict first, soon, after_gap;
	struct closed_groups closed = { 0 };
	struct pt_alert a;

	(void)state;
	sensor_alert(&a, &rule_scan, T0, "k");
	first = check(t, &a, "id", NULL, &closed);
	a.ts_ns = T0 + MS;
	soon = check(t, &a, "id", NULL, &closed);
	a.ts_ns = T0 + MS + 3074457346ULL * 1000;
	after_gap = check(t, &a, "id", NULL, &closed);
	pt_alert_throttle_free(t);
	assert_int_equal(first, PT_ALERT_EMIT);
	assert_int_equal(soon, PT_ALERT_RATE_LIMITED);
	assert_int_equal(after_gap, PT_ALERT_EMIT);
}

static void test_throttle_full_closes_oldest_group_early(void **state)
{
	struct pt_alert_throttle *t = create(WINDOW, 0, 0, 2);
	struct closed_groups closed = { 0 };
	struct pt_alert a;

	(void)state;
	sensor_alert(&a, &rule_health, T0, "a");
	assert_int_equal(check(t, &a, "id-a", NULL, &closed), PT_ALERT_EMIT);
	assert_int_equal(check(t, &a, "id-a2", NULL, &closed), PT_ALERT_MERGED);
	sensor_alert(&a, &rule_health, T0 + SEC, "b");
	assert_int_equal(check(t, &a, "id-b", NULL, &closed), PT_ALERT_EMIT);
	assert_int_equal(closed.n, 0);
	/* A third key: "a" (two alerts) closes early, through the callback. */
	sensor_alert(&a, &rule_health, T0 + 2 * SEC, "c");
	assert_int_equal(check(t, &a, "id-c", NULL, &closed), PT_ALERT_EMIT);
	assert_int_equal(closed.n, 1);
	assert_string_equal(closed.dedup[0], "a");
	assert_int_equal(closed.info[0].count, 2);
	assert_string_equal(closed.info[0].first_id, "id-a");
	assert_int_equal(stats(t).groups_evicted, 1);
	assert_int_equal(stats(t).groups_open, 2);
	/* A fourth: "b" (one alert) closes without an update. */
	sensor_alert(&a, &rule_health, T0 + 3 * SEC, "d");
	assert_int_equal(check(t, &a, "id-d", NULL, &closed), PT_ALERT_EMIT);
	assert_int_equal(closed.n, 1);
	assert_int_equal(stats(t).groups_evicted, 2);
	assert_int_equal(stats(t).updates, 1);
	/* "a" is no longer open: it opens a new group (evicting "c"), "d" is still open. */
	sensor_alert(&a, &rule_health, T0 + 4 * SEC, "a");
	assert_int_equal(check(t, &a, "id-a3", NULL, &closed), PT_ALERT_EMIT);
	sensor_alert(&a, &rule_health, T0 + 4 * SEC, "d");
	assert_int_equal(check(t, &a, "id-d2", NULL, &closed), PT_ALERT_MERGED);
	pt_alert_throttle_free(t);
}

static void test_throttle_expire_all_closes_in_opening_order(void **state)
{
	struct pt_alert_throttle *t = create(WINDOW, 0, 0, 16);
	static const char *const keys[] = { "c", "a", "b" };
	struct closed_groups closed = { 0 };
	struct pt_alert a;

	(void)state;
	for (int i = 0; i < 3; i++) {
		sensor_alert(&a, &rule_health, T0 + (uint64_t)i * SEC, keys[i]);
		assert_int_equal(check(t, &a, "id", NULL, &closed), PT_ALERT_EMIT);
		assert_int_equal(check(t, &a, "id", NULL, &closed), PT_ALERT_MERGED);
	}
	/* Only the first group's window has ended. */
	assert_int_equal(pt_alert_throttle_expire(t, T0 + WINDOW, false, on_group, &closed), 1);
	assert_int_equal(closed.n, 1);
	assert_string_equal(closed.dedup[0], "c");
	assert_int_equal(pt_alert_throttle_expire(t, T0 + WINDOW, true, on_group, &closed), 2);
	assert_int_equal(closed.n, 3);
	assert_string_equal(closed.dedup[1], "a");
	assert_string_equal(closed.dedup[2], "b");
	assert_int_equal(stats(t).groups_open, 0);
	pt_alert_throttle_free(t);
}

static void test_throttle_free_releases_open_groups(void **state)
{
	struct pt_workload *web = pod("web-1", "web"), *api = pod("api-1", "api");
	struct pt_alert_throttle *t = create(WINDOW, 0, 0, 16);
	struct closed_groups closed = { 0 };
	struct pt_alert a;

	(void)state;
	flow_alert(&a, &rule_new_dest, T0, "203.0.113.10", web, 10, 40000);
	a.flow.workload[1] = api;                           /* both sides known */
	assert_int_equal(check(t, &a, "id-1", NULL, &closed), PT_ALERT_EMIT);
	assert_int_equal(refs(web), 2);
	assert_int_equal(refs(api), 2);
	assert_int_equal(check(t, &a, "id-2", NULL, &closed), PT_ALERT_MERGED);    /* a merged one is not kept */
	assert_int_equal(refs(web), 2);
	flow_alert(&a, &rule_new_dest, T0, "203.0.113.11", web, 10, 40000);
	assert_int_equal(check(t, &a, "id-3", NULL, &closed), PT_ALERT_EMIT);
	assert_int_equal(refs(web), 3);
	assert_int_equal(refs(api), 2);
	pt_alert_throttle_free(t);
	assert_int_equal(refs(web), 1);
	assert_int_equal(refs(api), 1);

	/* Closing a group, by its window or early, releases too. */
	t = create(WINDOW, 0, 0, 1);
	flow_alert(&a, &rule_new_dest, T0, "203.0.113.10", web, 10, 40000);
	assert_int_equal(check(t, &a, "id-1", NULL, &closed), PT_ALERT_EMIT);
	flow_alert(&a, &rule_new_dest, T0, "203.0.113.11", api, 10, 40000);
	assert_int_equal(check(t, &a, "id-2", NULL, &closed), PT_ALERT_EMIT);     /* evicts the first */
	assert_int_equal(refs(web), 1);
	assert_int_equal(refs(api), 2);
	assert_int_equal(pt_alert_throttle_expire(t, T0 + WINDOW, false, on_group, &closed), 1);
	assert_int_equal(refs(api), 1);
	pt_alert_throttle_free(t);
	pt_workload_release(web);
	pt_workload_release(api);
}

/* A reference model: open groups in a FIFO, each a key, its opening time and count. */
struct model_group {
	int key;
	uint64_t first_ns;
	uint64_t count;
};

/* Many keys, few groups, random times: the verdicts and updates match the model (index removal included). */
static void test_throttle_matches_a_simple_model(void **state)
{
	enum { MAX_GROUPS = 8, KEYS = 40, STEPS = 20000 };
	struct pt_alert_throttle *t = create(WINDOW, 0, 0, MAX_GROUPS);
	struct model_group fifo[MAX_GROUPS];
	uint64_t now = T0, rnd = 12345, updates = 0;
	struct closed_groups closed = { 0 };
	struct pt_alert a;
	int n = 0;

	(void)state;
	for (int step = 0; step < STEPS; step++) {
		enum pt_alert_verdict want = PT_ALERT_EMIT;
		char dedup[16];
		int key, found = -1;

		rnd = rnd * 6364136223846793005ULL + 1442695040888963407ULL;
		now += (rnd >> 33) % (2 * SEC);
		key = (int)((rnd >> 13) % KEYS);
		while (n > 0 && fifo[0].first_ns + WINDOW <= now) {
			updates += fifo[0].count > 1;
			memmove(fifo, fifo + 1, (size_t)--n * sizeof(fifo[0]));
		}
		for (int i = 0; i < n; i++)
			if (fifo[i].key == key)
				found = i;
		if (found >= 0) {
			fifo[found].count++;
			want = PT_ALERT_MERGED;
		} else {
			if (n == MAX_GROUPS) {
				updates += fifo[0].count > 1;
				memmove(fifo, fifo + 1, (size_t)--n * sizeof(fifo[0]));
			}
			fifo[n++] = (struct model_group){ .key = key, .first_ns = now, .count = 1 };
		}
		snprintf(dedup, sizeof(dedup), "k%d", key);
		sensor_alert(&a, &rule_health, now, dedup);
		closed.n = 0;
		assert_int_equal(check(t, &a, "id", NULL, &closed), want);
		assert_int_equal(stats(t).groups_open, (uint64_t)n);
		assert_int_equal(stats(t).updates, updates);
	}
	pt_alert_throttle_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_throttle_create_refuses_zero_groups),
		cmocka_unit_test(test_throttle_same_key_merges_within_window),
		cmocka_unit_test(test_throttle_single_alert_group_closes_without_update),
		cmocka_unit_test(test_throttle_key_is_rule_source_and_dedup_key),
		cmocka_unit_test(test_throttle_alerts_without_flow_use_sensor_source),
		cmocka_unit_test(test_throttle_window_zero_emits_every_alert),
		cmocka_unit_test(test_throttle_rate_limit_burst_then_refill),
		cmocka_unit_test(test_throttle_refill_after_long_quiet_gap),
		cmocka_unit_test(test_throttle_full_closes_oldest_group_early),
		cmocka_unit_test(test_throttle_expire_all_closes_in_opening_order),
		cmocka_unit_test(test_throttle_free_releases_open_groups),
		cmocka_unit_test(test_throttle_matches_a_simple_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
