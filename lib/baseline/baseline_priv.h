/* SPDX-License-Identifier: BSD-3-Clause */
/* baseline_priv.h - The baselines' in-memory layout, shared by the tables (baseline.c) and the readers. */
#ifndef BASELINE_PRIV_H
#define BASELINE_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "pt_baseline.h"

#define BASELINE_GEO_MAX 256            /* countries and AS numbers remembered per workload */

/* One edge of a workload: in its workload's bucket chain and, while dirty, in the baselines' dirty FIFO. */
struct baseline_edge_node {
	struct pt_baseline_edge e;           /* canonical: members terminated, no '|' */
	struct pt_baseline_edge_stats stats;
	uint64_t hash;
	struct baseline_edge_node *next;
	struct baseline_edge_node *dirty_prev, *dirty_next;
	struct baseline_workload *owner;
	bool dirty;
	bool new_edge;                       /* added since it was last taken */
};

struct baseline_workload {
	char key[PT_BASELINE_KEY_LEN];
	uint64_t hash;
	uint64_t first_seen_ns, learning_until_ns;
	struct baseline_workload *next;
	struct baseline_edge_node **buckets; /* NULL until the first edge; a power of two */
	uint32_t n_buckets, n_edges;
	uint32_t n_countries, n_asns;
	char (*countries)[3];                /* BASELINE_GEO_MAX, allocated at the first country */
	uint32_t *asns;                      /* BASELINE_GEO_MAX, allocated at the first AS number */
};

struct pt_baseline {
	struct pt_baseline_config cfg;
	struct baseline_workload **buckets;  /* a power of two */
	uint32_t n_buckets;
	struct baseline_edge_node *dirty_head, *dirty_tail;
	struct pt_baseline_stats stats;
};

/** The bucket of hash @p h among @p n (a power of two). */
static inline uint32_t baseline_slot(uint64_t h, uint32_t n)
{
	return (uint32_t)((h ^ (h >> 32)) & (n - 1));
}

/** The workload of @p key, or NULL (also for a NULL, empty or over-long key). */
struct baseline_workload *baseline_workload_find(const struct pt_baseline *b, const char *key);

/** @p in made canonical into @p out: app and peer terminated, '|' replaced by '_'. */
void baseline_edge_clean(const struct pt_baseline_edge *in, struct pt_baseline_edge *out);

void baseline_fill_info(const struct pt_baseline *b, const struct baseline_workload *w,
			struct pt_baseline_workload_info *info);

/** Take @p n off the dirty FIFO (no-op when clean). */
void baseline_dirty_unlink(struct pt_baseline *b, struct baseline_edge_node *n);

#endif /* BASELINE_PRIV_H */
