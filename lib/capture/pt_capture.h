/* SPDX-License-Identifier: BSD-3-Clause */
/* pt_capture.h - Capture sources behind one small vtable: DPDK ethdev ports (NICs and vdevs) and libpcap. */
#ifndef PT_CAPTURE_H
#define PT_CAPTURE_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Packets per receive burst. */
#define PT_CAPTURE_BURST 32

/** One received frame; valid until the queue's next rx_burst or release. */
struct pt_capture_pkt {
	const uint8_t *data;   /* first byte of the Ethernet header, contiguous */
	uint32_t cap_len;      /* bytes present at data */
	uint32_t wire_len;     /* bytes on the wire (>= cap_len) */
	uint64_t ts_ns;        /* packet time, ns since the epoch */
};

/** Counters of a whole source (all ports and queues). */
struct pt_capture_stats {
	uint64_t ipackets;     /* received by the ports */
	uint64_t ibytes;
	uint64_t imissed;      /* dropped by the hardware/kernel because we were too slow */
	uint64_t ierrors;      /* erroneous frames */
	uint64_t rx_nombuf;    /* dropped for lack of mbufs */
	uint64_t sw_dropped;   /* dropped by software distribution (a worker's ring was full) */
};

struct pt_capture;
struct pt_capture_queue;

/** The vtable every source implements (testpmd's fwd_engine idea). */
struct pt_capture_ops {
	const char *name;
	/* Receive up to n frames into pkts; return the count, or -ENODATA once an offline source is exhausted. */
	int (*rx_burst)(struct pt_capture_queue *queue, struct pt_capture_pkt *pkts, uint16_t n);
	/* Give back the buffers of the last burst. */
	void (*release)(struct pt_capture_queue *queue);
	int (*stats)(struct pt_capture *cap, struct pt_capture_stats *stats);
	void (*close)(struct pt_capture *cap);
	/* Optional: packets waiting for this queue (received, not yet taken); NULL where the source cannot tell. */
	int (*rx_backlog)(struct pt_capture_queue *queue);
};

/** What a worker polls. Implementations embed this as their first member. */
struct pt_capture_queue {
	const struct pt_capture_ops *ops;
};

/** Settings of a DPDK source; ports are every ethdev the EAL probed. */
struct pt_capture_dpdk_config {
	uint32_t workers;          /* worker lcores = queues per port when RSS allows */
	uint32_t rx_descriptors;
	uint32_t mbufs;            /* per port pool */
	uint32_t mbuf_cache;
	uint32_t mbuf_size;        /* packet bytes per mbuf, after the headroom */
	bool rss;                  /* use hardware RSS when the port has enough queues */
	bool promiscuous;
};

/**
 * Open every probed ethdev port RX-only: N queues with symmetric RSS (Toeplitz key 0x6d5a repeated)
 * where supported, otherwise one queue whose packets worker 0 spreads to the others with the same
 * symmetric hash in software. Call after rte_eal_init().
 * @param err  a one-line reason on failure.
 * @return the source, or NULL (no ports, configuration refused, no memory).
 */
struct pt_capture *pt_capture_open_dpdk(const struct pt_capture_dpdk_config *cfg, char *err, size_t err_len);

/**
 * Open a pcap or pcapng file (one queue). rx_burst returns -ENODATA after the last packet.
 * @return the source, or NULL with a one-line reason in @p err (missing, unreadable, not a capture,
 *         or a link type other than Ethernet).
 */
struct pt_capture *pt_capture_open_pcap_file(const char *path, char *err, size_t err_len);

/**
 * Capture live from an interface with libpcap (one queue, immediate mode, nanosecond timestamps).
 * @param bpf_filter  "" for none.
 * @return the source, or NULL with a one-line reason in @p err.
 */
struct pt_capture *pt_capture_open_pcap_live(const char *iface, uint32_t snaplen, bool promiscuous,
					     const char *bpf_filter, char *err, size_t err_len);

/** Settings of an in-process replay. */
struct pt_capture_replay_config {
	const char *path;          /* a pcap or pcapng file */
	uint32_t queues;           /* one per worker; packets go to a queue by the symmetric hash of their addresses */
	uint64_t loops;            /* passes over the file; 0 = until stopped */
	uint64_t rate_pps;         /* packets per second over all queues; 0 = as fast as the workers take them */
	uint32_t ring_size;        /* with a rate: packets that may wait for a worker; more behind than that are lost */
};

/**
 * Preload a capture into memory and replay it to the workers from there (a benchmark of the data path without
 * file I/O or a PMD's per-packet work). Each pass is shifted in time by the capture's span, so a looped replay
 * keeps time moving. At a rate, packets are due at that rate from the first poll; a worker more than ring_size
 * packets behind loses the excess, counted as imissed, as a NIC whose ring is full would. rx_burst returns
 * -ENODATA after the last pass. Needs the EAL (the TSC frequency) when a rate is set.
 * @return the source, or NULL with a one-line reason in @p err (unreadable, empty, out of memory).
 */
struct pt_capture *pt_capture_open_replay(const struct pt_capture_replay_config *cfg, char *err, size_t err_len);

/** Number of queues (one per worker). */
uint32_t pt_capture_queue_count(const struct pt_capture *cap);

/** The queue worker @p index polls, or NULL when out of range. */
struct pt_capture_queue *pt_capture_get_queue(struct pt_capture *cap, uint32_t index);

/** Source counters summed over ports. @return 0 or a negative errno. */
int pt_capture_stats(struct pt_capture *cap, struct pt_capture_stats *stats);

/** Stop and free a source; NULL is a no-op. */
void pt_capture_close(struct pt_capture *cap);

/** A short description for logs, e.g. "dpdk: 1 port, 1 queue, software distribution". */
const char *pt_capture_describe(const struct pt_capture *cap);

static inline int pt_capture_rx_burst(struct pt_capture_queue *queue, struct pt_capture_pkt *pkts, uint16_t n)
{
	return queue->ops->rx_burst(queue, pkts, n);
}

/**
 * How many packets wait for @p queue: received into its ring (a NIC's used RX descriptors, what worker 0 spread to
 * it, a rated replay's due packets) and not taken yet. Costs a PMD call (some PMDs walk the descriptors): poll it
 * now and then, not per burst.
 * @return the count, or -ENOTSUP when the source cannot tell (libpcap, a replay without a rate, PMDs without
 *         rx_queue_count such as net_pcap and net_af_packet).
 */
static inline int pt_capture_rx_backlog(struct pt_capture_queue *queue)
{
	return queue->ops->rx_backlog != NULL ? queue->ops->rx_backlog(queue) : -ENOTSUP;
}

static inline void pt_capture_release(struct pt_capture_queue *queue)
{
	queue->ops->release(queue);
}

#endif /* PT_CAPTURE_H */
