/* SPDX-License-Identifier: BSD-3-Clause */
/* pt_flow.h - Per-worker, lock-free flow table: symmetric keys, TCP conn_state, timer-wheel expiry, Community ID. */
#ifndef PT_FLOW_H
#define PT_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "pt_decode.h"
#include "pt_util.h"

/**
 * Symmetric flow key: both directions of a connection give the same key. The endpoint with the lower
 * (address, port) is side 0. Addresses are 16 bytes (IPv4 in the first 4, rest zero). For ICMP the
 * "ports" are (type, counterpart type) for request/reply types and (type, code) otherwise, as in
 * Community ID v1, so that an echo request and its reply share a flow. One-way ICMP types are not
 * ordered: their sender is always side 0, so each direction is its own flow (and Community ID).
 */
struct pt_flow_key {
	uint8_t addr[2][16];
	uint16_t port[2];
	uint8_t proto;
	uint8_t ip_version;
	uint8_t pad[2];              /* always zero, so keys compare with memcmp */
};

/** Idle timeout classes; each has its own configurable timeout. */
enum pt_flow_timeout_class {
	PT_FLOW_TIMEOUT_TCP_OPENING = 0, /* TCP not (yet) established: SYN seen, no handshake completed */
	PT_FLOW_TIMEOUT_TCP_ESTABLISHED, /* TCP with a completed handshake, or midstream */
	PT_FLOW_TIMEOUT_TCP_CLOSED,      /* TCP after FIN from both sides or any RST: the linger */
	PT_FLOW_TIMEOUT_UDP,
	PT_FLOW_TIMEOUT_ICMP,
	PT_FLOW_TIMEOUT_OTHER,
	PT_FLOW_TIMEOUT_CLASS_MAX
};

/** Why a record was produced. */
enum pt_flow_event {
	PT_FLOW_EVENT_END_IDLE = 0,   /* no packet for the idle timeout */
	PT_FLOW_EVENT_END_CLOSED,     /* TCP close (FIN both ways or RST) and the linger passed */
	PT_FLOW_EVENT_END_EVICTED,    /* removed to make room when the table was full */
	PT_FLOW_EVENT_END_SHUTDOWN,   /* flushed at the end of the capture or on exit */
	PT_FLOW_EVENT_UPDATE,         /* periodic interim record for a long flow; the flow stays */
	PT_FLOW_EVENT_MAX
};

/** Zeek conn_state vocabulary. */
enum pt_conn_state {
	PT_CONN_S0 = 0, PT_CONN_S1, PT_CONN_SF, PT_CONN_REJ, PT_CONN_S2, PT_CONN_S3, PT_CONN_RSTO,
	PT_CONN_RSTR, PT_CONN_RSTOS0, PT_CONN_RSTRH, PT_CONN_SH, PT_CONN_SHR, PT_CONN_OTH, PT_CONN_STATE_MAX
};

/** Per-direction TCP observation bits in struct pt_flow::tcp_seen[dir]. */
#define PT_FLOW_TCP_SYN     0x01  /* SYN without ACK */
#define PT_FLOW_TCP_SYNACK  0x02  /* SYN with ACK */
#define PT_FLOW_TCP_ACK     0x04  /* ACK without SYN */
#define PT_FLOW_TCP_DATA    0x08  /* payload bytes */
#define PT_FLOW_TCP_FIN     0x10
#define PT_FLOW_TCP_RST     0x20
/* Not a TCP observation: in tcp_seen[0] of any flow, set once an interim record of it went out (a spare bit: pt_flow
 * keeps its size). Consumers of records tell a flow's first record by its absence. */
#define PT_FLOW_UPDATE_SENT 0x80

#define PT_FLOW_HISTORY_LEN 16

/**
 * One flow. Direction index 0 is originator -> responder, 1 is responder -> originator.
 * The originator is the sender of the first packet, except that a TCP SYN+ACK seen first makes its
 * receiver the originator.
 */
struct pt_flow {
	struct pt_flow_key key;
	uint32_t hash;
	uint32_t bucket_next;        /* table internal: next flow index in the hash chain */
	uint32_t wheel_prev;         /* table internal: timer wheel links */
	uint32_t wheel_next;
	uint32_t wheel_slot;
	uint8_t orig_side;           /* key side (0 or 1) of the originator */
	uint8_t timeout_class;       /* enum pt_flow_timeout_class, kept current per packet */
	uint8_t tcp_seen[2];         /* PT_FLOW_TCP_* per direction; [0] also PT_FLOW_UPDATE_SENT */
	char history[PT_FLOW_HISTORY_LEN]; /* Zeek-style history, e.g. "ShADadFf", NUL-terminated; also Zeek's
					    * '^' (direction flipped), 'Q' (SYN with FIN/RST), 'I' (FIN+RST) */
	uint64_t first_ns;
	uint64_t last_ns;
	uint64_t last_update_ns;     /* time of the last PT_FLOW_EVENT_UPDATE (or first_ns) */
	uint64_t packets[2];
	uint64_t bytes[2];           /* frame bytes on the wire, per direction */
	uint16_t vlan_ids[PT_DECODE_MAX_VLANS];
	uint8_t vlan_count;
	uint8_t tunnel_type;         /* enum pt_tunnel_type of the first packet */
	uint8_t tunnel_ip_version;
	uint8_t tunnel_depth;
	uint32_t tunnel_id;
	uint8_t tunnel_src[16];
	uint8_t tunnel_dst[16];
};

struct pt_flow_config {
	uint32_t max_flows;                                   /* capacity; all memory is allocated at create */
	uint64_t timeout_ns[PT_FLOW_TIMEOUT_CLASS_MAX];       /* idle timeout per class */
	uint64_t update_interval_ns;                          /* interim records for long flows; 0 = never */
	uint32_t hash_seed;
};

/** Fill @p cfg with defaults: 262144 flows; timeouts 30 s opening, 300 s established, 5 s closed,
 *  60 s UDP, 30 s ICMP, 60 s other; updates every 60 s; a random hash_seed (getrandom). */
void pt_flow_config_default(struct pt_flow_config *cfg);

struct pt_flow_stats {
	uint64_t created;
	uint64_t ended[PT_FLOW_EVENT_MAX];   /* per event; [PT_FLOW_EVENT_UPDATE] counts interim records */
	uint64_t active;
};

/**
 * Called for every record the table produces. @p flow is valid only during the call; for END_* events
 * it is freed right after. The callback must not touch the table.
 */
typedef void (*pt_flow_emit_fn)(void *ctx, const struct pt_flow *flow, enum pt_flow_event event, uint64_t now_ns);

struct pt_flow_table;

/**
 * Create a table. All memory (flows, hash heads, wheel) is allocated here.
 * @param emit  record callback; NULL is allowed (records are then only counted in the stats).
 * @return the table, or NULL if @p cfg is invalid (max_flows == 0 or > 2^30, a zero timeout) or memory is short.
 */
struct pt_flow_table *pt_flow_table_create(const struct pt_flow_config *cfg, pt_flow_emit_fn emit, void *emit_ctx);

/** Free a table without emitting anything; NULL is a no-op. */
void pt_flow_table_free(struct pt_flow_table *table);

/**
 * Build the symmetric key of a decoded packet.
 * @param reversed  set to true when the packet travels from key side 1 to side 0.
 */
void pt_flow_key_from_packet(const struct pt_decoded *pkt, struct pt_flow_key *key, bool *reversed);

/** Seeded hash of a key; equal for both directions because the key is. */
uint32_t pt_flow_key_hash(const struct pt_flow_key *key, uint32_t seed);

/**
 * Account a burst of decoded packets: look up (prefetching buckets for the whole burst) or create each
 * packet's flow, update counters, TCP state and history. No allocation, no locks, no timer work.
 * When the table is full the flow closest to expiry is evicted (emitted as PT_FLOW_EVENT_END_EVICTED).
 * @param pkts      decoded packets (ports already resolved for fragments).
 * @param wire_lens frame length on the wire per packet, counted into bytes.
 * @param ts_ns     packet timestamps.
 * @param flows_out if not NULL, receives each packet's flow (valid until the next table call). Flows used
 *                  earlier in the same burst are never evicted, except in a table smaller than the burst:
 *                  then the earlier packets' entries for the evicted flow are set to NULL.
 * @param n         burst size (at most 64; larger bursts are processed 64 packets at a time).
 * @return number of packets accounted (n).
 */
uint32_t pt_flow_update_burst(struct pt_flow_table *table, const struct pt_decoded *pkts, const uint32_t *wire_lens,
			      const uint64_t *ts_ns, struct pt_flow **flows_out, uint32_t n);

/**
 * Advance the timer wheel to @p now_ns: expire idle and closed flows and emit interim updates, at most
 * @p budget records (the caller's room for them). Call once per burst or idle loop, never per packet.
 * @return records emitted; the wheel resumes where it stopped when the budget ran out.
 */
uint32_t pt_flow_advance(struct pt_flow_table *table, uint64_t now_ns, uint32_t budget);

/**
 * Emit and remove up to @p budget flows as PT_FLOW_EVENT_END_SHUTDOWN.
 * @return flows still in the table (call again until 0).
 */
uint32_t pt_flow_flush(struct pt_flow_table *table, uint64_t now_ns, uint32_t budget);

/**
 * The slot of @p flow in its table, 0..max_flows-1: stable for the flow's life, so callers can keep
 * per-flow state of their own (DPI, detectors) in side arrays instead of widening struct pt_flow.
 */
uint32_t pt_flow_table_index(const struct pt_flow_table *table, const struct pt_flow *flow);

/** Copy the table's counters. */
void pt_flow_table_stats(const struct pt_flow_table *table, struct pt_flow_stats *stats);

/** The conn_state of a flow as it stands now. */
enum pt_conn_state pt_flow_conn_state(const struct pt_flow *flow);

/** Zeek name of a conn_state, e.g. "SF". */
const char *pt_flow_conn_state_name(enum pt_conn_state state);

/** Name of an event for records: "idle", "closed", "evicted", "shutdown", "update". */
const char *pt_flow_event_name(enum pt_flow_event event);

/** Name of a timeout class for the configuration: "tcp_opening", "tcp_established", ... */
const char *pt_flow_timeout_class_name(enum pt_flow_timeout_class cls);

/**
 * For ICMP (@p ip_version 4) or ICMPv6 (6) request/reply types, the type of the other half
 * (echo request 8 -> reply 0, ...), as Community ID v1 pairs them.
 * @return the counterpart type, or -1 for a one-way type (keyed by type and code).
 */
int pt_flow_icmp_counterpart(uint8_t ip_version, uint8_t type);

/** Longest Community ID text with its NUL ("1:" + 28 base64 characters). */
#define PT_FLOW_COMMUNITY_ID_LEN 32

/**
 * Community ID v1 of a flow (https://github.com/corelight/community-id-spec), seed @p seed.
 * @return @p buf.
 */
const char *pt_flow_community_id(const struct pt_flow *flow, uint16_t seed, char buf[PT_FLOW_COMMUNITY_ID_LEN]);

/** Originator-side address/port of a flow (direction 0 source). */
static inline const uint8_t *pt_flow_orig_addr(const struct pt_flow *f) { return f->key.addr[f->orig_side]; }
static inline const uint8_t *pt_flow_resp_addr(const struct pt_flow *f) { return f->key.addr[!f->orig_side]; }
static inline uint16_t pt_flow_orig_port(const struct pt_flow *f) { return f->key.port[f->orig_side]; }
static inline uint16_t pt_flow_resp_port(const struct pt_flow *f) { return f->key.port[!f->orig_side]; }

#endif /* PT_FLOW_H */
