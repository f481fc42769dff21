/* SPDX-License-Identifier: BSD-3-Clause */
/* test_flow_wheel.c - Unit tests for timer-wheel expiry: per-class timeouts, linger, updates, budget, time jumps. */
#include "flow_test.h"

#include "flow_priv.h"

#define T0 (SEC(1000) + MSEC(300))
#define STEP MSEC(5)
#define SLOT PT_FLOW_WHEEL_TICK_NS

struct fixture {
	struct pt_flow_config cfg;
	struct pt_flow_table *t;
	struct test_recorder *rec;
};

static struct fixture make(uint64_t update_interval)
{
	struct fixture fx;

	fx.cfg = test_config(1024);
	fx.cfg.update_interval_ns = update_interval;
	fx.rec = calloc(1, sizeof(*fx.rec));
	assert_non_null(fx.rec);
	fx.t = pt_flow_table_create(&fx.cfg, test_emit, fx.rec);
	assert_non_null(fx.t);
	return fx;
}

static void destroy(struct fixture *fx)
{
	pt_flow_table_free(fx->t);
	free(fx->rec);
}

/* Advance in STEP increments from @p from until a record appears (or @p until); return that time. */
static uint64_t advance_until_record(struct fixture *fx, uint64_t from, uint64_t until)
{
	uint32_t before = fx->rec->n;

	for (uint64_t now = from; now <= until; now += STEP) {
		pt_flow_advance(fx->t, now, 64);
		if (fx->rec->n != before)
			return now;
	}
	return 0;
}

/* Feed @p n packets 1 ms apart from T0, then check the flow ends with @p event right at its deadline. */
static void expect_expiry(const struct pt_decoded *pkts, size_t n, enum pt_flow_timeout_class cls,
			  enum pt_flow_event event)
{
	struct fixture fx = make(0);
	struct pt_flow *f = NULL;
	uint64_t last = T0 + MSEC(n - 1), deadline, fired;

	for (size_t i = 0; i < n; i++)
		f = test_feed(fx.t, &pkts[i], 100, T0 + MSEC(i));
	assert_int_equal(f->timeout_class, cls);
	deadline = last + fx.cfg.timeout_ns[cls];

	fired = advance_until_record(&fx, T0, deadline + SEC(3));
	assert_int_equal(fx.rec->n, 1);
	assert_int_equal(fx.rec->recs[0].event, event);
	assert_true(fired >= deadline);          /* never before */
	assert_true(fired < deadline + SLOT + STEP); /* at most one slot late */
	assert_int_equal(fx.rec->recs[0].now_ns, fired);
	assert_int_equal(fx.rec->recs[0].flow.last_ns, last);
	assert_int_equal(fx.rec->recs[0].flow.packets[0] + fx.rec->recs[0].flow.packets[1], n);
	destroy(&fx);
}

static void test_expiry_per_class(void **state)
{
	(void)state;
	const char *c = "10.244.1.5", *s = "192.0.2.10";
	const struct pt_decoded opening[] = { test_tcp(c, 40000, s, 443, TCP_SYN, 0) };
	const struct pt_decoded established[] = {
		test_tcp(c, 40000, s, 443, TCP_SYN, 0), test_tcp(s, 443, c, 40000, TCP_SYN | TCP_ACK, 0),
		test_tcp(c, 40000, s, 443, TCP_ACK, 0), test_tcp(c, 40000, s, 443, TCP_ACK | TCP_PSH, 99),
	};
	const struct pt_decoded closed[] = {
		test_tcp(c, 40000, s, 443, TCP_SYN, 0), test_tcp(s, 443, c, 40000, TCP_SYN | TCP_ACK, 0),
		test_tcp(c, 40000, s, 443, TCP_ACK, 0), test_tcp(c, 40000, s, 443, TCP_FIN | TCP_ACK, 0),
		test_tcp(s, 443, c, 40000, TCP_FIN | TCP_ACK, 0),
	};
	const struct pt_decoded reset[] = {
		test_tcp(c, 40000, s, 443, TCP_SYN, 0), test_tcp(s, 443, c, 40000, TCP_RST | TCP_ACK, 0),
	};
	const struct pt_decoded udp[] = { test_pkt(17, c, 5353, s, 53) };
	const struct pt_decoded icmp[] = { test_pkt(1, c, 8, s, 0), test_pkt(1, s, 0, c, 0) };
	const struct pt_decoded icmp6[] = { test_pkt(58, "2001:db8::1", 128, "2001:db8::2", 0) };
	const struct pt_decoded other[] = { test_pkt(47, c, 0, s, 0) };

	expect_expiry(opening, PT_ARRAY_SIZE(opening), PT_FLOW_TIMEOUT_TCP_OPENING, PT_FLOW_EVENT_END_IDLE);
	expect_expiry(established, PT_ARRAY_SIZE(established), PT_FLOW_TIMEOUT_TCP_ESTABLISHED, PT_FLOW_EVENT_END_IDLE);
	expect_expiry(closed, PT_ARRAY_SIZE(closed), PT_FLOW_TIMEOUT_TCP_CLOSED, PT_FLOW_EVENT_END_CLOSED);
	expect_expiry(reset, PT_ARRAY_SIZE(reset), PT_FLOW_TIMEOUT_TCP_CLOSED, PT_FLOW_EVENT_END_CLOSED);
	expect_expiry(udp, PT_ARRAY_SIZE(udp), PT_FLOW_TIMEOUT_UDP, PT_FLOW_EVENT_END_IDLE);
	expect_expiry(icmp, PT_ARRAY_SIZE(icmp), PT_FLOW_TIMEOUT_ICMP, PT_FLOW_EVENT_END_IDLE);
	expect_expiry(icmp6, PT_ARRAY_SIZE(icmp6), PT_FLOW_TIMEOUT_ICMP, PT_FLOW_EVENT_END_IDLE);
	expect_expiry(other, PT_ARRAY_SIZE(other), PT_FLOW_TIMEOUT_OTHER, PT_FLOW_EVENT_END_IDLE);
}

static void test_kept_alive(void **state)
{
	(void)state;
	struct fixture fx = make(0);
	struct pt_decoded p = test_pkt(17, "10.244.0.3", 40000, "10.96.0.10", 53);
	uint64_t now, last = 0, fired;

	/* a packet every 30 s for 10 minutes against a 60 s timeout, the wheel advanced every second */
	for (now = T0; now <= T0 + SEC(600); now += SEC(1)) {
		if ((now - T0) % SEC(30) == 0) {
			test_feed(fx.t, &p, 90, now);
			last = now;
		}
		pt_flow_advance(fx.t, now, 64);
	}
	assert_int_equal(fx.rec->n, 0);
	fired = advance_until_record(&fx, now, last + SEC(70));
	assert_true(fired >= last + SEC(60));
	assert_true(fired < last + SEC(60) + SLOT + STEP);
	assert_int_equal(fx.rec->recs[0].flow.packets[0], 21);
	destroy(&fx);
}

static void test_close_linger_rearm(void **state)
{
	(void)state;
	struct fixture fx = make(0);
	const char *c = "10.244.1.5", *s = "192.0.2.10";
	const struct pt_decoded hs[] = {
		test_tcp(c, 40000, s, 22, TCP_SYN, 0), test_tcp(s, 22, c, 40000, TCP_SYN | TCP_ACK, 0),
		test_tcp(c, 40000, s, 22, TCP_ACK, 0),
	};
	struct pt_decoded fin_c = test_tcp(c, 40000, s, 22, TCP_FIN | TCP_ACK, 0);
	struct pt_decoded fin_s = test_tcp(s, 22, c, 40000, TCP_FIN | TCP_ACK, 0);
	struct pt_decoded last_ack = test_tcp(c, 40000, s, 22, TCP_ACK, 0);
	uint64_t fired;

	for (size_t i = 0; i < PT_ARRAY_SIZE(hs); i++)
		test_feed(fx.t, &hs[i], 60, T0);
	/* armed for 300 s; the FIN exchange at +10 s must end it 5 s later, not at +300 s */
	assert_int_equal(advance_until_record(&fx, T0, T0 + SEC(10)), 0);
	test_feed(fx.t, &fin_c, 60, T0 + SEC(10));
	test_feed(fx.t, &fin_s, 60, T0 + SEC(10));
	test_feed(fx.t, &last_ack, 60, T0 + SEC(12)); /* a late packet extends the linger */
	fired = advance_until_record(&fx, T0 + SEC(10), T0 + SEC(30));
	assert_int_equal(fx.rec->n, 1);
	assert_int_equal(fx.rec->recs[0].event, PT_FLOW_EVENT_END_CLOSED);
	assert_true(fired >= T0 + SEC(17));
	assert_true(fired < T0 + SEC(17) + SLOT + STEP);
	assert_string_equal(fx.rec->recs[0].flow.history, "ShAFf");
	assert_int_equal(pt_flow_conn_state(&fx.rec->recs[0].flow), PT_CONN_SF);
	destroy(&fx);
}

static void test_interim_updates(void **state)
{
	(void)state;
	struct fixture fx = make(SEC(60));
	struct pt_decoded hs[] = {
		test_tcp("10.244.1.5", 40000, "192.0.2.10", 443, TCP_SYN, 0),
		test_tcp("192.0.2.10", 443, "10.244.1.5", 40000, TCP_SYN | TCP_ACK, 0),
		test_tcp("10.244.1.5", 40000, "192.0.2.10", 443, TCP_ACK, 0),
	};
	struct pt_decoded data = test_tcp("10.244.1.5", 40000, "192.0.2.10", 443, TCP_ACK | TCP_PSH, 500);
	uint64_t now, prev = T0, last = 0, packets = 0;
	uint32_t updates = 0;

	for (size_t i = 0; i < PT_ARRAY_SIZE(hs); i++)
		test_feed(fx.t, &hs[i], 60, T0);
	/* data every 10 s for 400 s, then silence until the 300 s idle timeout */
	for (now = T0; now <= T0 + SEC(800) && fx.rec->count[PT_FLOW_EVENT_END_IDLE] == 0; now += STEP) {
		if (now <= T0 + SEC(400) && (now - T0) % SEC(10) == 0 && now > T0) {
			test_feed(fx.t, &data, 560, now);
			last = now;
		}
		uint32_t before = fx.rec->n;
		pt_flow_advance(fx.t, now, 64);
		if (fx.rec->n != before && fx.rec->recs[fx.rec->n - 1].event == PT_FLOW_EVENT_UPDATE) {
			const struct test_rec *r = &fx.rec->recs[fx.rec->n - 1];

			assert_true(now >= prev + SEC(60));
			assert_true(now < prev + SEC(60) + SLOT + STEP);
			assert_int_equal(r->flow.last_update_ns, prev); /* the record shows the previous update */
			assert_true(r->flow.packets[0] >= packets);
			packets = r->flow.packets[0];
			prev = now;
			updates++;
		}
	}
	assert_int_equal(fx.rec->count[PT_FLOW_EVENT_END_IDLE], 1);
	assert_true(fx.rec->recs[fx.rec->n - 1].now_ns >= last + SEC(300));
	/* Updates at 60, 120, ... 420 s while data flows; none once the flow is silent. */
	assert_int_equal(updates, 7);
	assert_int_equal(fx.rec->count[PT_FLOW_EVENT_UPDATE], updates);
	destroy(&fx);
}

static void test_budget_resume(void **state)
{
	(void)state;
	struct fixture fx = make(0);
	uint8_t seen[200] = { 0 };
	uint32_t total = 0, calls = 0, got;
	struct pt_flow_stats st;

	for (uint16_t i = 0; i < 200; i++) {
		struct pt_decoded p = test_pkt(17, "10.244.0.3", (uint16_t)(10000 + i), "10.96.0.10", 53);

		/* spread over 128 slots, all due at once: the budget stops in the middle of the pending list */
		test_feed(fx.t, &p, 90, T0 + MSEC(i * 10));
	}
	assert_int_equal(pt_flow_advance(fx.t, T0 + SEC(100), 0), 0);
	while ((got = pt_flow_advance(fx.t, T0 + SEC(100), 7)) > 0) {
		assert_true(got <= 7);
		total += got;
		calls++;
	}
	assert_int_equal(total, 200);
	assert_int_equal(calls, (200 + 6) / 7);
	assert_int_equal(fx.rec->n, 200);
	for (uint32_t i = 0; i < TEST_REC_MAX && i < fx.rec->n; i++) {
		uint16_t port = pt_flow_orig_port(&fx.rec->recs[i].flow);

		assert_true(port >= 10000 && port < 10200);
		assert_int_equal(seen[port - 10000], 0); /* no duplicates */
		seen[port - 10000] = 1;
	}
	pt_flow_table_stats(fx.t, &st);
	assert_int_equal(st.ended[PT_FLOW_EVENT_END_IDLE], 200);
	assert_int_equal(st.active, 0);
	destroy(&fx);
}

static void test_budget_with_updates(void **state)
{
	(void)state;
	struct fixture fx = make(SEC(60));
	struct pt_flow_stats st;
	uint32_t total = 0, got;

	for (uint16_t i = 0; i < 50; i++) {
		struct pt_decoded p = test_pkt(17, "10.244.0.3", (uint16_t)(10000 + i), "10.96.0.10", 53);

		test_feed(fx.t, &p, 90, T0);
		test_feed(fx.t, &p, 90, T0 + SEC(50)); /* alive at +60 s: an update, not an end */
	}
	while ((got = pt_flow_advance(fx.t, T0 + SEC(61), 3)) > 0)
		total += got;
	assert_int_equal(total, 50);
	pt_flow_table_stats(fx.t, &st);
	assert_int_equal(st.ended[PT_FLOW_EVENT_UPDATE], 50);
	assert_int_equal(st.active, 50);
	while ((got = pt_flow_advance(fx.t, T0 + SEC(111), 4)) > 0)
		total += got;
	pt_flow_table_stats(fx.t, &st);
	assert_int_equal(st.ended[PT_FLOW_EVENT_END_IDLE], 50);
	assert_int_equal(st.ended[PT_FLOW_EVENT_UPDATE], 50);
	assert_int_equal(st.active, 0);
	destroy(&fx);
}

static void test_time_backwards(void **state)
{
	(void)state;
	struct fixture fx = make(0);
	struct pt_decoded p = test_pkt(17, "10.244.0.3", 40000, "10.96.0.10", 53);

	test_feed(fx.t, &p, 90, T0);
	assert_int_equal(pt_flow_advance(fx.t, T0 + SEC(50), 64), 0);
	assert_int_equal(pt_flow_advance(fx.t, SEC(10), 64), 0);      /* ignored */
	assert_int_equal(pt_flow_advance(fx.t, T0 + SEC(59), 64), 0);
	assert_int_equal(pt_flow_advance(fx.t, T0 + SEC(20), 64), 0); /* ignored */
	assert_int_equal(pt_flow_advance(fx.t, T0 + SEC(61), 64), 1);
	assert_int_equal(pt_flow_advance(fx.t, T0, 64), 0);
	assert_int_equal(pt_flow_advance(fx.t, T0 + SEC(62), 64), 0); /* nothing twice */
	/* after the wheel moved on, a late packet with an old timestamp still gets a correct deadline */
	test_feed(fx.t, &p, 90, T0 + SEC(30));
	assert_int_equal(pt_flow_advance(fx.t, T0 + SEC(62), 64), 0);
	assert_int_equal(pt_flow_advance(fx.t, T0 + SEC(91), 64), 1);
	assert_int_equal(fx.rec->count[PT_FLOW_EVENT_END_IDLE], 2);
	destroy(&fx);
}

static void test_far_deadline(void **state)
{
	(void)state;
	struct fixture fx = make(0);
	struct pt_decoded p = test_pkt(17, "10.244.0.3", 40000, "10.96.0.10", 53);
	uint64_t fired;

	/* 10000 s is beyond the 512 s span: parked in the farthest slot and re-checked */
	pt_flow_table_free(fx.t);
	fx.cfg.timeout_ns[PT_FLOW_TIMEOUT_UDP] = SEC(10000);
	fx.t = pt_flow_table_create(&fx.cfg, test_emit, fx.rec);
	assert_non_null(fx.t);
	test_feed(fx.t, &p, 90, T0);
	for (uint64_t now = T0; now < T0 + SEC(9999); now += SEC(250))
		assert_int_equal(pt_flow_advance(fx.t, now, 64), 0);
	fired = advance_until_record(&fx, T0 + SEC(9999), T0 + SEC(10005));
	assert_true(fired >= T0 + SEC(10000));
	assert_true(fired < T0 + SEC(10000) + SLOT + STEP);

	/* the same with one jump over more than the span, then to the deadline */
	test_feed(fx.t, &p, 90, T0 + SEC(20000));
	assert_int_equal(pt_flow_advance(fx.t, T0 + SEC(25000), 64), 0);
	assert_int_equal(pt_flow_advance(fx.t, T0 + SEC(29999), 64), 0);
	assert_int_equal(pt_flow_advance(fx.t, T0 + SEC(30000) + SLOT, 64), 1);
	destroy(&fx);
}

static void test_clock_jump(void **state)
{
	(void)state;
	struct fixture fx = make(SEC(60));
	const uint64_t t = SEC(1700000000);
	uint64_t fired;

	/* the wheel starts near zero, then packets come with epoch timestamps */
	assert_int_equal(pt_flow_advance(fx.t, SEC(1), 64), 0);
	for (uint16_t i = 0; i < 10; i++) {
		struct pt_decoded p = test_pkt(17, "10.244.0.3", (uint16_t)(20000 + i), "10.96.0.10", 53);

		test_feed(fx.t, &p, 90, t + SEC(i));
	}
	assert_int_equal(pt_flow_advance(fx.t, t + SEC(30), 64), 0);
	fired = advance_until_record(&fx, t + SEC(30), t + SEC(75));
	assert_true(fired >= t + SEC(60));
	assert_true(fired < t + SEC(60) + SLOT + STEP);
	assert_int_equal(fx.rec->recs[0].event, PT_FLOW_EVENT_END_IDLE);
	/* and a jump of years with flows in the wheel ends them all at once */
	assert_int_equal(pt_flow_advance(fx.t, t + SEC(100000000), 64), 9);
	destroy(&fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expiry_per_class),
		cmocka_unit_test(test_kept_alive),
		cmocka_unit_test(test_close_linger_rearm),
		cmocka_unit_test(test_interim_updates),
		cmocka_unit_test(test_budget_resume),
		cmocka_unit_test(test_budget_with_updates),
		cmocka_unit_test(test_time_backwards),
		cmocka_unit_test(test_far_deadline),
		cmocka_unit_test(test_clock_jump),
	};

	return cmocka_run_group_tests_name("flow-wheel", tests, NULL, NULL);
}
