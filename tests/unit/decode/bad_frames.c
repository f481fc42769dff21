/* SPDX-License-Identifier: BSD-3-Clause */
/* bad_frames.c - Crafted frames for every drop reason of pt_decode_frame(), with the result each must give. */
#include <stdbool.h>

#include "bad_frames.h"

static void arp(struct pkt *p)
{
	pk_eth(p, 0x0806);
	pk_zero(p, 28);
}

static void llc(struct pkt *p)
{
	pk_eth(p, 0x0026);  /* an 802.3 length, not an Ethertype */
	pk_zero(p, 38);
}

static void vxlan_arp(struct pkt *p)
{
	pk_eth(p, 0x0800);
	pk_ipv4(p, 17, "172.16.0.1", "172.16.0.2");
	pk_udp(p, 1, 4789);
	pk_vxlan(p, 3);
	arp(p);
	pk_finish(p);
}

static void short_eth(struct pkt *p)
{
	pk_zero(p, 13);
}

static void empty(struct pkt *p)
{
	(void)p;
}

static void short_vlan(struct pkt *p)
{
	pk_eth(p, 0x8100);
	pk_u16(p, 5);
}

static void three_tags(struct pkt *p)
{
	pk_eth(p, 0x88A8);
	pk_tag(p, 1, 0x8100);
	pk_tag(p, 2, 0x8100);
	pk_tag(p, 3, 0x0800);
	pk_ipv4(p, 17, "10.0.0.1", "10.0.0.2");
	pk_udp(p, 1, 2);
	pk_finish(p);
}

static void short_ipv4(struct pkt *p)
{
	pk_eth(p, 0x0800);
	pk_ipv4(p, 6, "10.0.0.1", "10.0.0.2");
	pk_finish(p);
	p->len -= 1;
}

static void ipv4_tcp(struct pkt *p)
{
	pk_eth(p, 0x0800);
	pk_ipv4(p, 6, "10.0.0.1", "10.0.0.2");
	pk_tcp(p, 1, 2, 0x02, 0, 0, 0);
	pk_finish(p);
}

static void ipv4_version6(struct pkt *p)
{
	ipv4_tcp(p);
	p->b[14] = 0x65;
}

static void ipv4_ihl4(struct pkt *p)
{
	ipv4_tcp(p);
	p->b[14] = 0x44;
}

static void ipv4_ihl_beyond(struct pkt *p)
{
	pk_eth(p, 0x0800);
	pk_ipv4(p, 6, "10.0.0.1", "10.0.0.2");
	pk_zero(p, 10);
	pk_finish(p);
	p->b[14] = 0x4F;  /* 60-byte header in a 30-byte packet */
}

static void ipv4_totlen_small(struct pkt *p)
{
	pk_eth(p, 0x0800);
	pk_ipv4_ex(p, 6, "10.0.0.1", "10.0.0.2", 1, 0, 1);
	pk_tcp(p, 1, 2, 0x02, 0, 0, 0);
	pk_finish(p);
	pk_set16(p, 16, 20);  /* less than the 24-byte header */
}

static void ipv4_totlen_big(struct pkt *p)
{
	ipv4_tcp(p);
	pk_set16(p, 16, (uint16_t)(p->len - 14 + 1));
}

static void short_ipv6(struct pkt *p)
{
	pk_eth(p, 0x86DD);
	pk_ipv6(p, 59, "2001:db8::1", "2001:db8::2");
	pk_finish(p);
	p->len -= 1;
}

static void ipv6_version4(struct pkt *p)
{
	pk_eth(p, 0x86DD);
	pk_ipv6(p, 59, "2001:db8::1", "2001:db8::2");
	pk_finish(p);
	p->b[14] = 0x40;
}

static void ipv6_plen_big(struct pkt *p)
{
	pk_eth(p, 0x86DD);
	pk_ipv6(p, 17, "2001:db8::1", "2001:db8::2");
	pk_udp(p, 1, 2);
	pk_finish(p);
	pk_set16(p, 18, 9);
}

static void ipv6_ext_short(struct pkt *p)
{
	pk_eth(p, 0x86DD);
	pk_ipv6(p, 0, "2001:db8::1", "2001:db8::2");
	pk_ext6(p, 59, 1);
	pk_finish(p);
	pk_set16(p, 18, 8);  /* the 16-byte header sticks out of an 8-byte payload */
	p->len -= 8;
}

static void ipv6_ext_n(struct pkt *p, unsigned int n)
{
	pk_eth(p, 0x86DD);
	pk_ipv6(p, 60, "2001:db8::1", "2001:db8::2");
	for (unsigned int i = 0; i < n; i++)
		pk_ext6(p, i + 1 < n ? 60 : 6, 0);
	pk_tcp(p, 1, 2, 0x02, 0, 0, 0);
	pk_finish(p);
}

static void ipv6_ext_8(struct pkt *p)
{
	ipv6_ext_n(p, 8);
}

static void ipv6_ext_9(struct pkt *p)
{
	ipv6_ext_n(p, 9);
}

static void short_tcp(struct pkt *p)
{
	ipv4_tcp(p);
	p->len -= 10;
	pk_set16(p, 16, 30);
}

static void frag_first_short_tcp(struct pkt *p)
{
	pk_eth(p, 0x0800);
	pk_ipv4_ex(p, 6, "10.0.0.1", "10.0.0.2", 0, 0x2000, 9);
	pk_zero(p, 8);  /* tiny first fragment: 8 bytes of TCP */
	pk_finish(p);
}

static void tcp_doff4(struct pkt *p)
{
	ipv4_tcp(p);
	p->b[34 + 12] = 0x40;
}

static void tcp_doff_beyond(struct pkt *p)
{
	ipv4_tcp(p);
	p->b[34 + 12] = 0xF0;
}

static void ipv4_udp(struct pkt *p)
{
	pk_eth(p, 0x0800);
	pk_ipv4(p, 17, "10.0.0.1", "10.0.0.2");
	pk_udp(p, 1, 2);
	pk_payload(p, 4);
	pk_finish(p);
}

static void short_udp(struct pkt *p)
{
	pk_eth(p, 0x0800);
	pk_ipv4(p, 17, "10.0.0.1", "10.0.0.2");
	pk_u32(p, 0x00010002);
	pk_finish(p);
}

static void udp_len_small(struct pkt *p)
{
	ipv4_udp(p);
	pk_set16(p, 34 + 4, 7);
}

static void udp_len_big(struct pkt *p)
{
	ipv4_udp(p);
	pk_set16(p, 34 + 4, 13);
}

static void short_icmp(struct pkt *p)
{
	pk_eth(p, 0x0800);
	pk_ipv4(p, 1, "10.0.0.1", "10.0.0.2");
	pk_zero(p, 3);
	pk_finish(p);
}

static void short_icmpv6(struct pkt *p)
{
	pk_eth(p, 0x86DD);
	pk_ipv6(p, 58, "2001:db8::1", "2001:db8::2");
	pk_zero(p, 2);
	pk_finish(p);
}

static void short_sctp(struct pkt *p)
{
	pk_eth(p, 0x0800);
	pk_ipv4(p, 132, "10.0.0.1", "10.0.0.2");
	pk_zero(p, 8);
	pk_finish(p);
}

static void udp_to(struct pkt *p, uint16_t port)
{
	pk_eth(p, 0x0800);
	pk_ipv4(p, 17, "172.16.0.1", "172.16.0.2");
	pk_udp(p, 1, port);
}

static void short_vxlan(struct pkt *p)
{
	udp_to(p, 4789);
	pk_u32(p, 0x08000000);
	pk_finish(p);
}

static void vxlan_no_i(struct pkt *p)
{
	udp_to(p, 4789);
	pk_vxlan(p, 1);
	p->b[42] = 0;
	pk_eth(p, 0x0800);
	pk_ipv4(p, 17, "10.0.0.1", "10.0.0.2");
	pk_udp(p, 1, 2);
	pk_finish(p);
}

static void short_geneve_opts(struct pkt *p)
{
	udp_to(p, 6081);
	pk_geneve(p, 0x6558, 1, 4);
	pk_finish(p);
	pk_set16(p, 16, (uint16_t)(p->len - 14 - 8));
	pk_set16(p, 38, (uint16_t)(p->len - 34 - 8));
	p->len -= 8;
}

static void geneve_version(struct pkt *p)
{
	udp_to(p, 6081);
	pk_geneve(p, 0x6558, 1, 0);
	p->b[42] |= 0x40;
	pk_eth(p, 0x0800);
	pk_ipv4(p, 17, "10.0.0.1", "10.0.0.2");
	pk_udp(p, 1, 2);
	pk_finish(p);
}

static void gre_to(struct pkt *p, uint16_t flags, uint16_t proto)
{
	pk_eth(p, 0x0800);
	pk_ipv4(p, 47, "172.16.0.1", "172.16.0.2");
	pk_u16(p, flags);
	pk_u16(p, proto);
}

static void short_gre(struct pkt *p)
{
	pk_eth(p, 0x0800);
	pk_ipv4(p, 47, "172.16.0.1", "172.16.0.2");
	pk_zero(p, 3);
	pk_finish(p);
}

static void gre_key_missing(struct pkt *p)
{
	gre_to(p, 0x2000, 0x0800);
	pk_u16(p, 0);
	pk_finish(p);
}

static void gre_routing(struct pkt *p)
{
	gre_to(p, 0x4000, 0x0800);
	pk_u32(p, 0);
	pk_zero(p, 40);
	pk_finish(p);
}

static void gre_version(struct pkt *p)
{
	gre_to(p, 0x0002, 0x0800);
	pk_zero(p, 40);
	pk_finish(p);
}

static void short_erspan2(struct pkt *p)
{
	gre_to(p, 0x1000, 0x88BE);
	pk_u32(p, 1);
	pk_u32(p, 0x10000001);
	pk_finish(p);
}

static void erspan2_version(struct pkt *p)
{
	gre_to(p, 0x1000, 0x88BE);
	pk_u32(p, 1);
	pk_erspan2(p, 0, 1);
	p->b[42] = (uint8_t)((p->b[42] & 0x0F) | 0x20);
	pk_eth(p, 0x0800);
	pk_finish(p);
}

static void erspan3_no_platform(struct pkt *p)
{
	gre_to(p, 0x1000, 0x22EB);
	pk_u32(p, 1);
	pk_erspan3(p, 0, 1, 0, 1);
	pk_finish(p);
	p->len -= 8;
	pk_set16(p, 16, (uint16_t)(p->len - 14));
}

static void erspan3_version(struct pkt *p)
{
	gre_to(p, 0x1000, 0x22EB);
	pk_u32(p, 1);
	pk_erspan3(p, 0, 1, 0, 0);
	p->b[42] = (uint8_t)((p->b[42] & 0x0F) | 0x10);
	pk_eth(p, 0x0800);
	pk_finish(p);
}

static void erspan3_frame_type(struct pkt *p)
{
	gre_to(p, 0x1000, 0x22EB);
	pk_u32(p, 1);
	pk_erspan3(p, 0, 1, 5, 0);
	pk_eth(p, 0x0800);
	pk_finish(p);
}

static void ipip_n(struct pkt *p, unsigned int n)
{
	pk_eth(p, 0x0800);
	for (unsigned int i = 0; i < n; i++)
		pk_ipv4(p, 4, "172.16.0.1", "172.16.0.2");
	pk_ipv4(p, 17, "10.0.0.1", "10.0.0.2");
	pk_udp(p, 1, 2);
	pk_finish(p);
}

static void ipip_4(struct pkt *p)
{
	ipip_n(p, 4);
}

static void ipip_5(struct pkt *p)
{
	ipip_n(p, 5);
}

#define BAD(b, c, w, r) { #b, b, c, w, r }
#define BADN(n, b, c, w, r) { n, b, c, w, r }
#define GOOD(b) { #b, b, 0, false, PT_DECODE_OK }
const struct bad_case bad_cases[] = {
	BAD(arp, 0, false, PT_DECODE_NOT_IP),
	BAD(llc, 0, false, PT_DECODE_NOT_IP),
	BAD(vxlan_arp, 0, false, PT_DECODE_NOT_IP),
	BAD(short_eth, 0, false, PT_DECODE_TRUNC_ETH),
	BAD(empty, 0, false, PT_DECODE_TRUNC_ETH),
	BAD(short_vlan, 0, false, PT_DECODE_TRUNC_VLAN),
	BAD(three_tags, 0, false, PT_DECODE_TOO_MANY_VLANS),
	BAD(short_ipv4, 0, false, PT_DECODE_TRUNC_IPV4),
	BADN("ipv4_options_snapped", sample_ipv4_options, 14 + 25, false, PT_DECODE_TRUNC_IPV4),  /* options cut by the snap length */
	BADN("vxlan_inner_ipv4_snapped", sample_vxlan_4789, 68 + 10, false, PT_DECODE_TRUNC_IPV4),     /* inner header cut */
	BAD(ipv4_version6, 0, false, PT_DECODE_BAD_IPV4_HEADER),
	BAD(ipv4_ihl4, 0, false, PT_DECODE_BAD_IPV4_HEADER),
	BAD(ipv4_ihl_beyond, 0, false, PT_DECODE_BAD_IPV4_HEADER),
	BAD(ipv4_totlen_small, 0, false, PT_DECODE_BAD_IPV4_LENGTH),
	BAD(ipv4_totlen_big, 0, false, PT_DECODE_BAD_IPV4_LENGTH),
	BADN("ipv4_longer_than_wire", sample_eth_ipv4_tcp, 60, true, PT_DECODE_BAD_IPV4_LENGTH),   /* the wire frame is shorter */
	BAD(short_ipv6, 0, false, PT_DECODE_TRUNC_IPV6),
	BAD(ipv6_version4, 0, false, PT_DECODE_BAD_IPV6_HEADER),
	BAD(ipv6_plen_big, 0, false, PT_DECODE_BAD_IPV6_LENGTH),
	BAD(ipv6_ext_short, 0, false, PT_DECODE_BAD_IPV6_EXTHDR),
	BAD(ipv6_ext_9, 0, false, PT_DECODE_BAD_IPV6_EXTHDR),
	GOOD(ipv6_ext_8),
	BADN("ipv6_exthdr_snapped", sample_ipv6_exthdrs, 14 + 40 + 8 + 10, false, PT_DECODE_BAD_IPV6_EXTHDR),
	BAD(short_tcp, 0, false, PT_DECODE_TRUNC_TCP),
	BAD(frag_first_short_tcp, 0, false, PT_DECODE_TRUNC_TCP),
	BADN("tcp_options_snapped", sample_eth_ipv4_tcp, 34 + 24, false, PT_DECODE_TRUNC_TCP),   /* options cut by the snap length */
	BAD(tcp_doff4, 0, false, PT_DECODE_BAD_TCP_HEADER),
	BAD(tcp_doff_beyond, 0, false, PT_DECODE_BAD_TCP_HEADER),
	BAD(short_udp, 0, false, PT_DECODE_TRUNC_UDP),
	BAD(udp_len_small, 0, false, PT_DECODE_BAD_UDP_LENGTH),
	BAD(udp_len_big, 0, false, PT_DECODE_BAD_UDP_LENGTH),
	BAD(short_icmp, 0, false, PT_DECODE_TRUNC_ICMP),
	BAD(short_icmpv6, 0, false, PT_DECODE_TRUNC_ICMP),
	BAD(short_sctp, 0, false, PT_DECODE_TRUNC_SCTP),
	BAD(short_vxlan, 0, false, PT_DECODE_TRUNC_TUNNEL),
	BAD(short_geneve_opts, 0, false, PT_DECODE_TRUNC_TUNNEL),
	BAD(short_gre, 0, false, PT_DECODE_TRUNC_TUNNEL),
	BAD(gre_key_missing, 0, false, PT_DECODE_TRUNC_TUNNEL),
	BAD(short_erspan2, 0, false, PT_DECODE_TRUNC_TUNNEL),
	BAD(erspan3_no_platform, 0, false, PT_DECODE_TRUNC_TUNNEL),
	BAD(vxlan_no_i, 0, false, PT_DECODE_BAD_TUNNEL),
	BAD(geneve_version, 0, false, PT_DECODE_BAD_TUNNEL),
	BAD(gre_routing, 0, false, PT_DECODE_BAD_TUNNEL),
	BAD(gre_version, 0, false, PT_DECODE_BAD_TUNNEL),
	BAD(erspan2_version, 0, false, PT_DECODE_BAD_TUNNEL),
	BAD(erspan3_version, 0, false, PT_DECODE_BAD_TUNNEL),
	BAD(erspan3_frame_type, 0, false, PT_DECODE_BAD_TUNNEL),
	GOOD(ipip_4),
	BAD(ipip_5, 0, false, PT_DECODE_TUNNEL_TOO_DEEP),
};

const unsigned int n_bad_cases = sizeof(bad_cases) / sizeof(bad_cases[0]);
