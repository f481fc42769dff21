/* SPDX-License-Identifier: BSD-3-Clause */
/* scan_priv.h - The scan detector's memory layout, shared by its counting (scan.c) and its sources (scan_table.c). */
#ifndef PT_DETECT_SCAN_PRIV_H
#define PT_DETECT_SCAN_PRIV_H

#include <endian.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "detect_scan.h"

#define SCAN_VICTIMS 8                      /* victims a source is followed on for vertical scans */
#define SCAN_PORTS 8                        /* (transport, port)s a source is followed on for horizontal scans */
#define SCAN_SET_MAX 64                     /* the largest exact set, so the highest threshold */
#define SCAN_FLOWS 16                       /* a source's last counted attempts, for the community ids */
#define SCAN_TRW_DSTS 64                    /* destinations a source was last seen contacting first (FIFO) */
#define SCAN_SOURCES_MAX (1u << 24)
#define SCAN_NONE UINT32_MAX

/* One run of a set of distinct targets, from its first counted attempt until a finding or the window ends it. */
struct scan_run {
	uint64_t first_ns;
	uint32_t gen;                       /* names this run (for the community ids); never 0 */
	uint32_t seen;                      /* the source's attempt number when last counted: the stalest goes */
	uint32_t n, failures;               /* targets in the set; failed attempts in the run */
};

/* Vertical: the failed ports (transport << 16 | port) of one victim, kept in the source's slice of vport[]. */
struct scan_victim {
	uint8_t addr[16];
	struct scan_run run;
};

/* Horizontal: the failed victims of one (transport, port) as keys in hvictim[], with the lowest and highest. */
struct scan_port {
	uint8_t lo[16], hi[16];
	uint16_t port;
	uint8_t transport;
	struct scan_run run;
};

/*
 * A counted attempt (failed, or a first contact of the walk) and the runs it counted in (by kind; 0 for none),
 * with what a finding lists it by: the community id the caller gave, or what its flow's id is made from (the
 * source is the originator), so that the SHA-1 is computed only for the attempts a finding lists.
 */
struct scan_flow {
	uint32_t gen[PT_SCAN_KIND_MAX];
	union {
		char id[PT_FLOW_COMMUNITY_ID_LEN];
		struct {
			uint8_t dst[16];            /* the responder */
			uint16_t orig_port, resp_port;
			uint8_t transport;
			uint8_t orig_side;          /* the flow key's side of the originator */
		} tuple;
	};
};

/* The Threshold Random Walk over first contacts; contacted destinations are a FIFO of keys in dst[]. */
struct scan_walk {
	double llr;                         /* log of the likelihood ratio scanner : benign */
	uint64_t first_ns;
	uint32_t gen, contacts, failures;   /* contacts == 0: no walk under way */
	uint32_t n_dst, next_dst;
	uint8_t lo[16], hi[16];
};

/*
 * A source starts with only its first fields and its walk's counters set (scan_table.c): a victim, port or flow
 * entry is read only once its bit in victims_used, ports_used or flows_used says it was written, so a new source
 * (one per record under a flood of random sources) writes a few cache lines, not the whole struct.
 */
struct scan_source {
	uint8_t addr[16];
	uint64_t hash;
	uint32_t slot;                      /* its index in the table (and in the side arrays) */
	uint32_t prev, next;                /* LRU list, most recently seen first */
	uint32_t seq, gen;                  /* attempts seen; runs started */
	uint8_t ip_version;
	uint8_t next_flow;                  /* the oldest of flow[], overwritten next */
	uint8_t victims_used, ports_used;   /* bit i: victim[i] (port[i]) was taken */
	uint16_t flows_used;                /* bit i: flow[i] holds an attempt */
	uint16_t flows_by_flow;             /* bit i: flow[i] holds a tuple, not an id */
	struct scan_walk walk;
	struct scan_victim victim[SCAN_VICTIMS];
	struct scan_port port[SCAN_PORTS];
	struct scan_flow flow[SCAN_FLOWS];
};

/*
 * One slot of the source index: the source (slot + 1, 0 = empty) and the low half of its hash, so that a probe
 * reads no source but the one it finds.
 */
struct scan_slot {
	uint32_t src;
	uint32_t hash;
};

struct pt_scan {
	struct pt_scan_config cfg;
	double log_success, log_failure;    /* the walk's steps */
	double log_eta1, log_eta0;          /* its thresholds */
	uint64_t seed;
	struct scan_source *src;            /* cfg.max_sources; [0, count) in use */
	uint32_t *vport;                    /* SCAN_VICTIMS * vertical_ports per source */
	uint32_t *hvictim;                  /* SCAN_PORTS * horizontal_hosts per source */
	uint32_t *dst;                      /* SCAN_TRW_DSTS per source, when cfg.trw */
	struct scan_slot *index;            /* open addressing by address */
	uint32_t index_mask;
	uint32_t count, lru_head, lru_tail;
	uint64_t memory;
	struct pt_scan_stats stats;
};

static inline uint64_t scan_mix(uint64_t x)        /* splitmix64's finaliser */
{
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static inline uint64_t scan_hash(uint64_t seed, const uint8_t addr[16])
{
	uint64_t a, b;

	memcpy(&a, addr, 8);
	memcpy(&b, addr + 8, 8);
	return scan_mix(scan_mix(a ^ seed) ^ b);
}

static inline bool scan_addr_equal(const uint8_t a[16], const uint8_t b[16])
{
	uint64_t a0, a1, b0, b1;

	memcpy(&a0, a, 8);
	memcpy(&a1, a + 8, 8);
	memcpy(&b0, b, 8);
	memcpy(&b1, b + 8, 8);
	return ((a0 ^ b0) | (a1 ^ b1)) == 0;
}

/* memcmp(a, b, 16) < 0, without the call. */
static inline bool scan_addr_less(const uint8_t a[16], const uint8_t b[16])
{
	uint64_t x, y;

	memcpy(&x, a, 8);
	memcpy(&y, b, 8);
	if (x != y)
		return be64toh(x) < be64toh(y);
	memcpy(&x, a + 8, 8);
	memcpy(&y, b + 8, 8);
	return be64toh(x) < be64toh(y);
}

/** The source's state, made (in a free slot or the least recently seen source's) when it has none. */
struct scan_source *scan_source_get(struct pt_scan *s, uint8_t ip_version, const uint8_t addr[16]);

#endif /* PT_DETECT_SCAN_PRIV_H */
