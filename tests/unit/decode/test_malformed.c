/* SPDX-License-Identifier: BSD-3-Clause */
/* test_malformed.c - Unit tests of every drop reason of pt_decode_frame(), snap-length cuts and Ethernet padding. */
#include "decode_test.h"
#include "bad_frames.h"

static enum pt_decode_result run(const struct bad_case *c, struct pt_decoded *d)
{
	struct pt_decode_options opt;
	struct pkt p;
	uint32_t cap;

	pk_init(&p);
	c->build(&p);
	cap = c->cap ? c->cap : p.len;
	assert_true(cap <= p.len);
	pt_decode_options_default(&opt);
	return dec_raw(p.b, cap, c->wire_is_cap ? cap : p.len, &opt, d);
}

static void test_case(void **state)
{
	const struct bad_case *c = *state;
	struct pt_decoded d;
	enum pt_decode_result rc = run(c, &d);

	if (rc != c->want)
		fail_msg("%s: got %s, want %s", c->name, pt_decode_result_name(rc), pt_decode_result_name(c->want));
}

static void test_every_reason_reached(void **state)
{
	bool seen[PT_DECODE_RESULT_MAX] = { false };
	struct pt_decoded d;
	unsigned int i;

	(void)state;
	for (i = 0; i < n_bad_cases; i++)
		seen[run(&bad_cases[i], &d)] = true;
	for (i = 0; i < PT_DECODE_RESULT_MAX; i++)
		if (!seen[i])
			fail_msg("no crafted frame gives %s", pt_decode_result_name((enum pt_decode_result)i));
}

/* A capture cut by the snap length after complete headers is fine; the payload is what was captured. */
static void test_snaplen_payload(void **state)
{
	struct pt_decode_options opt;
	struct pt_decoded d;
	struct pkt p;

	(void)state;
	pt_decode_options_default(&opt);
	pk_init(&p);
	sample_eth_ipv4_tcp(&p);
	assert_int_equal(dec_raw(p.b, 66 + 10, p.len, &opt, &d), PT_DECODE_OK);
	assert_int_equal(d.payload_offset, 66);
	assert_int_equal(d.payload_len, 10);
	assert_int_equal(dec_raw(p.b, 66, p.len, &opt, &d), PT_DECODE_OK);
	assert_int_equal(d.payload_len, 0);

	pk_init(&p);
	sample_vxlan_4789(&p);
	assert_int_equal(dec_raw(p.b, 108 + 1, p.len, &opt, &d), PT_DECODE_OK);
	assert_int_equal(d.tunnel_type, PT_TUNNEL_VXLAN);
	assert_int_equal(d.payload_len, 1);

	/* A caller passing wire_len < cap_len is treated as wire_len = cap_len. */
	pk_init(&p);
	sample_eth_ipv4_udp(&p);
	assert_int_equal(dec_raw(p.b, p.len, 0, &opt, &d), PT_DECODE_OK);
	assert_int_equal(d.payload_len, 30);
}

/* Ethernet pads short frames to 60 bytes: the IP and UDP lengths bound the payload, not the frame. */
static void test_ethernet_padding(void **state)
{
	struct pt_decoded d;
	struct pkt p;

	(void)state;
	pk_init(&p);
	pk_eth(&p, 0x0800);
	pk_ipv4(&p, 6, "10.0.0.1", "10.0.0.2");
	pk_tcp(&p, 1, 2, 0x10, 0, 0, 0);
	pk_finish(&p);
	pk_zero(&p, 6);
	assert_int_equal(p.len, 60);
	assert_int_equal(dec(&p, &d), PT_DECODE_OK);
	assert_int_equal(d.payload_offset, 54);
	assert_int_equal(d.payload_len, 0);

	pk_init(&p);
	pk_eth(&p, 0x0800);
	pk_ipv4(&p, 17, "10.0.0.1", "10.0.0.2");
	pk_udp(&p, 1, 2);
	pk_payload(&p, 3);
	pk_finish(&p);
	pk_zero(&p, 15);
	assert_int_equal(dec(&p, &d), PT_DECODE_OK);
	assert_int_equal(d.payload_len, 3);

	/* UDP length shorter than the IP payload (trailing bytes inside IP): bounded by UDP. */
	pk_init(&p);
	pk_eth(&p, 0x0800);
	pk_ipv4(&p, 17, "10.0.0.1", "10.0.0.2");
	pk_udp(&p, 1, 2);
	pk_payload(&p, 10);
	pk_finish(&p);
	pk_set16(&p, 34 + 4, 8 + 4);
	assert_int_equal(dec(&p, &d), PT_DECODE_OK);
	assert_int_equal(d.payload_len, 4);

	pk_init(&p);
	pk_eth(&p, 0x86DD);
	pk_ipv6(&p, 58, "2001:db8::1", "2001:db8::2");
	pk_icmp(&p, 135, 0);
	pk_finish(&p);
	pk_zero(&p, 30);
	assert_int_equal(dec(&p, &d), PT_DECODE_OK);
	assert_int_equal(d.payload_len, 4);
}

/* A fragmented outer packet is not decapsulated: later fragments could not be keyed on the inner flow. */
static void test_fragmented_tunnel_not_decapsulated(void **state)
{
	struct pt_decoded d;
	struct pkt p;

	(void)state;
	pk_init(&p);
	pk_eth(&p, 0x0800);
	pk_ipv4_ex(&p, 17, "172.16.0.1", "172.16.0.2", 0, 0x2000, 77);
	pk_udp(&p, 51000, 4789);
	pk_vxlan(&p, 42);
	pk_eth(&p, 0x0800);
	pk_ipv4(&p, 6, "10.244.1.5", "10.244.2.6");
	pk_tcp(&p, 1, 2, 0x02, 0, 0, 0);
	pk_finish(&p);
	pk_set16(&p, 38, 1500);
	assert_int_equal(dec(&p, &d), PT_DECODE_OK);
	assert_int_equal(d.tunnel_depth, 0);
	assert_int_equal(d.frag, PT_DECODE_FRAG_FIRST);
	assert_int_equal(d.dst_port, 4789);
	assert_addr(d.src_addr, "172.16.0.1");
}

/* Writes IPv6 (next header: destination options) with @p n_ext 2 KB destination options headers; returns the end. */
static uint32_t put_ipv6_2k_chain(uint8_t *b, uint32_t off, unsigned int n_ext, uint8_t last_nh)
{
	unsigned int i;

	b[off] = 0x60;
	b[off + 6] = n_ext ? 60 : last_nh;
	b[off + 23] = 1;  /* src ::1 */
	b[off + 39] = 2;  /* dst ::2 */
	off += 40;
	for (i = 0; i < n_ext; i++) {
		b[off] = i + 1 < n_ext ? 60 : last_nh;
		b[off + 1] = 255;  /* (255 + 1) * 8 = 2048 bytes */
		off += 2048;
	}
	return off;
}

/* IPv6-in-IPv6 with 2 KB extension headers: offsets past 60 KB are refused, not wrapped in 16-bit fields. */
static void test_huge_exthdr_chain(void **state)
{
	const unsigned int ext[4] = { 8, 8, 8, 6 };
	struct pt_decode_options opt;
	uint32_t l3[4], off, len, i, levels;
	struct pt_decoded d;
	uint8_t *b = calloc(1, 70000);

	(void)state;
	assert_non_null(b);
	pt_decode_options_default(&opt);
	for (levels = 3; levels <= 4; levels++) {
		memset(b, 0, 70000);
		b[12] = 0x86;
		b[13] = 0xDD;
		off = 14;
		for (i = 0; i < levels; i++) {
			l3[i] = off;
			off = put_ipv6_2k_chain(b, off, ext[i], i + 1 < levels ? 41 : 6);
		}
		b[off + 12] = 0x50;  /* TCP, no options */
		len = off + 20;
		for (i = 0; i < levels; i++) {
			b[l3[i] + 4] = (uint8_t)((len - l3[i] - 40) >> 8);
			b[l3[i] + 5] = (uint8_t)(len - l3[i] - 40);
		}
		if (levels == 3) {
			assert_int_equal(dec_raw(b, len, len, &opt, &d), PT_DECODE_OK);
			assert_int_equal(d.tunnel_depth, 2);
			assert_int_equal(d.l3_offset, l3[2]);
			assert_int_equal(d.l4_offset, off);
		} else {
			assert_int_equal(dec_raw(b, len, len, &opt, &d), PT_DECODE_BAD_IPV6_EXTHDR);
		}
	}
	free(b);
}

int main(void)
{
	const struct CMUnitTest extra[] = {
		cmocka_unit_test(test_every_reason_reached),
		cmocka_unit_test(test_snaplen_payload),
		cmocka_unit_test(test_ethernet_padding),
		cmocka_unit_test(test_fragmented_tunnel_not_decapsulated),
		cmocka_unit_test(test_huge_exthdr_chain),
	};
	const size_t n_extra = sizeof(extra) / sizeof(extra[0]);
	struct CMUnitTest *tests = calloc(n_bad_cases + n_extra, sizeof(*tests));
	unsigned int i;
	int failed;

	if (tests == NULL)
		return 1;
	for (i = 0; i < n_bad_cases; i++) {  /* one test per crafted frame, named after it */
		tests[i].name = bad_cases[i].name;
		tests[i].test_func = test_case;
		tests[i].initial_state = (void *)&bad_cases[i];
	}
	memcpy(&tests[n_bad_cases], extra, sizeof(extra));
	failed = _cmocka_run_group_tests("decode_malformed", tests, n_bad_cases + n_extra, NULL, NULL);
	free(tests);
	return failed;
}
