/* SPDX-License-Identifier: BSD-3-Clause */
/* pt_identity.h - Who is on each side of a flow: the configured network an address is in, and the workload that owns it. */
#ifndef PT_IDENTITY_H
#define PT_IDENTITY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pt_config.h"

/** Where an address sits, from the configured networks; the most specific list wins. */
enum pt_identity_scope {
	PT_SCOPE_EXTERNAL = 0,   /* in none of the configured networks: the Internet, a partner, ... */
	PT_SCOPE_INTERNAL,       /* networks.internal (RFC 1918, RFC 6598, link-local, loopback, ULA by default) */
	PT_SCOPE_NODE,           /* networks.node */
	PT_SCOPE_SERVICE,        /* networks.service */
	PT_SCOPE_POD,            /* networks.cluster */
	PT_SCOPE_MAX
};

/** ECS network.direction of a flow, from the originator's and the responder's scope. */
enum pt_identity_direction {
	PT_DIRECTION_INTERNAL = 0,   /* both sides internal */
	PT_DIRECTION_OUTBOUND,       /* internal originator, external responder */
	PT_DIRECTION_INBOUND,        /* external originator, internal responder */
	PT_DIRECTION_EXTERNAL,       /* both sides external */
};

struct pt_identity_networks;

/**
 * Build the immutable network table from the configuration's networks.* lists.
 * @return the table, or NULL when out of memory.
 */
struct pt_identity_networks *pt_identity_networks_create(const struct pt_config *cfg);

/** Free a table; NULL is a no-op. */
void pt_identity_networks_free(struct pt_identity_networks *nets);

/**
 * The scope of an address (16 bytes, IPv4 in the first 4). Longest prefix wins; at equal length the more
 * specific list (pod, service, node, internal) does. Safe to call from any thread.
 */
enum pt_identity_scope pt_identity_scope_of(const struct pt_identity_networks *nets, uint8_t ip_version,
					    const uint8_t addr[16]);

/** True for every scope but PT_SCOPE_EXTERNAL. */
static inline int pt_identity_scope_is_internal(enum pt_identity_scope scope)
{
	return scope != PT_SCOPE_EXTERNAL;
}

/** The direction of a flow whose originator and responder have these scopes. */
enum pt_identity_direction pt_identity_direction_of(enum pt_identity_scope orig, enum pt_identity_scope resp);

/** ECS name of a direction: "internal", "outbound", "inbound", "external". */
const char *pt_identity_direction_name(enum pt_identity_direction dir);

/** Name of a scope for records: "external", "internal", "node", "service", "pod". */
const char *pt_identity_scope_name(enum pt_identity_scope scope);

/* ---- workload identities --------------------------------------------------------------------------------- */

/*
 * The workload table comes from Redis (docs/redis-schema.md): exact addresses and CIDRs, each with an
 * identity. The control side owns a mutable map (struct pt_workloads), applies the snapshot and the change
 * stream to it, and publishes immutable copies (struct pt_workload_table) to the workers by RCU (pt_rcu).
 *
 * An identity (struct pt_workload) is reference counted: the map holds one reference, and a worker takes one
 * for each flow that starts with it, so a flow keeps the identity it started with after the entry changed.
 * An entry the map drops is released only after the grace period of the table that still showed it, so a
 * worker may take a reference on anything it finds in its current table.
 *
 *   control, at start:   ws = pt_workloads_create(max_entries, n_workers);
 *   control, on a change: pt_workloads_set(ws, field, is_network, json, len, ...) / pt_workloads_del(...)
 *   control, full resync: pt_workloads_mark(ws); ... pt_workloads_set() for every entry ...; pt_workloads_sweep(ws);
 *   control, after each batch: pt_workloads_publish(ws); and periodically pt_workloads_reclaim(ws);
 *   worker w:            pt_workloads_reader_online(ws, w);
 *   worker, per burst:   t = pt_workloads_current(ws); ... pt_workload_table_lookup(t, ...) and pt_workload_retain()
 *                        for each new flow ...; pt_workloads_quiescent(ws, w);
 *   worker, flow end:    pt_workload_release() (or hand the reference to the record, whose reader releases it).
 *   control, at exit:    after every worker stopped, pt_workloads_free(ws).
 */

/** What an identity names (the JSON "kind"). */
enum pt_workload_kind {
	PT_WORKLOAD_POD = 0,
	PT_WORKLOAD_SERVICE,
	PT_WORKLOAD_NODE,
	PT_WORKLOAD_KIND_MAX
};

/** The identity's string members; a member that does not apply is "". */
enum pt_workload_field {
	PT_WORKLOAD_F_NAMESPACE = 0,
	PT_WORKLOAD_F_POD,
	PT_WORKLOAD_F_POD_UID,
	PT_WORKLOAD_F_WORKLOAD_KIND,     /* top-level owner: Deployment, StatefulSet, DaemonSet, CronJob, ... */
	PT_WORKLOAD_F_WORKLOAD,
	PT_WORKLOAD_F_NODE,
	PT_WORKLOAD_F_SERVICE_ACCOUNT,
	PT_WORKLOAD_F_START_TIME,
	PT_WORKLOAD_F_SOURCE,            /* the writer: podtap-k8s-sync or podtapctl */
	PT_WORKLOAD_FIELD_MAX
};

/** Longest identity JSON accepted. */
#define PT_WORKLOAD_JSON_MAX 65536

struct pt_workload_label {
	const char *key;
	const char *value;
};

/** One identity, immutable once parsed; everything lives in its one allocation. */
struct pt_workload {
	_Atomic uint32_t refs;
	uint8_t kind;                                    /* enum pt_workload_kind */
	uint16_t n_labels;
	uint16_t n_images;
	uint32_t json_len;
	const char *field[PT_WORKLOAD_FIELD_MAX];        /* by enum pt_workload_field */
	const struct pt_workload_label *labels;          /* in the JSON's order */
	const char *const *images;
	const char *json;                                /* the text it was parsed from */
};

/**
 * Parse an identity (docs/redis-schema.md). Unknown members are ignored; a missing string member is "".
 * Strings longer than 1023 bytes are cut at a character boundary.
 * @return the identity with one reference, or NULL with a one-line reason in @p err: not a JSON object, kind
 *         missing or not pod/service/node, a member of the wrong type, more than 256 labels or 64 images, or
 *         out of memory.
 */
struct pt_workload *pt_workload_parse(const char *json, size_t len, char *err, size_t err_len);

/** Take a reference (from any thread). NULL is a no-op. */
void pt_workload_retain(struct pt_workload *w);

/** Drop a reference; the last one frees. NULL is a no-op. */
void pt_workload_release(struct pt_workload *w);

/** "pod", "service" or "node". */
const char *pt_workload_kind_name(enum pt_workload_kind kind);

/** How a lookup found its identity. */
enum pt_workload_match {
	PT_WORKLOAD_MATCH_NONE = 0,
	PT_WORKLOAD_MATCH_ADDRESS,        /* an exact entry of <prefix>workloads */
	PT_WORKLOAD_MATCH_NETWORK,        /* the longest CIDR of <prefix>networks that holds the address */
};

/** An immutable table as workers see it. */
struct pt_workload_table;

/**
 * Find the identity of an address: the exact entry, else the longest-prefix network. IPv4-mapped IPv6
 * addresses are looked up as IPv4. Allocates nothing and takes no reference: call pt_workload_retain() to keep
 * the result past the reader's next quiescent state.
 * @param t the table from pt_workloads_current(); NULL finds nothing.
 * @param match set to how it was found (PT_WORKLOAD_MATCH_NONE with a NULL return); may be NULL.
 */
struct pt_workload *pt_workload_table_lookup(const struct pt_workload_table *t, uint8_t ip_version,
					     const uint8_t addr[16], enum pt_workload_match *match);

/** The table's generation: 1 for the first table published, +1 for each one after. 0 for NULL. */
uint64_t pt_workload_table_generation(const struct pt_workload_table *t);

/** Counters of the control side's map, for the stats. */
struct pt_workloads_stats {
	uint64_t generation;         /* of the table published last; 0 before the first */
	uint64_t addresses;          /* exact entries in the map */
	uint64_t networks;           /* CIDR entries in the map */
	uint64_t sets;               /* pt_workloads_set() calls that added or changed an entry */
	uint64_t dels;               /* pt_workloads_del() calls that removed one */
	uint64_t invalid;            /* entries refused: bad address or CIDR, bad identity JSON */
	uint64_t full;               /* entries refused because the map held max_entries */
	uint64_t stale_removed;      /* entries a full resync found gone from Redis */
	uint64_t publishes;          /* tables published */
	uint64_t publish_ns_last;    /* how long building the last table took */
};

/** The control side's map and its publication. */
struct pt_workloads;

/**
 * Create an empty map for at most @p max_entries addresses and networks together, published to readers
 * 0 .. @p max_readers - 1. Nothing is published until pt_workloads_publish(): pt_workloads_current() is NULL.
 * @return the map, or NULL when an argument is 0 or memory runs out.
 */
struct pt_workloads *pt_workloads_create(uint32_t max_entries, uint32_t max_readers);

/** Free the map, every table and every identity the map holds. Only after every reader stopped; NULL is a no-op. */
void pt_workloads_free(struct pt_workloads *ws);

/**
 * Set the entry of @p field (an address, or with @p is_network a CIDR whose host bits are zero) to the identity
 * @p json. An unchanged entry (same JSON text) is only marked as seen (see pt_workloads_mark()). A bad identity
 * removes the entry the field had, since what Redis holds for it no longer names that workload.
 * @return 1 when the entry was added or changed, 0 when unchanged, -EINVAL for a bad field or identity (one-line
 *         reason in @p err, counted as invalid), -ENOSPC when the map is full (counted), -ENOMEM.
 */
int pt_workloads_set(struct pt_workloads *ws, const char *field, bool is_network, const char *json, size_t len,
		     char *err, size_t err_len);

/**
 * Remove the entry of @p field.
 * @return 1 when removed, 0 when there was none, -EINVAL for a bad field (counted as invalid).
 */
int pt_workloads_del(struct pt_workloads *ws, const char *field, bool is_network);

/** Start a full resync: entries not set again before pt_workloads_sweep() are removed by it. */
void pt_workloads_mark(struct pt_workloads *ws);

/** End a full resync. @return how many entries were removed (also counted as stale_removed). */
uint32_t pt_workloads_sweep(struct pt_workloads *ws);

/**
 * Publish the map as a new immutable table if it changed since the last one (or nothing was published yet),
 * and free tables whose grace period ended. Never waits for readers.
 * @return 1 when a table was published, 0 when nothing changed, -ENOMEM, or -EBUSY when old tables still wait
 *         for readers (try again later).
 */
int pt_workloads_publish(struct pt_workloads *ws);

/** Free tables (and the identities only they held) whose grace period ended. @return how many still wait. */
unsigned pt_workloads_reclaim(struct pt_workloads *ws);

/** Copy the counters (control side). */
void pt_workloads_stats(const struct pt_workloads *ws, struct pt_workloads_stats *stats);

/** Reader side, at start. @return 0, or -EINVAL when @p reader >= max_readers or @p ws is NULL. */
int pt_workloads_reader_online(struct pt_workloads *ws, uint32_t reader);

/** Reader side, at stop. */
void pt_workloads_reader_offline(struct pt_workloads *ws, uint32_t reader);

/** Reader side, once per burst: the current table (NULL before the first publish or for a NULL @p ws). */
const struct pt_workload_table *pt_workloads_current(struct pt_workloads *ws);

/** Reader side, at the end of each burst. */
void pt_workloads_quiescent(struct pt_workloads *ws, uint32_t reader);

#endif /* PT_IDENTITY_H */
