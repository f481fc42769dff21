/* SPDX-License-Identifier: BSD-3-Clause */
/* test_flow_tcp.c - Unit tests for TCP observation: Zeek conn_state, history letters, direction and counters. */
#include "flow_test.h"

struct step {
	bool from_client;
	uint8_t flags;
	uint32_t payload;
};

#define C(f, n) { true, (f), (n) }
#define S(f, n) { false, (f), (n) }
#define RUN(want, hist, ...) \
	check((const struct step[]){ __VA_ARGS__ }, sizeof((const struct step[]){ __VA_ARGS__ }) / sizeof(struct step), \
	      (want), (hist))

/* Client and server addresses; run twice so that the client is once key side 0 and once side 1. */
static const char *const client_addr[2] = { "10.244.1.5", "203.0.113.200" };
static const char *const server_addr[2] = { "192.0.2.10", "192.0.2.10" };

/* Feed @p steps into a fresh table; return a copy of the flow after the last packet. */
static struct pt_flow run(const struct step *steps, size_t n, int variant, enum pt_flow_timeout_class *classes)
{
	struct pt_flow_config cfg = test_config(16);
	struct pt_flow_table *t = pt_flow_table_create(&cfg, NULL, NULL);
	struct pt_flow *flow = NULL, copy;

	assert_non_null(t);
	for (size_t i = 0; i < n; i++) {
		struct pt_decoded p = steps[i].from_client
			? test_tcp(client_addr[variant], 40000, server_addr[variant], 80, steps[i].flags, steps[i].payload)
			: test_tcp(server_addr[variant], 80, client_addr[variant], 40000, steps[i].flags, steps[i].payload);
		struct pt_flow *f = test_feed(t, &p, 60 + steps[i].payload, SEC(100) + MSEC(i));

		if (flow != NULL)
			assert_ptr_equal(f, flow); /* one flow for both directions */
		flow = f;
		if (classes != NULL)
			classes[i] = (enum pt_flow_timeout_class)flow->timeout_class;
	}
	copy = *flow;
	pt_flow_table_free(t);
	return copy;
}

static void check(const struct step *steps, size_t n, enum pt_conn_state want, const char *history)
{
	for (int variant = 0; variant < 2; variant++) {
		struct pt_flow f = run(steps, n, variant, NULL);
		uint64_t pkts[2] = { 0, 0 }, bytes[2] = { 0, 0 };
		uint8_t client[16];

		assert_string_equal(pt_flow_conn_state_name(pt_flow_conn_state(&f)), pt_flow_conn_state_name(want));
		assert_string_equal(f.history, history);
		/* in every case below the client is the originator */
		test_addr(client_addr[variant], client);
		assert_memory_equal(pt_flow_orig_addr(&f), client, 16);
		assert_int_equal(pt_flow_orig_port(&f), 40000);
		assert_int_equal(pt_flow_resp_port(&f), 80);
		for (size_t i = 0; i < n; i++) {
			pkts[!steps[i].from_client]++;
			bytes[!steps[i].from_client] += 60 + steps[i].payload;
		}
		assert_int_equal(f.packets[0], pkts[0]);
		assert_int_equal(f.packets[1], pkts[1]);
		assert_int_equal(f.bytes[0], bytes[0]);
		assert_int_equal(f.bytes[1], bytes[1]);
		assert_int_equal(f.first_ns, SEC(100));
		assert_int_equal(f.last_ns, SEC(100) + MSEC(n - 1));
	}
}

#define SYN TCP_SYN
#define SA (TCP_SYN | TCP_ACK)
#define ACK TCP_ACK
#define PA (TCP_PSH | TCP_ACK)
#define FA (TCP_FIN | TCP_ACK)
#define RA (TCP_RST | TCP_ACK)

static void test_sf(void **state)
{
	(void)state;
	RUN(PT_CONN_SF, "ShADadFf",
	    C(SYN, 0), S(SA, 0), C(ACK, 0), C(PA, 100), S(ACK, 0), S(PA, 1400), C(FA, 0), S(FA, 0), C(ACK, 0));
}

static void test_s0(void **state)
{
	(void)state;
	RUN(PT_CONN_S0, "S", C(SYN, 0));
	RUN(PT_CONN_S0, "S", C(SYN, 0), C(SYN, 0), C(SYN, 0)); /* retransmissions add nothing */
}

static void test_s1(void **state)
{
	(void)state;
	RUN(PT_CONN_S1, "ShAD", C(SYN, 0), S(SA, 0), C(ACK, 0), C(PA, 20));
	RUN(PT_CONN_S1, "Sh", C(SYN, 0), S(SA, 0)); /* Zeek: established by the SYN+ACK */
}

static void test_rej(void **state)
{
	(void)state;
	RUN(PT_CONN_REJ, "Sr", C(SYN, 0), S(RA, 0));
}

static void test_s2_s3(void **state)
{
	(void)state;
	RUN(PT_CONN_S2, "ShADF", C(SYN, 0), S(SA, 0), C(ACK, 0), C(PA, 5), C(FA, 0));
	RUN(PT_CONN_S3, "ShADaf", C(SYN, 0), S(SA, 0), C(ACK, 0), C(PA, 5), S(ACK, 0), S(FA, 0));
}

static void test_rsto_rstr(void **state)
{
	(void)state;
	RUN(PT_CONN_RSTO, "ShADR", C(SYN, 0), S(SA, 0), C(ACK, 0), C(PA, 5), C(RA, 0));
	RUN(PT_CONN_RSTR, "ShADdr", C(SYN, 0), S(SA, 0), C(ACK, 0), C(PA, 5), S(PA, 9), S(RA, 0));
}

static void test_rstos0(void **state)
{
	(void)state;
	RUN(PT_CONN_RSTOS0, "SR", C(SYN, 0), C(TCP_RST, 0));
	/* an ACK before the RST is not RSTOS0 but OTH (Zeek's /^\^?S[^HAFGIQ]*R/) */
	RUN(PT_CONN_OTH, "SAR", C(SYN, 0), C(ACK, 0), C(TCP_RST, 0));
}

static void test_rstrh(void **state)
{
	(void)state;
	/* a SYN+ACK seen first: its receiver is the originator, history starts with '^' */
	RUN(PT_CONN_RSTRH, "^hr", S(SA, 0), S(TCP_RST, 0));
}

static void test_sh_shr(void **state)
{
	(void)state;
	RUN(PT_CONN_SH, "SF", C(SYN, 0), C(FA, 0));
	RUN(PT_CONN_SHR, "^hf", S(SA, 0), S(FA, 0));
}

static void test_oth(void **state)
{
	(void)state;
	RUN(PT_CONN_OTH, "Da", C(PA, 100), S(ACK, 0));            /* midstream */
	RUN(PT_CONN_OTH, "Dd", C(PA, 100), S(PA, 100), C(PA, 3)); /* midstream both ways */
}

static void test_flip_counts(void **state)
{
	(void)state;
	/* SYN+ACK first, then the rest of the connection: still one flow, the client is the originator */
	RUN(PT_CONN_SF, "^hADdFf", S(SA, 0), C(ACK, 0), C(PA, 300), S(PA, 1000), C(FA, 0), S(FA, 0), C(ACK, 0));
}

static void test_fin_rst_both_closed(void **state)
{
	(void)state;
	/* a RST after the FIN exchange keeps SF (Zeek keeps both endpoints closed) */
	RUN(PT_CONN_SF, "ShAFfR", C(SYN, 0), S(SA, 0), C(ACK, 0), C(FA, 0), S(FA, 0), C(TCP_RST, 0));
}

static void test_multi_flag_letters(void **state)
{
	(void)state;
	/* SYN+FIN is 'Q', FIN+RST is 'I', as in Zeek */
	RUN(PT_CONN_SH, "Q", C(TCP_SYN | TCP_FIN, 0));
	/* Zeek's RSTOS0 pattern excludes 'I', so SYN then FIN+RST is OTH */
	RUN(PT_CONN_OTH, "SI", C(SYN, 0), C(TCP_FIN | TCP_RST, 0));
}

static void test_data_in_fin_and_payload_bits(void **state)
{
	(void)state;
	const struct step steps[] = { C(SYN, 0), S(SA, 0), C(ACK, 0), C(FA | TCP_PSH, 50), S(FA, 0) };
	struct pt_flow f = run(steps, PT_ARRAY_SIZE(steps), 0, NULL);

	/* a FIN with data is an 'F' only (Zeek), but the payload bit is set */
	assert_string_equal(f.history, "ShAFf");
	assert_true(f.tcp_seen[0] & PT_FLOW_TCP_DATA);
	assert_false(f.tcp_seen[1] & PT_FLOW_TCP_DATA);
	assert_int_equal(f.tcp_seen[0], PT_FLOW_TCP_SYN | PT_FLOW_TCP_ACK | PT_FLOW_TCP_DATA | PT_FLOW_TCP_FIN);
	assert_int_equal(f.tcp_seen[1], PT_FLOW_TCP_SYNACK | PT_FLOW_TCP_ACK | PT_FLOW_TCP_FIN);
}

static void test_history_bounded(void **state)
{
	(void)state;
	/* every letter in both directions: 16 distinct letters, the history keeps PT_FLOW_HISTORY_LEN - 1 */
	const struct step steps[] = {
		C(SYN, 0), S(SA, 0), C(ACK, 0), C(PA, 1), S(ACK, 0), S(PA, 1), C(TCP_SYN | TCP_FIN, 0),
		S(TCP_SYN | TCP_FIN, 0), C(TCP_FIN | TCP_RST, 0), S(TCP_FIN | TCP_RST, 0), C(FA, 0), S(FA, 0),
		C(TCP_RST, 0), S(TCP_RST, 0), S(SYN, 0), C(SA, 0),
	};
	struct pt_flow f = run(steps, PT_ARRAY_SIZE(steps), 0, NULL);

	assert_int_equal(strlen(f.history), PT_FLOW_HISTORY_LEN - 1);
	assert_string_equal(f.history, "ShADadQqIiFfRrs");
}

static void test_timeout_classes(void **state)
{
	(void)state;
	enum pt_flow_timeout_class c[8];
	const struct step normal[] = { C(SYN, 0), S(SA, 0), C(ACK, 0), C(PA, 5), C(FA, 0), S(FA, 0) };
	const struct step mid[] = { C(PA, 5), C(SYN, 0), S(RA, 0) };
	const struct step scan[] = { C(TCP_FIN, 0) };

	run(normal, PT_ARRAY_SIZE(normal), 0, c);
	assert_int_equal(c[0], PT_FLOW_TIMEOUT_TCP_OPENING);
	assert_int_equal(c[1], PT_FLOW_TIMEOUT_TCP_OPENING);    /* SYN+ACK not yet acknowledged */
	assert_int_equal(c[2], PT_FLOW_TIMEOUT_TCP_ESTABLISHED);
	assert_int_equal(c[3], PT_FLOW_TIMEOUT_TCP_ESTABLISHED);
	assert_int_equal(c[4], PT_FLOW_TIMEOUT_TCP_ESTABLISHED); /* half closed */
	assert_int_equal(c[5], PT_FLOW_TIMEOUT_TCP_CLOSED);
	run(mid, PT_ARRAY_SIZE(mid), 0, c);
	assert_int_equal(c[0], PT_FLOW_TIMEOUT_TCP_ESTABLISHED); /* midstream */
	assert_int_equal(c[1], PT_FLOW_TIMEOUT_TCP_ESTABLISHED); /* a late SYN does not reopen */
	assert_int_equal(c[2], PT_FLOW_TIMEOUT_TCP_CLOSED);      /* any RST */
	run(scan, PT_ARRAY_SIZE(scan), 0, c);
	assert_int_equal(c[0], PT_FLOW_TIMEOUT_TCP_OPENING);     /* a bare FIN probe is not a connection */
}

static void test_other_protocols(void **state)
{
	(void)state;
	struct pt_flow_config cfg = test_config(16);
	struct pt_flow_table *t = pt_flow_table_create(&cfg, NULL, NULL);
	struct pt_decoded q = test_pkt(17, "10.244.0.3", 33000, "10.96.0.10", 53);
	struct pt_decoded a = test_pkt(17, "10.96.0.10", 53, "10.244.0.3", 33000);
	struct pt_decoded echo = test_pkt(1, "10.244.0.3", 8, "192.0.2.1", 0);
	struct pt_decoded reply = test_pkt(1, "192.0.2.1", 0, "10.244.0.3", 0);
	struct pt_decoded gre = test_pkt(47, "192.0.2.1", 0, "192.0.2.2", 0);
	struct pt_flow *f, fake;

	assert_non_null(t);
	f = test_feed(t, &q, 80, SEC(1));
	assert_int_equal(pt_flow_conn_state(f), PT_CONN_S0);
	assert_int_equal(f->timeout_class, PT_FLOW_TIMEOUT_UDP);
	f = test_feed(t, &a, 120, SEC(2));
	assert_int_equal(pt_flow_conn_state(f), PT_CONN_SF);
	assert_int_equal(f->packets[0], 1);
	assert_int_equal(f->bytes[1], 120);
	assert_string_equal(f->history, "");
	f = test_feed(t, &echo, 98, SEC(3));
	assert_int_equal(pt_flow_conn_state(f), PT_CONN_S0);
	assert_int_equal(f->timeout_class, PT_FLOW_TIMEOUT_ICMP);
	f = test_feed(t, &reply, 98, SEC(3));
	assert_int_equal(pt_flow_conn_state(f), PT_CONN_SF);
	f = test_feed(t, &gre, 200, SEC(4));
	assert_int_equal(f->timeout_class, PT_FLOW_TIMEOUT_OTHER);
	assert_int_equal(pt_flow_conn_state(f), PT_CONN_S0);
	fake = *f;
	fake.packets[0] = 0;
	fake.packets[1] = 3;
	assert_int_equal(pt_flow_conn_state(&fake), PT_CONN_SHR);
	fake.packets[1] = 0;
	assert_int_equal(pt_flow_conn_state(&fake), PT_CONN_OTH);
	pt_flow_table_free(t);
}

static void test_names(void **state)
{
	(void)state;
	const char *const states[] = { "S0", "S1", "SF", "REJ", "S2", "S3", "RSTO", "RSTR", "RSTOS0", "RSTRH",
				       "SH", "SHR", "OTH" };
	const char *const events[] = { "idle", "closed", "evicted", "shutdown", "update" };
	const char *const classes[] = { "tcp_opening", "tcp_established", "tcp_closed", "udp", "icmp", "other" };

	assert_int_equal(PT_ARRAY_SIZE(states), PT_CONN_STATE_MAX);
	for (unsigned int i = 0; i < PT_CONN_STATE_MAX; i++)
		assert_string_equal(pt_flow_conn_state_name((enum pt_conn_state)i), states[i]);
	for (unsigned int i = 0; i < PT_FLOW_EVENT_MAX; i++)
		assert_string_equal(pt_flow_event_name((enum pt_flow_event)i), events[i]);
	for (unsigned int i = 0; i < PT_FLOW_TIMEOUT_CLASS_MAX; i++)
		assert_string_equal(pt_flow_timeout_class_name((enum pt_flow_timeout_class)i), classes[i]);
	assert_string_equal(pt_flow_conn_state_name(PT_CONN_STATE_MAX), "unknown");
	assert_string_equal(pt_flow_event_name(PT_FLOW_EVENT_MAX), "unknown");
	assert_string_equal(pt_flow_timeout_class_name(PT_FLOW_TIMEOUT_CLASS_MAX), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sf),
		cmocka_unit_test(test_s0),
		cmocka_unit_test(test_s1),
		cmocka_unit_test(test_rej),
		cmocka_unit_test(test_s2_s3),
		cmocka_unit_test(test_rsto_rstr),
		cmocka_unit_test(test_rstos0),
		cmocka_unit_test(test_rstrh),
		cmocka_unit_test(test_sh_shr),
		cmocka_unit_test(test_oth),
		cmocka_unit_test(test_flip_counts),
		cmocka_unit_test(test_fin_rst_both_closed),
		cmocka_unit_test(test_multi_flag_letters),
		cmocka_unit_test(test_data_in_fin_and_payload_bits),
		cmocka_unit_test(test_history_bounded),
		cmocka_unit_test(test_timeout_classes),
		cmocka_unit_test(test_other_protocols),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests_name("flow-tcp", tests, NULL, NULL);
}
