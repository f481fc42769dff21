/* SPDX-License-Identifier: BSD-3-Clause */
/* baseline_sync_priv.h - What the baseline sync's two files share: its state, its queues and the calls between them. */
#ifndef BASELINE_SYNC_PRIV_H
#define BASELINE_SYNC_PRIV_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

#include "podtap.h"
#include "pt_baseline.h"

#define SYNC_KEY_LEN 96                            /* redis.prefix (< 64) + "baseline:workloads" */
#define SYNC_ID_LEN 48                             /* "<ms>-<seq>", two 64-bit numbers */
#define SYNC_WHY_LEN (PT_REDIS_FIELD_LEN + 64)
#define SYNC_BATCH 256                             /* edges per MULTI/EXEC */

/* What became of one command or of a series of them. */
enum sync_reply {
	SYNC_OK,
	SYNC_LOST,          /* no reply: the connection is gone (dropped; reconnect with backoff) */
	SYNC_REFUSED,       /* an error reply (WRONGTYPE, NOPERM): connection kept, commands paused for a backoff */
	SYNC_STOPPED,       /* stop() came while waiting for room in the incoming queue */
};

/* What a change does to the baselines. */
enum sync_op {
	SYNC_MERGE_EDGE,        /* learn, accept, or an edge of a reload: pt_baseline_merge_edge */
	SYNC_MERGE_WORKLOAD,    /* a workload of a reload: pt_baseline_merge_workload */
	SYNC_FORGET_EDGE,       /* forget with an edge */
	SYNC_FORGET_ALL,        /* forget without one */
	SYNC_RELEARN,
};

/* A change for the control thread to apply, parsed by the thread. */
struct sync_change {
	uint8_t op;                            /* enum sync_op */
	bool from_stream;                      /* counted in changes_applied (a reload's are counted in loaded) */
	char key[PT_BASELINE_KEY_LEN];
	struct pt_baseline_edge edge;          /* MERGE_EDGE, FORGET_EDGE */
	struct pt_baseline_edge_stats stats;   /* MERGE_EDGE */
	uint64_t first_seen_ns;                /* MERGE_WORKLOAD, RELEARN */
	uint64_t learning_until_ns;
};

/* An edge for the thread to write, as the control thread took it from the baselines (formatted by the thread). */
struct sync_write {
	char key[PT_BASELINE_KEY_LEN];
	struct pt_baseline_edge edge;
	struct pt_baseline_edge_stats stats;
	uint64_t first_seen_ns;                /* the workload's window */
	uint64_t learning_until_ns;
	bool new_edge;
};

/* A growable array of fixed-size entries. */
struct sync_vec {
	void *v;
	uint32_t n, cap;
};

struct pt_baseline_sync {
	struct pt_redis_url url;
	char where[PT_REDIS_FIELD_LEN + 16];
	char sensor[PT_CONFIG_STR_LEN];
	char key_workloads[SYNC_KEY_LEN];
	char key_changes[SYNC_KEY_LEN];
	char key_edges[SYNC_KEY_LEN];              /* "<prefix>baseline:edges:", the workload key follows */
	uint64_t sync_interval_ns;

	/* The thread's (and start()'s, before the thread runs). */
	redisContext *ctx;
	struct pt_baseline *load_into;             /* start()'s load goes straight into the baselines; then NULL */
	char last_id[SYNC_ID_LEN];                 /* the change stream is followed from here */
	bool need_reload;
	bool was_up;                               /* for logging once per state change */
	bool ever_tried;
	bool ever_up;
	char refused_why[SYNC_WHY_LEN];            /* what Redis refused last, "" when everything works */
	uint64_t retry_at_mono_ns;                 /* next connection attempt */
	uint64_t paused_until_mono_ns;             /* no command before this, after a refusal */
	uint64_t backoff_ns;
	uint32_t malformed_logged;
	uint64_t changes_overflowed;               /* stream entries dropped: the incoming queue was full */
	struct sync_vec sending;                   /* struct sync_write, taken from outgoing; written up to sent */
	uint32_t sent;

	/* The control thread's. */
	struct sync_vec applying;                  /* struct sync_change, taken from incoming */
	struct sync_vec handing;                   /* struct sync_write, on their way to outgoing */
	uint64_t handing_lost;                     /* out of memory while handing over */
	uint64_t last_handover_mono_ns;

	pthread_t thread;
	bool thread_started;
	_Atomic bool stopping;                     /* stop() waits: write what is queued, read nothing more */
	_Atomic bool stop;                         /* the thread ends */

	pthread_mutex_t lock;                      /* guards what follows */
	struct sync_vec incoming;                  /* struct sync_change */
	struct sync_vec outgoing;                  /* struct sync_write */
	uint32_t in_flight;                        /* entries of sending not written yet */
	bool gave_up;                              /* stopping, and Redis is away or refuses: nothing more is written */
	struct pt_baseline_sync_stats st;
};

/* ---- baseline_sync.c: the queues and the connection -------------------------------------------------- */

/** Room for @p need entries of @p size bytes. @return 0 or -ENOMEM. */
int baseline_sync_vec_reserve(struct sync_vec *q, uint32_t need, size_t size);

/** Add @p n to @p counter (one of s->st) under the lock. */
void baseline_sync_add(struct pt_baseline_sync *s, uint64_t *counter, uint64_t n);

/**
 * Pass a change on: applied at once during start()'s load, else queued for the control thread. When the queue is
 * full, wait for room if @p wait (a reload), else give up (a stream entry).
 * @return SYNC_OK, SYNC_REFUSED (full, not waiting) or SYNC_STOPPED.
 */
enum sync_reply baseline_sync_deliver(struct pt_baseline_sync *s, const struct sync_change *c, bool wait);

/**
 * Another writer forgot edges or restarted a workload's learning: queued edges of it were taken before the
 * control thread applies that, and writing them now would bring back what was removed. Drop them.
 */
void baseline_sync_purge(struct pt_baseline_sync *s, const struct sync_change *c);

/** The connection is gone: said once per state change, dropped, and tried again after a backoff. */
void baseline_sync_down(struct pt_baseline_sync *s, const char *why);

/** Redis answered with an error: said once per distinct reason; every command waits for a backoff. */
void baseline_sync_refused(struct pt_baseline_sync *s, const char *why);

/* ---- baseline_sync_redis.c: the commands ---------------------------------------------------------------- */

/**
 * Load every workload and edge: into the baselines during start(), to the control thread after. The stream's
 * newest ID is taken first, so that following it from there replays what changed during the scan.
 */
enum sync_reply baseline_sync_load(struct pt_baseline_sync *s);

/** MULTI, the commands of each edge, EXEC, pipelined; then the replies. */
enum sync_reply baseline_sync_write_batch(struct pt_baseline_sync *s, const struct sync_write *w, uint32_t n);

/** Wait up to SYNC_BLOCK_MS for changes of other writers and queue them. */
enum sync_reply baseline_sync_follow(struct pt_baseline_sync *s);

#endif /* BASELINE_SYNC_PRIV_H */
