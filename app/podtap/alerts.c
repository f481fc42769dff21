/* SPDX-License-Identifier: BSD-3-Clause */
/* alerts.c - The control side's alert pipeline: drain the workers' rings, flood control, ids, JSON, file and spool; sensor health. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "podtap.h"

#define ALERTS_MAX_GROUPS 4096

static const struct pt_alert_rule rule_capture_loss = {
	"podtap.health.capture_loss", "Capture is losing packets", PT_ALERT_SENSOR_HEALTH,
};
static const struct pt_alert_rule rule_flow_table_full = {
	"podtap.health.flow_table_full", "Flow table full: flows evicted", PT_ALERT_SENSOR_HEALTH,
};
static const struct pt_alert_rule rule_dpi_shed = {
	"podtap.health.dpi_shed", "Overload: new flows not classified", PT_ALERT_SENSOR_HEALTH,
};
static const struct pt_alert_rule rule_redis_unreachable = {
	"podtap.health.redis_unreachable", "Redis unreachable: alerts wait in the spool", PT_ALERT_SENSOR_HEALTH,
};
static const struct pt_alert_rule rule_redis_back = {
	"podtap.health.redis_back", "Redis reachable again", PT_ALERT_SENSOR_HEALTH,
};
static const struct pt_alert_rule rule_table_stale = {
	"podtap.health.workload_table_stale", "Workload table stale: identities may be out of date",
	PT_ALERT_SENSOR_HEALTH,
};
static const struct pt_alert_rule rule_alerts_dropped = {
	"podtap.health.alerts_dropped", "Alerts dropped", PT_ALERT_SENSOR_HEALTH,
};

struct pt_alerts {
	const struct pt_config *cfg;
	const char *observer_name;
	struct pt_dnscache *dns;
	struct pt_output_file *file;                /* --alerts, or NULL */
	struct pt_alert_sender *sender;             /* Redis through the spool, or NULL */
	struct pt_alert_throttle *throttle;        /* detections, on packet time */
	struct pt_alert_throttle *health_throttle; /* sensor health, on wall time: the clocks never mix */
	struct pt_ulid_gen ulid;
	struct pt_output_alert_counters counters;
	/* Sensor health: what the last check saw. */
	struct pt_output_counters last;
	bool have_last;
	bool redis_was_up;
	bool redis_seen;                            /* redis_was_up holds a real observation */
	uint64_t identity_down_since_ns;
	bool stale_raised;
	uint64_t ring_dropped_seen;
	uint64_t spool_failed_seen;
	bool finished;                              /* the sender stopped; its last counters are kept here */
	bool to_redis;
	struct pt_alert_sender_stats sender_final;
	char line[PT_ALERT_JSON_MAX];
};

struct pt_alerts *pt_alerts_create(const struct pt_config *cfg, const struct pt_redis_url *url,
				   struct pt_output_file *file, const char *observer_name, struct pt_dnscache *dns,
				   char *err, size_t err_len)
{
	struct pt_alert_throttle_config tcfg = {
		.window_ns = cfg->alerts.dedup_window_ns, .rate_per_minute = cfg->alerts.rate_limit,
		.burst = cfg->alerts.rate_burst, .max_groups = ALERTS_MAX_GROUPS,
	};
	struct pt_alerts *al = calloc(1, sizeof(*al));

	if (al == NULL) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	al->cfg = cfg;
	al->observer_name = observer_name;
	al->dns = dns;
	al->file = file;
	al->throttle = pt_alert_throttle_create(&tcfg);
	al->health_throttle = pt_alert_throttle_create(&tcfg);
	if (al->throttle == NULL || al->health_throttle == NULL) {
		snprintf(err, err_len, "out of memory for alert flood control");
		goto free_alerts;
	}
	if (url != NULL) {
		al->sender = pt_alert_sender_start(cfg, url, err, err_len);
		if (al->sender == NULL)
			goto free_throttle;
		al->to_redis = true;
	}
	return al;

free_throttle:
	pt_alert_throttle_free(al->throttle);
	pt_alert_throttle_free(al->health_throttle);
free_alerts:
	free(al);
	return NULL;
}

/* Format and hand on one alert: the --alerts file and, through the spool, Redis. */
static void alerts_write(struct pt_alerts *al, const struct pt_alert *a, const struct pt_alert_context *actx)
{
	struct pt_alert_context ctx = *actx;
	struct pt_json j;
	int len, rc;

	pt_json_init(&j, al->line, sizeof(al->line));
	pt_alert_format(&j, a, &ctx);
	len = pt_json_finish(&j);
	if (len <= 0) {
		/* Labels are the only unbounded part (up to 256 a side): the alert goes without them. */
		ctx.omit_labels = true;
		pt_json_init(&j, al->line, sizeof(al->line));
		pt_alert_format(&j, a, &ctx);
		len = pt_json_finish(&j);
		al->counters.labels_omitted += len > 0;
	}
	if (len <= 0) {
		if (al->counters.too_long++ == 0)
			pt_log(PT_LOG_ERR, "alerts: an alert of %s did not fit %d bytes even without labels; not written",
			       a->rule->id, PT_ALERT_JSON_MAX);
		return;
	}
	al->counters.written++;
	if (al->file != NULL) {
		pt_output_file_write(al->file, al->line, (size_t)len);
		pt_output_file_flush(al->file);
	}
	if (al->sender != NULL && (rc = pt_alert_sender_submit(al->sender, al->line, (uint32_t)len, a->severity)) != 0 &&
	    rc != -ENOSPC) {
		if (al->counters.spool_failed++ == 0)
			pt_log(PT_LOG_ERR, "alerts: cannot write to the spool %s (%s); alerts that fail go to the --alerts "
			       "file only", al->cfg->alerts.spool_dir, strerror(-rc));
	}
}

static const char *alerts_domain(struct pt_alerts *al, const struct pt_alert *a)
{
	if (!a->has_flow || al->dns == NULL)
		return NULL;
	return pt_dnscache_lookup(al->dns, a->flow.flow.key.ip_version, pt_flow_resp_addr(&a->flow.flow),
				  a->flow.flow.first_ns);
}

/* A group closed with more than one alert: one alert_update with the count and the times. */
static void alerts_group_closed(void *ctx, const struct pt_alert *first, const struct pt_alert_group_info *g)
{
	struct pt_alerts *al = ctx;
	char id[PT_ULID_LEN];
	struct pt_alert_context actx = {
		.id = pt_ulid_make(&al->ulid, g->last_ns / 1000000, id), .observer_name = al->observer_name,
		.destination_domain = alerts_domain(al, first), .group = g, .update = true,
	};

	alerts_write(al, first, &actx);
	al->counters.updates++;
}

/* One raised alert through flood control; the caller releases it. */
static void alerts_process(struct pt_alerts *al, const struct pt_alert *a)
{
	struct pt_alert_throttle *t = a->has_flow ? al->throttle : al->health_throttle;
	struct pt_alert_group_info info;
	char id[PT_ULID_LEN];
	enum pt_alert_verdict v;

	pt_alert_throttle_expire(t, a->ts_ns, false, alerts_group_closed, al);
	pt_ulid_make(&al->ulid, a->ts_ns / 1000000, id);
	v = pt_alert_throttle_check(t, a, id, &info, alerts_group_closed, al);
	if (v == PT_ALERT_MERGED) {
		al->counters.merged++;
	} else if (v == PT_ALERT_RATE_LIMITED) {
		al->counters.rate_limited++;
	} else {
		struct pt_alert_context actx = { .id = id, .observer_name = al->observer_name,
						 .destination_domain = alerts_domain(al, a), .group = &info };

		alerts_write(al, a, &actx);
	}
}

void pt_alerts_raise(struct pt_alerts *al, const struct pt_alert *a)
{
	alerts_process(al, a);
}

uint32_t pt_alerts_drain(struct pt_alerts *al, struct pt_worker *workers, uint32_t n_workers)
{
	uint32_t done = 0;

	for (uint32_t i = 0; i < n_workers; i++) {
		struct pt_alert *a;

		if (workers[i].alerts == NULL)
			continue;
		while ((a = (struct pt_alert *)pt_spsc_ring_peek(workers[i].alerts)) != NULL) {
			alerts_process(al, a);
			pt_alert_release(a);
			pt_spsc_ring_release(workers[i].alerts);
			done++;
		}
	}
	return done;
}

/* A sensor_health alert, keyed by @p what, at wall time @p now_ns. */
static struct pt_alert *alerts_health(struct pt_alert *a, const struct pt_alert_rule *rule, uint8_t severity,
				      const char *what, uint64_t now_ns)
{
	memset(a, 0, offsetof(struct pt_alert, flow));
	a->rule = rule;
	a->ts_ns = now_ns;
	a->severity = severity;
	snprintf(a->dedup_key, sizeof(a->dedup_key), "%s", what);
	return a;
}

static void alerts_health_capture(struct pt_alerts *al, const struct pt_output_counters *c, uint64_t now_ns)
{
	const struct pt_output_counters *p = &al->last;
	uint64_t imissed = c->capture.imissed - p->capture.imissed, nombuf = c->capture.rx_nombuf - p->capture.rx_nombuf;
	uint64_t swdrop = c->capture.sw_dropped - p->capture.sw_dropped, records = c->records_dropped - p->records_dropped;
	uint64_t evicted = c->flows.ended[PT_FLOW_EVENT_END_EVICTED] - p->flows.ended[PT_FLOW_EVENT_END_EVICTED];
	uint64_t shed = c->dpi.flows_shed - p->dpi.flows_shed;
	struct pt_alert a;

	if (imissed + nombuf + swdrop + records > 0) {
		alerts_health(&a, &rule_capture_loss, 60, "capture", now_ns);
		snprintf(a.message, sizeof(a.message), "capture lost %" PRIu64 " packets (imissed %" PRIu64 ", rx_nombuf %"
			 PRIu64 ", sw_dropped %" PRIu64 ") and %" PRIu64 " flow records since the last check: one-sided "
			 "flows and scan verdicts are unreliable", imissed + nombuf + swdrop, imissed, nombuf, swdrop, records);
		pt_alert_evidence_u64(&a, "imissed", imissed);
		pt_alert_evidence_u64(&a, "rx_nombuf", nombuf);
		pt_alert_evidence_u64(&a, "sw_dropped", swdrop);
		pt_alert_evidence_u64(&a, "records_dropped", records);
		pt_alert_evidence_u64(&a, "imissed_total", c->capture.imissed);
		pt_alert_evidence_u64(&a, "rx_nombuf_total", c->capture.rx_nombuf);
		alerts_process(al, &a);
	}
	if (shed > 0) {
		alerts_health(&a, &rule_dpi_shed, 40, "dpi_shed", now_ns);
		snprintf(a.message, sizeof(a.message), "overload: %" PRIu64 " new flows recorded without application "
			 "classification since the last check: the workers were behind their capture "
			 "(dpi.shed_backlog_percent %u)", shed, al->cfg->dpi.shed_backlog_percent);
		pt_alert_evidence_u64(&a, "flows_shed", shed);
		pt_alert_evidence_u64(&a, "flows_shed_total", c->dpi.flows_shed);
		alerts_process(al, &a);
	}
	if (evicted > 0) {
		alerts_health(&a, &rule_flow_table_full, 50, "flow_table", now_ns);
		snprintf(a.message, sizeof(a.message), "flow table full: %" PRIu64 " flows evicted since the last check "
			 "(flow.max_flows %u)", evicted, al->cfg->flow.max_flows);
		pt_alert_evidence_u64(&a, "evicted", evicted);
		pt_alert_evidence_u64(&a, "active", c->flows.active);
		pt_alert_evidence_u64(&a, "max_flows", al->cfg->flow.max_flows);
		alerts_process(al, &a);
	}
}

static void alerts_health_redis(struct pt_alerts *al, const struct pt_output_counters *c, uint64_t now_ns)
{
	const struct pt_output_identity_counters *id = &c->identity;
	struct pt_alert a;
	bool up = c->alerts.redis_up;

	/* Down at start counts as a change; so does every change after. */
	if (al->sender != NULL && c->alerts.redis_tried && (al->redis_seen ? up != al->redis_was_up : !up)) {
		if (!up) {
			alerts_health(&a, &rule_redis_unreachable, 50, "redis", now_ns);
			snprintf(a.message, sizeof(a.message), "redis unreachable: %" PRIu64 " alerts wait in the spool",
				 c->alerts.spool_pending);
		} else {
			alerts_health(&a, &rule_redis_back, 20, "redis", now_ns);
			snprintf(a.message, sizeof(a.message), "redis reachable again: delivering %" PRIu64 " spooled alerts",
				 c->alerts.spool_pending);
		}
		pt_alert_evidence_u64(&a, "spool_pending", c->alerts.spool_pending);
		pt_alert_evidence_u64(&a, "reconnects", c->alerts.reconnects);
		alerts_process(al, &a);
	}
	if (c->alerts.redis_tried) {
		al->redis_seen = true;
		al->redis_was_up = up;
	}

	if (!id->enabled)
		return;
	if (id->redis_up && !id->degraded) {
		al->identity_down_since_ns = 0;
		al->stale_raised = false;
		return;
	}
	if (al->identity_down_since_ns == 0)
		al->identity_down_since_ns = now_ns;
	if (!al->stale_raised && now_ns - al->identity_down_since_ns >= al->cfg->identity.stale_after_ns) {
		alerts_health(&a, &rule_table_stale, 40, "workload_table", now_ns);
		snprintf(a.message, sizeof(a.message), "workload table not refreshed for %" PRIu64 " s (%s): flows are "
			 "attributed with generation %" PRIu64, (uint64_t)((now_ns - al->identity_down_since_ns) / PT_NS_PER_SEC),
			 id->redis_up ? "redis refuses commands" : "redis unreachable", id->table.generation);
		pt_alert_evidence_u64(&a, "generation", id->table.generation);
		pt_alert_evidence_bool(&a, "redis_up", id->redis_up);
		pt_alert_evidence_bool(&a, "degraded", id->degraded);
		alerts_process(al, &a);
		al->stale_raised = true;
	}
}

static void alerts_health_drops(struct pt_alerts *al, const struct pt_output_counters *c, uint64_t spool_dropped,
				uint64_t now_ns)
{
	uint64_t ring = c->alerts.ring_dropped - al->ring_dropped_seen;
	uint64_t failed = c->alerts.spool_failed - al->spool_failed_seen;
	struct pt_alert a;

	al->ring_dropped_seen = c->alerts.ring_dropped;
	al->spool_failed_seen = c->alerts.spool_failed;
	if (spool_dropped + ring + failed == 0)
		return;
	alerts_health(&a, &rule_alerts_dropped, 80, "alerts", now_ns);
	snprintf(a.message, sizeof(a.message), "%" PRIu64 " alerts dropped: %" PRIu64 " lowest-severity ones because "
		 "the spool was full (alerts.spool_max_kb), %" PRIu64 " because a worker's alert ring was full, %" PRIu64
		 " not spooled because the disk failed (file only)", spool_dropped + ring + failed, spool_dropped, ring,
		 failed);
	pt_alert_evidence_u64(&a, "spool_dropped", spool_dropped);
	pt_alert_evidence_u64(&a, "ring_dropped", ring);
	pt_alert_evidence_u64(&a, "spool_failed", failed);
	pt_alert_evidence_u64(&a, "spool_pending", c->alerts.spool_pending);
	alerts_process(al, &a);
}

void pt_alerts_tick(struct pt_alerts *al, const struct pt_output_counters *c, uint64_t wall_ns, uint64_t packet_ns)
{
	uint64_t spool_dropped = 0;

	/* Groups close on time, not only when the next alert comes: a quiet period still gets its updates. */
	if (packet_ns > 2 * PT_NS_PER_SEC)      /* less a margin for alerts still in the workers' rings */
		pt_alert_throttle_expire(al->throttle, packet_ns - 2 * PT_NS_PER_SEC, false, alerts_group_closed, al);
	pt_alert_throttle_expire(al->health_throttle, wall_ns, false, alerts_group_closed, al);

	if (al->sender != NULL) {
		struct pt_alert_sender_stats st;

		pt_alert_sender_stats(al->sender, &st, &spool_dropped);
	}
	if (al->have_last)
		alerts_health_capture(al, c, wall_ns);
	alerts_health_redis(al, c, wall_ns);
	alerts_health_drops(al, c, spool_dropped, wall_ns);
	al->last = *c;
	al->have_last = true;
}

void pt_alerts_flow_record(struct pt_alerts *al, const char *json, uint32_t len)
{
	if (al->sender != NULL)
		pt_alert_sender_submit_flow(al->sender, json, len);
}

void pt_alerts_counters(struct pt_alerts *al, struct pt_output_alert_counters *out)
{
	struct pt_alert_throttle_stats ts;

	*out = al->counters;
	pt_alert_throttle_stats(al->throttle, &ts);
	out->groups_open = ts.groups_open;
	pt_alert_throttle_stats(al->health_throttle, &ts);
	out->groups_open += ts.groups_open;
	out->enabled = true;
	if (al->to_redis) {
		struct pt_alert_sender_stats st = al->sender_final;

		if (al->sender != NULL)
			pt_alert_sender_stats(al->sender, &st, NULL);
		out->redis = true;
		out->flows_stream = al->cfg->redis.flows_stream;
		out->redis_tried = st.tried;
		out->redis_up = st.redis_up;
		out->delivered = st.delivered;
		out->reconnects = st.reconnects;
		out->confirmed = st.confirmed;
		out->refused = st.refused;
		out->spool_errors = st.spool_errors;
		out->spool_pending = st.spool.pending;
		out->spool_bytes = st.spool.pending_bytes;
		out->spool_dropped = st.spool.dropped;
		out->spool_recovered = st.spool.recovered;
		out->spool_truncated_bytes = st.spool.truncated_bytes;
		out->flows_sent = st.flows_sent;
		out->flows_dropped = st.flows_dropped;
	}
}

void pt_alerts_finish(struct pt_alerts *al)
{
	if (al == NULL || al->finished)
		return;
	/* Open groups report now: their counts would otherwise be lost with the process. */
	pt_alert_throttle_expire(al->throttle, 0, true, alerts_group_closed, al);
	pt_alert_throttle_expire(al->health_throttle, 0, true, alerts_group_closed, al);
	if (al->sender != NULL) {
		pt_alert_sender_stop(al->sender, &al->sender_final);   /* delivers what Redis still takes */
		al->sender = NULL;
	}
	al->finished = true;
}

void pt_alerts_free(struct pt_alerts *al)
{
	if (al == NULL)
		return;
	pt_alerts_finish(al);
	pt_alert_throttle_free(al->throttle);
	pt_alert_throttle_free(al->health_throttle);
	free(al);
}
