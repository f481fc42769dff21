/* SPDX-License-Identifier: BSD-3-Clause */
/* test_dpi_robust.c - Garbage, mutated and truncated packets never crash the classifier or leak its pools (run under ASan too). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures.h"
#include "pt_util.h"
#include "synth.h"

/* PT_DPI_FUZZ_ROUNDS and PT_DPI_FUZZ_SEED make the mutation test longer or different, for a manual soak. */
static unsigned long env_number(const char *name, unsigned long dflt)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0' ? strtoul(v, NULL, 0) : dflt;
}

static int setup(void **state)
{
	struct pt_dpi_config cfg;

	pt_dpi_config_default(&cfg);
	cfg.max_states = 64;
	cfg.max_results = 256;
	*state = pt_dpi_create(&cfg, NULL, 0);
	return *state == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	pt_dpi_free(*state);
	return 0;
}

static void assert_pools_empty(const struct pt_dpi *dpi)
{
	struct pt_dpi_stats st;

	pt_dpi_stats(dpi, &st);
	assert_int_equal(st.states_in_use, 0);
	assert_int_equal(st.results_in_use, 0);
}

/* End, read (walk every field) and release: what the worker does for each flow. */
static void finish_flow(struct pt_dpi *dpi, struct pt_dpi_flow *df)
{
	struct fx_fields f;
	char json[4096];

	pt_dpi_flow_end(dpi, df);
	fx_flatten(pt_dpi_flow_result(dpi, df), &f);
	if (pt_dpi_flow_result(dpi, df) != NULL)
		fx_json(pt_dpi_flow_result(dpi, df), json, sizeof(json));
	pt_dpi_flow_release(dpi, df);
}

/* The L4 protocol a raw IP packet says it carries (the IPv6 next header, extension headers not followed). */
static uint8_t raw_l4(const uint8_t *l3, uint32_t len)
{
	if (len >= 20 && (l3[0] >> 4) == 4)
		return l3[9];
	if (len >= 40 && (l3[0] >> 4) == 6)
		return l3[6];
	return 0;
}

/* Feed @p len bytes as an exactly-sized heap copy, so that reads past the end land outside the block. */
static bool feed_copy(struct pt_dpi *dpi, struct pt_dpi_flow *df, const uint8_t *l3, uint32_t len, uint8_t l4,
		      uint32_t payload, uint64_t ts)
{
	uint8_t *copy = malloc(len ? len : 1);
	bool more;

	assert_non_null(copy);
	memcpy(copy, l3, len);
	more = pt_dpi_packet(dpi, df, copy, len, l4, payload, ts);
	free(copy);
	return more;
}

/* Random payloads on the ports of protocols nDPI dissects, over TCP and UDP, IPv4 and IPv6. */
static void test_random_payloads(void **state)
{
	static const uint16_t ports[] = { 53, 80, 443, 22, 123, 5060, 3478, 1194, 5353, 137, 161, 389, 445, 1883,
					  3306, 5432, 6379, 8080, 11211, 27017, 67, 69, 500, 4789, 51820, 0, 65535 };
	struct pt_dpi *dpi = *state;
	uint64_t seed = 0x5eed;
	uint8_t payload[1500], pkt[1600];

	for (int n = 0; n < 3000; n++) {
		struct pt_dpi_flow df = PT_DPI_FLOW_INIT;
		struct syn_flow sf;
		uint8_t proto = (syn_rand(&seed) & 1) ? SYN_TCP : SYN_UDP;
		uint16_t port = ports[syn_rand(&seed) % PT_ARRAY_SIZE(ports)];
		int packets = 1 + (int)(syn_rand(&seed) % 40);

		if (syn_rand(&seed) & 1)
			syn_flow_v4(&sf, proto, (uint32_t)n, (uint16_t)(1024 + n), port);
		else
			syn_flow_v6(&sf, proto, (uint32_t)n, (uint16_t)(1024 + n), port);
		for (int i = 0; i < packets; i++) {
			uint32_t len = (uint32_t)(syn_rand(&seed) % 1400), total;
			uint64_t r = syn_rand(&seed);

			for (uint32_t k = 0; k < len; k++)
				payload[k] = (uint8_t)syn_rand(&seed);
			/* Now and then a plausible start, so that dissectors go further than their first check. */
			if (len >= 8 && (r & 7) == 0)
				memcpy(payload, "\x16\x03\x01\x02\x00\x01\x00\x01", 8);
			else if (len >= 8 && (r & 7) == 1)
				memcpy(payload, "GET / HT", 8);
			else if (len >= 8 && (r & 7) == 2)
				memcpy(payload, "SSH-2.0-", 8);
			total = syn_packet(&sf, (r >> 8) & 1, payload, len, pkt, sizeof(pkt));
			if (!feed_copy(dpi, &df, pkt, total, proto, len, (uint64_t)i * 1000))
				break;
		}
		finish_flow(dpi, &df);
	}
	assert_pools_empty(dpi);
}

/* Random bytes where the IP header should be, of every small length (nDPI parses the header itself). */
static void test_random_l3(void **state)
{
	struct pt_dpi *dpi = *state;
	uint64_t seed = 7;
	uint8_t buf[256];

	for (int n = 0; n < 4000; n++) {
		struct pt_dpi_flow df = PT_DPI_FLOW_INIT;
		uint32_t len = (uint32_t)(syn_rand(&seed) % sizeof(buf));

		for (uint32_t k = 0; k < len; k++)
			buf[k] = (uint8_t)syn_rand(&seed);
		if (len > 0 && (n & 1))
			buf[0] = (uint8_t)((n & 2) ? 0x45 : 0x60); /* looks like IPv4 or IPv6 */
		for (int i = 0; i < 3; i++)
			feed_copy(dpi, &df, buf, len, raw_l4(buf, len), 1 + (uint32_t)i, (uint64_t)i);
		finish_flow(dpi, &df);
	}
	assert_pools_empty(dpi);
}

/* Every real flow, with its packets cut at every length: shorter than the IP header, mid-header, mid-record. */
static void test_truncated_captures(void **state)
{
	struct pt_dpi *dpi = *state;
	struct pt_decode_options opt;

	pt_decode_options_default(&opt);
	for (unsigned int c = 0; c < fx_n_captures; c++) {
		const struct fx_capture *cap = &fx_captures[c];

		for (uint32_t cut = 0; cut < 1520; cut += 3) {
			struct pt_dpi_flow df = PT_DPI_FLOW_INIT;

			for (uint32_t i = 0; i < cap->n_frames; i++) {
				struct pt_decoded pkt;
				uint32_t l3_len;

				if (pt_decode_frame(cap->frames[i].data, cap->frames[i].len, cap->frames[i].wire_len, &opt,
						    &pkt) != PT_DECODE_OK)
					continue;
				l3_len = pkt.payload_offset + pkt.payload_len - pkt.l3_offset;
				if (!feed_copy(dpi, &df, cap->frames[i].data + pkt.l3_offset, l3_len < cut ? l3_len : cut,
					       pkt.l4_proto, pkt.payload_len, cap->frames[i].ts_ns))
					break;
			}
			finish_flow(dpi, &df);
		}
	}
	assert_pools_empty(dpi);
}

/* Every real flow with a few bytes changed in each packet (headers included), decoded again when possible
 * and given raw otherwise. */
static void test_mutated_captures(void **state)
{
	struct pt_dpi *dpi = *state;
	struct pt_decode_options opt;
	uint64_t seed = env_number("PT_DPI_FUZZ_SEED", 99) | 1;
	unsigned long rounds = env_number("PT_DPI_FUZZ_ROUNDS", 150);
	uint8_t frame[2048];

	pt_decode_options_default(&opt);
	for (unsigned long round = 0; round < rounds; round++) {
		for (unsigned int c = 0; c < fx_n_captures; c++) {
			const struct fx_capture *cap = &fx_captures[c];
			struct pt_dpi_flow df = PT_DPI_FLOW_INIT;

			for (uint32_t i = 0; i < cap->n_frames; i++) {
				struct pt_decoded pkt;
				uint32_t len = cap->frames[i].len, flips;

				if (len > sizeof(frame) || len <= 14)
					continue;
				memcpy(frame, cap->frames[i].data, len);
				flips = 1 + (uint32_t)(syn_rand(&seed) % 8);
				for (uint32_t k = 0; k < flips; k++) {
					/* Mostly the payload, sometimes the IP/L4 headers. */
					uint32_t from = (syn_rand(&seed) & 3) ? (len > 66 ? 66 : 14) : 14;

					frame[from + syn_rand(&seed) % (len - from)] ^= (uint8_t)(1 + syn_rand(&seed) % 255);
				}
				if (pt_decode_frame(frame, len, len, &opt, &pkt) == PT_DECODE_OK) {
					uint32_t l3_len = pkt.payload_offset + pkt.payload_len - pkt.l3_offset;

					if (!feed_copy(dpi, &df, frame + pkt.l3_offset, l3_len, pkt.l4_proto, pkt.payload_len,
						       cap->frames[i].ts_ns))
						break;
				} else if (!feed_copy(dpi, &df, frame + 14, len - 14, raw_l4(frame + 14, len - 14), len - 14,
						      cap->frames[i].ts_ns)) {
					break;
				}
			}
			finish_flow(dpi, &df);
		}
	}
	assert_pools_empty(dpi);
}

/* Many flows at once through a small pool: exhaustion, reuse and release in any order keep the pools whole. */
static void test_pool_churn(void **state)
{
	struct pt_dpi_config cfg;
	struct pt_dpi *dpi;
	struct pt_dpi_flow flows[200];
	struct pt_dpi_stats st;
	uint64_t seed = 3;

	(void)state;
	pt_dpi_config_default(&cfg);
	cfg.max_states = 8;
	cfg.max_results = 32;
	dpi = pt_dpi_create(&cfg, NULL, 0);
	assert_non_null(dpi);
	memset(flows, 0, sizeof(flows));
	for (int step = 0; step < 20000; step++) {
		struct pt_dpi_flow *df = &flows[syn_rand(&seed) % PT_ARRAY_SIZE(flows)];
		const struct fx_capture *cap = &fx_captures[syn_rand(&seed) % fx_n_captures];
		uint64_t what = syn_rand(&seed) % 10;

		if (what < 7) {
			/* One more packet of some real flow (they need not match: nDPI must cope). */
			uint32_t i = (uint32_t)(syn_rand(&seed) % cap->n_frames);

			if (cap->frames[i].len > 14)
				pt_dpi_packet(dpi, df, cap->frames[i].data + 14, cap->frames[i].len - 14,
					      raw_l4(cap->frames[i].data + 14, cap->frames[i].len - 14),
					      cap->frames[i].len - 14, cap->frames[i].ts_ns);
		} else if (what < 9) {
			pt_dpi_flow_end(dpi, df);
			pt_dpi_flow_result(dpi, df);
		} else {
			pt_dpi_flow_release(dpi, df);
		}
		pt_dpi_stats(dpi, &st);
		assert_true(st.states_in_use <= cfg.max_states);
		assert_true(st.results_in_use <= cfg.max_results);
	}
	pt_dpi_stats(dpi, &st);
	assert_true(st.pool_exhausted + st.results_exhausted > 0);
	assert_true(st.packets_mismatched > 0); /* TCP and UDP captures mixed into one handle */
	for (size_t i = 0; i < PT_ARRAY_SIZE(flows); i++)
		pt_dpi_flow_release(dpi, &flows[i]);
	assert_pools_empty(dpi);
	pt_dpi_free(dpi);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_payloads),
		cmocka_unit_test(test_random_l3),
		cmocka_unit_test(test_truncated_captures),
		cmocka_unit_test(test_mutated_captures),
		cmocka_unit_test(test_pool_churn),
	};

	return cmocka_run_group_tests_name("dpi_robust", tests, setup, teardown);
}
