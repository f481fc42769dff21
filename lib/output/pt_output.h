/* SPDX-License-Identifier: BSD-3-Clause */
/* pt_output.h - Flow records and counters as ECS JSON lines, and the sinks they go to (files, stdout, Redis). */
#ifndef PT_OUTPUT_H
#define PT_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pt_capture.h"
#include "pt_decode.h"
#include "pt_dnscache.h"
#include "pt_dpi.h"
#include "pt_flow.h"
#include "pt_geo.h"
#include "pt_identity.h"

/** What a worker hands to the control side for each record: a snapshot of the flow and why. */
struct pt_flow_record {
	struct pt_flow flow;
	uint64_t now_ns;        /* packet-clock time the record was produced */
	uint8_t event;          /* enum pt_flow_event */
	uint8_t orig_scope;     /* enum pt_identity_scope of the originator */
	uint8_t resp_scope;     /* and of the responder */
	struct pt_geo_result geo[2];   /* [0] originator, [1] responder: looked up for external sides only */
	bool has_dpi;                  /* dpi holds the flow's classification */
	bool has_identity;             /* the workload table is followed: podtap.identity is written */
	uint8_t workload_match[2];     /* enum pt_workload_match of each side */
	uint64_t identity_generation;  /* of the table the flow's identities came from; 0 = none published yet */
	/* [0] originator, [1] responder: the identity each side had when the flow started, or NULL. Each is a
	 * reference the record holds: whoever consumes the record calls pt_flow_record_release(). */
	struct pt_workload *workload[2];
	struct pt_dpi_result dpi;
};

/** Drop the references a record holds (its identities). */
static inline void pt_flow_record_release(struct pt_flow_record *rec)
{
	pt_workload_release(rec->workload[0]);
	pt_workload_release(rec->workload[1]);
	rec->workload[0] = rec->workload[1] = NULL;
}

/** Workers reported one by one in the counters, at most. */
#define PT_OUTPUT_MAX_WORKERS 128

/** One worker's load: how busy its lcore is and what a packet costs it, in TSC cycles. */
struct pt_output_worker_counters {
	uint64_t packets;
	uint64_t flows_created;
	uint64_t polls_busy;        /* polls that received packets */
	uint64_t polls_idle;        /* polls that received none */
	uint64_t cycles_busy;       /* TSC cycles of busy polls, receive to timer work */
	uint64_t cycles_rx;         /* of which in the capture source's receive call */
	uint64_t preempted;         /* involuntary context switches of the worker's thread */
	uint64_t poll_gap_max;      /* the longest time between the starts of two polls, in TSC cycles */
	uint64_t shed_episodes;     /* times the worker started shedding new flows' DPI (dpi.shed_backlog_percent) */
	bool shedding;              /* it is shedding now */
};

/** The workload table and its Redis sync. */
struct pt_output_identity_counters {
	bool enabled;                              /* the table is followed; else nothing is reported */
	bool redis_up;                             /* connected to Redis right now */
	bool degraded;                             /* Redis refuses a command (wrong key type, ACL): partial table */
	struct pt_workloads_stats table;
	uint64_t stream_entries;                   /* change-stream entries read */
	uint64_t malformed_changes;                /* of which lacked op, ip/cidr or identity */
	uint64_t resyncs;                          /* full reloads from the hashes */
	uint64_t reconnects;                       /* connections made after a lost one */
	uint64_t stream_gaps;                      /* resyncs because the stream lost entries not yet read */
	uint64_t refused;                          /* commands Redis answered with an error */
	uint64_t lookups;                          /* flow starts looked up by the workers */
	uint64_t found;                            /* of which found an identity on at least one side */
};

/** The alert pipeline (docs/alerts.md). */
struct pt_output_alert_counters {
	bool enabled;
	bool redis;                                /* alerts go to Redis (through the spool) */
	bool redis_tried;                          /* the first connection attempt is over */
	bool redis_up;
	uint64_t raised;                           /* by the detectors, before flood control */
	uint64_t ring_dropped;                     /* lost between a worker and the control side */
	uint64_t written;                          /* alerts and alert updates written */
	uint64_t merged;                           /* counted into an open group instead */
	uint64_t rate_limited;                     /* dropped by their rule's rate */
	uint64_t updates;                          /* alert_update records written */
	uint64_t groups_open;
	uint64_t too_long;                         /* did not fit PT_ALERT_JSON_MAX: not written */
	uint64_t labels_omitted;                   /* written without kubernetes.labels to fit */
	uint64_t spool_failed;                     /* could not be spooled (file system error): file only */
	uint64_t delivered;                        /* Redis has them */
	uint64_t reconnects, confirmed, refused, spool_errors;
	uint64_t spool_pending, spool_bytes, spool_dropped, spool_recovered, spool_truncated_bytes;
	bool flows_stream;                         /* redis.flows_stream */
	uint64_t flows_sent, flows_dropped;        /* flow records to <prefix>flows, and lost on the way */
};

/** Baselines and the control side's detections (docs/detections.md#counters). */
struct pt_output_detect_counters {
	bool enabled;
	uint64_t records, edges_checked, edges_new;
	uint64_t workloads, edges, learned, merged, edges_refused, workloads_refused, forgotten;
	uint64_t scan_attempts, scan_exempt, scan_lossy, scan_suppressed, scan_sources, scan_sources_evicted;
	uint64_t psl_fallbacks;
	uint64_t scan_findings[3];                 /* vertical, horizontal, slow */
	bool sync;                                 /* baselines are kept in Redis */
	bool sync_redis_up;
	uint64_t sync_loaded, sync_written, sync_write_dropped, sync_changes_applied, sync_changes_malformed;
	uint64_t sync_reconnects;
};

/** Every counter podtap reports, summed over workers. */
struct pt_output_counters {
	uint64_t packets;                          /* frames handed to decode */
	uint64_t bytes;
	uint64_t decode[PT_DECODE_RESULT_MAX];     /* per result; [PT_DECODE_OK] = decoded */
	uint64_t fragments_unmatched;              /* later fragments whose first fragment was not seen */
	uint64_t records_dropped;                  /* flow records lost because a worker's ring was full */
	uint64_t records_labels_omitted;           /* written without kubernetes.labels: too long with them */
	uint64_t records_too_long;                 /* not written: too long even without labels */
	uint64_t clock_outliers;                   /* packets whose time was too far ahead to move the clock */
	uint64_t dns_answers_dropped;              /* DNS answers lost on their way to the sensor's cache */
	struct pt_dnscache_stats dns;              /* the sensor's IP-to-name cache */
	struct pt_dpi_stats dpi;                   /* classification, summed over workers */
	struct pt_geo_cache_stats geo;             /* GeoIP lookups, summed over the workers' caches */
	struct pt_flow_stats flows;
	struct pt_capture_stats capture;
	struct pt_output_identity_counters identity;
	struct pt_output_alert_counters alerts;
	struct pt_output_detect_counters detect;
	uint64_t tsc_hz;                           /* TSC frequency the cycle counts are in (0 = not known yet) */
	uint32_t n_workers;
	struct pt_output_worker_counters workers[PT_OUTPUT_MAX_WORKERS];
};

/**
 * A JSON writer over a fixed buffer; overflow is sticky and reported by pt_json_finish. Keys are written
 * as given, unescaped: pass literal ASCII names (ECS field names). Values are escaped, and kept valid UTF-8.
 */
struct pt_json {
	char *buf;
	size_t cap;
	size_t len;
	bool overflow;
	bool need_comma;
};

void pt_json_init(struct pt_json *j, char *buf, size_t cap);
void pt_json_begin_object(struct pt_json *j, const char *key);   /* key NULL at top level / in arrays */
void pt_json_end_object(struct pt_json *j);
void pt_json_begin_array(struct pt_json *j, const char *key);
void pt_json_end_array(struct pt_json *j);
void pt_json_string(struct pt_json *j, const char *key, const char *value);  /* escaped */
/** A member whose key comes from data (a Kubernetes label): the key is escaped like a value. */
void pt_json_string_data_key(struct pt_json *j, const char *key, const char *value);
void pt_json_u64(struct pt_json *j, const char *key, uint64_t value);
void pt_json_bool(struct pt_json *j, const char *key, bool value);
/** NUL-terminate. @return the length, or -ENOSPC if the buffer overflowed. */
int pt_json_finish(struct pt_json *j);

/** What the control side knows about a record beyond what the worker sent. */
struct pt_flow_context {
	const char *observer_name;        /* observer.name */
	const char *destination_domain;   /* destination.domain from the sensor's DNS cache, or NULL */
	bool omit_labels;                 /* leave kubernetes.labels out (the record did not fit with them) */
};

/** Write one flow record as a single-line ECS JSON object (no newline) into @p j. */
void pt_output_format_flow(struct pt_json *j, const struct pt_flow_record *rec, const struct pt_flow_context *ctx);

/* The parts of a flow record, for other documents about a flow (alerts): written into the open object. */
/** source, destination, network and the DPI objects (tls, dns, url, http, user_agent). */
void pt_output_format_flow_sides(struct pt_json *j, const struct pt_flow_record *rec, const struct pt_flow_context *ctx);
/** Members of podtap: flow, tunnel, icmp, identity, dpi (the caller opens and closes "podtap"). */
void pt_output_format_flow_podtap(struct pt_json *j, const struct pt_flow_record *rec, const struct pt_flow_context *ctx);
/** observer: name, type "sensor", product "podtap". */
void pt_output_format_observer(struct pt_json *j, const char *observer_name);
/** An RFC 3339 UTC time with microseconds. */
void pt_output_format_time(struct pt_json *j, const char *key, uint64_t ns);

/** Write the counters as one JSON metric object (event.kind "metric", dataset "podtap.stats"). */
void pt_output_format_counters(struct pt_json *j, const struct pt_output_counters *c, uint64_t now_ns,
			       const char *observer_name);

/** A line-oriented file sink: a path, or "-" for stdout. */
struct pt_output_file;

/**
 * Open a JSON-lines file for appending (created if missing), as Zeek and Suricata logs are.
 * @return the sink, or NULL with a one-line reason in @p err.
 */
struct pt_output_file *pt_output_file_open(const char *path, char *err, size_t err_len);

/** Append one line (a newline is added). @return 0 or -errno (the error is also remembered). */
int pt_output_file_write(struct pt_output_file *f, const char *line, size_t len);

/** Flush buffered lines to the kernel. @return 0 or -errno. */
int pt_output_file_flush(struct pt_output_file *f);

/** Flush and close; NULL is a no-op. @return 0 or the first write error seen. */
int pt_output_file_close(struct pt_output_file *f);

/* ---- Redis ------------------------------------------------------------------------------------- */

#define PT_REDIS_FIELD_LEN 256

/** A parsed redis:// or unix:// URL. */
struct pt_redis_url {
	char host[PT_REDIS_FIELD_LEN];
	int port;
	char socket_path[PT_REDIS_FIELD_LEN];   /* set for unix:///path */
	char user[128];                         /* ACL user, "" for the default user */
	char password[128];                     /* "" for no AUTH */
	int db;
};

/**
 * Parse redis://[[user]:password@]host[:port][/db] (IPv6 hosts in brackets) or unix:///path.
 * @return 0, or -EINVAL with a one-line reason in @p err.
 */
int pt_redis_url_parse(const char *text, struct pt_redis_url *url, char *err, size_t err_len);

struct redisContext;

/**
 * Connect to the server of @p url, then AUTH (as the URL's ACL user, or with the password alone) and SELECT its
 * database. Connect, read and write time out after @p timeout_ms.
 * @return a hiredis context (redisFree() it), or NULL with a one-line reason in @p err.
 */
struct redisContext *pt_redis_connect(const struct pt_redis_url *url, int timeout_ms, char *err, size_t err_len);

/** "host:port", "[v6]:port" or the socket path, for logs. @return @p buf. */
const char *pt_redis_url_describe(const struct pt_redis_url *url, char *buf, size_t len);

/** The sensor's status in Redis: HASH <prefix>sensor:<name> with fields version, updated and stats. */
struct pt_output_redis;

/** Create the sink; it connects lazily. @return NULL only when out of memory. */
struct pt_output_redis *pt_output_redis_open(const struct pt_redis_url *url, const char *prefix, const char *sensor);

/**
 * Write the counters JSON into the status hash, connecting (with AUTH/SELECT) if needed. When Redis is
 * unreachable it logs once, backs off (1 s doubling to 60 s) and returns without blocking longer than 0.5 s.
 * @return 0, -EAGAIN while backing off or unreachable, -EIO when a command failed.
 */
int pt_output_redis_publish_status(struct pt_output_redis *r, const char *counters_json, uint64_t wall_ns);

/** The status hash's key, e.g. "podtap:sensor:demo". */
const char *pt_output_redis_key(const struct pt_output_redis *r);

/** Disconnect and free; NULL is a no-op. */
void pt_output_redis_close(struct pt_output_redis *r);

#endif /* PT_OUTPUT_H */
