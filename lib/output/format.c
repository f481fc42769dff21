/* SPDX-License-Identifier: BSD-3-Clause */
/* format.c - ECS JSON for flow records and for the counter metrics; field meanings are in docs/flow-records.md. */
#include <string.h>

#include "output_priv.h"

/*
 * Flow records are written with the writer's fast paths (output_priv.h): keys precomputed with their lengths, and
 * numbers, addresses and times written straight into the buffer, because the control thread formats one for
 * every flow. The counters below are written once a second and use the public calls.
 */

/* DPI fields arrive as walk steps that map one-to-one onto the JSON writer. */
static void dpi_to_json(void *ctx, const struct pt_dpi_walk_item *item)
{
	struct pt_json *j = ctx;

	switch (item->event) {
	case PT_DPI_WALK_BEGIN_OBJECT: pt_json_begin_object(j, item->key); break;
	case PT_DPI_WALK_END_OBJECT: pt_json_close(j, '}'); break;
	case PT_DPI_WALK_BEGIN_ARRAY: pt_json_begin_array(j, item->key); break;
	case PT_DPI_WALK_END_ARRAY: pt_json_close(j, ']'); break;
	case PT_DPI_WALK_STRING: pt_json_string(j, item->key, item->str); break;
	case PT_DPI_WALK_U64: pt_json_u64(j, item->key, item->num); break;
	case PT_DPI_WALK_TIME: pt_output_format_time(j, item->key, item->num); break;
	}
}

/* The members a classification adds to one of the record's objects, or a whole object of its own. */
static void format_dpi(struct pt_json *j, const struct pt_flow_record *rec, const char *object, unsigned flags)
{
	if (rec->has_dpi)
		pt_dpi_result_walk(&rec->dpi, object, flags, dpi_to_json, j);
}

static const char *transport_name(uint8_t proto)
{
	switch (proto) {
	case 1: return "icmp";
	case 2: return "igmp";
	case 6: return "tcp";
	case 17: return "udp";
	case 47: return "gre";
	case 50: return "esp";
	case 51: return "ah";
	case 58: return "ipv6-icmp";
	case 132: return "sctp";
	default: return NULL;
	}
}

static bool proto_has_ports(uint8_t proto)
{
	return proto == 6 || proto == 17 || proto == 132;
}

static bool proto_is_icmp(uint8_t proto)
{
	return proto == 1 || proto == 58;
}

void pt_output_format_time(struct pt_json *j, const char *key, uint64_t ns)
{
	char text[40];

	if (pt_time_format_rfc3339(ns, text, sizeof(text)) > 0)
		pt_json_string(j, key, text);
}

/* RFC 3339 text of a time, formatted once for the members that show it. */
struct time_text {
	char text[28];
	int len;                /* pt_time_format_rfc3339()'s: <= 0 leaves the member out */
};

static void time_text(struct time_text *t, uint64_t ns)
{
	t->len = pt_time_format_rfc3339(ns, t->text, sizeof(t->text));
}

static void json_time(struct pt_json *j, struct pt_json_key key, const struct time_text *t)
{
	if (t->len > 0)
		pt_json_key_text(j, key, t->text, (size_t)t->len);
}

/* ECS geo and as objects of one endpoint, with only what the databases gave. */
static void format_geo(struct pt_json *j, const struct pt_geo_result *g)
{
	if (g->flags & PT_GEO_F_COUNTRY) {
		pt_json_key_begin_object(j, PT_JSON_KEY("geo"));
		pt_json_key_string(j, PT_JSON_KEY("country_iso_code"), g->country_iso_code);
		pt_json_close(j, '}');
	}
	if (g->flags & (PT_GEO_F_AS_NUMBER | PT_GEO_F_AS_ORG)) {
		pt_json_key_begin_object(j, PT_JSON_KEY("as"));
		if (g->flags & PT_GEO_F_AS_NUMBER)
			pt_json_key_u64(j, PT_JSON_KEY("number"), g->as_number);
		if (g->flags & PT_GEO_F_AS_ORG) {
			pt_json_key_begin_object(j, PT_JSON_KEY("organization"));
			pt_json_key_string(j, PT_JSON_KEY("name"), g->as_organization);
			pt_json_close(j, '}');
		}
		pt_json_close(j, '}');
	}
}

static void json_nonempty(struct pt_json *j, struct pt_json_key key, const char *value)
{
	if (value[0] != '\0')
		pt_json_key_string(j, key, value);
}

/* source.kubernetes / destination.kubernetes: the workload that owned the address when the flow started. */
static void format_kubernetes(struct pt_json *j, const struct pt_workload *w, bool omit_labels)
{
	const char *const *f = w->field;

	pt_json_key_begin_object(j, PT_JSON_KEY("kubernetes"));
	json_nonempty(j, PT_JSON_KEY("namespace"), f[PT_WORKLOAD_F_NAMESPACE]);
	if (f[PT_WORKLOAD_F_POD][0] != '\0' || f[PT_WORKLOAD_F_POD_UID][0] != '\0') {
		pt_json_key_begin_object(j, PT_JSON_KEY("pod"));
		json_nonempty(j, PT_JSON_KEY("name"), f[PT_WORKLOAD_F_POD]);
		json_nonempty(j, PT_JSON_KEY("uid"), f[PT_WORKLOAD_F_POD_UID]);
		pt_json_close(j, '}');
	}
	if (f[PT_WORKLOAD_F_WORKLOAD_KIND][0] != '\0' || f[PT_WORKLOAD_F_WORKLOAD][0] != '\0') {
		pt_json_key_begin_object(j, PT_JSON_KEY("workload"));
		json_nonempty(j, PT_JSON_KEY("kind"), f[PT_WORKLOAD_F_WORKLOAD_KIND]);
		json_nonempty(j, PT_JSON_KEY("name"), f[PT_WORKLOAD_F_WORKLOAD]);
		pt_json_close(j, '}');
	}
	if (f[PT_WORKLOAD_F_NODE][0] != '\0') {
		pt_json_key_begin_object(j, PT_JSON_KEY("node"));
		pt_json_key_string(j, PT_JSON_KEY("name"), f[PT_WORKLOAD_F_NODE]);
		pt_json_close(j, '}');
	}
	json_nonempty(j, PT_JSON_KEY("service_account"), f[PT_WORKLOAD_F_SERVICE_ACCOUNT]);
	if (w->n_labels > 0 && !omit_labels) {
		pt_json_key_begin_object(j, PT_JSON_KEY("labels"));
		for (uint32_t i = 0; i < w->n_labels; i++)
			pt_json_string_data_key(j, w->labels[i].key, w->labels[i].value);
		pt_json_close(j, '}');
	}
	pt_json_close(j, '}');
}

/* podtap.identity.source / destination: how the side was identified. */
static const char *identity_state(const struct pt_flow_record *rec, int dir)
{
	const struct pt_workload *w = rec->workload[dir];
	uint8_t scope = dir == 0 ? rec->orig_scope : rec->resp_scope;

	if (w != NULL)
		return rec->workload_match[dir] == PT_WORKLOAD_MATCH_NETWORK ? "network"
									     : pt_workload_kind_name((enum pt_workload_kind)w->kind);
	return pt_identity_scope_is_internal((enum pt_identity_scope)scope) ? "unknown_internal" : "external";
}

static void format_endpoint(struct pt_json *j, struct pt_json_key key, const struct pt_flow_record *rec, int dir,
			    const char *domain, bool omit_labels)
{
	const struct pt_flow *f = &rec->flow;
	int side = dir == 0 ? f->orig_side : !f->orig_side;

	pt_json_key_begin_object(j, key);
	pt_json_key_addr(j, PT_JSON_KEY("ip"), f->key.ip_version, f->key.addr[side]);
	if (domain != NULL)
		pt_json_key_string(j, PT_JSON_KEY("domain"), domain);
	if (proto_has_ports(f->key.proto))
		pt_json_key_u64(j, PT_JSON_KEY("port"), f->key.port[side]);
	pt_json_key_u64(j, PT_JSON_KEY("packets"), f->packets[dir]);
	pt_json_key_u64(j, PT_JSON_KEY("bytes"), f->bytes[dir]);
	format_geo(j, &rec->geo[dir]);
	if (rec->workload[dir] != NULL)
		format_kubernetes(j, rec->workload[dir], omit_labels);
	pt_json_close(j, '}');
}

static void format_network(struct pt_json *j, const struct pt_flow_record *rec)
{
	const struct pt_flow *f = &rec->flow;
	char cid[PT_FLOW_COMMUNITY_ID_LEN];
	const char *transport = transport_name(f->key.proto);

	pt_json_key_begin_object(j, PT_JSON_KEY("network"));
	if (transport != NULL)
		pt_json_key_string(j, PT_JSON_KEY("transport"), transport);
	pt_json_key_u64_string(j, PT_JSON_KEY("iana_number"), f->key.proto);
	pt_json_key_text(j, PT_JSON_KEY("type"), f->key.ip_version == 6 ? "ipv6" : "ipv4", 4);
	pt_json_key_string(j, PT_JSON_KEY("direction"), pt_identity_direction_name(pt_identity_direction_of(
								(enum pt_identity_scope)rec->orig_scope,
								(enum pt_identity_scope)rec->resp_scope)));
	pt_json_key_string(j, PT_JSON_KEY("community_id"), pt_flow_community_id(f, 0, cid));
	pt_json_key_u64(j, PT_JSON_KEY("packets"), f->packets[0] + f->packets[1]);
	pt_json_key_u64(j, PT_JSON_KEY("bytes"), f->bytes[0] + f->bytes[1]);
	format_dpi(j, rec, "network", 0);
	if (f->vlan_count > 0) {
		pt_json_key_begin_object(j, PT_JSON_KEY("vlan"));
		pt_json_key_u64_string(j, PT_JSON_KEY("id"), f->vlan_ids[0]);
		pt_json_close(j, '}');
	}
	if (f->vlan_count > 1) {
		pt_json_key_begin_object(j, PT_JSON_KEY("inner"));
		pt_json_key_begin_object(j, PT_JSON_KEY("vlan"));
		pt_json_key_u64_string(j, PT_JSON_KEY("id"), f->vlan_ids[1]);
		pt_json_close(j, '}');
		pt_json_close(j, '}');
	}
	pt_json_close(j, '}');
}

void pt_output_format_flow_podtap(struct pt_json *j, const struct pt_flow_record *rec, const struct pt_flow_context *ctx)
{
	const struct pt_flow *f = &rec->flow;
	bool omit_labels = ctx->omit_labels;

	pt_json_key_begin_object(j, PT_JSON_KEY("flow"));
	pt_json_key_string(j, PT_JSON_KEY("conn_state"), pt_flow_conn_state_name(pt_flow_conn_state(f)));
	if (f->history[0] != '\0')
		pt_json_key_string(j, PT_JSON_KEY("history"), f->history);
	if (rec->event != PT_FLOW_EVENT_UPDATE)
		pt_json_key_string(j, PT_JSON_KEY("end_reason"), pt_flow_event_name(rec->event));
	pt_json_close(j, '}');
	if (f->tunnel_depth > 0) {
		pt_json_key_begin_object(j, PT_JSON_KEY("tunnel"));
		pt_json_key_string(j, PT_JSON_KEY("type"), pt_decode_tunnel_name(f->tunnel_type));
		/* IP-in-IP has no id, and GRE only with a key (decode leaves 0 without one). */
		if (f->tunnel_type != PT_TUNNEL_IPIP && (f->tunnel_type != PT_TUNNEL_GRE || f->tunnel_id != 0))
			pt_json_key_u64(j, PT_JSON_KEY("id"), f->tunnel_id);
		pt_json_key_addr(j, PT_JSON_KEY("source_ip"), f->tunnel_ip_version, f->tunnel_src);
		pt_json_key_addr(j, PT_JSON_KEY("destination_ip"), f->tunnel_ip_version, f->tunnel_dst);
		pt_json_key_u64(j, PT_JSON_KEY("depth"), f->tunnel_depth);
		pt_json_close(j, '}');
	}
	if (proto_is_icmp(f->key.proto)) {
		uint8_t type = (uint8_t)pt_flow_orig_port(f);
		int counterpart = pt_flow_icmp_counterpart(f->key.ip_version, type);

		pt_json_key_begin_object(j, PT_JSON_KEY("icmp"));
		pt_json_key_u64(j, PT_JSON_KEY("type"), type);
		/* Request/reply types carry the counterpart type in the key; their code is 0 by definition. */
		pt_json_key_u64(j, PT_JSON_KEY("code"), counterpart >= 0 ? 0 : pt_flow_resp_port(f));
		pt_json_close(j, '}');
	}
	if (rec->has_identity) {
		pt_json_key_begin_object(j, PT_JSON_KEY("identity"));
		pt_json_key_u64(j, PT_JSON_KEY("generation"), rec->identity_generation);
		pt_json_key_string(j, PT_JSON_KEY("source"), identity_state(rec, 0));
		pt_json_key_string(j, PT_JSON_KEY("destination"), identity_state(rec, 1));
		if (omit_labels)
			PT_JSON_RAW(j, "\"labels_omitted\":true", true);
		pt_json_close(j, '}');
	}
	format_dpi(j, rec, "podtap", 0);
}

void pt_output_format_flow_sides(struct pt_json *j, const struct pt_flow_record *rec, const struct pt_flow_context *ctx)
{
	format_endpoint(j, PT_JSON_KEY("source"), rec, 0, NULL, ctx->omit_labels);
	format_endpoint(j, PT_JSON_KEY("destination"), rec, 1, ctx->destination_domain, ctx->omit_labels);
	format_network(j, rec);
	if (!rec->has_dpi)
		return;
	/* The first letters spare most of the comparisons (only "network" and "podtap" start with theirs). */
	for (const char *const *obj = pt_dpi_walk_objects; *obj != NULL; obj++) {
		if (((*obj)[0] != 'n' || strcmp(*obj, "network") != 0) && ((*obj)[0] != 'p' || strcmp(*obj, "podtap") != 0))
			format_dpi(j, rec, *obj, PT_DPI_WALK_WRAP);
	}
}

void pt_output_format_observer(struct pt_json *j, const char *observer_name)
{
	pt_json_key_begin_object(j, PT_JSON_KEY("observer"));
	pt_json_key_string(j, PT_JSON_KEY("name"), observer_name);
	PT_JSON_RAW(j, "\"type\":\"sensor\",\"product\":\"podtap\"", true);
	pt_json_close(j, '}');
}

void pt_output_format_flow(struct pt_json *j, const struct pt_flow_record *rec, const struct pt_flow_context *ctx)
{
	const struct pt_flow *f = &rec->flow;
	bool final = rec->event != PT_FLOW_EVENT_UPDATE;
	struct time_text start, end, now;

	/* A final record's @timestamp is its end: one formatting for both. */
	time_text(&start, f->first_ns);
	time_text(&end, f->last_ns);
	if (!final)
		time_text(&now, rec->now_ns);
	PT_JSON_RAW(j, "{", false);
	json_time(j, PT_JSON_KEY("@timestamp"), final ? &end : &now);
	/* The event object's constant members, as pt_json_* calls would write them, in one copy. */
	if (final)
		PT_JSON_RAW(j, "\"event\":{\"kind\":\"event\",\"category\":[\"network\"],"
			       "\"type\":[\"connection\",\"end\"],\"action\":\"flow_end\"", true);
	else
		PT_JSON_RAW(j, "\"event\":{\"kind\":\"event\",\"category\":[\"network\"],"
			       "\"type\":[\"connection\",\"info\"],\"action\":\"flow_update\"", true);
	json_time(j, PT_JSON_KEY("start"), &start);
	json_time(j, PT_JSON_KEY("end"), &end);
	pt_json_key_u64(j, PT_JSON_KEY("duration"), f->last_ns - f->first_ns);
	pt_json_close(j, '}');
	pt_output_format_flow_sides(j, rec, ctx);
	pt_output_format_observer(j, ctx->observer_name);
	pt_json_key_begin_object(j, PT_JSON_KEY("podtap"));
	pt_output_format_flow_podtap(j, rec, ctx);
	pt_json_close(j, '}');
	pt_json_close(j, '}');
}

static void format_detect_counters(struct pt_json *j, const struct pt_output_detect_counters *d)
{
	static const char *const scans[] = { "vertical", "horizontal", "slow" };

	pt_json_begin_object(j, "detect");
	pt_json_u64(j, "records", d->records);
	pt_json_u64(j, "edges_checked", d->edges_checked);
	pt_json_u64(j, "edges_new", d->edges_new);
	pt_json_u64(j, "names_without_registered_domain", d->psl_fallbacks);
	pt_json_begin_object(j, "baseline");
	pt_json_u64(j, "workloads", d->workloads);
	pt_json_u64(j, "edges", d->edges);
	pt_json_u64(j, "learned", d->learned);
	pt_json_u64(j, "merged", d->merged);
	pt_json_u64(j, "edges_refused", d->edges_refused);
	pt_json_u64(j, "workloads_refused", d->workloads_refused);
	pt_json_u64(j, "forgotten", d->forgotten);
	if (d->sync) {
		pt_json_bool(j, "redis_up", d->sync_redis_up);
		pt_json_u64(j, "loaded", d->sync_loaded);
		pt_json_u64(j, "written", d->sync_written);
		pt_json_u64(j, "write_dropped", d->sync_write_dropped);
		pt_json_u64(j, "changes_applied", d->sync_changes_applied);
		pt_json_u64(j, "changes_malformed", d->sync_changes_malformed);
		pt_json_u64(j, "reconnects", d->sync_reconnects);
	}
	pt_json_end_object(j);
	pt_json_begin_object(j, "scan");
	pt_json_u64(j, "attempts", d->scan_attempts);
	pt_json_u64(j, "exempt", d->scan_exempt);
	pt_json_u64(j, "lossy", d->scan_lossy);
	pt_json_u64(j, "suppressed", d->scan_suppressed);
	pt_json_u64(j, "sources", d->scan_sources);
	pt_json_u64(j, "sources_evicted", d->scan_sources_evicted);
	for (int i = 0; i < 3; i++)
		pt_json_u64(j, scans[i], d->scan_findings[i]);
	pt_json_end_object(j);
	pt_json_end_object(j);
}

/* Each worker's load; cycles_per_packet is busy cycles over packets (0 before the first packet). */
static void format_workers(struct pt_json *j, const struct pt_output_counters *c)
{
	pt_json_u64(j, "tsc_hz", c->tsc_hz);
	pt_json_begin_array(j, "workers");
	for (uint32_t i = 0; i < c->n_workers && i < PT_OUTPUT_MAX_WORKERS; i++) {
		const struct pt_output_worker_counters *w = &c->workers[i];

		pt_json_begin_object(j, NULL);
		pt_json_u64(j, "index", i);
		pt_json_u64(j, "packets", w->packets);
		pt_json_u64(j, "flows_created", w->flows_created);
		pt_json_u64(j, "polls_busy", w->polls_busy);
		pt_json_u64(j, "polls_idle", w->polls_idle);
		pt_json_u64(j, "cycles_busy", w->cycles_busy);
		pt_json_u64(j, "cycles_rx", w->cycles_rx);
		pt_json_u64(j, "cycles_per_packet", w->packets ? w->cycles_busy / w->packets : 0);
		pt_json_u64(j, "preempted", w->preempted);
		pt_json_u64(j, "poll_gap_max_cycles", w->poll_gap_max);
		pt_json_u64(j, "shed_episodes", w->shed_episodes);
		pt_json_bool(j, "shedding", w->shedding);
		pt_json_end_object(j);
	}
	pt_json_end_array(j);
}

void pt_output_format_counters(struct pt_json *j, const struct pt_output_counters *c, uint64_t now_ns,
			       const char *observer_name)
{
	pt_json_begin_object(j, NULL);
	pt_output_format_time(j, "@timestamp", now_ns);
	pt_json_begin_object(j, "event");
	pt_json_string(j, "kind", "metric");
	pt_json_string(j, "dataset", "podtap.stats");
	pt_json_end_object(j);
	pt_json_begin_object(j, "observer");
	pt_json_string(j, "name", observer_name);
	pt_json_string(j, "type", "sensor");
	pt_json_string(j, "product", "podtap");
	pt_json_end_object(j);
	pt_json_begin_object(j, "podtap");
	pt_json_begin_object(j, "stats");
	pt_json_u64(j, "packets", c->packets);
	pt_json_u64(j, "bytes", c->bytes);
	pt_json_begin_object(j, "decode");
	for (int r = 0; r < PT_DECODE_RESULT_MAX; r++)
		pt_json_u64(j, r == PT_DECODE_OK ? "ok" : pt_decode_result_name((enum pt_decode_result)r), c->decode[r]);
	pt_json_end_object(j);
	pt_json_u64(j, "fragments_unmatched", c->fragments_unmatched);
	pt_json_u64(j, "clock_outliers", c->clock_outliers);
	format_workers(j, c);
	pt_json_begin_object(j, "dpi");
	pt_json_u64(j, "flows_started", c->dpi.flows_started);
	pt_json_u64(j, "flows_classified", c->dpi.flows_classified);
	pt_json_u64(j, "flows_given_up", c->dpi.flows_given_up);
	pt_json_u64(j, "flows_guessed", c->dpi.flows_guessed);
	pt_json_u64(j, "flows_capped", c->dpi.flows_capped);
	pt_json_u64(j, "flows_ended_in_dpi", c->dpi.flows_ended_in_dpi);
	pt_json_u64(j, "pool_exhausted", c->dpi.pool_exhausted);
	pt_json_u64(j, "results_exhausted", c->dpi.results_exhausted);
	pt_json_u64(j, "flows_shed", c->dpi.flows_shed);
	pt_json_u64(j, "packets_inspected", c->dpi.packets_inspected);
	pt_json_u64(j, "packets_mismatched", c->dpi.packets_mismatched);
	pt_json_u64(j, "states_in_use", c->dpi.states_in_use);
	pt_json_u64(j, "results_in_use", c->dpi.results_in_use);
	pt_json_end_object(j);
	pt_json_begin_object(j, "dns_cache");
	pt_json_u64(j, "answers_dropped", c->dns_answers_dropped);
	pt_json_u64(j, "inserts", c->dns.inserts);
	pt_json_u64(j, "refreshes", c->dns.refreshes);
	pt_json_u64(j, "evictions", c->dns.evictions);
	pt_json_u64(j, "lookups", c->dns.lookups);
	pt_json_u64(j, "hits", c->dns.hits);
	pt_json_u64(j, "expired", c->dns.expired);
	pt_json_u64(j, "names_truncated", c->dns.names_truncated);
	pt_json_end_object(j);
	pt_json_begin_object(j, "geo_cache");
	pt_json_u64(j, "lookups", c->geo.lookups);
	pt_json_u64(j, "indexed", c->geo.indexed);
	pt_json_u64(j, "hits", c->geo.hits);
	pt_json_u64(j, "network_hits", c->geo.network_hits);
	pt_json_u64(j, "misses", c->geo.misses);
	pt_json_u64(j, "errors", c->geo.errors);
	pt_json_end_object(j);
	if (c->identity.enabled) {
		const struct pt_workloads_stats *t = &c->identity.table;

		pt_json_begin_object(j, "identity");
		pt_json_bool(j, "redis_up", c->identity.redis_up);
		pt_json_u64(j, "generation", t->generation);
		pt_json_u64(j, "addresses", t->addresses);
		pt_json_u64(j, "networks", t->networks);
		pt_json_u64(j, "changes_applied", t->sets + t->dels);
		pt_json_u64(j, "stream_entries", c->identity.stream_entries);
		pt_json_u64(j, "invalid_entries", t->invalid + c->identity.malformed_changes);
		pt_json_u64(j, "full", t->full);
		pt_json_u64(j, "resyncs", c->identity.resyncs);
		pt_json_u64(j, "stale_removed", t->stale_removed);
		pt_json_u64(j, "reconnects", c->identity.reconnects);
		pt_json_bool(j, "degraded", c->identity.degraded);
		pt_json_u64(j, "refused", c->identity.refused);
		pt_json_u64(j, "stream_gaps", c->identity.stream_gaps);
		pt_json_u64(j, "publishes", t->publishes);
		pt_json_u64(j, "publish_us_last", t->publish_ns_last / 1000);
		pt_json_u64(j, "lookups", c->identity.lookups);
		pt_json_u64(j, "found", c->identity.found);
		pt_json_end_object(j);
	}
	if (c->alerts.enabled) {
		const struct pt_output_alert_counters *a = &c->alerts;

		pt_json_begin_object(j, "alerts");
		pt_json_u64(j, "raised", a->raised);
		pt_json_u64(j, "ring_dropped", a->ring_dropped);
		pt_json_u64(j, "written", a->written);
		pt_json_u64(j, "merged", a->merged);
		pt_json_u64(j, "rate_limited", a->rate_limited);
		pt_json_u64(j, "updates", a->updates);
		pt_json_u64(j, "groups_open", a->groups_open);
		pt_json_u64(j, "too_long", a->too_long);
		pt_json_u64(j, "labels_omitted", a->labels_omitted);
		if (a->redis) {
			pt_json_bool(j, "redis_up", a->redis_up);
			pt_json_u64(j, "delivered", a->delivered);
			pt_json_u64(j, "reconnects", a->reconnects);
			pt_json_u64(j, "confirmed", a->confirmed);
			pt_json_u64(j, "refused", a->refused);
			pt_json_begin_object(j, "spool");
			pt_json_u64(j, "pending", a->spool_pending);
			pt_json_u64(j, "bytes", a->spool_bytes);
			pt_json_u64(j, "dropped", a->spool_dropped);
			pt_json_u64(j, "recovered", a->spool_recovered);
			pt_json_u64(j, "truncated_bytes", a->spool_truncated_bytes);
			pt_json_u64(j, "failed", a->spool_failed);
			pt_json_u64(j, "errors", a->spool_errors);
			pt_json_end_object(j);
			if (a->flows_stream) {
				pt_json_begin_object(j, "flows_stream");
				pt_json_u64(j, "sent", a->flows_sent);
				pt_json_u64(j, "dropped", a->flows_dropped);
				pt_json_end_object(j);
			}
		}
		pt_json_end_object(j);
	}
	if (c->detect.enabled)
		format_detect_counters(j, &c->detect);
	pt_json_begin_object(j, "flows");
	pt_json_u64(j, "created", c->flows.created);
	pt_json_u64(j, "active", c->flows.active);
	pt_json_begin_object(j, "ended");
	for (int e = 0; e < PT_FLOW_EVENT_MAX; e++) {
		if (e != PT_FLOW_EVENT_UPDATE)
			pt_json_u64(j, pt_flow_event_name((enum pt_flow_event)e), c->flows.ended[e]);
	}
	pt_json_end_object(j);
	pt_json_u64(j, "updates", c->flows.ended[PT_FLOW_EVENT_UPDATE]);
	pt_json_u64(j, "records_dropped", c->records_dropped);
	pt_json_u64(j, "records_labels_omitted", c->records_labels_omitted);
	pt_json_u64(j, "records_too_long", c->records_too_long);
	pt_json_end_object(j);
	pt_json_begin_object(j, "capture");
	pt_json_u64(j, "ipackets", c->capture.ipackets);
	pt_json_u64(j, "ibytes", c->capture.ibytes);
	pt_json_u64(j, "imissed", c->capture.imissed);
	pt_json_u64(j, "ierrors", c->capture.ierrors);
	pt_json_u64(j, "rx_nombuf", c->capture.rx_nombuf);
	pt_json_u64(j, "sw_dropped", c->capture.sw_dropped);
	pt_json_end_object(j);
	pt_json_end_object(j);
	pt_json_end_object(j);
	pt_json_end_object(j);
}
