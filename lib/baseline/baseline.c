/* SPDX-License-Identifier: BSD-3-Clause */
/* baseline.c - The baselines in memory: workloads and their edges in chained hashes, learned, merged, forgotten. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "baseline_priv.h"
#include "pt_util.h"

/*
 * Bad input is refused, never trusted: a NULL, empty or over-long key (PT_BASELINE_KEY_LEN bytes or more) or a
 * NULL or malformed edge (direction or peer kind out of range) gets PT_BASELINE_NO_ROOM from observe and -ENOSPC
 * from the merges and relearn (-EINVAL for a NULL edge or stats), and is counted in workloads_refused, as a
 * workload beyond max_workloads is. Memory: at most max_workloads workloads of at most max_edges edges each, all
 * allocated on first use; a workload's edge buckets double while its edges outnumber them twice.
 */

#define WORKLOAD_BUCKETS_MAX 65536
#define EDGE_BUCKETS_MIN 16

/* Over the fields that make the text form, so that two edges hash alike exactly when their texts are equal. */
static uint64_t edge_hash(const struct pt_baseline_edge *e)
{
	uint8_t fixed[5] = { e->direction, e->peer_kind, e->transport, (uint8_t)(e->port >> 8), (uint8_t)e->port };
	uint64_t h = pt_fnv1a(PT_FNV1A_INIT, fixed, sizeof(fixed));

	h = pt_fnv1a(h, e->app, strlen(e->app) + 1);
	return pt_fnv1a(h, e->peer, strlen(e->peer));
}

static bool edge_equal(const struct pt_baseline_edge *a, const struct pt_baseline_edge *b)
{
	return a->direction == b->direction && a->peer_kind == b->peer_kind && a->transport == b->transport &&
	       a->port == b->port && strcmp(a->app, b->app) == 0 && strcmp(a->peer, b->peer) == 0;
}

static bool key_ok(const char *key)
{
	return key != NULL && key[0] != '\0' && strnlen(key, PT_BASELINE_KEY_LEN) < PT_BASELINE_KEY_LEN;
}

static bool edge_ok(const struct pt_baseline_edge *e)
{
	return e != NULL && e->direction < PT_BASELINE_DIRECTION_MAX && e->peer_kind < PT_PEER_KIND_MAX;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

struct pt_baseline *pt_baseline_create(const struct pt_baseline_config *cfg)
{
	struct pt_baseline *b;

	if (cfg == NULL || cfg->max_edges == 0 || cfg->max_workloads == 0 || (b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->cfg = *cfg;
	b->n_buckets = 64;
	while (b->n_buckets < cfg->max_workloads && b->n_buckets < WORKLOAD_BUCKETS_MAX)
		b->n_buckets *= 2;
	b->buckets = calloc(b->n_buckets, sizeof(*b->buckets));
	if (b->buckets == NULL) {
		free(b);
		return NULL;
	}
	return b;
}

void baseline_dirty_unlink(struct pt_baseline *b, struct baseline_edge_node *n)
{
	if (!n->dirty)
		return;
	if (n->dirty_prev != NULL)
		n->dirty_prev->dirty_next = n->dirty_next;
	else
		b->dirty_head = n->dirty_next;
	if (n->dirty_next != NULL)
		n->dirty_next->dirty_prev = n->dirty_prev;
	else
		b->dirty_tail = n->dirty_prev;
	n->dirty_prev = n->dirty_next = NULL;
	n->dirty = false;
}

/* Append @p n to the dirty FIFO unless it is there already; @p added keeps new_edge until it is taken. */
static void dirty_mark(struct pt_baseline *b, struct baseline_edge_node *n, bool added)
{
	n->new_edge |= added;
	if (n->dirty)
		return;
	n->dirty = true;
	n->dirty_prev = b->dirty_tail;
	n->dirty_next = NULL;
	if (b->dirty_tail != NULL)
		b->dirty_tail->dirty_next = n;
	else
		b->dirty_head = n;
	b->dirty_tail = n;
}

/* Remove every edge of @p w, and the countries and AS numbers seen on them. @return edges removed. */
static uint32_t drop_edges(struct pt_baseline *b, struct baseline_workload *w)
{
	uint32_t dropped = w->n_edges;

	for (uint32_t i = 0; i < w->n_buckets; i++) {
		struct baseline_edge_node *n = w->buckets[i], *next;

		for (; n != NULL; n = next) {
			next = n->next;
			baseline_dirty_unlink(b, n);
			free(n);
		}
		w->buckets[i] = NULL;
	}
	b->stats.edges -= dropped;
	b->stats.forgotten += dropped;
	w->n_edges = w->n_countries = w->n_asns = 0;
	return dropped;
}

void pt_baseline_free(struct pt_baseline *b)
{
	if (b == NULL)
		return;
	for (uint32_t i = 0; i < b->n_buckets; i++) {
		struct baseline_workload *w = b->buckets[i], *next;

		for (; w != NULL; w = next) {
			next = w->next;
			drop_edges(b, w);
			free(w->buckets);
			free(w->countries);
			free(w->asns);
			free(w);
		}
	}
	free(b->buckets);
	free(b);
}

struct baseline_workload *baseline_workload_find(const struct pt_baseline *b, const char *key)
{
	uint64_t h;

	if (b == NULL || !key_ok(key))
		return NULL;
	h = pt_fnv1a_str(key);
	for (struct baseline_workload *w = b->buckets[baseline_slot(h, b->n_buckets)]; w != NULL; w = w->next)
		if (w->hash == h && strcmp(w->key, key) == 0)
			return w;
	return NULL;
}

/* The workload of @p key, created learning from @p first until @p until; NULL (counted) for a bad key or no room. */
static struct baseline_workload *workload_get(struct pt_baseline *b, const char *key, uint64_t first, uint64_t until)
{
	struct baseline_workload *w = baseline_workload_find(b, key);
	uint32_t slot;

	if (w != NULL)
		return w;
	if (!key_ok(key) || b->stats.workloads >= b->cfg.max_workloads || (w = calloc(1, sizeof(*w))) == NULL) {
		b->stats.workloads_refused++;
		return NULL;
	}
	memcpy(w->key, key, strlen(key) + 1);
	w->hash = pt_fnv1a_str(key);
	w->first_seen_ns = first;
	w->learning_until_ns = until;
	slot = baseline_slot(w->hash, b->n_buckets);
	w->next = b->buckets[slot];
	b->buckets[slot] = w;
	b->stats.workloads++;
	return w;
}

/* The link pointing at @p e's node in @p w (so that it can be unlinked), or NULL. @p e is canonical. */
static struct baseline_edge_node **edge_link(const struct baseline_workload *w, const struct pt_baseline_edge *e,
					     uint64_t h)
{
	struct baseline_edge_node **link;

	if (w->n_buckets == 0)
		return NULL;
	for (link = &w->buckets[baseline_slot(h, w->n_buckets)]; *link != NULL; link = &(*link)->next)
		if ((*link)->hash == h && edge_equal(&(*link)->e, e))
			return link;
	return NULL;
}

static struct baseline_edge_node *edge_find(const struct baseline_workload *w, const struct pt_baseline_edge *e,
					    uint64_t h)
{
	struct baseline_edge_node **link = edge_link(w, e, h);

	return link != NULL ? *link : NULL;
}

/* Keep the chains short: double the buckets when the edges outnumber them twice (a failure only slows lookups). */
static int edges_grow(struct baseline_workload *w)
{
	uint32_t nb = w->n_buckets ? w->n_buckets * 2 : EDGE_BUCKETS_MIN;
	struct baseline_edge_node **nbk;

	if (w->n_buckets != 0 && w->n_edges < w->n_buckets * 2)
		return 0;
	if ((nbk = calloc(nb, sizeof(*nbk))) == NULL)
		return w->n_buckets ? 0 : -ENOMEM;
	for (uint32_t i = 0; i < w->n_buckets; i++) {
		struct baseline_edge_node *n = w->buckets[i], *next;

		for (; n != NULL; n = next) {
			next = n->next;
			n->next = nbk[baseline_slot(n->hash, nb)];
			nbk[baseline_slot(n->hash, nb)] = n;
		}
	}
	free(w->buckets);
	w->buckets = nbk;
	w->n_buckets = nb;
	return 0;
}

/* Add a country and an AS number to @p w's sets while they have room, and record them in the edge's stats. */
static void note_geo(struct baseline_workload *w, struct pt_baseline_edge_stats *st, uint32_t asn, const char *country)
{
	uint32_t i;

	if (country != NULL && country[0] != '\0') {
		size_t len = strnlen(country, 2);

		memcpy(st->country, country, len);
		st->country[len] = '\0';
		for (i = 0; i < w->n_countries && strcmp(w->countries[i], st->country) != 0; i++)
			;
		if (i == w->n_countries && i < BASELINE_GEO_MAX &&
		    (w->countries != NULL || (w->countries = calloc(BASELINE_GEO_MAX, sizeof(*w->countries))) != NULL))
			memcpy(w->countries[w->n_countries++], st->country, 3);
	}
	if (asn != 0) {
		st->asn = asn;
		for (i = 0; i < w->n_asns && w->asns[i] != asn; i++)
			;
		if (i == w->n_asns && i < BASELINE_GEO_MAX &&
		    (w->asns != NULL || (w->asns = calloc(BASELINE_GEO_MAX, sizeof(*w->asns))) != NULL))
			w->asns[w->n_asns++] = asn;
	}
}

/* A new edge @p e (canonical) of @p w, or NULL at max_edges or out of memory. */
static struct baseline_edge_node *edge_add(struct pt_baseline *b, struct baseline_workload *w,
					   const struct pt_baseline_edge *e, uint64_t h)
{
	struct baseline_edge_node *n;
	uint32_t slot;

	if (w->n_edges >= b->cfg.max_edges || edges_grow(w) != 0 || (n = calloc(1, sizeof(*n))) == NULL)
		return NULL;
	n->e = *e;
	n->hash = h;
	n->owner = w;
	slot = baseline_slot(h, w->n_buckets);
	n->next = w->buckets[slot];
	w->buckets[slot] = n;
	w->n_edges++;
	b->stats.edges++;
	return n;
}

void baseline_fill_info(const struct pt_baseline *b, const struct baseline_workload *w,
			struct pt_baseline_workload_info *info)
{
	if (info == NULL)
		return;
	info->first_seen_ns = w->first_seen_ns;
	info->learning_until_ns = w->learning_until_ns;
	info->edges = w->n_edges;
	info->countries = w->n_countries;
	info->asns = w->n_asns;
	info->full = w->n_edges >= b->cfg.max_edges;
}

enum pt_baseline_verdict pt_baseline_observe(struct pt_baseline *b, const char *key, const struct pt_baseline_edge *e,
					     uint32_t asn, const char *country, uint64_t ts_ns,
					     struct pt_baseline_workload_info *info)
{
	enum pt_baseline_verdict v = PT_BASELINE_KNOWN;
	struct baseline_workload *w = NULL;
	struct baseline_edge_node *n;
	struct pt_baseline_edge ce;
	uint64_t h;

	if (b == NULL)
		return PT_BASELINE_NO_ROOM;
	if (!edge_ok(e))
		b->stats.workloads_refused++;
	else
		w = workload_get(b, key, ts_ns, add_sat(ts_ns, b->cfg.learning_period_ns));
	if (w == NULL)
		return PT_BASELINE_NO_ROOM;
	baseline_edge_clean(e, &ce);
	h = edge_hash(&ce);
	n = edge_find(w, &ce, h);
	if (n != NULL) {
		if (ts_ns > n->stats.last_seen_ns)
			n->stats.last_seen_ns = ts_ns;
		n->stats.count++;
	} else if (ts_ns >= w->learning_until_ns || b->cfg.learning_period_ns == 0) {
		v = PT_BASELINE_NEW;
	} else if ((n = edge_add(b, w, &ce, h)) == NULL) {
		b->stats.edges_refused++;
		v = PT_BASELINE_FULL;
	} else {
		n->stats.first_seen_ns = n->stats.last_seen_ns = ts_ns;
		n->stats.count = 1;
		b->stats.learned++;
		v = PT_BASELINE_LEARNED;
	}
	if (n != NULL) {
		note_geo(w, &n->stats, asn, country);
		dirty_mark(b, n, v == PT_BASELINE_LEARNED);
	}
	baseline_fill_info(b, w, info);
	return v;
}

int pt_baseline_merge_edge(struct pt_baseline *b, const char *key, const struct pt_baseline_edge *e,
			   const struct pt_baseline_edge_stats *stats)
{
	struct baseline_workload *w;
	struct baseline_edge_node *n;
	struct pt_baseline_edge ce;
	char country[3];
	uint64_t h;

	if (b == NULL || e == NULL || stats == NULL)
		return -EINVAL;
	if (!edge_ok(e)) {
		b->stats.workloads_refused++;
		return -ENOSPC;
	}
	w = workload_get(b, key, stats->first_seen_ns, add_sat(stats->first_seen_ns, b->cfg.learning_period_ns));
	if (w == NULL)
		return -ENOSPC;
	baseline_edge_clean(e, &ce);
	h = edge_hash(&ce);
	n = edge_find(w, &ce, h);
	if (n == NULL) {
		if (w->n_edges >= b->cfg.max_edges) {
			b->stats.edges_refused++;
			return -ENOSPC;
		}
		if ((n = edge_add(b, w, &ce, h)) == NULL)
			return -ENOMEM;
		n->stats.first_seen_ns = stats->first_seen_ns;
	} else if (stats->first_seen_ns < n->stats.first_seen_ns) {
		n->stats.first_seen_ns = stats->first_seen_ns;
	}
	if (stats->last_seen_ns > n->stats.last_seen_ns)
		n->stats.last_seen_ns = stats->last_seen_ns;
	if (stats->count > n->stats.count)
		n->stats.count = stats->count;
	memcpy(country, stats->country, 2);
	country[2] = '\0';
	note_geo(w, &n->stats, stats->asn, country);
	b->stats.merged++;
	return 0;
}

int pt_baseline_merge_workload(struct pt_baseline *b, const char *key, uint64_t first_seen_ns,
			       uint64_t learning_until_ns)
{
	struct baseline_workload *w;

	if (b == NULL)
		return -EINVAL;
	if ((w = workload_get(b, key, first_seen_ns, learning_until_ns)) == NULL)
		return -ENOSPC;
	if (first_seen_ns < w->first_seen_ns)
		w->first_seen_ns = first_seen_ns;
	w->learning_until_ns = learning_until_ns;
	return 0;
}

/*
 * Forgetting one edge leaves the workload's countries and AS numbers as they are (an edge keeps only the last it
 * saw, so they cannot be recomputed); forgetting all of them clears both sets. The workload itself stays.
 */
uint32_t pt_baseline_forget(struct pt_baseline *b, const char *key, const struct pt_baseline_edge *e)
{
	struct baseline_workload *w = baseline_workload_find(b, key);
	struct baseline_edge_node **link, *n;
	struct pt_baseline_edge ce;

	if (w == NULL)
		return 0;
	if (e == NULL)
		return drop_edges(b, w);
	baseline_edge_clean(e, &ce);
	if ((link = edge_link(w, &ce, edge_hash(&ce))) == NULL)
		return 0;
	n = *link;
	*link = n->next;
	baseline_dirty_unlink(b, n);
	free(n);
	w->n_edges--;
	b->stats.edges--;
	b->stats.forgotten++;
	return 1;
}

/* Creates the workload when it has no baseline yet (-ENOSPC when it cannot). */
int pt_baseline_relearn(struct pt_baseline *b, const char *key, uint64_t first_seen_ns, uint64_t learning_until_ns)
{
	struct baseline_workload *w;

	if (b == NULL)
		return -EINVAL;
	if ((w = workload_get(b, key, first_seen_ns, learning_until_ns)) == NULL)
		return -ENOSPC;
	drop_edges(b, w);
	w->first_seen_ns = first_seen_ns;
	w->learning_until_ns = learning_until_ns;
	return 0;
}

void pt_baseline_stats(const struct pt_baseline *b, struct pt_baseline_stats *st)
{
	if (st != NULL)
		*st = b != NULL ? b->stats : (struct pt_baseline_stats){ 0 };
}
