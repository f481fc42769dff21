/* SPDX-License-Identifier: BSD-3-Clause */
/* test_alert_format.c - Unit tests for lib/alert's ECS JSON: alerts about a flow, alert updates, sensor-health alerts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pt_alert.h"
#include "pt_util.h"

#define MS (PT_NS_PER_SEC / 1000)
#define T0 1764786900000000000ULL          /* 2025-12-03T18:35:00Z */

static const struct pt_alert_rule rule_new_dest = { "podtap.new_external_destination", "New external destination",
						    PT_ALERT_NEW_EXTERNAL_DESTINATION };
static const struct pt_alert_rule rule_loss = { "podtap.health.capture_loss", "Capture loss", PT_ALERT_SENSOR_HEALTH };

/* ---- reading the output back ---------------------------------------------------------------------------- */

struct member_lookup {
	const char *key;
	struct pt_json_value value;
	bool found;
};

static int lookup_member(void *ctx, const char *key, const struct pt_json_value *v)
{
	struct member_lookup *l = ctx;

	if (key == NULL || strcmp(key, l->key) != 0)
		return 0;
	l->value = *v;
	l->found = true;
	return -1;                                      /* found: stop */
}

/* The value at a dotted @p path ("event.id"; "@timestamp" has no dot) of document @p doc. */
static bool find(const char *doc, const char *path, struct pt_json_value *out)
{
	struct pt_json_value v = { PT_JSON_OBJECT, doc, strlen(doc) };
	char segment[64];

	while (*path) {
		size_t n = strcspn(path, ".");
		struct member_lookup l = { segment, { 0 }, false };

		snprintf(segment, sizeof(segment), "%.*s", (int)n, path);
		if (v.type != PT_JSON_OBJECT)
			return false;
		pt_json_read(v.text, v.len, lookup_member, &l);
		if (!l.found)
			return false;
		v = l.value;
		path += n + (path[n] == '.');
	}
	*out = v;
	return true;
}

static bool has(const char *doc, const char *path)
{
	struct pt_json_value v;

	return find(doc, path, &v);
}

static const char *string_at(const char *doc, const char *path)
{
	static char buf[4][512];
	static int next;
	struct pt_json_value v;
	char *out = buf[next++ % 4];

	if (!find(doc, path, &v))
		fail_msg("no %s in %s", path, doc);
	assert_int_equal(v.type, PT_JSON_STRING);
	assert_true(pt_json_string_decode(&v, out, sizeof(buf[0])) >= 0);
	return out;
}

static uint64_t u64_at(const char *doc, const char *path)
{
	struct pt_json_value v;

	if (!find(doc, path, &v))
		fail_msg("no %s in %s", path, doc);
	assert_int_equal(v.type, PT_JSON_NUMBER);
	return strtoull(v.text, NULL, 10);
}

static const char *raw_at(const char *doc, const char *path)
{
	static char buf[1024];
	struct pt_json_value v;

	if (!find(doc, path, &v))
		fail_msg("no %s in %s", path, doc);
	snprintf(buf, sizeof(buf), "%.*s", (int)v.len, v.text);
	return buf;
}

struct first_key {
	char key[PT_JSON_KEY_LEN];
};

static int take_first_key(void *ctx, const char *key, const struct pt_json_value *v)
{
	(void)v;
	snprintf(((struct first_key *)ctx)->key, PT_JSON_KEY_LEN, "%s", key != NULL ? key : "");
	return -1;
}

static const char *first_member(const char *doc, const char *path)
{
	static struct first_key k;
	struct pt_json_value v = { PT_JSON_OBJECT, doc, strlen(doc) };

	if (path != NULL && !find(doc, path, &v))
		fail_msg("no %s in %s", path, doc);
	k.key[0] = '\0';
	pt_json_read(v.text, v.len, take_first_key, &k);
	return k.key;
}

/* Every object in the document has distinct keys (checked recursively). */
struct unique_keys {
	int n;
	char key[64][PT_JSON_KEY_LEN];
};

static void assert_unique_keys(const char *text, size_t len);

static int collect_key(void *ctx, const char *key, const struct pt_json_value *v)
{
	struct unique_keys *u = ctx;

	if (key != NULL) {
		for (int i = 0; i < u->n; i++)
			if (strcmp(u->key[i], key) == 0)
				fail_msg("duplicate key %s", key);
		assert_true(u->n < 64);
		snprintf(u->key[u->n++], PT_JSON_KEY_LEN, "%s", key);
	}
	if (v->type == PT_JSON_OBJECT || v->type == PT_JSON_ARRAY)
		assert_unique_keys(v->text, v->len);
	return 0;
}

static void assert_unique_keys(const char *text, size_t len)
{
	struct unique_keys *u = calloc(1, sizeof(*u));

	assert_non_null(u);
	assert_int_equal(pt_json_read(text, len, collect_key, u), 0);
	free(u);
}

/* ---- building and writing alerts ------------------------------------------------------------------------ */

static void flow_alert(struct pt_alert *a)
{
	struct pt_flow *f = &a->flow.flow;

	memset(a, 0, sizeof(*a));
	a->rule = &rule_new_dest;
	a->ts_ns = T0 + 500 * MS;
	a->severity = 73;
	snprintf(a->message, sizeof(a->message), "shop/web talked to \"203.0.113.10\" for the first time");
	snprintf(a->dedup_key, sizeof(a->dedup_key), "203.0.113.10:443");
	pt_alert_evidence_u64(a, "port", 443);
	pt_alert_evidence_string(a, "destination", "203.0.113.10");
	pt_alert_evidence_bool(a, "first_time", true);
	pt_alert_evidence_bool(a, "known_before", false);
	a->has_flow = true;
	f->key.ip_version = 4;
	f->key.proto = 6;
	memcpy(f->key.addr[0], (uint8_t[]){ 10, 244, 1, 10 }, 4);
	memcpy(f->key.addr[1], (uint8_t[]){ 203, 0, 113, 10 }, 4);
	f->key.port[0] = 40000;
	f->key.port[1] = 443;
	f->first_ns = T0;
	f->last_ns = T0 + 500 * MS;
	f->packets[0] = 3;
	f->packets[1] = 2;
	f->bytes[0] = 300;
	f->bytes[1] = 200;
	a->flow.now_ns = f->last_ns;
	a->flow.orig_scope = PT_SCOPE_POD;
	a->flow.resp_scope = PT_SCOPE_EXTERNAL;
}

static void health_alert(struct pt_alert *a)
{
	memset(a, 0, sizeof(*a));
	a->rule = &rule_loss;
	a->ts_ns = T0 + 42 * MS;
	a->severity = 47;
	snprintf(a->message, sizeof(a->message), "the NIC dropped 12 packets");
	snprintf(a->dedup_key, sizeof(a->dedup_key), "capture_loss");
	pt_alert_evidence_u64(a, "dropped", 12);
}

/* Format @p a and check it is one JSON object on one line, with distinct keys everywhere. */
static const char *format(const struct pt_alert *a, const struct pt_alert_context *ctx)
{
	static char buf[PT_ALERT_JSON_MAX];
	struct pt_json j;
	int len;

	pt_json_init(&j, buf, sizeof(buf));
	pt_alert_format(&j, a, ctx);
	len = pt_json_finish(&j);
	assert_true(len > 0);
	assert_int_equal(buf[0], '{');
	assert_null(strchr(buf, '\n'));
	assert_unique_keys(buf, (size_t)len);
	return buf;
}

/* What every alert has, whatever it is about. */
static void assert_alert_basics(const char *doc, const struct pt_alert *a, const struct pt_alert_context *ctx)
{
	assert_string_equal(first_member(doc, NULL), "@timestamp");
	assert_string_equal(first_member(doc, "event"), "id");
	assert_string_equal(string_at(doc, "event.id"), ctx->id);
	assert_string_equal(string_at(doc, "event.kind"), "alert");
	assert_string_equal(raw_at(doc, "event.category"), "[\"network\",\"intrusion_detection\"]");
	assert_string_equal(string_at(doc, "event.action"), ctx->update ? "alert_update" : "alert");
	assert_int_equal(u64_at(doc, "event.severity"), a->severity);
	assert_string_equal(string_at(doc, "rule.id"), a->rule->id);
	assert_string_equal(string_at(doc, "rule.name"), a->rule->name);
	assert_string_equal(string_at(doc, "rule.category"), pt_alert_category_name(a->rule->category));
	assert_string_equal(string_at(doc, "rule.ruleset"), "podtap");
	assert_string_equal(string_at(doc, "message"), a->message);
	assert_string_equal(string_at(doc, "podtap.schema_version"), "1");
	assert_string_equal(string_at(doc, "observer.name"), ctx->observer_name);
}

static void test_format_alert_about_a_flow(void **state)
{
	struct pt_ulid_gen gen = { 0 };
	char id[PT_ULID_LEN], cid[PT_FLOW_COMMUNITY_ID_LEN], want[64];
	struct pt_alert_context ctx = { .id = pt_ulid_make(&gen, (T0 + 500 * MS) / MS, id), .observer_name = "sensor-1" };
	struct pt_alert a;
	const char *doc;

	(void)state;
	flow_alert(&a);
	doc = format(&a, &ctx);
	assert_alert_basics(doc, &a, &ctx);
	assert_string_equal(string_at(doc, "@timestamp"), "2025-12-03T18:35:00.500000Z");
	assert_string_equal(string_at(doc, "rule.category"), "new_external_destination");
	assert_int_equal(u64_at(doc, "event.severity"), 73);
	/* podtap.evidence: each member with its type, and the flow's community id. */
	assert_int_equal(u64_at(doc, "podtap.evidence.port"), 443);
	assert_string_equal(string_at(doc, "podtap.evidence.destination"), "203.0.113.10");
	assert_string_equal(raw_at(doc, "podtap.evidence.first_time"), "true");
	assert_string_equal(raw_at(doc, "podtap.evidence.known_before"), "false");
	snprintf(want, sizeof(want), "[\"%s\"]", pt_flow_community_id(&a.flow.flow, 0, cid));
	assert_string_equal(raw_at(doc, "podtap.evidence.community_ids"), want);
	/* A single alert is a group of one: podtap.alert. */
	assert_int_equal(u64_at(doc, "podtap.alert.count"), 1);
	assert_string_equal(string_at(doc, "podtap.alert.group_id"), id);
	assert_string_equal(string_at(doc, "podtap.alert.first_seen"), "2025-12-03T18:35:00.500000Z");
	assert_string_equal(string_at(doc, "podtap.alert.last_seen"), "2025-12-03T18:35:00.500000Z");
	assert_string_equal(string_at(doc, "podtap.alert.dedup_key"), "203.0.113.10:443");
	assert_false(has(doc, "podtap.alert.rate_limited_before"));
	/* The flow's sides. */
	assert_string_equal(string_at(doc, "source.ip"), "10.244.1.10");
	assert_int_equal(u64_at(doc, "source.port"), 40000);
	assert_string_equal(string_at(doc, "destination.ip"), "203.0.113.10");
	assert_int_equal(u64_at(doc, "destination.port"), 443);
	assert_string_equal(string_at(doc, "network.transport"), "tcp");
	assert_false(has(doc, "destination.domain"));

	ctx.destination_domain = "api.example.com";
	doc = format(&a, &ctx);
	assert_string_equal(string_at(doc, "destination.domain"), "api.example.com");
}

static void test_format_alert_update_of_a_group(void **state)
{
	struct pt_ulid_gen gen = { 0 };
	char first_id[PT_ULID_LEN], id[PT_ULID_LEN];
	struct pt_alert_group_info g = { .count = 5, .first_ns = T0 + 500 * MS, .last_ns = T0 + 7 * PT_NS_PER_SEC,
					 .suppressed = 3, .n_flows = 2 };
	struct pt_alert_context ctx = { .observer_name = "sensor-1", .group = &g, .update = true };
	struct pt_alert a;
	const char *doc;

	(void)state;
	pt_ulid_make(&gen, T0 / MS, first_id);
	snprintf(g.first_id, sizeof(g.first_id), "%s", first_id);
	snprintf(g.flows[0], sizeof(g.flows[0]), "1:aaaaaaaaaaaaaaaaaaaaaaaaaaa=");
	snprintf(g.flows[1], sizeof(g.flows[1]), "1:bbbbbbbbbbbbbbbbbbbbbbbbbbb=");
	ctx.id = pt_ulid_make(&gen, (T0 + 10 * PT_NS_PER_SEC) / MS, id);
	flow_alert(&a);
	doc = format(&a, &ctx);
	assert_alert_basics(doc, &a, &ctx);
	assert_string_equal(string_at(doc, "event.action"), "alert_update");
	assert_string_not_equal(string_at(doc, "event.id"), first_id);      /* an update has an id of its own */
	/* @timestamp is the group's last alert; the group is named by the id of its first. */
	assert_string_equal(string_at(doc, "@timestamp"), "2025-12-03T18:35:07.000000Z");
	assert_string_equal(string_at(doc, "podtap.alert.last_seen"), "2025-12-03T18:35:07.000000Z");
	assert_string_equal(string_at(doc, "podtap.alert.first_seen"), "2025-12-03T18:35:00.500000Z");
	assert_int_equal(u64_at(doc, "podtap.alert.count"), 5);
	assert_string_equal(string_at(doc, "podtap.alert.group_id"), first_id);
	assert_string_equal(string_at(doc, "event.start"), "2025-12-03T18:35:00.500000Z");
	assert_string_equal(string_at(doc, "event.end"), "2025-12-03T18:35:07.000000Z");
	assert_false(has(doc, "podtap.alert.rate_limited_before"));
	/* The community ids are the group's flows, not only the first alert's. */
	assert_string_equal(raw_at(doc, "podtap.evidence.community_ids"),
			    "[\"1:aaaaaaaaaaaaaaaaaaaaaaaaaaa=\",\"1:bbbbbbbbbbbbbbbbbbbbbbbbbbb=\"]");

	/* The first alert of a group, emitted after rate-limited ones, says how many were dropped before it. */
	g = (struct pt_alert_group_info){ .count = 1, .first_ns = a.ts_ns, .last_ns = a.ts_ns, .suppressed = 4 };
	snprintf(g.first_id, sizeof(g.first_id), "%s", first_id);
	ctx = (struct pt_alert_context){ .id = first_id, .observer_name = "sensor-1", .group = &g, .update = false };
	doc = format(&a, &ctx);
	assert_string_equal(string_at(doc, "event.action"), "alert");
	assert_int_equal(u64_at(doc, "podtap.alert.rate_limited_before"), 4);
	assert_string_equal(string_at(doc, "@timestamp"), "2025-12-03T18:35:00.500000Z");
}

static void test_format_sensor_health_alert_without_flow(void **state)
{
	struct pt_alert_context ctx = { .id = "01KBJ0A1B2C3D4E5F6G7H8J9KM", .observer_name = "sensor-2" };
	struct pt_alert a;
	const char *doc;

	(void)state;
	health_alert(&a);
	doc = format(&a, &ctx);
	assert_alert_basics(doc, &a, &ctx);
	assert_string_equal(string_at(doc, "@timestamp"), "2025-12-03T18:35:00.042000Z");
	assert_string_equal(string_at(doc, "rule.category"), "sensor_health");
	assert_int_equal(u64_at(doc, "podtap.evidence.dropped"), 12);
	assert_false(has(doc, "podtap.evidence.community_ids"));
	assert_false(has(doc, "source"));
	assert_false(has(doc, "destination"));
	assert_false(has(doc, "network"));
	assert_false(has(doc, "podtap.flow"));
}

static void test_format_category_names(void **state)
{
	(void)state;
	assert_string_equal(pt_alert_category_name(PT_ALERT_NEW_EXTERNAL_DESTINATION), "new_external_destination");
	assert_string_equal(pt_alert_category_name(PT_ALERT_SCAN), "scan");
	assert_string_equal(pt_alert_category_name(PT_ALERT_LATERAL_MOVEMENT), "lateral_movement");
	assert_string_equal(pt_alert_category_name(PT_ALERT_POLICY), "policy");
	assert_string_equal(pt_alert_category_name(PT_ALERT_SENSOR_HEALTH), "sensor_health");
}

static void test_format_evidence_is_capped(void **state)
{
	struct pt_alert a;

	(void)state;
	health_alert(&a);
	for (int i = 0; i < PT_ALERT_EVIDENCE_MAX + 4; i++)
		pt_alert_evidence_string(&a, "a_key_longer_than_thirty_one_bytes_is_cut", "v");
	assert_int_equal(a.n_evidence, PT_ALERT_EVIDENCE_MAX);
	assert_int_equal(strlen(a.evidence[1].key), 31);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_alert_about_a_flow),
		cmocka_unit_test(test_format_alert_update_of_a_group),
		cmocka_unit_test(test_format_sensor_health_alert_without_flow),
		cmocka_unit_test(test_format_category_names),
		cmocka_unit_test(test_format_evidence_is_capped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
