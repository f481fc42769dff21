/* SPDX-License-Identifier: BSD-3-Clause */
/* test_tunnel.c - Unit tests of pt_decode_frame() on tunnels: VXLAN, Geneve, GRE, ERSPAN, IP-in-IP, nesting, decapsulate=false. */
#include "decode_test.h"

static void test_vxlan_4789(void **state)
{
	struct pt_decoded d;
	struct pkt p;

	(void)state;
	dec_sample(sample_vxlan_4789, &p, &d);
	assert_tunnel(&d, PT_TUNNEL_VXLAN, 42, 1, "172.16.0.1", "172.16.0.2");
	/* The innermost tagged Ethernet header gives the VLAN. */
	assert_int_equal(d.vlan_count, 1);
	assert_int_equal(d.vlan_ids[0], 7);
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
	/* The mirrored frame's VLAN, not the collection network's. */
	assert_int_equal(d.vlan_count, 1);
	assert_int_equal(d.vlan_ids[0], 55);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
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
	};

	return cmocka_run_group_tests_name("decode_tunnel", tests, NULL, NULL);
}
