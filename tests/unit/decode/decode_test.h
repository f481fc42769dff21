/* SPDX-License-Identifier: BSD-3-Clause */
/* decode_test.h - Shared helpers of the decode tests: decoding from an exact-size copy, address assertions. */
#ifndef PT_TEST_DECODE_TEST_H
#define PT_TEST_DECODE_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pt_decode.h"
#include "samples.h"

/*
 * Decode @p cap bytes of @p data from a heap copy of exactly that size, so that AddressSanitizer catches
 * any read past cap_len; checks that a successful decode stays inside the capture.
 */
static inline enum pt_decode_result dec_raw(const uint8_t *data, uint32_t cap, uint32_t wire,
					    const struct pt_decode_options *opt, struct pt_decoded *out)
{
	uint8_t *copy = malloc(cap ? cap : 1);
	enum pt_decode_result rc;

	assert_non_null(copy);
	memcpy(copy, data, cap);
	rc = pt_decode_frame(copy, cap, wire, opt, out);
	free(copy);
	if (rc == PT_DECODE_OK) {
		assert_true((uint64_t)out->payload_offset + out->payload_len <= cap);
		assert_true(out->l3_offset < cap);
		assert_true(out->ip_version == 4 || out->ip_version == 6);
		assert_true(out->tunnel_depth <= PT_DECODE_MAX_TUNNELS);
		assert_true(out->vlan_count <= PT_DECODE_MAX_VLANS);
	}
	return rc;
}

/* Decode a whole built frame with the given options (NULL: defaults). */
static inline enum pt_decode_result dec_opt(const struct pkt *p, const struct pt_decode_options *opt,
					    struct pt_decoded *out)
{
	struct pt_decode_options def;

	if (opt == NULL) {
		pt_decode_options_default(&def);
		opt = &def;
	}
	return dec_raw(p->b, p->len, p->len, opt, out);
}

static inline enum pt_decode_result dec(const struct pkt *p, struct pt_decoded *out)
{
	return dec_opt(p, NULL, out);
}

/* Build a sample and decode it with the defaults, asserting success. */
static inline void dec_sample(void (*build)(struct pkt *), struct pkt *p, struct pt_decoded *out)
{
	pk_init(p);
	build(p);
	assert_int_equal(dec(p, out), PT_DECODE_OK);
}

/* Assert that a 16-byte address field holds @p text (IPv4 in the first 4 bytes, zeros after). */
static inline void assert_addr(const uint8_t addr[16], const char *text)
{
	uint8_t want[16] = { 0 };
	int af = strchr(text, ':') ? AF_INET6 : AF_INET;

	assert_int_equal(inet_pton(af, text, want), 1);
	assert_memory_equal(addr, want, 16);
}

/* The innermost flows of samples.c. */
static inline void assert_pod_tcp4(const struct pt_decoded *d)
{
	assert_int_equal(d->ip_version, 4);
	assert_int_equal(d->l4_proto, 6);
	assert_addr(d->src_addr, "10.244.1.5");
	assert_addr(d->dst_addr, "10.244.2.6");
	assert_int_equal(d->src_port, 33000);
	assert_int_equal(d->dst_port, 80);
	assert_int_equal(d->tcp_flags, 0x18);
	assert_int_equal(d->tcp_seq, 111);
	assert_int_equal(d->tcp_ack, 222);
	assert_int_equal(d->l4_offset, d->l3_offset + 20);
	assert_int_equal(d->payload_offset, d->l4_offset + 20);
	assert_int_equal(d->payload_len, 64);
	assert_int_equal(d->frag, 0);
}

static inline void assert_pod_tcp6(const struct pt_decoded *d)
{
	assert_int_equal(d->ip_version, 6);
	assert_int_equal(d->l4_proto, 6);
	assert_addr(d->src_addr, "fd00:244::5");
	assert_addr(d->dst_addr, "fd00:244::6");
	assert_int_equal(d->src_port, 33000);
	assert_int_equal(d->dst_port, 443);
	assert_int_equal(d->tcp_flags, 0x02);
	assert_int_equal(d->l4_offset, d->l3_offset + 40);
	assert_int_equal(d->payload_offset, d->l4_offset + 20);
	assert_int_equal(d->payload_len, 0);
}

static inline void assert_pod_udp4(const struct pt_decoded *d)
{
	assert_int_equal(d->ip_version, 4);
	assert_int_equal(d->l4_proto, 17);
	assert_addr(d->src_addr, "10.244.1.5");
	assert_addr(d->dst_addr, "10.244.2.6");
	assert_int_equal(d->src_port, 5353);
	assert_int_equal(d->dst_port, 53);
	assert_int_equal(d->payload_offset, d->l4_offset + 8);
	assert_int_equal(d->payload_len, 20);
}

static inline void assert_tunnel(const struct pt_decoded *d, enum pt_tunnel_type type, uint32_t id, uint8_t depth,
			  const char *src, const char *dst)
{
	assert_int_equal(d->tunnel_depth, depth);
	assert_int_equal(d->tunnel_type, type);
	assert_int_equal(d->tunnel_id, id);
	assert_int_equal(d->tunnel_ip_version, strchr(src, ':') ? 6 : 4);
	assert_addr(d->tunnel_src, src);
	assert_addr(d->tunnel_dst, dst);
}

static inline void assert_no_tunnel(const struct pt_decoded *d)
{
	uint8_t zero[16] = { 0 };

	assert_int_equal(d->tunnel_depth, 0);
	assert_int_equal(d->tunnel_type, PT_TUNNEL_NONE);
	assert_int_equal(d->tunnel_id, 0);
	assert_memory_equal(d->tunnel_src, zero, 16);
}

#endif /* PT_TEST_DECODE_TEST_H */
