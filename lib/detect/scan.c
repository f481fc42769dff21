/* SPDX-License-Identifier: BSD-3-Clause */
/* scan.c - Scan detection per source: vertical, horizontal, slow by Threshold Random Walk, in a fixed-size table. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect_scan.h"
#include "pt_util.h"

/*
 * Windows slide by reset: a victim's (or port's) set starts at the first failed attempt counted into it, and an
 * attempt more than window_ns after that start empties the set before it is counted. A finding empties the set
 * too. Each set holds at most its threshold, so the thresholds may not exceed SCAN_SET_MAX. When a source's
 * runs are all taken, the one with the fewest live targets is taken over (scan_run_weaker()).
 */
#define SCAN_VICTIMS 8                      /* victims a source is followed on for vertical scans */
#define SCAN_PORTS 8                        /* (transport, port)s a source is followed on for horizontal scans */
#define SCAN_SET_MAX 64                     /* the largest exact set, so the highest threshold */
#define SCAN_FLOWS 16                       /* community ids of a source's last counted failed attempts */
#define SCAN_TRW_DSTS 64                    /* destinations a source was last seen contacting first (FIFO) */
#define SCAN_SOURCES_MAX (1u << 24)
#define SCAN_NONE UINT32_MAX

/* One run of a set of distinct targets, from its first counted attempt until a finding or the window ends it. */
struct scan_run {
	uint64_t first_ns;
	uint32_t gen;                       /* 0: unused; else names this run (for the community ids) */
	uint32_t seen;                      /* the source's attempt number when last counted: the stalest goes */
	uint32_t n, failures;               /* targets in the set; failed attempts in the run */
};

/* Vertical: the failed ports (transport << 16 | port) of one victim, kept in the source's slice of vport[]. */
struct scan_victim {
	uint8_t addr[16];
	struct scan_run run;
};

/* Horizontal: the failed victims of one (transport, port) as keys in hvictim[], with the lowest and highest. */
struct scan_port {
	uint8_t lo[16], hi[16];
	uint16_t port;
	uint8_t transport;
	struct scan_run run;
};

/*
 * A counted attempt (failed, or a first contact of the walk), the runs it counted in (by kind; 0 for none), and
 * what a finding lists it by: the community id the caller gave, or what its flow's id is made from (the source
 * is the originator), so that the SHA-1 is computed only for the few attempts a finding lists.
 */
struct scan_flow {
	uint32_t gen[PT_SCAN_KIND_MAX];
	bool by_flow;                       /* tuple, else id */
	union {
		char id[PT_FLOW_COMMUNITY_ID_LEN];
		struct {
			uint8_t dst[16];            /* the responder */
			uint16_t orig_port, resp_port;
			uint8_t transport;
			uint8_t orig_side;          /* the flow key's side of the originator */
		} tuple;
	};
};

/* The Threshold Random Walk over first contacts; contacted destinations are a FIFO of keys in dst[]. */
struct scan_walk {
	double llr;                         /* log of the likelihood ratio scanner : benign */
	uint64_t first_ns;
	uint32_t gen, contacts, failures;   /* contacts == 0: no walk under way */
	uint32_t n_dst, next_dst;
	uint8_t lo[16], hi[16];
};

struct scan_source {
	uint8_t addr[16];
	uint8_t ip_version;
	uint8_t next_flow;                  /* the oldest of flow[], overwritten next */
	uint32_t prev, next;                /* LRU list, most recently seen first */
	uint64_t hash;
	uint32_t seq, gen;                  /* attempts seen; runs started */
	struct scan_victim victim[SCAN_VICTIMS];
	struct scan_port port[SCAN_PORTS];
	struct scan_flow flow[SCAN_FLOWS];
	struct scan_walk walk;
};

struct pt_scan {
	struct pt_scan_config cfg;
	double log_success, log_failure;    /* the walk's steps */
	double log_eta1, log_eta0;          /* its thresholds */
	uint64_t seed;
	struct scan_source *src;            /* cfg.max_sources; [0, count) in use */
	uint32_t *vport;                    /* SCAN_VICTIMS * vertical_ports per source */
	uint32_t *hvictim;                  /* SCAN_PORTS * horizontal_hosts per source */
	uint32_t *dst;                      /* SCAN_TRW_DSTS per source, when cfg.trw */
	uint32_t *index;                    /* open addressing: source slot + 1, 0 = empty */
	uint32_t index_mask;
	uint32_t count, lru_head, lru_tail;
	uint64_t memory;
	struct pt_scan_stats stats;
};

static uint64_t scan_mix(uint64_t x)        /* splitmix64's finaliser */
{
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t scan_hash(uint64_t seed, const uint8_t addr[16])
{
	uint64_t a, b;

	memcpy(&a, addr, 8);
	memcpy(&b, addr + 8, 8);
	return scan_mix(scan_mix(a ^ seed) ^ b);
}

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

/* ---- the source table: open addressing by address, LRU order for eviction ---- */

/* The index position of the source, or of the empty slot where it would go. */
static uint32_t scan_find(const struct pt_scan *s, uint64_t hash, uint8_t ip_version, const uint8_t addr[16])
{
	uint32_t i = (uint32_t)hash & s->index_mask;

	while (s->index[i] != 0) {
		const struct scan_source *src = &s->src[s->index[i] - 1];

		if (src->hash == hash && src->ip_version == ip_version && memcmp(src->addr, addr, 16) == 0)
			break;
		i = (i + 1) & s->index_mask;
	}
	return i;
}

/* Remove index slot @p i, shifting later entries of its run back (no tombstones). */
static void scan_index_remove(struct pt_scan *s, uint32_t i)
{
	uint32_t j = i;

	s->index[i] = 0;
	for (;;) {
		uint32_t home;

		j = (j + 1) & s->index_mask;
		if (s->index[j] == 0)
			return;
		home = (uint32_t)s->src[s->index[j] - 1].hash & s->index_mask;
		/* Move j back to i when its home is not in (i, j] (cyclically). */
		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			s->index[i] = s->index[j];
			s->index[j] = 0;
			i = j;
		}
	}
}

static void scan_lru_unlink(struct pt_scan *s, uint32_t slot)
{
	struct scan_source *src = &s->src[slot];

	if (src->prev != SCAN_NONE)
		s->src[src->prev].next = src->next;
	else
		s->lru_head = src->next;
	if (src->next != SCAN_NONE)
		s->src[src->next].prev = src->prev;
	else
		s->lru_tail = src->prev;
}

static void scan_lru_push(struct pt_scan *s, uint32_t slot)
{
	struct scan_source *src = &s->src[slot];

	src->prev = SCAN_NONE;
	src->next = s->lru_head;
	if (s->lru_head != SCAN_NONE)
		s->src[s->lru_head].prev = slot;
	else
		s->lru_tail = slot;
	s->lru_head = slot;
}

/* The source's state, made (in a free slot or the least recently seen source's) when it has none. */
static struct scan_source *scan_source_get(struct pt_scan *s, uint8_t ip_version, const uint8_t addr[16])
{
	uint64_t hash = scan_hash(s->seed ^ ip_version, addr);
	uint32_t pos = scan_find(s, hash, ip_version, addr), slot;
	struct scan_source *src;

	if (s->index[pos] != 0) {
		slot = s->index[pos] - 1;
		scan_lru_unlink(s, slot);
		scan_lru_push(s, slot);
		return &s->src[slot];
	}
	if (s->count < s->cfg.max_sources) {
		slot = s->count++;
	} else {
		slot = s->lru_tail;
		src = &s->src[slot];
		scan_lru_unlink(s, slot);
		scan_index_remove(s, scan_find(s, src->hash, src->ip_version, src->addr));
		s->stats.sources_evicted++;
		pos = scan_find(s, hash, ip_version, addr);     /* the removal may have moved the run */
	}
	src = &s->src[slot];
	memset(src, 0, sizeof(*src));
	memcpy(src->addr, addr, 16);
	src->ip_version = ip_version;
	src->hash = hash;
	s->index[pos] = slot + 1;
	scan_lru_push(s, slot);
	return src;
}

/* ---- counting ---- */

static void scan_minmax(uint8_t lo[16], uint8_t hi[16], const uint8_t addr[16])
{
	if (memcmp(addr, lo, 16) < 0)
		memcpy(lo, addr, 16);
	if (memcmp(addr, hi, 16) > 0)
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
 * Whether run @p e is to be taken over before @p best: an unused one first, else the one with the fewest live
 * targets, else the least recently counted. Keeping the fullest runs (not the most recent) is what finds a scan
 * that interleaves more victims or ports than there are runs, as nmap does over a subnet: the busiest targets
 * keep their runs and reach the threshold while the others take turns in the weakest one.
 */
static bool scan_run_weaker(const struct pt_scan *s, const struct scan_source *src, const struct scan_run *e,
			    const struct scan_run *best, uint64_t ts_ns)
{
	uint32_t ne, nb;

	if (best->gen == 0)
		return false;
	if (e->gen == 0)
		return true;
	ne = scan_run_live(s, e, ts_ns);
	nb = scan_run_live(s, best, ts_ns);
	if (ne != nb)
		return ne < nb;
	return src->seq - e->seen > src->seq - best->seen;
}

/* Vertical: @return the victim's run when the attempt added a port to it, else NULL. */
static struct scan_victim *scan_vertical(struct pt_scan *s, struct scan_source *src, const struct pt_scan_attempt *a,
					 const uint8_t dst[16])
{
	uint32_t key = (uint32_t)a->transport << 16 | a->port, *ports;
	struct scan_victim *v = NULL, *stalest = &src->victim[0];

	for (uint32_t i = 0; i < SCAN_VICTIMS && v == NULL; i++) {
		struct scan_victim *e = &src->victim[i];

		if (e->run.gen != 0 && memcmp(e->addr, dst, 16) == 0)
			v = e;
		else if (scan_run_weaker(s, src, &e->run, &stalest->run, a->ts_ns))
			stalest = e;
	}
	if (v == NULL) {
		v = stalest;
		memset(v, 0, sizeof(*v));
		memcpy(v->addr, dst, 16);
	}
	scan_run_count(s, src, &v->run, a->ts_ns);
	ports = &s->vport[((size_t)(src - s->src) * SCAN_VICTIMS + (size_t)(v - src->victim)) * s->cfg.vertical_ports];
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
	uint32_t key = scan_dst_key(s, a->ip_version, dst), *victims;
	struct scan_port *p = NULL, *stalest = &src->port[0];

	for (uint32_t i = 0; i < SCAN_PORTS && p == NULL; i++) {
		struct scan_port *e = &src->port[i];

		if (e->run.gen != 0 && e->transport == a->transport && e->port == a->port)
			p = e;
		else if (scan_run_weaker(s, src, &e->run, &stalest->run, a->ts_ns))
			stalest = e;
	}
	if (p == NULL) {
		p = stalest;
		memset(p, 0, sizeof(*p));
		p->transport = a->transport;
		p->port = a->port;
	}
	scan_run_count(s, src, &p->run, a->ts_ns);
	victims = &s->hvictim[((size_t)(src - s->src) * SCAN_PORTS + (size_t)(p - src->port)) *
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
	uint32_t key = scan_dst_key(s, a->ip_version, dst), *set = &s->dst[(size_t)(src - s->src) * SCAN_TRW_DSTS];
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

	memcpy(f->gen, gen, sizeof(f->gen));
	f->by_flow = a->flow != NULL;
	if (f->by_flow) {
		const struct pt_flow *fl = a->flow;

		memcpy(f->tuple.dst, dst, 16);
		f->tuple.orig_port = pt_flow_orig_port(fl);
		f->tuple.resp_port = pt_flow_resp_port(fl);
		f->tuple.transport = fl->key.proto;
		f->tuple.orig_side = fl->orig_side;
	} else {
		size_t len = strnlen(a->community_id, sizeof(f->id) - 1);

		memcpy(f->id, a->community_id, len);
		f->id[len] = '\0';
	}
	src->next_flow = (uint8_t)((src->next_flow + 1) % SCAN_FLOWS);
}

/* The community id an entry of the source's ring lists: the flow's, made again from its key. */
static void scan_flow_id(const struct scan_source *src, const struct scan_flow *e, char out[PT_FLOW_COMMUNITY_ID_LEN])
{
	struct pt_flow fl = { .orig_side = e->tuple.orig_side };
	unsigned int o = e->tuple.orig_side;

	if (!e->by_flow) {
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

/* The community ids of the run's last PT_SCAN_FLOWS_MAX counted attempts still held, oldest first. */
static void scan_finding_flows(const struct scan_source *src, enum pt_scan_kind kind, uint32_t gen,
			       struct pt_scan_finding *f)
{
	uint32_t match = 0, skip;

	for (uint32_t i = 0; i < SCAN_FLOWS; i++)
		match += src->flow[i].gen[kind] == gen;
	skip = match > PT_SCAN_FLOWS_MAX ? match - PT_SCAN_FLOWS_MAX : 0;
	for (uint32_t i = 0; i < SCAN_FLOWS; i++) {
		const struct scan_flow *e = &src->flow[(src->next_flow + i) % SCAN_FLOWS];

		if (e->gen[kind] != gen)
			continue;
		if (skip > 0)
			skip--;
		else
			scan_flow_id(src, e, f->flows[f->n_flows++]);
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
	memcpy(out, addr, ip_version == 4 ? 4 : 16);
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
