/* SPDX-License-Identifier: BSD-3-Clause */
/* pt_detect.h - Detectors: per-worker vtables over flow starts, and the control side's engine over flow records. */
#ifndef PT_DETECT_H
#define PT_DETECT_H

#include <stdbool.h>
#include <stdint.h>

#include "pt_alert.h"
#include "pt_baseline.h"
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

/* ---- the control side's detections: baselines, new destinations, lateral movement, scans -------------- */

/*
 * These need a view across workers (a scanner's probes land on every worker; a workload's pods too), so they run
 * on the control side over the flow records every worker hands over, in one thread. docs/detections.md.
 */
struct pt_detect_engine;

struct pt_detect_engine_stats {
	uint64_t records;                     /* flow records seen */
	uint64_t edges_checked;               /* flows checked against a baseline */
	uint64_t edges_new;                   /* of which were new to a workload in detection mode */
	uint64_t scan_attempts;               /* final records counted as connection attempts */
	uint64_t scan_exempt;                 /* of which came from an exempt source (detect.scan.exempt_labels) */
	uint64_t scan_suppressed;             /* scan verdicts held back after capture loss */
	uint64_t scan_lossy;                  /* failed attempts not counted: open when the capture lost packets */
	uint64_t psl_fallbacks;               /* names without a registrable domain (kept whole) */
	uint64_t scan_sources;                /* scanners tracked now (detect.scan.max_sources at most) */
	uint64_t scan_sources_evicted;        /* dropped for room */
	uint64_t scan_findings[3];            /* vertical, horizontal, slow */
	struct pt_baseline_stats baseline;
};

/** @return the engine, or NULL with a one-line reason (out of memory, a bad detect.scan.exempt_labels). */
struct pt_detect_engine *pt_detect_engine_create(const struct pt_config *cfg, char *err, size_t err_len);

/** NULL is a no-op. */
void pt_detect_engine_free(struct pt_detect_engine *e);

/** The baselines, for their persistence (NULL with baseline.enabled false). Same thread only. */
struct pt_baseline *pt_detect_engine_baseline(struct pt_detect_engine *e);

/**
 * One flow record from a worker. @p domain is the responder's name from the sensor's DNS cache, or NULL.
 * Alerts go to @p sink; the record is not retained.
 */
void pt_detect_engine_record(struct pt_detect_engine *e, const struct pt_flow_record *rec, const char *domain,
			     const struct pt_detect_sink *sink);

/** The capture lost packets by packet time @p now_ns: scan verdicts are held back for detect.scan.loss_holdoff. */
void pt_detect_engine_capture_loss(struct pt_detect_engine *e, uint64_t now_ns);

void pt_detect_engine_stats(const struct pt_detect_engine *e, struct pt_detect_engine_stats *st);

/** The engine's rules, for documentation and tests. */
extern const struct pt_alert_rule pt_detect_rule_new_external, pt_detect_rule_lateral, pt_detect_rule_scan_vertical,
	pt_detect_rule_scan_horizontal, pt_detect_rule_scan_slow, pt_detect_rule_baseline_full,
	pt_detect_rule_scan_suppressed;

/** The test-only rule (alerts.test_port): exported for its documentation and tests. */
extern const struct pt_alert_rule pt_detect_rule_test_flow_to_port;

#endif /* PT_DETECT_H */
