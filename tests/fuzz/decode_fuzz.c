/* SPDX-License-Identifier: BSD-3-Clause */
/* decode_fuzz.c - libFuzzer target for pt_decode_frame() and the fragment table; see docs/decode.md to build it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "pt_decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Input: one control byte, then the frame. Control bit 0 turns decapsulation off, bit 1 makes the wire
 * length twice the capture (a snap length cut), bits 2-3 pick a non-default VXLAN/Geneve port setup.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pt_decode_options opt;
	struct pt_frag_table *frags;
	struct pt_decoded d;
	uint32_t cap, wire;
	uint8_t ctl;

	if (size < 1 || size > 0x10000)
		return 0;
	ctl = data[0];
	data++;
	cap = (uint32_t)(size - 1);
	wire = (ctl & 0x02) ? cap * 2 : cap;
	pt_decode_options_default(&opt);
	opt.decapsulate = !(ctl & 0x01);
	if (ctl & 0x04) {
		opt.n_vxlan_ports = PT_DECODE_MAX_VXLAN_PORTS + 1;  /* out of range: must be clamped */
		opt.vxlan_ports[2] = 6081;
	}
	if (ctl & 0x08)
		opt.geneve_port = 0;

	if (pt_decode_frame(data, cap, wire, &opt, &d) != PT_DECODE_OK)
		return 0;
	if ((uint64_t)d.payload_offset + d.payload_len > cap || d.l3_offset >= cap || d.l4_offset > cap ||
	    d.tunnel_depth > PT_DECODE_MAX_TUNNELS || d.vlan_count > PT_DECODE_MAX_VLANS ||
	    (d.ip_version != 4 && d.ip_version != 6))
		abort();
	frags = pt_frag_table_create(4);
	if (frags != NULL) {
		(void)pt_frag_table_resolve(frags, &d, 1);
		pt_frag_table_free(frags);
	}
	return 0;
}
