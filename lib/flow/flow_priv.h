/* SPDX-License-Identifier: BSD-3-Clause */
/* flow_priv.h - Internal table layout and the helpers shared by the lib/flow source files. */
#ifndef PT_FLOW_PRIV_H
#define PT_FLOW_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "pt_flow.h"

/** "No flow" in every index link (hash chains, wheel lists, free list). */
#define PT_FLOW_NONE UINT32_MAX

/** Largest burst pt_flow_update_burst() accepts. */
#define PT_FLOW_BURST_MAX 64

/**
 * Timer wheel: slot width and number of slots (a power of two). Slots of 1/64 s spread the expiry of flows
 * that started in the same second over 64 slots, so that no poll inherits a second's worth of records
 * at once; 32768 of them span 512 s, more than every default timeout.
 */
#define PT_FLOW_WHEEL_TICK_NS (PT_NS_PER_SEC / 64)
#define PT_FLOW_WHEEL_SLOTS 32768u
#define PT_FLOW_WHEEL_MASK (PT_FLOW_WHEEL_SLOTS - 1)
/** 64-bit words of the bitmap of slots that hold a flow. */
#define PT_FLOW_WHEEL_WORDS (PT_FLOW_WHEEL_SLOTS / 64)
/** List index of the "due" list: flows taken off fired slots and not yet checked (budget ran out). */
#define PT_FLOW_WHEEL_PENDING PT_FLOW_WHEEL_SLOTS

/** Largest accepted cfg->max_flows. */
#define PT_FLOW_MAX_FLOWS (1u << 30)

/* IANA protocol numbers used here. */
#define PT_FLOW_PROTO_ICMP 1
#define PT_FLOW_PROTO_TCP 6
#define PT_FLOW_PROTO_UDP 17
#define PT_FLOW_PROTO_ICMPV6 58
#define PT_FLOW_PROTO_SCTP 132

/* TCP flag bits as in struct pt_decoded::tcp_flags. */
#define PT_TCP_FLAG_FIN 0x01
#define PT_TCP_FLAG_SYN 0x02
#define PT_TCP_FLAG_RST 0x04
#define PT_TCP_FLAG_ACK 0x10

struct pt_flow_table {
	struct pt_flow *flows;            /* max_flows entries */
	uint32_t *buckets;                /* bucket_mask + 1 chain heads */
	uint32_t *wheel;                  /* PT_FLOW_WHEEL_SLOTS slot heads + the pending list head */
	uint64_t *wheel_busy;             /* bit s set: slot s holds a flow (the pending list has no bit) */
	uint32_t bucket_mask;
	uint32_t max_flows;
	uint32_t free_head;               /* free flows, chained through bucket_next */
	uint32_t next_unused;             /* slots from here on were never used (not on the free list either) */
	bool wheel_started;               /* cur_tick is set by the first packet or advance */
	uint64_t cur_tick;                /* every tick < cur_tick has been moved to the pending list */
	uint64_t now_ns;                  /* latest time given to pt_flow_advance() */
	struct pt_flow_config cfg;
	pt_flow_emit_fn emit;
	void *emit_ctx;
	struct pt_flow_stats stats;
};

/* ---- flow_key.c ---- */

/** pt_flow_icmp_counterpart() by protocol: ICMPv6 (58) uses the ICMPv6 table, anything else ICMPv4's. */
static inline int pt_flow_icmp_counterpart_proto(uint8_t proto, uint8_t type)
{
	return pt_flow_icmp_counterpart(proto == PT_FLOW_PROTO_ICMPV6 ? 6 : 4, type);
}

/* ---- flow_tcp.c ---- */

/** Timeout class of a new flow's protocol before any TCP packet is seen. */
enum pt_flow_timeout_class pt_flow_proto_class(uint8_t proto);

/**
 * Record one TCP packet of @p flow sent in direction @p dir (0 = originator): observation bits, history
 * and timeout class (the caller re-arms the wheel when the class becomes PT_FLOW_TIMEOUT_TCP_CLOSED).
 */
void pt_flow_tcp_observe(struct pt_flow *flow, unsigned int dir, uint8_t tcp_flags, uint32_t payload_len);

/** Timeout class implied by a TCP flow's observation bits and its current class. */
enum pt_flow_timeout_class pt_flow_tcp_class(const struct pt_flow *flow);

/* ---- flow_wheel.c ---- */

/** Start the wheel at @p ns if nothing did yet. */
void pt_flow_wheel_start(struct pt_flow_table *t, uint64_t ns);

/** Link a flow (not in the wheel) into the slot of deadline @p deadline_ns. */
void pt_flow_wheel_insert(struct pt_flow_table *t, uint32_t idx, uint64_t deadline_ns);

/** Unlink a flow from whichever wheel list holds it. */
void pt_flow_wheel_unlink(struct pt_flow_table *t, uint32_t idx);

/** Next deadline of a flow: the idle expiry or the next interim update, whichever is first. */
uint64_t pt_flow_next_deadline(const struct pt_flow_table *t, const struct pt_flow *f);

/**
 * Flow closest to expiry (pending list first, then slots from the cursor), skipping the @p n_skip
 * indices in @p skip when any other flow exists. PT_FLOW_NONE when the table is empty.
 */
uint32_t pt_flow_wheel_oldest(const struct pt_flow_table *t, const uint32_t *skip, uint32_t n_skip);

/* ---- flow_table.c ---- */

/** Emit @p event for flow @p idx and, for END_* events, remove it and put it on the free list. */
void pt_flow_end(struct pt_flow_table *t, uint32_t idx, enum pt_flow_event event, uint64_t now_ns);

/** Emit a PT_FLOW_EVENT_UPDATE record for flow @p idx (the flow stays). */
void pt_flow_emit_update(struct pt_flow_table *t, uint32_t idx, uint64_t now_ns);

#endif /* PT_FLOW_PRIV_H */
