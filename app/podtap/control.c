/* SPDX-License-Identifier: BSD-3-Clause */
/* control.c - The control side: drain worker rings into the sinks, write counters, watch for idleness. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>

#include "podtap.h"

#define CONTROL_DRAIN_BATCH 4096   /* records per worker per call, so one busy worker cannot starve the rest */
#define CONTROL_GEO_INDEX_AFTER_MISSES 32768   /* GeoIP tree lookups of a -r run before its index is built */

static uint64_t control_packet_clock(const struct pt_control *ctl);
static uint64_t control_tsc_hz(const struct pt_control *ctl);

static int control_open_sink(const char *path, const char *what, struct pt_output_file **out, char *err, size_t err_len)
{
	char why[PT_CONFIG_ERR_LEN];

	*out = NULL;
	if (path == NULL || path[0] == '\0')
		return 0;
	*out = pt_output_file_open(path, why, sizeof(why));
	if (*out == NULL) {
		snprintf(err, err_len, "%s: cannot open %s", what, why);
		return -EIO;
	}
	return 0;
}

/* Which GeoIP databases the run uses: a missing or bad one is one warning, and records carry no such fields. */
static void control_describe_geo(const struct pt_control *ctl)
{
	static const enum pt_geo_kind kinds[] = { PT_GEO_COUNTRY, PT_GEO_ASN };
	const struct pt_geo_db *db = pt_geo_current(ctl->shared->geo);

	for (size_t i = 0; i < PT_ARRAY_SIZE(kinds); i++) {
		const char *desc = pt_geo_db_describe(db, kinds[i]);

		if (desc == NULL)
			pt_log(PT_LOG_INFO, "geo: no %s database configured", kinds[i] == PT_GEO_COUNTRY ? "country" : "ASN");
		else
			pt_log(pt_geo_db_loaded(db, kinds[i]) ? PT_LOG_INFO : PT_LOG_WARN, "geo: %s", desc);
	}
}

/*
 * A file is read in seconds: its first GeoIP handle's IPv4 index is built only once the trees have answered
 * enough misses that it pays (a miss costs a worker about 1 µs, the index about 75 ms of a core for the default
 * databases). A live run builds it at start (main.c).
 */
static void control_start_geo_index_when_it_pays(struct pt_control *ctl)
{
	uint64_t misses = 0;

	if (!ctl->geo_index_on_demand)
		return;
	for (uint32_t i = 0; i < ctl->n_workers; i++) {
		struct pt_geo_cache_stats gs;

		pt_geo_cache_stats(ctl->workers[i].geo_cache, &gs);
		misses += gs.misses;
	}
	if (misses < CONTROL_GEO_INDEX_AFTER_MISSES)
		return;
	ctl->geo_index_on_demand = false;
	pt_geo_start_index(ctl->shared->geo);
}

/* Each handle's IPv4 index is built beside the run (lib/geo): one line when it is ready, or when it cannot be. */
static void control_log_geo_index(struct pt_control *ctl)
{
	const struct pt_geo_db *db = pt_geo_current(ctl->shared->geo);
	const char *desc;

	if (db == NULL || pt_geo_db_generation(db) == ctl->geo_index_logged || pt_geo_db_index_pending(db))
		return;
	ctl->geo_index_logged = pt_geo_db_generation(db);
	desc = pt_geo_db_describe_index(db);
	if (desc != NULL)
		pt_log(pt_geo_db_indexed(db) ? PT_LOG_INFO : PT_LOG_WARN, "geo: %s", desc);
}

static struct pt_alert *control_detect_reserve(void *ctx)
{
	struct pt_control *ctl = ctx;

	return &ctl->detect_alert;
}

static void control_detect_commit(void *ctx)
{
	struct pt_control *ctl = ctx;

	ctl->detect_alerts_raised++;
	pt_alerts_raise(ctl->alerts, &ctl->detect_alert);
	pt_alert_release(&ctl->detect_alert);
}

/* The baselines and detections over every worker's records, and the baselines' Redis copy. */
static int control_detect_init(struct pt_control *ctl, char *err, size_t err_len)
{
	const struct pt_config *cfg = ctl->cfg;

	if (!cfg->baseline.enabled && !cfg->detect.scan.enabled)
		return 0;
	ctl->detect = pt_detect_engine_create(cfg, err, err_len);
	if (ctl->detect == NULL)
		return -EINVAL;
	if (cfg->baseline.enabled && cfg->redis.enabled) {
		ctl->baseline_sync = pt_baseline_sync_start(cfg, &ctl->shared->redis_url, ctl->observer_name,
							    pt_detect_engine_baseline(ctl->detect), err, err_len);
		if (ctl->baseline_sync == NULL) {
			pt_detect_engine_free(ctl->detect);
			ctl->detect = NULL;
			return -EINVAL;
		}
	}
	return 0;
}

/* Tell the engine of new capture loss: scan verdicts are held back. */
static void control_detect_tick(struct pt_control *ctl, const struct pt_output_counters *c)
{
	uint64_t lost = c->capture.imissed + c->capture.rx_nombuf + c->capture.sw_dropped + c->records_dropped;

	if (ctl->detect == NULL)
		return;
	if (lost > ctl->capture_lost_last)
		pt_detect_engine_capture_loss(ctl->detect, control_packet_clock(ctl));
	ctl->capture_lost_last = lost;
}

int pt_control_init(struct pt_control *ctl, const struct pt_config *cfg, const struct pt_options *opt,
		    struct pt_shared *shared, struct pt_worker *workers, uint32_t n_workers, struct pt_capture *capture,
		    char *err, size_t err_len)
{
	struct pt_dnscache_config dns_cfg;

	memset(ctl, 0, sizeof(*ctl));
	ctl->shared = shared;
	ctl->workers = workers;
	ctl->n_workers = n_workers;
	ctl->capture = capture;
	ctl->cfg = cfg;
	ctl->opt = opt;
	ctl->geo_index_on_demand = opt->pcap_file != NULL;
	if (cfg->sensor.name[0] != '\0')
		snprintf(ctl->observer_name, sizeof(ctl->observer_name), "%s", cfg->sensor.name);
	else if (gethostname(ctl->observer_name, sizeof(ctl->observer_name) - 1) != 0)
		snprintf(ctl->observer_name, sizeof(ctl->observer_name), "podtap");
	if (control_open_sink(cfg->output.flows, "--flows", &ctl->flows_out, err, err_len) != 0 ||
	    control_open_sink(cfg->output.alerts, "--alerts", &ctl->alerts_out, err, err_len) != 0 ||
	    control_open_sink(opt->stats_path, "--stats", &ctl->stats_out, err, err_len) != 0)
		goto close_sinks;
	if (cfg->redis.enabled) {
		ctl->redis = pt_output_redis_open(&shared->redis_url, cfg->redis.prefix, ctl->observer_name);
		if (ctl->redis == NULL) {
			snprintf(err, err_len, "out of memory for the Redis connection");
			goto close_sinks;
		}
	}
	dns_cfg = (struct pt_dnscache_config){ .entries = cfg->dns.cache_size, .ttl_floor_ns = cfg->dns.ttl_floor_ns,
					       .ttl_cap_ns = cfg->dns.ttl_cap_ns };
	ctl->dns = pt_dnscache_create(&dns_cfg);
	if (ctl->dns == NULL) {
		snprintf(err, err_len, "out of memory for a DNS cache of %u entries (dns.cache_size)", cfg->dns.cache_size);
		goto close_redis;
	}
	ctl->alerts = pt_alerts_create(cfg, cfg->redis.enabled ? &shared->redis_url : NULL, ctl->alerts_out,
				       ctl->observer_name, ctl->dns, err, err_len);
	if (ctl->alerts == NULL)
		goto free_dns;
	if (control_detect_init(ctl, err, err_len) != 0)
		goto free_alerts;
	control_describe_geo(ctl);
	ctl->started_mono_ns = pt_time_mono_ns();
	ctl->started_tsc = rte_rdtsc();
	ctl->next_geo_check_mono_ns = ctl->started_mono_ns + cfg->geo.reload_interval_ns;
	ctl->next_stats_mono_ns = cfg->stats.interval_ns ? ctl->started_mono_ns + cfg->stats.interval_ns : UINT64_MAX;
	return 0;

free_alerts:
	pt_alerts_free(ctl->alerts);
	ctl->alerts = NULL;
free_dns:
	pt_dnscache_free(ctl->dns);
close_redis:
	pt_output_redis_close(ctl->redis);
close_sinks:
	pt_output_file_close(ctl->flows_out);
	pt_output_file_close(ctl->alerts_out);
	pt_output_file_close(ctl->stats_out);
	return -EINVAL;
}

/* Every worker's DNS answers go into the cache before any record is written, so that a flow's record
 * finds the answer that preceded it whichever worker saw that answer. */
static void control_learn_dns(struct pt_control *ctl)
{
	for (uint32_t i = 0; i < ctl->n_workers; i++) {
		struct pt_spsc_ring *ring = ctl->workers[i].dns_answers;
		const struct pt_dns_answer *a;

		while ((a = pt_spsc_ring_peek(ring)) != NULL) {
			pt_dnscache_insert(ctl->dns, a->ip_version, a->addr, a->name, a->ttl_s, a->ts_ns);
			pt_spsc_ring_release(ring);
		}
	}
}

uint32_t pt_control_drain(struct pt_control *ctl)
{
	const struct pt_detect_sink sink = { .reserve = control_detect_reserve, .commit = control_detect_commit,
					     .ctx = ctl };
	uint32_t written = 0, waiting[PT_MAX_WORKERS];

	/*
	 * The records to write now are counted before the DNS answers are learnt: a worker commits an answer before
	 * the records of the flows that follow it, so every answer that preceded one of these records is in the cache
	 * when the record is written, however the worker threads run.
	 */
	for (uint32_t i = 0; i < ctl->n_workers; i++)
		waiting[i] = pt_spsc_ring_count(ctl->workers[i].records);
	control_learn_dns(ctl);
	/* Alerts first: they are what the sensor is for, and a record's lateness costs nothing. */
	if (ctl->alerts != NULL)
		pt_alerts_drain(ctl->alerts, ctl->workers, ctl->n_workers);
	for (uint32_t i = 0; i < ctl->n_workers; i++) {
		struct pt_spsc_ring *ring = ctl->workers[i].records;
		struct pt_flow_record *rec;

		/* The record is ours until released: its identity references are dropped once it is written. */
		for (uint32_t k = 0; k < CONTROL_DRAIN_BATCH && k < waiting[i] &&
				     (rec = (struct pt_flow_record *)pt_spsc_ring_peek(ring)) != NULL;
		     k++) {
			bool formatted = ctl->flows_out != NULL || ctl->cfg->redis.flows_stream;
			const char *domain = NULL;

			if (ctl->detect != NULL || formatted)
				domain = pt_dnscache_lookup(ctl->dns, rec->flow.key.ip_version, pt_flow_resp_addr(&rec->flow),
							    rec->flow.first_ns);
			if (ctl->detect != NULL)
				pt_detect_engine_record(ctl->detect, rec, domain, &sink);
			if (formatted) {
				struct pt_json j;
				int len;

				struct pt_flow_context fctx = { .observer_name = ctl->observer_name,
								.destination_domain = domain };

				pt_json_init(&j, ctl->line, sizeof(ctl->line));
				pt_output_format_flow(&j, rec, &fctx);
				len = pt_json_finish(&j);
				if (len < 0) {
					/* Labels are the only unbounded part (up to 256 a side): write the record without. */
					fctx.omit_labels = true;
					pt_json_init(&j, ctl->line, sizeof(ctl->line));
					pt_output_format_flow(&j, rec, &fctx);
					len = pt_json_finish(&j);
					if (len > 0)
						ctl->records_labels_omitted++;
					else
						ctl->records_too_long++;
				}
				if (len > 0 && ctl->flows_out != NULL)
					pt_output_file_write(ctl->flows_out, ctl->line, (size_t)len);
				if (len > 0 && ctl->cfg->redis.flows_stream)
					pt_alerts_flow_record(ctl->alerts, ctl->line, (uint32_t)len);
			}
			pt_flow_record_release(rec);
			pt_spsc_ring_release(ring);
			written++;
		}
	}
	ctl->records_written += written;
	return written;
}

static void control_detect_counters(const struct pt_control *ctl, struct pt_output_detect_counters *d)
{
	struct pt_detect_engine_stats st;

	pt_detect_engine_stats(ctl->detect, &st);
	*d = (struct pt_output_detect_counters){
		.enabled = true, .records = st.records, .edges_checked = st.edges_checked, .edges_new = st.edges_new,
		.workloads = st.baseline.workloads, .edges = st.baseline.edges, .learned = st.baseline.learned,
		.merged = st.baseline.merged, .edges_refused = st.baseline.edges_refused,
		.workloads_refused = st.baseline.workloads_refused, .forgotten = st.baseline.forgotten,
		.scan_attempts = st.scan_attempts, .scan_exempt = st.scan_exempt, .scan_lossy = st.scan_lossy,
		.scan_suppressed = st.scan_suppressed, .psl_fallbacks = st.psl_fallbacks,
		.scan_sources = st.scan_sources, .scan_sources_evicted = st.scan_sources_evicted,
		.scan_findings = { st.scan_findings[0], st.scan_findings[1], st.scan_findings[2] },
	};
	if (ctl->baseline_sync != NULL || ctl->baseline_sync_stopped) {
		struct pt_baseline_sync_stats ss = ctl->baseline_sync_final;

		if (ctl->baseline_sync != NULL)
			pt_baseline_sync_stats(ctl->baseline_sync, &ss);
		d->sync = true;
		d->sync_redis_up = ss.redis_up;
		d->sync_loaded = ss.loaded;
		d->sync_written = ss.written;
		d->sync_write_dropped = ss.write_dropped;
		d->sync_changes_applied = ss.changes_applied;
		d->sync_changes_malformed = ss.changes_malformed;
		d->sync_reconnects = ss.reconnects;
	}
}

void pt_control_sum_counters(const struct pt_control *ctl, struct pt_output_counters *c)
{
	memset(c, 0, sizeof(*c));
	c->n_workers = ctl->n_workers < PT_OUTPUT_MAX_WORKERS ? ctl->n_workers : PT_OUTPUT_MAX_WORKERS;
	c->tsc_hz = control_tsc_hz(ctl);
	c->records_labels_omitted = ctl->records_labels_omitted;
	c->records_too_long = ctl->records_too_long;
	for (uint32_t i = 0; i < ctl->n_workers; i++) {
		const struct pt_worker *w = &ctl->workers[i];
		struct pt_flow_stats fs;

		c->packets += w->packets;
		c->bytes += w->bytes;
		for (int r = 0; r < PT_DECODE_RESULT_MAX; r++)
			c->decode[r] += w->decode[r];
		c->fragments_unmatched += w->fragments_unmatched;
		c->records_dropped += w->records_dropped;
		c->clock_outliers += w->clock_outliers;
		c->dns_answers_dropped += w->dns_answers_dropped;
		c->identity.lookups += w->identity_lookups;
		c->identity.found += w->identity_found;
		c->alerts.raised += w->alerts_raised;
		c->alerts.ring_dropped += w->alerts_dropped;
		if (i < PT_OUTPUT_MAX_WORKERS)
			c->workers[i] = (struct pt_output_worker_counters){
				.packets = w->packets, .polls_busy = w->polls_busy, .polls_idle = w->polls_idle,
				.cycles_busy = w->cycles_busy, .cycles_rx = w->cycles_rx, .preempted = w->preempted,
				.poll_gap_max = w->poll_gap_max, .shed_episodes = w->shed_episodes, .shedding = w->shedding,
			};
		if (w->geo_cache != NULL) {
			struct pt_geo_cache_stats gs;

			pt_geo_cache_stats(w->geo_cache, &gs);
			c->geo.lookups += gs.lookups;
			c->geo.hits += gs.hits;
			c->geo.network_hits += gs.network_hits;
			c->geo.misses += gs.misses;
			c->geo.errors += gs.errors;
			c->geo.indexed += gs.indexed;
		}
		pt_flow_table_stats(w->flows, &fs);
		if (w->dpi != NULL) {
			struct pt_dpi_stats ds;

			pt_dpi_stats(w->dpi, &ds);
			pt_dpi_stats_add(&c->dpi, &ds);
		}
		c->flows.created += fs.created;
		c->flows.active += fs.active;
		if (i < PT_OUTPUT_MAX_WORKERS)
			c->workers[i].flows_created = fs.created;
		for (int e = 0; e < PT_FLOW_EVENT_MAX; e++)
			c->flows.ended[e] += fs.ended[e];
	}
	if (ctl->shared->identity_sync != NULL) {
		uint64_t lookups = c->identity.lookups, found = c->identity.found;

		pt_identity_sync_counters(ctl->shared->identity_sync, &c->identity);
		c->identity.lookups = lookups;
		c->identity.found = found;
	}
	if (ctl->alerts != NULL) {
		uint64_t raised = c->alerts.raised, ring_dropped = c->alerts.ring_dropped;

		pt_alerts_counters(ctl->alerts, &c->alerts);
		c->alerts.raised = raised;
		c->alerts.ring_dropped = ring_dropped;
	}
	c->alerts.raised += ctl->detect_alerts_raised;
	if (ctl->detect != NULL)
		control_detect_counters(ctl, &c->detect);
	if (ctl->capture != NULL)
		pt_capture_stats(ctl->capture, &c->capture);
	if (ctl->dns != NULL)
		pt_dnscache_stats(ctl->dns, &c->dns);
}

/* The TSC frequency: the EAL's calibration in DPDK mode, else measured against the monotonic clock since start. */
static uint64_t control_tsc_hz(const struct pt_control *ctl)
{
	uint64_t ns = pt_time_mono_ns() - ctl->started_mono_ns, cycles = rte_rdtsc() - ctl->started_tsc;

	if (rte_get_tsc_hz() != 0)
		return rte_get_tsc_hz();
	return ns >= PT_NS_PER_SEC / 1000 ? (uint64_t)((double)cycles * 1e9 / (double)ns) : 0;
}

/* The newest packet time any worker has seen (workers write it, the control side only reads: a read may be stale). */
static uint64_t control_packet_clock(const struct pt_control *ctl)
{
	uint64_t newest = 0;

	for (uint32_t i = 0; i < ctl->n_workers; i++)
		if (ctl->workers[i].now_ns > newest)
			newest = ctl->workers[i].now_ns;
	return newest;
}

/* Say so, once per interval, when the sensor starts losing something; the counters carry the totals. */
static void control_warn_losses(struct pt_control *ctl, const struct pt_output_counters *c)
{
	const struct pt_output_counters *prev = &ctl->last_counters;
	uint64_t evicted = c->flows.ended[PT_FLOW_EVENT_END_EVICTED] - prev->flows.ended[PT_FLOW_EVENT_END_EVICTED];
	uint64_t missed = (c->capture.imissed + c->capture.rx_nombuf + c->capture.sw_dropped) -
			  (prev->capture.imissed + prev->capture.rx_nombuf + prev->capture.sw_dropped);

	if (evicted > 0)
		pt_log(PT_LOG_WARN, "flow table full: %" PRIu64 " flows evicted since the last report; raise flow.max_flows",
		       evicted);
	if (c->records_dropped > prev->records_dropped)
		pt_log(PT_LOG_WARN, "%" PRIu64 " flow records dropped: output cannot keep up (flow.record_ring_size)",
		       c->records_dropped - prev->records_dropped);
	if (missed > 0)
		pt_log(PT_LOG_WARN, "capture lost %" PRIu64 " packets since the last report (imissed, rx_nombuf, sw_dropped)",
		       missed);
	ctl->last_counters = *c;
}

/* The counters go to --stats and to the sensor's status hash in Redis. */
static void control_publish_counters(struct pt_control *ctl)
{
	struct pt_output_counters c;
	struct pt_json j;
	uint64_t now = pt_time_wall_ns();
	int len;

	pt_control_sum_counters(ctl, &c);
	control_warn_losses(ctl, &c);
	if (ctl->stats_out == NULL && ctl->redis == NULL)
		return;
	pt_json_init(&j, ctl->stats_line, sizeof(ctl->stats_line));
	pt_output_format_counters(&j, &c, now, ctl->observer_name);
	len = pt_json_finish(&j);
	if (len <= 0)
		return;
	if (ctl->stats_out != NULL) {
		pt_output_file_write(ctl->stats_out, ctl->stats_line, (size_t)len);
		pt_output_file_flush(ctl->stats_out);
	}
	if (ctl->redis != NULL)
		ctl->redis_published = pt_output_redis_publish_status(ctl->redis, ctl->stats_line, now) == 0;
}

/* A GeoIP database replaced on disk is opened and published to the workers; the old one goes once they moved on. */
static void control_check_geo(struct pt_control *ctl, uint64_t now)
{
	char msg[PT_GEO_INFO_LEN];
	int rc;

	control_start_geo_index_when_it_pays(ctl);
	control_log_geo_index(ctl);
	if (ctl->cfg->geo.reload_interval_ns == 0 || now < ctl->next_geo_check_mono_ns)
		return;
	ctl->next_geo_check_mono_ns = now + ctl->cfg->geo.reload_interval_ns;
	msg[0] = '\0';
	rc = pt_geo_reload_check(ctl->shared->geo, msg, sizeof(msg));
	if (rc > 0)
		pt_log(PT_LOG_INFO, "geo: %s", msg);
	else if (rc < 0 && msg[0] != '\0')
		pt_log(PT_LOG_WARN, "geo: %s", msg);
}

void pt_control_tick(struct pt_control *ctl)
{
	uint64_t now = pt_time_mono_ns();

	control_check_geo(ctl, now);
	pt_geo_reclaim(ctl->shared->geo);
	/* Other writers' changes applied every 100 ms, and edges handed to Redis every baseline.sync_interval. */
	if (ctl->baseline_sync != NULL && now >= ctl->next_baseline_step_mono_ns) {
		ctl->next_baseline_step_mono_ns = now + PT_NS_PER_SEC / 10;
		pt_baseline_sync_step(ctl->baseline_sync, pt_detect_engine_baseline(ctl->detect));
	}

	if (ctl->alerts != NULL && now >= ctl->next_health_mono_ns) {
		struct pt_output_counters c;

		ctl->next_health_mono_ns = now + PT_NS_PER_SEC;
		pt_control_sum_counters(ctl, &c);
		pt_alerts_tick(ctl->alerts, &c, pt_time_wall_ns(), control_packet_clock(ctl));
		control_detect_tick(ctl, &c);
	}
	if (now < ctl->next_stats_mono_ns)
		return;
	ctl->next_stats_mono_ns = now + ctl->cfg->stats.interval_ns;
	control_publish_counters(ctl);
	if (ctl->flows_out != NULL)
		pt_output_file_flush(ctl->flows_out);
}

bool pt_control_count_reached(const struct pt_control *ctl)
{
	uint64_t packets = 0;

	if (ctl->opt->max_packets == 0)
		return false;
	for (uint32_t i = 0; i < ctl->n_workers; i++)
		packets += ctl->workers[i].packets;
	return packets >= ctl->opt->max_packets;
}

bool pt_control_idle_expired(const struct pt_control *ctl)
{
	uint64_t newest = 0, now = pt_time_mono_ns();

	if (ctl->opt->exit_idle_ns == 0)
		return false;
	for (uint32_t i = 0; i < ctl->n_workers; i++) {
		uint64_t t = atomic_load_explicit(&ctl->workers[i].last_packet_mono_ns, memory_order_relaxed);

		if (t > newest)
			newest = t;
	}
	return now > newest && now - newest >= ctl->opt->exit_idle_ns;
}

int pt_control_fini(struct pt_control *ctl)
{
	struct pt_output_counters c;
	int rc = 0;

	if (ctl->alerts != NULL) {
		/* A last look at the sensor's health, so that a short run reports its losses too. */
		pt_control_sum_counters(ctl, &c);
		pt_alerts_tick(ctl->alerts, &c, pt_time_wall_ns(), control_packet_clock(ctl));
	}
	pt_alerts_finish(ctl->alerts);
	if (ctl->baseline_sync != NULL) {
		pt_baseline_sync_step(ctl->baseline_sync, pt_detect_engine_baseline(ctl->detect));
		pt_baseline_sync_stop(ctl->baseline_sync, pt_detect_engine_baseline(ctl->detect), &ctl->baseline_sync_final);
		ctl->baseline_sync = NULL;
		ctl->baseline_sync_stopped = true;
	}
	control_publish_counters(ctl);
	pt_control_sum_counters(ctl, &c);
	pt_log(PT_LOG_INFO, "%" PRIu64 " packets, %" PRIu64 " flows, %" PRIu64 " records written, %" PRIu64
	       " dropped; capture missed %" PRIu64 ", no mbuf %" PRIu64,
	       c.packets, c.flows.created, ctl->records_written - ctl->records_too_long,
	       c.records_dropped + c.records_too_long, c.capture.imissed, c.capture.rx_nombuf);
	if (c.alerts.written > 0 || c.alerts.spool_pending > 0)
		pt_log(PT_LOG_INFO, "%" PRIu64 " alerts written (%" PRIu64 " more merged into them, %" PRIu64
		       " rate limited)", c.alerts.written, c.alerts.merged, c.alerts.rate_limited);
	if (c.alerts.redis && (c.alerts.written > 0 || c.alerts.spool_pending > 0))
		pt_log(c.alerts.spool_pending ? PT_LOG_WARN : PT_LOG_INFO, "alerts: %" PRIu64 " delivered to redis, %" PRIu64
		       " waiting in the spool %s for the next run", c.alerts.delivered, c.alerts.spool_pending,
		       ctl->cfg->alerts.spool_dir);
	rc |= pt_output_file_close(ctl->flows_out);
	rc |= pt_output_file_close(ctl->alerts_out);
	rc |= pt_output_file_close(ctl->stats_out);
	if (rc != 0) {
		pt_log(PT_LOG_ERR, "writing an output file failed: records may be incomplete");
		rc = -EIO;
	}
	if (ctl->redis_published)
		pt_log(PT_LOG_INFO, "sensor status in redis: HGETALL %s", pt_output_redis_key(ctl->redis));
	pt_output_redis_close(ctl->redis);
	ctl->redis = NULL;
	pt_alerts_free(ctl->alerts);
	ctl->alerts = NULL;
	pt_detect_engine_free(ctl->detect);
	ctl->detect = NULL;
	pt_dnscache_free(ctl->dns);
	ctl->dns = NULL;
	ctl->flows_out = ctl->alerts_out = ctl->stats_out = NULL;
	return rc;
}
