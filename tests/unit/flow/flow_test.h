/* SPDX-License-Identifier: BSD-3-Clause */
/* flow_test.h - Shared helpers for the lib/flow unit tests: decoded-packet builders and a recording emit callback. */
#ifndef FLOW_TEST_H
#define FLOW_TEST_H

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pt_flow.h"

#define SEC(x) ((uint64_t)(x) * PT_NS_PER_SEC)
#define MSEC(x) ((uint64_t)(x) * 1000000ULL)

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10

/* Parse an IPv4 or IPv6 text address into 16 bytes (IPv4 in the first 4); returns the IP version. */
static inline uint8_t test_addr(const char *text, uint8_t out[16])
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET, text, out) == 1)
		return 4;
	assert_int_equal(inet_pton(AF_INET6, text, out), 1);
	return 6;
}

/* A decoded packet src:sport -> dst:dport of protocol @p proto (ports are ignored for ICMP). */
static inline struct pt_decoded test_pkt(uint8_t proto, const char *src, uint16_t sport, const char *dst, uint16_t dport)
{
	struct pt_decoded p;

	memset(&p, 0, sizeof(p));
	p.ip_version = test_addr(src, p.src_addr);
	assert_int_equal(test_addr(dst, p.dst_addr), p.ip_version);
	p.l4_proto = proto;
	if (proto == 1 || proto == 58) {
		p.icmp_type = (uint8_t)sport;
		p.icmp_code = (uint8_t)dport;
	} else {
		p.src_port = sport;
		p.dst_port = dport;
	}
	return p;
}

static inline struct pt_decoded test_tcp(const char *src, uint16_t sport, const char *dst, uint16_t dport,
					 uint8_t flags, uint32_t payload)
{
	struct pt_decoded p = test_pkt(6, src, sport, dst, dport);

	p.tcp_flags = flags;
	p.payload_len = payload;
	return p;
}

/* Account one packet; returns its flow. */
static inline struct pt_flow *test_feed(struct pt_flow_table *t, const struct pt_decoded *p, uint32_t wire_len,
					uint64_t ts)
{
	struct pt_flow *flow = NULL;

	assert_int_equal(pt_flow_update_burst(t, p, &wire_len, &ts, &flow, 1), 1);
	assert_non_null(flow);
	return flow;
}

/* Records every emitted event; keeps copies of the first TEST_REC_MAX. */
#define TEST_REC_MAX 256

struct test_rec {
	struct pt_flow flow;
	enum pt_flow_event event;
	uint64_t now_ns;
};

struct test_recorder {
	struct test_rec recs[TEST_REC_MAX];
	uint32_t n;                        /* records seen (may exceed TEST_REC_MAX) */
	uint64_t count[PT_FLOW_EVENT_MAX];
};

static inline void test_emit(void *ctx, const struct pt_flow *flow, enum pt_flow_event event, uint64_t now_ns)
{
	struct test_recorder *r = ctx;

	assert_true((unsigned int)event < PT_FLOW_EVENT_MAX);
	if (r->n < TEST_REC_MAX) {
		r->recs[r->n].flow = *flow;
		r->recs[r->n].event = event;
		r->recs[r->n].now_ns = now_ns;
	}
	r->n++;
	r->count[event]++;
}

/* Test configuration: small table, default timeouts, no interim updates, fixed seed. */
static inline struct pt_flow_config test_config(uint32_t max_flows)
{
	struct pt_flow_config cfg;

	pt_flow_config_default(&cfg);
	cfg.max_flows = max_flows;
	cfg.update_interval_ns = 0;
	cfg.hash_seed = 0x12345678;
	return cfg;
}

#endif /* FLOW_TEST_H */
