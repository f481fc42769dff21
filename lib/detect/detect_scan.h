/* SPDX-License-Identifier: BSD-3-Clause */
/* detect_scan.h - Scan detection over connection attempts: vertical, horizontal, slow (TRW), in bounded memory. */
#ifndef PT_DETECT_SCAN_H
#define PT_DETECT_SCAN_H

#include <stdbool.h>
#include <stdint.h>

#include "pt_flow.h"

#define PT_SCAN_FLOWS_MAX 8      /* community ids a finding carries */
#define PT_SCAN_TARGETS_LEN 64   /* the target-set key, e.g. "10.0.2.0/24" */

struct pt_scan_config {
	uint64_t window_ns;               /* detect.scan.window: 5 min */
	uint32_t vertical_ports;          /* detect.scan.vertical_ports: 15 distinct failed ports on one victim */
	uint32_t horizontal_hosts;        /* detect.scan.horizontal_hosts: 25 distinct failed victims on one port */
	bool trw;                         /* detect.scan.trw: the slow-scan detector */
	double trw_benign_success;        /* theta0: P(first contact succeeds | benign), 0.8 */
	double trw_scanner_success;       /* theta1: P(first contact succeeds | scanner), 0.2 */
	double trw_detection;             /* P_D: 0.99 */
	double trw_false_positive;        /* P_F: 0.01 */
	uint32_t max_sources;             /* detect.scan.max_sources: scanners tracked; the least recently seen goes */
};

/** One connection attempt, from a flow's final record. */
struct pt_scan_attempt {
	uint8_t ip_version;               /* 4 or 6 */
	uint8_t src[16];                  /* the originator (IPv4 in the first 4 bytes) */
	uint8_t dst[16];                  /* the responder */
	uint8_t transport;                /* IP protocol */
	uint16_t port;                    /* responder port; ICMP: the type */
	bool failed;                      /* no answer, RST to SYN, or ICMP unreachable */
	uint64_t ts_ns;                   /* the flow's first packet */
	/*
	 * What findings list the attempt by (podtap.evidence.community_ids): @p flow, whose originator and responder
	 * are src and dst, its community id computed only when a finding lists it; else @p community_id, kept as
	 * given (cut at 31 bytes). With both NULL the attempt is counted but not listed.
	 */
	const struct pt_flow *flow;
	const char *community_id;
};

enum pt_scan_kind { PT_SCAN_VERTICAL = 0, PT_SCAN_HORIZONTAL, PT_SCAN_SLOW, PT_SCAN_KIND_MAX };

/** A verdict: the scanner crossed a threshold with this attempt. */
struct pt_scan_finding {
	uint8_t kind;                     /* enum pt_scan_kind */
	uint32_t count;                   /* distinct failed ports (vertical), victims (horizontal) or first contacts (slow) */
	uint32_t threshold;               /* the one crossed (slow: the first contacts it took) */
	uint32_t failures;                /* failed attempts counted in the window (slow: failed first contacts) */
	uint64_t first_ns;                /* the first attempt counted */
	uint16_t port;                    /* horizontal: the port scanned */
	uint8_t victim[16];               /* vertical: the victim */
	char targets[PT_SCAN_TARGETS_LEN];/* the key: vertical "ip", horizontal "tcp/22@10.0.2.0/26", slow "prefix" */
	double trw_ratio;                 /* slow: the likelihood ratio reached */
	uint32_t n_flows;
	char flows[PT_SCAN_FLOWS_MAX][PT_FLOW_COMMUNITY_ID_LEN];
};

struct pt_scan_stats {
	uint64_t attempts, failed;
	uint64_t sources;                 /* tracked now */
	uint64_t sources_evicted;         /* dropped for room (max_sources) */
	uint64_t findings[PT_SCAN_KIND_MAX];
};

struct pt_scan;

/**
 * @return the detector (all memory allocated here, bounded by max_sources), or NULL when out of memory or when
 *         max_sources is not in 1..2^24, vertical_ports or horizontal_hosts not in 1..64, or (with trw)
 *         not 0 < trw_scanner_success < trw_benign_success < 1 and 0 < trw_false_positive < trw_detection < 1.
 *         Prefixes in targets cover the counted targets but are never shorter than /16 (IPv4) or /48 (IPv6).
 */
struct pt_scan *pt_scan_create(const struct pt_scan_config *cfg);
void pt_scan_free(struct pt_scan *s);

/**
 * Count one attempt. A scanner's vertical window restarts for a victim (horizontal: for a port) once it was
 * reported, so a scan of new targets reports again. @return findings written to @p out (up to PT_SCAN_KIND_MAX).
 */
uint32_t pt_scan_observe(struct pt_scan *s, const struct pt_scan_attempt *a, struct pt_scan_finding *out);

void pt_scan_stats(const struct pt_scan *s, struct pt_scan_stats *st);

/** Bytes of memory the detector holds (fixed at create). */
uint64_t pt_scan_memory(const struct pt_scan *s);

#endif /* PT_DETECT_SCAN_H */
