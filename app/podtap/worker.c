/* SPDX-License-Identifier: BSD-3-Clause */
/* worker.c - The per-lcore run-to-completion loop: receive a burst, decode, account flows, expire by timer wheel. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include <rte_cycles.h>
#include <rte_pause.h>

#include "podtap.h"

#define WORKER_MAX_CLOCK_STEP_NS (3600 * PT_NS_PER_SEC)
#define WORKER_RUSAGE_POLLS 65536   /* polls between two reads of the thread's context switches (a power of two) */
#define WORKER_EXPIRY_PER_POLL 64   /* records the timer wheel may emit per poll (a few hundred microseconds at most) */
#define WORKER_DRAIN_POLLS 1024     /* bursts a worker may still take after stop: its spread ring, at most */

/* GeoIP and ASN for an external endpoint, once per record, through this worker's cache. */
static void worker_geo(struct pt_worker *w, uint8_t scope, uint8_t ip_version, const uint8_t addr[16],
		       struct pt_geo_result *res)
{
	memset(res, 0, sizeof(*res));
	if (pt_identity_scope_is_internal((enum pt_identity_scope)scope) || w->geo_db == NULL)
		return;
	pt_geo_cache_lookup(w->geo_cache, w->geo_db, ip_version, addr, res);
}

/* The classification goes with every record; a final record ends it and gives its pool slots back. */
static void worker_dpi_record(struct pt_worker *w, const struct pt_flow *flow, enum pt_flow_event event,
			      struct pt_flow_record *rec)
{
	struct pt_dpi_flow *df;
	const struct pt_dpi_result *res;

	rec->has_dpi = false;
	if (w->dpi == NULL)
		return;
	df = &w->dpi_flows[pt_flow_table_index(w->flows, flow)];
	if (event != PT_FLOW_EVENT_UPDATE)
		pt_dpi_flow_end(w->dpi, df);
	res = pt_dpi_flow_result(w->dpi, df);
	if (res != NULL) {
		rec->dpi = *res;
		rec->has_dpi = true;
	}
	if (event != PT_FLOW_EVENT_UPDATE)
		pt_dpi_flow_release(w->dpi, df);
}

/*
 * The identity of each side, looked up once, when the flow starts: a flow keeps it even if the address is
 * given to another workload later. The worker holds a reference on each identity it found.
 */
static struct pt_flow_identity *worker_flow_identity(struct pt_worker *w, const struct pt_flow *flow)
{
	struct pt_flow_identity *fi = &w->identities[pt_flow_table_index(w->flows, flow)];

	if (PT_LIKELY(fi->looked_up))
		return fi;
	for (int side = 0; side < 2; side++) {
		enum pt_workload_match match;

		fi->workload[side] = pt_workload_table_lookup(w->workload_table, flow->key.ip_version,
							      flow->key.addr[side], &match);
		fi->match[side] = (uint8_t)match;
		pt_workload_retain(fi->workload[side]);
	}
	fi->generation = (uint32_t)pt_workload_table_generation(w->workload_table);
	fi->looked_up = true;
	w->identity_lookups++;
	if (fi->workload[0] != NULL || fi->workload[1] != NULL)
		w->identity_found++;
	return fi;
}

/* Give the flow's identities to its record: moved by a final record (the slot is reused), shared by an update. */
static void worker_identity_record(struct pt_worker *w, const struct pt_flow *flow, enum pt_flow_event event,
				   struct pt_flow_record *rec)
{
	struct pt_flow_identity *fi;
	int orig = flow->orig_side, resp = !flow->orig_side;

	rec->has_identity = w->identities != NULL;
	rec->workload[0] = rec->workload[1] = NULL;
	rec->workload_match[0] = rec->workload_match[1] = PT_WORKLOAD_MATCH_NONE;
	rec->identity_generation = 0;
	if (w->identities == NULL)
		return;
	fi = worker_flow_identity(w, flow);
	rec->workload[0] = fi->workload[orig];
	rec->workload[1] = fi->workload[resp];
	rec->workload_match[0] = fi->match[orig];
	rec->workload_match[1] = fi->match[resp];
	rec->identity_generation = fi->generation;
	if (event == PT_FLOW_EVENT_UPDATE) {
		pt_workload_retain(rec->workload[0]);
		pt_workload_retain(rec->workload[1]);
	} else {
		memset(fi, 0, sizeof(*fi));
	}
}

/* A final record that could not be written: the slot is reused, so its references go now. */
static void worker_identity_drop(struct pt_worker *w, const struct pt_flow *flow)
{
	struct pt_flow_identity *fi;

	if (w->identities == NULL)
		return;
	fi = &w->identities[pt_flow_table_index(w->flows, flow)];
	pt_workload_release(fi->workload[0]);
	pt_workload_release(fi->workload[1]);
	memset(fi, 0, sizeof(*fi));
}

/* Scope and GeoIP of both sides. */
static void worker_record_sides(struct pt_worker *w, const struct pt_flow *flow, struct pt_flow_record *rec)
{
	rec->orig_scope = (uint8_t)pt_identity_scope_of(w->shared->nets, flow->key.ip_version, pt_flow_orig_addr(flow));
	rec->resp_scope = (uint8_t)pt_identity_scope_of(w->shared->nets, flow->key.ip_version, pt_flow_resp_addr(flow));
	worker_geo(w, rec->orig_scope, flow->key.ip_version, pt_flow_orig_addr(flow), &rec->geo[0]);
	worker_geo(w, rec->resp_scope, flow->key.ip_version, pt_flow_resp_addr(flow), &rec->geo[1]);
}

void pt_worker_flow_snapshot(struct pt_worker *w, const struct pt_flow *flow, struct pt_flow_record *rec)
{
	const struct pt_dpi_result *res = NULL;

	memset(rec, 0, offsetof(struct pt_flow_record, dpi));
	rec->flow = *flow;
	rec->now_ns = flow->last_ns;
	rec->event = PT_FLOW_EVENT_UPDATE;
	if (w->dpi != NULL)
		res = pt_dpi_flow_result(w->dpi, &w->dpi_flows[pt_flow_table_index(w->flows, flow)]);
	rec->has_dpi = res != NULL;
	if (res != NULL)
		rec->dpi = *res;
	if (w->identities != NULL) {
		const struct pt_flow_identity *fi = worker_flow_identity(w, flow);
		int orig = flow->orig_side;

		rec->has_identity = true;
		rec->workload[0] = fi->workload[orig];
		rec->workload[1] = fi->workload[!orig];
		rec->workload_match[0] = fi->match[orig];
		rec->workload_match[1] = fi->match[!orig];
		rec->identity_generation = fi->generation;
	}
	worker_record_sides(w, flow, rec);
}

static void worker_emit(void *ctx, const struct pt_flow *flow, enum pt_flow_event event, uint64_t now_ns)
{
	struct pt_worker *w = ctx;
	struct pt_flow_record *rec = pt_worker_ring_reserve(w, w->records);

	if (event != PT_FLOW_EVENT_UPDATE)
		pt_worker_detect_flow_end(w, pt_flow_table_index(w->flows, flow));
	if (PT_UNLIKELY(rec == NULL)) {
		w->records_dropped++;
		/* The slot is reused at once: its DPI handle and identities must not outlive the flow with the record. */
		if (event != PT_FLOW_EVENT_UPDATE) {
			if (w->dpi != NULL)
				pt_dpi_flow_release(w->dpi, &w->dpi_flows[pt_flow_table_index(w->flows, flow)]);
			worker_identity_drop(w, flow);
		}
		return;
	}
	rec->flow = *flow;
	rec->now_ns = now_ns;
	rec->event = (uint8_t)event;
	worker_dpi_record(w, flow, event, rec);
	worker_identity_record(w, flow, event, rec);
	worker_record_sides(w, flow, rec);
	pt_spsc_ring_commit(w->records);
}

static void worker_dns_answer(void *ctx, uint8_t ip_version, const uint8_t addr[16], const char *name, uint32_t ttl_s)
{
	struct pt_worker *w = ctx;
	struct pt_dns_answer *a = pt_worker_ring_reserve(w, w->dns_answers);

	if (PT_UNLIKELY(a == NULL)) {
		w->dns_answers_dropped++;
		return;
	}
	a->ts_ns = w->answer_ts_ns;
	a->ttl_s = ttl_s;
	a->ip_version = ip_version;
	memcpy(a->addr, addr, 16);
	snprintf(a->name, sizeof(a->name), "%s", name);
	pt_spsc_ring_commit(w->dns_answers);
}

/*
 * DNS responses teach the sensor which name an address has (destination.domain of later flows). Only a
 * response to a query this sensor saw counts (its flow was opened by the client, towards port 53), so an
 * unsolicited packet from port 53 cannot rename addresses. TCP DNS, mDNS and DoT are not read.
 */
static void worker_learn_dns(struct pt_worker *w, const uint8_t *frame, const struct pt_decoded *d, uint64_t ts_ns,
			     const struct pt_flow *flow)
{
	if (d->l4_proto != 17 || d->src_port != 53 || d->payload_len == 0 || (d->frag & PT_DECODE_FRAG_LATER) ||
	    flow == NULL || pt_flow_resp_port(flow) != 53 || flow->packets[0] == 0)
		return;
	w->answer_ts_ns = ts_ns;
	pt_dns_parse_response(frame + d->payload_offset, d->payload_len, worker_dns_answer, w);
}

int pt_worker_init(struct pt_worker *w, uint32_t index, const struct pt_config *cfg, struct pt_capture_queue *queue,
		   struct pt_shared *shared, bool advance_when_idle, char *err, size_t err_len)
{
	struct pt_flow_config fcfg;

	memset(w, 0, sizeof(*w));
	w->index = index;
	w->queue = queue;
	w->shared = shared;
	w->advance_when_idle = advance_when_idle;
	pt_decode_options_default(&w->decode_opt);
	w->decode_opt.decapsulate = cfg->decode.decapsulate;
	w->decode_opt.geneve_port = cfg->decode.geneve_port;
	w->decode_opt.n_vxlan_ports = (uint8_t)cfg->decode.n_vxlan_ports;
	for (uint32_t i = 0; i < cfg->decode.n_vxlan_ports && i < PT_DECODE_MAX_VXLAN_PORTS; i++)
		w->decode_opt.vxlan_ports[i] = cfg->decode.vxlan_ports[i];

	pt_flow_config_default(&fcfg);
	fcfg.max_flows = cfg->flow.max_flows;
	fcfg.timeout_ns[PT_FLOW_TIMEOUT_TCP_OPENING] = cfg->flow.timeout_tcp_opening_ns;
	fcfg.timeout_ns[PT_FLOW_TIMEOUT_TCP_ESTABLISHED] = cfg->flow.timeout_tcp_established_ns;
	fcfg.timeout_ns[PT_FLOW_TIMEOUT_TCP_CLOSED] = cfg->flow.timeout_tcp_closed_ns;
	fcfg.timeout_ns[PT_FLOW_TIMEOUT_UDP] = cfg->flow.timeout_udp_ns;
	fcfg.timeout_ns[PT_FLOW_TIMEOUT_ICMP] = cfg->flow.timeout_icmp_ns;
	fcfg.timeout_ns[PT_FLOW_TIMEOUT_OTHER] = cfg->flow.timeout_other_ns;
	fcfg.update_interval_ns = cfg->flow.update_interval_ns;

	w->flows = pt_flow_table_create(&fcfg, worker_emit, w);
	w->frags = pt_frag_table_create(cfg->decode.fragment_table_size);
	w->records = pt_spsc_ring_create(cfg->flow.record_ring_size, sizeof(struct pt_flow_record));
	w->dns_answers = pt_spsc_ring_create(PT_DNS_ANSWER_RING_SIZE, sizeof(struct pt_dns_answer));
	w->geo_cache = pt_geo_cache_create(cfg->geo.cache_size);
	if (shared->workloads != NULL) {
		w->identities = pt_zalloc_aligned((size_t)cfg->flow.max_flows * sizeof(*w->identities));
		if (w->identities == NULL) {
			snprintf(err, err_len, "worker %u: cannot allocate identities for %u flows (flow.max_flows)", index,
				 cfg->flow.max_flows);
			pt_worker_fini(w);
			return -ENOMEM;
		}
	}
	if (cfg->dpi.enabled) {
		struct pt_dpi_config dcfg;
		char why[256] = "";

		pt_dpi_config_default(&dcfg);
		/* A result lives until its flow's record is written (a UDP flow's, a minute later): any flow in the
		 * table may hold one, and pool pages are only touched when used. */
		dcfg.max_states = cfg->dpi.max_flows;
		dcfg.max_results = cfg->flow.max_flows;
		dcfg.max_packets = (uint16_t)cfg->dpi.max_packets;
		w->dpi = pt_dpi_create(&dcfg, why, sizeof(why));
		w->dpi_flows = pt_zalloc_aligned((size_t)cfg->flow.max_flows * sizeof(*w->dpi_flows));
		if (w->dpi == NULL || w->dpi_flows == NULL) {
			snprintf(err, err_len, "worker %u: cannot start DPI: %s", index, why[0] ? why : "out of memory");
			pt_worker_fini(w);
			return -ENOMEM;
		}
	}
	pt_worker_shed_init(w, cfg);
	if (pt_worker_detect_init(w, cfg, err, err_len) != 0) {
		pt_worker_fini(w);
		return -ENOMEM;
	}
	if (w->flows == NULL || w->frags == NULL || w->records == NULL || w->dns_answers == NULL || w->geo_cache == NULL) {
		snprintf(err, err_len, "worker %u: cannot allocate a flow table of %u flows (flow.max_flows) and its rings",
			 index, cfg->flow.max_flows);
		pt_worker_fini(w);
		return -ENOMEM;
	}
	atomic_store(&w->last_packet_mono_ns, pt_time_mono_ns());
	return 0;
}

void pt_worker_fini(struct pt_worker *w)
{
	pt_worker_detect_fini(w);
	pt_flow_table_free(w->flows);
	pt_frag_table_free(w->frags);
	pt_spsc_ring_free(w->records);
	pt_spsc_ring_free(w->dns_answers);
	pt_geo_cache_free(w->geo_cache);
	pt_dpi_free(w->dpi);
	pt_free_aligned(w->dpi_flows);
	pt_free_aligned(w->identities);
	w->identities = NULL;
	w->dpi = NULL;
	w->dpi_flows = NULL;
	w->geo_cache = NULL;
	w->dns_answers = NULL;
	w->flows = NULL;
	w->frags = NULL;
	w->records = NULL;
}

/*
 * The packet clock is the newest packet time, but one packet far ahead of it (a corrupt timestamp) must not
 * expire every flow: a jump beyond WORKER_MAX_CLOCK_STEP_NS is taken only when the next such packet
 * confirms it. The odd packet still counts, with its own time, to its own flow.
 */
static void worker_advance_clock(struct pt_worker *w, uint64_t ts)
{
	if (PT_LIKELY(ts <= w->now_ns + WORKER_MAX_CLOCK_STEP_NS) || w->now_ns == 0) {
		if (ts > w->now_ns)
			w->now_ns = ts;
		w->clock_jump_candidate_ns = 0;
		return;
	}
	if (w->clock_jump_candidate_ns != 0 && ts >= w->clock_jump_candidate_ns &&
	    ts - w->clock_jump_candidate_ns <= WORKER_MAX_CLOCK_STEP_NS) {
		w->now_ns = ts;
		w->clock_jump_candidate_ns = 0;
		return;
	}
	w->clock_jump_candidate_ns = ts;
	w->clock_outliers++;
}

/* Decode a burst in place; keep the usable packets, count the rest by reason. */
static uint32_t worker_decode_burst(struct pt_worker *w, const struct pt_capture_pkt *pkts, uint32_t n,
				    struct pt_decoded *decoded, const uint8_t **frames, uint32_t *wire_lens, uint64_t *ts_ns)
{
	uint32_t kept = 0;

	/* Every frame's headers are a miss unless the NIC put them in the cache: ask for the whole burst's at
	 * once, so that the misses overlap instead of stalling each decode in turn. */
	for (uint32_t i = 0; i < n; i++) {
		__builtin_prefetch(pkts[i].data);
		__builtin_prefetch(pkts[i].data + PT_CACHE_LINE);
	}
	for (uint32_t i = 0; i < n; i++) {
		enum pt_decode_result r;

		w->packets++;
		w->bytes += pkts[i].wire_len;
		worker_advance_clock(w, pkts[i].ts_ns);
		r = pt_decode_frame(pkts[i].data, pkts[i].cap_len, pkts[i].wire_len, &w->decode_opt, &decoded[kept]);
		w->decode[r]++;
		if (r != PT_DECODE_OK)
			continue;
		if (PT_UNLIKELY(decoded[kept].frag != 0) &&
		    !pt_frag_table_resolve(w->frags, &decoded[kept], pkts[i].ts_ns)) {
			w->fragments_unmatched++;
			continue;
		}
		frames[kept] = pkts[i].data;
		wire_lens[kept] = pkts[i].wire_len;
		ts_ns[kept] = pkts[i].ts_ns;
		kept++;
	}
	return kept;
}

static uint32_t worker_poll_burst(struct pt_worker *w, uint64_t start_tsc);

/*
 * Records the timer wheel may emit in one poll: no more than the ring takes, and no more than
 * WORKER_EXPIRY_PER_POLL, so that a second's worth of expiring flows (thousands, each a record with its GeoIP
 * and DPI fields) is spread over the next polls instead of stalling one for milliseconds while packets wait.
 */
static uint32_t worker_expiry_budget(const struct pt_worker *w)
{
	uint32_t room = pt_spsc_ring_free_count(w->records);

	return room < WORKER_EXPIRY_PER_POLL ? room : WORKER_EXPIRY_PER_POLL;
}

/*
 * The flows' DPI handles and identities live in side arrays indexed by slot: with a big table each is a cache
 * miss. Ask for all of the burst's at once, so that the misses overlap instead of coming one after the other.
 */
static void worker_prefetch_slots(const struct pt_worker *w, struct pt_flow *const *flows, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		uint32_t slot;

		if (flows[i] == NULL)
			continue;
		slot = pt_flow_table_index(w->flows, flows[i]);
		if (w->dpi_flows != NULL)
			__builtin_prefetch(&w->dpi_flows[slot]);
		if (w->identities != NULL)
			__builtin_prefetch(&w->identities[slot]);
	}
}

/* The first packets of each flow go to nDPI until it is done with the flow; the rest cost one load. */
static void worker_dpi_burst(struct pt_worker *w, const struct pt_decoded *decoded, const uint8_t *const *frames,
			     const uint64_t *ts_ns, struct pt_flow *const *flows, uint32_t n)
{
	if (w->dpi == NULL)
		return;
	for (uint32_t i = 0; i < n; i++) {
		struct pt_dpi_flow *df;

		if (flows[i] == NULL)
			continue;        /* its flow was evicted later in this burst */
		df = &w->dpi_flows[pt_flow_table_index(w->flows, flows[i])];
		if (pt_dpi_flow_wants(df) && !(PT_UNLIKELY(w->shedding) && pt_worker_shed_flow(w, df, &decoded[i])))
			pt_dpi_packet_decoded(w->dpi, df, frames[i], &decoded[i], ts_ns[i]);
	}
}

/* Each new flow looks both its addresses up in the table this burst reads. */
static void worker_identity_burst(struct pt_worker *w, struct pt_flow *const *flows, uint32_t n)
{
	if (w->identities == NULL)
		return;
	for (uint32_t i = 0; i < n; i++)
		if (flows[i] != NULL)
			worker_flow_identity(w, flows[i]);
}

/*
 * Each poll is one RCU read-side section for the GeoIP databases and the workload table: take the current
 * ones, report quiescent after.
 */
static void worker_read_begin(struct pt_worker *w)
{
	w->geo_db = w->geo_online ? pt_geo_current(w->shared->geo) : NULL;
	w->workload_table = w->workloads_online ? pt_workloads_current(w->shared->workloads) : NULL;
}

static void worker_read_end(struct pt_worker *w)
{
	w->geo_db = NULL;
	w->workload_table = NULL;
	if (w->geo_online)
		pt_geo_quiescent(w->shared->geo, w->index);
	if (w->workloads_online)
		pt_workloads_quiescent(w->shared->workloads, w->index);
}

void pt_worker_readers_online(struct pt_worker *w)
{
	w->geo_online = pt_geo_worker_online(w->shared->geo, w->index) == 0;
	if (!w->geo_online)
		pt_log(PT_LOG_ERR, "worker %u: cannot register for GeoIP updates; its records carry no geo fields", w->index);
	if (w->shared->workloads == NULL)
		return;
	w->workloads_online = pt_workloads_reader_online(w->shared->workloads, w->index) == 0;
	if (!w->workloads_online)
		pt_log(PT_LOG_ERR, "worker %u: cannot register for workload table updates; its flows carry no identity",
		       w->index);
}

void pt_worker_readers_offline(struct pt_worker *w)
{
	if (w->geo_online)
		pt_geo_worker_offline(w->shared->geo, w->index);
	if (w->workloads_online)
		pt_workloads_reader_offline(w->shared->workloads, w->index);
	w->geo_online = false;
	w->workloads_online = false;
}

/*
 * How often the OS took the worker's core away: on a dedicated sensor never, on a shared machine it is what loses
 * packets at a high rate (and what a TSC count includes). A system call, so only every WORKER_RUSAGE_POLLS polls.
 */
static void worker_read_rusage(struct pt_worker *w)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru) == 0)
		w->preempted = (uint64_t)ru.ru_nivcsw;
}

/*
 * A busy poll's cycles, receive through timer work, are the worker's cost; an idle poll only counts. One TSC read
 * starts each poll and ends the one before (what lies between is the loop), one more follows a receive that got
 * packets: a TSC read costs tens of cycles, and at a moderate rate a poll holds only a packet or two.
 */
uint32_t pt_worker_poll(struct pt_worker *w)
{
	uint64_t start = rte_rdtsc();
	uint32_t got;

	if (w->last_poll_busy)
		w->cycles_busy += start - w->last_poll_tsc;
	/* The longest time between two receive calls is how long a ring must hold what arrives (0: the first poll). */
	if (PT_UNLIKELY(start - w->last_poll_tsc > w->poll_gap_max) && w->last_poll_tsc != 0)
		w->poll_gap_max = start - w->last_poll_tsc;
	w->last_poll_tsc = start;
	worker_read_begin(w);
	got = worker_poll_burst(w, start);
	worker_read_end(w);
	w->last_poll_busy = got > 0;
	if (got > 0)
		w->polls_busy++;
	else
		w->polls_idle++;
	if (PT_UNLIKELY(((w->polls_busy + w->polls_idle) & (WORKER_RUSAGE_POLLS - 1)) == 0))
		worker_read_rusage(w);
	return got;
}

/* End the last poll's accounting now rather than at the next poll's start. */
static void worker_end_poll(struct pt_worker *w)
{
	if (w->last_poll_busy)
		w->cycles_busy += rte_rdtsc() - w->last_poll_tsc;
	w->last_poll_busy = false;
}

void pt_worker_account_last_poll(struct pt_worker *w)
{
	worker_end_poll(w);
	worker_read_rusage(w);
}

/*
 * After a poll that got a short burst, let packets gather for capture.coalesce_us before the next one: a burst of
 * one or two packets costs each of them twice what a full one does (cache misses and code that no longer
 * overlap), so at a moderate rate a worker that polls at once spends its core on polling. The wait is idle time,
 * not counted as busy; the ring (capture.rx_descriptors) holds what arrives meanwhile.
 */
static void worker_coalesce(struct pt_worker *w)
{
	uint64_t until;

	worker_end_poll(w);
	until = rte_rdtsc() + w->coalesce_cycles;
	while (rte_rdtsc() < until)
		rte_pause();
}

static uint32_t worker_poll_burst(struct pt_worker *w, uint64_t start_tsc)
{
	struct pt_capture_pkt pkts[PT_CAPTURE_BURST];
	struct pt_decoded decoded[PT_CAPTURE_BURST];
	const uint8_t *frames[PT_CAPTURE_BURST];
	struct pt_flow *flows[PT_CAPTURE_BURST];
	uint32_t wire_lens[PT_CAPTURE_BURST];
	uint64_t ts_ns[PT_CAPTURE_BURST];
	uint16_t want = PT_CAPTURE_BURST;
	int n;

	/* --count with one worker: exactly that many packets, then the source counts as ended. */
	if (w->max_packets != 0)
		want = w->packets >= w->max_packets ? 0 :
		       (uint16_t)(w->max_packets - w->packets < want ? w->max_packets - w->packets : want);
	n = w->source_ended || want == 0 ? -ENODATA : pt_capture_rx_burst(w->queue, pkts, want);

	if (n > 0) {
		uint32_t kept;

		w->cycles_rx += rte_rdtsc() - start_tsc;
		if (w->shed_on != 0)
			pt_worker_shed_check(w, (uint32_t)n);
		kept = worker_decode_burst(w, pkts, (uint32_t)n, decoded, frames, wire_lens, ts_ns);

		if (kept > 0) {
			pt_flow_update_burst(w->flows, decoded, wire_lens, ts_ns, flows, kept);
			worker_prefetch_slots(w, flows, kept);
			for (uint32_t i = 0; i < kept; i++)
				worker_learn_dns(w, frames[i], &decoded[i], ts_ns[i], flows[i]);
			worker_dpi_burst(w, decoded, frames, ts_ns, flows, kept);
			worker_identity_burst(w, flows, kept);
			pt_worker_detect_burst(w, flows, kept);
		}
		pt_capture_release(w->queue);
		w->idle_base_mono_ns = pt_time_mono_coarse_ns();
		atomic_store_explicit(&w->last_packet_mono_ns, w->idle_base_mono_ns, memory_order_relaxed);
	} else {
		if (n == -ENODATA)
			w->source_ended = true;
		/* Live capture: time goes on without packets, so idle flows still expire. */
		if (w->advance_when_idle && w->now_ns != 0) {
			uint64_t mono = pt_time_mono_coarse_ns();

			w->now_ns += mono - w->idle_base_mono_ns;
			w->idle_base_mono_ns = mono;
		}
	}
	if (w->now_ns != 0)
		pt_flow_advance(w->flows, w->now_ns, worker_expiry_budget(w));
	return n > 0 ? (uint32_t)n : 0;
}

bool pt_worker_flush_step(struct pt_worker *w)
{
	uint32_t room = pt_spsc_ring_free_count(w->records);
	bool empty;

	if (room == 0)
		return false;
	worker_read_begin(w);
	empty = pt_flow_flush(w->flows, w->now_ns, room) == 0;
	worker_read_end(w);
	return empty;
}

int pt_worker_main(void *arg)
{
	struct pt_worker *w = arg;

	pt_worker_readers_online(w);
	while (!atomic_load_explicit(&w->stop, memory_order_relaxed)) {
		uint32_t got = pt_worker_poll(w);

		if (got == 0 && w->source_ended)
			break;
		if (got > 0 && got < PT_CAPTURE_BURST / 2 && w->coalesce_cycles != 0)
			worker_coalesce(w);
	}
	/*
	 * The control side stops worker 0 (which spreads) before the others, so what it already handed to
	 * us is in our ring: take it, with a bound, since our own queues may still be receiving.
	 */
	for (uint32_t k = 0; k < WORKER_DRAIN_POLLS && pt_worker_poll(w) > 0; k++)
		;
	pt_worker_account_last_poll(w);
	atomic_store_explicit(&w->rx_stopped, true, memory_order_release);
	while (!pt_worker_flush_step(w))
		sched_yield();                 /* the control side is draining the ring */
	pt_worker_readers_offline(w);
	atomic_store_explicit(&w->finished, true, memory_order_release);
	return 0;
}
