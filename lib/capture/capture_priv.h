/* SPDX-License-Identifier: BSD-3-Clause */
/* capture_priv.h - The common part of every capture source, shared by the implementations. */
#ifndef PT_CAPTURE_PRIV_H
#define PT_CAPTURE_PRIV_H

#include "pt_capture.h"

#define PT_CAPTURE_MAX_QUEUES 128

struct pt_capture {
	const struct pt_capture_ops *ops;
	uint32_t n_queues;
	struct pt_capture_queue *queues[PT_CAPTURE_MAX_QUEUES];
	char description[160];
};

/**
 * A classic pcap file of Ethernet frames, read in large blocks with its packets handed out in place (capture_pcapfile.c).
 * @return the source, or NULL for anything else (pcapng, another link type, unreadable): libpcap then opens it
 *         or says why not.
 */
struct pt_capture *pt_capture_open_pcapfile(const char *path, char *err, size_t err_len);

/** Bytes of the software spreading key: enough for rte_softrss over two IPv6 addresses. */
#define PT_CAPTURE_SPREAD_KEY_LEN 40

/** The symmetric Toeplitz key (0x6d5a repeated) that software spreading uses, converted for rte_softrss_be. */
void pt_capture_spread_key(uint8_t key_be[PT_CAPTURE_SPREAD_KEY_LEN]);

/**
 * Symmetric Toeplitz hash of a frame's outer IP addresses (after up to two VLAN tags), as a NIC doing RSS on
 * IP would compute it: both directions of a flow give the same value. 0 for a frame without IPv4 or IPv6.
 */
uint32_t pt_capture_spread_hash(const uint8_t key_be[PT_CAPTURE_SPREAD_KEY_LEN], const uint8_t *frame, uint32_t len);

#endif /* PT_CAPTURE_PRIV_H */
