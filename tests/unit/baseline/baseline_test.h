/* SPDX-License-Identifier: BSD-3-Clause */
/* baseline_test.h - Helpers shared by lib/baseline's unit tests: edges, baselines, a recorder of handed-out edges. */
#ifndef BASELINE_TEST_H
#define BASELINE_TEST_H

#include <stdio.h>
#include <string.h>

#include "pt_baseline.h"

#define SEC 1000000000ULL
#define T0 (1764786900ULL * SEC)
#define PERIOD (3600 * SEC)

static inline struct pt_baseline_edge edge(uint8_t dir, uint8_t transport, uint16_t port, const char *app,
					   uint8_t kind, const char *peer)
{
	struct pt_baseline_edge e = { .direction = dir, .peer_kind = kind, .transport = transport, .port = port };

	snprintf(e.app, sizeof(e.app), "%s", app);
	snprintf(e.peer, sizeof(e.peer), "%s", peer);
	return e;
}

/* out|tcp|443|tls|domain|<peer> */
static inline struct pt_baseline_edge tls_to(const char *peer)
{
	return edge(PT_BASELINE_OUT, 6, 443, "tls", PT_PEER_DOMAIN, peer);
}

static inline struct pt_baseline *make(uint32_t max_workloads, uint32_t max_edges)
{
	struct pt_baseline_config cfg = { .learning_period_ns = PERIOD, .max_edges = max_edges,
					  .max_workloads = max_workloads };

	return pt_baseline_create(&cfg);
}

/* What a pt_baseline_dirty_fn was handed, in order. */
#define REC_MAX 64
struct rec {
	uint32_t n;
	char key[REC_MAX][PT_BASELINE_KEY_LEN];
	char text[REC_MAX][PT_BASELINE_EDGE_TEXT_LEN];
	struct pt_baseline_edge_stats stats[REC_MAX];
	struct pt_baseline_workload_info info[REC_MAX];
	bool new_edge[REC_MAX];
};

static inline void record(void *ctx, const char *key, const struct pt_baseline_workload_info *info,
			  const struct pt_baseline_edge *e, const struct pt_baseline_edge_stats *stats, bool new_edge)
{
	struct rec *r = ctx;

	if (r->n >= REC_MAX)
		return;
	snprintf(r->key[r->n], sizeof(r->key[0]), "%s", key);
	pt_baseline_edge_format(e, r->text[r->n], sizeof(r->text[0]));
	r->stats[r->n] = *stats;
	r->info[r->n] = *info;
	r->new_edge[r->n] = new_edge;
	r->n++;
}

static inline void record_none(void *ctx, const char *key, const struct pt_baseline_workload_info *info,
			       const struct pt_baseline_edge *e, const struct pt_baseline_edge_stats *stats,
			       bool new_edge)
{
	(void)ctx, (void)key, (void)info, (void)e, (void)stats, (void)new_edge;
}

/* The stats of @p key's edge @p e, found through pt_baseline_each_edge(); false when it has no such edge. */
static inline bool edge_stats(const struct pt_baseline *b, const char *key, const struct pt_baseline_edge *e,
			      struct pt_baseline_edge_stats *out)
{
	struct rec r = { 0 };
	char text[PT_BASELINE_EDGE_TEXT_LEN];

	pt_baseline_each_edge(b, key, record, &r);
	pt_baseline_edge_format(e, text, sizeof(text));
	for (uint32_t i = 0; i < r.n; i++) {
		if (strcmp(r.text[i], text) == 0) {
			*out = r.stats[i];
			return true;
		}
	}
	return false;
}

#endif /* BASELINE_TEST_H */
