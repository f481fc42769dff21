/* SPDX-License-Identifier: BSD-3-Clause */
/* bench_detect.c - Control-side detections benchmark: records per second through the engine, and a digest of its alerts. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "pt_detect.h"
#include "bench_records.h"

/*
 * Modes:
 *   flood [N]       N (1M) final records of failed SYN attempts (S0) from random external sources to one pod's
 *                   port 80: the control side under a SYN flood. Prints records/s and cycles/record.
 *   mix [N]         a seeded mix of answered flows (learning, then novelties), vertical, horizontal and slow
 *                   scans over IPv4 and IPv6, ICMP and UDP, floods, capture loss, interim records.
 *   mix-small [N]   the same with detect.scan.max_sources 64 (sources evicted and taken over all the time) and
 *                   baseline.max_edges and max_workloads 16 (full baselines).
 * SEED changes the random choices. Every mode prints a digest of every alert raised (rule, time, severity,
 * message, key, evidence, community ids) and of the counters: two builds that print the same digest raised the
 * same things.
 */

#define SEC 1000000000ULL
#define T0 1764786900000000000ULL

/* ---- the sink: every alert into the digest ---- */

struct digest {
	uint64_t h;
	uint64_t alerts;
	uint64_t by_rule[8];
	struct pt_alert slot;
};

static const struct pt_alert_rule *const rules[] = {
	&pt_detect_rule_new_external, &pt_detect_rule_lateral, &pt_detect_rule_scan_vertical,
	&pt_detect_rule_scan_horizontal, &pt_detect_rule_scan_slow, &pt_detect_rule_baseline_full,
	&pt_detect_rule_scan_suppressed, NULL
};

static void mix(struct digest *d, const void *p, size_t len)
{
	d->h = pt_fnv1a(d->h, p, len);
}

static void mix_str(struct digest *d, const char *s)
{
	mix(d, s, strlen(s) + 1);
}

static void mix_u64(struct digest *d, uint64_t v)
{
	mix(d, &v, sizeof(v));
}

static struct pt_alert *sink_reserve(void *ctx)
{
	return &((struct digest *)ctx)->slot;
}

static void sink_commit(void *ctx)
{
	struct digest *d = ctx;
	const struct pt_alert *a = &d->slot;
	const struct pt_alert_rule *const *r = rules;

	d->alerts++;
	for (int i = 0; r[i] != NULL; i++)
		if (r[i] == a->rule)
			d->by_rule[i]++;
	mix_str(d, a->rule->id);
	mix_u64(d, a->ts_ns);
	mix_u64(d, a->severity);
	mix_str(d, a->message);
	mix_str(d, a->dedup_key);
	mix_u64(d, a->n_evidence);
	for (uint32_t i = 0; i < a->n_evidence; i++) {
		mix_str(d, a->evidence[i].key);
		mix_u64(d, a->evidence[i].type);
		if (a->evidence[i].type == PT_ALERT_VALUE_STRING)
			mix_str(d, a->evidence[i].str);
		else
			mix_u64(d, a->evidence[i].u64);
	}
	mix_u64(d, a->n_flows);
	for (uint32_t i = 0; i < a->n_flows; i++)
		mix_str(d, a->flows[i]);
	mix_u64(d, a->has_flow);
	mix(d, &a->flow.flow.key, sizeof(a->flow.flow.key));
	mix_u64(d, a->flow.flow.first_ns);
	pt_alert_release(&d->slot);
}

static void digest_stats(struct digest *d, const struct pt_detect_engine *e)
{
	struct pt_detect_engine_stats st;

	pt_detect_engine_stats(e, &st);
	mix_u64(d, st.records);
	mix_u64(d, st.edges_checked);
	mix_u64(d, st.edges_new);
	mix_u64(d, st.scan_attempts);
	mix_u64(d, st.scan_exempt);
	mix_u64(d, st.scan_suppressed);
	mix_u64(d, st.scan_lossy);
	mix_u64(d, st.psl_fallbacks);
	mix_u64(d, st.scan_sources);
	mix_u64(d, st.scan_sources_evicted);
	for (int i = 0; i < 3; i++)
		mix_u64(d, st.scan_findings[i]);
	mix_u64(d, st.baseline.workloads);
	mix_u64(d, st.baseline.edges);
	mix_u64(d, st.baseline.learned);
	mix_u64(d, st.baseline.edges_refused);
	mix_u64(d, st.baseline.workloads_refused);
	printf("  stats: records %" PRIu64 " attempts %" PRIu64 " exempt %" PRIu64 " lossy %" PRIu64 " suppressed %"
	       PRIu64 " sources %" PRIu64 " evicted %" PRIu64 " findings %" PRIu64 "/%" PRIu64 "/%" PRIu64
	       " edges_checked %" PRIu64 " edges_new %" PRIu64 " learned %" PRIu64 " psl_fallbacks %" PRIu64 "\n",
	       st.records, st.scan_attempts, st.scan_exempt, st.scan_lossy, st.scan_suppressed, st.scan_sources,
	       st.scan_sources_evicted, st.scan_findings[0], st.scan_findings[1], st.scan_findings[2], st.edges_checked,
	       st.edges_new, st.baseline.learned, st.psl_fallbacks);
}

/* ---- records ---- */

/* A TCP (failed: S0 or REJ; else SF), UDP or ICMP echo outcome at @p t. */
static void set_outcome(struct pt_flow_record *r, bool answered, bool rej, uint64_t t)
{
	struct pt_flow *f = &r->flow;

	f->first_ns = f->last_ns = f->last_update_ns = t;
	f->packets[0] = 1;
	f->packets[1] = answered || rej ? 1 : 0;
	f->tcp_seen[0] = f->tcp_seen[1] = 0;
	f->history[0] = '\0';
	if (f->key.proto == 6) {
		f->tcp_seen[0] = PT_FLOW_TCP_SYN;
		if (answered) {
			f->tcp_seen[0] |= PT_FLOW_TCP_ACK | PT_FLOW_TCP_DATA | PT_FLOW_TCP_FIN;
			f->tcp_seen[1] = PT_FLOW_TCP_SYNACK | PT_FLOW_TCP_ACK | PT_FLOW_TCP_DATA | PT_FLOW_TCP_FIN;
			snprintf(f->history, sizeof(f->history), "ShADadFf");
		} else if (rej) {
			f->tcp_seen[1] = PT_FLOW_TCP_RST | PT_FLOW_TCP_ACK;
			snprintf(f->history, sizeof(f->history), "Sr");
		} else {
			snprintf(f->history, sizeof(f->history), "S");
		}
	}
	r->now_ns = t + 30 * SEC;
	r->event = PT_FLOW_EVENT_END_IDLE;
}

static void set_sides(struct pt_flow_record *r, uint8_t os, uint8_t rs, struct pt_workload *wo, uint8_t mo,
		      struct pt_workload *wr, uint8_t mr)
{
	r->orig_scope = os;
	r->resp_scope = rs;
	r->workload[0] = wo;
	r->workload[1] = wr;
	r->workload_match[0] = wo != NULL ? mo : PT_WORKLOAD_MATCH_NONE;
	r->workload_match[1] = wr != NULL ? mr : PT_WORKLOAD_MATCH_NONE;
}

static struct pt_detect_engine *engine(struct pt_config *cfg, uint64_t learning_ns, bool small)
{
	char err[256];
	struct pt_detect_engine *e;

	pt_config_default(cfg);
	cfg->baseline.learning_period_ns = learning_ns;
	if (small) {                                        /* the smallest tables: evictions and full baselines */
		cfg->detect.scan.max_sources = 64;
		cfg->baseline.max_edges = 16;
		cfg->baseline.max_workloads = 16;
	}
	snprintf(cfg->detect.scan.exempt_labels, sizeof(cfg->detect.scan.exempt_labels), "app=prometheus");
	e = pt_detect_engine_create(cfg, err, sizeof(err));
	if (e == NULL) {
		fprintf(stderr, "bench_detect: %s\n", err);
		exit(1);
	}
	return e;
}

/* ---- flood ---- */

struct attempt {
	uint32_t src;
	uint16_t sport;
};

static void flood(uint32_t n, struct digest *d, const struct pt_detect_sink *sink)
{
	struct pt_config cfg;
	struct pt_detect_engine *e = engine(&cfg, 24 * 3600 * SEC, false);
	struct pt_workload *pod = bench_workload("{\"kind\":\"pod\",\"namespace\":\"shop\",\"pod\":\"frontend-0\","
					   "\"workload_kind\":\"Deployment\",\"workload\":\"frontend\","
					   "\"labels\":{\"app\":\"frontend\"}}");
	struct attempt *at = malloc(sizeof(*at) * n);
	static struct pt_flow_record r;
	uint8_t src[16], dst[16];
	uint64_t c0, c1, f0, f1, t0, t1, sum = 0;

	if (at == NULL)
		exit(1);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t x = bench_rng();

		at[i].src = (uint32_t)x;
		if ((at[i].src >> 24) == 10 || (at[i].src >> 24) == 0 || (at[i].src >> 24) >= 224)
			at[i].src ^= 0x40000000;            /* not 10/8, 0/8 or multicast */
		at[i].sport = (uint16_t)(1024 + (x >> 32) % 64511);
	}
	bench_v4(0x0af4010a, dst);                                /* 10.244.1.10:80 */
	memset(&r, 0, sizeof(r));
	set_sides(&r, PT_SCOPE_EXTERNAL, PT_SCOPE_POD, NULL, 0, pod, PT_WORKLOAD_MATCH_ADDRESS);
	/* The cost of filling the record alone, to tell it from the engine's. */
	f0 = rte_rdtsc();
	for (uint32_t i = 0; i < n; i++) {
		bench_v4(at[i].src, src);
		bench_set_flow(&r, 4, 6, src, at[i].sport, dst, 80);
		set_outcome(&r, false, false, T0 + (uint64_t)i * 1000);
		sum += r.flow.key.addr[0][3] + r.flow.orig_side;
		__asm__ volatile("" : : "r"(&r) : "memory");
	}
	f1 = rte_rdtsc();
	t0 = pt_time_mono_ns();
	c0 = rte_rdtsc();
	for (uint32_t i = 0; i < n; i++) {
		bench_v4(at[i].src, src);
		bench_set_flow(&r, 4, 6, src, at[i].sport, dst, 80);
		set_outcome(&r, false, false, T0 + (uint64_t)i * 1000);
		pt_detect_engine_record(e, &r, NULL, sink);
	}
	c1 = rte_rdtsc();
	t1 = pt_time_mono_ns();
	printf("flood: %u records in %.3f s: %.0f records/s, %.0f cycles/record (of which filling the record %.0f; "
	       "TSC %.2f GHz)\n", n, (double)(t1 - t0) / 1e9, n / ((double)(t1 - t0) / 1e9), (double)(c1 - c0) / n,
	       (double)(f1 - f0) / n, (double)(c1 - c0) / (double)(t1 - t0));
	(void)sum;
	digest_stats(d, e);
	pt_detect_engine_free(e);
	pt_workload_release(pod);
	free(at);
}

/* ---- mix ---- */

#define MIX_PODS 8

struct mix_world {
	struct pt_workload *pod[MIX_PODS], *node, *service, *net;
};

static void mix_world_make(struct mix_world *w)
{
	char json[512];

	for (int i = 0; i < MIX_PODS; i++) {
		snprintf(json, sizeof(json), "{\"kind\":\"pod\",\"namespace\":\"ns-%d\",\"pod\":\"app-%d-0\","
			 "\"workload_kind\":\"%s\",\"workload\":\"%s\",\"labels\":{\"app\":\"%s\"}}", i % 3, i,
			 i % 2 ? "StatefulSet" : "Deployment", i == 7 ? "" : i == 6 ? "prometheus" : "app",
			 i == 6 ? "prometheus" : "app");
		w->pod[i] = bench_workload(json);
	}
	w->node = bench_workload("{\"kind\":\"node\",\"node\":\"node-a\"}");
	w->service = bench_workload("{\"kind\":\"service\",\"namespace\":\"kube-system\",\"workload\":\"kube-dns\"}");
	w->net = bench_workload("{\"kind\":\"node\",\"node\":\"corp-vpn\",\"workload\":\"corp-net\"}");
}

static void mix_world_free(struct mix_world *w)
{
	for (int i = 0; i < MIX_PODS; i++)
		pt_workload_release(w->pod[i]);
	pt_workload_release(w->node);
	pt_workload_release(w->service);
	pt_workload_release(w->net);
}

static const char *const mix_domains[] = { "api.example.com", "www.example.com", "cdn.example.org", "x.example.net",
					   "203.0.113.5", "localhost", "a.b.c.d.example.co.uk", NULL };

/* One flow (mostly answered) from a pod to a pod, the node, the service, a network, the metadata address, outside. */
static const char *benign(struct pt_flow_record *r, struct mix_world *w, uint64_t t)
{
	uint32_t p = (uint32_t)(bench_rng() % MIX_PODS), kind = (uint32_t)(bench_rng() % 9), q = (uint32_t)(bench_rng() % MIX_PODS);
	uint16_t ports[] = { 443, 80, 5432, 53, 8080, 22, 6443, 4444, 123 };
	uint16_t port = ports[bench_rng() % 9];
	uint8_t proto = bench_rng() % 4 == 0 ? 17 : 6, src[16], dst[16];
	const char *domain = NULL;
	bool v6flow = bench_rng() % 8 == 0 && (kind <= 1 || kind >= 6);     /* only pods and external peers have IPv6 */

	if (v6flow) {
		bench_v6(0xfd00000000000000ULL, 0x0a0000 + p, src);
	} else {
		bench_v4(0x0af40000 | (p << 8) | 10, src);
	}
	memset(&r->dpi, 0, sizeof(r->dpi));
	r->has_dpi = false;
	memset(r->geo, 0, sizeof(r->geo));
	switch (kind) {
	case 0: case 1:                                           /* pod to pod */
		if (v6flow)
			bench_v6(0xfd00000000000000ULL, 0x0a0000 + q, dst);
		else
			bench_v4(0x0af40000 | (q << 8) | 10, dst);
		set_sides(r, PT_SCOPE_POD, PT_SCOPE_POD, w->pod[p], PT_WORKLOAD_MATCH_ADDRESS, w->pod[q],
			  PT_WORKLOAD_MATCH_ADDRESS);
		break;
	case 2:
		bench_v4(0x0a000005, dst);
		set_sides(r, PT_SCOPE_POD, PT_SCOPE_NODE, w->pod[p], PT_WORKLOAD_MATCH_ADDRESS, w->node,
			  PT_WORKLOAD_MATCH_ADDRESS);
		break;
	case 3:
		bench_v4(0x0a60000a, dst);
		set_sides(r, PT_SCOPE_POD, PT_SCOPE_SERVICE, w->pod[p], PT_WORKLOAD_MATCH_ADDRESS, w->service,
			  PT_WORKLOAD_MATCH_ADDRESS);
		break;
	case 4:
		bench_v4(0x0afa0000 | (uint32_t)(bench_rng() % 65536), dst);
		set_sides(r, PT_SCOPE_POD, bench_rng() % 2 ? PT_SCOPE_INTERNAL : PT_SCOPE_EXTERNAL, w->pod[p],
			  PT_WORKLOAD_MATCH_ADDRESS, w->net, PT_WORKLOAD_MATCH_NETWORK);
		break;
	case 5:
		if (bench_rng() % 4 == 0)
			bench_v4(0xa9fea9fe, dst);                      /* 169.254.169.254 */
		else
			bench_v4(0x0a010000 | (uint32_t)(bench_rng() % 64), dst);
		set_sides(r, PT_SCOPE_POD, PT_SCOPE_INTERNAL, w->pod[p], PT_WORKLOAD_MATCH_ADDRESS, NULL, 0);
		break;
	default:                                                  /* external, with a name or not */
		if (v6flow)
			bench_v6(0x20010db800000000ULL, bench_rng() % 32, dst);
		else
			bench_v4(0xcb007100 | (uint32_t)(bench_rng() % 32), dst);
		set_sides(r, PT_SCOPE_POD, PT_SCOPE_EXTERNAL, w->pod[p], PT_WORKLOAD_MATCH_ADDRESS, NULL, 0);
		r->geo[1].as_number = (uint32_t)(64496 + bench_rng() % 4);
		snprintf(r->geo[1].country_iso_code, sizeof(r->geo[1].country_iso_code), "%s",
			 bench_rng() % 2 ? "DE" : "US");
		if (bench_rng() % 2)
			domain = mix_domains[bench_rng() % 7];
		if (bench_rng() % 3 == 0) {
			r->has_dpi = true;
			r->dpi.kind = bench_rng() % 2 ? PT_DPI_KIND_TLS : PT_DPI_KIND_HTTP;
			snprintf(r->dpi.protocol, sizeof(r->dpi.protocol), "%s",
				 r->dpi.kind == PT_DPI_KIND_TLS ? "tls" : "http");
			snprintf(r->dpi.server_name, sizeof(r->dpi.server_name), "%s",
				 bench_rng() % 2 ? "Shop.Example.COM:443" : "[2001:db8::1]:8443");
			r->dpi.risks = bench_rng() % 4 == 0 ? 1ULL << 10 : 0;
		}
		break;
	}
	if (r->has_dpi == false && bench_rng() % 4 == 0) {
		r->has_dpi = true;
		snprintf(r->dpi.protocol, sizeof(r->dpi.protocol), "%s", bench_rng() % 2 ? "unknown" : "dns");
	}
	bench_set_flow(r, v6flow ? 6 : 4, proto, src, (uint16_t)(30000 + bench_rng() % 30000), dst, port);
	set_outcome(r, bench_rng() % 8 != 0, bench_rng() % 2 == 0, t);           /* 1 in 8 failed: not checked, still named */
	switch (bench_rng() % 6) {
	case 0:
		r->event = PT_FLOW_EVENT_UPDATE;
		break;
	case 1:
		r->flow.tcp_seen[0] |= PT_FLOW_UPDATE_SENT;
		break;
	default:
		break;
	}
	return domain;
}

/* A scanner's failed (or, for the slow one, sometimes answered) attempt. */
static void scanner(struct pt_flow_record *r, struct mix_world *w, uint64_t t, uint32_t *ctr)
{
	uint32_t which = (uint32_t)(bench_rng() % 10), c = ctr[which]++;
	uint8_t src[16], dst[16], proto = 6, ipv = 4;
	uint16_t port = 22, sport = (uint16_t)(40000 + bench_rng() % 20000);
	bool answered = false, rej = bench_rng() % 2;
	struct pt_workload *wo = NULL;
	uint8_t os = PT_SCOPE_EXTERNAL, rs = PT_SCOPE_POD;

	memset(r->geo, 0, sizeof(r->geo));
	r->has_dpi = false;
	switch (which) {
	case 0:                                                     /* pod, vertical on one victim */
		bench_v4(0x0af4030a, src);
		bench_v4(0x0af40200 | (c / 40 % 8), dst);
		port = (uint16_t)(1 + c % 40);
		wo = w->pod[3];
		os = PT_SCOPE_POD;
		break;
	case 1:                                                     /* external, vertical over a few victims */
		bench_v4(0xc6336407, src);
		bench_v4(0x0af40500 | (uint32_t)(bench_rng() % 12), dst);
		port = (uint16_t)(1 + bench_rng() % 200);
		break;
	case 2:                                                     /* IPv6 vertical */
		ipv = 6;
		bench_v6(0x20010db8ffff0000ULL, 7, src);
		bench_v6(0xfd00000000000000ULL, 0x0a0000 + c / 30 % 3, dst);
		port = (uint16_t)(1000 + c % 30);
		break;
	case 3:                                                     /* horizontal, port 22 */
		bench_v4(0xcb00710b, src);
		bench_v4(0x0af40000 | (uint32_t)(bench_rng() % 1024), dst);
		break;
	case 4:                                                     /* horizontal over several ports, interleaved */
		bench_v4(0x0af4040a, src);
		wo = w->pod[4];
		os = PT_SCOPE_POD;
		bench_v4(0x0af40000 | (uint32_t)(bench_rng() % 4096), dst);
		port = (uint16_t)(8000 + bench_rng() % 10);
		proto = bench_rng() % 3 == 0 ? 17 : 6;
		break;
	case 5:                                                     /* IPv6 horizontal */
		ipv = 6;
		bench_v6(0x20010db8ffff0000ULL, 9, src);
		bench_v6(0xfd00000000000000ULL, bench_rng() % 256, dst);
		port = 443;
		break;
	case 6:                                                     /* slow: distinct addresses, 80% failing */
		bench_v4(0x0af4060a, src);
		wo = w->pod[5];
		os = PT_SCOPE_POD;
		bench_v4(0xc0000000 | (uint32_t)(bench_rng() % (1 << 20)), dst);
		rs = PT_SCOPE_EXTERNAL;
		port = 443;
		answered = bench_rng() % 5 == 0;
		break;
	case 7:                                                     /* ICMP echo sweep */
		bench_v4(0xc633640b, src);
		bench_v4(0x0af40700 | (uint32_t)(bench_rng() % 256), dst);
		proto = 1;
		port = 8;
		sport = 8;
		break;
	case 8:                                                     /* exempt: prometheus probing */
		bench_v4(0x0af4080a, src);
		wo = w->pod[6];
		os = PT_SCOPE_POD;
		bench_v4(0x0af40000 | (uint32_t)(bench_rng() % 4096), dst);
		port = (uint16_t)(9000 + bench_rng() % 100);
		break;
	default:                                                    /* UDP probes to random ports */
		bench_v4(0xcb00710c, src);
		bench_v4(0x0af40900 | (uint32_t)(bench_rng() % 4), dst);
		proto = 17;
		port = (uint16_t)(bench_rng() % 65536);
		sport = (uint16_t)(1024 + bench_rng() % 60000);
		break;
	}
	if (proto == 1) {
		bench_set_flow(r, ipv, proto, src, 8, dst, 0);            /* echo request: (type 8, counterpart 0) */
		r->flow.key.port[r->flow.orig_side] = 8;
		r->flow.key.port[!r->flow.orig_side] = 0;
	} else {
		bench_set_flow(r, ipv, proto, src, sport, dst, port);
	}
	set_outcome(r, answered, rej && proto == 6, t);
	set_sides(r, os, rs, wo, PT_WORKLOAD_MATCH_ADDRESS, NULL, 0);
	if (rs == PT_SCOPE_POD && ipv == 4 && bench_rng() % 2)
		set_sides(r, os, rs, wo, PT_WORKLOAD_MATCH_ADDRESS, w->pod[bench_rng() % 3], PT_WORKLOAD_MATCH_ADDRESS);
}

static void run_mix(uint32_t n, bool small, struct digest *d, const struct pt_detect_sink *sink)
{
	struct pt_config cfg;
	struct pt_detect_engine *e = engine(&cfg, 5 * SEC, small);
	static struct pt_flow_record r;
	struct mix_world w;
	uint32_t ctr[10] = { 0 };
	uint64_t t = T0, c0, c1;

	mix_world_make(&w);
	memset(&r, 0, sizeof(r));
	c0 = rte_rdtsc();
	for (uint32_t i = 0; i < n; i++) {
		uint32_t k = (uint32_t)(bench_rng() % 100);
		const char *domain = NULL;
		uint64_t ts = t - (bench_rng() % 4) * 1000000;                /* a little out of start order */

		t += 200000 + bench_rng() % 1600000;
		if (i % 150000 == 149999)                               /* packet time: every ~150 s */
			pt_detect_engine_capture_loss(e, t);
		if (k < 35) {
			domain = benign(&r, &w, ts);
		} else if (k < 90) {
			scanner(&r, &w, ts, ctr);
		} else {                                                /* flood */
			uint8_t src[16], dst[16];

			memset(r.geo, 0, sizeof(r.geo));
			r.has_dpi = false;
			bench_v4((uint32_t)bench_rng() | 0x80000000u, src);
			bench_v4(0x0af4010a, dst);
			bench_set_flow(&r, 4, 6, src, (uint16_t)(1024 + bench_rng() % 60000), dst, 80);
			set_outcome(&r, false, false, ts);
			set_sides(&r, PT_SCOPE_EXTERNAL, PT_SCOPE_POD, NULL, 0, w.pod[1], PT_WORKLOAD_MATCH_ADDRESS);
			if (k == 99) {                                  /* picked up midstream: not an attempt */
				r.flow.tcp_seen[0] = PT_FLOW_TCP_ACK;
			}
		}
		pt_detect_engine_record(e, &r, domain, sink);
	}
	c1 = rte_rdtsc();
	printf("mix (max_sources %u, max_edges %u): %u records, %.0f cycles/record\n", cfg.detect.scan.max_sources,
	       cfg.baseline.max_edges, n, (double)(c1 - c0) / n);
	digest_stats(d, e);
	pt_detect_engine_free(e);
	mix_world_free(&w);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "flood";
	uint32_t n = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 0;
	static struct digest d = { .h = PT_FNV1A_INIT };
	struct pt_detect_sink sink = { .reserve = sink_reserve, .commit = sink_commit, .ctx = &d };
	const struct pt_alert_rule *const *r = rules;

	if (argc > 3)
		bench_rng_seed(strtoull(argv[3], NULL, 0));
	if (strcmp(mode, "flood") == 0) {
		flood(n ? n : 1000000, &d, &sink);
	} else if (strcmp(mode, "mix") == 0) {
		run_mix(n ? n : 400000, false, &d, &sink);
	} else if (strcmp(mode, "mix-small") == 0) {
		run_mix(n ? n : 400000, true, &d, &sink);
	} else {
		fprintf(stderr, "usage: bench_detect [flood|mix|mix-small] [RECORDS] [SEED]\n");
		return 2;
	}
	printf("  alerts %" PRIu64 ":", d.alerts);
	for (int i = 0; r[i] != NULL; i++)
		printf(" %s %" PRIu64, r[i]->id, d.by_rule[i]);
	printf("\n  digest %016" PRIx64 "\n", d.h);
	return 0;
}
