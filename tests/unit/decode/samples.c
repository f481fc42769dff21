/* SPDX-License-Identifier: BSD-3-Clause */
/* samples.c - Builders of the valid sample frames: every encapsulation the decoder handles. */
#include "samples.h"

/* Innermost traffic shared by the tunnel samples. */
#define POD_A "10.244.1.5"
#define POD_B "10.244.2.6"
#define POD6_A "fd00:244::5"
#define POD6_B "fd00:244::6"
#define NODE_A "172.16.0.1"
#define NODE_B "172.16.0.2"
#define NODE6_A "2001:db8:1::1"
#define NODE6_B "2001:db8:1::2"

/* IPv4 TCP 10.244.1.5:33000 -> 10.244.2.6:80, PSH|ACK, 64 bytes of payload. */
static void inner_ipv4_tcp(struct pkt *p)
{
	pk_ipv4(p, 6, POD_A, POD_B);
	pk_tcp(p, 33000, 80, 0x18, 111, 222, 0);
	pk_payload(p, 64);
}

/* IPv6 TCP [fd00:244::5]:33000 -> [fd00:244::6]:443, SYN, no payload. */
static void inner_ipv6_tcp(struct pkt *p)
{
	pk_ipv6(p, 6, POD6_A, POD6_B);
	pk_tcp(p, 33000, 443, 0x02, 5, 0, 0);
}

/* IPv4 UDP 10.244.1.5:5353 -> 10.244.2.6:53, 20 bytes of payload. */
static void inner_ipv4_udp(struct pkt *p)
{
	pk_ipv4(p, 17, POD_A, POD_B);
	pk_udp(p, 5353, 53);
	pk_payload(p, 20);
}

void sample_eth_ipv4_tcp(struct pkt *p)
{
	pk_eth(p, 0x0800);
	pk_ipv4(p, 6, "10.244.1.5", "192.0.2.10");
	pk_tcp(p, 40000, 443, 0x12, 1000, 2000, 3);
	pk_payload(p, 100);
	pk_finish(p);
}

void sample_eth_ipv4_udp(struct pkt *p)
{
	pk_eth(p, 0x0800);
	pk_ipv4(p, 17, "10.244.1.5", "10.244.2.6");
	pk_udp(p, 5353, 53);
	pk_payload(p, 30);
	pk_finish(p);
}

void sample_eth_ipv4_icmp(struct pkt *p)
{
	pk_eth(p, 0x0800);
	pk_ipv4(p, 1, "10.244.1.5", "198.51.100.7");
	pk_icmp(p, 8, 0);
	pk_payload(p, 56);
	pk_finish(p);
}

void sample_eth_ipv4_sctp(struct pkt *p)
{
	pk_eth(p, 0x0800);
	pk_ipv4(p, 132, "10.244.1.5", "10.244.2.6");
	pk_sctp(p, 2905, 36412);
	pk_payload(p, 16);
	pk_finish(p);
}

void sample_eth_ipv4_esp(struct pkt *p)
{
	pk_eth(p, 0x0800);
	pk_ipv4(p, 50, "203.0.113.1", "203.0.113.2");
	pk_payload(p, 40);
	pk_finish(p);
}

void sample_eth_ipv6_tcp(struct pkt *p)
{
	pk_eth(p, 0x86DD);
	pk_ipv6(p, 6, "2001:db8::1", "2001:db8::2");
	pk_tcp(p, 51000, 22, 0x02, 0xFFFFFFF0, 0, 5);
	pk_finish(p);
}

void sample_eth_ipv6_icmpv6(struct pkt *p)
{
	pk_eth(p, 0x86DD);
	pk_ipv6(p, 58, "2001:db8::1", "2001:db8::2");
	pk_icmp(p, 128, 0);
	pk_payload(p, 32);
	pk_finish(p);
}

void sample_eth_ipv6_sctp(struct pkt *p)
{
	pk_eth(p, 0x86DD);
	pk_ipv6(p, 132, "2001:db8::1", "2001:db8::2");
	pk_sctp(p, 38412, 38412);
	pk_finish(p);
}

void sample_vlan_8021q(struct pkt *p)
{
	pk_eth(p, 0x8100);
	pk_tag(p, 100, 0x0800);
	pk_ipv4(p, 17, "10.244.1.5", "10.244.2.6");
	pk_udp(p, 1000, 2000);
	pk_payload(p, 10);
	pk_finish(p);
}

void sample_qinq_88a8(struct pkt *p)
{
	pk_eth(p, 0x88A8);
	pk_tag(p, 200, 0x8100);
	pk_tag(p, 300, 0x0800);
	inner_ipv4_tcp(p);
	pk_finish(p);
}

void sample_qinq_8100(struct pkt *p)
{
	pk_eth(p, 0x8100);
	pk_tag(p, 10, 0x8100);
	pk_tag(p, 20, 0x86DD);
	inner_ipv6_tcp(p);
	pk_finish(p);
}

void sample_ipv4_options(struct pkt *p)
{
	pk_eth(p, 0x0800);
	pk_ipv4_ex(p, 6, "10.244.1.5", "10.244.2.6", 3, 0, 7);
	pk_tcp(p, 1234, 8080, 0x10, 1, 2, 0);
	pk_payload(p, 5);
	pk_finish(p);
}

/* First fragment of a 3000-byte UDP datagram: MF, offset 0, id 0x4242; the UDP length exceeds the fragment. */
void sample_ipv4_frag_first(struct pkt *p)
{
	pk_eth(p, 0x0800);
	pk_ipv4_ex(p, 17, "10.244.1.5", "10.244.2.6", 0, 0x2000, 0x4242);
	pk_udp(p, 4000, 5000);
	pk_payload(p, 100);
	pk_finish(p);
	pk_set16(p, 14 + 20 + 4, 3000);
}

/* A later fragment of the same datagram: offset 1480 bytes, no MF. */
void sample_ipv4_frag_later(struct pkt *p)
{
	pk_eth(p, 0x0800);
	pk_ipv4_ex(p, 17, "10.244.1.5", "10.244.2.6", 0, 185, 0x4242);
	pk_payload(p, 100);
	pk_finish(p);
}

/* Hop-by-hop (8) + routing (24) + destination options (16) + fragment (first, id 0x11223344) + TCP. */
void sample_ipv6_exthdrs(struct pkt *p)
{
	pk_eth(p, 0x86DD);
	pk_ipv6(p, 0, "2001:db8::1", "2001:db8::2");
	pk_ext6(p, 43, 0);
	pk_ext6(p, 60, 2);
	pk_ext6(p, 44, 1);
	pk_frag6(p, 6, 0, 1, 0x11223344);
	pk_tcp(p, 40001, 443, 0x18, 7, 8, 0);
	pk_payload(p, 48);
	pk_finish(p);
}

/* Hop-by-hop + a later fragment (offset 1448 bytes) of the datagram above. */
void sample_ipv6_frag_later(struct pkt *p)
{
	pk_eth(p, 0x86DD);
	pk_ipv6(p, 0, "2001:db8::1", "2001:db8::2");
	pk_ext6(p, 44, 0);
	pk_frag6(p, 6, 181, 0, 0x11223344);
	pk_payload(p, 80);
	pk_finish(p);
}

/* RFC 6946 atomic fragment (offset 0, M clear): an ordinary packet. */
void sample_ipv6_atomic_frag(struct pkt *p)
{
	pk_eth(p, 0x86DD);
	pk_ipv6(p, 44, "2001:db8::1", "2001:db8::2");
	pk_frag6(p, 17, 0, 0, 99);
	pk_udp(p, 123, 123);
	pk_payload(p, 48);
	pk_finish(p);
}

void sample_ipv6_ah(struct pkt *p)
{
	pk_eth(p, 0x86DD);
	pk_ipv6(p, 51, "2001:db8::1", "2001:db8::2");
	pk_ah(p, 17, 4);
	pk_udp(p, 500, 500);
	pk_payload(p, 12);
	pk_finish(p);
}

/* VXLAN 4789, VNI 42, inner frame tagged VLAN 7, IPv4 TCP. */
void sample_vxlan_4789(struct pkt *p)
{
	pk_eth(p, 0x0800);
	pk_ipv4(p, 17, NODE_A, NODE_B);
	pk_udp(p, 51000, 4789);
	pk_vxlan(p, 42);
	pk_eth(p, 0x8100);
	pk_tag(p, 7, 0x0800);
	inner_ipv4_tcp(p);
	pk_finish(p);
}

/* VXLAN 8472 (flannel) over IPv6, VNI 1, inner VLAN 8, IPv6 TCP. */
void sample_vxlan_8472(struct pkt *p)
{
	pk_eth(p, 0x86DD);
	pk_ipv6(p, 17, NODE6_A, NODE6_B);
	pk_udp(p, 51001, 8472);
	pk_vxlan(p, 1);
	pk_eth(p, 0x8100);
	pk_tag(p, 8, 0x86DD);
	inner_ipv6_tcp(p);
	pk_finish(p);
}

/* Geneve 6081, VNI 0x123456, 16 bytes of options, Ethernet + IPv4 UDP. */
void sample_geneve_options(struct pkt *p)
{
	pk_eth(p, 0x0800);
	pk_ipv4(p, 17, NODE_A, NODE_B);
	pk_udp(p, 52000, 6081);
	pk_geneve(p, 0x6558, 0x123456, 4);
	pk_eth(p, 0x0800);
	inner_ipv4_udp(p);
	pk_finish(p);
}

/* Geneve carrying IPv4 directly (protocol 0x0800), no options. */
void sample_geneve_ipv4(struct pkt *p)
{
	pk_eth(p, 0x0800);
	pk_ipv4(p, 17, NODE_A, NODE_B);
	pk_udp(p, 52000, 6081);
	pk_geneve(p, 0x0800, 77, 0);
	inner_ipv4_tcp(p);
	pk_finish(p);
}

void sample_gre_plain(struct pkt *p)
{
	pk_eth(p, 0x0800);
	pk_ipv4(p, 47, NODE_A, NODE_B);
	pk_gre(p, 0, 0x0800, 0, 0);
	pk_ipv4(p, 1, POD_A, POD_B);
	pk_icmp(p, 0, 0);
	pk_finish(p);
}

void sample_gre_key(struct pkt *p)
{
	pk_eth(p, 0x0800);
	pk_ipv4(p, 47, NODE_A, NODE_B);
	pk_gre(p, PK_GRE_K, 0x86DD, 0xCAFE, 0);
	pk_ipv6(p, 17, POD6_A, POD6_B);
	pk_udp(p, 7000, 7001);
	pk_payload(p, 3);
	pk_finish(p);
}

void sample_gre_csum_seq(struct pkt *p)
{
	pk_eth(p, 0x0800);
	pk_ipv4(p, 47, NODE_A, NODE_B);
	pk_gre(p, PK_GRE_C | PK_GRE_S, 0x0800, 0, 12345);
	inner_ipv4_tcp(p);
	pk_finish(p);
}

void sample_gre_csum_key_seq(struct pkt *p)
{
	pk_eth(p, 0x86DD);
	pk_ipv6(p, 47, NODE6_A, NODE6_B);
	pk_gre(p, PK_GRE_C | PK_GRE_K | PK_GRE_S, 0x0800, 77, 12345);
	inner_ipv4_tcp(p);
	pk_finish(p);
}

/* NVGRE-style transparent Ethernet bridging: key = VSID 0xABCD << 8 | flow id 1. */
void sample_gre_teb(struct pkt *p)
{
	pk_eth(p, 0x0800);
	pk_ipv4(p, 47, NODE_A, NODE_B);
	pk_gre(p, PK_GRE_K, 0x6558, 0x00ABCD01, 0);
	pk_eth(p, 0x0800);
	inner_ipv4_tcp(p);
	pk_finish(p);
}

/* PPTP enhanced GRE (version 1, PPP payload): not decapsulated, a plain GRE flow. */
void sample_gre_pptp(struct pkt *p)
{
	pk_eth(p, 0x0800);
	pk_ipv4(p, 47, NODE_A, NODE_B);
	pk_gre(p, PK_GRE_K | PK_GRE_S | 0x0001, 0x880B, 0x00200001, 5);
	pk_payload(p, 30);
	pk_finish(p);
}

/* ERSPAN type I: GRE 0x88BE without a sequence number, the mirrored frame follows directly. */
void sample_erspan1(struct pkt *p)
{
	pk_eth(p, 0x0800);
	pk_ipv4(p, 47, NODE_A, NODE_B);
	pk_gre(p, 0, 0x88BE, 0, 0);
	pk_eth(p, 0x0800);
	inner_ipv4_tcp(p);
	pk_finish(p);
}

/* ERSPAN II, session 513, mirrored frame tagged VLAN 55. */
void sample_erspan2(struct pkt *p)
{
	pk_eth(p, 0x0800);
	pk_ipv4(p, 47, NODE_A, NODE_B);
	pk_gre(p, PK_GRE_S, 0x88BE, 0, 1);
	pk_erspan2(p, 55, 513);
	pk_eth(p, 0x8100);
	pk_tag(p, 55, 0x0800);
	inner_ipv4_tcp(p);
	pk_finish(p);
}

/* ERSPAN III, session 1023, Ethernet frame, no platform sub-header. */
void sample_erspan3(struct pkt *p)
{
	pk_eth(p, 0x0800);
	pk_ipv4(p, 47, NODE_A, NODE_B);
	pk_gre(p, PK_GRE_S, 0x22EB, 0, 2);
	pk_erspan3(p, 0, 1023, 0, 0);
	pk_eth(p, 0x0800);
	inner_ipv4_udp(p);
	pk_finish(p);
}

/* ERSPAN III over IPv6 with the 8-byte platform sub-header, session 3, IPv6 frame inside. */
void sample_erspan3_platform(struct pkt *p)
{
	pk_eth(p, 0x86DD);
	pk_ipv6(p, 47, NODE6_A, NODE6_B);
	pk_gre(p, PK_GRE_S, 0x22EB, 0, 3);
	pk_erspan3(p, 12, 3, 0, 1);
	pk_eth(p, 0x86DD);
	inner_ipv6_tcp(p);
	pk_finish(p);
}

/* ERSPAN III frame type IP: the mirrored IPv4 packet without its Ethernet header. */
void sample_erspan3_ip(struct pkt *p)
{
	pk_eth(p, 0x0800);
	pk_ipv4(p, 47, NODE_A, NODE_B);
	pk_gre(p, PK_GRE_S, 0x22EB, 0, 4);
	pk_erspan3(p, 0, 4, 2, 0);
	inner_ipv4_tcp(p);
	pk_finish(p);
}

void sample_ipip_4in4(struct pkt *p)
{
	pk_eth(p, 0x0800);
	pk_ipv4(p, 4, NODE_A, NODE_B);
	inner_ipv4_tcp(p);
	pk_finish(p);
}

void sample_ipip_6in4(struct pkt *p)
{
	pk_eth(p, 0x0800);
	pk_ipv4(p, 41, NODE_A, NODE_B);
	inner_ipv6_tcp(p);
	pk_finish(p);
}

void sample_ipip_4in6(struct pkt *p)
{
	pk_eth(p, 0x86DD);
	pk_ipv6(p, 4, NODE6_A, NODE6_B);
	inner_ipv4_tcp(p);
	pk_finish(p);
}

void sample_ipip_6in6(struct pkt *p)
{
	pk_eth(p, 0x86DD);
	pk_ipv6(p, 60, NODE6_A, NODE6_B);
	pk_ext6(p, 41, 0);  /* destination options before the inner header */
	inner_ipv6_tcp(p);
	pk_finish(p);
}

/* ERSPAN II (session 9) of a VXLAN (VNI 5000) packet between two nodes: two tunnels. */
void sample_vxlan_in_erspan(struct pkt *p)
{
	pk_eth(p, 0x0800);
	pk_ipv4(p, 47, "192.0.2.1", "192.0.2.2");
	pk_gre(p, PK_GRE_S, 0x88BE, 0, 1);
	pk_erspan2(p, 0, 9);
	pk_eth(p, 0x0800);
	pk_ipv4(p, 17, NODE_A, NODE_B);
	pk_udp(p, 50000, 4789);
	pk_vxlan(p, 5000);
	pk_eth(p, 0x0800);
	inner_ipv4_tcp(p);
	pk_finish(p);
}

#define SAMPLE(n) { #n, sample_##n }
const struct sample samples[] = {
	SAMPLE(eth_ipv4_tcp), SAMPLE(eth_ipv4_udp), SAMPLE(eth_ipv4_icmp), SAMPLE(eth_ipv4_sctp),
	SAMPLE(eth_ipv4_esp), SAMPLE(eth_ipv6_tcp), SAMPLE(eth_ipv6_icmpv6), SAMPLE(eth_ipv6_sctp),
	SAMPLE(vlan_8021q), SAMPLE(qinq_88a8), SAMPLE(qinq_8100), SAMPLE(ipv4_options),
	SAMPLE(ipv4_frag_first), SAMPLE(ipv4_frag_later), SAMPLE(ipv6_exthdrs), SAMPLE(ipv6_frag_later),
	SAMPLE(ipv6_atomic_frag), SAMPLE(ipv6_ah), SAMPLE(vxlan_4789), SAMPLE(vxlan_8472),
	SAMPLE(geneve_options), SAMPLE(geneve_ipv4), SAMPLE(gre_plain), SAMPLE(gre_key),
	SAMPLE(gre_csum_seq), SAMPLE(gre_csum_key_seq), SAMPLE(gre_teb), SAMPLE(gre_pptp),
	SAMPLE(erspan1), SAMPLE(erspan2), SAMPLE(erspan3), SAMPLE(erspan3_platform),
	SAMPLE(erspan3_ip), SAMPLE(ipip_4in4), SAMPLE(ipip_6in4), SAMPLE(ipip_4in6),
	SAMPLE(ipip_6in6), SAMPLE(vxlan_in_erspan),
};
const unsigned int n_samples = sizeof(samples) / sizeof(samples[0]);
