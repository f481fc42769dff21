/* SPDX-License-Identifier: BSD-3-Clause */
/* flow_key.c - Symmetric flow keys (ICMP types mapped to ports as in Community ID v1) and their seeded hash. */
#include <stddef.h>
#include <string.h>

#include "flow_priv.h"

_Static_assert(sizeof(struct pt_flow_key) == 40, "pt_flow_key is hashed as five 64-bit words");
_Static_assert(offsetof(struct pt_flow_key, port) == 32 && offsetof(struct pt_flow_key, proto) == 36 &&
	       offsetof(struct pt_flow_key, ip_version) == 37 && offsetof(struct pt_flow_key, pad) == 38,
	       "the last word of a key is port[0], port[1], proto, ip_version and two zero bytes");
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "pt_flow_key_from_packet stores the key's last word in little-endian order"
#endif

int pt_flow_icmp_counterpart(uint8_t ip_version, uint8_t type)
{
	if (ip_version == 4) {
		switch (type) {
		case 8: return 0;    /* echo request -> echo reply */
		case 0: return 8;
		case 13: return 14;  /* timestamp */
		case 14: return 13;
		case 15: return 16;  /* information */
		case 16: return 15;
		case 10: return 9;   /* router solicitation -> advertisement */
		case 9: return 10;
		case 17: return 18;  /* address mask */
		case 18: return 17;
		default: return -1;
		}
	}
	if (ip_version == 6) {
		switch (type) {
		case 128: return 129; /* echo */
		case 129: return 128;
		case 133: return 134; /* router solicitation / advertisement */
		case 134: return 133;
		case 135: return 136; /* neighbor solicitation / advertisement */
		case 136: return 135;
		case 130: return 131; /* MLD query / report */
		case 131: return 130;
		case 139: return 140; /* node information query / reply */
		case 140: return 139;
		case 144: return 145; /* home agent address discovery request / reply */
		case 145: return 144;
		default: return -1;
		}
	}
	return -1;
}

void pt_flow_key_from_packet(const struct pt_decoded *pkt, struct pt_flow_key *key, bool *reversed)
{
	uint16_t sport = pkt->src_port;
	uint16_t dport = pkt->dst_port;
	bool one_way = false;
	uint64_t tail;
	uint16_t swap;
	int cmp;

	if (pkt->l4_proto == PT_FLOW_PROTO_ICMP || pkt->l4_proto == PT_FLOW_PROTO_ICMPV6) {
		int counter = pt_flow_icmp_counterpart_proto(pkt->l4_proto, pkt->icmp_type);

		sport = pkt->icmp_type;
		dport = counter >= 0 ? (uint16_t)counter : pkt->icmp_code;
		one_way = counter < 0;
	}

	/*
	 * One-way ICMP messages (unreachable, time exceeded, ...) keep their direction, as Community ID v1
	 * does: the same message in the other direction is another flow with another Community ID.
	 */
	cmp = one_way ? -1 : memcmp(pkt->src_addr, pkt->dst_addr, sizeof(pkt->src_addr));
	if (cmp == 0)
		cmp = (int)sport - (int)dport;

	/*
	 * Every byte is stored once, and the ports, protocol and version as one 64-bit word: the hash reads the key
	 * back as five 64-bit words right away, and a load that spans several narrower stores cannot be forwarded.
	 */
	if (cmp <= 0) {
		memcpy(key->addr[0], pkt->src_addr, sizeof(key->addr[0]));
		memcpy(key->addr[1], pkt->dst_addr, sizeof(key->addr[1]));
		*reversed = false;
	} else {
		memcpy(key->addr[0], pkt->dst_addr, sizeof(key->addr[0]));
		memcpy(key->addr[1], pkt->src_addr, sizeof(key->addr[1]));
		swap = sport;
		sport = dport;
		dport = swap;
		*reversed = true;
	}
	tail = (uint64_t)sport | (uint64_t)dport << 16 | (uint64_t)pkt->l4_proto << 32 | (uint64_t)pkt->ip_version << 40;
	memcpy(key->port, &tail, sizeof(tail));
}

/* 64x64 -> 128 bit multiply folded to 64 bits: the mixing step of wyhash-like hashes. */
static inline uint64_t fold_mul(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

uint32_t pt_flow_key_hash(const struct pt_flow_key *key, uint32_t seed)
{
	const uint64_t p0 = 0xa0761d6478bd642fULL, p1 = 0xe7037ed1a0b428dbULL;
	const uint64_t p2 = 0x8ebc6af09c88c6e3ULL, p3 = 0x589965cc75374cc3ULL;
	uint64_t w[5];
	uint64_t s, h;

	memcpy(w, key, sizeof(w));
	s = fold_mul((uint64_t)seed ^ p0, p1);
	h = fold_mul(w[0] ^ s ^ p1, w[1] ^ p2) ^ fold_mul(w[2] ^ s ^ p3, w[3] ^ p0);
	h = fold_mul(h ^ w[4] ^ p2, s ^ p3);
	h = fold_mul(h ^ p0, p1 ^ sizeof(w));
	return (uint32_t)(h ^ (h >> 32));
}
