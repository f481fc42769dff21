/* SPDX-License-Identifier: BSD-3-Clause */
/* workload_table.c - The address and CIDR map of workload identities, its immutable copies for workers, and their lookup. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identity_priv.h"

#define WL_INITIAL_SLOTS 1024u
#define WL_FIELD_MAX 64          /* longest address or CIDR text accepted */

/* One entry of an open-addressing table with linear probing; ip_version 0 marks an empty slot. */
struct wl_slot {
	uint8_t addr[16];            /* IPv4 in the first 4 bytes; a network's host bits are zero */
	uint8_t ip_version;
	uint8_t prefix_len;          /* 32 or 128 for an address */
	uint16_t unused;
	uint32_t epoch;              /* the resync that last saw it (map only) */
	struct pt_workload *w;
};

struct wl_hash {
	struct wl_slot *slot;
	uint32_t mask;               /* slots - 1; slots is a power of two */
	uint32_t count;
};

struct pt_workload_table {
	uint64_t generation;
	struct wl_hash addrs;
	struct wl_hash nets;
	uint8_t n_lengths[2];        /* [0] IPv4, [1] IPv6: the prefix lengths present among the networks */
	uint8_t lengths[2][129];     /* longest first */
	/* Per family, a bit for each value of an address's first 16 bits: set when some address or network of the
	 * table starts with it. A clear bit answers "nothing" with one load instead of a probe per length. */
	uint64_t first16[2][65536 / 64];
	/* Publisher only: identities the map dropped while this table showed them, released with it. */
	struct pt_workload **dropped;
	uint32_t n_dropped;
};

struct pt_workloads {
	struct pt_rcu *rcu;
	struct wl_hash addrs;
	struct wl_hash nets;
	uint32_t max_entries;
	uint32_t epoch;
	uint32_t net_lengths[2][129];       /* networks per prefix length */
	uint32_t first16_entries[2][65536]; /* per family, the entries covering each value of the first 16 bits */
	struct pt_workload **pending;       /* dropped since the last publish */
	uint32_t n_pending;
	uint32_t cap_pending;
	bool dirty;
	struct pt_workloads_stats stats;
};

static inline uint32_t wl_hash_key(const uint8_t addr[16], uint8_t ip_version, uint8_t prefix_len)
{
	uint64_t a, b, h;

	memcpy(&a, addr, 8);
	memcpy(&b, addr + 8, 8);
	h = a ^ ((b * 0x9e3779b97f4a7c15ULL) >> 7) ^ ((uint64_t)ip_version << 56) ^ ((uint64_t)prefix_len << 48);
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return (uint32_t)h;
}

static inline bool wl_slot_is(const struct wl_slot *s, const uint8_t addr[16], uint8_t ip_version, uint8_t prefix_len)
{
	return s->ip_version == ip_version && s->prefix_len == prefix_len && memcmp(s->addr, addr, 16) == 0;
}

/* The slot holding the key, or the empty slot where it would go. */
static inline struct wl_slot *wl_find(const struct wl_hash *h, const uint8_t addr[16], uint8_t ip_version,
				      uint8_t prefix_len)
{
	uint32_t i = wl_hash_key(addr, ip_version, prefix_len) & h->mask;

	while (h->slot[i].ip_version != 0 && !wl_slot_is(&h->slot[i], addr, ip_version, prefix_len))
		i = (i + 1) & h->mask;
	return &h->slot[i];
}

static int wl_hash_init(struct wl_hash *h, uint32_t slots)
{
	h->slot = calloc(slots, sizeof(*h->slot));
	if (h->slot == NULL)
		return -ENOMEM;
	h->mask = slots - 1;
	h->count = 0;
	return 0;
}

/* Keep the load at or below one half: double and re-insert. */
static int wl_hash_reserve(struct wl_hash *h)
{
	struct wl_hash bigger;

	if ((h->count + 1) * 2 <= h->mask + 1)
		return 0;
	if (wl_hash_init(&bigger, (h->mask + 1) * 2) != 0)
		return -ENOMEM;
	for (uint32_t i = 0; i <= h->mask; i++) {
		const struct wl_slot *s = &h->slot[i];

		if (s->ip_version != 0)
			*wl_find(&bigger, s->addr, s->ip_version, s->prefix_len) = *s;
	}
	bigger.count = h->count;
	free(h->slot);
	*h = bigger;
	return 0;
}

/* Backward-shift deletion: no tombstones, so lookups in the copies stay short. */
static void wl_hash_remove(struct wl_hash *h, struct wl_slot *s)
{
	uint32_t i = (uint32_t)(s - h->slot), j = i;

	for (;;) {
		uint32_t k;

		j = (j + 1) & h->mask;
		if (h->slot[j].ip_version == 0)
			break;
		k = wl_hash_key(h->slot[j].addr, h->slot[j].ip_version, h->slot[j].prefix_len) & h->mask;
		/* Move j back to i unless its home k lies cyclically in (i, j]. */
		if (i <= j ? (k <= i || k > j) : (k <= i && k > j)) {
			h->slot[i] = h->slot[j];
			i = j;
		}
	}
	memset(&h->slot[i], 0, sizeof(h->slot[i]));
	h->count--;
}

/* "10.1.2.3", "fd00::1", or with @p is_network "10.244.1.0/24"; IPv4-mapped IPv6 becomes IPv4. */
static int wl_key_parse(const char *field, bool is_network, uint8_t addr[16], uint8_t *ip_version, uint8_t *prefix_len)
{
	static const uint8_t v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	char text[WL_FIELD_MAX];
	const char *slash = strchr(field, '/');
	size_t len = slash != NULL ? (size_t)(slash - field) : strlen(field);
	unsigned long plen;
	char *end;

	if (len == 0 || len >= sizeof(text) || (slash != NULL) != is_network)
		return -EINVAL;
	memcpy(text, field, len);
	text[len] = '\0';
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, text, addr) == 1)
		*ip_version = 4;
	else if (inet_pton(AF_INET6, text, addr) == 1)
		*ip_version = 6;
	else
		return -EINVAL;
	plen = *ip_version == 4 ? 32 : 128;
	if (is_network) {
		if (slash[1] < '0' || slash[1] > '9')
			return -EINVAL;
		plen = strtoul(slash + 1, &end, 10);
		if (*end != '\0' || plen > (*ip_version == 4 ? 32u : 128u))
			return -EINVAL;
	}
	if (*ip_version == 6 && memcmp(addr, v4_mapped, sizeof(v4_mapped)) == 0 && plen >= 96) {
		memmove(addr, addr + 12, 4);
		memset(addr + 4, 0, 12);
		*ip_version = 4;
		plen -= 96;
	}
	for (unsigned bit = (unsigned)plen; bit < 128; bit++) {
		if (addr[bit / 8] & (0x80u >> (bit % 8)))
			return -EINVAL;      /* host bits set: the writer meant another network */
	}
	*prefix_len = (uint8_t)plen;
	return 0;
}

static void wl_mask(const uint8_t addr[16], uint8_t prefix_len, uint8_t out[16])
{
	unsigned full = prefix_len / 8u;

	memcpy(out, addr, full);
	memset(out + full, 0, 16 - full);
	if (prefix_len % 8u)
		out[full] = addr[full] & (uint8_t)(0xff00u >> (prefix_len % 8u));
}

/* ---- the immutable tables ------------------------------------------------------------------------------ */

static inline uint32_t wl_first16(const uint8_t addr[16])
{
	return (uint32_t)addr[0] << 8 | addr[1];
}

/* Count an entry in (@p delta 1) or out (-1) of the first-16-bit values it covers: one for an address or a
 * network of /16 or longer, 2^(16 - len) in a row for a shorter network. */
static void wl_first16_count(struct pt_workloads *ws, const uint8_t addr[16], uint8_t ip_version, uint8_t prefix_len,
			     int delta)
{
	uint32_t *count = ws->first16_entries[ip_version == 4 ? 0 : 1];
	uint32_t from = wl_first16(addr), n = prefix_len >= 16 ? 1u : 1u << (16 - prefix_len);

	for (uint32_t v = from; v < from + n; v++)
		count[v] += (uint32_t)delta;        /* -1 wraps to a decrement */
}

struct pt_workload *pt_workload_table_lookup(const struct pt_workload_table *t, uint8_t ip_version,
					     const uint8_t addr[16], enum pt_workload_match *match)
{
	static const uint8_t v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	uint8_t key[16] = { 0 };
	const struct wl_slot *s;
	uint32_t first;
	int family;

	if (match != NULL)
		*match = PT_WORKLOAD_MATCH_NONE;
	if (t == NULL || (ip_version != 4 && ip_version != 6))
		return NULL;
	if (ip_version == 6 && memcmp(addr, v4_mapped, sizeof(v4_mapped)) == 0) {
		memcpy(key, addr + 12, 4);
		ip_version = 4;
	} else {
		memcpy(key, addr, ip_version == 4 ? 4 : 16);
	}
	family = ip_version == 4 ? 0 : 1;
	first = wl_first16(key);
	if ((t->first16[family][first / 64] >> (first % 64) & 1) == 0)
		return NULL;                                      /* no entry starts with these 16 bits */
	if (t->addrs.count > 0) {
		s = wl_find(&t->addrs, key, ip_version, ip_version == 4 ? 32 : 128);
		if (s->ip_version != 0) {
			if (match != NULL)
				*match = PT_WORKLOAD_MATCH_ADDRESS;
			return s->w;
		}
	}
	for (unsigned i = 0; i < t->n_lengths[family]; i++) {
		uint8_t masked[16];

		wl_mask(key, t->lengths[family][i], masked);
		s = wl_find(&t->nets, masked, ip_version, t->lengths[family][i]);
		if (s->ip_version != 0) {
			if (match != NULL)
				*match = PT_WORKLOAD_MATCH_NETWORK;
			return s->w;
		}
	}
	return NULL;
}

uint64_t pt_workload_table_generation(const struct pt_workload_table *t)
{
	return t != NULL ? t->generation : 0;
}

static void wl_table_free(void *value, void *arg)
{
	struct pt_workload_table *t = value;

	(void)arg;
	for (uint32_t i = 0; i < t->n_dropped; i++)
		pt_workload_release(t->dropped[i]);
	free(t->dropped);
	free(t);
}

/* One allocation: the table, then both slot arrays copied from the map. */
static struct pt_workload_table *wl_table_snapshot(const struct pt_workloads *ws)
{
	size_t addr_bytes = (size_t)(ws->addrs.mask + 1) * sizeof(struct wl_slot);
	size_t net_bytes = (size_t)(ws->nets.mask + 1) * sizeof(struct wl_slot);
	size_t head = (sizeof(struct pt_workload_table) + PT_CACHE_LINE - 1) & ~(size_t)(PT_CACHE_LINE - 1);
	struct pt_workload_table *t;
	uint8_t *mem;

	if (posix_memalign((void **)&mem, PT_CACHE_LINE, head + addr_bytes + net_bytes) != 0)
		return NULL;
	t = (struct pt_workload_table *)mem;
	memset(t, 0, sizeof(*t));
	t->addrs = ws->addrs;
	t->addrs.slot = (struct wl_slot *)(mem + head);
	memcpy(t->addrs.slot, ws->addrs.slot, addr_bytes);
	t->nets = ws->nets;
	t->nets.slot = (struct wl_slot *)(mem + head + addr_bytes);
	memcpy(t->nets.slot, ws->nets.slot, net_bytes);
	for (int family = 0; family < 2; family++) {
		for (int len = family == 0 ? 32 : 128; len >= 0; len--)
			if (ws->net_lengths[family][len] > 0)
				t->lengths[family][t->n_lengths[family]++] = (uint8_t)len;
	}
	for (int family = 0; family < 2; family++)
		for (uint32_t v = 0; v < 65536; v++)
			t->first16[family][v / 64] |= (uint64_t)(ws->first16_entries[family][v] != 0) << (v % 64);
	return t;
}

/* ---- the control side's map ------------------------------------------------------------------------------- */

struct pt_workloads *pt_workloads_create(uint32_t max_entries, uint32_t max_readers)
{
	struct pt_workloads *ws;

	if (max_entries == 0 || max_readers == 0)
		return NULL;
	ws = calloc(1, sizeof(*ws));
	if (ws == NULL)
		return NULL;
	ws->max_entries = max_entries;
	ws->rcu = pt_rcu_create(NULL, max_readers, wl_table_free, NULL);
	if (ws->rcu == NULL)
		goto free_ws;
	if (wl_hash_init(&ws->addrs, WL_INITIAL_SLOTS) != 0)
		goto free_rcu;
	if (wl_hash_init(&ws->nets, WL_INITIAL_SLOTS) != 0)
		goto free_addrs;
	ws->dirty = true;
	return ws;

free_addrs:
	free(ws->addrs.slot);
free_rcu:
	pt_rcu_free(ws->rcu);
free_ws:
	free(ws);
	return NULL;
}

static void wl_hash_release_all(struct wl_hash *h)
{
	for (uint32_t i = 0; i <= h->mask; i++)
		if (h->slot[i].ip_version != 0)
			pt_workload_release(h->slot[i].w);
	free(h->slot);
}

void pt_workloads_free(struct pt_workloads *ws)
{
	if (ws == NULL)
		return;
	pt_rcu_free(ws->rcu);
	for (uint32_t i = 0; i < ws->n_pending; i++)
		pt_workload_release(ws->pending[i]);
	free(ws->pending);
	wl_hash_release_all(&ws->addrs);
	wl_hash_release_all(&ws->nets);
	free(ws);
}

/* An identity leaves the map: readers may still see it in the current table, so it waits for a publish. */
static int wl_drop(struct pt_workloads *ws, struct pt_workload *w)
{
	if (ws->n_pending == ws->cap_pending) {
		uint32_t cap = ws->cap_pending ? ws->cap_pending * 2 : 64;
		struct pt_workload **grown = realloc(ws->pending, cap * sizeof(*grown));

		if (grown == NULL)
			return -ENOMEM;
		ws->pending = grown;
		ws->cap_pending = cap;
	}
	ws->pending[ws->n_pending++] = w;
	ws->dirty = true;
	return 0;
}

/* Remove the slot's entry; its identity waits for the next publish. */
static void wl_remove(struct pt_workloads *ws, struct wl_hash *h, struct wl_slot *s)
{
	if (h == &ws->nets)
		ws->net_lengths[s->ip_version == 4 ? 0 : 1][s->prefix_len]--;
	wl_first16_count(ws, s->addr, s->ip_version, s->prefix_len, -1);
	if (wl_drop(ws, s->w) != 0) {
		/* Without room to defer it, keep the reference: a leak of one identity, never a use after free. */
		pt_log(PT_LOG_WARN, "identity: out of memory while removing an entry; its memory is not reclaimed");
	}
	wl_hash_remove(h, s);
	ws->dirty = true;
}

int pt_workloads_set(struct pt_workloads *ws, const char *field, bool is_network, const char *json, size_t len,
		     char *err, size_t err_len)
{
	struct wl_hash *h = is_network ? &ws->nets : &ws->addrs;
	uint8_t addr[16], ip_version, prefix_len;
	struct pt_workload *w;
	struct wl_slot *s;

	if (wl_key_parse(field, is_network, addr, &ip_version, &prefix_len) != 0) {
		snprintf(err, err_len, "'%.64s' is not %s", field,
			 is_network ? "a CIDR with its host bits zero" : "an IPv4 or IPv6 address");
		ws->stats.invalid++;
		return -EINVAL;
	}
	s = wl_find(h, addr, ip_version, prefix_len);
	if (s->ip_version != 0 && s->w->json_len == len && memcmp(s->w->json, json, len) == 0) {
		s->epoch = ws->epoch;
		return 0;
	}
	w = pt_workload_parse(json, len, err, err_len);
	if (w == NULL) {
		/* Redis no longer holds the old identity: keeping it would name a workload that may be gone (a resync
		 * would drop it too, since the entry is not marked as seen). */
		if (s->ip_version != 0)
			wl_remove(ws, h, s);
		ws->stats.invalid++;
		return -EINVAL;
	}
	if (s->ip_version != 0) {
		if (wl_drop(ws, s->w) != 0)
			goto no_memory;
		s->w = w;
		s->epoch = ws->epoch;
		ws->stats.sets++;
		return 1;
	}
	if (ws->addrs.count + ws->nets.count >= ws->max_entries) {
		snprintf(err, err_len, "the workload table holds its maximum of %u entries (identity.max_entries)",
			 ws->max_entries);
		ws->stats.full++;
		pt_workload_release(w);
		return -ENOSPC;
	}
	if (wl_hash_reserve(h) != 0)
		goto no_memory;
	s = wl_find(h, addr, ip_version, prefix_len);
	memcpy(s->addr, addr, 16);
	s->ip_version = ip_version;
	s->prefix_len = prefix_len;
	s->epoch = ws->epoch;
	s->w = w;
	h->count++;
	if (is_network)
		ws->net_lengths[ip_version == 4 ? 0 : 1][prefix_len]++;
	wl_first16_count(ws, addr, ip_version, prefix_len, 1);
	ws->dirty = true;
	ws->stats.sets++;
	return 1;

no_memory:
	snprintf(err, err_len, "out of memory");
	pt_workload_release(w);
	return -ENOMEM;
}

int pt_workloads_del(struct pt_workloads *ws, const char *field, bool is_network)
{
	struct wl_hash *h = is_network ? &ws->nets : &ws->addrs;
	uint8_t addr[16], ip_version, prefix_len;
	struct wl_slot *s;

	if (wl_key_parse(field, is_network, addr, &ip_version, &prefix_len) != 0) {
		ws->stats.invalid++;
		return -EINVAL;
	}
	s = wl_find(h, addr, ip_version, prefix_len);
	if (s->ip_version == 0)
		return 0;
	wl_remove(ws, h, s);
	ws->stats.dels++;
	return 1;
}

void pt_workloads_mark(struct pt_workloads *ws)
{
	ws->epoch++;
}

static uint32_t wl_sweep_hash(struct pt_workloads *ws, struct wl_hash *h)
{
	uint32_t removed = 0;

	/* Backward shifts may move a later entry into the slot just checked: look at it again. */
	for (uint32_t i = 0; i <= h->mask;) {
		struct wl_slot *s = &h->slot[i];

		if (s->ip_version != 0 && s->epoch != ws->epoch) {
			wl_remove(ws, h, s);
			removed++;
			continue;
		}
		i++;
	}
	return removed;
}

uint32_t pt_workloads_sweep(struct pt_workloads *ws)
{
	uint32_t removed = wl_sweep_hash(ws, &ws->addrs) + wl_sweep_hash(ws, &ws->nets);

	ws->stats.stale_removed += removed;
	return removed;
}

unsigned pt_workloads_reclaim(struct pt_workloads *ws)
{
	return ws != NULL ? pt_rcu_reclaim(ws->rcu) : 0;
}

int pt_workloads_publish(struct pt_workloads *ws)
{
	struct pt_workload_table *t, *old;
	uint64_t started;
	int rc;

	pt_rcu_reclaim(ws->rcu);
	if (!ws->dirty)
		return 0;
	started = pt_time_mono_ns();
	t = wl_table_snapshot(ws);
	if (t == NULL)
		return -ENOMEM;
	t->generation = ws->stats.generation + 1;
	old = pt_rcu_current_publisher(ws->rcu);
	rc = pt_rcu_publish(ws->rcu, t);
	if (rc != 0) {
		free(t);
		return rc;
	}
	/* What the map dropped was visible in the old table: it goes when the old table's grace period ends. */
	if (old != NULL) {
		old->dropped = ws->pending;
		old->n_dropped = ws->n_pending;
	} else {
		for (uint32_t i = 0; i < ws->n_pending; i++)
			pt_workload_release(ws->pending[i]);
		free(ws->pending);
	}
	ws->pending = NULL;
	ws->n_pending = ws->cap_pending = 0;
	ws->dirty = false;
	ws->stats.generation = t->generation;
	ws->stats.publishes++;
	ws->stats.publish_ns_last = pt_time_mono_ns() - started;
	return 1;
}

void pt_workloads_stats(const struct pt_workloads *ws, struct pt_workloads_stats *stats)
{
	*stats = ws->stats;
	stats->addresses = ws->addrs.count;
	stats->networks = ws->nets.count;
}

int pt_workloads_reader_online(struct pt_workloads *ws, uint32_t reader)
{
	return ws != NULL ? pt_rcu_reader_online(ws->rcu, reader) : -EINVAL;
}

void pt_workloads_reader_offline(struct pt_workloads *ws, uint32_t reader)
{
	if (ws != NULL)
		pt_rcu_reader_offline(ws->rcu, reader);
}

const struct pt_workload_table *pt_workloads_current(struct pt_workloads *ws)
{
	return ws != NULL ? pt_rcu_current(ws->rcu) : NULL;
}

void pt_workloads_quiescent(struct pt_workloads *ws, uint32_t reader)
{
	if (ws != NULL)
		pt_rcu_quiescent(ws->rcu, reader);
}
