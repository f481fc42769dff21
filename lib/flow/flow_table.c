/* SPDX-License-Identifier: BSD-3-Clause */
/* flow_table.c - The per-worker flow table: creation, burst lookup and accounting, eviction, stats. */
#include <stddef.h>
#include <string.h>
#include <sys/random.h>

#include "flow_priv.h"

_Static_assert(sizeof(struct pt_flow) <= 256, "struct pt_flow must stay within four cache lines");

static const char *const event_names[PT_FLOW_EVENT_MAX] = {
	[PT_FLOW_EVENT_END_IDLE] = "idle", [PT_FLOW_EVENT_END_CLOSED] = "closed",
	[PT_FLOW_EVENT_END_EVICTED] = "evicted", [PT_FLOW_EVENT_END_SHUTDOWN] = "shutdown",
	[PT_FLOW_EVENT_UPDATE] = "update",
};

const char *pt_flow_event_name(enum pt_flow_event event)
{
	return (unsigned int)event < PT_FLOW_EVENT_MAX ? event_names[event] : "unknown";
}

void pt_flow_config_default(struct pt_flow_config *cfg)
{
	uint32_t seed = 0;

	memset(cfg, 0, sizeof(*cfg));
	cfg->max_flows = 262144;
	cfg->timeout_ns[PT_FLOW_TIMEOUT_TCP_OPENING] = 30 * PT_NS_PER_SEC;
	cfg->timeout_ns[PT_FLOW_TIMEOUT_TCP_ESTABLISHED] = 300 * PT_NS_PER_SEC;
	cfg->timeout_ns[PT_FLOW_TIMEOUT_TCP_CLOSED] = 5 * PT_NS_PER_SEC;
	cfg->timeout_ns[PT_FLOW_TIMEOUT_UDP] = 60 * PT_NS_PER_SEC;
	cfg->timeout_ns[PT_FLOW_TIMEOUT_ICMP] = 30 * PT_NS_PER_SEC;
	cfg->timeout_ns[PT_FLOW_TIMEOUT_OTHER] = 60 * PT_NS_PER_SEC;
	cfg->update_interval_ns = 60 * PT_NS_PER_SEC;
	/* A secret seed keeps crafted traffic from piling flows into one chain. */
	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed))
		seed = (uint32_t)(pt_time_mono_ns() * 0x9E3779B97F4A7C15ULL >> 32);
	cfg->hash_seed = seed;
}

struct pt_flow_table *pt_flow_table_create(const struct pt_flow_config *cfg, pt_flow_emit_fn emit, void *emit_ctx)
{
	struct pt_flow_table *t;
	uint32_t n_buckets = 1;

	if (cfg == NULL || cfg->max_flows == 0 || cfg->max_flows > PT_FLOW_MAX_FLOWS)
		return NULL;
	for (unsigned int c = 0; c < PT_FLOW_TIMEOUT_CLASS_MAX; c++)
		if (cfg->timeout_ns[c] == 0)
			return NULL;
	while (n_buckets < cfg->max_flows)
		n_buckets <<= 1;

	t = pt_zalloc_aligned(sizeof(*t));
	if (t == NULL)
		return NULL;
	t->flows = pt_zalloc_aligned((size_t)cfg->max_flows * sizeof(struct pt_flow));
	if (t->flows == NULL)
		goto free_table;
	t->buckets = pt_zalloc_aligned((size_t)n_buckets * sizeof(uint32_t));
	if (t->buckets == NULL)
		goto free_flows;
	t->wheel = pt_zalloc_aligned((PT_FLOW_WHEEL_SLOTS + 1) * sizeof(uint32_t));
	if (t->wheel == NULL)
		goto free_buckets;
	t->wheel_busy = pt_zalloc_aligned(PT_FLOW_WHEEL_WORDS * sizeof(uint64_t));
	if (t->wheel_busy == NULL)
		goto free_wheel;

	memset(t->buckets, 0xff, (size_t)n_buckets * sizeof(uint32_t)); /* PT_FLOW_NONE */
	memset(t->wheel, 0xff, (PT_FLOW_WHEEL_SLOTS + 1) * sizeof(uint32_t));
	/* Flows are handed out in slot order the first time (next_unused), so pages are touched only as the table
	 * fills: a big table costs nothing at start, and memory grows to the cap and stays flat there. */
	t->free_head = PT_FLOW_NONE;
	t->next_unused = 0;
	t->bucket_mask = n_buckets - 1;
	t->max_flows = cfg->max_flows;
	t->cfg = *cfg;
	t->emit = emit;
	t->emit_ctx = emit_ctx;
	return t;

free_wheel:
	pt_free_aligned(t->wheel);
free_buckets:
	pt_free_aligned(t->buckets);
free_flows:
	pt_free_aligned(t->flows);
free_table:
	pt_free_aligned(t);
	return NULL;
}

void pt_flow_table_free(struct pt_flow_table *t)
{
	if (t == NULL)
		return;
	pt_free_aligned(t->wheel_busy);
	pt_free_aligned(t->wheel);
	pt_free_aligned(t->buckets);
	pt_free_aligned(t->flows);
	pt_free_aligned(t);
}

uint32_t pt_flow_table_index(const struct pt_flow_table *t, const struct pt_flow *flow)
{
	return (uint32_t)(flow - t->flows);
}

void pt_flow_table_stats(const struct pt_flow_table *t, struct pt_flow_stats *stats)
{
	*stats = t->stats;
}

void pt_flow_emit_update(struct pt_flow_table *t, uint32_t idx, uint64_t now_ns)
{
	if (t->emit != NULL)
		t->emit(t->emit_ctx, &t->flows[idx], PT_FLOW_EVENT_UPDATE, now_ns);
	t->flows[idx].tcp_seen[0] |= PT_FLOW_UPDATE_SENT;
	t->stats.ended[PT_FLOW_EVENT_UPDATE]++;
}

void pt_flow_end(struct pt_flow_table *t, uint32_t idx, enum pt_flow_event event, uint64_t now_ns)
{
	struct pt_flow *f = &t->flows[idx];
	uint32_t *link = &t->buckets[f->hash & t->bucket_mask];

	if (t->emit != NULL)
		t->emit(t->emit_ctx, f, event, now_ns);
	t->stats.ended[event]++;

	pt_flow_wheel_unlink(t, idx);
	while (*link != idx)
		link = &t->flows[*link].bucket_next;
	*link = f->bucket_next;
	f->bucket_next = t->free_head;
	t->free_head = idx;
	t->stats.active--;
}

static uint32_t lookup(const struct pt_flow_table *t, const struct pt_flow_key *key, uint32_t hash)
{
	uint32_t idx = t->buckets[hash & t->bucket_mask];

	while (idx != PT_FLOW_NONE) {
		const struct pt_flow *f = &t->flows[idx];

		if (f->hash == hash && memcmp(&f->key, key, sizeof(*key)) == 0)
			return idx;
		idx = f->bucket_next;
	}
	return PT_FLOW_NONE;
}

/* Prefetch the whole of flow @p idx (a flow is 184 B: three or four lines). */
static inline __attribute__((always_inline)) void prefetch_flow(const struct pt_flow_table *t, uint32_t idx)
{
	const char *f = (const char *)&t->flows[idx];

	for (size_t off = 0; off < sizeof(struct pt_flow) + PT_CACHE_LINE - 1; off += PT_CACHE_LINE)
		__builtin_prefetch(f + (off < sizeof(struct pt_flow) ? off : sizeof(struct pt_flow) - 1));
}

/*
 * A full table evicts on every new flow, in wheel order: the victims to come are this one's successors in
 * its slot, the oldest flows, all cold memory. Ending one walks its bucket chain, so the walk is fetched
 * as a pipeline, one stage per eviction: three victims ahead the flow, two ahead its bucket head, one
 * ahead the first flow of its chain. Forced inline: GCC finds a function of loads and prefetches pure, and
 * drops the call to it before it would inline it.
 */
static inline __attribute__((always_inline)) void prefetch_evictions(const struct pt_flow_table *t,
								    const struct pt_flow *victim)
{
	uint32_t n1 = victim->wheel_next, n2, n3, head;

	if (n1 == PT_FLOW_NONE)
		return;
	head = t->buckets[t->flows[n1].hash & t->bucket_mask];
	if (head != n1)
		__builtin_prefetch(&t->flows[head].bucket_next);
	if ((n2 = t->flows[n1].wheel_next) == PT_FLOW_NONE)
		return;
	__builtin_prefetch(&t->buckets[t->flows[n2].hash & t->bucket_mask]);
	if ((n3 = t->flows[n2].wheel_next) != PT_FLOW_NONE)
		prefetch_flow(t, n3);
}

/*
 * Take a free flow, evicting the one closest to expiry when the table is full. Flows already used by
 * this burst (@p used, @p n_used) are spared unless nothing else is left; then their flows_out entries
 * are cleared.
 */
static uint32_t take_flow(struct pt_flow_table *t, uint64_t ts, uint32_t *used, uint32_t n_used,
			  struct pt_flow **flows_out)
{
	uint32_t idx = t->free_head;

	if (idx == PT_FLOW_NONE && t->next_unused < t->max_flows)
		return t->next_unused++;
	if (PT_UNLIKELY(idx == PT_FLOW_NONE)) {
		idx = pt_flow_wheel_oldest(t, used, n_used);
		for (uint32_t j = 0; j < n_used; j++) {
			if (used[j] == idx) {
				used[j] = PT_FLOW_NONE;
				if (flows_out != NULL)
					flows_out[j] = NULL;
			}
		}
		prefetch_evictions(t, &t->flows[idx]);
		pt_flow_end(t, idx, PT_FLOW_EVENT_END_EVICTED, ts);
		idx = t->free_head;
	}
	t->free_head = t->flows[idx].bucket_next;
	return idx;
}

static void init_flow(struct pt_flow_table *t, uint32_t idx, const struct pt_decoded *pkt,
		      const struct pt_flow_key *key, uint32_t hash, bool reversed, uint64_t ts)
{
	struct pt_flow *f = &t->flows[idx];
	uint32_t *bucket = &t->buckets[hash & t->bucket_mask];
	const uint8_t syn_ack = PT_TCP_FLAG_SYN | PT_TCP_FLAG_ACK;

	memset(f, 0, sizeof(*f));
	f->key = *key;
	f->hash = hash;
	f->bucket_next = *bucket;
	*bucket = idx;
	f->wheel_prev = f->wheel_next = f->wheel_slot = PT_FLOW_NONE;

	f->orig_side = reversed ? 1 : 0;
	if (pkt->l4_proto == PT_FLOW_PROTO_TCP && !(pkt->frag & PT_DECODE_FRAG_LATER) &&
	    (pkt->tcp_flags & syn_ack) == syn_ack) {
		f->orig_side ^= 1;      /* a SYN+ACK seen first: its receiver opened the connection */
		f->history[0] = '^';    /* Zeek's mark for a flipped direction */
	}
	f->timeout_class = (uint8_t)pt_flow_proto_class(pkt->l4_proto);
	f->first_ns = f->last_ns = f->last_update_ns = ts;

	f->vlan_count = pkt->vlan_count <= PT_DECODE_MAX_VLANS ? pkt->vlan_count : PT_DECODE_MAX_VLANS;
	memcpy(f->vlan_ids, pkt->vlan_ids, sizeof(f->vlan_ids));
	if (pkt->tunnel_depth > 0) {
		f->tunnel_type = pkt->tunnel_type;
		f->tunnel_ip_version = pkt->tunnel_ip_version;
		f->tunnel_depth = pkt->tunnel_depth;
		f->tunnel_id = pkt->tunnel_id;
		memcpy(f->tunnel_src, pkt->tunnel_src, sizeof(f->tunnel_src));
		memcpy(f->tunnel_dst, pkt->tunnel_dst, sizeof(f->tunnel_dst));
	}
	t->stats.created++;
	t->stats.active++;
}

/* Count one packet into its flow. @return true when the packet moved the flow into the closed class. */
static bool account(struct pt_flow *f, const struct pt_decoded *pkt, bool reversed, uint32_t wire_len, uint64_t ts)
{
	const unsigned int dir = (reversed ? 1u : 0u) != f->orig_side;
	uint8_t old_class;

	f->packets[dir]++;
	f->bytes[dir] += wire_len;
	if (ts > f->last_ns)
		f->last_ns = ts;
	if (pkt->l4_proto != PT_FLOW_PROTO_TCP || (pkt->frag & PT_DECODE_FRAG_LATER))
		return false;
	old_class = f->timeout_class;
	pt_flow_tcp_observe(f, dir, pkt->tcp_flags, pkt->payload_len);
	return old_class != PT_FLOW_TIMEOUT_TCP_CLOSED && f->timeout_class == PT_FLOW_TIMEOUT_TCP_CLOSED;
}

static void update_chunk(struct pt_flow_table *t, const struct pt_decoded *pkts, const uint32_t *wire_lens,
			 const uint64_t *ts_ns, struct pt_flow **flows_out, uint32_t n)
{
	struct pt_flow_key keys[PT_FLOW_BURST_MAX];
	uint32_t hashes[PT_FLOW_BURST_MAX];
	uint32_t used[PT_FLOW_BURST_MAX];
	bool reversed[PT_FLOW_BURST_MAX];
	uint32_t i;

	for (i = 0; i < n; i++) {
		pt_flow_key_from_packet(&pkts[i], &keys[i], &reversed[i]);
		hashes[i] = pt_flow_key_hash(&keys[i], t->cfg.hash_seed);
	}
	for (i = 0; i < n; i++)
		__builtin_prefetch(&t->buckets[hashes[i] & t->bucket_mask]);
	for (i = 0; i < n; i++) {
		uint32_t head = t->buckets[hashes[i] & t->bucket_mask];

		if (head != PT_FLOW_NONE) {
			/* key, hash and bucket_next: 48 bytes, which may straddle two lines (a flow is 184 B) */
			const char *f = (const char *)&t->flows[head];

			__builtin_prefetch(f);
			__builtin_prefetch(f + offsetof(struct pt_flow, wheel_prev) - 1);
		}
	}

	for (i = 0; i < n; i++) {
		uint32_t idx = lookup(t, &keys[i], hashes[i]);
		bool created = false, closed;

		if (idx == PT_FLOW_NONE) {
			pt_flow_wheel_start(t, ts_ns[i]);
			idx = take_flow(t, ts_ns[i], used, i, flows_out);
			init_flow(t, idx, &pkts[i], &keys[i], hashes[i], reversed[i], ts_ns[i]);
			created = true;
		}
		closed = account(&t->flows[idx], &pkts[i], reversed[i], wire_lens[i], ts_ns[i]);
		if (created) {
			pt_flow_wheel_insert(t, idx, pt_flow_next_deadline(t, &t->flows[idx]));
		} else if (closed) {
			/* the one re-arm outside firing: the linger is shorter than the current deadline */
			pt_flow_wheel_unlink(t, idx);
			pt_flow_wheel_insert(t, idx, pt_flow_next_deadline(t, &t->flows[idx]));
		}
		used[i] = idx;
		if (flows_out != NULL)
			flows_out[i] = &t->flows[idx];
	}
}

uint32_t pt_flow_update_burst(struct pt_flow_table *t, const struct pt_decoded *pkts, const uint32_t *wire_lens,
			      const uint64_t *ts_ns, struct pt_flow **flows_out, uint32_t n)
{
	for (uint32_t done = 0; done < n; done += PT_FLOW_BURST_MAX) {
		uint32_t chunk = n - done < PT_FLOW_BURST_MAX ? n - done : PT_FLOW_BURST_MAX;

		update_chunk(t, pkts + done, wire_lens + done, ts_ns + done,
			     flows_out != NULL ? flows_out + done : NULL, chunk);
	}
	return n;
}
