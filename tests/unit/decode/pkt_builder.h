/* SPDX-License-Identifier: BSD-3-Clause */
/* pkt_builder.h - Builds fake frames as byte arrays for the decode tests; lengths are filled by pk_finish(). */
#ifndef PT_TEST_PKT_BUILDER_H
#define PT_TEST_PKT_BUILDER_H

#include <arpa/inet.h>
#include <assert.h>
#include <stdint.h>
#include <string.h>

#define PK_MAX 4096
#define PK_MAX_OPEN 16

enum pk_len_kind { PK_LEN_IPV4 = 1, PK_LEN_IPV6, PK_LEN_UDP };

/* A frame under construction: headers whose length field covers "to the end" stay open until pk_finish(). */
struct pkt {
	uint8_t b[PK_MAX];
	uint32_t len;
	uint32_t open_off[PK_MAX_OPEN];
	uint8_t open_kind[PK_MAX_OPEN];
	unsigned int n_open;
};

static inline void pk_init(struct pkt *p)
{
	memset(p, 0, sizeof(*p));
}

static inline void pk_bytes(struct pkt *p, const void *d, size_t n)
{
	assert(p->len + n <= PK_MAX);
	memcpy(p->b + p->len, d, n);
	p->len += (uint32_t)n;
}

static inline void pk_zero(struct pkt *p, size_t n)
{
	assert(p->len + n <= PK_MAX);
	memset(p->b + p->len, 0, n);
	p->len += (uint32_t)n;
}

/* Payload bytes with a recognisable pattern. */
static inline void pk_payload(struct pkt *p, size_t n)
{
	size_t i;

	assert(p->len + n <= PK_MAX);
	for (i = 0; i < n; i++)
		p->b[p->len + i] = (uint8_t)(0xA0 + i);
	p->len += (uint32_t)n;
}

static inline void pk_u8(struct pkt *p, uint8_t v)
{
	pk_bytes(p, &v, 1);
}

static inline void pk_u16(struct pkt *p, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	pk_bytes(p, b, 2);
}

static inline void pk_u32(struct pkt *p, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	pk_bytes(p, b, 4);
}

static inline void pk_set16(struct pkt *p, uint32_t off, uint16_t v)
{
	p->b[off] = (uint8_t)(v >> 8);
	p->b[off + 1] = (uint8_t)v;
}

static inline void pk_open(struct pkt *p, enum pk_len_kind kind)
{
	assert(p->n_open < PK_MAX_OPEN);
	p->open_off[p->n_open] = p->len;
	p->open_kind[p->n_open++] = (uint8_t)kind;
}

/* Fill the length field of every open IPv4/IPv6/UDP header so that each ends where the frame ends. */
static inline void pk_finish(struct pkt *p)
{
	unsigned int i;

	for (i = 0; i < p->n_open; i++) {
		uint32_t off = p->open_off[i], n = p->len - off;

		if (p->open_kind[i] == PK_LEN_IPV4)
			pk_set16(p, off + 2, (uint16_t)n);
		else if (p->open_kind[i] == PK_LEN_IPV6)
			pk_set16(p, off + 4, (uint16_t)(n - 40));
		else
			pk_set16(p, off + 4, (uint16_t)n);
	}
	p->n_open = 0;
}

static inline void pk_eth(struct pkt *p, uint16_t type)
{
	static const uint8_t macs[12] = { 0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02 };

	pk_bytes(p, macs, sizeof(macs));
	pk_u16(p, type);
}

/* A VLAN tag (after an Ethertype 0x8100/0x88A8) followed by the next Ethertype. */
static inline void pk_tag(struct pkt *p, uint16_t vid, uint16_t type)
{
	pk_u16(p, (uint16_t)(0x2000 | vid));  /* PCP 1 */
	pk_u16(p, type);
}

static inline void pk_addr(struct pkt *p, int af, const char *text)
{
	uint8_t a[16];
	int ok = inet_pton(af, text, a);

	assert(ok == 1);
	(void)ok;
	pk_bytes(p, a, af == AF_INET ? 4 : 16);
}

/* IPv4 with @p opt_words 32-bit option words (NOPs), fragment field @p frag (flags+offset) and id @p id. */
static inline void pk_ipv4_ex(struct pkt *p, uint8_t proto, const char *src, const char *dst, unsigned int opt_words,
			      uint16_t frag, uint16_t id)
{
	pk_open(p, PK_LEN_IPV4);
	pk_u8(p, (uint8_t)(0x40 | (5 + opt_words)));
	pk_u8(p, 0);
	pk_u16(p, 0);  /* total length: pk_finish */
	pk_u16(p, id);
	pk_u16(p, frag);
	pk_u8(p, 64);
	pk_u8(p, proto);
	pk_u16(p, 0);
	pk_addr(p, AF_INET, src);
	pk_addr(p, AF_INET, dst);
	for (unsigned int i = 0; i < opt_words * 4; i++)
		pk_u8(p, 1);  /* NOP */
}

static inline void pk_ipv4(struct pkt *p, uint8_t proto, const char *src, const char *dst)
{
	pk_ipv4_ex(p, proto, src, dst, 0, 0x4000 /* DF */, 0x1234);
}

static inline void pk_ipv6(struct pkt *p, uint8_t nh, const char *src, const char *dst)
{
	pk_open(p, PK_LEN_IPV6);
	pk_u32(p, 0x60000000);
	pk_u16(p, 0);  /* payload length: pk_finish */
	pk_u8(p, nh);
	pk_u8(p, 64);
	pk_addr(p, AF_INET6, src);
	pk_addr(p, AF_INET6, dst);
}

/* Hop-by-hop, routing or destination options header of (@p len8 + 1) * 8 bytes. */
static inline void pk_ext6(struct pkt *p, uint8_t nh, uint8_t len8)
{
	pk_u8(p, nh);
	pk_u8(p, len8);
	pk_zero(p, (size_t)(len8 + 1) * 8 - 2);
}

static inline void pk_frag6(struct pkt *p, uint8_t nh, uint16_t offset8, int more, uint32_t id)
{
	pk_u8(p, nh);
	pk_u8(p, 0);
	pk_u16(p, (uint16_t)(offset8 << 3 | (more ? 1 : 0)));
	pk_u32(p, id);
}

/* Authentication header with @p len4 + 2 words (12 bytes of ICV for len4 = 4 is len 24). */
static inline void pk_ah(struct pkt *p, uint8_t nh, uint8_t len4)
{
	pk_u8(p, nh);
	pk_u8(p, len4);
	pk_zero(p, (size_t)(len4 + 2) * 4 - 2);
}

static inline void pk_tcp(struct pkt *p, uint16_t sport, uint16_t dport, uint8_t flags, uint32_t seq, uint32_t ack,
			  unsigned int opt_words)
{
	pk_u16(p, sport);
	pk_u16(p, dport);
	pk_u32(p, seq);
	pk_u32(p, ack);
	pk_u8(p, (uint8_t)((5 + opt_words) << 4));
	pk_u8(p, flags);
	pk_u16(p, 65535);
	pk_u16(p, 0);
	pk_u16(p, 0);
	for (unsigned int i = 0; i < opt_words * 4; i++)
		pk_u8(p, 1);
}

static inline void pk_udp(struct pkt *p, uint16_t sport, uint16_t dport)
{
	pk_open(p, PK_LEN_UDP);
	pk_u16(p, sport);
	pk_u16(p, dport);
	pk_u16(p, 0);  /* length: pk_finish */
	pk_u16(p, 0);
}

static inline void pk_icmp(struct pkt *p, uint8_t type, uint8_t code)
{
	pk_u8(p, type);
	pk_u8(p, code);
	pk_u16(p, 0);
	pk_u32(p, 0x00010002);  /* echo id/seq */
}

static inline void pk_sctp(struct pkt *p, uint16_t sport, uint16_t dport)
{
	pk_u16(p, sport);
	pk_u16(p, dport);
	pk_u32(p, 0xDEADBEEF);
	pk_u32(p, 0);
}

static inline void pk_vxlan(struct pkt *p, uint32_t vni)
{
	pk_u32(p, 0x08000000);
	pk_u32(p, vni << 8);
}

/* Geneve base header plus @p opt_words words of options (one TLV). */
static inline void pk_geneve(struct pkt *p, uint16_t proto, uint32_t vni, uint8_t opt_words)
{
	pk_u8(p, opt_words & 0x3F);
	pk_u8(p, 0);
	pk_u16(p, proto);
	pk_u32(p, vni << 8);
	if (opt_words > 0) {
		pk_u16(p, 0x0102);  /* option class */
		pk_u8(p, 0x80);     /* type (critical) */
		pk_u8(p, (uint8_t)(opt_words - 1));
		pk_zero(p, (size_t)(opt_words - 1) * 4);
	}
}

#define PK_GRE_C 0x8000
#define PK_GRE_K 0x2000
#define PK_GRE_S 0x1000

static inline void pk_gre(struct pkt *p, uint16_t flags, uint16_t proto, uint32_t key, uint32_t seq)
{
	pk_u16(p, flags);
	pk_u16(p, proto);
	if (flags & PK_GRE_C)
		pk_u32(p, 0xABCD0000);
	if (flags & PK_GRE_K)
		pk_u32(p, key);
	if (flags & PK_GRE_S)
		pk_u32(p, seq);
}

static inline void pk_erspan2(struct pkt *p, uint16_t vlan, uint16_t session)
{
	pk_u16(p, (uint16_t)(0x1000 | (vlan & 0x0FFF)));
	pk_u16(p, (uint16_t)(0x0400 | (session & 0x03FF)));  /* En = 1 */
	pk_u32(p, 0x00000007);                               /* index */
}

/* ERSPAN III header; @p ft frame type (0 Ethernet, 2 IP); @p platform adds the O sub-header. */
static inline void pk_erspan3(struct pkt *p, uint16_t vlan, uint16_t session, uint8_t ft, int platform)
{
	pk_u16(p, (uint16_t)(0x2000 | (vlan & 0x0FFF)));
	pk_u16(p, (uint16_t)(session & 0x03FF));
	pk_u32(p, 0x11223344);  /* timestamp */
	pk_u16(p, 0x0005);      /* SGT */
	pk_u16(p, (uint16_t)((ft & 0x1F) << 10 | 0x0010 /* HW ID 1 */ | (platform ? 1 : 0)));
	if (platform) {
		pk_u32(p, 0x18000000);  /* platform id 3 */
		pk_u32(p, 0x55667788);
	}
}

#endif /* PT_TEST_PKT_BUILDER_H */
