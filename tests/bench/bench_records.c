/* SPDX-License-Identifier: BSD-3-Clause */
/* bench_records.c - Flow records and workloads built by hand for the control-side micro-benchmarks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_records.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

uint64_t bench_rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

void bench_rng_seed(uint64_t seed)
{
	rng_state = seed | 1;
}

struct pt_workload *bench_workload(const char *json)
{
	char err[128];
	struct pt_workload *w = pt_workload_parse(json, strlen(json), err, sizeof(err));

	if (w == NULL) {
		fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, json, err);
		exit(1);
	}
	return w;
}

void bench_v4(uint32_t a, uint8_t out[16])
{
	memset(out, 0, 16);
	out[0] = (uint8_t)(a >> 24);
	out[1] = (uint8_t)(a >> 16);
	out[2] = (uint8_t)(a >> 8);
	out[3] = (uint8_t)a;
}

void bench_v6(uint64_t hi, uint64_t lo, uint8_t out[16])
{
	for (int i = 0; i < 8; i++) {
		out[i] = (uint8_t)(hi >> (56 - 8 * i));
		out[8 + i] = (uint8_t)(lo >> (56 - 8 * i));
	}
}

void bench_set_flow(struct pt_flow_record *r, uint8_t ipv, uint8_t proto, const uint8_t src[16], uint16_t sport,
		    const uint8_t dst[16], uint16_t dport)
{
	struct pt_flow_key *k = &r->flow.key;
	int c = memcmp(src, dst, 16);
	uint8_t o = c < 0 || (c == 0 && sport <= dport) ? 0 : 1;

	k->ip_version = ipv;
	k->proto = proto;
	memcpy(k->addr[o], src, 16);
	memcpy(k->addr[!o], dst, 16);
	k->port[o] = sport;
	k->port[!o] = dport;
	r->flow.orig_side = o;
}
