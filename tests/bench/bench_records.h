/* SPDX-License-Identifier: BSD-3-Clause */
/* bench_records.h - Flow records and workloads built by hand for the control-side micro-benchmarks. */
#ifndef PT_BENCH_RECORDS_H
#define PT_BENCH_RECORDS_H

#include <stdint.h>

#include "pt_output.h"

/* A seeded xorshift64: the same sequence for the same seed, so that digests of two builds can be compared. */
uint64_t bench_rng(void);

/* Restart bench_rng() from @p seed (made odd: never the all-zero state). */
void bench_rng_seed(uint64_t seed);

/* The identity that @p json describes; exits with a message naming the JSON if it does not parse. */
struct pt_workload *bench_workload(const char *json);

/* The IPv4 address @p a (host order) as a flow key's 16-byte address, zeros after it. */
void bench_v4(uint32_t a, uint8_t out[16]);

/* The IPv6 address whose high and low 64 bits are @p hi and @p lo. */
void bench_v6(uint64_t hi, uint64_t lo, uint8_t out[16]);

/*
 * Set @p r's flow to @p src:@p sport -> @p dst:@p dport as the flow table keys it: the lower (address, port) is
 * side 0. ICMP "ports" are (type, counterpart), and an echo request keys like the rest.
 */
void bench_set_flow(struct pt_flow_record *r, uint8_t ipv, uint8_t proto, const uint8_t src[16], uint16_t sport,
		    const uint8_t dst[16], uint16_t dport);

#endif
