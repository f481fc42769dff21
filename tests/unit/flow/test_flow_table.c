/* SPDX-License-Identifier: BSD-3-Clause */
/* test_flow_table.c - Unit tests for the flow table: configs, burst lookup, eviction, flush, a stress run. */
#include "flow_test.h"

#include "flow_priv.h"

#define T0 SEC(5000)

/* Walk every internal list and check that each flow is in exactly the right ones, and the wheel's bitmap. */
static void check_consistency(const struct pt_flow_table *t)
{
	uint8_t *mark = calloc(t->max_flows, 1);
	uint64_t in_buckets = 0, in_wheel = 0, in_free = 0;

	assert_non_null(mark);
	for (uint32_t b = 0; b <= t->bucket_mask; b++) {
		for (uint32_t idx = t->buckets[b]; idx != PT_FLOW_NONE; idx = t->flows[idx].bucket_next) {
			const struct pt_flow *f = &t->flows[idx];

			assert_true(idx < t->max_flows);
			assert_int_equal(pt_flow_table_index(t, f), idx);
			assert_int_equal(mark[idx], 0);
			mark[idx] |= 1;
			assert_int_equal(f->hash & t->bucket_mask, b);
			assert_int_equal(f->hash, pt_flow_key_hash(&f->key, t->cfg.hash_seed));
			in_buckets++;
		}
	}
	for (uint32_t l = 0; l <= PT_FLOW_WHEEL_SLOTS; l++) {
		uint32_t prev = PT_FLOW_NONE;

		if (l < PT_FLOW_WHEEL_SLOTS) /* a slot's bit says whether it holds a flow */
			assert_int_equal((t->wheel_busy[l / 64] >> (l % 64)) & 1, t->wheel[l] != PT_FLOW_NONE);

		for (uint32_t idx = t->wheel[l]; idx != PT_FLOW_NONE; idx = t->flows[idx].wheel_next) {
			assert_true(idx < t->max_flows);
			assert_int_equal(mark[idx], 1); /* in a chain, not yet in the wheel */
			mark[idx] |= 2;
			assert_int_equal(t->flows[idx].wheel_slot, l);
			assert_int_equal(t->flows[idx].wheel_prev, prev);
			prev = idx;
			in_wheel++;
		}
	}
	for (uint32_t idx = t->free_head; idx != PT_FLOW_NONE; idx = t->flows[idx].bucket_next) {
		assert_true(idx < t->next_unused);
		assert_int_equal(mark[idx], 0);
		mark[idx] = 4;
		assert_int_equal(t->flows[idx].wheel_slot, PT_FLOW_NONE);
		in_free++;
	}
	/* Slots never handed out are in no list. */
	for (uint32_t idx = t->next_unused; idx < t->max_flows; idx++)
		assert_int_equal(mark[idx], 0);
	assert_int_equal(in_buckets, t->stats.active);
	assert_int_equal(in_wheel, t->stats.active);
	assert_int_equal(in_free + (t->max_flows - t->next_unused), t->max_flows - t->stats.active);
	free(mark);
}

static uint64_t ended_total(const struct pt_flow_stats *st)
{
	return st->ended[PT_FLOW_EVENT_END_IDLE] + st->ended[PT_FLOW_EVENT_END_CLOSED] +
	       st->ended[PT_FLOW_EVENT_END_EVICTED] + st->ended[PT_FLOW_EVENT_END_SHUTDOWN];
}

static struct pt_decoded udp_flow(uint32_t k)
{
	char src[32];

	snprintf(src, sizeof(src), "10.244.%u.%u", (k >> 8) & 255, k & 255);
	return test_pkt(17, src, (uint16_t)(20000 + (k >> 16)), "10.96.0.10", 53);
}

static void test_create_rejects(void **state)
{
	(void)state;
	struct pt_flow_config cfg = test_config(64);
	struct pt_flow_table *t;

	assert_null(pt_flow_table_create(NULL, NULL, NULL));
	cfg.max_flows = 0;
	assert_null(pt_flow_table_create(&cfg, NULL, NULL));
	cfg.max_flows = (1u << 30) + 1;
	assert_null(pt_flow_table_create(&cfg, NULL, NULL));
	for (unsigned int c = 0; c < PT_FLOW_TIMEOUT_CLASS_MAX; c++) {
		cfg = test_config(64);
		cfg.timeout_ns[c] = 0;
		assert_null(pt_flow_table_create(&cfg, NULL, NULL));
	}
	cfg = test_config(1);
	t = pt_flow_table_create(&cfg, NULL, NULL); /* a NULL callback is allowed: records are only counted */
	assert_non_null(t);
	check_consistency(t);
	pt_flow_table_free(t);
	pt_flow_table_free(NULL);
}

static void test_config_default(void **state)
{
	(void)state;
	struct pt_flow_config cfg;

	pt_flow_config_default(&cfg);
	assert_int_equal(cfg.max_flows, 262144);
	assert_int_equal(cfg.timeout_ns[PT_FLOW_TIMEOUT_TCP_OPENING], SEC(30));
	assert_int_equal(cfg.timeout_ns[PT_FLOW_TIMEOUT_TCP_ESTABLISHED], SEC(300));
	assert_int_equal(cfg.timeout_ns[PT_FLOW_TIMEOUT_TCP_CLOSED], SEC(5));
	assert_int_equal(cfg.timeout_ns[PT_FLOW_TIMEOUT_UDP], SEC(60));
	assert_int_equal(cfg.timeout_ns[PT_FLOW_TIMEOUT_ICMP], SEC(30));
	assert_int_equal(cfg.timeout_ns[PT_FLOW_TIMEOUT_OTHER], SEC(60));
	assert_int_equal(cfg.update_interval_ns, SEC(60));
	assert_true(sizeof(struct pt_flow) <= 256);
	print_message("# sizeof(struct pt_flow) = %zu\n", sizeof(struct pt_flow));
}

static void test_burst_lookup(void **state)
{
	(void)state;
	struct pt_flow_config cfg = test_config(64);
	struct pt_flow_table *t = pt_flow_table_create(&cfg, NULL, NULL);
	struct pt_decoded p[100];
	struct pt_flow *out[100];
	uint32_t lens[100];
	uint64_t ts[100];
	struct pt_flow_stats st;

	assert_non_null(t);
	p[0] = test_tcp("10.244.1.5", 40000, "192.0.2.10", 443, TCP_SYN, 0);
	p[1] = test_tcp("192.0.2.10", 443, "10.244.1.5", 40000, TCP_SYN | TCP_ACK, 0);
	p[2] = test_pkt(17, "10.244.1.5", 40000, "192.0.2.10", 443); /* same tuple, other protocol */
	p[3] = test_tcp("10.244.1.5", 40000, "192.0.2.10", 443, TCP_ACK, 0);
	p[4] = test_pkt(1, "10.244.1.5", 8, "192.0.2.10", 0);
	for (int i = 0; i < 5; i++) {
		lens[i] = 64;
		ts[i] = T0 + MSEC(i);
	}
	assert_int_equal(pt_flow_update_burst(t, p, lens, ts, out, 5), 5);
	assert_ptr_equal(out[0], out[1]);
	assert_ptr_equal(out[0], out[3]);
	assert_ptr_not_equal(out[0], out[2]);
	assert_ptr_not_equal(out[0], out[4]);
	assert_string_equal(out[0]->history, "ShA");
	assert_int_equal(out[0]->packets[0], 2);
	assert_int_equal(out[0]->packets[1], 1);
	pt_flow_table_stats(t, &st);
	assert_int_equal(st.created, 3);
	assert_int_equal(st.active, 3);

	/* more than 64 packets in one call: 10 flows, 10 packets each */
	for (uint32_t i = 0; i < 100; i++) {
		p[i] = udp_flow(i % 10);
		lens[i] = 100 + i;
		ts[i] = T0 + SEC(1) + i;
	}
	assert_int_equal(pt_flow_update_burst(t, p, lens, ts, out, 100), 100);
	for (uint32_t i = 0; i < 100; i++) {
		assert_non_null(out[i]);
		assert_ptr_equal(out[i], out[i % 10]);
		assert_int_equal(out[i]->packets[0], 10);
	}
	assert_int_equal(pt_flow_update_burst(t, p, lens, ts, NULL, 100), 100); /* flows_out is optional */
	assert_int_equal(out[0]->packets[0], 20);
	pt_flow_table_stats(t, &st);
	assert_int_equal(st.created, 13);
	check_consistency(t);
	pt_flow_table_free(t);
}

static void test_first_packet_metadata(void **state)
{
	(void)state;
	struct pt_flow_config cfg = test_config(8);
	struct pt_flow_table *t = pt_flow_table_create(&cfg, NULL, NULL);
	struct pt_decoded a = test_pkt(17, "10.244.0.1", 1000, "10.244.0.2", 2000);
	struct pt_decoded b = test_pkt(17, "10.244.0.2", 2000, "10.244.0.1", 1000);
	struct pt_flow *f;

	assert_non_null(t);
	a.vlan_count = 2;
	a.vlan_ids[0] = 100;
	a.vlan_ids[1] = 200;
	a.tunnel_depth = 1;
	a.tunnel_type = PT_TUNNEL_VXLAN;
	a.tunnel_ip_version = 4;
	a.tunnel_id = 4242;
	test_addr("198.51.100.1", a.tunnel_src);
	test_addr("198.51.100.2", a.tunnel_dst);
	b.vlan_count = 1;
	b.vlan_ids[0] = 300;
	test_feed(t, &a, 1514, T0);
	f = test_feed(t, &b, 64, T0 + MSEC(5));
	assert_int_equal(f->vlan_count, 2);
	assert_int_equal(f->vlan_ids[0], 100);
	assert_int_equal(f->vlan_ids[1], 200);
	assert_int_equal(f->tunnel_type, PT_TUNNEL_VXLAN);
	assert_int_equal(f->tunnel_depth, 1);
	assert_int_equal(f->tunnel_ip_version, 4);
	assert_int_equal(f->tunnel_id, 4242);
	assert_memory_equal(f->tunnel_src, a.tunnel_src, 16);
	assert_memory_equal(f->tunnel_dst, a.tunnel_dst, 16);
	assert_int_equal(f->bytes[0], 1514);
	assert_int_equal(f->bytes[1], 64);
	assert_int_equal(f->first_ns, T0);
	assert_int_equal(f->last_ns, T0 + MSEC(5));
	assert_int_equal(f->last_update_ns, T0);
	/* an out-of-order older timestamp does not move last_ns back */
	f = test_feed(t, &a, 60, T0 + MSEC(1));
	assert_int_equal(f->last_ns, T0 + MSEC(5));
	pt_flow_table_free(t);
}

static void test_eviction(void **state)
{
	(void)state;
	struct pt_flow_config cfg = test_config(8);
	struct test_recorder *rec = calloc(1, sizeof(*rec));
	struct pt_flow_table *t = pt_flow_table_create(&cfg, test_emit, rec);
	struct pt_flow_stats st;
	struct pt_decoded p;

	assert_non_null(t);
	for (uint32_t k = 0; k < 8; k++) {
		p = udp_flow(k);
		test_feed(t, &p, 100, T0 + SEC(k));
	}
	assert_int_equal(rec->n, 0);
	/* the ninth flow evicts the one closest to expiry: the first */
	p = udp_flow(8);
	test_feed(t, &p, 100, T0 + SEC(10));
	assert_int_equal(rec->n, 1);
	assert_int_equal(rec->recs[0].event, PT_FLOW_EVENT_END_EVICTED);
	assert_int_equal(rec->recs[0].now_ns, T0 + SEC(10));
	p = udp_flow(0);
	assert_memory_equal(pt_flow_orig_addr(&rec->recs[0].flow), p.src_addr, 16);
	/* the tenth evicts the second */
	p = udp_flow(9);
	test_feed(t, &p, 100, T0 + SEC(11));
	assert_int_equal(rec->n, 2);
	p = udp_flow(1);
	assert_memory_equal(pt_flow_orig_addr(&rec->recs[1].flow), p.src_addr, 16);
	pt_flow_table_stats(t, &st);
	assert_int_equal(st.created, 10);
	assert_int_equal(st.active, 8);
	assert_int_equal(st.ended[PT_FLOW_EVENT_END_EVICTED], 2);
	check_consistency(t);
	pt_flow_table_free(t);
	free(rec);
}

static void test_eviction_spares_burst(void **state)
{
	(void)state;
	struct pt_flow_config cfg = test_config(4);
	struct test_recorder *rec = calloc(1, sizeof(*rec));
	struct pt_flow_table *t = pt_flow_table_create(&cfg, test_emit, rec);
	struct pt_decoded p[2], x = udp_flow(1);
	struct pt_flow *out[2];
	uint32_t lens[2] = { 100, 100 };
	uint64_t ts[2] = { T0 + SEC(10), T0 + SEC(10) };

	assert_non_null(t);
	for (uint32_t k = 0; k < 4; k++) {
		p[0] = udp_flow(k);
		test_feed(t, &p[0], 100, T0 + SEC(k));
	}
	/* flow 0 is the oldest, but the same burst uses it: flow 1 goes instead */
	p[0] = udp_flow(0);
	p[1] = udp_flow(7);
	pt_flow_update_burst(t, p, lens, ts, out, 2);
	assert_int_equal(rec->n, 1);
	assert_memory_equal(pt_flow_orig_addr(&rec->recs[0].flow), x.src_addr, 16);
	assert_non_null(out[0]);
	assert_memory_equal(pt_flow_orig_addr(out[0]), p[0].src_addr, 16);
	assert_int_equal(out[0]->packets[0], 2);
	assert_memory_equal(pt_flow_orig_addr(out[1]), p[1].src_addr, 16);
	check_consistency(t);
	pt_flow_table_free(t);

	/* a one-flow table cannot spare anything: the earlier packet's flow pointer is cleared */
	cfg = test_config(1);
	rec->n = 0;
	t = pt_flow_table_create(&cfg, test_emit, rec);
	assert_non_null(t);
	p[0] = udp_flow(0);
	p[1] = udp_flow(1);
	assert_int_equal(pt_flow_update_burst(t, p, lens, ts, out, 2), 2);
	assert_null(out[0]);
	assert_non_null(out[1]);
	assert_memory_equal(pt_flow_orig_addr(out[1]), p[1].src_addr, 16);
	assert_int_equal(rec->n, 1);
	assert_int_equal(rec->recs[0].event, PT_FLOW_EVENT_END_EVICTED);
	check_consistency(t);
	pt_flow_table_free(t);
	free(rec);
}

/* Eviction finds the earliest busy slot: a flow armed before the ones it saw last must be found first. */
static void test_eviction_finds_earlier_deadline(void **state)
{
	(void)state;
	struct pt_flow_config cfg = test_config(4);
	struct test_recorder *rec = calloc(1, sizeof(*rec));
	struct pt_flow_table *t = pt_flow_table_create(&cfg, test_emit, rec);
	struct pt_decoded p, reset = test_tcp("10.244.9.9", 40000, "10.96.0.1", 443, TCP_RST, 0);

	assert_non_null(t);
	for (uint32_t k = 0; k < 4; k++) {
		p = udp_flow(k);
		test_feed(t, &p, 100, T0 + SEC(k)); /* idle deadlines T0 + 60..63 s */
	}
	/* the RST's flow evicts UDP flow 0 (the search steps over 3,840 empty slots, 60 words of the bitmap, to its deadline) */
	test_feed(t, &reset, 60, T0 + SEC(10));
	assert_int_equal(rec->n, 1);
	p = udp_flow(0);
	assert_memory_equal(pt_flow_orig_addr(&rec->recs[0].flow), p.src_addr, 16);
	/* its linger ends at T0 + 15 s, long before the UDP flows: the next new flow evicts it */
	p = udp_flow(7);
	test_feed(t, &p, 100, T0 + SEC(11));
	assert_int_equal(rec->n, 2);
	assert_int_equal(rec->recs[1].event, PT_FLOW_EVENT_END_EVICTED);
	assert_memory_equal(pt_flow_orig_addr(&rec->recs[1].flow), reset.src_addr, 16);
	/* and then UDP flow 1, the next closest */
	p = udp_flow(8);
	test_feed(t, &p, 100, T0 + SEC(12));
	p = udp_flow(1);
	assert_memory_equal(pt_flow_orig_addr(&rec->recs[2].flow), p.src_addr, 16);
	check_consistency(t);
	/* a flush with a budget of one at a time still ends everything, in deadline order */
	for (uint32_t left = 4; left > 0; left--)
		assert_int_equal(pt_flow_flush(t, T0 + SEC(13), 1), left - 1);
	assert_int_equal(rec->n, 7);
	p = udp_flow(2);
	assert_memory_equal(pt_flow_orig_addr(&rec->recs[3].flow), p.src_addr, 16);
	p = udp_flow(7);
	assert_memory_equal(pt_flow_orig_addr(&rec->recs[5].flow), p.src_addr, 16);
	p = udp_flow(8);
	assert_memory_equal(pt_flow_orig_addr(&rec->recs[6].flow), p.src_addr, 16);
	check_consistency(t);
	pt_flow_table_free(t);
	free(rec);
}

static void test_flush(void **state)
{
	(void)state;
	struct pt_flow_config cfg = test_config(64);
	struct test_recorder *rec = calloc(1, sizeof(*rec));
	struct pt_flow_table *t = pt_flow_table_create(&cfg, test_emit, rec);
	struct pt_flow_stats st;
	struct pt_decoded p;

	assert_non_null(t);
	assert_int_equal(pt_flow_flush(t, T0, 10), 0); /* empty */
	for (uint32_t k = 0; k < 50; k++) {
		p = udp_flow(k);
		test_feed(t, &p, 100, T0 + MSEC(k * 100));
	}
	assert_int_equal(pt_flow_advance(t, T0 + SEC(30), 64), 0);
	assert_int_equal(pt_flow_flush(t, T0 + SEC(31), 20), 30);
	assert_int_equal(rec->n, 20);
	assert_int_equal(pt_flow_flush(t, T0 + SEC(31), 20), 10);
	assert_int_equal(pt_flow_flush(t, T0 + SEC(31), 20), 0);
	assert_int_equal(pt_flow_flush(t, T0 + SEC(31), 20), 0);
	assert_int_equal(rec->count[PT_FLOW_EVENT_END_SHUTDOWN], 50);
	assert_int_equal(rec->recs[49].now_ns, T0 + SEC(31));
	pt_flow_table_stats(t, &st);
	assert_int_equal(st.active, 0);
	assert_int_equal(st.ended[PT_FLOW_EVENT_END_SHUTDOWN], 50);
	check_consistency(t);
	/* the table is usable afterwards */
	p = udp_flow(3);
	test_feed(t, &p, 100, T0 + SEC(40));
	assert_int_equal(pt_flow_advance(t, T0 + SEC(101), 64), 1);
	check_consistency(t);
	pt_flow_table_free(t);
	free(rec);
}

static uint32_t lcg(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(*s >> 33);
}

static void test_stress(void **state)
{
	(void)state;
	enum { FLOWS = 100000, PACKETS = 200000, BURST = 32 };
	static const uint8_t tcp_flags[] = { TCP_SYN, TCP_SYN | TCP_ACK, TCP_ACK, TCP_ACK | TCP_PSH, TCP_FIN | TCP_ACK,
					     TCP_RST };
	struct pt_flow_config cfg = test_config(4096);
	struct test_recorder *rec = calloc(1, sizeof(*rec));
	struct pt_flow_table *t;
	struct pt_flow_stats st;
	uint64_t seed = 42, now = T0;
	uint32_t left;

	cfg.update_interval_ns = SEC(20);
	cfg.timeout_ns[PT_FLOW_TIMEOUT_TCP_OPENING] = SEC(5);
	cfg.timeout_ns[PT_FLOW_TIMEOUT_TCP_ESTABLISHED] = SEC(30);
	cfg.timeout_ns[PT_FLOW_TIMEOUT_UDP] = SEC(5);
	cfg.timeout_ns[PT_FLOW_TIMEOUT_ICMP] = SEC(5);
	t = pt_flow_table_create(&cfg, test_emit, rec);
	assert_non_null(t);
	for (uint32_t done = 0; done < PACKETS; done += BURST) {
		struct pt_decoded p[BURST];
		struct pt_flow *out[BURST];
		uint32_t lens[BURST];
		uint64_t ts[BURST];

		for (uint32_t i = 0; i < BURST; i++) {
			/* a hot set of 2000 flows and a cold spread over 100k: half the packets in the first half
			 * (the table overflows: evictions), one in 16 in the second (flows idle out) */
			uint32_t cold_mask = done < PACKETS / 2 ? 1 : 15;
			uint32_t k = (lcg(&seed) & cold_mask) ? lcg(&seed) % 2000 : lcg(&seed) % FLOWS;
			char a[32], b[32];

			snprintf(a, sizeof(a), "10.244.%u.%u", k >> 8 & 255, k & 255);
			snprintf(b, sizeof(b), "192.0.2.%u", k % 7);
			switch (k % 3) {
			case 0:
				p[i] = (lcg(&seed) & 1) ? test_tcp(a, (uint16_t)(30000 + k / 65536), b, 443,
								   tcp_flags[lcg(&seed) % 6], lcg(&seed) % 2 * 100)
							: test_tcp(b, 443, a, (uint16_t)(30000 + k / 65536),
								   tcp_flags[lcg(&seed) % 6], lcg(&seed) % 2 * 100);
				break;
			case 1:
				p[i] = test_pkt(17, a, (uint16_t)(30000 + k / 65536), b, 53);
				break;
			default:
				p[i] = (lcg(&seed) & 1) ? test_pkt(1, a, 8, b, 0) : test_pkt(1, b, 0, a, 0);
				break;
			}
			lens[i] = 64 + lcg(&seed) % 1400;
			now += MSEC(1);
			ts[i] = now;
		}
		assert_int_equal(pt_flow_update_burst(t, p, lens, ts, out, BURST), BURST);
		for (uint32_t i = 0; i < BURST; i++) {
			struct pt_flow_key k;
			bool rev;

			pt_flow_key_from_packet(&p[i], &k, &rev);
			assert_non_null(out[i]);
			assert_memory_equal(&out[i]->key, &k, sizeof(k));
		}
		pt_flow_advance(t, now, 16);
		if (done % 20000 == 0) {
			check_consistency(t);
			pt_flow_table_stats(t, &st);
			assert_int_equal(st.created, ended_total(&st) + st.active);
		}
	}
	pt_flow_table_stats(t, &st);
	assert_true(st.ended[PT_FLOW_EVENT_END_EVICTED] > 0);
	assert_true(st.ended[PT_FLOW_EVENT_END_IDLE] > 0);
	assert_true(st.ended[PT_FLOW_EVENT_END_CLOSED] > 0);
	assert_true(st.ended[PT_FLOW_EVENT_UPDATE] > 0);
	assert_int_equal(st.created, ended_total(&st) + st.active);
	assert_true(st.active <= 4096);
	check_consistency(t);
	while ((left = pt_flow_flush(t, now, 1000)) > 0)
		;
	pt_flow_table_stats(t, &st);
	assert_int_equal(st.active, 0);
	assert_int_equal(st.created, ended_total(&st));
	for (unsigned int e = 0; e < PT_FLOW_EVENT_MAX; e++)
		assert_int_equal(st.ended[e], rec->count[e]);
	check_consistency(t);
	print_message("# stress: created %llu idle %llu closed %llu evicted %llu shutdown %llu updates %llu\n",
		      (unsigned long long)st.created, (unsigned long long)st.ended[PT_FLOW_EVENT_END_IDLE],
		      (unsigned long long)st.ended[PT_FLOW_EVENT_END_CLOSED],
		      (unsigned long long)st.ended[PT_FLOW_EVENT_END_EVICTED],
		      (unsigned long long)st.ended[PT_FLOW_EVENT_END_SHUTDOWN],
		      (unsigned long long)st.ended[PT_FLOW_EVENT_UPDATE]);
	pt_flow_table_free(t);
	free(rec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_rejects),
		cmocka_unit_test(test_config_default),
		cmocka_unit_test(test_burst_lookup),
		cmocka_unit_test(test_first_packet_metadata),
		cmocka_unit_test(test_eviction),
		cmocka_unit_test(test_eviction_spares_burst),
		cmocka_unit_test(test_eviction_finds_earlier_deadline),
		cmocka_unit_test(test_flush),
		cmocka_unit_test(test_stress),
	};

	return cmocka_run_group_tests_name("flow-table", tests, NULL, NULL);
}
