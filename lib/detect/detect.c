/* SPDX-License-Identifier: BSD-3-Clause */
/* detect.c - The per-worker set of detectors, and how a detector starts and hands over an alert. */
#include <stdlib.h>
#include <string.h>

#include "detect_priv.h"

const struct pt_detector_ops *const pt_detectors_all[] = {
	&pt_detect_test_rule_ops,
	NULL,
};

struct detector {
	const struct pt_detector_ops *ops;
	void *state;
};

struct pt_detectors {
	uint32_t n;
	struct detector active[8];
};

struct pt_detectors *pt_detectors_create(const struct pt_config *cfg)
{
	struct pt_detectors *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	for (const struct pt_detector_ops *const *ops = pt_detectors_all; *ops != NULL && d->n < 8; ops++) {
		void *state = (*ops)->create(cfg);

		if (state != NULL)
			d->active[d->n++] = (struct detector){ .ops = *ops, .state = state };
	}
	return d;
}

void pt_detectors_free(struct pt_detectors *d)
{
	if (d == NULL)
		return;
	for (uint32_t i = 0; i < d->n; i++)
		d->active[i].ops->free(d->active[i].state);
	free(d);
}

bool pt_detectors_active(const struct pt_detectors *d)
{
	return d != NULL && d->n > 0;
}

void pt_detectors_flow_start(struct pt_detectors *d, const struct pt_flow_record *rec, const struct pt_detect_sink *sink)
{
	for (uint32_t i = 0; i < d->n; i++)
		if (d->active[i].ops->on_flow_start != NULL)
			d->active[i].ops->on_flow_start(d->active[i].state, rec, sink);
}

struct pt_alert *pt_detect_alert_begin(const struct pt_detect_sink *sink, const struct pt_alert_rule *rule,
				       const struct pt_flow_record *rec, uint8_t severity)
{
	struct pt_alert *a = sink->reserve(sink->ctx);

	if (a == NULL)
		return NULL;
	a->rule = rule;
	a->ts_ns = rec->now_ns;
	a->severity = severity > 100 ? 100 : severity;
	a->message[0] = '\0';
	a->dedup_key[0] = '\0';
	a->n_evidence = 0;
	a->n_flows = 0;
	a->has_flow = true;
	a->flow = *rec;
	pt_workload_retain(a->flow.workload[0]);
	pt_workload_retain(a->flow.workload[1]);
	return a;
}

void pt_detect_alert_commit(const struct pt_detect_sink *sink)
{
	sink->commit(sink->ctx);
}
