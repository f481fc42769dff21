/* SPDX-License-Identifier: BSD-3-Clause */
/* pt_baseline.h - Per-workload communication baselines: the edges each workload uses, learned, then checked. */
#ifndef PT_BASELINE_H
#define PT_BASELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A baseline belongs to a workload key (text, at most PT_BASELINE_KEY_LEN - 1 bytes):
 *   "<namespace>/<WorkloadKind>/<name>"   a pod's top-level workload, e.g. "shop/Deployment/frontend"
 *   "node/<name>", "service/<namespace>/<name>"
 *   "net/<name>"                           a named network entry
 *   "ip/<address>"                         an internal address without an identity
 * An edge is what the workload did, in a canonical text form that is also its Redis hash field:
 *   "<direction>|<transport>|<port>|<app>|<peer_kind>|<peer>"
 *   e.g. "out|tcp|443|tls|domain|example.com", "out|udp|53|dns|service|kube-system/kube-dns",
 *        "in|tcp|8080|http|workload|shop/Deployment/frontend", "out|icmp|8||external_ip|203.0.113.7"
 * direction: out (the workload originated) or in; transport: tcp, udp, icmp, icmp6, sctp or the protocol
 * number; port: the responder's port (ICMP: the type); app: network.protocol, "" when unknown. '|' never
 * occurs inside a member (pt_baseline_edge_format() replaces it with '_').
 */
#define PT_BASELINE_KEY_LEN 192
#define PT_BASELINE_PEER_LEN 192
#define PT_BASELINE_APP_LEN 32
#define PT_BASELINE_EDGE_TEXT_LEN 448

enum pt_baseline_direction { PT_BASELINE_OUT = 0, PT_BASELINE_IN, PT_BASELINE_DIRECTION_MAX };

enum pt_baseline_peer_kind {
	PT_PEER_WORKLOAD = 0,     /* "workload": a workload key as above */
	PT_PEER_NODE,             /* "node": a node name */
	PT_PEER_SERVICE,          /* "service": "<namespace>/<name>" */
	PT_PEER_NETWORK,          /* "network": a named network entry */
	PT_PEER_INTERNAL_IP,      /* "internal_ip": an internal address without an identity */
	PT_PEER_DOMAIN,           /* "domain": an external registered domain (public suffix list) */
	PT_PEER_EXTERNAL_IP,      /* "external_ip": an external address without a name */
	PT_PEER_KIND_MAX
};

struct pt_baseline_edge {
	uint8_t direction;                    /* enum pt_baseline_direction */
	uint8_t peer_kind;                    /* enum pt_baseline_peer_kind */
	uint8_t transport;                    /* IP protocol number */
	uint16_t port;
	char app[PT_BASELINE_APP_LEN];
	char peer[PT_BASELINE_PEER_LEN];
};

/** What a baseline keeps per edge. */
struct pt_baseline_edge_stats {
	uint64_t first_seen_ns;
	uint64_t last_seen_ns;
	uint64_t count;                       /* flows */
	uint32_t asn;                         /* external peers: the AS number seen (0 = none) */
	char country[3];                      /* external peers: ISO country code seen ("" = none) */
};

/** "out"/"in", "workload"/"node"/.../"external_ip"; NULL for a value out of range. */
const char *pt_baseline_direction_name(enum pt_baseline_direction d);
const char *pt_baseline_peer_kind_name(enum pt_baseline_peer_kind k);

/** Write the edge's text form into @p out (PT_BASELINE_EDGE_TEXT_LEN bytes). @return its length. */
size_t pt_baseline_edge_format(const struct pt_baseline_edge *e, char *out, size_t out_len);

/** Parse an edge's text form. @return 0, or -EINVAL for a text that is not one. */
int pt_baseline_edge_parse(const char *text, struct pt_baseline_edge *e);

struct pt_baseline_config {
	uint64_t learning_period_ns;          /* baseline.learning_period: from a workload's first flow */
	uint32_t max_edges;                   /* baseline.max_edges: per workload */
	uint32_t max_workloads;               /* baseline.max_workloads */
};

/** A workload's baseline as a whole. */
struct pt_baseline_workload_info {
	uint64_t first_seen_ns;               /* learning started */
	uint64_t learning_until_ns;           /* detection from here on */
	uint32_t edges;
	uint32_t countries;                   /* distinct countries among its external edges */
	uint32_t asns;                        /* distinct AS numbers among its external edges */
	bool full;                            /* max_edges reached: new edges are not learned */
};

enum pt_baseline_verdict {
	PT_BASELINE_KNOWN = 0,                /* the edge was in the baseline: its stats were updated */
	PT_BASELINE_LEARNED,                  /* learning: the edge was added */
	PT_BASELINE_NEW,                      /* detection: the edge is not in the baseline (not added) */
	PT_BASELINE_FULL,                     /* learning, but max_edges reached: not added (counted) */
	PT_BASELINE_NO_ROOM,                  /* max_workloads reached: no baseline for this workload (counted) */
};

struct pt_baseline_stats {
	uint64_t workloads;
	uint64_t edges;
	uint64_t learned;                     /* edges added by pt_baseline_observe() */
	uint64_t merged;                      /* edges added or updated by pt_baseline_merge_edge() */
	uint64_t edges_refused;               /* PT_BASELINE_FULL verdicts */
	uint64_t workloads_refused;           /* PT_BASELINE_NO_ROOM verdicts */
	uint64_t forgotten;                   /* edges removed by forget or relearn */
};

struct pt_baseline;

/** @return an empty set of baselines, or NULL when out of memory or a limit is 0. Single-threaded. */
struct pt_baseline *pt_baseline_create(const struct pt_baseline_config *cfg);

/** NULL is a no-op. */
void pt_baseline_free(struct pt_baseline *b);

/**
 * A flow of workload @p key used edge @p e at @p ts_ns (packet time). A workload seen for the first time starts
 * learning at @p ts_ns. While learning, a new edge is added (PT_BASELINE_LEARNED, or PT_BASELINE_FULL at the
 * cap); after, it is only reported (PT_BASELINE_NEW). A known edge has its last_seen, count, asn and country
 * updated (PT_BASELINE_KNOWN). @p asn and @p country (may be NULL) describe an external peer. @p info (may be
 * NULL) gets the workload's state after the call. Added or updated edges become dirty (pt_baseline_take_dirty).
 */
enum pt_baseline_verdict pt_baseline_observe(struct pt_baseline *b, const char *key, const struct pt_baseline_edge *e,
					     uint32_t asn, const char *country, uint64_t ts_ns,
					     struct pt_baseline_workload_info *info);

/** @return true and @p info filled when @p key has a baseline. */
bool pt_baseline_workload(const struct pt_baseline *b, const char *key, struct pt_baseline_workload_info *info);

/** True when one of @p key's edges had this country (AS number). */
bool pt_baseline_knows_country(const struct pt_baseline *b, const char *key, const char *country);
bool pt_baseline_knows_asn(const struct pt_baseline *b, const char *key, uint32_t asn);

/**
 * The known edge of @p key closest to @p e, for evidence: the same peer, direction, transport and port (another
 * app), else the same peer (any port), else the same direction, transport and port (any peer), else none. The
 * earliest first_seen wins among equals.
 * @return true with @p out and @p stats filled, or false.
 */
bool pt_baseline_closest(const struct pt_baseline *b, const char *key, const struct pt_baseline_edge *e,
			 struct pt_baseline_edge *out, struct pt_baseline_edge_stats *stats);

/**
 * An edge from elsewhere (Redis: another sensor's, or an operator's accept): added whatever the mode and only
 * up to max_edges (else ignored, counted in edges_refused); an existing edge keeps the earliest first_seen, the
 * latest last_seen and the larger count. Creates the workload when needed (learning from @p stats' first_seen).
 * Not made dirty. @return 0, -ENOSPC (a cap, or a bad key or edge), -ENOMEM, or -EINVAL (@p e or @p stats NULL).
 */
int pt_baseline_merge_edge(struct pt_baseline *b, const char *key, const struct pt_baseline_edge *e,
			   const struct pt_baseline_edge_stats *stats);

/**
 * A workload's learning window from elsewhere: created with it, or, when it exists, the earlier first_seen is
 * kept and learning_until is set as given. Not made dirty. @return 0, -ENOSPC or -ENOMEM.
 */
int pt_baseline_merge_workload(struct pt_baseline *b, const char *key, uint64_t first_seen_ns,
			       uint64_t learning_until_ns);

/** Remove one edge of @p key (@p e non-NULL) or all of them. @return edges removed. */
uint32_t pt_baseline_forget(struct pt_baseline *b, const char *key, const struct pt_baseline_edge *e);

/** Restart learning: remove every edge of @p key and learn from @p first_seen_ns until @p learning_until_ns. */
int pt_baseline_relearn(struct pt_baseline *b, const char *key, uint64_t first_seen_ns, uint64_t learning_until_ns);

/** What pt_baseline_take_dirty() hands out. */
typedef void (*pt_baseline_dirty_fn)(void *ctx, const char *key, const struct pt_baseline_workload_info *info,
				     const struct pt_baseline_edge *e, const struct pt_baseline_edge_stats *stats,
				     bool new_edge);

/**
 * Hand every edge added or updated since the last call to @p fn (with its workload's info; @p new_edge when it
 * was added rather than updated), in the order they became dirty, and make them clean. At most @p max edges
 * (0 = all). @return edges handed out.
 */
uint32_t pt_baseline_take_dirty(struct pt_baseline *b, uint32_t max, pt_baseline_dirty_fn fn, void *ctx);

/** Every edge of @p key to @p fn (new_edge false). @return edges, or 0 when it has no baseline. */
uint32_t pt_baseline_each_edge(const struct pt_baseline *b, const char *key, pt_baseline_dirty_fn fn, void *ctx);

void pt_baseline_stats(const struct pt_baseline *b, struct pt_baseline_stats *st);

#endif /* PT_BASELINE_H */
