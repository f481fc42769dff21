/* SPDX-License-Identifier: BSD-3-Clause */
/* decode.c - Decodes one frame: Ethernet and VLAN tags, IPv4/IPv6 (options, extension headers, fragments), L4. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "decode_priv.h"

static const char *const result_names[PT_DECODE_RESULT_MAX] = {
	[PT_DECODE_OK] = "ok",
	[PT_DECODE_NOT_IP] = "not_ip",
	[PT_DECODE_TRUNC_ETH] = "trunc_eth",
	[PT_DECODE_TRUNC_VLAN] = "trunc_vlan",
	[PT_DECODE_TOO_MANY_VLANS] = "too_many_vlans",
	[PT_DECODE_TRUNC_IPV4] = "trunc_ipv4",
	[PT_DECODE_BAD_IPV4_HEADER] = "bad_ipv4_header",
	[PT_DECODE_BAD_IPV4_LENGTH] = "bad_ipv4_length",
	[PT_DECODE_TRUNC_IPV6] = "trunc_ipv6",
	[PT_DECODE_BAD_IPV6_LENGTH] = "bad_ipv6_length",
	[PT_DECODE_BAD_IPV6_EXTHDR] = "bad_ipv6_exthdr",
	[PT_DECODE_TRUNC_TCP] = "trunc_tcp",
	[PT_DECODE_BAD_TCP_HEADER] = "bad_tcp_header",
	[PT_DECODE_TRUNC_UDP] = "trunc_udp",
	[PT_DECODE_BAD_UDP_LENGTH] = "bad_udp_length",
	[PT_DECODE_TRUNC_ICMP] = "trunc_icmp",
	[PT_DECODE_TRUNC_SCTP] = "trunc_sctp",
	[PT_DECODE_TRUNC_TUNNEL] = "trunc_tunnel",
	[PT_DECODE_BAD_TUNNEL] = "bad_tunnel",
	[PT_DECODE_TUNNEL_TOO_DEEP] = "tunnel_too_deep",
	[PT_DECODE_BAD_IPV6_HEADER] = "bad_ipv6_header",
};

static const char *const tunnel_names[PT_TUNNEL_TYPE_MAX] = {
	[PT_TUNNEL_NONE] = "none",
	[PT_TUNNEL_VXLAN] = "vxlan",
	[PT_TUNNEL_GENEVE] = "geneve",
	[PT_TUNNEL_GRE] = "gre",
	[PT_TUNNEL_ERSPAN2] = "erspan2",
	[PT_TUNNEL_ERSPAN3] = "erspan3",
	[PT_TUNNEL_IPIP] = "ipip",
};

const char *pt_decode_result_name(enum pt_decode_result result)
{
	if ((unsigned int)result >= PT_DECODE_RESULT_MAX || result_names[result] == NULL)
		return "unknown";
	return result_names[result];
}

const char *pt_decode_tunnel_name(enum pt_tunnel_type type)
{
	if ((unsigned int)type >= PT_TUNNEL_TYPE_MAX || tunnel_names[type] == NULL)
		return "unknown";
	return tunnel_names[type];
}

void pt_decode_options_default(struct pt_decode_options *opt)
{
	memset(opt, 0, sizeof(*opt));
	opt->vxlan_ports[0] = 4789;
	opt->vxlan_ports[1] = 8472;
	opt->n_vxlan_ports = 2;
	opt->geneve_port = 6081;
	opt->decapsulate = true;
}

/*
 * Ethernet header and up to PT_DECODE_MAX_VLANS tags. The innermost tagged header's ids are recorded: for
 * ERSPAN that is the mirrored frame's VLAN, not the collection network's; for plain SPAN it is the only one.
 */
static enum pt_decode_result decode_eth(struct pt_decode_ctx *c, enum pt_decode_layer *next)
{
	struct pt_decoded *o = c->out;
	uint16_t ids[PT_DECODE_MAX_VLANS];
	uint32_t off = c->off;
	unsigned int tags = 0;
	uint16_t type;

	if (!pt_fits(c, off, PT_ETH_HLEN, c->end))
		return PT_DECODE_TRUNC_ETH;
	type = pt_rd16(c->data + off + 12);
	off += PT_ETH_HLEN;
	while (type == PT_ETHERTYPE_VLAN || type == PT_ETHERTYPE_QINQ || type == PT_ETHERTYPE_QINQ_OLD) {
		if (tags == PT_DECODE_MAX_VLANS)
			return PT_DECODE_TOO_MANY_VLANS;
		if (!pt_fits(c, off, PT_VLAN_HLEN, c->end))
			return PT_DECODE_TRUNC_VLAN;
		ids[tags] = pt_rd16(c->data + off) & 0x0FFF;
		type = pt_rd16(c->data + off + 2);
		off += PT_VLAN_HLEN;
		tags++;
	}
	if (tags > 0) {
		o->vlan_count = (uint8_t)tags;
		for (unsigned int i = 0; i < tags; i++)
			o->vlan_ids[i] = ids[i];
	}
	c->off = off;
	if (type == PT_ETHERTYPE_IPV4)
		*next = PT_LAYER_IPV4;
	else if (type == PT_ETHERTYPE_IPV6)
		*next = PT_LAYER_IPV6;
	else
		return PT_DECODE_NOT_IP;
	return PT_DECODE_OK;
}

/* TCP header at l4 (already known to be inside the IP payload [l4, ip_end)); sets *hlen. */
static enum pt_decode_result decode_tcp(struct pt_decode_ctx *c, uint32_t l4, uint32_t ip_end, uint32_t *hlen)
{
	const uint8_t *t = c->data + l4;
	struct pt_decoded *o = c->out;
	uint32_t doff;

	if (!pt_fits(c, l4, PT_TCP_HLEN, ip_end))
		return PT_DECODE_TRUNC_TCP;
	doff = (uint32_t)(t[12] >> 4) * 4;
	if (doff < PT_TCP_HLEN || doff > ip_end - l4)
		return PT_DECODE_BAD_TCP_HEADER;
	if (!pt_fits(c, l4, doff, ip_end))
		return PT_DECODE_TRUNC_TCP;
	o->src_port = pt_rd16(t);
	o->dst_port = pt_rd16(t + 2);
	o->tcp_seq = pt_rd32(t + 4);
	o->tcp_ack = pt_rd32(t + 8);
	o->tcp_flags = t[13];
	*hlen = doff;
	return PT_DECODE_OK;
}

/* UDP header at l4; may hand over to a VXLAN/Geneve decapsulation through *next. Sets *hlen and *l4_end. */
static enum pt_decode_result decode_udp(struct pt_decode_ctx *c, uint32_t l4, uint32_t ip_end, uint32_t *hlen,
					uint32_t *l4_end, enum pt_decode_layer *next)
{
	const uint8_t *u = c->data + l4;
	struct pt_decoded *o = c->out;
	enum pt_decode_result rc;
	uint32_t ulen;

	if (!pt_fits(c, l4, PT_UDP_HLEN, ip_end))
		return PT_DECODE_TRUNC_UDP;
	ulen = pt_rd16(u + 4);
	if (ulen < PT_UDP_HLEN)
		return PT_DECODE_BAD_UDP_LENGTH;
	if (ulen <= ip_end - l4)
		*l4_end = l4 + ulen;  /* the IP payload may be longer (padding) */
	else if (!(o->frag & PT_DECODE_FRAG_FIRST))
		return PT_DECODE_BAD_UDP_LENGTH;  /* a first fragment holds only part of the datagram */
	if (c->opt->decapsulate && o->frag == 0) {
		rc = pt_decode_udp_tunnel(c, l4, *l4_end, pt_rd16(u + 2), next);
		if (rc != PT_DECODE_OK || *next != PT_LAYER_DONE)
			return rc;
	}
	o->src_port = pt_rd16(u);
	o->dst_port = pt_rd16(u + 2);
	*hlen = PT_UDP_HLEN;
	return PT_DECODE_OK;
}

/*
 * The L4 header of protocol @p proto at @p l4, inside an IP payload ending at @p ip_end (wire bound).
 * Fills ports and the payload, or continues into a tunnel through *next.
 */
static enum pt_decode_result decode_l4(struct pt_decode_ctx *c, uint8_t proto, uint32_t l4, uint32_t ip_end,
				       enum pt_decode_layer *next)
{
	struct pt_decoded *o = c->out;
	bool decap = c->opt->decapsulate && o->frag == 0;
	enum pt_decode_result rc = PT_DECODE_OK;
	uint32_t hlen = 0, l4_end = ip_end, pay_end;

	*next = PT_LAYER_DONE;
	o->l4_proto = proto;
	o->l4_offset = (uint16_t)l4;
	if (o->frag & PT_DECODE_FRAG_LATER)
		goto payload;  /* no L4 header here: ports come from the first fragment */

	switch (proto) {
	case PT_IPPROTO_TCP:
		rc = decode_tcp(c, l4, ip_end, &hlen);
		break;
	case PT_IPPROTO_UDP:
		rc = decode_udp(c, l4, ip_end, &hlen, &l4_end, next);
		break;
	case PT_IPPROTO_ICMP:
	case PT_IPPROTO_ICMPV6:
		if (!pt_fits(c, l4, PT_ICMP_HLEN, ip_end))
			return PT_DECODE_TRUNC_ICMP;
		o->icmp_type = c->data[l4];
		o->icmp_code = c->data[l4 + 1];
		hlen = PT_ICMP_HLEN;
		break;
	case PT_IPPROTO_SCTP:
		if (!pt_fits(c, l4, PT_SCTP_HLEN, ip_end))
			return PT_DECODE_TRUNC_SCTP;
		o->src_port = pt_rd16(c->data + l4);
		o->dst_port = pt_rd16(c->data + l4 + 2);
		hlen = PT_SCTP_HLEN;
		break;
	case PT_IPPROTO_GRE:
		if (decap)
			rc = pt_decode_gre(c, l4, ip_end, next);
		break;
	case PT_IPPROTO_IPIP:
	case PT_IPPROTO_IPV6:
		if (!decap)
			break;
		rc = pt_decode_tunnel_enter(c, PT_TUNNEL_IPIP, 0);
		if (rc != PT_DECODE_OK)
			return rc;
		c->off = l4;
		c->end = ip_end;
		*next = proto == PT_IPPROTO_IPIP ? PT_LAYER_IPV4 : PT_LAYER_IPV6;
		return PT_DECODE_OK;
	default:
		break;  /* ESP, OSPF, ...: a flow without ports */
	}
	if (rc != PT_DECODE_OK || *next != PT_LAYER_DONE)
		return rc;

payload:
	o->payload_offset = l4 + hlen;
	pay_end = l4_end < c->cap ? l4_end : c->cap;
	o->payload_len = pay_end > o->payload_offset ? pay_end - o->payload_offset : 0;
	return PT_DECODE_OK;
}

static enum pt_decode_result decode_ipv4(struct pt_decode_ctx *c, enum pt_decode_layer *next)
{
	const uint8_t *ip = c->data + c->off;
	struct pt_decoded *o = c->out;
	uint32_t off = c->off, hlen, tot;
	uint16_t frag;

	if (!pt_fits(c, off, PT_IPV4_HLEN, c->end))
		return PT_DECODE_TRUNC_IPV4;
	hlen = (uint32_t)(ip[0] & 0x0F) * 4;
	if ((ip[0] >> 4) != 4 || hlen < PT_IPV4_HLEN || hlen > c->end - off)
		return PT_DECODE_BAD_IPV4_HEADER;
	if (!pt_fits(c, off, hlen, c->end))
		return PT_DECODE_TRUNC_IPV4;  /* options cut by the snap length */
	tot = pt_rd16(ip + 2);
	if (tot < hlen || tot > c->end - off)
		return PT_DECODE_BAD_IPV4_LENGTH;

	o->ip_version = 4;
	o->l3_offset = (uint16_t)off;
	memset(o->src_addr, 0, sizeof(o->src_addr));
	memset(o->dst_addr, 0, sizeof(o->dst_addr));
	memcpy(o->src_addr, ip + 12, 4);
	memcpy(o->dst_addr, ip + 16, 4);
	frag = pt_rd16(ip + 6);
	o->frag = 0;
	o->frag_id = 0;
	if (frag & 0x3FFF) {  /* MF set or offset > 0 */
		o->frag = (frag & 0x1FFF) ? PT_DECODE_FRAG_LATER : PT_DECODE_FRAG_FIRST;
		o->frag_id = pt_rd16(ip + 4);
	}
	return decode_l4(c, ip[9], off + hlen, off + tot, next);
}

/* Walk the IPv6 extension headers from @p *l4 with next header @p *nh, stopping at the upper layer. */
static enum pt_decode_result walk_ipv6_exthdrs(struct pt_decode_ctx *c, uint8_t *nh, uint32_t *l4, uint32_t ip_end)
{
	struct pt_decoded *o = c->out;
	unsigned int n;

	for (n = 0;; n++) {
		const uint8_t *eh = c->data + *l4;
		uint32_t len;
		uint16_t fo;

		if (*nh != PT_IPPROTO_HOPOPTS && *nh != PT_IPPROTO_ROUTING && *nh != PT_IPPROTO_DSTOPTS &&
		    *nh != PT_IPPROTO_FRAGMENT && *nh != PT_IPPROTO_AH)
			break;
		if (n == PT_DECODE_MAX_IPV6_EXTHDRS || !pt_fits(c, *l4, 8, ip_end))
			return PT_DECODE_BAD_IPV6_EXTHDR;
		if (*nh == PT_IPPROTO_FRAGMENT) {
			len = 8;
			fo = pt_rd16(eh + 2);
			if (fo & 0xFFF9) {  /* offset > 0 or M set; neither is an atomic fragment (RFC 6946) */
				o->frag = (fo & 0xFFF8) ? PT_DECODE_FRAG_LATER : PT_DECODE_FRAG_FIRST;
				o->frag_id = pt_rd32(eh + 4);
			}
		} else if (*nh == PT_IPPROTO_AH) {
			len = ((uint32_t)eh[1] + 2) * 4;
		} else {
			len = ((uint32_t)eh[1] + 1) * 8;
		}
		if (!pt_fits(c, *l4, len, ip_end))
			return PT_DECODE_BAD_IPV6_EXTHDR;
		*nh = eh[0];
		*l4 += len;
		if (o->frag & PT_DECODE_FRAG_LATER)
			break;  /* what follows is fragment data */
	}
	if (*l4 > PT_DECODE_MAX_HDR_OFFSET)
		return PT_DECODE_BAD_IPV6_EXTHDR;
	return PT_DECODE_OK;
}

static enum pt_decode_result decode_ipv6(struct pt_decode_ctx *c, enum pt_decode_layer *next)
{
	const uint8_t *ip = c->data + c->off;
	struct pt_decoded *o = c->out;
	uint32_t off = c->off, plen, l4, ip_end;
	enum pt_decode_result rc;
	uint8_t nh;

	if (!pt_fits(c, off, PT_IPV6_HLEN, c->end))
		return PT_DECODE_TRUNC_IPV6;
	if ((ip[0] >> 4) != 6)
		return PT_DECODE_BAD_IPV6_HEADER;
	plen = pt_rd16(ip + 4);
	if (plen > c->end - off - PT_IPV6_HLEN)
		return PT_DECODE_BAD_IPV6_LENGTH;
	ip_end = off + PT_IPV6_HLEN + plen;

	o->ip_version = 6;
	o->l3_offset = (uint16_t)off;
	memcpy(o->src_addr, ip + 8, 16);
	memcpy(o->dst_addr, ip + 24, 16);
	o->frag = 0;
	o->frag_id = 0;
	nh = ip[6];
	l4 = off + PT_IPV6_HLEN;
	rc = walk_ipv6_exthdrs(c, &nh, &l4, ip_end);
	if (rc != PT_DECODE_OK)
		return rc;
	return decode_l4(c, nh, l4, ip_end, next);
}

enum pt_decode_result pt_decode_frame(const uint8_t *data, uint32_t cap_len, uint32_t wire_len,
				      const struct pt_decode_options *opt, struct pt_decoded *out)
{
	struct pt_decode_ctx c = {
		.data = data,
		.cap = cap_len,
		.off = 0,
		.end = wire_len > cap_len ? wire_len : cap_len,
		.opt = opt,
		.out = out,
	};
	enum pt_decode_layer next = PT_LAYER_ETH;
	enum pt_decode_result rc = PT_DECODE_OK;

	memset(out, 0, sizeof(*out));
	while (rc == PT_DECODE_OK) {
		switch (next) {
		case PT_LAYER_ETH:
			rc = decode_eth(&c, &next);
			break;
		case PT_LAYER_IPV4:
			rc = decode_ipv4(&c, &next);
			break;
		case PT_LAYER_IPV6:
			rc = decode_ipv6(&c, &next);
			break;
		case PT_LAYER_DONE:
		default:
			return PT_DECODE_OK;
		}
	}
	return rc;
}
