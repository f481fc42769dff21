/* SPDX-License-Identifier: BSD-3-Clause */
/* pt_alert.h - Alerts: what a detector raises, their ids, flood control, ECS JSON, and the durable spool they wait in. */
#ifndef PT_ALERT_H
#define PT_ALERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pt_output.h"

/** Version of the alert schema (docs/alerts.md), written as podtap.schema_version. */
#define PT_ALERT_SCHEMA_VERSION "1"

/** Longest alert JSON (a record with two identities and their labels fits). */
#define PT_ALERT_JSON_MAX (64 * 1024)

/** Evidence items an alert carries (podtap.evidence.*), and community ids of the flows involved. */
#define PT_ALERT_EVIDENCE_MAX 16
#define PT_ALERT_FLOWS_MAX 8

/** rule.category. */
enum pt_alert_category {
	PT_ALERT_NEW_EXTERNAL_DESTINATION = 0,
	PT_ALERT_SCAN,
	PT_ALERT_LATERAL_MOVEMENT,
	PT_ALERT_POLICY,
	PT_ALERT_SENSOR_HEALTH,
	PT_ALERT_CATEGORY_MAX
};

/** A rule: static, shared by every thread. */
struct pt_alert_rule {
	const char *id;                  /* rule.id, stable: "podtap.health.capture_loss" */
	const char *name;                /* rule.name */
	enum pt_alert_category category;
};

/** "new_external_destination", "scan", "lateral_movement", "policy", "sensor_health". */
const char *pt_alert_category_name(enum pt_alert_category c);

enum pt_alert_value_type { PT_ALERT_VALUE_U64 = 0, PT_ALERT_VALUE_STRING, PT_ALERT_VALUE_BOOL };

/** One podtap.evidence member. */
struct pt_alert_evidence {
	char key[32];
	uint8_t type;                    /* enum pt_alert_value_type */
	uint64_t u64;
	char str[256];                   /* cut at 255 bytes (an edge text fits: docs/detections.md) */
};

/** An alert as raised, before flood control; moved through rings by value. */
struct pt_alert {
	const struct pt_alert_rule *rule;
	uint64_t ts_ns;                  /* @timestamp: the triggering packet's time (wall time for sensor health) */
	uint8_t severity;                /* event.severity, 0..100 */
	char message[256];
	char dedup_key[128];             /* the destination part of the flood-control key (docs/alerts.md) */
	uint32_t n_evidence;
	struct pt_alert_evidence evidence[PT_ALERT_EVIDENCE_MAX];
	/* The flows involved (podtap.evidence.community_ids), when more than the alert's own flow (a scan's). */
	uint32_t n_flows;
	char flows[PT_ALERT_FLOWS_MAX][PT_FLOW_COMMUNITY_ID_LEN];
	bool has_flow;
	/* The flow the alert is about; its identities are references the alert holds (pt_alert_release()). */
	struct pt_flow_record flow;
};

/** Drop the references the alert holds. */
void pt_alert_release(struct pt_alert *a);

/** Add a podtap.evidence member; silently ignored past PT_ALERT_EVIDENCE_MAX (the key is cut at 31 bytes). */
void pt_alert_evidence_u64(struct pt_alert *a, const char *key, uint64_t value);
void pt_alert_evidence_string(struct pt_alert *a, const char *key, const char *value);
void pt_alert_evidence_bool(struct pt_alert *a, const char *key, bool value);

/* ---- ids ----------------------------------------------------------------------------------------------- */

/** A ULID: 26 Crockford base32 characters and a NUL. */
#define PT_ULID_LEN 27

/**
 * Make a ULID for time @p ts_ms (milliseconds since the epoch): 48 bits of time, 80 random bits; within one
 * millisecond each id is the previous one plus one, so ids from one generator sort in creation order.
 * Not thread-safe: one generator per thread. @return @p out.
 */
struct pt_ulid_gen {
	uint64_t last_ms;
	uint8_t rand[10];
};
const char *pt_ulid_make(struct pt_ulid_gen *g, uint64_t ts_ms, char out[PT_ULID_LEN]);

/* ---- flood control ------------------------------------------------------------------------------------- */

/** What pt_alert_throttle_check() decided. */
enum pt_alert_verdict {
	PT_ALERT_EMIT = 0,               /* a new alert: write it */
	PT_ALERT_MERGED,                 /* the same key within the window: counted into the open group */
	PT_ALERT_RATE_LIMITED,           /* the rule is over its rate: dropped and counted */
};

struct pt_alert_throttle_config {
	uint64_t window_ns;              /* alerts.dedup_window: one group per key for this long; 0 = no merging */
	uint32_t rate_per_minute;        /* alerts.rate_limit: per rule; 0 = unlimited */
	uint32_t burst;                  /* alerts.rate_burst: the bucket's size */
	uint32_t max_groups;             /* open groups kept; the oldest closes early when full */
};

struct pt_alert_throttle_stats {
	uint64_t emitted;
	uint64_t merged;
	uint64_t rate_limited;
	uint64_t updates;                /* groups closed with more than one alert: an alert_update written */
	uint64_t groups_open;
	uint64_t groups_evicted;         /* closed early because max_groups were open */
	uint64_t keys_cut;               /* keys longer than 319 bytes, cut (alerts that differ past it merge) */
};

/** A group of alerts with one key, as its update record reports it. */
struct pt_alert_group_info {
	char first_id[PT_ULID_LEN];      /* event.id of the alert that opened it */
	uint64_t count;
	uint64_t first_ns, last_ns;
	uint64_t suppressed;             /* of the rule, rate limited since its previous emitted alert */
	uint32_t n_flows;
	char flows[PT_ALERT_FLOWS_MAX][PT_FLOW_COMMUNITY_ID_LEN];   /* community ids of the flows merged in */
};

struct pt_alert_throttle;

/** Called for a group that closes with more than one alert: @p first opened it, @p g counts them all. */
typedef void (*pt_alert_group_fn)(void *ctx, const struct pt_alert *first, const struct pt_alert_group_info *g);

/** @return the throttle, or NULL when out of memory or max_groups is 0. */
struct pt_alert_throttle *pt_alert_throttle_create(const struct pt_alert_throttle_config *cfg);

/** Free it, releasing the alerts of open groups; NULL is a no-op. */
void pt_alert_throttle_free(struct pt_alert_throttle *t);

/**
 * Decide about alert @p a (time a->ts_ns); call pt_alert_throttle_expire() with that time first. The key is the
 * rule, the source workload (or address) and a->dedup_key. An open group of the key counts it (PT_ALERT_MERGED).
 * Otherwise the rule's rate decides: PT_ALERT_RATE_LIMITED, or PT_ALERT_EMIT, and the caller writes the alert
 * with id @p id; when merging is on, the throttle keeps a copy (with its own references) that opens a group,
 * closing the oldest group through @p fn when max_groups are open. @p info says, for an emitted alert, how
 * many of the rule's alerts the rate limit dropped since its previous one.
 */
enum pt_alert_verdict pt_alert_throttle_check(struct pt_alert_throttle *t, const struct pt_alert *a, const char *id,
					      struct pt_alert_group_info *info, pt_alert_group_fn fn, void *ctx);

/**
 * Close the groups whose window ended by @p now_ns (every group when @p all); each that counted more than one
 * alert goes to @p fn (to write an alert_update). Groups close in the order they opened. @return groups closed.
 */
uint32_t pt_alert_throttle_expire(struct pt_alert_throttle *t, uint64_t now_ns, bool all, pt_alert_group_fn fn,
				  void *ctx);

void pt_alert_throttle_stats(const struct pt_alert_throttle *t, struct pt_alert_throttle_stats *st);

/* ---- JSON ---------------------------------------------------------------------------------------------- */

/** What the control side adds when it writes an alert. */
struct pt_alert_context {
	const char *id;                              /* event.id */
	const char *observer_name;                   /* observer.name */
	const char *destination_domain;              /* from the sensor's DNS cache, or NULL */
	const struct pt_alert_group_info *group;     /* for an alert_update, or for the suppressed count; or NULL */
	bool update;                                 /* an alert_update: a group closed with group->count alerts */
	bool omit_labels;                            /* leave kubernetes.labels out (too long with them) */
};

/** Write alert @p a as one line of ECS JSON (docs/alerts.md) into @p j. */
void pt_alert_format(struct pt_json *j, const struct pt_alert *a, const struct pt_alert_context *ctx);

/* ---- the spool ----------------------------------------------------------------------------------------- */

/*
 * Every alert bound for Redis waits here until Redis has it: appended (and synced) before it is sent, and
 * acknowledged after. One thread uses a spool. Files in the directory: spool.log (records: header, CRC-32,
 * JSON) and spool.ack (the last delivered sequence, in two alternating checksummed slots).
 */
struct pt_alert_spool;

struct pt_alert_spool_stats {
	uint64_t pending;                /* alerts waiting */
	uint64_t pending_bytes;
	uint64_t max_bytes;
	uint64_t appended;
	uint64_t acked;
	uint64_t dropped;                /* lowest-severity alerts dropped because the spool was full */
	uint64_t dropped_since_report;   /* of which pt_alert_spool_take_dropped() has not reported yet */
	uint64_t recovered;              /* pending alerts found at open (left by an earlier run) */
	uint64_t truncated_bytes;        /* a torn or corrupt tail cut at open */
	uint64_t rewrites;               /* the log rewritten without dropped or delivered alerts */
	uint64_t fsyncs;
	uint64_t errors;                 /* failed reads, writes or syncs */
};

/**
 * Open (creating the directory and files if needed), lock it against other processes (flock), and recover:
 * records after the acknowledged sequence are pending again, a torn or corrupt tail is cut.
 * @return the spool, or NULL with a one-line reason in @p err.
 */
struct pt_alert_spool *pt_alert_spool_open(const char *dir, uint64_t max_bytes, char *err, size_t err_len);

/** Close; NULL is a no-op. */
void pt_alert_spool_close(struct pt_alert_spool *sp);

/**
 * Append one alert (durable after pt_alert_spool_sync()). When the spool would exceed its cap, the lowest
 * severity alerts are dropped first, newest first among equals (counted); the new alert itself when every
 * lower one would not make room. Once an alert of severity S was dropped, alerts of severity S or less are
 * refused until acknowledgements bring the spool down to half its cap, so that no kept alert ranks below a
 * dropped one.
 * @return 0 with its sequence in @p seq, -ENOSPC when the policy dropped it (counted), -EINVAL, -ENOMEM, or
 *         -EIO when the file system failed (a full disk included; counted in errors).
 */
int pt_alert_spool_append(struct pt_alert_spool *sp, const char *json, uint32_t len, uint8_t severity, uint64_t *seq);

/** Make every append so far durable (fdatasync). @return 0 or a negative errno. */
int pt_alert_spool_sync(struct pt_alert_spool *sp);

/** Alerts waiting. */
uint32_t pt_alert_spool_pending(const struct pt_alert_spool *sp);

/**
 * Read the @p index-th waiting alert (0 = the oldest) into @p buf with a NUL.
 * @return its length, -EINVAL for an index past the end, -ENOSPC when @p cap is too small, or an I/O error.
 */
int pt_alert_spool_read(struct pt_alert_spool *sp, uint32_t index, char *buf, size_t cap, uint64_t *seq,
			uint8_t *severity);

/** Every alert up to sequence @p seq was delivered: forget them durably. @return 0 or a negative errno. */
int pt_alert_spool_ack(struct pt_alert_spool *sp, uint64_t seq);

void pt_alert_spool_stats(const struct pt_alert_spool *sp, struct pt_alert_spool_stats *st);

/** Drops not reported yet (for the sensor_health alert), and reset that count. */
uint64_t pt_alert_spool_take_dropped(struct pt_alert_spool *sp);

#endif /* PT_ALERT_H */
