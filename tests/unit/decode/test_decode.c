/* SPDX-License-Identifier: BSD-3-Clause */
/* test_decode.c - Unit tests of pt_decode_frame() on valid frames without tunnels: Ethernet, VLANs, IPv4/IPv6, L4. */
#include "decode_test.h"

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
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_options_default),
	};

	return cmocka_run_group_tests_name("decode", tests, NULL, NULL);
}
