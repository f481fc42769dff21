/* SPDX-License-Identifier: BSD-3-Clause */
/* scan_table.c - The scan detector's sources: a fixed table by address, the least recently seen evicted for room. */
#include "scan_priv.h"

/* The index position of the source, or of the empty slot where it would go. */
static uint32_t scan_find(const struct pt_scan *s, uint64_t hash, uint8_t ip_version, const uint8_t addr[16])
{
	uint32_t i = (uint32_t)hash & s->index_mask;

	while (s->index[i].src != 0) {
		if (s->index[i].hash == (uint32_t)hash) {
			const struct scan_source *src = &s->src[s->index[i].src - 1];

			if (src->hash == hash && src->ip_version == ip_version && scan_addr_equal(src->addr, addr))
				break;
		}
		i = (i + 1) & s->index_mask;
	}
	return i;
}

/* Remove index slot @p i, shifting later entries of its run back (no tombstones). */
static void scan_index_remove(struct pt_scan *s, uint32_t i)
{
	uint32_t j = i;

	s->index[i].src = 0;
	for (;;) {
		uint32_t home;

		j = (j + 1) & s->index_mask;
		if (s->index[j].src == 0)
			return;
		home = s->index[j].hash & s->index_mask;
		/* Move j back to i when its home is not in (i, j] (cyclically). */
		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			s->index[i] = s->index[j];
			s->index[j].src = 0;
			i = j;
		}
	}
}

static void scan_lru_unlink(struct pt_scan *s, uint32_t slot)
{
	struct scan_source *src = &s->src[slot];

	if (src->prev != SCAN_NONE)
		s->src[src->prev].next = src->next;
	else
		s->lru_head = src->next;
	if (src->next != SCAN_NONE)
		s->src[src->next].prev = src->prev;
	else
		s->lru_tail = src->prev;
}

static void scan_lru_push(struct pt_scan *s, uint32_t slot)
{
	struct scan_source *src = &s->src[slot];

	src->prev = SCAN_NONE;
	src->next = s->lru_head;
	if (s->lru_head != SCAN_NONE)
		s->src[s->lru_head].prev = slot;
	else
		s->lru_tail = slot;
	s->lru_head = slot;
}

struct scan_source *scan_source_get(struct pt_scan *s, uint8_t ip_version, const uint8_t addr[16])
{
	uint64_t hash = scan_hash(s->seed ^ ip_version, addr);
	uint32_t pos = scan_find(s, hash, ip_version, addr), slot;
	struct scan_source *src;

	if (s->index[pos].src != 0) {
		slot = s->index[pos].src - 1;
		scan_lru_unlink(s, slot);
		scan_lru_push(s, slot);
		return &s->src[slot];
	}
	if (s->count < s->cfg.max_sources) {
		slot = s->count++;
	} else {
		slot = s->lru_tail;
		src = &s->src[slot];
		scan_lru_unlink(s, slot);
		scan_index_remove(s, scan_find(s, src->hash, src->ip_version, src->addr));
		s->stats.sources_evicted++;
		pos = scan_find(s, hash, ip_version, addr);     /* the removal may have moved the run */
	}
	/* Only what is read before it is written (struct scan_source). */
	src = &s->src[slot];
	memcpy(src->addr, addr, 16);
	src->hash = hash;
	src->slot = slot;
	src->seq = src->gen = 0;
	src->ip_version = ip_version;
	src->next_flow = 0;
	src->victims_used = src->ports_used = 0;
	src->flows_used = src->flows_by_flow = 0;
	src->walk.contacts = src->walk.n_dst = src->walk.next_dst = 0;
	s->index[pos] = (struct scan_slot){ .src = slot + 1, .hash = (uint32_t)hash };
	scan_lru_push(s, slot);
	return src;
}
