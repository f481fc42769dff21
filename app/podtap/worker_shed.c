/* SPDX-License-Identifier: BSD-3-Clause */
/* worker_shed.c - Overload shedding: a worker that has fallen behind its capture stops classifying new flows until it catches up. */
#include "podtap.h"

/*
 * Why flows and not packets: on real traffic nDPI's cost is per flow (a few packets each), so a worker that loses
 * packets still starts DPI on nearly every flow, its cost per packet it keeps goes up, and it falls further behind
 * (the mix at 117% of a core's capacity lost 67% of its packets at 3,000 cycles/packet instead of 1,100). Flow
 * accounting, identity and the detections go on for every flow; only the application fields of the shed ones
 * are missing, and they are counted.
 */

/* Full polls between two readings of the backlog: some PMDs walk their descriptors to count them. */
#define WORKER_BACKLOG_EVERY 8

void pt_worker_shed_init(struct pt_worker *w, const struct pt_config *cfg)
{
	uint64_t on = (uint64_t)cfg->capture.rx_descriptors * cfg->dpi.shed_backlog_percent / 100;

	if (!cfg->dpi.enabled || cfg->dpi.shed_backlog_percent == 0)
		on = 0;
	else if (on == 0)
		on = 1;
	w->shed_on = (uint32_t)on;
	w->shed_off = w->shed_on / 4;
	w->shedding = false;
	w->backlog_check_in = 0;
}

void pt_worker_shed_check(struct pt_worker *w, uint32_t got)
{
	int backlog;

	if (got < PT_CAPTURE_BURST) {
		w->shedding = false;                 /* the ring had less than a burst: caught up */
		w->backlog_check_in = 0;
		return;
	}
	if (w->backlog_check_in > 0) {
		w->backlog_check_in--;
		return;
	}
	w->backlog_check_in = WORKER_BACKLOG_EVERY - 1;
	backlog = pt_capture_rx_backlog(w->queue);
	if (backlog < 0) {
		w->shed_on = 0;                      /* the source cannot tell: never shed */
		w->shedding = false;
		return;
	}
	if (!w->shedding && (uint32_t)backlog >= w->shed_on) {
		w->shedding = true;
		w->shed_episodes++;
	} else if (w->shedding && (uint32_t)backlog <= w->shed_off) {
		w->shedding = false;
	}
}

bool pt_worker_shed_flow(struct pt_worker *w, struct pt_dpi_flow *df, const struct pt_decoded *pkt)
{
	/* DNS stays: it is cheap to classify, and its answers name the peers the detections judge. */
	if (df->status != PT_DPI_STATUS_NONE || pkt->payload_len == 0 || pkt->src_port == 53 || pkt->dst_port == 53)
		return false;
	return pt_dpi_flow_shed(w->dpi, df);
}
