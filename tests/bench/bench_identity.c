/* SPDX-License-Identifier: BSD-3-Clause */
/* bench_identity.c - Workload table benchmark: lookups per second on one worker with a large table, and the cost of publishing one. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "pt_identity.h"
#include "pt_util.h"

#define QUERIES (1u << 20)

static const char identity_fmt[] =
	"{\"kind\":\"pod\",\"namespace\":\"ns-%u\",\"pod\":\"web-%u-abcde\",\"pod_uid\":\"uid-%u\","
	"\"workload_kind\":\"Deployment\",\"workload\":\"web-%u\",\"node\":\"node-%u\",\"service_account\":\"web\","
	"\"labels\":{\"app\":\"web-%u\",\"pod-template-hash\":\"7d4f9\"},\"images\":[\"registry.example/web:1.0\"],"
	"\"start_time\":\"2026-01-02T03:04:06Z\",\"source\":\"bench\"}";

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Pod i lives at 10.(64 + i / 65536).(i / 256 % 256).(i % 256): 10.64.0.0/10 holds 4M of them. */
static void pod_addr(uint32_t i, uint8_t addr[16])
{
	memset(addr, 0, 16);
	addr[0] = 10;
	addr[1] = (uint8_t)(64 + i / 65536);
	addr[2] = (uint8_t)(i / 256 % 256);
	addr[3] = (uint8_t)(i % 256);
}

static void set_pod(struct pt_workloads *ws, uint32_t i, uint32_t version)
{
	char field[32], json[1024], err[256];
	uint8_t a[16];
	int len;

	pod_addr(i, a);
	snprintf(field, sizeof(field), "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
	len = snprintf(json, sizeof(json), identity_fmt, i % 50, i, i * 7 + version, i / 10, i % 300, i / 10);
	if (pt_workloads_set(ws, field, false, json, (size_t)len, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench_identity: %s\n", err);
		exit(1);
	}
}

static void set_network(struct pt_workloads *ws, const char *cidr, const char *json)
{
	char err[256];

	if (pt_workloads_set(ws, cidr, true, json, strlen(json), err, sizeof(err)) < 0) {
		fprintf(stderr, "bench_identity: %s: %s\n", cidr, err);
		exit(1);
	}
}

/*
 * The worst case: one network of every IPv4 prefix length /1../32, and addresses (0.0.x.y, x < 128) in none of
 * them but sharing their first 16 bits with the /17../32 ones (0.0.128.0/17 ... 0.0.255.255/32), so that the
 * table's first-16-bit filter lets every one of them through to a probe per length.
 */
static uint64_t worst_case_cycles(void)
{
	struct pt_workloads *ws = pt_workloads_create(64, 1);
	const struct pt_workload_table *t;
	uint64_t c0, c1, found = 0;
	uint32_t n = 1u << 18;

	if (ws == NULL)
		exit(1);
	for (int len = 1; len <= 32; len++) {
		uint32_t net = (uint32_t)(0xffffffffull << (32 - len));     /* 128.0.0.0/1, 192.0.0.0/2, ... */

		if (len > 16)
			net &= 0xffff;                                      /* 0.0.128.0/17, 0.0.192.0/18, ... */
		char cidr[32];

		snprintf(cidr, sizeof(cidr), "%u.%u.%u.%u/%d", net >> 24, (net >> 16) & 0xff, (net >> 8) & 0xff, net & 0xff,
			 len);
		set_network(ws, cidr, "{\"kind\":\"node\",\"node\":\"n\"}");
	}
	if (pt_workloads_publish(ws) != 1 || pt_workloads_reader_online(ws, 0) != 0)
		exit(1);
	t = pt_workloads_current(ws);
	c0 = rte_rdtsc();
	for (uint32_t q = 0; q < n; q++) {
		uint8_t a[16] = { 0, 0, (uint8_t)(q >> 8 & 0x7f), (uint8_t)q };     /* 0.0.x.y: in none of them */

		found += pt_workload_table_lookup(t, 4, a, NULL) != NULL;
	}
	c1 = rte_rdtsc();
	pt_workloads_quiescent(ws, 0);
	pt_workloads_reader_offline(ws, 0);
	pt_workloads_free(ws);
	if (found != 0) {
		fprintf(stderr, "bench_identity: the worst-case addresses matched a network\n");
		exit(1);
	}
	return (c1 - c0) / n;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	uint32_t pods = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 100000;
	uint32_t publishes = 21, hit = 0;
	uint64_t publish_ns[21], t0, t1, c0, c1, mono0, mono1, sink = 0;
	const struct pt_workload_table *t;
	struct pt_workloads *ws;
	uint8_t (*queries)[16];
	uint64_t build_ns;

	if (pods == 0 || pods > 4000000) {
		fprintf(stderr, "usage: bench_identity [PODS]   (1..4000000, default 100000)\n");
		return 2;
	}
	ws = pt_workloads_create(pods * 2 + 1024, 1);
	queries = malloc(sizeof(*queries) * QUERIES);
	if (ws == NULL || queries == NULL) {
		fprintf(stderr, "bench_identity: out of memory\n");
		return 1;
	}
	/* 256 node pod-CIDRs and a service range: the networks a lookup falls back to. */
	for (uint32_t n = 0; n < 256; n++) {
		char field[32];

		snprintf(field, sizeof(field), "10.%u.%u.0/24", 200 + n / 256, n % 256);
		set_network(ws, field, "{\"kind\":\"node\",\"node\":\"node-x\"}");
	}
	set_network(ws, "10.96.0.0/12", "{\"kind\":\"service\",\"namespace\":\"kube-system\",\"workload\":\"svc\"}");
	t0 = pt_time_mono_ns();
	for (uint32_t i = 0; i < pods; i++)
		set_pod(ws, i, 0);
	build_ns = pt_time_mono_ns() - t0;
	if (pt_workloads_publish(ws) != 1 || pt_workloads_reader_online(ws, 0) != 0) {
		fprintf(stderr, "bench_identity: first publish failed\n");
		return 1;
	}

	/* Publishing: one changed pod, then a whole new table copy for the workers. */
	for (uint32_t k = 0; k < publishes; k++) {
		set_pod(ws, (uint32_t)(rng() % pods), k + 1);
		t0 = pt_time_mono_ns();
		if (pt_workloads_publish(ws) != 1) {
			fprintf(stderr, "bench_identity: publish %u failed\n", k);
			return 1;
		}
		publish_ns[k] = pt_time_mono_ns() - t0;
		pt_workloads_quiescent(ws, 0);
		pt_workloads_reclaim(ws);
	}
	qsort(publish_ns, publishes, sizeof(publish_ns[0]), cmp_u64);

	/* Queries: half pods, a quarter in a node CIDR only, a quarter external (no entry, every network tried). */
	for (uint32_t q = 0; q < QUERIES; q++) {
		uint64_t r = rng();

		memset(queries[q], 0, 16);
		if (r % 4 < 2) {
			pod_addr((uint32_t)((r >> 8) % pods), queries[q]);
		} else if (r % 4 == 2) {
			queries[q][0] = 10;
			queries[q][1] = 200;
			queries[q][2] = (uint8_t)(r >> 8);
			queries[q][3] = (uint8_t)(r >> 16);
		} else {
			queries[q][0] = 203;
			queries[q][1] = 0;
			queries[q][2] = 113;
			queries[q][3] = (uint8_t)(r >> 8);
		}
	}
	t = pt_workloads_current(ws);
	mono0 = pt_time_mono_ns();
	c0 = rte_rdtsc();
	for (int round = 0; round < 4; round++) {
		for (uint32_t q = 0; q < QUERIES; q++) {
			struct pt_workload *w = pt_workload_table_lookup(t, 4, queries[q], NULL);

			hit += w != NULL;
			sink += (uintptr_t)w;
		}
	}
	c1 = rte_rdtsc();
	mono1 = pt_time_mono_ns();
	/* A flow start as the worker does it: both sides, a reference on each identity found, released later. */
	t1 = rte_rdtsc();
	for (uint32_t q = 0; q + 1 < QUERIES; q += 2) {
		struct pt_workload *a = pt_workload_table_lookup(t, 4, queries[q], NULL);
		struct pt_workload *b = pt_workload_table_lookup(t, 4, queries[q + 1], NULL);

		pt_workload_retain(a);
		pt_workload_retain(b);
		pt_workload_release(a);
		pt_workload_release(b);
	}
	{
		uint64_t flow_cycles = rte_rdtsc() - t1, worst_cycles = worst_case_cycles();
		double lookups = 4.0 * QUERIES, secs = (double)(mono1 - mono0) / 1e9;

		printf("{\"pods\": %u, \"networks\": 257, \"build_ms\": %.1f, \"publish_ms_median\": %.3f, "
		       "\"publish_ms_max\": %.3f, \"lookups_per_sec\": %.0f, \"cycles_per_lookup\": %.1f, "
		       "\"hit_ratio\": %.3f, \"cycles_per_flow_start\": %.1f, \"cycles_per_miss_32_lengths\": %" PRIu64
		       ", \"checksum\": %" PRIu64 "}\n",
		       pods, (double)build_ns / 1e6, (double)publish_ns[publishes / 2] / 1e6,
		       (double)publish_ns[publishes - 1] / 1e6, lookups / secs, (double)(c1 - c0) / lookups,
		       (double)hit / lookups, (double)flow_cycles / (QUERIES / 2), worst_cycles, sink & 0xff);
	}
	pt_workloads_quiescent(ws, 0);
	pt_workloads_reader_offline(ws, 0);
	pt_workloads_free(ws);
	free(queries);
	return 0;
}
