/* SPDX-License-Identifier: BSD-3-Clause */
/* decode_priv.h - Decoder state and helpers shared by decode.c and decode_tunnel.c; not part of the API. */
#ifndef PT_DECODE_PRIV_H
#define PT_DECODE_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>

#include "pt_decode.h"

#define PT_ETH_HLEN 14
#define PT_VLAN_HLEN 4
#define PT_IPV4_HLEN 20
#define PT_IPV6_HLEN 40
#define PT_TCP_HLEN 20
#define PT_UDP_HLEN 8
#define PT_ICMP_HLEN 4
#define PT_SCTP_HLEN 12

#define PT_ETHERTYPE_IPV4 0x0800
#define PT_ETHERTYPE_IPV6 0x86DD
#define PT_ETHERTYPE_VLAN 0x8100
#define PT_ETHERTYPE_QINQ 0x88A8
#define PT_ETHERTYPE_QINQ_OLD 0x9100
#define PT_ETHERTYPE_TEB 0x6558    /* transparent Ethernet bridging (GRE, Geneve) */
#define PT_ETHERTYPE_ERSPAN2 0x88BE
#define PT_ETHERTYPE_ERSPAN3 0x22EB

#define PT_IPPROTO_HOPOPTS 0
#define PT_IPPROTO_ICMP 1
#define PT_IPPROTO_IPIP 4
#define PT_IPPROTO_TCP 6
#define PT_IPPROTO_UDP 17
#define PT_IPPROTO_IPV6 41
#define PT_IPPROTO_ROUTING 43
#define PT_IPPROTO_FRAGMENT 44
#define PT_IPPROTO_GRE 47
#define PT_IPPROTO_AH 51
#define PT_IPPROTO_ICMPV6 58
#define PT_IPPROTO_DSTOPTS 60
#define PT_IPPROTO_SCTP 132

/*
 * Offsets grow only through IPv6 extension headers (up to 2 KB each); a chain ending past this point
 * is rejected so that every offset stored in the 16-bit fields of struct pt_decoded stays exact
 * (the headers that can still follow are bounded to well under 4 KB).
 */
#define PT_DECODE_MAX_HDR_OFFSET 0xF000u

/** What the decoder reads next. */
enum pt_decode_layer {
	PT_LAYER_DONE = 0,  /* out is complete */
	PT_LAYER_ETH,       /* Ethernet header at ctx->off */
	PT_LAYER_IPV4,      /* IPv4 header at ctx->off */
	PT_LAYER_IPV6,      /* IPv6 header at ctx->off */
};

/** Decoder state for one frame. All offsets are from the first byte of the frame. */
struct pt_decode_ctx {
	const uint8_t *data;
	uint32_t cap;       /* bytes that may be read: [0, cap) */
	uint32_t off;       /* start of the next layer */
	uint32_t end;       /* end of the next layer as bounded by the wire length and enclosing lengths */
	const struct pt_decode_options *opt;
	struct pt_decoded *out;
};

static inline uint16_t pt_rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return ntohs(v);
}

static inline uint32_t pt_rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return ntohl(v);
}

/** True when [off, off + len) is both captured and inside the current layer's wire bound @p end. */
static inline bool pt_fits(const struct pt_decode_ctx *c, uint32_t off, uint32_t len, uint32_t end)
{
	return (uint64_t)off + len <= c->cap && (uint64_t)off + len <= end;
}

/**
 * Record the removal of one encapsulation whose outer IP header is the one currently in ctx->out.
 * @return PT_DECODE_OK, or PT_DECODE_TUNNEL_TOO_DEEP when PT_DECODE_MAX_TUNNELS were already removed.
 */
enum pt_decode_result pt_decode_tunnel_enter(struct pt_decode_ctx *c, enum pt_tunnel_type type, uint32_t id);

/**
 * Look at a UDP datagram (header at @p l4, datagram ending at @p l4_end) for VXLAN or Geneve.
 * @return PT_DECODE_OK with *next = PT_LAYER_DONE when it is not a tunnel to decode (a plain UDP flow),
 *         PT_DECODE_OK with *next set and ctx->off/end on the inner frame when it is,
 *         or PT_DECODE_TRUNC_TUNNEL, PT_DECODE_BAD_TUNNEL, PT_DECODE_TUNNEL_TOO_DEEP.
 */
enum pt_decode_result pt_decode_udp_tunnel(struct pt_decode_ctx *c, uint32_t l4, uint32_t l4_end, uint16_t dst_port,
					   enum pt_decode_layer *next);

/**
 * Look at a GRE packet (header at @p l4, ending at @p l4_end): plain, TEB, IPv4/IPv6, ERSPAN II/III.
 * @return as pt_decode_udp_tunnel(); *next = PT_LAYER_DONE means a plain GRE flow (unknown payload type).
 */
enum pt_decode_result pt_decode_gre(struct pt_decode_ctx *c, uint32_t l4, uint32_t l4_end,
				    enum pt_decode_layer *next);

#endif /* PT_DECODE_PRIV_H */
