/* SPDX-License-Identifier: BSD-3-Clause */
/* dpi.c - The per-worker classifier: nDPI module, state and result pools, feeding packets, ending classification. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dpi_priv.h"

_Static_assert(sizeof(struct pt_dpi_result) <= PT_DPI_RESULT_MAX_SIZE, "struct pt_dpi_result must stay compact");
_Static_assert(sizeof(struct pt_dpi_flow) == 12, "struct pt_dpi_flow is kept per flow-table slot");

#define PT_DPI_MAX_STATES (1u << 24)
#define PT_DPI_MAX_RESULTS (1u << 26)

/* nDPI 4.2: "ndpi_init_detection_module() ... can be called multiple times, but these calls MUST NOT run in
 * parallel". Exiting a module touches the same shared state (libgcrypt, global counters). */
static pthread_mutex_t ndpi_module_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const end_names[] = {
	[PT_DPI_END_DETECTED] = "detected", [PT_DPI_END_PACKET_CAP] = "packet_cap", [PT_DPI_END_FLOW_END] = "flow_end",
};

const char *pt_dpi_end_name(enum pt_dpi_end end)
{
	if ((unsigned int)end < PT_ARRAY_SIZE(end_names) && end_names[end] != NULL)
		return end_names[end];
	return "unknown";
}

void pt_dpi_config_default(struct pt_dpi_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_states = 65536;
	cfg->max_results = 65536;
	cfg->max_packets = 32;
	cfg->guess = true;
}

size_t pt_dpi_ndpi_flow_size(void)
{
	return sizeof(struct ndpi_flow_struct);
}

size_t pt_dpi_pool_bytes(const struct pt_dpi_config *cfg)
{
	return (size_t)cfg->max_states * (sizeof(struct pt_dpi_state) + sizeof(uint32_t)) +
	       (size_t)cfg->max_results * (sizeof(struct pt_dpi_result) + sizeof(uint32_t));
}

static void set_err(char *err, size_t err_len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t err_len, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || err_len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, err_len, fmt, ap);
	va_end(ap);
}

struct pt_dpi *pt_dpi_create(const struct pt_dpi_config *cfg, char *err, size_t err_len)
{
	NDPI_PROTOCOL_BITMASK all;
	struct pt_dpi *dpi;

	if (cfg == NULL) {
		set_err(err, err_len, "dpi: no configuration");
		return NULL;
	}
	if (cfg->max_states == 0 || cfg->max_states > PT_DPI_MAX_STATES) {
		set_err(err, err_len, "dpi: max_states must be 1..%u, not %u", PT_DPI_MAX_STATES, cfg->max_states);
		return NULL;
	}
	if (cfg->max_results == 0 || cfg->max_results > PT_DPI_MAX_RESULTS) {
		set_err(err, err_len, "dpi: max_results must be 1..%u, not %u", PT_DPI_MAX_RESULTS, cfg->max_results);
		return NULL;
	}
	if (cfg->max_packets == 0 || cfg->max_packets > PT_DPI_MAX_PACKETS) {
		set_err(err, err_len, "dpi: max_packets must be 1..%u, not %u", PT_DPI_MAX_PACKETS,
			(unsigned int)cfg->max_packets);
		return NULL;
	}

	dpi = pt_zalloc_aligned(sizeof(*dpi));
	if (dpi == NULL)
		goto fail_memory;
	dpi->cfg = *cfg;
	dpi->states = pt_zalloc_aligned((size_t)cfg->max_states * sizeof(*dpi->states));
	dpi->results = pt_zalloc_aligned((size_t)cfg->max_results * sizeof(*dpi->results));
	dpi->free_states = pt_zalloc_aligned((size_t)cfg->max_states * sizeof(uint32_t));
	dpi->free_results = pt_zalloc_aligned((size_t)cfg->max_results * sizeof(uint32_t));
	if (dpi->states == NULL || dpi->results == NULL || dpi->free_states == NULL || dpi->free_results == NULL)
		goto free_pools;
	/* Hand out low indices first: the pools' hot part stays small and warm. */
	for (uint32_t i = 0; i < cfg->max_states; i++)
		dpi->free_states[i] = cfg->max_states - 1 - i;
	for (uint32_t i = 0; i < cfg->max_results; i++)
		dpi->free_results[i] = cfg->max_results - 1 - i;
	dpi->n_free_states = cfg->max_states;
	dpi->n_free_results = cfg->max_results;

	pthread_mutex_lock(&ndpi_module_lock);
	dpi->ndpi = ndpi_init_detection_module(ndpi_no_prefs);
	if (dpi->ndpi != NULL) {
		NDPI_BITMASK_SET_ALL(all);
		ndpi_set_protocol_detection_bitmask2(dpi->ndpi, &all);
		ndpi_finalize_initialization(dpi->ndpi);
	}
	pthread_mutex_unlock(&ndpi_module_lock);
	if (dpi->ndpi == NULL) {
		set_err(err, err_len, "dpi: nDPI could not create a detection module (out of memory?)");
		goto free_pools_quiet;
	}
	return dpi;

free_pools:
	set_err(err, err_len, "dpi: out of memory for %u nDPI states and %u results (%zu MiB)", cfg->max_states,
		cfg->max_results, pt_dpi_pool_bytes(cfg) >> 20);
free_pools_quiet:
	pt_free_aligned(dpi->free_results);
	pt_free_aligned(dpi->free_states);
	pt_free_aligned(dpi->results);
	pt_free_aligned(dpi->states);
	pt_free_aligned(dpi);
	return NULL;
fail_memory:
	set_err(err, err_len, "dpi: out of memory");
	return NULL;
}

void pt_dpi_free(struct pt_dpi *dpi)
{
	if (dpi == NULL)
		return;
	/* States still in use hold strings nDPI allocated: free them. A state in the pool is all zero, and one above
	 * the highest ever handed out was never touched (its pages were never faulted in: leave them so). */
	for (uint32_t i = 0; i < dpi->states_touched; i++)
		ndpi_free_flow_data(&dpi->states[i].nf);
	pthread_mutex_lock(&ndpi_module_lock);
	ndpi_exit_detection_module(dpi->ndpi);
	pthread_mutex_unlock(&ndpi_module_lock);
	pt_free_aligned(dpi->free_results);
	pt_free_aligned(dpi->free_states);
	pt_free_aligned(dpi->results);
	pt_free_aligned(dpi->states);
	pt_free_aligned(dpi);
}

/* Return a flow's state to the pool: free what nDPI allocated in it and zero it for the next flow
 * (nDPI requires a zeroed ndpi_flow_struct). */
static void put_state(struct pt_dpi *dpi, struct pt_dpi_flow *df)
{
	struct pt_dpi_state *st = &dpi->states[df->state - 1];

	ndpi_free_flow_data(&st->nf);
	memset(st, 0, sizeof(*st));
	dpi->free_states[dpi->n_free_states++] = df->state - 1;
	df->state = 0;
	dpi->stats.states_in_use--;
}

/* Classification is over: give up if nDPI found nothing, fill the result, return the state. */
static void finish(struct pt_dpi *dpi, struct pt_dpi_flow *df, enum pt_dpi_end end)
{
	struct pt_dpi_state *st = &dpi->states[df->state - 1];
	struct pt_dpi_result *r = &dpi->results[df->result - 1];
	ndpi_protocol proto = st->proto;
	bool guessed = false;

	if (proto.app_protocol == NDPI_PROTOCOL_UNKNOWN) {
		uint8_t was_guessed = 0;

		proto = ndpi_detection_giveup(dpi->ndpi, &st->nf, dpi->cfg.guess ? 1 : 0, &was_guessed);
		guessed = was_guessed != 0 && (proto.app_protocol != NDPI_PROTOCOL_UNKNOWN ||
					       proto.master_protocol != NDPI_PROTOCOL_UNKNOWN);
		dpi->stats.flows_given_up++;
		if (guessed)
			dpi->stats.flows_guessed++;
	} else {
		dpi->stats.flows_classified++;
	}
	if (end == PT_DPI_END_PACKET_CAP)
		dpi->stats.flows_capped++;
	else if (end == PT_DPI_END_FLOW_END)
		dpi->stats.flows_ended_in_dpi++;

	pt_dpi_extract(dpi->ndpi, &st->nf, proto, guessed, r);
	r->packets = df->packets;
	r->end = (uint8_t)end;
	put_state(dpi, df);
	df->status = PT_DPI_STATUS_DONE;
}

/* First payload byte: take a state and a result slot, or count why not. */
static bool start(struct pt_dpi *dpi, struct pt_dpi_flow *df)
{
	uint32_t ri;

	if (PT_UNLIKELY(dpi->n_free_states == 0)) {
		dpi->stats.pool_exhausted++;
		df->status = PT_DPI_STATUS_SKIPPED;
		return false;
	}
	if (PT_UNLIKELY(dpi->n_free_results == 0)) {
		dpi->stats.results_exhausted++;
		df->status = PT_DPI_STATUS_SKIPPED;
		return false;
	}
	df->state = dpi->free_states[--dpi->n_free_states] + 1;
	if (df->state > dpi->states_touched)
		dpi->states_touched = df->state;
	ri = dpi->free_results[--dpi->n_free_results];
	memset(&dpi->results[ri], 0, sizeof(dpi->results[ri]));
	df->result = ri + 1;
	df->packets = 0;
	df->status = PT_DPI_STATUS_ACTIVE;
	dpi->stats.flows_started++;
	dpi->stats.states_in_use++;
	dpi->stats.results_in_use++;
	return true;
}

/* After nDPI classified a flow: is there anything left that more packets could give? nDPI says so with
 * ndpi_extra_dissection_possible(), but that keeps saying yes where its own extra dissection has already
 * stopped (a TLS 1.3 certificate is encrypted, so it never arrives): stop too when nDPI would not look
 * at another packet. */
static bool wants_more(struct pt_dpi *dpi, struct pt_dpi_state *st)
{
	if (!ndpi_extra_dissection_possible(dpi->ndpi, &st->nf))
		return false;
	return st->nf.check_extra_packets && st->nf.extra_packets_func != NULL;
}

bool pt_dpi_packet(struct pt_dpi *dpi, struct pt_dpi_flow *df, const uint8_t *l3, uint32_t l3_len, uint8_t l4_proto,
		   uint32_t payload_len, uint64_t ts_ns)
{
	uint8_t ip_version = l3_len > 0 ? l3[0] >> 4 : 0;
	struct pt_dpi_state *st;

	if (df->status != PT_DPI_STATUS_ACTIVE) {
		if (df->status != PT_DPI_STATUS_NONE)
			return false;
		if (payload_len == 0)
			return true;
		if (!start(dpi, df))
			return false;
		st = &dpi->states[df->state - 1];
		st->ip_version = ip_version;
		st->l4_proto = l4_proto;
	} else {
		st = &dpi->states[df->state - 1];
		if (PT_UNLIKELY(st->ip_version != ip_version || st->l4_proto != l4_proto)) {
			dpi->stats.packets_mismatched++;
			return true;
		}
	}
	st->proto = ndpi_detection_process_packet(dpi->ndpi, &st->nf, l3, (unsigned short)(l3_len > 0xffff ? 0xffff : l3_len),
						  ts_ns / 1000000);
	df->packets++;
	dpi->stats.packets_inspected++;
	if (st->proto.app_protocol != NDPI_PROTOCOL_UNKNOWN && !wants_more(dpi, st)) {
		finish(dpi, df, PT_DPI_END_DETECTED);
		return false;
	}
	if (df->packets >= dpi->cfg.max_packets) {
		finish(dpi, df, PT_DPI_END_PACKET_CAP);
		return false;
	}
	return true;
}

bool pt_dpi_packet_decoded(struct pt_dpi *dpi, struct pt_dpi_flow *df, const uint8_t *frame,
			   const struct pt_decoded *pkt, uint64_t ts_ns)
{
	if (df->status > PT_DPI_STATUS_ACTIVE)
		return false;
	/* nDPI 4.2 does not reassemble IP fragments and skips the L4 part of any fragment. */
	if (pkt->frag != 0 || pkt->payload_offset < pkt->l3_offset)
		return true;
	return pt_dpi_packet(dpi, df, frame + pkt->l3_offset, pkt->payload_offset + pkt->payload_len - pkt->l3_offset,
			     pkt->l4_proto, pkt->payload_len, ts_ns);
}

bool pt_dpi_flow_shed(struct pt_dpi *dpi, struct pt_dpi_flow *df)
{
	if (df->status != PT_DPI_STATUS_NONE)
		return false;
	df->status = PT_DPI_STATUS_SKIPPED;
	dpi->stats.flows_shed++;
	return true;
}

void pt_dpi_flow_end(struct pt_dpi *dpi, struct pt_dpi_flow *df)
{
	if (df->status == PT_DPI_STATUS_ACTIVE)
		finish(dpi, df, PT_DPI_END_FLOW_END);
}

const struct pt_dpi_result *pt_dpi_flow_result(const struct pt_dpi *dpi, const struct pt_dpi_flow *df)
{
	if (df->status != PT_DPI_STATUS_DONE || df->result == 0)
		return NULL;
	return &dpi->results[df->result - 1];
}

void pt_dpi_flow_release(struct pt_dpi *dpi, struct pt_dpi_flow *df)
{
	if (df->state != 0)
		put_state(dpi, df);
	if (df->result != 0) {
		dpi->free_results[dpi->n_free_results++] = df->result - 1;
		dpi->stats.results_in_use--;
	}
	memset(df, 0, sizeof(*df));
}

void pt_dpi_stats_add(struct pt_dpi_stats *sum, const struct pt_dpi_stats *add)
{
	sum->flows_started += add->flows_started;
	sum->flows_classified += add->flows_classified;
	sum->flows_given_up += add->flows_given_up;
	sum->flows_guessed += add->flows_guessed;
	sum->flows_capped += add->flows_capped;
	sum->flows_ended_in_dpi += add->flows_ended_in_dpi;
	sum->pool_exhausted += add->pool_exhausted;
	sum->results_exhausted += add->results_exhausted;
	sum->flows_shed += add->flows_shed;
	sum->packets_inspected += add->packets_inspected;
	sum->packets_mismatched += add->packets_mismatched;
	sum->states_in_use += add->states_in_use;
	sum->results_in_use += add->results_in_use;
}

void pt_dpi_stats(const struct pt_dpi *dpi, struct pt_dpi_stats *stats)
{
	*stats = dpi->stats;
}
