/* SPDX-License-Identifier: BSD-3-Clause */
/* decode_tunnel.c - Removes one encapsulation: VXLAN, Geneve, GRE (TEB, IPv4/IPv6), ERSPAN II/III, and records it. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "decode_priv.h"

#define VXLAN_HLEN 8
#define VXLAN_FLAG_I 0x08

#define GENEVE_HLEN 8

#define GRE_FLAG_C 0x8000        /* checksum + reserved1 present */
#define GRE_FLAG_R 0x4000        /* routing present (RFC 1701, obsolete): not decoded */
#define GRE_FLAG_K 0x2000        /* key present */
#define GRE_FLAG_S 0x1000        /* sequence number present */
#define GRE_VERSION_MASK 0x0007

#define ERSPAN2_HLEN 8
#define ERSPAN3_HLEN 12
#define ERSPAN3_PLATFORM_HLEN 8  /* optional platform-specific sub-header, present when O is set */
#define ERSPAN3_FT_ETHERNET 0
#define ERSPAN3_FT_IP 2

enum pt_decode_result pt_decode_tunnel_enter(struct pt_decode_ctx *c, enum pt_tunnel_type type, uint32_t id)
{
	struct pt_decoded *o = c->out;

	if (o->tunnel_depth >= PT_DECODE_MAX_TUNNELS)
		return PT_DECODE_TUNNEL_TOO_DEEP;
	o->tunnel_depth++;
	o->tunnel_type = (uint8_t)type;
	o->tunnel_id = id;
	o->tunnel_ip_version = o->ip_version;
	memcpy(o->tunnel_src, o->src_addr, sizeof(o->tunnel_src));
	memcpy(o->tunnel_dst, o->dst_addr, sizeof(o->tunnel_dst));
	return PT_DECODE_OK;
}

/* Enter a tunnel whose inner layer @p next starts at @p inner and ends at @p end. */
static enum pt_decode_result enter_at(struct pt_decode_ctx *c, enum pt_tunnel_type type, uint32_t id,
				      uint32_t inner, uint32_t end, enum pt_decode_layer layer,
				      enum pt_decode_layer *next)
{
	enum pt_decode_result rc = pt_decode_tunnel_enter(c, type, id);

	if (rc != PT_DECODE_OK)
		return rc;
	c->off = inner;
	c->end = end;
	*next = layer;
	return PT_DECODE_OK;
}

/* Payload type of Geneve and GRE (an Ethertype) to the next layer, or PT_LAYER_DONE when not decoded. */
static enum pt_decode_layer ethertype_layer(uint16_t type)
{
	switch (type) {
	case PT_ETHERTYPE_TEB:
		return PT_LAYER_ETH;
	case PT_ETHERTYPE_IPV4:
		return PT_LAYER_IPV4;
	case PT_ETHERTYPE_IPV6:
		return PT_LAYER_IPV6;
	default:
		return PT_LAYER_DONE;
	}
}

static bool is_vxlan_port(const struct pt_decode_options *opt, uint16_t port)
{
	unsigned int n = opt->n_vxlan_ports < PT_DECODE_MAX_VXLAN_PORTS ? opt->n_vxlan_ports : PT_DECODE_MAX_VXLAN_PORTS;
	unsigned int i;

	for (i = 0; i < n; i++)
		if (opt->vxlan_ports[i] == port && port != 0)
			return true;
	return false;
}

enum pt_decode_result pt_decode_udp_tunnel(struct pt_decode_ctx *c, uint32_t l4, uint32_t l4_end, uint16_t dst_port,
					   enum pt_decode_layer *next)
{
	uint32_t hdr = l4 + PT_UDP_HLEN, hlen;
	const uint8_t *h = c->data + hdr;
	enum pt_decode_layer layer;

	*next = PT_LAYER_DONE;
	if (is_vxlan_port(c->opt, dst_port)) {
		if (!pt_fits(c, hdr, VXLAN_HLEN, l4_end))
			return PT_DECODE_TRUNC_TUNNEL;
		if (!(h[0] & VXLAN_FLAG_I))
			return PT_DECODE_BAD_TUNNEL;
		return enter_at(c, PT_TUNNEL_VXLAN, pt_rd32(h + 4) >> 8, hdr + VXLAN_HLEN, l4_end, PT_LAYER_ETH, next);
	}
	if (c->opt->geneve_port != 0 && dst_port == c->opt->geneve_port) {
		if (!pt_fits(c, hdr, GENEVE_HLEN, l4_end))
			return PT_DECODE_TRUNC_TUNNEL;
		if ((h[0] >> 6) != 0)
			return PT_DECODE_BAD_TUNNEL;  /* version */
		hlen = GENEVE_HLEN + (uint32_t)(h[0] & 0x3F) * 4;
		if (!pt_fits(c, hdr, hlen, l4_end))
			return PT_DECODE_TRUNC_TUNNEL;
		layer = ethertype_layer(pt_rd16(h + 2));
		if (layer == PT_LAYER_DONE)
			return PT_DECODE_OK;  /* a payload we do not decode: a plain UDP flow */
		return enter_at(c, PT_TUNNEL_GENEVE, pt_rd32(h + 4) >> 8, hdr + hlen, l4_end, layer, next);
	}
	return PT_DECODE_OK;
}

/* ERSPAN II (or type I when GRE has no sequence number) after a GRE header; inner frame at *inner. */
static enum pt_decode_result erspan2(struct pt_decode_ctx *c, uint16_t gre_flags, uint32_t *inner, uint32_t end,
				     uint32_t *id)
{
	const uint8_t *e = c->data + *inner;

	*id = 0;
	if (!(gre_flags & GRE_FLAG_S))
		return PT_DECODE_OK;  /* type I: the mirrored frame follows GRE directly */
	if (!pt_fits(c, *inner, ERSPAN2_HLEN, end))
		return PT_DECODE_TRUNC_TUNNEL;
	if ((e[0] >> 4) != 1)
		return PT_DECODE_BAD_TUNNEL;
	*id = pt_rd16(e + 2) & 0x03FF;
	*inner += ERSPAN2_HLEN;
	return PT_DECODE_OK;
}

/* ERSPAN III: 12-byte header, optional platform sub-header, Ethernet or IP frame. */
static enum pt_decode_result erspan3(struct pt_decode_ctx *c, uint32_t *inner, uint32_t end, uint32_t *id,
				     enum pt_decode_layer *layer)
{
	const uint8_t *e = c->data + *inner;
	uint32_t hlen = ERSPAN3_HLEN;
	uint16_t w;

	if (!pt_fits(c, *inner, ERSPAN3_HLEN, end))
		return PT_DECODE_TRUNC_TUNNEL;
	if ((e[0] >> 4) != 2)
		return PT_DECODE_BAD_TUNNEL;
	w = pt_rd16(e + 10);  /* P(1) FT(5) HW ID(6) D(1) Gra(2) O(1) */
	if (w & 0x0001)
		hlen += ERSPAN3_PLATFORM_HLEN;
	if (!pt_fits(c, *inner, hlen, end))
		return PT_DECODE_TRUNC_TUNNEL;
	switch ((w >> 10) & 0x1F) {
	case ERSPAN3_FT_ETHERNET:
		*layer = PT_LAYER_ETH;
		break;
	case ERSPAN3_FT_IP:
		/* The IP version picks the header; a missing byte is reported by the IPv4 decoder. */
		*layer = (*inner + hlen < c->cap && (c->data[*inner + hlen] >> 4) == 6) ? PT_LAYER_IPV6 : PT_LAYER_IPV4;
		break;
	default:
		return PT_DECODE_BAD_TUNNEL;
	}
	*id = pt_rd16(e + 2) & 0x03FF;
	*inner += hlen;
	return PT_DECODE_OK;
}

enum pt_decode_result pt_decode_gre(struct pt_decode_ctx *c, uint32_t l4, uint32_t l4_end, enum pt_decode_layer *next)
{
	const uint8_t *g = c->data + l4;
	enum pt_tunnel_type type = PT_TUNNEL_GRE;
	enum pt_decode_layer layer = PT_LAYER_ETH;
	enum pt_decode_result rc = PT_DECODE_OK;
	uint32_t hlen = 4, id = 0, inner;
	uint16_t flags, proto;

	*next = PT_LAYER_DONE;
	if (!pt_fits(c, l4, 4, l4_end))
		return PT_DECODE_TRUNC_TUNNEL;
	flags = pt_rd16(g);
	proto = pt_rd16(g + 2);
	if (proto != PT_ETHERTYPE_ERSPAN2 && proto != PT_ETHERTYPE_ERSPAN3 && ethertype_layer(proto) == PT_LAYER_DONE)
		return PT_DECODE_OK;  /* PPTP, MPLS, ...: a plain GRE flow */
	if ((flags & GRE_VERSION_MASK) != 0 || (flags & GRE_FLAG_R))
		return PT_DECODE_BAD_TUNNEL;
	if (flags & GRE_FLAG_C)
		hlen += 4;
	if (flags & GRE_FLAG_K)
		hlen += 4;
	if (flags & GRE_FLAG_S)
		hlen += 4;
	if (!pt_fits(c, l4, hlen, l4_end))
		return PT_DECODE_TRUNC_TUNNEL;
	if (flags & GRE_FLAG_K)
		id = pt_rd32(g + ((flags & GRE_FLAG_C) ? 8 : 4));
	inner = l4 + hlen;

	if (proto == PT_ETHERTYPE_ERSPAN2) {
		type = PT_TUNNEL_ERSPAN2;
		rc = erspan2(c, flags, &inner, l4_end, &id);
	} else if (proto == PT_ETHERTYPE_ERSPAN3) {
		type = PT_TUNNEL_ERSPAN3;
		rc = erspan3(c, &inner, l4_end, &id, &layer);
	} else {
		layer = ethertype_layer(proto);
	}
	if (rc != PT_DECODE_OK)
		return rc;
	return enter_at(c, type, id, inner, l4_end, layer, next);
}
