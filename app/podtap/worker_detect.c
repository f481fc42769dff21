/* SPDX-License-Identifier: BSD-3-Clause */
/* worker_detect.c - A worker's detectors: they see each flow as it starts, and their alerts go to the control side over a ring. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "podtap.h"

static struct pt_alert *worker_alert_reserve(void *ctx)
{
	struct pt_worker *w = ctx;
	struct pt_alert *a = pt_worker_ring_reserve(w, w->alerts);

	if (PT_UNLIKELY(a == NULL))
		w->alerts_dropped++;
	return a;
}

static void worker_alert_commit(void *ctx)
{
	struct pt_worker *w = ctx;

	pt_spsc_ring_commit(w->alerts);
	w->alerts_raised++;
}

int pt_worker_detect_init(struct pt_worker *w, const struct pt_config *cfg, char *err, size_t err_len)
{
	w->detectors = pt_detectors_create(cfg);
	if (w->detectors == NULL) {
		snprintf(err, err_len, "worker %u: out of memory for detectors", w->index);
		return -ENOMEM;
	}
	if (!pt_detectors_active(w->detectors))
		return 0;                                  /* no ring, no per-flow state: nothing to raise */
	w->alerts = pt_spsc_ring_create(PT_ALERT_RING_SIZE, sizeof(struct pt_alert));
	w->detect_started = pt_zalloc_aligned(cfg->flow.max_flows);
	if (w->alerts == NULL || w->detect_started == NULL) {
		snprintf(err, err_len, "worker %u: out of memory for detector state and its alert ring", w->index);
		return -ENOMEM;
	}
	return 0;
}

void pt_worker_detect_fini(struct pt_worker *w)
{
	pt_detectors_free(w->detectors);
	pt_free_aligned(w->detect_started);
	if (w->alerts != NULL) {
		struct pt_alert *a;

		while ((a = (struct pt_alert *)pt_spsc_ring_peek(w->alerts)) != NULL) {
			pt_alert_release(a);
			pt_spsc_ring_release(w->alerts);
		}
	}
	pt_spsc_ring_free(w->alerts);
	w->detectors = NULL;
	w->detect_started = NULL;
	w->alerts = NULL;
}

void pt_worker_detect_burst(struct pt_worker *w, struct pt_flow *const *flows, uint32_t n)
{
	const struct pt_detect_sink sink = { .reserve = worker_alert_reserve, .commit = worker_alert_commit, .ctx = w };

	if (w->detect_started == NULL)
		return;
	for (uint32_t i = 0; i < n; i++) {
		struct pt_flow_record rec;
		uint32_t slot;

		if (flows[i] == NULL)
			continue;
		slot = pt_flow_table_index(w->flows, flows[i]);
		if (PT_LIKELY(w->detect_started[slot]))
			continue;
		w->detect_started[slot] = 1;
		pt_worker_flow_snapshot(w, flows[i], &rec);
		pt_detectors_flow_start(w->detectors, &rec, &sink);
	}
}
