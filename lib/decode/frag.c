/* SPDX-License-Identifier: BSD-3-Clause */
/* frag.c - Direct-mapped table giving later IP fragments the ports of their first fragment. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>

#include "pt_decode.h"
#include "pt_util.h"

#define FRAG_MAX_AGE_NS (30 * PT_NS_PER_SEC)
#define FRAG_MAX_ENTRIES (1u << 30)

/* One remembered first fragment; ip_version 0 marks an empty slot. */
struct pt_frag_entry {
	uint8_t src[16];
	uint8_t dst[16];
	uint64_t time_ns;
	uint32_t frag_id;
	uint16_t src_port;
	uint16_t dst_port;
	uint8_t ip_version;
	uint8_t proto;       /* key for IPv4; for IPv6 the first fragment's l4_proto, copied to later ones */
	uint8_t icmp_type;
	uint8_t icmp_code;
};

struct pt_frag_table {
	uint32_t mask;
	uint32_t seed;
	struct pt_frag_entry slots[];
};

struct pt_frag_table *pt_frag_table_create(uint32_t entries)
{
	struct pt_frag_table *table;
	uint32_t n = 1;

	if (entries == 0 || entries > FRAG_MAX_ENTRIES)
		return NULL;
	while (n < entries)
		n <<= 1;
	table = pt_zalloc_aligned(sizeof(*table) + (size_t)n * sizeof(table->slots[0]));
	if (table == NULL)
		return NULL;
	table->mask = n - 1;
	if (getrandom(&table->seed, sizeof(table->seed), GRND_NONBLOCK) != (ssize_t)sizeof(table->seed))
		table->seed = (uint32_t)pt_time_mono_ns();
	return table;
}

void pt_frag_table_free(struct pt_frag_table *table)
{
	pt_free_aligned(table);
}

static uint32_t mix(uint32_t h, uint32_t w)
{
	w *= 0xCC9E2D51u;
	w = (w << 15) | (w >> 17);
	h ^= w * 0x1B873593u;
	h = (h << 13) | (h >> 19);
	return h * 5 + 0xE6546B64u;
}

/* IPv6 reassembly ignores the protocol (RFC 8200); IPv4 keys on it (RFC 791). */
static uint8_t key_proto(const struct pt_decoded *pkt)
{
	return pkt->ip_version == 4 ? pkt->l4_proto : 0;
}

static uint32_t frag_hash(const struct pt_frag_table *table, const struct pt_decoded *pkt)
{
	uint32_t h = table->seed, w;
	unsigned int i;

	for (i = 0; i < 16; i += 4) {
		memcpy(&w, pkt->src_addr + i, 4);
		h = mix(h, w);
		memcpy(&w, pkt->dst_addr + i, 4);
		h = mix(h, w);
	}
	h = mix(h, pkt->frag_id);
	h = mix(h, (uint32_t)key_proto(pkt) << 8 | pkt->ip_version);
	h ^= h >> 16;
	h *= 0x85EBCA6Bu;
	h ^= h >> 13;
	return h;
}

static bool entry_matches(const struct pt_frag_entry *e, const struct pt_decoded *pkt, uint64_t now_ns)
{
	if (e->ip_version != pkt->ip_version || e->frag_id != pkt->frag_id)
		return false;
	if (pkt->ip_version == 4 && e->proto != pkt->l4_proto)
		return false;
	if (now_ns > e->time_ns && now_ns - e->time_ns > FRAG_MAX_AGE_NS)
		return false;
	return memcmp(e->src, pkt->src_addr, 16) == 0 && memcmp(e->dst, pkt->dst_addr, 16) == 0;
}

bool pt_frag_table_resolve(struct pt_frag_table *table, struct pt_decoded *pkt, uint64_t now_ns)
{
	struct pt_frag_entry *e;

	if (!(pkt->frag & (PT_DECODE_FRAG_FIRST | PT_DECODE_FRAG_LATER)))
		return true;
	e = &table->slots[frag_hash(table, pkt) & table->mask];
	if (pkt->frag & PT_DECODE_FRAG_FIRST) {
		memcpy(e->src, pkt->src_addr, 16);
		memcpy(e->dst, pkt->dst_addr, 16);
		e->time_ns = now_ns;
		e->frag_id = pkt->frag_id;
		e->src_port = pkt->src_port;
		e->dst_port = pkt->dst_port;
		e->ip_version = pkt->ip_version;
		e->proto = pkt->l4_proto;
		e->icmp_type = pkt->icmp_type;
		e->icmp_code = pkt->icmp_code;
		return true;
	}
	if (!entry_matches(e, pkt, now_ns))
		return false;
	pkt->src_port = e->src_port;
	pkt->dst_port = e->dst_port;
	pkt->icmp_type = e->icmp_type;
	pkt->icmp_code = e->icmp_code;
	pkt->l4_proto = e->proto;
	return true;
}
