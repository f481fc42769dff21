/* SPDX-License-Identifier: BSD-3-Clause */
/* test_rule.c - A test-only trigger (alerts.test_port): every flow to one port raises an alert, to try the alert pipeline. */
#include <stdio.h>
#include <stdlib.h>

#include "detect_priv.h"

const struct pt_alert_rule pt_detect_rule_test_flow_to_port = {
	.id = "podtap.test.flow_to_port",
	.name = "Test trigger: a flow to the configured test port",
	.category = PT_ALERT_POLICY,
};

struct test_rule {
	uint16_t port;
	bool per_flow;
};

static void *test_rule_create(const struct pt_config *cfg)
{
	struct test_rule *t;

	if (cfg->alerts.test_port == 0 || (t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->port = (uint16_t)cfg->alerts.test_port;
	t->per_flow = cfg->alerts.test_per_flow;
	return t;
}

/* Severity is the source port modulo 100, so that tests choose it by choosing the port. */
static void test_rule_flow_start(void *state, const struct pt_flow_record *rec, const struct pt_detect_sink *sink)
{
	const struct test_rule *t = state;
	const struct pt_flow *f = &rec->flow;
	char dst[PT_ADDR_TEXT_LEN];
	uint16_t sport, dport;
	struct pt_alert *a;

	if (f->key.proto != 6 && f->key.proto != 17 && f->key.proto != 132)
		return;
	sport = pt_flow_orig_port(f);
	dport = pt_flow_resp_port(f);
	if (dport != t->port)
		return;
	a = pt_detect_alert_begin(sink, &pt_detect_rule_test_flow_to_port, rec, (uint8_t)(sport % 100));
	if (a == NULL)
		return;
	pt_addr_format(f->key.ip_version, pt_flow_resp_addr(f), dst);
	snprintf(a->message, sizeof(a->message), "test trigger: a flow to %s port %u", dst, dport);
	if (t->per_flow)
		snprintf(a->dedup_key, sizeof(a->dedup_key), "%s:%u from port %u", dst, dport, sport);
	else
		snprintf(a->dedup_key, sizeof(a->dedup_key), "%s:%u", dst, dport);
	pt_alert_evidence_u64(a, "test_port", t->port);
	pt_alert_evidence_u64(a, "source_port", sport);
	pt_detect_alert_commit(sink);
}

const struct pt_detector_ops pt_detect_test_rule_ops = {
	.name = "test_rule",
	.create = test_rule_create,
	.free = free,
	.on_flow_start = test_rule_flow_start,
};
