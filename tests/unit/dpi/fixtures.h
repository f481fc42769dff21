/* SPDX-License-Identifier: BSD-3-Clause */
/* fixtures.h - Real captures for the DPI tests (fixtures_data.c, made by make-fixtures.sh) and the helpers that feed them. */
#ifndef PT_DPI_FIXTURES_H
#define PT_DPI_FIXTURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pt_dpi.h"

/** One captured Ethernet frame. */
struct fx_frame {
	const uint8_t *data;
	uint32_t len;        /* captured */
	uint32_t wire_len;
	uint64_t ts_ns;
};

/** One capture file: pcap/<name>.pcap. Each holds one exchange (one flow, apart from stray packets). */
struct fx_capture {
	const char *name;
	const struct fx_frame *frames;
	uint32_t n_frames;
};

extern const struct fx_capture fx_captures[];
extern const unsigned fx_n_captures;

/** The capture named @p name; fails the test when there is none. */
const struct fx_capture *fx_find(const char *name);

/**
 * Give frames [from, to) of @p c to @p dpi as one flow: only frames of the capture's first flow (its
 * first frame's addresses, ports and protocol), decoded with pt_decode_frame(). Stops early when the
 * flow no longer wants packets.
 * @return the number of frames given to pt_dpi_packet_decoded().
 */
uint32_t fx_feed(struct pt_dpi *dpi, struct pt_dpi_flow *df, const struct fx_capture *c, uint32_t from, uint32_t to);

/** Frames of the capture's first flow that carry L4 payload. */
uint32_t fx_payload_frames(const struct fx_capture *c);

/** A result flattened to dotted names: "tls.client.server_name", "dns.answers[0].data", "podtap.dpi.risks[1]". */
#define FX_MAX_FIELDS 64
struct fx_fields {
	unsigned int n;
	char name[FX_MAX_FIELDS][96];
	char value[FX_MAX_FIELDS][320];
};

/** Walk @p r (all objects) into @p f; U64 and TIME values are written in decimal. */
void fx_flatten(const struct pt_dpi_result *r, struct fx_fields *f);

/** Value of a flattened field, or NULL when absent. */
const char *fx_get(const struct fx_fields *f, const char *name);

/** Print every field (for PT_DPI_TEST_VERBOSE=1). */
void fx_print(const char *title, const struct fx_fields *f);

/** Render @p r as the JSON members pt_json would write (objects wrapped), into @p buf. */
void fx_json(const struct pt_dpi_result *r, char *buf, size_t len);

/** Classify a whole capture with a fresh handle on @p dpi; flattens the result into @p f (empty when none). */
const struct pt_dpi_result *fx_classify(struct pt_dpi *dpi, struct pt_dpi_flow *df, const char *capture,
					struct fx_fields *f);

#endif /* PT_DPI_FIXTURES_H */
