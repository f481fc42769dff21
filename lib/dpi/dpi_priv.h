/* SPDX-License-Identifier: BSD-3-Clause */
/* dpi_priv.h - Internals of lib/dpi shared by its files: the classifier, its pools, and the nDPI-to-result extraction. */
#ifndef PT_DPI_PRIV_H
#define PT_DPI_PRIV_H

#include <ndpi/ndpi_api.h>

#include "pt_dpi.h"
#include "pt_util.h"

/** One pooled nDPI flow state and the last protocol nDPI returned for it. */
struct pt_dpi_state {
	struct ndpi_flow_struct nf;
	ndpi_protocol proto;
	uint8_t ip_version;  /* of the flow's first packet given to nDPI */
	uint8_t l4_proto;
};

struct pt_dpi {
	struct pt_dpi_stats stats;
	struct ndpi_detection_module_struct *ndpi;
	struct pt_dpi_state *states;
	struct pt_dpi_result *results;
	uint32_t *free_states;        /* stack of free state indices */
	uint32_t *free_results;       /* stack of free result indices */
	uint32_t n_free_states;
	uint32_t states_touched;          /* 1 + the highest state index ever handed out */
	uint32_t n_free_results;
	struct pt_dpi_config cfg;
} PT_CACHE_ALIGNED;

/**
 * Fill @p r from nDPI's flow state at the end of classification.
 * @param proto    the protocol to report (after give-up, if it ran).
 * @param guessed  the protocol is nDPI's guess.
 */
void pt_dpi_extract(struct ndpi_detection_module_struct *ndpi, const struct ndpi_flow_struct *nf, ndpi_protocol proto,
		    bool guessed, struct pt_dpi_result *r);

/**
 * Copy @p src into @p dst (size @p cap), cutting at a UTF-8 character boundary when it does not fit.
 * @return true when it was cut.
 */
bool pt_dpi_copy_str(char *dst, size_t cap, const char *src);

#endif /* PT_DPI_PRIV_H */
