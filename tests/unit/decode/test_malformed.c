/* SPDX-License-Identifier: BSD-3-Clause */
/* test_malformed.c - Unit tests of every drop reason of pt_decode_frame(), snap-length cuts and Ethernet padding. */
#include "decode_test.h"

/* A crafted frame and the result it must give. */
struct bad_case {
	const char *name;
	void (*build)(struct pkt *p);
	uint32_t cap;                 /* bytes captured; 0: the whole frame */
	bool wire_is_cap;             /* wire_len = cap_len instead of the whole frame */
	enum pt_decode_result want;
};

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
static const struct bad_case cases[] = {
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

static enum pt_decode_result run(const struct bad_case *c, struct pt_decoded *d)
{
	struct pt_decode_options opt;
	struct pkt p;
	uint32_t cap;

	pk_init(&p);
	c->build(&p);
	cap = c->cap ? c->cap : p.len;
	assert_true(cap <= p.len);
	pt_decode_options_default(&opt);
	return dec_raw(p.b, cap, c->wire_is_cap ? cap : p.len, &opt, d);
}

static void test_case(void **state)
{
	const struct bad_case *c = *state;
	struct pt_decoded d;
	enum pt_decode_result rc = run(c, &d);

	if (rc != c->want)
		fail_msg("%s: got %s, want %s", c->name, pt_decode_result_name(rc), pt_decode_result_name(c->want));
}

static void test_every_reason_reached(void **state)
{
	bool seen[PT_DECODE_RESULT_MAX] = { false };
	struct pt_decoded d;
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		seen[run(&cases[i], &d)] = true;
	for (i = 0; i < PT_DECODE_RESULT_MAX; i++)
		if (!seen[i])
			fail_msg("no crafted frame gives %s", pt_decode_result_name((enum pt_decode_result)i));
}

/* A capture cut by the snap length after complete headers is fine; the payload is what was captured. */
static void test_snaplen_payload(void **state)
{
	struct pt_decode_options opt;
	struct pt_decoded d;
	struct pkt p;

	(void)state;
	pt_decode_options_default(&opt);
	pk_init(&p);
	sample_eth_ipv4_tcp(&p);
	assert_int_equal(dec_raw(p.b, 66 + 10, p.len, &opt, &d), PT_DECODE_OK);
	assert_int_equal(d.payload_offset, 66);
	assert_int_equal(d.payload_len, 10);
	assert_int_equal(dec_raw(p.b, 66, p.len, &opt, &d), PT_DECODE_OK);
	assert_int_equal(d.payload_len, 0);

	pk_init(&p);
	sample_vxlan_4789(&p);
	assert_int_equal(dec_raw(p.b, 108 + 1, p.len, &opt, &d), PT_DECODE_OK);
	assert_int_equal(d.tunnel_type, PT_TUNNEL_VXLAN);
	assert_int_equal(d.payload_len, 1);

	/* A caller passing wire_len < cap_len is treated as wire_len = cap_len. */
	pk_init(&p);
	sample_eth_ipv4_udp(&p);
	assert_int_equal(dec_raw(p.b, p.len, 0, &opt, &d), PT_DECODE_OK);
	assert_int_equal(d.payload_len, 30);
}

/* Ethernet pads short frames to 60 bytes: the IP and UDP lengths bound the payload, not the frame. */
static void test_ethernet_padding(void **state)
{
	struct pt_decoded d;
	struct pkt p;

	(void)state;
	pk_init(&p);
	pk_eth(&p, 0x0800);
	pk_ipv4(&p, 6, "10.0.0.1", "10.0.0.2");
	pk_tcp(&p, 1, 2, 0x10, 0, 0, 0);
	pk_finish(&p);
	pk_zero(&p, 6);
	assert_int_equal(p.len, 60);
	assert_int_equal(dec(&p, &d), PT_DECODE_OK);
	assert_int_equal(d.payload_offset, 54);
	assert_int_equal(d.payload_len, 0);

	pk_init(&p);
	pk_eth(&p, 0x0800);
	pk_ipv4(&p, 17, "10.0.0.1", "10.0.0.2");
	pk_udp(&p, 1, 2);
	pk_payload(&p, 3);
	pk_finish(&p);
	pk_zero(&p, 15);
	assert_int_equal(dec(&p, &d), PT_DECODE_OK);
	assert_int_equal(d.payload_len, 3);

	/* UDP length shorter than the IP payload (trailing bytes inside IP): bounded by UDP. */
	pk_init(&p);
	pk_eth(&p, 0x0800);
	pk_ipv4(&p, 17, "10.0.0.1", "10.0.0.2");
	pk_udp(&p, 1, 2);
	pk_payload(&p, 10);
	pk_finish(&p);
	pk_set16(&p, 34 + 4, 8 + 4);
	assert_int_equal(dec(&p, &d), PT_DECODE_OK);
	assert_int_equal(d.payload_len, 4);

	pk_init(&p);
	pk_eth(&p, 0x86DD);
	pk_ipv6(&p, 58, "2001:db8::1", "2001:db8::2");
	pk_icmp(&p, 135, 0);
	pk_finish(&p);
	pk_zero(&p, 30);
	assert_int_equal(dec(&p, &d), PT_DECODE_OK);
	assert_int_equal(d.payload_len, 4);
}

/* A fragmented outer packet is not decapsulated: later fragments could not be keyed on the inner flow. */
static void test_fragmented_tunnel_not_decapsulated(void **state)
{
	struct pt_decoded d;
	struct pkt p;

	(void)state;
	pk_init(&p);
	pk_eth(&p, 0x0800);
	pk_ipv4_ex(&p, 17, "172.16.0.1", "172.16.0.2", 0, 0x2000, 77);
	pk_udp(&p, 51000, 4789);
	pk_vxlan(&p, 42);
	pk_eth(&p, 0x0800);
	pk_ipv4(&p, 6, "10.244.1.5", "10.244.2.6");
	pk_tcp(&p, 1, 2, 0x02, 0, 0, 0);
	pk_finish(&p);
	pk_set16(&p, 38, 1500);
	assert_int_equal(dec(&p, &d), PT_DECODE_OK);
	assert_int_equal(d.tunnel_depth, 0);
	assert_int_equal(d.frag, PT_DECODE_FRAG_FIRST);
	assert_int_equal(d.dst_port, 4789);
	assert_addr(d.src_addr, "172.16.0.1");
}

/* Writes IPv6 (next header: destination options) with @p n_ext 2 KB destination options headers; returns the end. */
static uint32_t put_ipv6_2k_chain(uint8_t *b, uint32_t off, unsigned int n_ext, uint8_t last_nh)
{
	unsigned int i;

	b[off] = 0x60;
	b[off + 6] = n_ext ? 60 : last_nh;
	b[off + 23] = 1;  /* src ::1 */
	b[off + 39] = 2;  /* dst ::2 */
	off += 40;
	for (i = 0; i < n_ext; i++) {
		b[off] = i + 1 < n_ext ? 60 : last_nh;
		b[off + 1] = 255;  /* (255 + 1) * 8 = 2048 bytes */
		off += 2048;
	}
	return off;
}

/* IPv6-in-IPv6 with 2 KB extension headers: offsets past 60 KB are refused, not wrapped in 16-bit fields. */
static void test_huge_exthdr_chain(void **state)
{
	const unsigned int ext[4] = { 8, 8, 8, 6 };
	struct pt_decode_options opt;
	uint32_t l3[4], off, len, i, levels;
	struct pt_decoded d;
	uint8_t *b = calloc(1, 70000);

	(void)state;
	assert_non_null(b);
	pt_decode_options_default(&opt);
	for (levels = 3; levels <= 4; levels++) {
		memset(b, 0, 70000);
		b[12] = 0x86;
		b[13] = 0xDD;
		off = 14;
		for (i = 0; i < levels; i++) {
			l3[i] = off;
			off = put_ipv6_2k_chain(b, off, ext[i], i + 1 < levels ? 41 : 6);
		}
		b[off + 12] = 0x50;  /* TCP, no options */
		len = off + 20;
		for (i = 0; i < levels; i++) {
			b[l3[i] + 4] = (uint8_t)((len - l3[i] - 40) >> 8);
			b[l3[i] + 5] = (uint8_t)(len - l3[i] - 40);
		}
		if (levels == 3) {
			assert_int_equal(dec_raw(b, len, len, &opt, &d), PT_DECODE_OK);
			assert_int_equal(d.tunnel_depth, 2);
			assert_int_equal(d.l3_offset, l3[2]);
			assert_int_equal(d.l4_offset, off);
		} else {
			assert_int_equal(dec_raw(b, len, len, &opt, &d), PT_DECODE_BAD_IPV6_EXTHDR);
		}
	}
	free(b);
}

int main(void)
{
	enum { N = sizeof(cases) / sizeof(cases[0]) };
	struct CMUnitTest tests[N + 5];
	unsigned int i;

	for (i = 0; i < N; i++) {
		memset(&tests[i], 0, sizeof(tests[i]));
		tests[i].name = cases[i].name;
		tests[i].test_func = test_case;
		tests[i].initial_state = (void *)&cases[i];
	}
	tests[N] = (struct CMUnitTest)cmocka_unit_test(test_every_reason_reached);
	tests[N + 1] = (struct CMUnitTest)cmocka_unit_test(test_snaplen_payload);
	tests[N + 2] = (struct CMUnitTest)cmocka_unit_test(test_ethernet_padding);
	tests[N + 3] = (struct CMUnitTest)cmocka_unit_test(test_fragmented_tunnel_not_decapsulated);
	tests[N + 4] = (struct CMUnitTest)cmocka_unit_test(test_huge_exthdr_chain);
	return _cmocka_run_group_tests("decode_malformed", tests, N + 5, NULL, NULL);
}
