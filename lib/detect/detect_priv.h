/* SPDX-License-Identifier: BSD-3-Clause */
/* detect_priv.h - What lib/detect's files share beyond its public header: detector vtables, the engine. */
#ifndef PT_DETECT_PRIV_H
#define PT_DETECT_PRIV_H

#include <libpsl.h>

#include "detect_scan.h"
#include "pt_detect.h"
#include "pt_dpi.h"
#include "pt_identity.h"
#include "pt_util.h"

extern const struct pt_detector_ops pt_detect_test_rule_ops;

#define DETECT_EXEMPT_MAX 16
#define DETECT_FANOUT_SLOTS 1024

/** One side of a flow as the detections see it. */
struct detect_side {
	bool has_key;                          /* internal: it has a baseline under key */
	bool external;                         /* outside every configured network */
	char key[PT_BASELINE_KEY_LEN];
	uint8_t peer_kind;                     /* how the other side's edge names this side */
	char peer[PT_BASELINE_PEER_LEN];
	const struct pt_workload *w;           /* borrowed from the record */
	char addr[PT_ADDR_TEXT_LEN];
	const struct pt_geo_result *geo;
	const char *name_source;               /* a domain peer's name came from "dns", "sni" or "http_host" */
};

#define DETECT_FANOUT_PEERS 32

/** Distinct new internal peers a workload reached in detection mode, within detect.lateral.fanout_window. */
struct detect_fanout {
	uint64_t key_hash;                     /* the workload's key; a slot is shared by hash, the newest keeps it */
	uint64_t start_ns;                     /* the earliest new peer counted */
	uint32_t count;                        /* distinct peers, up to DETECT_FANOUT_PEERS */
	uint64_t peer_hash[DETECT_FANOUT_PEERS];
};

struct detect_label {
	char key[64];
	char value[64];
};

struct pt_detect_engine {
	const struct pt_config *cfg;
	struct pt_baseline *baseline;          /* NULL with baseline.enabled false */
	struct pt_scan *scan;                  /* NULL with detect.scan.enabled false */
	const psl_ctx_t *psl;
	uint64_t loss_at_ns;                   /* the latest capture loss (packet time at the check that saw it) */
	uint64_t loss_until_ns;                /* scan verdicts held back until then (packet time) */
	uint32_t n_exempt;
	struct detect_label exempt[DETECT_EXEMPT_MAX];
	struct detect_fanout fanout[DETECT_FANOUT_SLOTS];
	struct pt_detect_engine_stats stats;
};

/** A baseline check of the originator found edge @p e new: raise new_external_destination or lateral_movement. */
void pt_detect_novelty(struct pt_detect_engine *e, const struct pt_flow_record *rec, const struct detect_side *orig,
		       const struct detect_side *resp, const struct pt_baseline_edge *edge,
		       const struct pt_baseline_workload_info *info, const struct pt_detect_sink *sink);

#endif /* PT_DETECT_PRIV_H */
