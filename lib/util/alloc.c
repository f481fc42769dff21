/* SPDX-License-Identifier: BSD-3-Clause */
/* alloc.c - Zeroed cache-line-aligned allocation for tables sized once at start. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pt_util.h"

/*
 * calloc, then align by hand and keep the block's start just before the aligned pointer. Large blocks
 * come from fresh mmap'd pages that calloc does not need to touch, so a table sized for the worst case
 * costs memory only as it fills.
 */
void *pt_zalloc_aligned(size_t size)
{
	uint8_t *raw, *aligned;

	if (size > SIZE_MAX - PT_CACHE_LINE - sizeof(void *))
		return NULL;
	raw = calloc(1, size + PT_CACHE_LINE + sizeof(void *));
	if (raw == NULL)
		return NULL;
	aligned = (uint8_t *)(((uintptr_t)raw + sizeof(void *) + PT_CACHE_LINE - 1) & ~(uintptr_t)(PT_CACHE_LINE - 1));
	memcpy(aligned - sizeof(void *), &raw, sizeof(void *));
	return aligned;
}

void pt_free_aligned(void *ptr)
{
	void *raw;

	if (ptr == NULL)
		return;
	memcpy(&raw, (uint8_t *)ptr - sizeof(void *), sizeof(void *));
	free(raw);
}
