/* SPDX-License-Identifier: BSD-3-Clause */
/* engine.c - The control side's detections over flow records: who each side is, the baseline check, scan attempts. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect_priv.h"

const struct pt_alert_rule pt_detect_rule_scan_vertical = {
	.id = "podtap.detect.scan.vertical",
	.name = "Vertical scan: connection attempts to many ports of one host failed",
	.category = PT_ALERT_SCAN,
};
const struct pt_alert_rule pt_detect_rule_scan_horizontal = {
	.id = "podtap.detect.scan.horizontal",
	.name = "Horizontal scan: connection attempts to one port on many hosts failed",
	.category = PT_ALERT_SCAN,
};
const struct pt_alert_rule pt_detect_rule_scan_slow = {
	.id = "podtap.detect.scan.slow",
	.name = "Slow scan: first contacts fail the way a scanner's do (Threshold Random Walk)",
	.category = PT_ALERT_SCAN,
};
const struct pt_alert_rule pt_detect_rule_baseline_full = {
	.id = "podtap.health.baseline_full",
	.name = "Baseline full: a workload's new edges are no longer learned",
	.category = PT_ALERT_SENSOR_HEALTH,
};
const struct pt_alert_rule pt_detect_rule_scan_suppressed = {
	.id = "podtap.health.scan_suppressed",
	.name = "Scan verdicts suppressed: capture loss makes one-sided flows unreliable",
	.category = PT_ALERT_SENSOR_HEALTH,
};

/* "k=v,k=v" into the exempt labels. */
static int parse_exempt(struct pt_detect_engine *e, const char *text, char *err, size_t err_len)
{
	const char *p = text;

	while (*p) {
		const char *end = strchr(p, ','), *eq;
		size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
		struct detect_label *l;

		while (len > 0 && *p == ' ')
			p++, len--;
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if (len > 0) {
			eq = memchr(p, '=', len);
			if (eq == NULL || eq == p || e->n_exempt == DETECT_EXEMPT_MAX || (size_t)(eq - p) >= 64 ||
			    len - (size_t)(eq - p) - 1 >= 64) {
				snprintf(err, err_len, "detect.scan.exempt_labels: \"%.*s\" is not key=value (at most %d "
					 "labels, 63 characters each side)", (int)len, p, DETECT_EXEMPT_MAX);
				return -EINVAL;
			}
			l = &e->exempt[e->n_exempt++];
			snprintf(l->key, sizeof(l->key), "%.*s", (int)(eq - p), p);
			snprintf(l->value, sizeof(l->value), "%.*s", (int)(len - (size_t)(eq - p) - 1), eq + 1);
		}
		if (end == NULL)
			break;
		p = end + 1;
	}
	return 0;
}

struct pt_detect_engine *pt_detect_engine_create(const struct pt_config *cfg, char *err, size_t err_len)
{
	struct pt_detect_engine *e = calloc(1, sizeof(*e));

	if (e == NULL) {
		snprintf(err, err_len, "out of memory for the detections");
		return NULL;
	}
	e->cfg = cfg;
	e->psl = psl_latest(NULL);
	if (e->psl == NULL)
		e->psl = psl_builtin();
	if (parse_exempt(e, cfg->detect.scan.exempt_labels, err, err_len) != 0)
		goto fail;
	if (cfg->baseline.enabled) {
		struct pt_baseline_config bc = { .learning_period_ns = cfg->baseline.learning_period_ns,
						 .max_edges = cfg->baseline.max_edges,
						 .max_workloads = cfg->baseline.max_workloads };

		e->baseline = pt_baseline_create(&bc);
		if (e->baseline == NULL)
			goto nomem;
	}
	if (cfg->detect.scan.enabled) {
		struct pt_scan_config sc = { .window_ns = cfg->detect.scan.window_ns,
					     .vertical_ports = cfg->detect.scan.vertical_ports,
					     .horizontal_hosts = cfg->detect.scan.horizontal_hosts, .trw = cfg->detect.scan.trw,
					     .trw_benign_success = 0.8, .trw_scanner_success = 0.2, .trw_detection = 0.99,
					     .trw_false_positive = 0.01, .max_sources = cfg->detect.scan.max_sources };

		e->scan = pt_scan_create(&sc);
		if (e->scan == NULL)
			goto nomem;
	}
	return e;
nomem:
	snprintf(err, err_len, "out of memory for the detections (baseline.max_workloads, detect.scan.max_sources)");
fail:
	pt_detect_engine_free(e);
	return NULL;
}

void pt_detect_engine_free(struct pt_detect_engine *e)
{
	if (e == NULL)
		return;
	pt_baseline_free(e->baseline);
	pt_scan_free(e->scan);
	if (e->psl != NULL && e->psl != psl_builtin())
		psl_free((psl_ctx_t *)e->psl);
	free(e);
}

struct pt_baseline *pt_detect_engine_baseline(struct pt_detect_engine *e)
{
	return e->baseline;
}

void pt_detect_engine_capture_loss(struct pt_detect_engine *e, uint64_t now_ns)
{
	uint64_t until = now_ns + e->cfg->detect.scan.loss_holdoff_ns;

	if (now_ns > e->loss_at_ns)
		e->loss_at_ns = now_ns;

	if (until > e->loss_until_ns)
		e->loss_until_ns = until;
}

void pt_detect_engine_stats(const struct pt_detect_engine *e, struct pt_detect_engine_stats *st)
{
	*st = e->stats;
	if (e->baseline != NULL)
		pt_baseline_stats(e->baseline, &st->baseline);
	if (e->scan != NULL) {
		struct pt_scan_stats ss;

		pt_scan_stats(e->scan, &ss);
		st->scan_sources = ss.sources;
		st->scan_sources_evicted = ss.sources_evicted;
		for (int i = 0; i < PT_SCAN_KIND_MAX && i < 3; i++)
			st->scan_findings[i] = ss.findings[i];
	}
}

/*
 * The host part of a name as a DNS answer, SNI or HTTP Host gives it: lowercased, without a port, brackets or a
 * trailing dot. @return false when there is none, or when it is an address literal (not a name).
 */
static bool host_of(const char *name, char *out, size_t out_len)
{
	const char *end;
	size_t n = 0;
	uint8_t addr[16];

	if (name[0] == '[') {
		name++;
		end = strchr(name, ']');
	} else {
		end = strchr(name, ':');
		if (end != NULL && strchr(end + 1, ':') != NULL)
			end = NULL;                        /* a bare IPv6 literal: no port */
	}
	if (end == NULL)
		end = name + strlen(name);
	for (; name < end && n + 1 < out_len; name++)
		out[n++] = (char)(*name == '|' ? '_' : tolower((unsigned char)*name));
	while (n > 0 && out[n - 1] == '.')
		n--;
	out[n] = '\0';
	return n > 0 && inet_pton(AF_INET, out, addr) != 1 && inet_pton(AF_INET6, out, addr) != 1;
}

/*
 * Append @p s to the text of @p n characters in @p buf (@p size bytes), cut to fit and NUL-terminated, as
 * snprintf would: the names of a record's sides are built for every flow checked, and snprintf costs more than
 * the check.
 */
static size_t append(char *buf, size_t size, size_t n, const char *s)
{
	size_t len = strlen(s);

	if (len > size - 1 - n)
		len = size - 1 - n;
	memcpy(buf + n, s, len);
	n += len;
	buf[n] = '\0';
	return n;
}

/* @p a, @p b and @p c joined by '/' (@p c may be NULL) into @p buf. */
static void join(char *buf, size_t size, const char *a, const char *b, const char *c)
{
	size_t n = append(buf, size, 0, a);

	n = append(buf, size, n, "/");
	n = append(buf, size, n, b);
	if (c != NULL) {
		n = append(buf, size, n, "/");
		append(buf, size, n, c);
	}
}

/* The registered domain of a host name (public suffix list), or the name itself when it has none. */
static void registered_domain(struct pt_detect_engine *e, const char *host, char *out, size_t out_len)
{
	const char *reg = e->psl != NULL ? psl_registrable_domain(e->psl, host) : NULL;

	if (reg == NULL) {
		e->stats.psl_fallbacks++;
		reg = host;
	}
	append(out, out_len, 0, reg);
}

static const char *field(const struct pt_workload *w, enum pt_workload_field f)
{
	return w->field[f] != NULL ? w->field[f] : "";
}

/*
 * The name an external responder goes by in baselines: from a DNS answer the sensor saw, else the TLS/QUIC SNI or
 * HTTP Host (which the client chose), as a registered domain in @p peer. @return where it came from ("dns", "sni",
 * "http_host"), or NULL when there is none (@p peer untouched).
 */
static const char *external_name(struct pt_detect_engine *e, const struct pt_flow_record *rec, const char *domain,
				 char peer[PT_BASELINE_PEER_LEN])
{
	char host[PT_BASELINE_PEER_LEN];
	const char *source;

	if (domain != NULL && host_of(domain, host, sizeof(host)))
		source = "dns";
	else if (rec->has_dpi && (rec->dpi.kind == PT_DPI_KIND_TLS || rec->dpi.kind == PT_DPI_KIND_QUIC ||
				  rec->dpi.kind == PT_DPI_KIND_HTTP) && host_of(rec->dpi.server_name, host, sizeof(host)))
		source = rec->dpi.kind == PT_DPI_KIND_HTTP ? "http_host" : "sni";
	else
		return NULL;
	registered_domain(e, host, peer, PT_BASELINE_PEER_LEN);
	return source;
}

/* Side @p s (0 originator, 1 responder) of @p rec. */
static void describe_side(struct pt_detect_engine *e, const struct pt_flow_record *rec, unsigned int s,
			  const char *domain, struct detect_side *d)
{
	const struct pt_flow *f = &rec->flow;
	const struct pt_workload *w = rec->workload[s];
	uint8_t scope = s == 0 ? rec->orig_scope : rec->resp_scope;

	d->w = w;
	d->geo = &rec->geo[s];
	d->name_source = NULL;
	d->has_key = false;
	d->key[0] = '\0';
	pt_addr_format(f->key.ip_version, s == 0 ? pt_flow_orig_addr(f) : pt_flow_resp_addr(f), d->addr);
	d->external = !pt_identity_scope_is_internal(scope);
	if (w != NULL && rec->workload_match[s] == PT_WORKLOAD_MATCH_NETWORK) {
		const char *name = field(w, PT_WORKLOAD_F_WORKLOAD)[0] ? field(w, PT_WORKLOAD_F_WORKLOAD)
								       : field(w, PT_WORKLOAD_F_NODE);

		join(d->key, sizeof(d->key), "net", name, NULL);
		d->peer_kind = PT_PEER_NETWORK;
		append(d->peer, sizeof(d->peer), 0, name);
		d->has_key = !d->external;
		return;
	}
	if (w != NULL && w->kind == PT_WORKLOAD_NODE) {
		join(d->key, sizeof(d->key), "node", field(w, PT_WORKLOAD_F_NODE), NULL);
		d->peer_kind = PT_PEER_NODE;
		append(d->peer, sizeof(d->peer), 0, field(w, PT_WORKLOAD_F_NODE));
		d->has_key = true;
		return;
	}
	if (w != NULL && w->kind == PT_WORKLOAD_SERVICE) {
		const char *ns = field(w, PT_WORKLOAD_F_NAMESPACE), *name = field(w, PT_WORKLOAD_F_WORKLOAD);

		join(d->key, sizeof(d->key), "service", ns, name);
		d->peer_kind = PT_PEER_SERVICE;
		join(d->peer, sizeof(d->peer), ns, name, NULL);
		d->has_key = true;
		return;
	}
	if (w != NULL) {
		const char *kind = field(w, PT_WORKLOAD_F_WORKLOAD_KIND), *name = field(w, PT_WORKLOAD_F_WORKLOAD);

		if (name[0] == '\0')
			kind = "Pod", name = field(w, PT_WORKLOAD_F_POD);
		join(d->key, sizeof(d->key), field(w, PT_WORKLOAD_F_NAMESPACE), kind, name);
		d->peer_kind = PT_PEER_WORKLOAD;
		append(d->peer, sizeof(d->peer), 0, d->key);
		d->has_key = true;
		return;
	}
	if (!d->external) {
		join(d->key, sizeof(d->key), "ip", d->addr, NULL);
		d->peer_kind = PT_PEER_INTERNAL_IP;
		append(d->peer, sizeof(d->peer), 0, d->addr);
		d->has_key = true;
		return;
	}
	/* External: by name (the responder only), else the address. */
	d->peer_kind = PT_PEER_EXTERNAL_IP;
	if (s == 1 && (d->name_source = external_name(e, rec, domain, d->peer)) != NULL)
		d->peer_kind = PT_PEER_DOMAIN;
	else
		append(d->peer, sizeof(d->peer), 0, d->addr);
}

/* ICMP flows are attempts only as echo requests; other ICMP (errors, replies seen alone) is not an edge. */
static bool icmp_echo(const struct pt_flow *f)
{
	uint16_t type = pt_flow_orig_port(f);

	return (f->key.proto == 1 && type == 8) || (f->key.proto == 58 && type == 128);
}

/*
 * A connection attempt whose originator is known: ICMP echo requests; TCP whose originator's SYN was seen (a
 * flow picked up midstream, after a restart or an eviction, may be oriented backwards); UDP and SCTP unless the
 * first packet seen came from a well-known port to an ephemeral one (a response whose request was missed).
 */
static bool is_attempt(const struct pt_flow *f)
{
	if (f->key.proto == 1 || f->key.proto == 58)
		return icmp_echo(f);
	if (f->key.proto == 6)
		return (f->tcp_seen[0] & PT_FLOW_TCP_SYN) != 0;
	if (f->key.proto == 17 || f->key.proto == 132)
		return !(pt_flow_orig_port(f) < 1024 && pt_flow_resp_port(f) >= 1024);
	return false;
}

/* No answer, RST to SYN (or the originator gave up before one), or only an ICMP error back. */
static bool attempt_failed(const struct pt_flow *f)
{
	if (f->key.proto == 6) {
		enum pt_conn_state cs = pt_flow_conn_state(f);

		return cs == PT_CONN_S0 || cs == PT_CONN_REJ || cs == PT_CONN_RSTOS0 || cs == PT_CONN_SH;
	}
	return f->packets[1] == 0;
}

static bool exempt(const struct pt_detect_engine *e, const struct pt_workload *w)
{
	if (w == NULL)
		return false;
	for (uint32_t i = 0; i < e->n_exempt; i++)
		for (uint16_t l = 0; l < w->n_labels; l++)
			if (strcmp(w->labels[l].key, e->exempt[i].key) == 0 &&
			    strcmp(w->labels[l].value, e->exempt[i].value) == 0)
				return true;
	return false;
}

/* A workload's baseline is at baseline.max_edges, or (@p key NULL) baseline.max_workloads are tracked. */
static void baseline_full(struct pt_detect_engine *e, const struct pt_flow_record *rec, const char *key,
			  const char *refused, const struct pt_detect_sink *sink)
{
	struct pt_alert *a = pt_detect_alert_begin(sink, &pt_detect_rule_baseline_full, rec, 40);

	if (a == NULL)
		return;
	a->ts_ns = rec->flow.first_ns;
	if (key != NULL) {
		snprintf(a->dedup_key, sizeof(a->dedup_key), "%.120s", key);
		snprintf(a->message, sizeof(a->message), "the baseline of %.120s is full (baseline.max_edges %u): its new "
			 "edges are not learned", key, e->cfg->baseline.max_edges);
		pt_alert_evidence_string(a, "baseline_key", key);
		pt_alert_evidence_u64(a, "max_edges", e->cfg->baseline.max_edges);
	} else {
		snprintf(a->dedup_key, sizeof(a->dedup_key), "max_workloads");
		snprintf(a->message, sizeof(a->message), "%.120s has no baseline: baseline.max_workloads (%u) are tracked; "
			 "it is neither learned nor checked", refused, e->cfg->baseline.max_workloads);
		pt_alert_evidence_string(a, "refused_key", refused);
		pt_alert_evidence_u64(a, "max_workloads", e->cfg->baseline.max_workloads);
	}
	pt_detect_alert_commit(sink);
}

/*
 * The flood-control key of a scan: the victim for a vertical scan; for the others, the /24 (IPv4) or /64 (IPv6)
 * of the attempt that crossed the threshold, with the port for a horizontal one. A fixed granularity, not the
 * covering prefix of the victims counted (podtap.evidence.targets), which depends on the order flows end in:
 * a live run and an offline run of its capture then give the same keys.
 */
static void scan_key(const struct pt_flow_record *rec, const struct pt_scan_finding *fd, const char *victim,
		     char *out, size_t out_len)
{
	const struct pt_flow *f = &rec->flow;
	uint8_t net[16] = { 0 };
	char text[PT_ADDR_TEXT_LEN];
	unsigned int bits = f->key.ip_version == 4 ? 24 : 64;

	if (fd->kind == PT_SCAN_VERTICAL) {
		snprintf(out, out_len, "%s", victim);
		return;
	}
	memcpy(net, pt_flow_resp_addr(f), bits / 8);
	pt_addr_format(f->key.ip_version, net, text);
	if (fd->kind == PT_SCAN_HORIZONTAL)
		snprintf(out, out_len, "%.*s@%s/%u", (int)strcspn(fd->targets, "@"), fd->targets, text, bits);
	else
		snprintf(out, out_len, "%s/%u", text, bits);
}

static void scan_alert(struct pt_detect_engine *e, const struct pt_flow_record *rec, const struct detect_side *src,
		       const struct pt_scan_finding *fd, const struct pt_detect_sink *sink)
{
	static const struct pt_alert_rule *const rules[PT_SCAN_KIND_MAX] = {
		&pt_detect_rule_scan_vertical, &pt_detect_rule_scan_horizontal, &pt_detect_rule_scan_slow };
	static const char *const what[PT_SCAN_KIND_MAX] = { "distinct ports of", "hosts on", "first contacts in" };
	char victim[PT_ADDR_TEXT_LEN];
	struct pt_alert *a;

	if (rec->flow.first_ns < e->loss_until_ns) {
		e->stats.scan_suppressed++;
		a = pt_detect_alert_begin(sink, &pt_detect_rule_scan_suppressed, rec, 50);
		if (a == NULL)
			return;
		a->ts_ns = rec->flow.first_ns;
		snprintf(a->dedup_key, sizeof(a->dedup_key), "scan_suppressed");
		snprintf(a->message, sizeof(a->message), "a %s scan verdict on %s was held back: the capture lost packets "
			 "within detect.scan.loss_holdoff", rules[fd->kind]->id + strlen("podtap.detect.scan."), src->addr);
		pt_alert_evidence_string(a, "suppressed_rule", rules[fd->kind]->id);
		pt_alert_evidence_u64(a, "count", fd->count);
		pt_detect_alert_commit(sink);
		return;
	}
	a = pt_detect_alert_begin(sink, rules[fd->kind], rec, fd->kind == PT_SCAN_SLOW ? 50 : 60);
	if (a == NULL)
		return;
	a->ts_ns = rec->flow.first_ns;
	pt_addr_format(rec->flow.key.ip_version, fd->victim, victim);
	scan_key(rec, fd, victim, a->dedup_key, sizeof(a->dedup_key));
	snprintf(a->message, sizeof(a->message), "%.100s (%s) scanned: %u failed %s %s (threshold %u)",
		 src->has_key ? src->key : "no workload", src->addr, fd->count, what[fd->kind],
		 fd->kind == PT_SCAN_VERTICAL ? victim : fd->targets, fd->threshold);
	pt_alert_evidence_string(a, "scan_kind", rules[fd->kind]->id + strlen("podtap.detect.scan."));
	pt_alert_evidence_string(a, "targets", fd->targets);
	pt_alert_evidence_u64(a, "count", fd->count);
	pt_alert_evidence_u64(a, "threshold", fd->threshold);
	pt_alert_evidence_u64(a, "failures", fd->failures);
	pt_alert_evidence_u64(a, "window_s", e->cfg->detect.scan.window_ns / 1000000000ULL);
	if (fd->kind == PT_SCAN_VERTICAL)
		pt_alert_evidence_string(a, "victim", victim);
	if (fd->kind == PT_SCAN_HORIZONTAL)
		pt_alert_evidence_u64(a, "port", fd->port);
	if (fd->kind == PT_SCAN_SLOW)
		pt_alert_evidence_u64(a, "trw_ratio", (uint64_t)fd->trw_ratio);
	if (src->has_key)
		pt_alert_evidence_string(a, "baseline_key", src->key);
	a->n_flows = fd->n_flows < PT_ALERT_FLOWS_MAX ? fd->n_flows : PT_ALERT_FLOWS_MAX;
	for (uint32_t i = 0; i < a->n_flows; i++)
		memcpy(a->flows[i], fd->flows[i], PT_FLOW_COMMUNITY_ID_LEN);
	pt_detect_alert_commit(sink);
}

/*
 * A final record's attempt (@p failed: attempt_failed()) into the scan detector. The originator is described
 * (its key and address text) only for an alert: most attempts raise none.
 */
static void scan_check(struct pt_detect_engine *e, const struct pt_flow_record *rec, bool failed,
		       const struct pt_detect_sink *sink)
{
	const struct pt_flow *f = &rec->flow;
	struct pt_scan_finding found[PT_SCAN_KIND_MAX];
	struct pt_scan_attempt at = { .ip_version = f->key.ip_version, .transport = f->key.proto, .failed = failed,
				      .ts_ns = f->first_ns, .flow = f };
	struct detect_side orig;
	uint32_t n;

	e->stats.scan_attempts++;
	if (exempt(e, rec->workload[0])) {
		e->stats.scan_exempt++;
		return;
	}
	/* A flow that was open when the capture lost packets may look unanswered only because of the loss. */
	if (at.failed && e->loss_at_ns != 0 && f->first_ns <= e->loss_at_ns && f->last_ns + PT_NS_PER_SEC >= e->loss_at_ns) {
		e->stats.scan_lossy++;
		return;
	}
	memcpy(at.src, pt_flow_orig_addr(f), 16);
	memcpy(at.dst, pt_flow_resp_addr(f), 16);
	at.port = (f->key.proto == 1 || f->key.proto == 58) ? pt_flow_orig_port(f) : pt_flow_resp_port(f);
	n = pt_scan_observe(e->scan, &at, found);
	if (n == 0)
		return;
	describe_side(e, rec, 0, NULL, &orig);
	for (uint32_t i = 0; i < n; i++)
		scan_alert(e, rec, &orig, &found[i], sink);
}

/*
 * nDPI may leave a short or cut flow unclassified: an edge whose only difference from a known one is that one of
 * the two has no application protocol is the same edge, not a new one.
 */
static bool known_but_unclassified(const struct pt_detect_engine *e, const char *key,
				   const struct pt_baseline_edge *edge)
{
	struct pt_baseline_edge near;

	return pt_baseline_closest(e->baseline, key, edge, &near, NULL) && near.peer_kind == edge->peer_kind &&
	       strcmp(near.peer, edge->peer) == 0 && near.direction == edge->direction &&
	       near.transport == edge->transport && near.port == edge->port && (near.app[0] == '\0' || edge->app[0] == '\0');
}

/* The edge each side's baseline gets from this flow, and the check of the originator's. */
static void baseline_check(struct pt_detect_engine *e, const struct pt_flow_record *rec, const struct detect_side *orig,
			   const struct detect_side *resp, const struct pt_detect_sink *sink)
{
	const struct pt_flow *f = &rec->flow;
	struct pt_baseline_edge edge = { .transport = f->key.proto };
	struct pt_baseline_workload_info info;
	enum pt_baseline_verdict v;

	edge.port = (f->key.proto == 1 || f->key.proto == 58) ? pt_flow_orig_port(f) : pt_flow_resp_port(f);
	if (rec->has_dpi && strcmp(rec->dpi.protocol, "unknown") != 0)
		append(edge.app, sizeof(edge.app), 0, rec->dpi.protocol);
	if (orig->has_key) {
		edge.direction = PT_BASELINE_OUT;
		edge.peer_kind = resp->peer_kind;
		memcpy(edge.peer, resp->peer, strlen(resp->peer) + 1);
		e->stats.edges_checked++;
		v = pt_baseline_observe(e->baseline, orig->key, &edge, resp->external ? resp->geo->as_number : 0,
					resp->external ? resp->geo->country_iso_code : NULL, f->first_ns, &info);
		if (v == PT_BASELINE_NEW && !known_but_unclassified(e, orig->key, &edge)) {
			e->stats.edges_new++;
			pt_detect_novelty(e, rec, orig, resp, &edge, &info, sink);
		} else if (v == PT_BASELINE_FULL || v == PT_BASELINE_NO_ROOM) {
			baseline_full(e, rec, v == PT_BASELINE_FULL ? orig->key : NULL, orig->key, sink);
		}
	}
	/* Inbound edges from external clients are not kept: one per Internet address would fill the baseline. */
	if (resp->has_key && !orig->external) {
		edge.direction = PT_BASELINE_IN;
		edge.peer_kind = orig->peer_kind;
		memcpy(edge.peer, orig->peer, strlen(orig->peer) + 1);
		v = pt_baseline_observe(e->baseline, resp->key, &edge, orig->external ? orig->geo->as_number : 0,
					orig->external ? orig->geo->country_iso_code : NULL, f->first_ns, NULL);
		if (v == PT_BASELINE_FULL || v == PT_BASELINE_NO_ROOM)
			baseline_full(e, rec, v == PT_BASELINE_FULL ? resp->key : NULL, resp->key, sink);
	}
}

void pt_detect_engine_record(struct pt_detect_engine *e, const struct pt_flow_record *rec, const char *domain,
			     const struct pt_detect_sink *sink)
{
	const struct pt_flow *f = &rec->flow;
	bool final = rec->event != PT_FLOW_EVENT_UPDATE, failed;
	struct detect_side orig, resp;

	e->stats.records++;
	if (!is_attempt(f))
		return;
	failed = attempt_failed(f);
	if (final && e->scan != NULL)
		scan_check(e, rec, failed, sink);
	/* A flow is checked once: at its first interim record, or at its end when it had none. */
	if (e->baseline == NULL || (f->tcp_seen[0] & PT_FLOW_UPDATE_SENT) || failed) {
		/* psl_fallbacks has always counted every attempt's external name, checked or not: it still does. */
		if (rec->workload[1] == NULL && !pt_identity_scope_is_internal(rec->resp_scope))
			external_name(e, rec, domain, resp.peer);
		return;
	}
	describe_side(e, rec, 0, NULL, &orig);
	describe_side(e, rec, 1, domain, &resp);
	baseline_check(e, rec, &orig, &resp, sink);
}
