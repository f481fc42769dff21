/* SPDX-License-Identifier: BSD-3-Clause */
/* engine_test.h - Helpers shared by the engine's unit tests: a sink that keeps alerts, workloads, records, evidence. */
#ifndef ENGINE_TEST_H
#define ENGINE_TEST_H

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pt_detect.h"

#define SEC PT_NS_PER_SEC
#define T0 1764786900000000000ULL
#define MAX_SEEN 64

/* The alerts a test saw, copied out of the sink's slot. */
struct seen {
	uint32_t n;
	struct pt_alert slot;
	struct pt_alert got[MAX_SEEN];
};

static inline struct pt_alert *sink_reserve(void *ctx)
{
	return &((struct seen *)ctx)->slot;
}

static inline void sink_commit(void *ctx)
{
	struct seen *s = ctx;

	if (s->n < MAX_SEEN) {
		s->got[s->n] = s->slot;
		s->got[s->n].flow.workload[0] = s->got[s->n].flow.workload[1] = NULL;
		s->n++;
	}
	pt_alert_release(&s->slot);
}

struct fixture {
	struct pt_config cfg;
	struct pt_detect_engine *e;
	struct seen seen;
	struct pt_detect_sink sink;
	struct pt_workload *frontend, *db, *prometheus;
};

static inline struct pt_workload *pod(const char *ns, const char *kind, const char *name, const char *labels)
{
	char json[512], err[128];
	struct pt_workload *w;

	snprintf(json, sizeof(json), "{\"kind\":\"pod\",\"namespace\":\"%s\",\"pod\":\"%s-0\",\"workload_kind\":\"%s\","
		 "\"workload\":\"%s\",\"labels\":%s}", ns, name, kind, name, labels);
	w = pt_workload_parse(json, strlen(json), err, sizeof(err));
	assert_non_null(w);
	return w;
}

static inline void start(struct fixture *f, void (*tweak)(struct pt_config *))
{
	char err[256];

	memset(f, 0, sizeof(*f));
	pt_config_default(&f->cfg);
	f->cfg.baseline.learning_period_ns = 10 * SEC;
	snprintf(f->cfg.detect.scan.exempt_labels, sizeof(f->cfg.detect.scan.exempt_labels), "app=prometheus");
	if (tweak != NULL)
		tweak(&f->cfg);
	f->e = pt_detect_engine_create(&f->cfg, err, sizeof(err));
	assert_non_null(f->e);
	f->sink = (struct pt_detect_sink){ .reserve = sink_reserve, .commit = sink_commit, .ctx = &f->seen };
	f->frontend = pod("shop", "Deployment", "frontend", "{\"app\":\"frontend\"}");
	f->db = pod("shop", "StatefulSet", "db", "{\"app\":\"db\"}");
	f->prometheus = pod("monitoring", "Deployment", "prometheus", "{\"app\":\"prometheus\"}");
}

static inline void stop(struct fixture *f)
{
	pt_detect_engine_free(f->e);
	pt_workload_release(f->frontend);
	pt_workload_release(f->db);
	pt_workload_release(f->prometheus);
}

/* A final record of a UDP (or @p proto) flow @p src -> @p dst:@p port at @p t, answered or not. */
static inline struct pt_flow_record record(const char *src, const char *dst, uint8_t proto, uint16_t port,
					   bool answered, uint64_t t, struct pt_workload *ws, struct pt_workload *wd)
{
	struct pt_flow_record r;

	memset(&r, 0, sizeof(r));
	assert_int_equal(inet_pton(AF_INET, src, r.flow.key.addr[0]), 1);
	assert_int_equal(inet_pton(AF_INET, dst, r.flow.key.addr[1]), 1);
	r.flow.key.ip_version = 4;
	r.flow.key.proto = proto;
	r.flow.key.port[0] = proto == 1 ? 8 : 40000;
	r.flow.key.port[1] = port;
	r.flow.first_ns = r.flow.last_ns = r.flow.last_update_ns = t;
	r.flow.packets[0] = 1;
	r.flow.packets[1] = answered ? 1 : 0;
	if (proto == 6) {
		r.flow.tcp_seen[0] = PT_FLOW_TCP_SYN | PT_FLOW_TCP_ACK;
		r.flow.tcp_seen[1] = answered ? PT_FLOW_TCP_SYNACK : PT_FLOW_TCP_RST | PT_FLOW_TCP_ACK;
		snprintf(r.flow.history, sizeof(r.flow.history), answered ? "ShAF" : "Sr");
	}
	r.now_ns = t;
	r.event = PT_FLOW_EVENT_END_IDLE;
	r.orig_scope = PT_SCOPE_POD;
	r.resp_scope = strncmp(dst, "10.", 3) == 0 ? PT_SCOPE_POD : strncmp(dst, "169.254.", 8) == 0 ? PT_SCOPE_INTERNAL
												: PT_SCOPE_EXTERNAL;
	r.workload[0] = ws;
	r.workload[1] = wd;
	r.workload_match[0] = ws ? PT_WORKLOAD_MATCH_ADDRESS : PT_WORKLOAD_MATCH_NONE;
	r.workload_match[1] = wd ? PT_WORKLOAD_MATCH_ADDRESS : PT_WORKLOAD_MATCH_NONE;
	return r;
}

static inline void feed(struct fixture *f, struct pt_flow_record r, const char *domain)
{
	pt_detect_engine_record(f->e, &r, domain, &f->sink);
}

static inline const char *evidence(const struct pt_alert *a, const char *key)
{
	static char num[32];

	for (uint32_t i = 0; i < a->n_evidence; i++) {
		if (strcmp(a->evidence[i].key, key) != 0)
			continue;
		if (a->evidence[i].type == PT_ALERT_VALUE_STRING)
			return a->evidence[i].str;
		snprintf(num, sizeof(num), "%llu", (unsigned long long)a->evidence[i].u64);
		return num;
	}
	return NULL;
}

#endif /* ENGINE_TEST_H */
