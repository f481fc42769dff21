/* SPDX-License-Identifier: BSD-3-Clause */
/* scan.c - Scan detection per source: vertical, horizontal, slow by Threshold Random Walk, in a fixed-size table. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pt_util.h"
#include "scan_priv.h"

/*
 * Windows slide by reset: a victim's (or port's) set starts at the first failed attempt counted into it, and an
 * attempt more than window_ns after that start empties the set before it is counted. A finding empties the set
 * too. Each set holds at most its threshold, so the thresholds may not exceed SCAN_SET_MAX. When a source's
 * runs are all taken, the one with the fewest live targets is taken over (scan_run_weaker()).
 */

/*
 * A destination as a set key: an IPv4 address exactly; an IPv6 one by a 32-bit hash, seeded at create so that
 * collisions cannot be chosen (two of 64 victims collide once in two million sets, and count once: a bit late).
 */
static uint32_t scan_dst_key(const struct pt_scan *s, uint8_t ip_version, const uint8_t addr[16])
{
	uint64_t h;

	if (ip_version == 4)
		return (uint32_t)addr[0] << 24 | (uint32_t)addr[1] << 16 | (uint32_t)addr[2] << 8 | addr[3];
	h = scan_hash(~s->seed, addr);
	return (uint32_t)(h ^ (h >> 32));
}

static uint32_t scan_new_gen(struct scan_source *src)
{
	if (++src->gen == 0)
		src->gen = 1;
	return src->gen;
}

struct pt_scan *pt_scan_create(const struct pt_scan_config *cfg)
{
	size_t n_src, n_vport, n_hvictim, n_dst, slots = 2;
	struct pt_scan *s;

	if (cfg == NULL || cfg->max_sources == 0 || cfg->max_sources > SCAN_SOURCES_MAX || cfg->vertical_ports == 0 ||
	    cfg->vertical_ports > SCAN_SET_MAX || cfg->horizontal_hosts == 0 || cfg->horizontal_hosts > SCAN_SET_MAX)
		return NULL;
	if (cfg->trw && !(cfg->trw_scanner_success > 0 && cfg->trw_scanner_success < cfg->trw_benign_success &&
			  cfg->trw_benign_success < 1 && cfg->trw_false_positive > 0 &&
			  cfg->trw_false_positive < cfg->trw_detection && cfg->trw_detection < 1))
		return NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->cfg = *cfg;
	s->log_success = log(cfg->trw_scanner_success / cfg->trw_benign_success);
	s->log_failure = log((1 - cfg->trw_scanner_success) / (1 - cfg->trw_benign_success));
	s->log_eta1 = log(cfg->trw_detection / cfg->trw_false_positive);
	s->log_eta0 = log((1 - cfg->trw_detection) / (1 - cfg->trw_false_positive));
	s->seed = scan_mix(pt_time_mono_ns() ^ (uintptr_t)s);
	while (slots < 2 * (size_t)cfg->max_sources)
		slots <<= 1;
	n_src = cfg->max_sources;
	n_vport = n_src * SCAN_VICTIMS * cfg->vertical_ports;
	n_hvictim = n_src * SCAN_PORTS * cfg->horizontal_hosts;
	n_dst = cfg->trw ? n_src * SCAN_TRW_DSTS : 0;
	s->src = calloc(n_src, sizeof(*s->src));
	s->vport = calloc(n_vport, sizeof(*s->vport));
	s->hvictim = calloc(n_hvictim, sizeof(*s->hvictim));
	s->dst = n_dst > 0 ? calloc(n_dst, sizeof(*s->dst)) : NULL;
	s->index = calloc(slots, sizeof(*s->index));
	if (s->src == NULL || s->vport == NULL || s->hvictim == NULL || (n_dst > 0 && s->dst == NULL) ||
	    s->index == NULL) {
		pt_scan_free(s);
		return NULL;
	}
	s->index_mask = (uint32_t)(slots - 1);
	s->lru_head = s->lru_tail = SCAN_NONE;
	s->memory = sizeof(*s) + n_src * sizeof(*s->src) + n_vport * sizeof(*s->vport) +
		    n_hvictim * sizeof(*s->hvictim) + n_dst * sizeof(*s->dst) + slots * sizeof(*s->index);
	return s;
}

void pt_scan_free(struct pt_scan *s)
{
	if (s == NULL)
		return;
	free(s->src);
	free(s->vport);
	free(s->hvictim);
	free(s->dst);
	free(s->index);
	free(s);
}

/* ---- counting ---- */

static void scan_minmax(uint8_t lo[16], uint8_t hi[16], const uint8_t addr[16])
{
	if (scan_addr_less(addr, lo))
		memcpy(lo, addr, 16);
	if (scan_addr_less(hi, addr))
		memcpy(hi, addr, 16);
}

/*
 * Count a failed attempt into a run (of a victim's ports or a port's victims): an attempt more than the window
 * after the run's first, or the first after a finding emptied the set, starts a new run.
 */
static void scan_run_count(const struct pt_scan *s, struct scan_source *src, struct scan_run *r, uint64_t ts_ns)
{
	if (r->n > 0 && ts_ns > r->first_ns && ts_ns - r->first_ns > s->cfg.window_ns)
		r->n = 0;
	if (r->n == 0) {
		r->gen = scan_new_gen(src);
		r->first_ns = ts_ns;
		r->failures = 0;
	} else if (ts_ns < r->first_ns) {
		r->first_ns = ts_ns;        /* records come at flow end, so a little out of start order */
	}
	r->seen = src->seq;
	r->failures++;
}

/* The targets a run holds at @p ts_ns: none once its window has passed. */
static uint32_t scan_run_live(const struct pt_scan *s, const struct scan_run *r, uint64_t ts_ns)
{
	return r->n > 0 && ts_ns > r->first_ns && ts_ns - r->first_ns > s->cfg.window_ns ? 0 : r->n;
}

/*
 * Whether run @p e is to be taken over before @p best, both taken (an unused one goes first): the one with the
 * fewest live targets, else the least recently counted. Keeping the fullest runs (not the most recent) is what
 * finds a scan that interleaves more victims or ports than there are runs, as nmap does over a subnet: the
 * busiest targets keep their runs and reach the threshold while the others take turns in the weakest one.
 */
static bool scan_run_weaker(const struct pt_scan *s, const struct scan_source *src, const struct scan_run *e,
			    const struct scan_run *best, uint64_t ts_ns)
{
	uint32_t ne = scan_run_live(s, e, ts_ns), nb = scan_run_live(s, best, ts_ns);

	if (ne != nb)
		return ne < nb;
	return src->seq - e->seen > src->seq - best->seen;
}

/* Vertical: @return the victim's run when the attempt added a port to it, else NULL. */
static struct scan_victim *scan_vertical(struct pt_scan *s, struct scan_source *src, const struct pt_scan_attempt *a,
					 const uint8_t dst[16])
{
	uint32_t key = (uint32_t)a->transport << 16 | a->port, *ports, used = src->victims_used;
	struct scan_victim *v = NULL;

	for (uint32_t m = used; m != 0 && v == NULL; m &= m - 1)
		if (scan_addr_equal(src->victim[__builtin_ctz(m)].addr, dst))
			v = &src->victim[__builtin_ctz(m)];
	if (v == NULL) {
		uint32_t t = 0;

		if (used != (1u << SCAN_VICTIMS) - 1)
			t = (uint32_t)__builtin_ctz(~used);                 /* the first never taken */
		else
			for (uint32_t i = 1; i < SCAN_VICTIMS; i++)
				if (scan_run_weaker(s, src, &src->victim[i].run, &src->victim[t].run, a->ts_ns))
					t = i;
		src->victims_used = (uint8_t)(used | 1u << t);
		v = &src->victim[t];
		memset(v, 0, sizeof(*v));
		memcpy(v->addr, dst, 16);
	}
	scan_run_count(s, src, &v->run, a->ts_ns);
	ports = &s->vport[((size_t)src->slot * SCAN_VICTIMS + (size_t)(v - src->victim)) * s->cfg.vertical_ports];
	for (uint32_t i = 0; i < v->run.n; i++)
		if (ports[i] == key)
			return NULL;
	ports[v->run.n++] = key;
	return v;
}

/* Horizontal: @return the port's run when the attempt added a victim to it, else NULL. */
static struct scan_port *scan_horizontal(struct pt_scan *s, struct scan_source *src, const struct pt_scan_attempt *a,
					 const uint8_t dst[16])
{
	uint32_t key = scan_dst_key(s, a->ip_version, dst), *victims, used = src->ports_used;
	struct scan_port *p = NULL;

	for (uint32_t m = used; m != 0 && p == NULL; m &= m - 1) {
		struct scan_port *e = &src->port[__builtin_ctz(m)];

		if (e->transport == a->transport && e->port == a->port)
			p = e;
	}
	if (p == NULL) {
		uint32_t t = 0;

		if (used != (1u << SCAN_PORTS) - 1)
			t = (uint32_t)__builtin_ctz(~used);
		else
			for (uint32_t i = 1; i < SCAN_PORTS; i++)
				if (scan_run_weaker(s, src, &src->port[i].run, &src->port[t].run, a->ts_ns))
					t = i;
		src->ports_used = (uint8_t)(used | 1u << t);
		p = &src->port[t];
		memset(p, 0, sizeof(*p));
		p->transport = a->transport;
		p->port = a->port;
	}
	scan_run_count(s, src, &p->run, a->ts_ns);
	victims = &s->hvictim[((size_t)src->slot * SCAN_PORTS + (size_t)(p - src->port)) *
			      s->cfg.horizontal_hosts];
	for (uint32_t i = 0; i < p->run.n; i++)
		if (victims[i] == key)
			return NULL;
	if (p->run.n == 0) {
		memcpy(p->lo, dst, 16);
		memcpy(p->hi, dst, 16);
	}
	scan_minmax(p->lo, p->hi, dst);
	victims[p->run.n++] = key;
	return p;
}

/*
 * One step of the Threshold Random Walk (Jung et al. 2004), for a first contact only. The source remembers the
 * last SCAN_TRW_DSTS destinations it contacted first, exactly, in a FIFO; a destination that has left the FIFO
 * counts as a first contact again. Unlike a Bloom filter this never fills up, so a long benign life does not
 * blind the walk. @return true when the attempt was a first contact (it moved the walk).
 */
static bool scan_walk_step(struct pt_scan *s, struct scan_source *src, const struct pt_scan_attempt *a,
			   const uint8_t dst[16])
{
	uint32_t key = scan_dst_key(s, a->ip_version, dst), *set = &s->dst[(size_t)src->slot * SCAN_TRW_DSTS];
	struct scan_walk *w = &src->walk;

	for (uint32_t i = 0; i < w->n_dst; i++)
		if (set[i] == key)
			return false;
	set[w->next_dst] = key;
	w->next_dst = (w->next_dst + 1) % SCAN_TRW_DSTS;
	if (w->n_dst < SCAN_TRW_DSTS)
		w->n_dst++;
	if (w->contacts == 0) {
		w->gen = scan_new_gen(src);
		w->llr = 0;
		w->failures = 0;
		w->first_ns = a->ts_ns;
		memcpy(w->lo, dst, 16);
		memcpy(w->hi, dst, 16);
	} else if (a->ts_ns < w->first_ns) {
		w->first_ns = a->ts_ns;
	}
	scan_minmax(w->lo, w->hi, dst);
	w->contacts++;
	w->failures += a->failed;
	w->llr += a->failed ? s->log_failure : s->log_success;
	return true;
}

/* ---- findings ---- */

static void scan_flow_push(struct scan_source *src, const uint32_t gen[PT_SCAN_KIND_MAX],
			   const struct pt_scan_attempt *a, const uint8_t dst[16])
{
	struct scan_flow *f = &src->flow[src->next_flow];
	uint16_t bit = (uint16_t)(1u << src->next_flow);

	memcpy(f->gen, gen, sizeof(f->gen));
	src->flows_used |= bit;
	if (a->flow != NULL) {
		src->flows_by_flow |= bit;
		memcpy(f->tuple.dst, dst, 16);
		f->tuple.orig_port = pt_flow_orig_port(a->flow);
		f->tuple.resp_port = pt_flow_resp_port(a->flow);
		f->tuple.transport = a->flow->key.proto;
		f->tuple.orig_side = a->flow->orig_side;
	} else {
		size_t len = strnlen(a->community_id, sizeof(f->id) - 1);

		src->flows_by_flow &= (uint16_t)~bit;
		memcpy(f->id, a->community_id, len);
		f->id[len] = '\0';
	}
	src->next_flow = (uint8_t)((src->next_flow + 1) % SCAN_FLOWS);
}

/* The community id entry @p i of the source's ring lists: as given, or the flow's, made again from its key. */
static void scan_flow_id(const struct scan_source *src, uint32_t i, char out[PT_FLOW_COMMUNITY_ID_LEN])
{
	const struct scan_flow *e = &src->flow[i];
	struct pt_flow fl = { .orig_side = e->tuple.orig_side };
	unsigned int o = e->tuple.orig_side;

	if (!(src->flows_by_flow & (1u << i))) {
		memcpy(out, e->id, PT_FLOW_COMMUNITY_ID_LEN);
		return;
	}
	fl.key.ip_version = src->ip_version;
	fl.key.proto = e->tuple.transport;
	memcpy(fl.key.addr[o], src->addr, 16);
	memcpy(fl.key.addr[!o], e->tuple.dst, 16);
	fl.key.port[o] = e->tuple.orig_port;
	fl.key.port[!o] = e->tuple.resp_port;
	pt_flow_community_id(&fl, 0, out);
}

/* Whether entry @p i of the source's ring holds an attempt counted in run @p gen of @p kind. */
static bool scan_flow_in(const struct scan_source *src, uint32_t i, enum pt_scan_kind kind, uint32_t gen)
{
	return (src->flows_used & (1u << i)) && src->flow[i].gen[kind] == gen;
}

/* The community ids of the run's last PT_SCAN_FLOWS_MAX counted attempts still held, oldest first. */
static void scan_finding_flows(const struct scan_source *src, enum pt_scan_kind kind, uint32_t gen,
			       struct pt_scan_finding *f)
{
	uint32_t match = 0, skip;

	for (uint32_t i = 0; i < SCAN_FLOWS; i++)
		match += scan_flow_in(src, i, kind, gen);
	skip = match > PT_SCAN_FLOWS_MAX ? match - PT_SCAN_FLOWS_MAX : 0;
	for (uint32_t k = 0; k < SCAN_FLOWS; k++) {
		uint32_t i = (src->next_flow + k) % SCAN_FLOWS;

		if (!scan_flow_in(src, i, kind, gen))
			continue;
		if (skip > 0)
			skip--;
		else
			scan_flow_id(src, i, f->flows[f->n_flows++]);
	}
}

/* The smallest prefix covering [lo, hi] as CIDR text (43 characters at most), never shorter than /16 or /48. */
static void scan_prefix(uint8_t ip_version, const uint8_t lo[16], const uint8_t hi[16], char *buf, size_t len)
{
	uint32_t bits = ip_version == 4 ? 32 : 128, plen = 0;
	char text[PT_ADDR_TEXT_LEN];
	uint8_t net[16] = { 0 };

	while (plen < bits && ((lo[plen / 8] ^ hi[plen / 8]) & (0x80 >> (plen % 8))) == 0)
		plen++;
	if (plen < (ip_version == 4 ? 16u : 48u))
		plen = ip_version == 4 ? 16 : 48;
	memcpy(net, lo, plen / 8);
	if (plen % 8 != 0)
		net[plen / 8] = (uint8_t)(lo[plen / 8] & (0xff << (8 - plen % 8)));
	snprintf(buf, len, "%s/%u", pt_addr_format(ip_version, net, text), plen);
}

static const char *scan_transport_name(uint8_t proto)
{
	switch (proto) {
	case 1: return "icmp";
	case 6: return "tcp";
	case 17: return "udp";
	case 58: return "ipv6-icmp";
	case 132: return "sctp";
	default: return NULL;
	}
}

/* Fill @p f from the run that crossed its threshold, and empty the run: the next attempt counted starts another. */
static void scan_report(struct pt_scan *s, const struct scan_source *src, enum pt_scan_kind kind, struct scan_run *r,
			uint32_t threshold, struct pt_scan_finding *f)
{
	memset(f, 0, sizeof(*f));
	f->kind = (uint8_t)kind;
	f->count = r->n;
	f->threshold = threshold;
	f->failures = r->failures;
	f->first_ns = r->first_ns;
	scan_finding_flows(src, kind, r->gen, f);
	r->n = 0;
	s->stats.findings[kind]++;
}

static void scan_report_horizontal(uint8_t ip_version, const struct scan_port *p, struct pt_scan_finding *f)
{
	const char *name = scan_transport_name(p->transport);
	char prefix[PT_SCAN_TARGETS_LEN];

	f->port = p->port;
	scan_prefix(ip_version, p->lo, p->hi, prefix, sizeof(prefix));
	if (name != NULL)
		snprintf(f->targets, sizeof(f->targets), "%s/%u@%.43s", name, p->port, prefix);
	else
		snprintf(f->targets, sizeof(f->targets), "%u/%u@%.43s", p->transport, p->port, prefix);
}

/* A copy of @p addr with an IPv4 address's unused 12 bytes zeroed, so that keys and comparisons see 16 bytes. */
static void scan_addr(uint8_t ip_version, const uint8_t addr[16], uint8_t out[16])
{
	memset(out, 0, 16);
	if (ip_version == 4)
		memcpy(out, addr, 4);       /* constant sizes: a move each, not a copy loop */
	else
		memcpy(out, addr, 16);
}

uint32_t pt_scan_observe(struct pt_scan *s, const struct pt_scan_attempt *a, struct pt_scan_finding *out)
{
	uint32_t gen[PT_SCAN_KIND_MAX] = { 0 }, n = 0;
	struct scan_victim *v = NULL;
	struct scan_port *p = NULL;
	uint8_t src_addr[16], dst[16];
	char text[PT_ADDR_TEXT_LEN];
	struct scan_source *src;
	struct scan_walk *w;
	bool contact = false;

	if (a->ip_version != 4 && a->ip_version != 6)
		return 0;
	s->stats.attempts++;
	s->stats.failed += a->failed;
	if (!a->failed && !s->cfg.trw)
		return 0;                   /* only the walk counts successes: no state for them */
	scan_addr(a->ip_version, a->src, src_addr);
	scan_addr(a->ip_version, a->dst, dst);
	src = scan_source_get(s, a->ip_version, src_addr);
	src->seq++;
	if (a->failed) {
		v = scan_vertical(s, src, a, dst);
		p = scan_horizontal(s, src, a, dst);
	}
	if (s->cfg.trw)
		contact = scan_walk_step(s, src, a, dst);
	w = &src->walk;
	gen[PT_SCAN_VERTICAL] = v != NULL ? v->run.gen : 0;
	gen[PT_SCAN_HORIZONTAL] = p != NULL ? p->run.gen : 0;
	gen[PT_SCAN_SLOW] = contact && a->failed ? w->gen : 0;
	if ((a->flow != NULL || a->community_id != NULL) && (gen[PT_SCAN_VERTICAL] | gen[PT_SCAN_HORIZONTAL] |
							       gen[PT_SCAN_SLOW]) != 0)
		scan_flow_push(src, gen, a, dst);
	if (v != NULL && v->run.n >= s->cfg.vertical_ports) {
		scan_report(s, src, PT_SCAN_VERTICAL, &v->run, s->cfg.vertical_ports, &out[n]);
		memcpy(out[n].victim, v->addr, 16);
		pt_addr_format(a->ip_version, v->addr, text);
		snprintf(out[n++].targets, sizeof(out[0].targets), "%s", text);
	}
	if (p != NULL && p->run.n >= s->cfg.horizontal_hosts) {
		scan_report(s, src, PT_SCAN_HORIZONTAL, &p->run, s->cfg.horizontal_hosts, &out[n]);
		scan_report_horizontal(a->ip_version, p, &out[n++]);
	}
	if (contact && w->llr >= s->log_eta1) {
		/* The walk's run: its contacts are the count, and the threshold it took. */
		struct scan_run r = { .first_ns = w->first_ns, .gen = w->gen, .n = w->contacts, .failures = w->failures };

		scan_report(s, src, PT_SCAN_SLOW, &r, w->contacts, &out[n]);
		out[n].trw_ratio = exp(w->llr);
		scan_prefix(a->ip_version, w->lo, w->hi, out[n].targets, sizeof(out[0].targets));
		n++;
		w->contacts = 0;            /* a new walk starts at the next first contact */
	} else if (contact && w->llr <= s->log_eta0) {
		w->contacts = 0;            /* benign: a new walk starts, so a later scan is still caught */
	}
	return n;
}

void pt_scan_stats(const struct pt_scan *s, struct pt_scan_stats *st)
{
	*st = s->stats;
	st->sources = s->count;
}

uint64_t pt_scan_memory(const struct pt_scan *s)
{
	return s->memory;
}
