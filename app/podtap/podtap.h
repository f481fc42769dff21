/* SPDX-License-Identifier: BSD-3-Clause */
/* podtap.h - The app's private wiring: options, the per-lcore worker, the control side and the run modes. */
#ifndef PODTAP_APP_H
#define PODTAP_APP_H

#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "pt_capture.h"
#include "pt_config.h"
#include "pt_decode.h"
#include "pt_detect.h"
#include "pt_dnscache.h"
#include "pt_dpi.h"
#include "pt_flow.h"
#include "pt_geo.h"
#include "pt_identity.h"
#include "pt_output.h"
#include "pt_util.h"

#define PT_MAX_WORKERS 128
#define PT_DNS_ANSWER_RING_SIZE 4096
#define PT_ALERT_RING_SIZE 1024       /* alerts a worker may have waiting for the control side */

/** One A/AAAA answer a worker saw, on its way to the sensor's DNS cache on the control side. */
struct pt_dns_answer {
	uint64_t ts_ns;
	uint32_t ttl_s;
	uint8_t ip_version;
	uint8_t addr[16];
	char name[PT_DNSCACHE_NAME_LEN];
};

struct pt_identity_sync;

/** Read-mostly tables the control side builds (and, for GeoIP and workloads, republishes) and the workers read. */
struct pt_shared {
	struct pt_identity_networks *nets;         /* immutable for the run: workers only read it */
	struct pt_geo_published *geo;              /* RCU-published GeoIP/ASN databases */
	struct pt_workloads *workloads;            /* RCU-published workload table; NULL with identity off */
	struct pt_identity_sync *identity_sync;    /* the thread filling it from Redis */
	struct pt_redis_url redis_url;             /* redis.url parsed, with REDIS_USER/REDIS_PASSWORD applied */
};

/** What a worker keeps per flow-table slot: the identity each side had when the flow started. */
struct pt_flow_identity {
	struct pt_workload *workload[2];       /* by key side (flow->key.addr index); references held */
	uint32_t generation;                   /* of the table they came from */
	uint8_t match[2];                      /* enum pt_workload_match */
	bool looked_up;
};

/** Everything the command line decided, beside the configuration keys. */
struct pt_options {
	const char *config_path;     /* -c */
	const char *pcap_file;       /* -r */
	const char *iface;           /* -i */
	const char *stats_path;      /* --stats */
	uint64_t exit_idle_ns;       /* --exit-idle; 0 = run until signalled or the file ends */
	uint64_t max_packets;        /* --count; 0 = no limit */
	const char *replay_file;     /* --replay: DPDK lcores read this capture preloaded in memory */
	uint64_t replay_loops;       /* --loop; 0 = until stopped */
	uint64_t replay_rate_pps;    /* --replay-rate; 0 = as fast as the workers go */
	int eal_argc;                /* arguments after "--", with argv[0] prepended */
	char **eal_argv;
};

/** One worker: owns its flow table, fragment table and record ring; shares nothing writable. */
struct pt_worker {
	uint32_t index;
	struct pt_capture_queue *queue;
	struct pt_flow_table *flows;
	struct pt_frag_table *frags;
	struct pt_spsc_ring *records;          /* worker -> control: flow records */
	struct pt_spsc_ring *dns_answers;      /* worker -> control: struct pt_dns_answer */
	uint64_t answer_ts_ns;                 /* time of the DNS response being parsed */
	struct pt_decode_options decode_opt;
	struct pt_shared *shared;
	struct pt_geo_cache *geo_cache;        /* this worker's GeoIP answers */
	struct pt_dpi *dpi;                    /* nDPI module and pools; NULL with dpi.enabled false */
	struct pt_dpi_flow *dpi_flows;         /* per flow-table slot (pt_flow_table_index) */
	const struct pt_geo_db *geo_db;        /* the databases this burst reads (RCU reader section) */
	bool geo_online;                       /* registered as an RCU reader of the GeoIP databases */
	struct pt_flow_identity *identities;   /* per flow-table slot; NULL with identity off */
	const struct pt_workload_table *workload_table;   /* the table this burst reads (RCU reader section) */
	bool workloads_online;                 /* registered as an RCU reader of the workload table */
	struct pt_detectors *detectors;        /* NULL or none active: no flow-start snapshots */
	uint8_t *detect_started;               /* per flow-table slot: the detectors saw this flow start */
	struct pt_spsc_ring *alerts;           /* worker -> control: struct pt_alert */
	bool advance_when_idle;                /* live capture: let time pass without packets */
	bool wait_for_room;                    /* reading a file: wait for room in a ring rather than drop */
	uint64_t max_packets;                  /* --count with one worker: receive no more (0 = no limit) */
	uint64_t coalesce_cycles;              /* capture.coalesce_us in TSC cycles: the wait after a short burst */
	uint64_t now_ns;                       /* packet clock: the newest packet time seen */
	uint64_t clock_jump_candidate_ns;      /* a far-ahead packet time waiting for confirmation */
	uint64_t idle_base_mono_ns;            /* monotonic time of the last packet, for idle advance */

	/* Written by the worker, read by the control side. */
	_Atomic uint64_t last_packet_mono_ns;
	_Atomic bool rx_stopped;               /* no longer receiving (set before the final flush) */
	_Atomic bool finished;                 /* everything flushed into the ring */
	bool source_ended;
	uint64_t packets;
	uint64_t bytes;
	uint64_t decode[PT_DECODE_RESULT_MAX];
	uint64_t fragments_unmatched;
	uint64_t records_dropped;
	uint64_t clock_outliers;               /* packets too far ahead of the clock to move it */
	uint64_t dns_answers_dropped;          /* answers lost because the control side fell behind */
	uint64_t identity_lookups;             /* flows looked up in the workload table */
	uint64_t identity_found;               /* of which had an identity on at least one side */
	uint64_t alerts_raised;                /* handed to the control side */
	uint64_t alerts_dropped;               /* lost because the alert ring was full */
	uint64_t polls_busy;                   /* polls that received packets */
	uint64_t polls_idle;                   /* polls that received none */
	uint64_t cycles_busy;                  /* TSC cycles of busy polls: receive, decode, flows, DPI, timers */
	uint64_t cycles_rx;                    /* of which in the capture source's receive call */
	uint64_t preempted;                    /* involuntary context switches of the worker's thread (getrusage) */
	uint64_t poll_gap_max;                 /* the longest time between the starts of two polls, in TSC cycles */
	uint64_t last_poll_tsc;                /* TSC at the start of the last poll */
	bool last_poll_busy;                   /* its cycles are added when the next poll starts */
	uint32_t shed_on;                      /* backlog (packets) at which new flows' DPI is shed; 0 = never */
	uint32_t shed_off;                     /* backlog at or below which shedding stops */
	uint32_t backlog_check_in;             /* full polls until the backlog is read again */
	bool shedding;                         /* new flows are not classified now */
	uint64_t shed_episodes;                /* times shedding started */

	/* Written by the control side, on a line of its own: the worker's counters above change every poll. */
	_Atomic bool stop PT_CACHE_ALIGNED;
} PT_CACHE_ALIGNED;

/**
 * A slot in one of the worker's rings to the control side, or NULL when it is full. Reading a file, the worker
 * waits for the control side to make room instead: an offline source can be paused, so nothing is dropped.
 */
static inline void *pt_worker_ring_reserve(struct pt_worker *w, struct pt_spsc_ring *ring)
{
	void *slot = pt_spsc_ring_reserve(ring);

	while (PT_UNLIKELY(slot == NULL) && w->wait_for_room) {
		sched_yield();
		slot = pt_spsc_ring_reserve(ring);
	}
	return slot;
}

/** worker_shed.c: overload shedding, from the capture's backlog (dpi.shed_backlog_percent). */
void pt_worker_shed_init(struct pt_worker *w, const struct pt_config *cfg);
/* After a poll that received @p got packets: read the backlog now and then, and start or stop shedding. */
void pt_worker_shed_check(struct pt_worker *w, uint32_t got);
/* While shedding: shed @p df if this packet would start its classification (DNS excepted). @return shed. */
bool pt_worker_shed_flow(struct pt_worker *w, struct pt_dpi_flow *df, const struct pt_decoded *pkt);

/** worker_detect.c: the worker's detectors and its alert ring. */
int pt_worker_detect_init(struct pt_worker *w, const struct pt_config *cfg, char *err, size_t err_len);
void pt_worker_detect_fini(struct pt_worker *w);
/** Show every flow of the burst that just started to the detectors. */
void pt_worker_detect_burst(struct pt_worker *w, struct pt_flow *const *flows, uint32_t n);
/** The flow's slot is about to be reused (its final record went out or was dropped). */
static inline void pt_worker_detect_flow_end(struct pt_worker *w, uint32_t slot)
{
	if (w->detect_started != NULL)
		w->detect_started[slot] = 0;
}

/** worker.c */
/** A snapshot of a flow as a record would carry it now, its identities borrowed (valid in this burst). */
void pt_worker_flow_snapshot(struct pt_worker *w, const struct pt_flow *flow, struct pt_flow_record *rec);
int pt_worker_init(struct pt_worker *w, uint32_t index, const struct pt_config *cfg, struct pt_capture_queue *queue,
		   struct pt_shared *shared, bool advance_when_idle, char *err, size_t err_len);
void pt_worker_fini(struct pt_worker *w);
/** One poll: a burst through decode and the flow table, then timer work. @return packets received. */
uint32_t pt_worker_poll(struct pt_worker *w);
/** Add the last poll's cycles, if it was busy (the next poll would have): before the counters are read at stop. */
void pt_worker_account_last_poll(struct pt_worker *w);
/** Flush flows into the ring while it has room. @return true once the table is empty. */
bool pt_worker_flush_step(struct pt_worker *w);
/** Register (unregister) the calling thread as worker w's RCU reader of the GeoIP databases and workload table. */
void pt_worker_readers_online(struct pt_worker *w);
void pt_worker_readers_offline(struct pt_worker *w);
/** The loop a worker lcore runs until told to stop; then it flushes. */
int pt_worker_main(void *arg);

/** baseline_sync.c: the baselines kept in Redis (docs/redis-schema.md#baselines), shared by every sensor. */
struct pt_baseline_sync;
struct pt_baseline_sync_stats {
	bool redis_up;
	uint64_t loaded;                    /* edges and workloads read from the hashes (start and reloads) */
	uint64_t written;                   /* edges written to Redis */
	uint64_t write_dropped;             /* edges never written: out of memory, or left unwritten at stop */
	uint64_t changes_applied;           /* change-stream entries of other writers applied */
	uint64_t changes_malformed;         /* change-stream or hash entries that could not be parsed */
	uint64_t reconnects;
};
/**
 * Load every baseline under <prefix>baseline: into @p b before returning (so that the first flow is checked
 * against them; when Redis is down, say so once and go on), then follow <prefix>baseline:changes and write
 * @p b's new and updated edges from a thread of its own, reconnecting with backoff and reloading after.
 * @return the sync, or NULL with a one-line reason (out of memory, no thread).
 */
struct pt_baseline_sync *pt_baseline_sync_start(const struct pt_config *cfg, const struct pt_redis_url *url,
						const char *sensor_name, struct pt_baseline *b, char *err,
						size_t err_len);
/**
 * Control thread, at every tick: apply what other writers changed (other sensors' edges, podtapctl's accept,
 * forget and relearn, reloads) to @p b, and, every baseline.sync_interval, hand @p b's dirty edges to the thread.
 */
void pt_baseline_sync_step(struct pt_baseline_sync *s, struct pt_baseline *b);
/**
 * Hand over every dirty edge, wait (up to 10 s) until Redis has them, stop the thread and free. @p final (may be
 * NULL) gets the last counters. NULL @p s is a no-op.
 */
void pt_baseline_sync_stop(struct pt_baseline_sync *s, struct pt_baseline *b, struct pt_baseline_sync_stats *final);
void pt_baseline_sync_stats(struct pt_baseline_sync *s, struct pt_baseline_sync_stats *st);

/** The control side: drains the workers' rings into the sinks, writes counters, decides when to stop. */
struct pt_control {
	struct pt_worker *workers;
	uint32_t n_workers;
	struct pt_capture *capture;
	const struct pt_config *cfg;
	const struct pt_options *opt;
	char observer_name[PT_CONFIG_STR_LEN];
	struct pt_output_file *flows_out;
	struct pt_output_file *alerts_out;
	struct pt_output_file *stats_out;
	struct pt_output_redis *redis;         /* sensor status; NULL with --no-redis */
	struct pt_dnscache *dns;               /* IP -> name from every worker's DNS answers */
	struct pt_shared *shared;
	uint64_t next_geo_check_mono_ns;
	uint64_t geo_index_logged;             /* generation of the geo handle whose IPv4 index was last reported */
	bool geo_index_on_demand;              /* -r: the first handle's index waits until it pays */
	bool redis_published;                  /* the last status write succeeded */
	uint64_t started_mono_ns;
	uint64_t started_tsc;                  /* rte_rdtsc() at started_mono_ns, to measure the TSC frequency */
	uint64_t next_stats_mono_ns;
	uint64_t records_written;        /* drained from the rings (records_too_long of them not written) */
	uint64_t records_labels_omitted;
	uint64_t records_too_long;
	struct pt_output_counters last_counters;   /* at the last report, to warn about new losses */
	struct pt_alerts *alerts;              /* the alert pipeline */
	struct pt_detect_engine *detect;       /* baselines and detections over the records; NULL when all off */
	struct pt_baseline_sync *baseline_sync;   /* baselines kept in Redis; NULL without Redis */
	uint64_t next_baseline_step_mono_ns;
	bool baseline_sync_stopped;            /* baseline_sync_final holds its last counters */
	struct pt_baseline_sync_stats baseline_sync_final;
	uint64_t detect_alerts_raised;         /* by the engine, before flood control */
	uint64_t capture_lost_last;            /* capture loss at the last tick, to tell the engine of new loss */
	struct pt_alert detect_alert;          /* the engine's alert being filled */
	uint64_t next_health_mono_ns;
	char line[16384];
	char stats_line[32768];                /* the counters: room for PT_OUTPUT_MAX_WORKERS workers */
};

/** control.c */
int pt_control_init(struct pt_control *ctl, const struct pt_config *cfg, const struct pt_options *opt,
		    struct pt_shared *shared, struct pt_worker *workers, uint32_t n_workers, struct pt_capture *capture,
		    char *err, size_t err_len);
/** Write out records waiting in the rings. @return records written. */
uint32_t pt_control_drain(struct pt_control *ctl);
/** Periodic work: counters. */
void pt_control_tick(struct pt_control *ctl);
/** True once --exit-idle has passed without packets on any worker. */
bool pt_control_idle_expired(const struct pt_control *ctl);
/** True once the workers together received --count packets (never without --count). */
bool pt_control_count_reached(const struct pt_control *ctl);
/** Final counters, flush and close the sinks. @return 0, or -EIO if a sink failed. */
int pt_control_fini(struct pt_control *ctl);
void pt_control_sum_counters(const struct pt_control *ctl, struct pt_output_counters *c);

/** identity_sync.c: the thread that fills shared->workloads from Redis. */
/**
 * Load the table from the Redis at @p url (before returning, so that the first packet already finds it; when
 * Redis is down, log it and go on with an empty table), then follow changes on a thread of its own.
 * @return the sync, or NULL with a one-line reason in @p err (out of memory, no thread).
 */
struct pt_identity_sync *pt_identity_sync_start(const struct pt_config *cfg, const struct pt_redis_url *url,
						struct pt_workloads *ws, char *err, size_t err_len);
/** Stop the thread and disconnect; NULL is a no-op. */
void pt_identity_sync_stop(struct pt_identity_sync *s);
/** The sync's and the table's counters, as of the thread's last step. */
void pt_identity_sync_counters(struct pt_identity_sync *s, struct pt_output_identity_counters *c);

/** alerts.c: the control side's alert pipeline and sensor health. */
struct pt_alerts;
/**
 * @param url Redis for the alerts (through the spool in alerts.spool_dir), or NULL for the file only.
 * @return the pipeline, or NULL with a one-line reason (the spool cannot be used, out of memory).
 */
struct pt_alerts *pt_alerts_create(const struct pt_config *cfg, const struct pt_redis_url *url,
				   struct pt_output_file *file, const char *observer_name, struct pt_dnscache *dns,
				   char *err, size_t err_len);
/** Write the open groups' updates, deliver what Redis still takes and stop the sender (counters stay). */
void pt_alerts_finish(struct pt_alerts *al);
/** Finish if not done, and free; NULL is a no-op. */
void pt_alerts_free(struct pt_alerts *al);
/** Take the workers' alerts through flood control to the file and the spool. @return alerts taken. */
uint32_t pt_alerts_drain(struct pt_alerts *al, struct pt_worker *workers, uint32_t n_workers);
/** Sensor health from the counters (capture loss, flow table, Redis, workload table, drops), at wall time. */
void pt_alerts_tick(struct pt_alerts *al, const struct pt_output_counters *c, uint64_t wall_ns, uint64_t packet_ns);
void pt_alerts_counters(struct pt_alerts *al, struct pt_output_alert_counters *out);
/** An alert the control side raised (the detection engine's): through flood control like a worker's. */
void pt_alerts_raise(struct pt_alerts *al, const struct pt_alert *a);
/** redis.flows_stream: hand a flow record's JSON to the sender for <prefix>flows (best effort, counted). */
void pt_alerts_flow_record(struct pt_alerts *al, const char *json, uint32_t len);

/** alert_sender.c: the thread that delivers alerts to Redis through the spool. */
struct pt_alert_sender;
struct pt_alert_sender_stats {
	bool tried;                         /* a connection attempt has completed (redis_up says how) */
	bool redis_up;
	uint64_t delivered;                 /* alerts Redis has (XADD and PUBLISH in one MULTI/EXEC) */
	uint64_t reconnects;
	uint64_t confirmed;                 /* batches found in the stream after their reply was lost */
	uint64_t refused;                   /* EXECs Redis refused (a key of the wrong type, an ACL) */
	uint64_t spool_errors;              /* spool reads, writes or syncs that failed */
	uint64_t flows_sent;                /* flow records XADDed to <prefix>flows */
	uint64_t flows_dropped;             /* flow records lost: the queue was full or Redis away */
	struct pt_alert_spool_stats spool;
};
/**
 * Open the spool (alerts.spool_dir) and start the thread that delivers it to <prefix>alerts.
 * @return the sender, or NULL with a one-line reason (the spool cannot be used, out of memory).
 */
struct pt_alert_sender *pt_alert_sender_start(const struct pt_config *cfg, const struct pt_redis_url *url, char *err,
					      size_t err_len);
/**
 * Deliver what Redis will still take, stop the thread, close the spool (what is left stays for the next run),
 * and free. @p final (may be NULL) gets the last counters. NULL @p s is a no-op.
 */
void pt_alert_sender_stop(struct pt_alert_sender *s, struct pt_alert_sender_stats *final);
/** Spool one alert for delivery. @return 0, -ENOSPC (the spool was full and it was the least important), -EIO... */
int pt_alert_sender_submit(struct pt_alert_sender *s, const char *json, uint32_t len, uint8_t severity);
/**
 * Queue a flow record for XADD <prefix>flows (not spooled: when Redis is away or the queue of
 * PT_FLOWS_QUEUE records is full, it is dropped and counted). @return 0 or -ENOSPC.
 */
int pt_alert_sender_submit_flow(struct pt_alert_sender *s, const char *json, uint32_t len);
#define PT_FLOWS_QUEUE 8192
/** Counters; @p dropped_new gets the spool drops not reported before (for the sensor_health alert). */
void pt_alert_sender_stats(struct pt_alert_sender *s, struct pt_alert_sender_stats *st, uint64_t *dropped_new);

/** runtime.c: the two run modes. Return the process exit status. */
/*
 * Start the thread that keeps the shared workload table (its Redis sync). Each run mode calls it once this thread
 * has its final CPU affinity (DPDK: after rte_eal_init() pinned it to the main lcore), so that it inherits it
 * and never takes a worker's core. Returns 0, or 1 after saying why.
 */
int pt_shared_start(const struct pt_config *cfg, struct pt_shared *shared);

int pt_run_pcap(const struct pt_config *cfg, const struct pt_options *opt, struct pt_shared *shared,
		volatile sig_atomic_t *stop_signal);
int pt_run_dpdk(const struct pt_config *cfg, const struct pt_options *opt, struct pt_shared *shared,
		volatile sig_atomic_t *stop_signal);

#endif /* PODTAP_APP_H */
