/* SPDX-License-Identifier: BSD-3-Clause */
/* novelty.c - An edge outside a workload's baseline: new external destination or lateral movement, severity, evidence. */
#include <stdio.h>
#include <string.h>

#include "detect_priv.h"

const struct pt_alert_rule pt_detect_rule_new_external = {
	.id = "podtap.detect.new_external_destination",
	.name = "New external destination: a workload reached an external peer outside its baseline",
	.category = PT_ALERT_NEW_EXTERNAL_DESTINATION,
};
const struct pt_alert_rule pt_detect_rule_lateral = {
	.id = "podtap.detect.lateral_movement",
	.name = "Lateral movement: a workload reached an internal peer outside its baseline",
	.category = PT_ALERT_LATERAL_MOVEMENT,
};

/* The ports an application protocol is expected on; a protocol not listed is expected on 80 and 443. */
static bool standard_port(const char *app, uint16_t port)
{
	static const struct { const char *app; uint16_t ports[3]; } table[] = {
		{ "tls", { 443, 8443, 853 } }, { "quic", { 443 } }, { "http", { 80, 8080 } }, { "dns", { 53, 853 } },
		{ "ntp", { 123 } }, { "ssh", { 22 } }, { "smtp", { 25, 587, 465 } }, { "imap", { 143, 993 } },
	};

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(app, table[i].app) == 0)
			return port == table[i].ports[0] || port == table[i].ports[1] || port == table[i].ports[2];
	return port == 80 || port == 443;
}

static bool sensitive_port(const struct pt_config *cfg, uint16_t port)
{
	for (uint32_t i = 0; i < cfg->detect.lateral.n_sensitive_ports; i++)
		if (cfg->detect.lateral.sensitive_ports[i] == port)
			return true;
	return false;
}

static bool control_plane_port(uint16_t port)
{
	return port == 6443 || port == 10250 || port == 10255 || port == 2379 || port == 2380;
}

static bool metadata_address(const char *addr)
{
	return strcmp(addr, "169.254.169.254") == 0 || strcmp(addr, "fd00:ec2::254") == 0;
}

/* Distinct new internal peers of @p key within the fan-out window, @p peer included. */
static uint32_t fanout_count(struct pt_detect_engine *e, const char *key, const char *peer, uint64_t ts_ns)
{
	uint64_t h = pt_fnv1a_str(key), p = pt_fnv1a_str(peer);
	struct detect_fanout *f = &e->fanout[h % DETECT_FANOUT_SLOTS];

	if (f->key_hash != h || ts_ns >= f->start_ns + e->cfg->detect.lateral.fanout_window_ns) {
		f->key_hash = h;
		f->start_ns = ts_ns;
		f->count = 0;
	}
	if (ts_ns < f->start_ns)
		f->start_ns = ts_ns;                       /* records arrive in end order, not start order */
	for (uint32_t i = 0; i < f->count; i++)
		if (f->peer_hash[i] == p)
			return f->count;
	if (f->count < DETECT_FANOUT_PEERS)
		f->peer_hash[f->count++] = p;
	return f->count;
}

static void evidence_time(struct pt_alert *a, const char *key, uint64_t ns)
{
	char t[40];

	if (pt_time_format_rfc3339(ns, t, sizeof(t)) > 0)
		pt_alert_evidence_string(a, key, t);
}

/* What every novelty alert carries: the baseline's size and age, the edge, the closest known edge. */
static void baseline_evidence(struct pt_detect_engine *e, struct pt_alert *a, const struct detect_side *orig,
			      const struct pt_baseline_edge *edge, const struct pt_baseline_workload_info *info)
{
	struct pt_baseline_edge near;
	struct pt_baseline_edge_stats near_stats;
	char text[PT_BASELINE_EDGE_TEXT_LEN];

	pt_alert_evidence_string(a, "baseline_key", orig->key);
	pt_baseline_edge_format(edge, text, sizeof(text));
	pt_alert_evidence_string(a, "edge", text);
	pt_alert_evidence_u64(a, "baseline_edges", info->edges);
	pt_alert_evidence_u64(a, "baseline_age_s", (a->ts_ns - info->first_seen_ns) / 1000000000ULL);
	evidence_time(a, "learning_until", info->learning_until_ns);
	if (pt_baseline_closest(e->baseline, orig->key, edge, &near, &near_stats)) {
		pt_baseline_edge_format(&near, text, sizeof(text));
		pt_alert_evidence_string(a, "closest_edge", text);
		evidence_time(a, "closest_first_seen", near_stats.first_seen_ns);
	}
}

static void risks_evidence(struct pt_alert *a, uint64_t risks)
{
	char names[96];
	size_t n = 0;

	names[0] = '\0';
	for (unsigned int bit = 1; bit < 64; bit++) {
		const char *name = (risks & (1ULL << bit)) ? pt_dpi_risk_name(bit) : NULL;
		int w;

		if (name == NULL)
			continue;
		w = snprintf(names + n, sizeof(names) - n, "%s%s", n ? "," : "", name);
		if (w < 0 || (size_t)w >= sizeof(names) - n)
			break;
		n += (size_t)w;
	}
	pt_alert_evidence_string(a, "risks", names);
}

static void new_external(struct pt_detect_engine *e, const struct pt_flow_record *rec, const struct detect_side *orig,
			 const struct detect_side *resp, const struct pt_baseline_edge *edge,
			 const struct pt_baseline_workload_info *info, const struct pt_detect_sink *sink)
{
	const struct pt_geo_result *geo = resp->geo;
	bool new_country = geo->country_iso_code[0] && !pt_baseline_knows_country(e->baseline, orig->key,
										    geo->country_iso_code);
	bool new_asn = geo->as_number != 0 && !pt_baseline_knows_asn(e->baseline, orig->key, geo->as_number);
	bool raw_ip = resp->peer_kind == PT_PEER_EXTERNAL_IP;
	bool odd_port = edge->transport != 1 && edge->transport != 58 && !standard_port(edge->app, edge->port);
	uint64_t risks = rec->has_dpi ? pt_dpi_risks_of_concern(rec->dpi.risks) : 0;
	unsigned int sev = 40 + (new_country ? 15 : 0) + (new_asn ? 10 : 0) + (raw_ip ? 15 : 0) + (odd_port ? 10 : 0) +
			   (risks ? 20 : 0);
	struct pt_alert *a = pt_detect_alert_begin(sink, &pt_detect_rule_new_external, rec, (uint8_t)(sev > 100 ? 100 : sev));

	if (a == NULL)
		return;
	a->ts_ns = rec->flow.first_ns;
	snprintf(a->dedup_key, sizeof(a->dedup_key), "%.120s:%u", resp->peer, edge->port);
	snprintf(a->message, sizeof(a->message), "%.64s reached %s %.64s (%s) port %u, not in its baseline of %u edges",
		 orig->key, raw_ip ? "external address" : "external domain", resp->peer, resp->addr, edge->port,
		 info->edges);
	baseline_evidence(e, a, orig, edge, info);
	pt_alert_evidence_bool(a, "new_country", new_country);
	pt_alert_evidence_bool(a, "new_asn", new_asn);
	pt_alert_evidence_bool(a, "raw_ip", raw_ip);
	if (resp->name_source != NULL)
		pt_alert_evidence_string(a, "name_source", resp->name_source);
	pt_alert_evidence_bool(a, "nonstandard_port", odd_port);
	if (risks)
		risks_evidence(a, risks);
	pt_detect_alert_commit(sink);
}

static void lateral(struct pt_detect_engine *e, const struct pt_flow_record *rec, const struct detect_side *orig,
		    const struct detect_side *resp, const struct pt_baseline_edge *edge,
		    const struct pt_baseline_workload_info *info, const struct pt_detect_sink *sink)
{
	struct pt_baseline_edge same_port = *edge, near;
	struct pt_baseline_edge_stats near_stats;
	bool sensitive = sensitive_port(e->cfg, edge->port);
	bool control_plane, metadata = metadata_address(resp->addr);
	uint32_t fanout = fanout_count(e, orig->key, resp->peer, rec->flow.first_ns);
	bool fan = fanout >= e->cfg->detect.lateral.fanout_peers;
	unsigned int sev;
	struct pt_alert *a;

	/* Control plane: an API server, kubelet or etcd port, or a node, that the workload never reached before. */
	same_port.peer_kind = PT_PEER_KIND_MAX;
	control_plane = (control_plane_port(edge->port) || resp->peer_kind == PT_PEER_NODE) &&
			!(pt_baseline_closest(e->baseline, orig->key, &same_port, &near, &near_stats) &&
			  near.port == edge->port && near.transport == edge->transport);
	sev = 50 + (sensitive ? 20 : 0) + (control_plane ? 15 : 0) + (fan ? 15 : 0);
	if (metadata && sev < 90)
		sev = 90;
	a = pt_detect_alert_begin(sink, &pt_detect_rule_lateral, rec, (uint8_t)(sev > 100 ? 100 : sev));
	if (a == NULL)
		return;
	a->ts_ns = rec->flow.first_ns;
	snprintf(a->dedup_key, sizeof(a->dedup_key), "%.120s:%u", resp->peer, edge->port);
	snprintf(a->message, sizeof(a->message), "%.64s reached %s %.64s (%s) port %u, not in its baseline of %u edges",
		 orig->key, pt_baseline_peer_kind_name(resp->peer_kind), resp->peer, resp->addr, edge->port, info->edges);
	baseline_evidence(e, a, orig, edge, info);
	pt_alert_evidence_bool(a, "sensitive_port", sensitive);
	pt_alert_evidence_bool(a, "control_plane", control_plane);
	pt_alert_evidence_bool(a, "metadata_service", metadata);
	pt_alert_evidence_u64(a, "fanout_peers", fanout);
	pt_alert_evidence_u64(a, "fanout_threshold", e->cfg->detect.lateral.fanout_peers);
	pt_detect_alert_commit(sink);
}

void pt_detect_novelty(struct pt_detect_engine *e, const struct pt_flow_record *rec, const struct detect_side *orig,
		       const struct detect_side *resp, const struct pt_baseline_edge *edge,
		       const struct pt_baseline_workload_info *info, const struct pt_detect_sink *sink)
{
	if (resp->external) {
		if (e->cfg->detect.new_external.enabled)
			new_external(e, rec, orig, resp, edge, info, sink);
	} else if (e->cfg->detect.lateral.enabled) {
		lateral(e, rec, orig, resp, edge, info, sink);
	}
}
