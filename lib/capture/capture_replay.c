/* SPDX-License-Identifier: BSD-3-Clause */
/* capture_replay.c - In-process replay: a capture preloaded into memory, split over queues as RSS would, looped. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>

#include "capture_priv.h"
#include "pt_util.h"

#define REPLAY_ALIGN 64u             /* each frame starts on a cache line, as in an mbuf */

struct replay_pkt {
	const uint8_t *data;
	uint32_t cap_len;
	uint32_t wire_len;
	uint64_t ts_ns;
};

/* One worker's share of the capture, and where its replay stands. */
struct replay_queue {
	struct pt_capture_queue base;
	struct replay_source *src;
	struct replay_pkt *pkts;
	uint64_t n_pkts;
	uint64_t next;               /* index of the next packet of this pass */
	uint64_t loop;               /* passes done */
	uint64_t offered;            /* packets due so far at the replay rate (all passes) */
	uint64_t delivered;
	uint64_t delivered_bytes;
	uint64_t dropped;            /* due but more than ring_size behind: lost, as a full NIC ring loses them */
	uint64_t start_tsc;          /* the first poll */
	double pkts_per_cycle;       /* this queue's share of the rate; 0 = as fast as it is polled */
} __attribute__((aligned(PT_CACHE_LINE)));

struct replay_source {
	struct pt_capture base;
	struct pt_capture_replay_config cfg;
	uint8_t *arena;              /* every frame, REPLAY_ALIGN apart */
	struct replay_pkt *all;      /* every packet, grouped by queue */
	uint64_t span_ns;            /* first to last timestamp, plus one mean gap: the shift of each pass */
};

/* Time of packet @p p in pass @p loop: every pass is shifted by the capture's span, so time keeps going. */
static inline uint64_t replay_ts(const struct replay_source *src, const struct replay_pkt *p, uint64_t loop)
{
	return p->ts_ns + loop * src->span_ns;
}

/* How many packets may be taken now: at a rate, those due, after dropping what a full ring could not hold. */
static uint64_t replay_due(struct replay_queue *q)
{
	uint64_t now = rte_rdtsc(), due, waiting;

	if (q->pkts_per_cycle == 0)
		return UINT64_MAX;
	if (q->start_tsc == 0)
		q->start_tsc = now;
	due = (uint64_t)((double)(now - q->start_tsc) * q->pkts_per_cycle);
	if (q->src->cfg.loops != 0 && due / q->n_pkts >= q->src->cfg.loops)
		due = q->src->cfg.loops * q->n_pkts;    /* no more is due than the passes hold */
	if (due > q->offered)
		q->offered = due;
	waiting = q->offered - q->delivered - q->dropped;
	if (waiting > q->src->cfg.ring_size) {
		uint64_t lost = waiting - q->src->cfg.ring_size;

		/* The lost packets are skipped in order, across passes, as if they had arrived and been dropped. */
		q->dropped += lost;
		q->next += lost;
		if (q->n_pkts > 0) {
			q->loop += q->next / q->n_pkts;
			q->next %= q->n_pkts;
		}
		waiting = q->src->cfg.ring_size;
	}
	return waiting;
}

static int replay_rx_burst(struct pt_capture_queue *queue, struct pt_capture_pkt *pkts, uint16_t n)
{
	struct replay_queue *q = (struct replay_queue *)queue;
	const struct replay_source *src = q->src;
	uint64_t room;
	uint16_t got = 0;

	if (q->n_pkts == 0 || (src->cfg.loops != 0 && q->loop >= src->cfg.loops))
		return -ENODATA;
	room = replay_due(q);
	if (n > PT_CAPTURE_BURST)
		n = PT_CAPTURE_BURST;
	if (room < n)
		n = (uint16_t)room;
	while (got < n && (src->cfg.loops == 0 || q->loop < src->cfg.loops)) {
		const struct replay_pkt *p = &q->pkts[q->next];

		pkts[got].data = p->data;
		pkts[got].cap_len = p->cap_len;
		pkts[got].wire_len = p->wire_len;
		pkts[got].ts_ns = replay_ts(src, p, q->loop);
		q->delivered_bytes += p->wire_len;
		got++;
		if (++q->next == q->n_pkts) {
			q->next = 0;
			q->loop++;
		}
	}
	q->delivered += got;
	return got;
}

/* At a rate, the packets due and not taken yet (at most the ring's size); without one the replay is never behind. */
static int replay_rx_backlog(struct pt_capture_queue *queue)
{
	struct replay_queue *q = (struct replay_queue *)queue;

	if (q->pkts_per_cycle == 0)
		return -ENOTSUP;
	if (q->n_pkts == 0 || (q->src->cfg.loops != 0 && q->loop >= q->src->cfg.loops))
		return 0;
	return (int)replay_due(q);
}

static void replay_release(struct pt_capture_queue *queue)
{
	(void)queue;                 /* the frames stay in the arena for the next pass */
}

static int replay_stats_get(struct pt_capture *cap, struct pt_capture_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
	for (uint32_t i = 0; i < cap->n_queues; i++) {
		const struct replay_queue *q = (const struct replay_queue *)cap->queues[i];

		stats->ipackets += q->delivered;
		stats->ibytes += q->delivered_bytes;
		stats->imissed += q->dropped;
	}
	return 0;
}

static void replay_close(struct pt_capture *cap)
{
	struct replay_source *src = (struct replay_source *)cap;

	for (uint32_t i = 0; i < cap->n_queues; i++)
		pt_free_aligned(cap->queues[i]);
	pt_free_aligned(src->all);
	pt_free_aligned(src->arena);
	pt_free_aligned(src);
}

static const struct pt_capture_ops replay_ops = {
	.name = "replay",
	.rx_burst = replay_rx_burst,
	.release = replay_release,
	.stats = replay_stats_get,
	.close = replay_close,
	.rx_backlog = replay_rx_backlog,
};

/* One pass over the file through the pcap source; with @p src->arena set, copy the frames and hash them. */
static int replay_pass(struct replay_source *src, uint32_t *owner, uint64_t *n_out, size_t *bytes_out, char *err,
		       size_t err_len)
{
	struct pt_capture_pkt burst[PT_CAPTURE_BURST];
	uint8_t key[PT_CAPTURE_SPREAD_KEY_LEN];
	struct pt_capture *file = pt_capture_open_pcap_file(src->cfg.path, err, err_len);
	uint64_t n = 0, first_ts = 0, last_ts = 0;
	size_t bytes = 0;
	int got;

	if (file == NULL)
		return -EINVAL;
	pt_capture_spread_key(key);
	while ((got = pt_capture_rx_burst(pt_capture_get_queue(file, 0), burst, PT_CAPTURE_BURST)) > 0) {
		for (int i = 0; i < got; i++) {
			const struct pt_capture_pkt *b = &burst[i];

			size_t need = (b->cap_len + REPLAY_ALIGN - 1) & ~(size_t)(REPLAY_ALIGN - 1);

			/* The second pass fills what the first one sized; a file that grew meanwhile is cut there. */
			if (src->arena != NULL && n < *n_out && bytes + need <= *bytes_out) {
				memcpy(src->arena + bytes, b->data, b->cap_len);
				src->all[n] = (struct replay_pkt){ .data = src->arena + bytes, .cap_len = b->cap_len,
								   .wire_len = b->wire_len, .ts_ns = b->ts_ns };
				owner[n] = pt_capture_spread_hash(key, b->data, b->cap_len) % src->base.n_queues;
			}
			if (n == 0 || b->ts_ns < first_ts)
				first_ts = b->ts_ns;
			if (b->ts_ns > last_ts)
				last_ts = b->ts_ns;
			bytes += need;
			n++;
		}
		pt_capture_release(pt_capture_get_queue(file, 0));
	}
	pt_capture_close(file);
	/* Each pass is shifted by the span plus one mean gap, so that the next pass starts after this one. */
	if (n > 1) {
		uint64_t gap = (last_ts - first_ts) / (n - 1);

		src->span_ns = (last_ts - first_ts) + (gap > 0 ? gap : 1000);
	} else {
		src->span_ns = PT_NS_PER_SEC;
	}
	if (src->arena != NULL && (n != *n_out || bytes != *bytes_out)) {
		snprintf(err, err_len, "%s: changed while it was preloaded", src->cfg.path);
		return -EINVAL;
	}
	*n_out = n;
	*bytes_out = bytes;
	return 0;
}

/* Read the file twice: once to size the arena, once to fill it. @return 0, -ENODATA (no packets) or an errno. */
static int replay_load(struct replay_source *src, uint32_t **owner_out, uint64_t *n_out, char *err, size_t err_len)
{
	uint64_t n = 0;
	size_t bytes = 0;
	uint32_t *owner;
	int rc = replay_pass(src, NULL, &n, &bytes, err, err_len);

	if (rc != 0)
		return rc;
	if (n == 0)
		return -ENODATA;
	src->arena = pt_zalloc_aligned(bytes);
	src->all = pt_zalloc_aligned(n * sizeof(*src->all));
	owner = pt_zalloc_aligned(n * sizeof(*owner));
	if (src->arena == NULL || src->all == NULL || owner == NULL) {
		snprintf(err, err_len, "%s: out of memory preloading %" PRIu64 " packets (%zu MB)", src->cfg.path, n,
			 bytes >> 20);
		pt_free_aligned(owner);
		return -ENOMEM;
	}
	rc = replay_pass(src, owner, &n, &bytes, err, err_len);
	if (rc != 0) {
		pt_free_aligned(owner);
		return rc;
	}
	*owner_out = owner;
	*n_out = n;
	return 0;
}

/* Group the packets by queue, keeping each queue's packets in file order. */
static int replay_split(struct replay_source *src, const uint32_t *owner, uint64_t n, char *err, size_t err_len)
{
	uint64_t count[PT_CAPTURE_MAX_QUEUES] = { 0 }, at = 0;
	struct replay_pkt *sorted = pt_zalloc_aligned(n * sizeof(*sorted));
	uint64_t hz = rte_get_tsc_hz();

	if (sorted == NULL) {
		snprintf(err, err_len, "%s: out of memory preloading the capture", src->cfg.path);
		return -ENOMEM;
	}
	for (uint64_t i = 0; i < n; i++)
		count[owner[i]]++;
	for (uint32_t qi = 0; qi < src->base.n_queues; qi++) {
		struct replay_queue *q = pt_zalloc_aligned(sizeof(*q));

		if (q == NULL) {
			pt_free_aligned(sorted);
			snprintf(err, err_len, "out of memory for replay queues");
			return -ENOMEM;
		}
		src->base.queues[qi] = &q->base;
		q->base.ops = &replay_ops;
		q->src = src;
		q->pkts = sorted + at;
		if (src->cfg.rate_pps != 0 && hz != 0)
			q->pkts_per_cycle = (double)src->cfg.rate_pps * ((double)count[qi] / (double)n) / (double)hz;
		at += count[qi];
	}
	for (uint64_t i = 0; i < n; i++) {
		struct replay_queue *q = (struct replay_queue *)src->base.queues[owner[i]];

		q->pkts[q->n_pkts++] = src->all[i];
	}
	pt_free_aligned(src->all);
	src->all = sorted;
	return 0;
}

struct pt_capture *pt_capture_open_replay(const struct pt_capture_replay_config *cfg, char *err, size_t err_len)
{
	struct replay_source *src;
	uint32_t *owner = NULL;
	uint64_t n = 0;
	int rc;

	if (cfg->queues == 0 || cfg->queues > PT_CAPTURE_MAX_QUEUES) {
		snprintf(err, err_len, "need 1..%d replay queues, have %u", PT_CAPTURE_MAX_QUEUES, cfg->queues);
		return NULL;
	}
	src = pt_zalloc_aligned(sizeof(*src));
	if (src == NULL) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	src->base.ops = &replay_ops;
	src->cfg = *cfg;
	src->base.n_queues = cfg->queues;
	rc = replay_load(src, &owner, &n, err, err_len);
	if (rc == -ENODATA)
		snprintf(err, err_len, "%s: no packets to replay", cfg->path);
	if (rc != 0)
		goto fail;
	rc = replay_split(src, owner, n, err, err_len);
	pt_free_aligned(owner);
	if (rc != 0)
		goto fail;
	snprintf(src->base.description, sizeof(src->base.description),
		 "replay of %s preloaded (%" PRIu64 " packets), %u queue%s%s%s", cfg->path, n, cfg->queues,
		 cfg->queues == 1 ? "" : "s", cfg->loops ? "" : ", looped until stopped",
		 cfg->rate_pps ? ", at a fixed rate" : "");
	return &src->base;
fail:
	replay_close(&src->base);
	return NULL;
}
