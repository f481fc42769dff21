/* SPDX-License-Identifier: BSD-3-Clause */
/* test_capture_dpdk.c - The DPDK source on a net_ring port without hugepages: software spreading is symmetric and lossless. */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "pt_capture.h"

#define PAIRS 16
#define PER_DIRECTION 3
#define TOTAL (PAIRS * 2 * PER_DIRECTION)

static struct rte_mempool *pool;
static struct rte_ring *rx_ring;

/* An IPv4 (even pairs) or IPv6 (odd pairs) UDP frame of pair p in direction dir; byte 0 of the payload is its id. */
static struct rte_mbuf *make_frame(unsigned p, unsigned dir, uint8_t id)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *d;
	uint8_t a = (uint8_t)(10 + p), b = (uint8_t)(200 - p);
	size_t len;

	assert_non_null(m);
	d = (uint8_t *)rte_pktmbuf_append(m, 128);
	memset(d, 0, 128);
	if (p % 2 == 0) {
		d[12] = 0x08; d[13] = 0x00;
		d[14] = 0x45; d[16] = 0; d[17] = 29; d[22] = 64; d[23] = 17;
		d[26] = 10; d[27] = 244; d[28] = 1; d[29] = dir ? b : a;
		d[30] = 10; d[31] = 244; d[32] = 2; d[33] = dir ? a : b;
		d[42] = id;
		len = 14 + 29;
	} else {
		d[12] = 0x86; d[13] = 0xDD;
		d[14] = 0x60; d[19] = 9; d[20] = 17; d[21] = 64;
		d[22] = 0xfd; d[37] = dir ? b : a;
		d[38] = 0xfd; d[53] = dir ? a : b;
		d[62] = id;
		len = 14 + 40 + 9;
	}
	rte_pktmbuf_trim(m, (uint16_t)(128 - len));
	return m;
}

static int setup(void **state)
{
	char prefix[64];
	/* --no-shconf --no-telemetry: the EAL's runtime directory stays empty, and teardown removes it. */
	char *argv[] = { "test", "--no-huge", "-m", "256", "--no-pci", "-l", "0", "--log-level", "lib.eal:error",
			 "--no-shconf", "--no-telemetry", "--file-prefix", prefix, NULL };
	struct rte_ring *tx_ring;
	int port;

	(void)state;
	snprintf(prefix, sizeof(prefix), "pt-unit-%d", getpid());
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) < 0)
		return -1;
	pool = rte_pktmbuf_pool_create("test_pool", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	rx_ring = rte_ring_create("test_rx", 1024, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	tx_ring = rte_ring_create("test_tx", 64, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (pool == NULL || rx_ring == NULL || tx_ring == NULL)
		return -1;
	port = rte_eth_from_rings("net_ring_test", &rx_ring, 1, &tx_ring, 1, 0);
	return port < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	char dir[PATH_MAX];

	(void)state;
	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	rmdir(dir);
	return 0;
}

static void test_software_spread_is_symmetric_and_lossless(void **state)
{
	struct pt_capture_dpdk_config cfg = { .workers = 2, .rx_descriptors = 256, .mbufs = 1023, .mbuf_cache = 0,
					      .mbuf_size = 2048, .rss = true, .promiscuous = true };
	struct pt_capture_pkt pkts[PT_CAPTURE_BURST];
	int owner[TOTAL], seen = 0, per_worker[2] = { 0, 0 };
	char err[256];
	struct pt_capture *cap;
	struct pt_capture_stats st;
	uint64_t start_ns = (uint64_t)time(NULL) * 1000000000ULL;

	(void)state;
	cap = pt_capture_open_dpdk(&cfg, err, sizeof(err));
	if (cap == NULL)
		fail_msg("open: %s", err);
	assert_int_equal(pt_capture_queue_count(cap), 2);
	assert_non_null(strstr(pt_capture_describe(cap), "software distribution"));
	for (int i = 0; i < TOTAL; i++)
		owner[i] = -1;
	for (unsigned p = 0, id = 0; p < PAIRS; p++)
		for (unsigned k = 0; k < 2 * PER_DIRECTION; k++, id++)
			assert_int_equal(rte_ring_enqueue(rx_ring, make_frame(p, k % 2, (uint8_t)id)), 0);

	/* Worker 0 polls the port and spreads; then both drain what they own. */
	for (int round = 0; round < 20; round++) {
		for (uint32_t w = 0; w < 2; w++) {
			struct pt_capture_queue *q = pt_capture_get_queue(cap, w);
			int n = pt_capture_rx_burst(q, pkts, PT_CAPTURE_BURST);

			assert_true(n >= 0);
			for (int i = 0; i < n; i++) {
				const uint8_t *d = pkts[i].data;
				int id = d[12] == 0x08 ? d[42] : d[62];

				assert_true(id >= 0 && id < TOTAL);
				assert_int_equal(owner[id], -1);     /* delivered once */
				owner[id] = (int)w;
				per_worker[w]++;
				seen++;
				assert_true(pkts[i].ts_ns >= start_ns);
				assert_int_equal(pkts[i].wire_len, pkts[i].cap_len);
			}
			pt_capture_release(q);
		}
	}
	assert_int_equal(seen, TOTAL);
	/* Both directions of every pair reached the same worker, and both workers got pairs. */
	for (unsigned p = 0; p < PAIRS; p++)
		for (unsigned k = 1; k < 2 * PER_DIRECTION; k++)
			assert_int_equal(owner[p * 2 * PER_DIRECTION + k], owner[p * 2 * PER_DIRECTION]);
	assert_true(per_worker[0] > 0 && per_worker[1] > 0);
	assert_int_equal(pt_capture_stats(cap, &st), 0);
	assert_int_equal(st.ipackets, TOTAL);
	assert_int_equal(st.sw_dropped, 0);
	pt_capture_close(cap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_software_spread_is_symmetric_and_lossless),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
