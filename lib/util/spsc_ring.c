/* SPDX-License-Identifier: BSD-3-Clause */
/* spsc_ring.c - Lock-free single-producer single-consumer ring of fixed-size elements (worker -> control). */
#include <stdatomic.h>
#include <string.h>

#include "pt_util.h"

struct pt_spsc_ring {
	/* Producer-owned line. */
	_Alignas(PT_CACHE_LINE) _Atomic uint32_t head;
	uint32_t cached_tail;
	/* Consumer-owned line. */
	_Alignas(PT_CACHE_LINE) _Atomic uint32_t tail;
	uint32_t cached_head;
	/* Read-only after create. */
	_Alignas(PT_CACHE_LINE) uint32_t mask;
	uint32_t elem_size;
	uint8_t *slots;
};

static uint32_t round_up_pow2(uint32_t v)
{
	uint32_t p = 1;

	while (p < v && p < (1u << 31))
		p <<= 1;
	return p;
}

struct pt_spsc_ring *pt_spsc_ring_create(uint32_t capacity, uint32_t elem_size)
{
	struct pt_spsc_ring *ring;
	uint32_t slots;

	if (capacity == 0 || elem_size == 0)
		return NULL;
	slots = round_up_pow2(capacity);
	ring = pt_zalloc_aligned(sizeof(*ring));
	if (ring == NULL)
		return NULL;
	ring->slots = pt_zalloc_aligned((size_t)slots * elem_size);
	if (ring->slots == NULL) {
		pt_free_aligned(ring);
		return NULL;
	}
	ring->mask = slots - 1;
	ring->elem_size = elem_size;
	return ring;
}

void pt_spsc_ring_prefault(struct pt_spsc_ring *ring)
{
	/* The slots came zeroed from untouched pages: writing the zeroes again is what faults them in. */
	memset(ring->slots, 0, ((size_t)ring->mask + 1) * ring->elem_size);
}

void pt_spsc_ring_free(struct pt_spsc_ring *ring)
{
	if (ring == NULL)
		return;
	pt_free_aligned(ring->slots);
	pt_free_aligned(ring);
}

void *pt_spsc_ring_reserve(struct pt_spsc_ring *ring)
{
	uint32_t head = atomic_load_explicit(&ring->head, memory_order_relaxed);

	if (head - ring->cached_tail > ring->mask) {
		ring->cached_tail = atomic_load_explicit(&ring->tail, memory_order_acquire);
		if (head - ring->cached_tail > ring->mask)
			return NULL;
	}
	return ring->slots + (size_t)(head & ring->mask) * ring->elem_size;
}

void pt_spsc_ring_commit(struct pt_spsc_ring *ring)
{
	uint32_t head = atomic_load_explicit(&ring->head, memory_order_relaxed);

	atomic_store_explicit(&ring->head, head + 1, memory_order_release);
}

uint32_t pt_spsc_ring_free_count(const struct pt_spsc_ring *ring)
{
	uint32_t head = atomic_load_explicit(&ring->head, memory_order_relaxed);
	uint32_t tail = atomic_load_explicit(&ring->tail, memory_order_acquire);

	return ring->mask + 1 - (head - tail);
}

uint32_t pt_spsc_ring_count(struct pt_spsc_ring *ring)
{
	uint32_t tail = atomic_load_explicit(&ring->tail, memory_order_relaxed);

	ring->cached_head = atomic_load_explicit(&ring->head, memory_order_acquire);
	return ring->cached_head - tail;
}

const void *pt_spsc_ring_peek(struct pt_spsc_ring *ring)
{
	uint32_t tail = atomic_load_explicit(&ring->tail, memory_order_relaxed);

	if (tail == ring->cached_head) {
		ring->cached_head = atomic_load_explicit(&ring->head, memory_order_acquire);
		if (tail == ring->cached_head)
			return NULL;
	}
	return ring->slots + (size_t)(tail & ring->mask) * ring->elem_size;
}

void pt_spsc_ring_release(struct pt_spsc_ring *ring)
{
	uint32_t tail = atomic_load_explicit(&ring->tail, memory_order_relaxed);

	atomic_store_explicit(&ring->tail, tail + 1, memory_order_release);
}
