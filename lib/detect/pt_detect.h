/* SPDX-License-Identifier: BSD-3-Clause */
/* pt_detect.h - Detectors: small vtables that see each worker's flows and raise alerts, so that the flow code knows none of them. */
#ifndef PT_DETECT_H
#define PT_DETECT_H

#include <stdbool.h>
#include <stdint.h>

#include "pt_alert.h"
#include "pt_config.h"
#include "pt_output.h"

/** Where a detector's alerts go: the worker's alert ring. */
struct pt_detect_sink {
	/** A slot to fill, or NULL when the ring is full (the sink counts the loss). */
	struct pt_alert *(*reserve)(void *ctx);
	/** Hand the filled slot over. */
	void (*commit)(void *ctx);
	void *ctx;
};

/** One detector. Its state is per worker and touched by that worker only. */
struct pt_detector_ops {
	const char *name;
	/** State for one worker, or NULL when the configuration turns the detector off. */
	void *(*create)(const struct pt_config *cfg);
	void (*free)(void *state);
	/** The flow's first packet was accounted; @p rec is a snapshot (identities borrowed, not retained). */
	void (*on_flow_start)(void *state, const struct pt_flow_record *rec, const struct pt_detect_sink *sink);
};

/** Every detector podtap has, NULL-terminated. */
extern const struct pt_detector_ops *const pt_detectors_all[];

/** The detectors one worker runs. */
struct pt_detectors;

/** @return the set (possibly with none active), or NULL when out of memory. */
struct pt_detectors *pt_detectors_create(const struct pt_config *cfg);

/** NULL is a no-op. */
void pt_detectors_free(struct pt_detectors *d);

/** True when at least one detector is on: the worker then builds flow-start snapshots for them. */
bool pt_detectors_active(const struct pt_detectors *d);

void pt_detectors_flow_start(struct pt_detectors *d, const struct pt_flow_record *rec, const struct pt_detect_sink *sink);

/**
 * Start an alert about @p rec in a slot of @p sink: rule, time (the record's packet time), severity, and a copy
 * of the flow with references taken on its identities. @return the slot to finish (message, evidence, dedup key)
 * and pt_detect_alert_commit(), or NULL when the sink is full.
 */
struct pt_alert *pt_detect_alert_begin(const struct pt_detect_sink *sink, const struct pt_alert_rule *rule,
				       const struct pt_flow_record *rec, uint8_t severity);
void pt_detect_alert_commit(const struct pt_detect_sink *sink);

/** The test-only rule (alerts.test_port): exported for its documentation and tests. */
extern const struct pt_alert_rule pt_detect_rule_test_flow_to_port;

#endif /* PT_DETECT_H */
