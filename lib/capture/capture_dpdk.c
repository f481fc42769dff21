/* SPDX-License-Identifier: BSD-3-Clause */
/* capture_dpdk.c - DPDK ethdev capture source: RX-only promiscuous ports, symmetric RSS or software spreading. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/if_packet.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_ring.h>
#include <rte_thash.h>

#include "capture_priv.h"
#include "pt_util.h"

#define DPDK_MAX_PORTS 16
#define DPDK_RSS_KEY_MAX 128         /* room for any NIC's key; 0x6d5a repeated is symmetric at every length */
#define DPDK_SPREAD_RING_SIZE 4096
#define DPDK_LINEAR_MAX 2048         /* bytes copied out of a multi-segment mbuf */

enum dpdk_ts_mode {
	DPDK_TS_CLOCK = 0,           /* stamp bursts with the TSC-derived wall clock */
	DPDK_TS_PCAP_US,             /* net_pcap puts the capture's time in microseconds in the dynfield */
};

#define DPDK_MAX_PACKET_SOCKETS 16

struct dpdk_port {
	uint16_t port_id;
	uint32_t n_packet_fds;       /* net_af_packet: the PMD's AF_PACKET sockets, for kernel drop counts */
	int packet_fds[DPDK_MAX_PACKET_SOCKETS];
	uint64_t kernel_drops;       /* accumulated: reading PACKET_STATISTICS resets it */
	uint16_t n_queues;           /* hardware queues configured */
	bool spread;                 /* one queue, spread to workers in software by worker 0 */
	enum dpdk_ts_mode ts_mode;
	struct rte_mempool *pool;
};

/* What one worker polls: (port, queue) pairs, plus the ring that worker 0 fills when spreading. */
struct dpdk_queue {
	struct pt_capture_queue base;
	struct dpdk_source *src;
	uint32_t index;
	uint32_t n_polls;
	uint16_t poll_port[DPDK_MAX_PORTS];   /* index into src->ports */
	uint16_t poll_queue[DPDK_MAX_PORTS];
	uint32_t next_poll;
	struct rte_ring *spread_in;           /* packets worker 0 spread to this worker */
	uint16_t n_held;
	struct rte_mbuf *held[PT_CAPTURE_BURST];
	uint64_t sw_dropped;
	uint8_t linear[PT_CAPTURE_BURST][DPDK_LINEAR_MAX];
} __attribute__((aligned(PT_CACHE_LINE)));

struct dpdk_source {
	struct pt_capture base;
	struct pt_capture_dpdk_config cfg;
	uint32_t n_ports;
	struct dpdk_port ports[DPDK_MAX_PORTS];
	uint8_t ts_mode_of[RTE_MAX_ETHPORTS]; /* enum dpdk_ts_mode by port id */
	int ts_offset;                        /* rte_mbuf timestamp dynfield, or -1 */
	uint64_t ts_flag;
	uint8_t rss_key_be[PT_CAPTURE_SPREAD_KEY_LEN]; /* converted for rte_softrss_be */
	uint64_t tsc_hz;
	uint64_t tsc_base;
	uint64_t wall_base_ns;
};

static uint64_t dpdk_clock_ns(const struct dpdk_source *src)
{
	uint64_t cycles = rte_rdtsc() - src->tsc_base;

	return src->wall_base_ns + cycles / src->tsc_hz * PT_NS_PER_SEC + cycles % src->tsc_hz * PT_NS_PER_SEC / src->tsc_hz;
}

static uint32_t dpdk_spread_hash(const struct dpdk_source *src, const struct rte_mbuf *m)
{
	return pt_capture_spread_hash(src->rss_key_be, rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_data_len(m));
}

static void dpdk_fill_pkt(struct dpdk_queue *q, struct rte_mbuf *m, uint64_t clock_ns,
			  struct pt_capture_pkt *pkt, uint16_t slot)
{
	const struct dpdk_source *src = q->src;

	if (PT_LIKELY(m->nb_segs == 1)) {
		pkt->data = rte_pktmbuf_mtod(m, const uint8_t *);
		pkt->cap_len = rte_pktmbuf_data_len(m);
	} else {
		uint32_t len = rte_pktmbuf_pkt_len(m) < DPDK_LINEAR_MAX ? rte_pktmbuf_pkt_len(m) : DPDK_LINEAR_MAX;

		pkt->data = rte_pktmbuf_read(m, 0, len, q->linear[slot]);
		pkt->cap_len = len;
	}
	pkt->wire_len = rte_pktmbuf_pkt_len(m);
	/* Some PMDs (net_ring) leave m->port unset. */
	if (m->port < RTE_MAX_ETHPORTS && src->ts_mode_of[m->port] == DPDK_TS_PCAP_US && src->ts_offset >= 0 &&
	    (m->ol_flags & src->ts_flag))
		pkt->ts_ns = *RTE_MBUF_DYNFIELD(m, src->ts_offset, rte_mbuf_timestamp_t *) * 1000ULL;
	else
		pkt->ts_ns = clock_ns;
}

/* Worker 0 only: keep its share of a spread port's burst, hand the rest to the owners' rings. */
static uint16_t dpdk_spread(struct dpdk_queue *q, struct rte_mbuf **mbufs, uint16_t n)
{
	struct dpdk_source *src = q->src;
	uint16_t kept = 0;

	for (uint16_t i = 0; i < n; i++) {
		uint32_t owner = dpdk_spread_hash(src, mbufs[i]) % src->base.n_queues;
		struct dpdk_queue *target = (struct dpdk_queue *)src->base.queues[owner];

		if (owner == q->index) {
			mbufs[kept++] = mbufs[i];
		} else if (rte_ring_sp_enqueue(target->spread_in, mbufs[i]) != 0) {
			q->sw_dropped++;
			rte_pktmbuf_free(mbufs[i]);
		}
	}
	return kept;
}

static int dpdk_rx_burst(struct pt_capture_queue *queue, struct pt_capture_pkt *pkts, uint16_t n)
{
	struct dpdk_queue *q = (struct dpdk_queue *)queue;
	struct dpdk_source *src = q->src;
	uint16_t got = 0;

	if (n > PT_CAPTURE_BURST)
		n = PT_CAPTURE_BURST;
	/* Packets spread to us by worker 0 come first; they were received earlier. */
	/* Packets spread to us by worker 0 first (they were received earlier), then our own queues. */
	if (q->spread_in != NULL)
		got = (uint16_t)rte_ring_sc_dequeue_burst(q->spread_in, (void **)q->held, n, NULL);
	for (uint32_t tries = 0; got < n && tries < q->n_polls; tries++) {
		uint32_t p = q->next_poll;
		const struct dpdk_port *port = &src->ports[q->poll_port[p]];
		uint16_t fresh;

		q->next_poll = (q->next_poll + 1) % q->n_polls;
		fresh = rte_eth_rx_burst(port->port_id, q->poll_queue[p], q->held + got, (uint16_t)(n - got));
		if (fresh > 0 && port->spread)
			fresh = dpdk_spread(q, q->held + got, fresh);
		got = (uint16_t)(got + fresh);
	}
	q->n_held = got;
	if (got > 0) {
		uint64_t clock_ns = dpdk_clock_ns(src);

		for (uint16_t i = 0; i < got; i++) {
			if (i + 1 < got)
				rte_prefetch0(rte_pktmbuf_mtod(q->held[i + 1], void *));
			dpdk_fill_pkt(q, q->held[i], clock_ns, &pkts[i], i);
		}
	}
	return got;
}

/* What the NIC holds for us in every RX queue we poll, and what worker 0 spread to us; -ENOTSUP if a PMD cannot tell. */
static int dpdk_rx_backlog(struct pt_capture_queue *queue)
{
	struct dpdk_queue *q = (struct dpdk_queue *)queue;
	int64_t waiting = q->spread_in != NULL ? rte_ring_count(q->spread_in) : 0;

	for (uint32_t p = 0; p < q->n_polls; p++) {
		int used = rte_eth_rx_queue_count(q->src->ports[q->poll_port[p]].port_id, q->poll_queue[p]);

		if (used < 0)
			return -ENOTSUP;
		waiting += used;
	}
	return waiting > INT32_MAX ? INT32_MAX : (int)waiting;
}

static void dpdk_release(struct pt_capture_queue *queue)
{
	struct dpdk_queue *q = (struct dpdk_queue *)queue;

	if (q->n_held > 0)
		rte_pktmbuf_free_bulk(q->held, q->n_held);
	q->n_held = 0;
}

/*
 * DPDK 22.11's net_af_packet does not report what the kernel dropped when its ring was full. The PMD's
 * sockets live in this process, so find the AF_PACKET sockets bound to the port's interface and read
 * their PACKET_STATISTICS ourselves (the control side does, at each report).
 */
static void dpdk_find_packet_sockets(struct dpdk_port *port, uint32_t if_index)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *e;

	if (dir == NULL)
		return;
	while ((e = readdir(dir)) != NULL && port->n_packet_fds < DPDK_MAX_PACKET_SOCKETS) {
		struct sockaddr_ll sll;
		socklen_t len = sizeof(int);
		int fd = atoi(e->d_name), domain = 0;

		if (e->d_name[0] < '0' || e->d_name[0] > '9' || fd == dirfd(dir))
			continue;
		if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0 || domain != AF_PACKET)
			continue;
		len = sizeof(sll);
		if (getsockname(fd, (struct sockaddr *)&sll, &len) == 0 && (uint32_t)sll.sll_ifindex == if_index)
			port->packet_fds[port->n_packet_fds++] = fd;
	}
	closedir(dir);
}

static uint64_t dpdk_packet_socket_drops(struct dpdk_port *port)
{
	for (uint32_t i = 0; i < port->n_packet_fds; i++) {
		struct tpacket_stats st;
		socklen_t len = sizeof(st);

		if (getsockopt(port->packet_fds[i], SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0)
			port->kernel_drops += st.tp_drops;
	}
	return port->kernel_drops;
}

static int dpdk_stats_get(struct pt_capture *cap, struct pt_capture_stats *stats)
{
	struct dpdk_source *src = (struct dpdk_source *)cap;
	struct rte_eth_stats es;

	memset(stats, 0, sizeof(*stats));
	for (uint32_t i = 0; i < src->n_ports; i++) {
		if (rte_eth_stats_get(src->ports[i].port_id, &es) != 0)
			continue;
		stats->ipackets += es.ipackets;
		stats->ibytes += es.ibytes;
		stats->imissed += es.imissed + dpdk_packet_socket_drops(&src->ports[i]);
		stats->ierrors += es.ierrors;
		stats->rx_nombuf += es.rx_nombuf;
	}
	for (uint32_t w = 0; w < cap->n_queues; w++)
		stats->sw_dropped += ((struct dpdk_queue *)cap->queues[w])->sw_dropped;
	return 0;
}

/* Stop the ports, give back every mbuf we still hold (bursts, spread rings), and only then free the pools. */
static void dpdk_source_close(struct pt_capture *cap)
{
	struct dpdk_source *src = (struct dpdk_source *)cap;

	for (uint32_t i = 0; i < src->n_ports; i++)
		rte_eth_dev_stop(src->ports[i].port_id);
	for (uint32_t w = 0; w < cap->n_queues; w++) {
		struct dpdk_queue *q = (struct dpdk_queue *)cap->queues[w];

		if (q == NULL)
			continue;
		dpdk_release(&q->base);
		if (q->spread_in != NULL) {
			void *m;

			while (rte_ring_sc_dequeue(q->spread_in, &m) == 0)
				rte_pktmbuf_free(m);
			rte_ring_free(q->spread_in);
		}
		pt_free_aligned(q);
	}
	for (uint32_t i = 0; i < src->n_ports; i++) {
		rte_eth_dev_close(src->ports[i].port_id);
		rte_mempool_free(src->ports[i].pool);
	}
	pt_free_aligned(src);
}

static const struct pt_capture_ops dpdk_ops = {
	.name = "dpdk",
	.rx_burst = dpdk_rx_burst,
	.release = dpdk_release,
	.stats = dpdk_stats_get,
	.close = dpdk_source_close,
	.rx_backlog = dpdk_rx_backlog,
};

static int dpdk_port_setup(struct dpdk_source *src, struct dpdk_port *port, char *err, size_t err_len)
{
	static const uint8_t key_pattern[2] = { 0x6d, 0x5a };
	const struct pt_capture_dpdk_config *cfg = &src->cfg;
	uint8_t rss_key[DPDK_RSS_KEY_MAX];
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	uint16_t nb_rxd = (uint16_t)cfg->rx_descriptors, nb_txd = 0, n_tx = 0;
	char pool_name[RTE_MEMPOOL_NAMESIZE];
	uint32_t need, n_mbufs;
	int socket = rte_eth_dev_socket_id(port->port_id), rc;

	if (socket < 0)
		socket = (int)rte_socket_id();
	rc = rte_eth_dev_info_get(port->port_id, &info);
	if (rc != 0) {
		snprintf(err, err_len, "port %u: cannot read device info: %s", port->port_id, rte_strerror(-rc));
		return rc;
	}
	for (int i = 0; i < DPDK_RSS_KEY_MAX; i++)
		rss_key[i] = key_pattern[i % 2];
	memset(&conf, 0, sizeof(conf));
	port->n_queues = 1;
	/*
	 * Hash TCP/UDP/SCTP too: some PMDs (i40e, ice) hash per packet type, and RTE_ETH_RSS_IP alone would leave
	 * every TCP and UDP packet on queue 0. The cost: a fragmented packet is hashed on its addresses only and
	 * may reach another worker than its flow's other packets (counted there as fragments_unmatched).
	 */
	if (cfg->workers > 1 && cfg->rss && info.max_rx_queues >= cfg->workers &&
	    (info.flow_type_rss_offloads & RTE_ETH_RSS_IP) != 0 && info.hash_key_size <= DPDK_RSS_KEY_MAX) {
		port->n_queues = (uint16_t)cfg->workers;
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_key = rss_key;
		conf.rx_adv_conf.rss_conf.rss_key_len = info.hash_key_size ? info.hash_key_size : 40;
		conf.rx_adv_conf.rss_conf.rss_hf = (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP | RTE_ETH_RSS_SCTP) &
						   info.flow_type_rss_offloads;
	}
	port->spread = port->n_queues < cfg->workers;
	port->ts_mode = strcmp(info.driver_name, "net_pcap") == 0 ? DPDK_TS_PCAP_US : DPDK_TS_CLOCK;
	src->ts_mode_of[port->port_id] = (uint8_t)port->ts_mode;

	/* Enough mbufs for every descriptor, every spread ring, every lcore cache and a burst in flight each. */
	need = port->n_queues * cfg->rx_descriptors + (port->spread ? (cfg->workers - 1) * DPDK_SPREAD_RING_SIZE : 0) +
	       (cfg->workers + 1) * (cfg->mbuf_cache * 3 / 2 + PT_CAPTURE_BURST);
	n_mbufs = cfg->mbufs;
	if (n_mbufs < need) {
		n_mbufs = need;
		pt_log(PT_LOG_INFO, "port %u: capture.mbufs raised from %u to %u to cover %u queue(s) x %u descriptors%s",
		       port->port_id, cfg->mbufs, n_mbufs, port->n_queues, cfg->rx_descriptors,
		       port->spread ? " and the software distribution rings" : "");
	}
	snprintf(pool_name, sizeof(pool_name), "pt_mbuf_%u", port->port_id);
	port->pool = rte_pktmbuf_pool_create(pool_name, n_mbufs, cfg->mbuf_cache, 0,
					     (uint16_t)(RTE_PKTMBUF_HEADROOM + cfg->mbuf_size), socket);
	if (port->pool == NULL) {
		snprintf(err, err_len, "port %u: cannot create a pool of %u mbufs: %s (give the EAL more memory: -m)",
			 port->port_id, n_mbufs, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	/* RX-only; a PMD that refuses zero TX queues gets one it never uses. */
	rc = rte_eth_dev_configure(port->port_id, port->n_queues, 0, &conf);
	if (rc != 0) {
		n_tx = 1;
		nb_txd = 64;
		rc = rte_eth_dev_configure(port->port_id, port->n_queues, n_tx, &conf);
	}
	if (rc != 0) {
		snprintf(err, err_len, "port %u (%s): configure failed: %s", port->port_id, info.driver_name,
			 rte_strerror(-rc));
		return rc;
	}
	rte_eth_dev_adjust_nb_rx_tx_desc(port->port_id, &nb_rxd, n_tx ? &nb_txd : NULL);
	for (uint16_t q = 0; q < port->n_queues; q++) {
		rc = rte_eth_rx_queue_setup(port->port_id, q, nb_rxd, (unsigned)socket, NULL, port->pool);
		if (rc != 0) {
			snprintf(err, err_len, "port %u: RX queue %u setup failed: %s", port->port_id, q, rte_strerror(-rc));
			return rc;
		}
	}
	if (n_tx && (rc = rte_eth_tx_queue_setup(port->port_id, 0, nb_txd, (unsigned)socket, NULL)) != 0) {
		snprintf(err, err_len, "port %u: TX queue setup failed: %s", port->port_id, rte_strerror(-rc));
		return rc;
	}
	rc = rte_eth_dev_start(port->port_id);
	if (rc != 0) {
		snprintf(err, err_len, "port %u (%s): start failed: %s", port->port_id, info.driver_name, rte_strerror(-rc));
		return rc;
	}
	if (strcmp(info.driver_name, "net_af_packet") == 0 && info.if_index != 0)
		dpdk_find_packet_sockets(port, info.if_index);
	if (cfg->promiscuous && (rc = rte_eth_promiscuous_enable(port->port_id)) != 0 && rc != -ENOTSUP)
		pt_log(PT_LOG_WARN, "port %u: cannot enable promiscuous mode: %s", port->port_id, rte_strerror(-rc));
	pt_log(PT_LOG_INFO, "port %u (%s): %u RX queue%s%s", port->port_id, info.driver_name, port->n_queues,
	       port->n_queues > 1 ? "s, symmetric RSS" : "", port->spread ? ", software distribution" : "");
	return 0;
}

static int dpdk_assign_queues(struct dpdk_source *src, char *err, size_t err_len)
{
	for (uint32_t w = 0; w < src->cfg.workers; w++) {
		struct dpdk_queue *q = pt_zalloc_aligned(sizeof(*q));
		char name[RTE_RING_NAMESIZE];

		if (q == NULL) {
			snprintf(err, err_len, "out of memory for worker queues");
			return -ENOMEM;
		}
		src->base.queues[w] = &q->base;
		src->base.n_queues = w + 1;
		q->base.ops = &dpdk_ops;
		q->src = src;
		q->index = w;
		for (uint32_t p = 0; p < src->n_ports; p++) {
			const struct dpdk_port *port = &src->ports[p];

			if (port->spread && w != 0) {
				if (q->spread_in == NULL) {
					snprintf(name, sizeof(name), "pt_spread_%u", w);
					q->spread_in = rte_ring_create(name, DPDK_SPREAD_RING_SIZE, rte_socket_id(),
								       RING_F_SP_ENQ | RING_F_SC_DEQ);
					if (q->spread_in == NULL) {
						snprintf(err, err_len, "cannot create ring %s: %s", name,
							 rte_strerror(rte_errno));
						return -ENOMEM;
					}
				}
				continue;
			}
			q->poll_port[q->n_polls] = (uint16_t)p;
			q->poll_queue[q->n_polls] = port->spread ? 0 : (uint16_t)w;
			q->n_polls++;
		}
	}
	return 0;
}

struct pt_capture *pt_capture_open_dpdk(const struct pt_capture_dpdk_config *cfg, char *err, size_t err_len)
{
	struct dpdk_source *src;
	uint16_t port_id;
	uint32_t spread = 0;
	int ts_bit;

	if (cfg->workers == 0 || cfg->workers > PT_CAPTURE_MAX_QUEUES) {
		snprintf(err, err_len, "need 1..%d worker lcores, have %u", PT_CAPTURE_MAX_QUEUES, cfg->workers);
		return NULL;
	}
	if (rte_eth_dev_count_avail() == 0) {
		snprintf(err, err_len, "no DPDK ports: bind a NIC to vfio-pci or give a --vdev (e.g. net_pcap0,rx_pcap=FILE)");
		return NULL;
	}
	src = pt_zalloc_aligned(sizeof(*src));
	if (src == NULL) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	src->base.ops = &dpdk_ops;
	src->cfg = *cfg;
	src->tsc_hz = rte_get_tsc_hz();
	src->tsc_base = rte_rdtsc();
	src->wall_base_ns = pt_time_wall_ns();
	pt_capture_spread_key(src->rss_key_be);
	RTE_ETH_FOREACH_DEV(port_id) {
		if (src->n_ports == DPDK_MAX_PORTS) {
			pt_log(PT_LOG_WARN, "more than %d ports; ignoring port %u and above", DPDK_MAX_PORTS, port_id);
			break;
		}
		src->ports[src->n_ports].port_id = port_id;
		if (dpdk_port_setup(src, &src->ports[src->n_ports], err, err_len) != 0) {
			src->n_ports++;
			goto fail;
		}
		spread += src->ports[src->n_ports].spread;
		src->n_ports++;
	}
	if (dpdk_assign_queues(src, err, err_len) != 0)
		goto fail;
	/* Drivers that stamp packets register the dynamic field while probing or starting. */
	src->ts_offset = rte_mbuf_dynfield_lookup(RTE_MBUF_DYNFIELD_TIMESTAMP_NAME, NULL);
	ts_bit = rte_mbuf_dynflag_lookup(RTE_MBUF_DYNFLAG_RX_TIMESTAMP_NAME, NULL);
	src->ts_flag = ts_bit >= 0 ? RTE_BIT64(ts_bit) : 0;
	snprintf(src->base.description, sizeof(src->base.description), "dpdk: %u port%s, %u worker%s%s",
		 src->n_ports, src->n_ports == 1 ? "" : "s", cfg->workers, cfg->workers == 1 ? "" : "s",
		 spread ? ", software distribution" : "");
	return &src->base;
fail:
	dpdk_source_close(&src->base);
	return NULL;
}
