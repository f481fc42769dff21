/* SPDX-License-Identifier: BSD-3-Clause */
/* baseline_read.c - Reading the baselines: a workload's state and geography, the closest edge, dirty and all edges. */
#include <string.h>

#include "baseline_priv.h"

bool pt_baseline_workload(const struct pt_baseline *b, const char *key, struct pt_baseline_workload_info *info)
{
	const struct baseline_workload *w = baseline_workload_find(b, key);

	if (w != NULL)
		baseline_fill_info(b, w, info);
	return w != NULL;
}

bool pt_baseline_knows_country(const struct pt_baseline *b, const char *key, const char *country)
{
	const struct baseline_workload *w = baseline_workload_find(b, key);

	if (country == NULL || country[0] == '\0')
		return false;
	for (uint32_t i = 0; w != NULL && i < w->n_countries; i++)
		if (strncmp(w->countries[i], country, 2) == 0)      /* as stored: the first two letters */
			return true;
	return false;
}

bool pt_baseline_knows_asn(const struct pt_baseline *b, const char *key, uint32_t asn)
{
	const struct baseline_workload *w = baseline_workload_find(b, key);

	for (uint32_t i = 0; w != NULL && i < w->n_asns; i++)
		if (w->asns[i] == asn)
			return true;
	return false;
}

/* 2: the same peer, 1: the same direction, transport and port, 0: neither. */
static int closeness(const struct pt_baseline_edge *n, const struct pt_baseline_edge *e)
{
	bool same_port = n->direction == e->direction && n->transport == e->transport && n->port == e->port;

	if (n->peer_kind == e->peer_kind && strcmp(n->peer, e->peer) == 0)
		return same_port ? 3 : 2;
	return same_port;
}

bool pt_baseline_closest(const struct pt_baseline *b, const char *key, const struct pt_baseline_edge *e,
			 struct pt_baseline_edge *out, struct pt_baseline_edge_stats *stats)
{
	const struct baseline_workload *w = baseline_workload_find(b, key);
	const struct baseline_edge_node *best = NULL;
	struct pt_baseline_edge ce;
	int best_rank = 0;

	if (w == NULL || e == NULL)
		return false;
	baseline_edge_clean(e, &ce);
	for (uint32_t i = 0; i < w->n_buckets; i++) {
		for (const struct baseline_edge_node *n = w->buckets[i]; n != NULL; n = n->next) {
			int rank = closeness(&n->e, &ce);

			if (rank > best_rank ||
			    (rank == best_rank && rank > 0 && n->stats.first_seen_ns < best->stats.first_seen_ns)) {
				best = n;
				best_rank = rank;
			}
		}
	}
	if (best == NULL)
		return false;
	if (out != NULL)
		*out = best->e;
	if (stats != NULL)
		*stats = best->stats;
	return true;
}

uint32_t pt_baseline_take_dirty(struct pt_baseline *b, uint32_t max, pt_baseline_dirty_fn fn, void *ctx)
{
	uint32_t done = 0;

	while (b != NULL && fn != NULL && b->dirty_head != NULL && (max == 0 || done < max)) {
		struct baseline_edge_node *n = b->dirty_head;
		struct pt_baseline_workload_info info;
		bool added = n->new_edge;

		baseline_dirty_unlink(b, n);
		n->new_edge = false;
		baseline_fill_info(b, n->owner, &info);
		fn(ctx, n->owner->key, &info, &n->e, &n->stats, added);
		done++;
	}
	return done;
}

uint32_t pt_baseline_each_edge(const struct pt_baseline *b, const char *key, pt_baseline_dirty_fn fn, void *ctx)
{
	const struct baseline_workload *w = baseline_workload_find(b, key);
	struct pt_baseline_workload_info info;
	uint32_t done = 0;

	if (w == NULL || fn == NULL)
		return 0;
	baseline_fill_info(b, w, &info);
	for (uint32_t i = 0; i < w->n_buckets; i++)
		for (const struct baseline_edge_node *n = w->buckets[i]; n != NULL; n = n->next, done++)
			fn(ctx, w->key, &info, &n->e, &n->stats, false);
	return done;
}
