/* SPDX-License-Identifier: BSD-3-Clause */
/* test_decode.c - Unit tests of pt_decode_frame() on valid frames: every L2/L3/L4 header and encapsulation. */
#include "decode_test.h"

/* The innermost flows of samples.c. */
static void assert_pod_tcp4(const struct pt_decoded *d)
{
	assert_int_equal(d->ip_version, 4);
	assert_int_equal(d->l4_proto, 6);
	assert_addr(d->src_addr, "10.244.1.5");
	assert_addr(d->dst_addr, "10.244.2.6");
	assert_int_equal(d->src_port, 33000);
	assert_int_equal(d->dst_port, 80);
	assert_int_equal(d->tcp_flags, 0x18);
	assert_int_equal(d->tcp_seq, 111);
	assert_int_equal(d->tcp_ack, 222);
	assert_int_equal(d->l4_offset, d->l3_offset + 20);
	assert_int_equal(d->payload_offset, d->l4_offset + 20);
	assert_int_equal(d->payload_len, 64);
	assert_int_equal(d->frag, 0);
}

static void assert_pod_tcp6(const struct pt_decoded *d)
{
	assert_int_equal(d->ip_version, 6);
	assert_int_equal(d->l4_proto, 6);
	assert_addr(d->src_addr, "fd00:244::5");
	assert_addr(d->dst_addr, "fd00:244::6");
	assert_int_equal(d->src_port, 33000);
	assert_int_equal(d->dst_port, 443);
	assert_int_equal(d->tcp_flags, 0x02);
	assert_int_equal(d->l4_offset, d->l3_offset + 40);
	assert_int_equal(d->payload_offset, d->l4_offset + 20);
	assert_int_equal(d->payload_len, 0);
}

static void assert_pod_udp4(const struct pt_decoded *d)
{
	assert_int_equal(d->ip_version, 4);
	assert_int_equal(d->l4_proto, 17);
	assert_addr(d->src_addr, "10.244.1.5");
	assert_addr(d->dst_addr, "10.244.2.6");
	assert_int_equal(d->src_port, 5353);
	assert_int_equal(d->dst_port, 53);
	assert_int_equal(d->payload_offset, d->l4_offset + 8);
	assert_int_equal(d->payload_len, 20);
}

static void assert_tunnel(const struct pt_decoded *d, enum pt_tunnel_type type, uint32_t id, uint8_t depth,
			  const char *src, const char *dst)
{
	assert_int_equal(d->tunnel_depth, depth);
	assert_int_equal(d->tunnel_type, type);
	assert_int_equal(d->tunnel_id, id);
	assert_int_equal(d->tunnel_ip_version, strchr(src, ':') ? 6 : 4);
	assert_addr(d->tunnel_src, src);
	assert_addr(d->tunnel_dst, dst);
}

static void assert_no_tunnel(const struct pt_decoded *d)
{
	uint8_t zero[16] = { 0 };

	assert_int_equal(d->tunnel_depth, 0);
	assert_int_equal(d->tunnel_type, PT_TUNNEL_NONE);
	assert_int_equal(d->tunnel_id, 0);
	assert_memory_equal(d->tunnel_src, zero, 16);
}

static void test_eth_ipv4_tcp(void **state)
{
	struct pt_decoded d;
	struct pkt p;

	(void)state;
	dec_sample(sample_eth_ipv4_tcp, &p, &d);
	assert_int_equal(d.ip_version, 4);
	assert_int_equal(d.l4_proto, 6);
	assert_addr(d.src_addr, "10.244.1.5");
	assert_addr(d.dst_addr, "192.0.2.10");
	assert_int_equal(d.src_port, 40000);
	assert_int_equal(d.dst_port, 443);
	assert_int_equal(d.tcp_flags, 0x12);
	assert_int_equal(d.tcp_seq, 1000);
	assert_int_equal(d.tcp_ack, 2000);
	assert_int_equal(d.vlan_count, 0);
	assert_int_equal(d.frag, 0);
	assert_int_equal(d.l3_offset, 14);
	assert_int_equal(d.l4_offset, 34);
	assert_int_equal(d.payload_offset, 66);  /* 12 bytes of TCP options */
	assert_int_equal(d.payload_len, 100);
	assert_no_tunnel(&d);
}

static void test_eth_ipv4_udp(void **state)
{
	struct pt_decoded d;
	struct pkt p;

	(void)state;
	dec_sample(sample_eth_ipv4_udp, &p, &d);
	assert_int_equal(d.l4_proto, 17);
	assert_int_equal(d.src_port, 5353);
	assert_int_equal(d.dst_port, 53);
	assert_int_equal(d.l4_offset, 34);
	assert_int_equal(d.payload_offset, 42);
	assert_int_equal(d.payload_len, 30);
	assert_int_equal(d.tcp_flags, 0);
}

static void test_eth_ipv4_icmp(void **state)
{
	struct pt_decoded d;
	struct pkt p;

	(void)state;
	dec_sample(sample_eth_ipv4_icmp, &p, &d);
	assert_int_equal(d.l4_proto, 1);
	assert_addr(d.dst_addr, "198.51.100.7");
	assert_int_equal(d.icmp_type, 8);
	assert_int_equal(d.icmp_code, 0);
	assert_int_equal(d.src_port, 0);
	assert_int_equal(d.dst_port, 0);
	assert_int_equal(d.payload_offset, 38);
	assert_int_equal(d.payload_len, 60);
}

static void test_eth_ipv4_sctp(void **state)
{
	struct pt_decoded d;
	struct pkt p;

	(void)state;
	dec_sample(sample_eth_ipv4_sctp, &p, &d);
	assert_int_equal(d.l4_proto, 132);
	assert_int_equal(d.src_port, 2905);
	assert_int_equal(d.dst_port, 36412);
	assert_int_equal(d.payload_offset, 46);
	assert_int_equal(d.payload_len, 16);
}

static void test_eth_ipv4_other_proto(void **state)
{
	struct pt_decoded d;
	struct pkt p;

	(void)state;
	dec_sample(sample_eth_ipv4_esp, &p, &d);
	assert_int_equal(d.l4_proto, 50);
	assert_int_equal(d.src_port, 0);
	assert_int_equal(d.dst_port, 0);
	assert_int_equal(d.l4_offset, 34);
	assert_int_equal(d.payload_offset, 34);
	assert_int_equal(d.payload_len, 40);
}

static void test_eth_ipv6_tcp(void **state)
{
	struct pt_decoded d;
	struct pkt p;

	(void)state;
	dec_sample(sample_eth_ipv6_tcp, &p, &d);
	assert_int_equal(d.ip_version, 6);
	assert_addr(d.src_addr, "2001:db8::1");
	assert_addr(d.dst_addr, "2001:db8::2");
	assert_int_equal(d.src_port, 51000);
	assert_int_equal(d.dst_port, 22);
	assert_int_equal(d.tcp_flags, 0x02);
	assert_int_equal(d.tcp_seq, 0xFFFFFFF0u);
	assert_int_equal(d.l3_offset, 14);
	assert_int_equal(d.l4_offset, 54);
	assert_int_equal(d.payload_offset, 94);
	assert_int_equal(d.payload_len, 0);
}

static void test_eth_ipv6_icmpv6(void **state)
{
	struct pt_decoded d;
	struct pkt p;

	(void)state;
	dec_sample(sample_eth_ipv6_icmpv6, &p, &d);
	assert_int_equal(d.l4_proto, 58);
	assert_int_equal(d.icmp_type, 128);
	assert_int_equal(d.icmp_code, 0);
	assert_int_equal(d.src_port, 0);
	assert_int_equal(d.dst_port, 0);
	assert_int_equal(d.payload_offset, 58);
	assert_int_equal(d.payload_len, 36);
}

static void test_eth_ipv6_sctp(void **state)
{
	struct pt_decoded d;
	struct pkt p;

	(void)state;
	dec_sample(sample_eth_ipv6_sctp, &p, &d);
	assert_int_equal(d.l4_proto, 132);
	assert_int_equal(d.src_port, 38412);
	assert_int_equal(d.dst_port, 38412);
	assert_int_equal(d.payload_offset, 66);
	assert_int_equal(d.payload_len, 0);
}

static void test_vlan_8021q(void **state)
{
	struct pt_decoded d;
	struct pkt p;

	(void)state;
	dec_sample(sample_vlan_8021q, &p, &d);
	assert_int_equal(d.vlan_count, 1);
	assert_int_equal(d.vlan_ids[0], 100);
	assert_int_equal(d.vlan_ids[1], 0);
	assert_int_equal(d.l3_offset, 18);
	assert_int_equal(d.src_port, 1000);
	assert_int_equal(d.dst_port, 2000);
	assert_int_equal(d.payload_offset, 46);
	assert_int_equal(d.payload_len, 10);
}

static void test_qinq_88a8(void **state)
{
	struct pt_decoded d;
	struct pkt p;

	(void)state;
	dec_sample(sample_qinq_88a8, &p, &d);
	assert_int_equal(d.vlan_count, 2);
	assert_int_equal(d.vlan_ids[0], 200);
	assert_int_equal(d.vlan_ids[1], 300);
	assert_int_equal(d.l3_offset, 22);
	assert_pod_tcp4(&d);
}

static void test_qinq_8100(void **state)
{
	struct pt_decoded d;
	struct pkt p;

	(void)state;
	dec_sample(sample_qinq_8100, &p, &d);
	assert_int_equal(d.vlan_count, 2);
	assert_int_equal(d.vlan_ids[0], 10);
	assert_int_equal(d.vlan_ids[1], 20);
	assert_int_equal(d.l3_offset, 22);
	assert_pod_tcp6(&d);
}

static void test_ipv4_options(void **state)
{
	struct pt_decoded d;
	struct pkt p;

	(void)state;
	dec_sample(sample_ipv4_options, &p, &d);
	assert_int_equal(d.l3_offset, 14);
	assert_int_equal(d.l4_offset, 46);
	assert_int_equal(d.src_port, 1234);
	assert_int_equal(d.dst_port, 8080);
	assert_int_equal(d.tcp_flags, 0x10);
	assert_int_equal(d.payload_offset, 66);
	assert_int_equal(d.payload_len, 5);
	assert_int_equal(d.frag, 0);  /* no DF, no MF */
}

static void test_ipv4_frag_first(void **state)
{
	struct pt_decoded d;
	struct pkt p;

	(void)state;
	dec_sample(sample_ipv4_frag_first, &p, &d);
	assert_int_equal(d.frag, PT_DECODE_FRAG_FIRST);
	assert_int_equal(d.frag_id, 0x4242);
	assert_int_equal(d.l4_proto, 17);
	assert_int_equal(d.src_port, 4000);
	assert_int_equal(d.dst_port, 5000);
	assert_int_equal(d.payload_offset, 42);
	assert_int_equal(d.payload_len, 100);  /* bounded by this fragment, not the 3000-byte UDP length */
}

static void test_ipv4_frag_later(void **state)
{
	struct pt_decoded d;
	struct pkt p;

	(void)state;
	dec_sample(sample_ipv4_frag_later, &p, &d);
	assert_int_equal(d.frag, PT_DECODE_FRAG_LATER);
	assert_int_equal(d.frag_id, 0x4242);
	assert_int_equal(d.l4_proto, 17);
	assert_int_equal(d.src_port, 0);
	assert_int_equal(d.dst_port, 0);
	assert_int_equal(d.payload_offset, 34);
	assert_int_equal(d.payload_len, 100);
}

static void test_ipv6_exthdrs(void **state)
{
	struct pt_decoded d;
	struct pkt p;

	(void)state;
	dec_sample(sample_ipv6_exthdrs, &p, &d);
	assert_int_equal(d.ip_version, 6);
	assert_int_equal(d.l4_proto, 6);
	assert_int_equal(d.frag, PT_DECODE_FRAG_FIRST);
	assert_int_equal(d.frag_id, 0x11223344);
	assert_int_equal(d.l3_offset, 14);
	assert_int_equal(d.l4_offset, 14 + 40 + 8 + 24 + 16 + 8);
	assert_int_equal(d.src_port, 40001);
	assert_int_equal(d.dst_port, 443);
	assert_int_equal(d.payload_offset, 130);
	assert_int_equal(d.payload_len, 48);
}

static void test_ipv6_frag_later(void **state)
{
	struct pt_decoded d;
	struct pkt p;

	(void)state;
	dec_sample(sample_ipv6_frag_later, &p, &d);
	assert_int_equal(d.frag, PT_DECODE_FRAG_LATER);
	assert_int_equal(d.frag_id, 0x11223344);
	assert_int_equal(d.l4_proto, 6);
	assert_int_equal(d.src_port, 0);
	assert_int_equal(d.dst_port, 0);
	assert_int_equal(d.payload_offset, 70);
	assert_int_equal(d.payload_len, 80);
}

static void test_ipv6_atomic_frag(void **state)
{
	struct pt_decoded d;
	struct pkt p;

	(void)state;
	dec_sample(sample_ipv6_atomic_frag, &p, &d);
	assert_int_equal(d.frag, 0);
	assert_int_equal(d.l4_proto, 17);
	assert_int_equal(d.src_port, 123);
	assert_int_equal(d.payload_offset, 70);
	assert_int_equal(d.payload_len, 48);
}

static void test_ipv6_ah(void **state)
{
	struct pt_decoded d;
	struct pkt p;

	(void)state;
	dec_sample(sample_ipv6_ah, &p, &d);
	assert_int_equal(d.l4_proto, 17);
	assert_int_equal(d.l4_offset, 54 + 24);
	assert_int_equal(d.src_port, 500);
	assert_int_equal(d.payload_len, 12);
}

static void test_vxlan_4789(void **state)
{
	struct pt_decoded d;
	struct pkt p;

	(void)state;
	dec_sample(sample_vxlan_4789, &p, &d);
	assert_tunnel(&d, PT_TUNNEL_VXLAN, 42, 1, "172.16.0.1", "172.16.0.2");
	assert_int_equal(d.vlan_count, 0);  /* the inner tag is not the capture's VLAN */
	assert_int_equal(d.l3_offset, 14 + 20 + 8 + 8 + 18);
	assert_pod_tcp4(&d);
}

static void test_vxlan_8472(void **state)
{
	struct pt_decoded d;
	struct pkt p;

	(void)state;
	dec_sample(sample_vxlan_8472, &p, &d);
	assert_tunnel(&d, PT_TUNNEL_VXLAN, 1, 1, "2001:db8:1::1", "2001:db8:1::2");
	assert_int_equal(d.l3_offset, 14 + 40 + 8 + 8 + 18);
	assert_pod_tcp6(&d);
}

static void test_vxlan_configured_ports(void **state)
{
	struct pt_decode_options opt;
	struct pt_decoded d;
	struct pkt p;

	(void)state;
	pt_decode_options_default(&opt);
	opt.vxlan_ports[0] = 8472;
	opt.n_vxlan_ports = 1;
	pk_init(&p);
	sample_vxlan_4789(&p);
	assert_int_equal(dec_opt(&p, &opt, &d), PT_DECODE_OK);
	assert_int_equal(d.tunnel_depth, 0);
	assert_int_equal(d.dst_port, 4789);
	pk_init(&p);
	sample_vxlan_8472(&p);
	assert_int_equal(dec_opt(&p, &opt, &d), PT_DECODE_OK);
	assert_int_equal(d.tunnel_type, PT_TUNNEL_VXLAN);

	opt.geneve_port = 0;  /* disabled */
	pk_init(&p);
	sample_geneve_options(&p);
	assert_int_equal(dec_opt(&p, &opt, &d), PT_DECODE_OK);
	assert_int_equal(d.tunnel_depth, 0);
	assert_int_equal(d.dst_port, 6081);
}

static void test_geneve_options(void **state)
{
	struct pt_decoded d;
	struct pkt p;

	(void)state;
	dec_sample(sample_geneve_options, &p, &d);
	assert_tunnel(&d, PT_TUNNEL_GENEVE, 0x123456, 1, "172.16.0.1", "172.16.0.2");
	assert_int_equal(d.l3_offset, 14 + 20 + 8 + 8 + 16 + 14);
	assert_pod_udp4(&d);
}

static void test_geneve_ipv4(void **state)
{
	struct pt_decoded d;
	struct pkt p;

	(void)state;
	dec_sample(sample_geneve_ipv4, &p, &d);
	assert_tunnel(&d, PT_TUNNEL_GENEVE, 77, 1, "172.16.0.1", "172.16.0.2");
	assert_int_equal(d.l3_offset, 50);
	assert_pod_tcp4(&d);
}

static void test_gre_plain(void **state)
{
	struct pt_decoded d;
	struct pkt p;

	(void)state;
	dec_sample(sample_gre_plain, &p, &d);
	assert_tunnel(&d, PT_TUNNEL_GRE, 0, 1, "172.16.0.1", "172.16.0.2");
	assert_int_equal(d.l3_offset, 38);
	assert_int_equal(d.l4_proto, 1);
	assert_int_equal(d.icmp_type, 0);
	assert_addr(d.src_addr, "10.244.1.5");
	assert_int_equal(d.payload_offset, 62);
	assert_int_equal(d.payload_len, 4);
}

static void test_gre_key(void **state)
{
	struct pt_decoded d;
	struct pkt p;

	(void)state;
	dec_sample(sample_gre_key, &p, &d);
	assert_tunnel(&d, PT_TUNNEL_GRE, 0xCAFE, 1, "172.16.0.1", "172.16.0.2");
	assert_int_equal(d.l3_offset, 42);
	assert_int_equal(d.ip_version, 6);
	assert_addr(d.src_addr, "fd00:244::5");
	assert_int_equal(d.src_port, 7000);
	assert_int_equal(d.dst_port, 7001);
	assert_int_equal(d.payload_len, 3);
}

static void test_gre_csum_seq(void **state)
{
	struct pt_decoded d;
	struct pkt p;

	(void)state;
	dec_sample(sample_gre_csum_seq, &p, &d);
	assert_tunnel(&d, PT_TUNNEL_GRE, 0, 1, "172.16.0.1", "172.16.0.2");
	assert_int_equal(d.l3_offset, 46);
	assert_pod_tcp4(&d);
}

static void test_gre_csum_key_seq(void **state)
{
	struct pt_decoded d;
	struct pkt p;

	(void)state;
	dec_sample(sample_gre_csum_key_seq, &p, &d);
	assert_tunnel(&d, PT_TUNNEL_GRE, 77, 1, "2001:db8:1::1", "2001:db8:1::2");
	assert_int_equal(d.l3_offset, 14 + 40 + 16);
	assert_pod_tcp4(&d);
}

static void test_gre_teb(void **state)
{
	struct pt_decoded d;
	struct pkt p;

	(void)state;
	dec_sample(sample_gre_teb, &p, &d);
	assert_tunnel(&d, PT_TUNNEL_GRE, 0x00ABCD01, 1, "172.16.0.1", "172.16.0.2");
	assert_int_equal(d.l3_offset, 56);
	assert_pod_tcp4(&d);
}

static void test_gre_unknown_payload(void **state)
{
	struct pt_decoded d;
	struct pkt p;

	(void)state;
	dec_sample(sample_gre_pptp, &p, &d);
	assert_no_tunnel(&d);
	assert_int_equal(d.l4_proto, 47);
	assert_addr(d.src_addr, "172.16.0.1");
	assert_int_equal(d.src_port, 0);
	assert_int_equal(d.payload_offset, 34);
	assert_int_equal(d.payload_len, 12 + 30);
}

static void test_erspan1(void **state)
{
	struct pt_decoded d;
	struct pkt p;

	(void)state;
	dec_sample(sample_erspan1, &p, &d);
	assert_tunnel(&d, PT_TUNNEL_ERSPAN2, 0, 1, "172.16.0.1", "172.16.0.2");
	assert_int_equal(d.l3_offset, 52);
	assert_pod_tcp4(&d);
}

static void test_erspan2(void **state)
{
	struct pt_decoded d;
	struct pkt p;

	(void)state;
	dec_sample(sample_erspan2, &p, &d);
	assert_tunnel(&d, PT_TUNNEL_ERSPAN2, 513, 1, "172.16.0.1", "172.16.0.2");
	assert_int_equal(d.vlan_count, 0);
	assert_int_equal(d.l3_offset, 14 + 20 + 8 + 8 + 18);
	assert_pod_tcp4(&d);
}

static void test_erspan3(void **state)
{
	struct pt_decoded d;
	struct pkt p;

	(void)state;
	dec_sample(sample_erspan3, &p, &d);
	assert_tunnel(&d, PT_TUNNEL_ERSPAN3, 1023, 1, "172.16.0.1", "172.16.0.2");
	assert_int_equal(d.l3_offset, 14 + 20 + 8 + 12 + 14);
	assert_pod_udp4(&d);
}

static void test_erspan3_platform(void **state)
{
	struct pt_decoded d;
	struct pkt p;

	(void)state;
	dec_sample(sample_erspan3_platform, &p, &d);
	assert_tunnel(&d, PT_TUNNEL_ERSPAN3, 3, 1, "2001:db8:1::1", "2001:db8:1::2");
	assert_int_equal(d.l3_offset, 14 + 40 + 8 + 20 + 14);
	assert_pod_tcp6(&d);
}

static void test_erspan3_ip(void **state)
{
	struct pt_decoded d;
	struct pkt p;

	(void)state;
	dec_sample(sample_erspan3_ip, &p, &d);
	assert_tunnel(&d, PT_TUNNEL_ERSPAN3, 4, 1, "172.16.0.1", "172.16.0.2");
	assert_int_equal(d.l3_offset, 54);
	assert_pod_tcp4(&d);
}

static void test_ipip(void **state)
{
	struct pt_decoded d;
	struct pkt p;

	(void)state;
	dec_sample(sample_ipip_4in4, &p, &d);
	assert_tunnel(&d, PT_TUNNEL_IPIP, 0, 1, "172.16.0.1", "172.16.0.2");
	assert_int_equal(d.l3_offset, 34);
	assert_pod_tcp4(&d);

	dec_sample(sample_ipip_6in4, &p, &d);
	assert_tunnel(&d, PT_TUNNEL_IPIP, 0, 1, "172.16.0.1", "172.16.0.2");
	assert_int_equal(d.l3_offset, 34);
	assert_pod_tcp6(&d);

	dec_sample(sample_ipip_4in6, &p, &d);
	assert_tunnel(&d, PT_TUNNEL_IPIP, 0, 1, "2001:db8:1::1", "2001:db8:1::2");
	assert_int_equal(d.l3_offset, 54);
	assert_pod_tcp4(&d);  /* inner IPv4 addresses are zero-padded over the outer IPv6 ones */

	dec_sample(sample_ipip_6in6, &p, &d);
	assert_tunnel(&d, PT_TUNNEL_IPIP, 0, 1, "2001:db8:1::1", "2001:db8:1::2");
	assert_int_equal(d.l3_offset, 62);
	assert_pod_tcp6(&d);
}

static void test_vxlan_in_erspan(void **state)
{
	struct pt_decoded d;
	struct pkt p;

	(void)state;
	dec_sample(sample_vxlan_in_erspan, &p, &d);
	assert_tunnel(&d, PT_TUNNEL_VXLAN, 5000, 2, "172.16.0.1", "172.16.0.2");
	assert_int_equal(d.l3_offset, 114);
	assert_pod_tcp4(&d);
	assert_int_equal(d.payload_offset, 154);
}

static void test_decapsulate_false(void **state)
{
	struct pt_decode_options opt;
	struct pt_decoded d;
	struct pkt p;

	(void)state;
	pt_decode_options_default(&opt);
	opt.decapsulate = false;

	pk_init(&p);
	sample_vxlan_4789(&p);
	assert_int_equal(dec_opt(&p, &opt, &d), PT_DECODE_OK);
	assert_no_tunnel(&d);
	assert_int_equal(d.l4_proto, 17);
	assert_addr(d.src_addr, "172.16.0.1");
	assert_int_equal(d.src_port, 51000);
	assert_int_equal(d.dst_port, 4789);
	assert_int_equal(d.payload_offset, 42);
	assert_int_equal(d.payload_len, p.len - 42);

	pk_init(&p);
	sample_gre_teb(&p);
	assert_int_equal(dec_opt(&p, &opt, &d), PT_DECODE_OK);
	assert_no_tunnel(&d);
	assert_int_equal(d.l4_proto, 47);
	assert_int_equal(d.payload_offset, 34);
	assert_int_equal(d.payload_len, p.len - 34);

	pk_init(&p);
	sample_ipip_4in6(&p);
	assert_int_equal(dec_opt(&p, &opt, &d), PT_DECODE_OK);
	assert_no_tunnel(&d);
	assert_int_equal(d.l4_proto, 4);
	assert_addr(d.src_addr, "2001:db8:1::1");

	pk_init(&p);
	sample_vxlan_in_erspan(&p);
	assert_int_equal(dec_opt(&p, &opt, &d), PT_DECODE_OK);
	assert_no_tunnel(&d);
	assert_addr(d.src_addr, "192.0.2.1");
	assert_int_equal(d.l4_proto, 47);
}

static void test_names(void **state)
{
	unsigned int i, j;

	(void)state;
	for (i = 0; i < PT_DECODE_RESULT_MAX; i++) {
		const char *n = pt_decode_result_name((enum pt_decode_result)i);

		assert_non_null(n);
		assert_string_not_equal(n, "unknown");
		for (j = 0; j < i; j++)
			assert_string_not_equal(n, pt_decode_result_name((enum pt_decode_result)j));
	}
	assert_string_equal(pt_decode_result_name(PT_DECODE_TRUNC_IPV4), "trunc_ipv4");
	assert_string_equal(pt_decode_result_name(PT_DECODE_RESULT_MAX), "unknown");
	for (i = 0; i < PT_TUNNEL_TYPE_MAX; i++)
		assert_string_not_equal(pt_decode_tunnel_name((enum pt_tunnel_type)i), "unknown");
	assert_string_equal(pt_decode_tunnel_name(PT_TUNNEL_VXLAN), "vxlan");
	assert_string_equal(pt_decode_tunnel_name(PT_TUNNEL_ERSPAN2), "erspan2");
	assert_string_equal(pt_decode_tunnel_name(PT_TUNNEL_TYPE_MAX), "unknown");
}

static void test_options_default(void **state)
{
	struct pt_decode_options opt;

	(void)state;
	memset(&opt, 0xFF, sizeof(opt));
	pt_decode_options_default(&opt);
	assert_int_equal(opt.n_vxlan_ports, 2);
	assert_int_equal(opt.vxlan_ports[0], 4789);
	assert_int_equal(opt.vxlan_ports[1], 8472);
	assert_int_equal(opt.geneve_port, 6081);
	assert_true(opt.decapsulate);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eth_ipv4_tcp),
		cmocka_unit_test(test_eth_ipv4_udp),
		cmocka_unit_test(test_eth_ipv4_icmp),
		cmocka_unit_test(test_eth_ipv4_sctp),
		cmocka_unit_test(test_eth_ipv4_other_proto),
		cmocka_unit_test(test_eth_ipv6_tcp),
		cmocka_unit_test(test_eth_ipv6_icmpv6),
		cmocka_unit_test(test_eth_ipv6_sctp),
		cmocka_unit_test(test_vlan_8021q),
		cmocka_unit_test(test_qinq_88a8),
		cmocka_unit_test(test_qinq_8100),
		cmocka_unit_test(test_ipv4_options),
		cmocka_unit_test(test_ipv4_frag_first),
		cmocka_unit_test(test_ipv4_frag_later),
		cmocka_unit_test(test_ipv6_exthdrs),
		cmocka_unit_test(test_ipv6_frag_later),
		cmocka_unit_test(test_ipv6_atomic_frag),
		cmocka_unit_test(test_ipv6_ah),
		cmocka_unit_test(test_vxlan_4789),
		cmocka_unit_test(test_vxlan_8472),
		cmocka_unit_test(test_vxlan_configured_ports),
		cmocka_unit_test(test_geneve_options),
		cmocka_unit_test(test_geneve_ipv4),
		cmocka_unit_test(test_gre_plain),
		cmocka_unit_test(test_gre_key),
		cmocka_unit_test(test_gre_csum_seq),
		cmocka_unit_test(test_gre_csum_key_seq),
		cmocka_unit_test(test_gre_teb),
		cmocka_unit_test(test_gre_unknown_payload),
		cmocka_unit_test(test_erspan1),
		cmocka_unit_test(test_erspan2),
		cmocka_unit_test(test_erspan3),
		cmocka_unit_test(test_erspan3_platform),
		cmocka_unit_test(test_erspan3_ip),
		cmocka_unit_test(test_ipip),
		cmocka_unit_test(test_vxlan_in_erspan),
		cmocka_unit_test(test_decapsulate_false),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_options_default),
	};

	return cmocka_run_group_tests_name("decode", tests, NULL, NULL);
}
