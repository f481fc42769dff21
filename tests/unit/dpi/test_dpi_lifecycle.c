/* SPDX-License-Identifier: BSD-3-Clause */
/* test_dpi_lifecycle.c - Pools, the packet cap, lazy state, ending mid-classification, reuse, counters and configuration. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures.h"
#include "fixtures_expect.h"
#include "synth.h"

static struct pt_dpi *make(uint32_t states, uint32_t results, uint16_t max_packets, bool guess)
{
	struct pt_dpi_config cfg;
	char err[160] = "";
	struct pt_dpi *dpi;

	pt_dpi_config_default(&cfg);
	cfg.max_states = states;
	cfg.max_results = results;
	cfg.max_packets = max_packets;
	cfg.guess = guess;
	dpi = pt_dpi_create(&cfg, err, sizeof(err));
	if (dpi == NULL)
		fail_msg("pt_dpi_create: %s", err);
	return dpi;
}

static struct pt_dpi_stats stats_of(const struct pt_dpi *dpi)
{
	struct pt_dpi_stats st;

	pt_dpi_stats(dpi, &st);
	return st;
}

static void test_config(void **state)
{
	struct pt_dpi_config cfg, bad;
	char err[160];

	(void)state;
	pt_dpi_config_default(&cfg);
	assert_int_equal(cfg.max_states, 65536);
	assert_int_equal(cfg.max_results, 65536);
	assert_int_equal(cfg.max_packets, 32);
	assert_true(cfg.guess);
	assert_int_equal(pt_dpi_ndpi_flow_size(), 688); /* nDPI 4.2 */
	assert_true(sizeof(struct pt_dpi_result) <= PT_DPI_RESULT_MAX_SIZE);
	assert_int_equal(sizeof(struct pt_dpi_flow), 12);
	/* states: 688 + the last protocol + a free-list slot; results: the struct + a free-list slot */
	assert_true(pt_dpi_pool_bytes(&cfg) > 65536ULL * 688 + 65536ULL * sizeof(struct pt_dpi_result));

	bad = cfg, bad.max_states = 0;
	assert_null(pt_dpi_create(&bad, err, sizeof(err)));
	assert_non_null(strstr(err, "max_states"));
	bad = cfg, bad.max_states = (1u << 24) + 1;
	assert_null(pt_dpi_create(&bad, err, sizeof(err)));
	assert_non_null(strstr(err, "max_states"));
	bad = cfg, bad.max_results = 0;
	assert_null(pt_dpi_create(&bad, err, sizeof(err)));
	assert_non_null(strstr(err, "max_results"));
	bad = cfg, bad.max_packets = 0;
	assert_null(pt_dpi_create(&bad, err, sizeof(err)));
	assert_non_null(strstr(err, "max_packets"));
	bad = cfg, bad.max_packets = PT_DPI_MAX_PACKETS + 1;
	assert_null(pt_dpi_create(&bad, NULL, 0)); /* no error buffer is fine */
	assert_null(pt_dpi_create(NULL, err, sizeof(err)));
	pt_dpi_free(NULL);
	assert_string_equal(pt_dpi_end_name(PT_DPI_END_DETECTED), "detected");
	assert_string_equal(pt_dpi_end_name(PT_DPI_END_PACKET_CAP), "packet_cap");
	assert_string_equal(pt_dpi_end_name(PT_DPI_END_FLOW_END), "flow_end");
	assert_string_equal(pt_dpi_end_name((enum pt_dpi_end)0), "unknown");
}

/* The handshake of a TCP flow carries no payload: it takes nothing, and a flow that never carries payload
 * never does. */
static void test_no_payload_takes_nothing(void **state)
{
	struct pt_dpi *dpi = make(4, 4, 32, true);
	struct pt_dpi_flow df = PT_DPI_FLOW_INIT;
	struct pt_dpi_stats st;

	(void)state;
	/* tls12 frames 0-2: SYN, SYN+ACK, ACK */
	assert_int_equal(fx_feed(dpi, &df, fx_find("tls12"), 0, 3), 3);
	assert_int_equal(df.status, PT_DPI_STATUS_NONE);
	assert_int_equal(df.state, 0);
	assert_int_equal(df.result, 0);
	assert_true(pt_dpi_flow_wants(&df));
	st = stats_of(dpi);
	assert_int_equal(st.flows_started, 0);
	assert_int_equal(st.packets_inspected, 0);
	assert_int_equal(st.states_in_use, 0);
	/* The flow ends like that: no result, no counters. */
	pt_dpi_flow_end(dpi, &df);
	assert_null(pt_dpi_flow_result(dpi, &df));
	st = stats_of(dpi);
	assert_int_equal(st.flows_given_up + st.flows_classified + st.flows_ended_in_dpi, 0);
	pt_dpi_flow_release(dpi, &df);
	assert_int_equal(df.status, PT_DPI_STATUS_NONE);

	/* The first payload byte takes a state; the handshake packets before it were not given to nDPI. */
	assert_int_equal(fx_feed(dpi, &df, fx_find("tls12"), 0, 4), 4);
	assert_int_equal(df.status, PT_DPI_STATUS_ACTIVE);
	assert_int_equal(df.packets, 1);
	st = stats_of(dpi);
	assert_int_equal(st.flows_started, 1);
	assert_int_equal(st.packets_inspected, 1);
	assert_int_equal(st.states_in_use, 1);
	assert_int_equal(st.results_in_use, 1);
	pt_dpi_flow_release(dpi, &df);
	pt_dpi_free(dpi);
}

static void test_state_pool_exhausted(void **state)
{
	struct pt_dpi *dpi = make(1, 8, 32, true);
	struct pt_dpi_flow a = PT_DPI_FLOW_INIT, b = PT_DPI_FLOW_INIT, c = PT_DPI_FLOW_INIT;
	struct fx_fields f;
	struct pt_dpi_stats st;

	(void)state;
	/* A holds the only state: its ClientHello is in, its server has not answered yet. */
	fx_feed(dpi, &a, fx_find("tls12"), 0, 4);
	assert_int_equal(a.status, PT_DPI_STATUS_ACTIVE);
	/* B finds the pool empty: counted, never classified, asks for nothing more. */
	assert_int_equal(fx_feed(dpi, &b, fx_find("dns_a"), 0, 2), 1);
	assert_int_equal(b.status, PT_DPI_STATUS_SKIPPED);
	assert_false(pt_dpi_flow_wants(&b));
	assert_null(pt_dpi_flow_result(dpi, &b));
	st = stats_of(dpi);
	assert_int_equal(st.pool_exhausted, 1);
	assert_int_equal(st.results_exhausted, 0);
	assert_int_equal(st.flows_started, 1);
	assert_int_equal(st.results_in_use, 1); /* B took no result slot either */
	pt_dpi_flow_end(dpi, &b);
	assert_null(pt_dpi_flow_result(dpi, &b));
	pt_dpi_flow_release(dpi, &b);

	/* A finishes: its state goes back as soon as classification ends, before A's record is written. */
	fx_feed(dpi, &a, fx_find("tls12"), 4, UINT32_MAX);
	assert_int_equal(a.status, PT_DPI_STATUS_DONE);
	assert_int_equal(stats_of(dpi).states_in_use, 0);
	fx_flatten(pt_dpi_flow_result(dpi, &a), &f);
	assert_string_equal(fx_get(&f, "tls.server.hash.sha1"), FX_LEAF_SHA1);

	/* So C gets it. */
	fx_feed(dpi, &c, fx_find("http"), 0, UINT32_MAX);
	assert_int_equal(c.status, PT_DPI_STATUS_DONE);
	fx_flatten(pt_dpi_flow_result(dpi, &c), &f);
	assert_string_equal(fx_get(&f, "url.domain"), FX_HTTP_HOST);
	pt_dpi_flow_release(dpi, &a);
	pt_dpi_flow_release(dpi, &c);
	st = stats_of(dpi);
	assert_int_equal(st.states_in_use, 0);
	assert_int_equal(st.results_in_use, 0);
	pt_dpi_free(dpi);
}

/* A shed flow is never classified and holds nothing; a flow already being classified is not shed. */
static void test_flow_shed(void **state)
{
	struct pt_dpi *dpi = make(4, 8, 32, true);
	struct pt_dpi_flow a = PT_DPI_FLOW_INIT, b = PT_DPI_FLOW_INIT;
	struct pt_dpi_stats st;

	(void)state;
	fx_feed(dpi, &a, fx_find("tls12"), 0, 4);       /* its ClientHello: being classified */
	assert_int_equal(a.status, PT_DPI_STATUS_ACTIVE);
	assert_false(pt_dpi_flow_shed(dpi, &a));
	assert_int_equal(a.status, PT_DPI_STATUS_ACTIVE);
	assert_true(pt_dpi_flow_shed(dpi, &b));
	assert_int_equal(b.status, PT_DPI_STATUS_SKIPPED);
	assert_false(pt_dpi_flow_wants(&b));
	assert_false(pt_dpi_flow_shed(dpi, &b));          /* counted once */
	assert_int_equal(fx_feed(dpi, &b, fx_find("dns_a"), 0, 2), 1);   /* one offered, refused */
	assert_null(pt_dpi_flow_result(dpi, &b));
	st = stats_of(dpi);
	assert_int_equal(st.flows_shed, 1);
	assert_int_equal(st.flows_started, 1);
	assert_int_equal(st.states_in_use, 1);
	assert_int_equal(st.results_in_use, 1);
	pt_dpi_flow_end(dpi, &b);
	pt_dpi_flow_release(dpi, &b);
	pt_dpi_flow_release(dpi, &a);
	st = stats_of(dpi);
	assert_int_equal(st.states_in_use, 0);
	assert_int_equal(st.results_in_use, 0);
	pt_dpi_free(dpi);
}

static void test_result_pool_exhausted(void **state)
{
	struct pt_dpi *dpi = make(4, 1, 32, true);
	struct pt_dpi_flow a = PT_DPI_FLOW_INIT, b = PT_DPI_FLOW_INIT;
	struct pt_dpi_stats st;

	(void)state;
	fx_feed(dpi, &a, fx_find("dns_a"), 0, UINT32_MAX);
	assert_int_equal(a.status, PT_DPI_STATUS_DONE);
	/* A's record is not written yet: its result holds the only slot. */
	fx_feed(dpi, &b, fx_find("http"), 0, UINT32_MAX);
	assert_int_equal(b.status, PT_DPI_STATUS_SKIPPED);
	st = stats_of(dpi);
	assert_int_equal(st.results_exhausted, 1);
	assert_int_equal(st.pool_exhausted, 0);
	assert_int_equal(st.states_in_use, 0);
	pt_dpi_flow_release(dpi, &b);
	pt_dpi_flow_release(dpi, &a);
	fx_feed(dpi, &b, fx_find("http"), 0, UINT32_MAX);
	assert_int_equal(b.status, PT_DPI_STATUS_DONE);
	pt_dpi_flow_release(dpi, &b);
	pt_dpi_free(dpi);
}

/* A cap below what the certificate needs: classification stops there with what nDPI had. */
static void test_packet_cap_detected(void **state)
{
	struct pt_dpi *dpi = make(4, 4, 2, true);
	struct pt_dpi_flow df = PT_DPI_FLOW_INIT;
	const struct pt_dpi_result *r;
	struct fx_fields f;
	struct pt_dpi_stats st;

	(void)state;
	fx_feed(dpi, &df, fx_find("tls12"), 0, UINT32_MAX);
	assert_int_equal(df.status, PT_DPI_STATUS_DONE);
	assert_int_equal(df.packets, 2);
	r = pt_dpi_flow_result(dpi, &df);
	assert_non_null(r);
	assert_int_equal(r->end, PT_DPI_END_PACKET_CAP);
	assert_int_equal(r->packets, 2);
	fx_flatten(r, &f);
	assert_string_equal(fx_get(&f, "network.protocol"), "tls");
	assert_string_equal(fx_get(&f, "tls.client.server_name"), FX_SNI_TLS);
	assert_null(fx_get(&f, "tls.server.hash.sha1"));
	assert_string_equal(fx_get(&f, "podtap.dpi.packets"), "2");
	st = stats_of(dpi);
	assert_int_equal(st.flows_capped, 1);
	assert_int_equal(st.flows_classified, 1);
	assert_int_equal(st.flows_given_up, 0);
	assert_int_equal(st.packets_inspected, 2);
	/* Later packets are refused without touching nDPI. */
	assert_false(pt_dpi_packet(dpi, &df, fx_find("tls12")->frames[5].data + 14, 60, SYN_TCP, 10, 0));
	assert_int_equal(stats_of(dpi).packets_inspected, 2);
	pt_dpi_flow_release(dpi, &df);
	pt_dpi_free(dpi);
}

/* Garbage to port 443 that nDPI never recognises: it gives up at the cap, and guesses TLS by the port. */
static void run_garbage_443(bool guess, struct fx_fields *f, struct pt_dpi_stats *st)
{
	struct pt_dpi *dpi = make(4, 4, 10, guess);
	struct pt_dpi_flow df = PT_DPI_FLOW_INIT;
	struct syn_flow sf;
	uint8_t payload[64], pkt[256];
	uint64_t seed = 42;
	int i;

	syn_flow_v4(&sf, SYN_TCP, 7, 40000, 443);
	for (i = 0; i < 50; i++) {
		uint32_t len;

		for (size_t k = 0; k < sizeof(payload); k++)
			payload[k] = (uint8_t)(0x80 | syn_rand(&seed)); /* never a TLS record type */
		len = syn_packet(&sf, i & 1, payload, sizeof(payload), pkt, sizeof(pkt));
		if (!pt_dpi_packet(dpi, &df, pkt, len, SYN_TCP, sizeof(payload), (uint64_t)i * 1000000))
			break;
	}
	assert_int_equal(i, 9); /* the tenth packet was the last */
	fx_flatten(pt_dpi_flow_result(dpi, &df), f);
	*st = stats_of(dpi);
	pt_dpi_flow_release(dpi, &df);
	pt_dpi_free(dpi);
}

static void test_packet_cap_gives_up(void **state)
{
	struct fx_fields f;
	struct pt_dpi_stats st;

	(void)state;
	run_garbage_443(true, &f, &st);
	assert_int_equal(st.flows_given_up, 1);
	assert_int_equal(st.flows_guessed, 1);
	assert_int_equal(st.flows_capped, 1);
	assert_int_equal(st.flows_classified, 0);
	assert_int_equal(st.packets_inspected, 10);
	assert_string_equal(fx_get(&f, "network.protocol"), "tls");
	assert_string_equal(fx_get(&f, "podtap.dpi.confidence"), "Match by port");
	assert_string_equal(fx_get(&f, "podtap.dpi.packets"), "10");
	assert_null(fx_get(&f, "tls.client.server_name"));

	run_garbage_443(false, &f, &st);
	assert_int_equal(st.flows_given_up, 1);
	assert_int_equal(st.flows_guessed, 0);
	assert_null(fx_get(&f, "network.protocol"));
	assert_null(fx_get(&f, "podtap.dpi.confidence"));
	assert_string_equal(fx_get(&f, "podtap.dpi.packets"), "10");
}

/* The flow ends while still in classification: give up, keep what nDPI found, return the state. */
static void test_end_mid_dpi(void **state)
{
	struct pt_dpi *dpi = make(4, 4, 32, true);
	struct pt_dpi_flow df = PT_DPI_FLOW_INIT;
	const struct pt_dpi_result *r;
	struct fx_fields f;
	struct pt_dpi_stats st;

	(void)state;
	fx_feed(dpi, &df, fx_find("tls12"), 0, 4); /* up to the ClientHello */
	assert_int_equal(df.status, PT_DPI_STATUS_ACTIVE);
	assert_null(pt_dpi_flow_result(dpi, &df)); /* nothing to report while classifying */
	pt_dpi_flow_end(dpi, &df);
	assert_int_equal(df.status, PT_DPI_STATUS_DONE);
	r = pt_dpi_flow_result(dpi, &df);
	assert_non_null(r);
	assert_int_equal(r->end, PT_DPI_END_FLOW_END);
	assert_int_equal(r->packets, 1);
	fx_flatten(r, &f);
	assert_string_equal(fx_get(&f, "tls.client.server_name"), FX_SNI_TLS);
	assert_string_equal(fx_get(&f, "tls.client.ja3"), FX_TLS12_JA3C);
	assert_null(fx_get(&f, "tls.server.ja3s"));
	st = stats_of(dpi);
	assert_int_equal(st.flows_ended_in_dpi, 1);
	assert_int_equal(st.flows_classified, 1);
	assert_int_equal(st.states_in_use, 0);
	assert_int_equal(st.results_in_use, 1);
	/* Ending twice changes nothing. */
	pt_dpi_flow_end(dpi, &df);
	assert_int_equal(stats_of(dpi).flows_ended_in_dpi, 1);
	pt_dpi_flow_release(dpi, &df);
	assert_int_equal(stats_of(dpi).results_in_use, 0);
	assert_int_equal(df.status, PT_DPI_STATUS_NONE);
	pt_dpi_free(dpi);
}

/* Released without pt_dpi_flow_end (the flow was dropped): the state and nDPI's strings are freed (ASan's
 * leak check would see them otherwise). */
static void test_release_active(void **state)
{
	struct pt_dpi *dpi = make(2, 2, 32, true);
	struct pt_dpi_flow df = PT_DPI_FLOW_INIT;
	struct pt_dpi_stats st;

	(void)state;
	fx_feed(dpi, &df, fx_find("http"), 0, 4); /* the request: nDPI now holds the URL and User-Agent */
	assert_int_equal(df.status, PT_DPI_STATUS_ACTIVE);
	pt_dpi_flow_release(dpi, &df);
	st = stats_of(dpi);
	assert_int_equal(st.states_in_use, 0);
	assert_int_equal(st.results_in_use, 0);
	assert_int_equal(st.flows_classified + st.flows_given_up, 0);
	/* And a classifier freed with flows still in classification frees them too. */
	fx_feed(dpi, &df, fx_find("http"), 0, 4);
	fx_feed(dpi, &(struct pt_dpi_flow)PT_DPI_FLOW_INIT, fx_find("tls12"), 0, 4);
	assert_int_equal(stats_of(dpi).states_in_use, 2);
	pt_dpi_free(dpi);
}

/* One state reused for every capture, many times: each flow starts from a clean nDPI state. */
static void test_state_reuse(void **state)
{
	struct pt_dpi *dpi = make(1, 1, 32, true);
	char first[16][2048], json[2048];
	struct pt_dpi_stats st;

	(void)state;
	assert_true(fx_n_captures <= 16);
	for (int round = 0; round < 20; round++) {
		for (unsigned int i = 0; i < fx_n_captures; i++) {
			struct pt_dpi_flow df;
			struct fx_fields f;
			const struct pt_dpi_result *r = fx_classify(dpi, &df, fx_captures[i].name, &f);

			assert_non_null(r);
			fx_json(r, json, sizeof(json));
			if (round == 0)
				snprintf(first[i], sizeof(first[i]), "%s", json);
			else
				assert_string_equal(json, first[i]);
			pt_dpi_flow_release(dpi, &df);
		}
	}
	st = stats_of(dpi);
	assert_int_equal(st.flows_started, 20 * fx_n_captures);
	assert_int_equal(st.pool_exhausted + st.results_exhausted, 0);
	assert_int_equal(st.states_in_use + st.results_in_use, 0);
	pt_dpi_free(dpi);
}

/* Counters add up over a mix of flows, and packets_inspected is the sum of every result's packets. */
static void test_counters(void **state)
{
	struct pt_dpi *dpi = make(64, 64, 32, true);
	struct pt_dpi_flow df[16];
	uint64_t packets = 0;
	struct pt_dpi_stats st;

	(void)state;
	for (unsigned int i = 0; i < fx_n_captures; i++) {
		struct fx_fields f;
		const struct pt_dpi_result *r = fx_classify(dpi, &df[i], fx_captures[i].name, &f);

		packets += r->packets;
	}
	st = stats_of(dpi);
	assert_int_equal(st.flows_started, fx_n_captures);
	assert_int_equal(st.flows_classified + st.flows_given_up, fx_n_captures);
	assert_int_equal(st.flows_given_up, 1); /* tcp_unknown */
	assert_int_equal(st.flows_capped, 1);
	assert_int_equal(st.packets_inspected, packets);
	assert_int_equal(st.results_in_use, fx_n_captures);
	assert_int_equal(st.states_in_use, 0);
	for (unsigned int i = 0; i < fx_n_captures; i++)
		pt_dpi_flow_release(dpi, &df[i]);
	assert_int_equal(stats_of(dpi).results_in_use, 0);
	pt_dpi_free(dpi);
}

/* IP fragments are not given to nDPI: they neither take a state nor count. */
static void test_fragments_skipped(void **state)
{
	struct pt_dpi *dpi = make(2, 2, 32, true);
	struct pt_dpi_flow df = PT_DPI_FLOW_INIT;
	const struct fx_capture *c = fx_find("dns_a");
	struct pt_decode_options opt;
	struct pt_decoded pkt;

	(void)state;
	pt_decode_options_default(&opt);
	assert_int_equal(pt_decode_frame(c->frames[0].data, c->frames[0].len, c->frames[0].wire_len, &opt, &pkt),
			 PT_DECODE_OK);
	pkt.frag = PT_DECODE_FRAG_FIRST;
	assert_true(pt_dpi_packet_decoded(dpi, &df, c->frames[0].data, &pkt, 1));
	pkt.frag = PT_DECODE_FRAG_LATER;
	assert_true(pt_dpi_packet_decoded(dpi, &df, c->frames[0].data, &pkt, 2));
	assert_int_equal(df.status, PT_DPI_STATUS_NONE);
	assert_int_equal(stats_of(dpi).packets_inspected, 0);
	pkt.frag = 0;
	assert_true(pt_dpi_packet_decoded(dpi, &df, c->frames[0].data, &pkt, 3));
	assert_int_equal(df.status, PT_DPI_STATUS_ACTIVE);
	pt_dpi_flow_release(dpi, &df);
	pt_dpi_free(dpi);
}

/* A packet of another protocol or IP version never reaches the flow's nDPI state (lib/flow keys on both, so
 * only a confused caller sends one): nDPI's TCP and UDP state share memory. */
static void test_mismatched_packet(void **state)
{
	struct pt_dpi *dpi = make(2, 2, 32, true);
	struct pt_dpi_flow df = PT_DPI_FLOW_INIT;
	const struct fx_capture *dns = fx_find("dns_a");
	struct syn_flow sf;
	uint8_t pkt[128];
	uint32_t len;

	(void)state;
	fx_feed(dpi, &df, fx_find("tls12"), 0, 4);
	assert_int_equal(df.status, PT_DPI_STATUS_ACTIVE);
	assert_true(pt_dpi_packet(dpi, &df, dns->frames[0].data + 14, dns->frames[0].len - 14, SYN_UDP, 20, 5));
	syn_flow_v6(&sf, SYN_TCP, 1, 1234, 443);
	len = syn_packet(&sf, false, (const uint8_t *)"\x16\x03\x01", 3, pkt, sizeof(pkt));
	assert_true(pt_dpi_packet(dpi, &df, pkt, len, SYN_TCP, 3, 6));
	assert_int_equal(df.packets, 1);
	assert_int_equal(df.status, PT_DPI_STATUS_ACTIVE);
	assert_int_equal(stats_of(dpi).packets_mismatched, 2);
	assert_int_equal(stats_of(dpi).packets_inspected, 1);
	fx_feed(dpi, &df, fx_find("tls12"), 4, UINT32_MAX);
	assert_int_equal(df.status, PT_DPI_STATUS_DONE);
	pt_dpi_flow_release(dpi, &df);
	pt_dpi_free(dpi);
}

/* Several classifiers (one per worker) at once, created from several threads. */
#include <pthread.h>

static void *worker(void *arg)
{
	struct pt_dpi *dpi = make(4, 4, 32, true);
	const char **failure = arg;

	for (int round = 0; round < 5; round++) {
		struct pt_dpi_flow df = PT_DPI_FLOW_INIT;
		const struct fx_capture *c = fx_find("tls12");
		const struct pt_dpi_result *r;

		fx_feed(dpi, &df, c, 0, c->n_frames);
		r = pt_dpi_flow_result(dpi, &df);
		if (r == NULL || strcmp(r->server_name, FX_SNI_TLS) != 0 || strcmp(r->u.tls.subject, FX_LEAF_SUBJECT) != 0)
			*failure = "wrong result in a worker";
		pt_dpi_flow_release(dpi, &df);
	}
	pt_dpi_free(dpi);
	return NULL;
}

static void test_one_module_per_worker(void **state)
{
	pthread_t t[4];
	const char *failure[4] = { NULL };

	(void)state;
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, worker, &failure[i]), 0);
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		if (failure[i] != NULL)
			fail_msg("%s", failure[i]);
	}
}

static void test_stats_add(void **state)
{
	struct pt_dpi_stats sum, one;
	uint64_t *fields = (uint64_t *)&one;
	const size_t n = sizeof(one) / sizeof(uint64_t);

	(void)state;
	memset(&sum, 0, sizeof(sum));
	for (size_t i = 0; i < n; i++)
		fields[i] = i + 1;                 /* every counter distinct, so a missed one shows */
	pt_dpi_stats_add(&sum, &one);
	pt_dpi_stats_add(&sum, &one);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(((uint64_t *)&sum)[i], 2 * (i + 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_no_payload_takes_nothing),
		cmocka_unit_test(test_state_pool_exhausted),
		cmocka_unit_test(test_result_pool_exhausted),
		cmocka_unit_test(test_flow_shed),
		cmocka_unit_test(test_packet_cap_detected),
		cmocka_unit_test(test_packet_cap_gives_up),
		cmocka_unit_test(test_end_mid_dpi),
		cmocka_unit_test(test_release_active),
		cmocka_unit_test(test_state_reuse),
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_fragments_skipped),
		cmocka_unit_test(test_mismatched_packet),
		cmocka_unit_test(test_one_module_per_worker),
		cmocka_unit_test(test_stats_add),
	};

	return cmocka_run_group_tests_name("dpi_lifecycle", tests, NULL, NULL);
}
