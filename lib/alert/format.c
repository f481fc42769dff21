/* SPDX-License-Identifier: BSD-3-Clause */
/* format.c - One alert as a line of ECS JSON (docs/alerts.md): event, rule, message, the flow's fields, evidence. */
#include <string.h>

#include "alert_priv.h"

static void format_evidence(struct pt_json *j, const struct pt_alert *a, const struct pt_alert_context *ctx)
{
	char cid[PT_FLOW_COMMUNITY_ID_LEN];

	pt_json_begin_object(j, "evidence");
	for (uint32_t i = 0; i < a->n_evidence; i++) {
		const struct pt_alert_evidence *e = &a->evidence[i];

		if (e->type == PT_ALERT_VALUE_U64)
			pt_json_u64(j, e->key, e->u64);
		else if (e->type == PT_ALERT_VALUE_BOOL)
			pt_json_bool(j, e->key, e->u64 != 0);
		else
			pt_json_string(j, e->key, e->str);
	}
	if (a->n_flows > 0 && !ctx->update) {
		pt_json_begin_array(j, "community_ids");
		for (uint32_t i = 0; i < a->n_flows && i < PT_ALERT_FLOWS_MAX; i++)
			pt_json_string(j, NULL, a->flows[i]);
		pt_json_end_array(j);
	} else if (ctx->group != NULL && ctx->group->n_flows > 0) {
		pt_json_begin_array(j, "community_ids");
		for (uint32_t i = 0; i < ctx->group->n_flows; i++)
			pt_json_string(j, NULL, ctx->group->flows[i]);
		pt_json_end_array(j);
	} else if (a->has_flow) {
		pt_json_begin_array(j, "community_ids");
		pt_json_string(j, NULL, pt_flow_community_id(&a->flow.flow, 0, cid));
		pt_json_end_array(j);
	}
	pt_json_end_object(j);
}

/* podtap.alert: how many alerts of this key the record stands for, over what time. */
static void format_group(struct pt_json *j, const struct pt_alert *a, const struct pt_alert_context *ctx)
{
	const struct pt_alert_group_info *g = ctx->group;

	pt_json_begin_object(j, "alert");
	pt_json_u64(j, "count", g != NULL ? g->count : 1);
	pt_output_format_time(j, "first_seen", g != NULL ? g->first_ns : a->ts_ns);
	pt_output_format_time(j, "last_seen", g != NULL ? g->last_ns : a->ts_ns);
	pt_json_string(j, "group_id", g != NULL && g->first_id[0] ? g->first_id : ctx->id);
	if (g != NULL && g->suppressed > 0 && !ctx->update)
		pt_json_u64(j, "rate_limited_before", g->suppressed);
	pt_json_string(j, "dedup_key", a->dedup_key);
	pt_json_end_object(j);
}

void pt_alert_format(struct pt_json *j, const struct pt_alert *a, const struct pt_alert_context *ctx)
{
	const struct pt_alert_group_info *g = ctx->group;
	uint64_t ts = ctx->update && g != NULL ? g->last_ns : a->ts_ns;
	struct pt_flow_context fctx = { .observer_name = ctx->observer_name,
					.destination_domain = ctx->destination_domain, .omit_labels = ctx->omit_labels };

	pt_json_begin_object(j, NULL);
	pt_output_format_time(j, "@timestamp", ts);
	pt_json_begin_object(j, "event");
	pt_json_string(j, "id", ctx->id);             /* first, so that a reader finds it without parsing */
	pt_json_string(j, "kind", "alert");
	pt_json_begin_array(j, "category");
	pt_json_string(j, NULL, "network");
	pt_json_string(j, NULL, "intrusion_detection");
	pt_json_end_array(j);
	pt_json_begin_array(j, "type");
	pt_json_string(j, NULL, "info");
	pt_json_end_array(j);
	pt_json_string(j, "action", ctx->update ? "alert_update" : "alert");
	pt_json_u64(j, "severity", a->severity);
	pt_json_u64(j, "risk_score", a->severity);
	pt_output_format_time(j, "start", g != NULL ? g->first_ns : a->ts_ns);
	pt_output_format_time(j, "end", ts);
	pt_json_string(j, "dataset", "podtap.alerts");
	pt_json_string(j, "module", "podtap");
	pt_json_end_object(j);
	pt_json_begin_object(j, "rule");
	pt_json_string(j, "id", a->rule->id);
	pt_json_string(j, "name", a->rule->name);
	pt_json_string(j, "category", pt_alert_category_name(a->rule->category));
	pt_json_string(j, "ruleset", "podtap");
	pt_json_end_object(j);
	pt_json_string(j, "message", a->message);
	if (a->has_flow)
		pt_output_format_flow_sides(j, &a->flow, &fctx);
	pt_output_format_observer(j, ctx->observer_name);
	pt_json_begin_object(j, "podtap");
	pt_json_string(j, "schema_version", PT_ALERT_SCHEMA_VERSION);
	format_group(j, a, ctx);
	format_evidence(j, a, ctx);
	if (a->has_flow)
		pt_output_format_flow_podtap(j, &a->flow, &fctx);
	pt_json_end_object(j);
	pt_json_end_object(j);
}
