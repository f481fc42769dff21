/* SPDX-License-Identifier: BSD-3-Clause */
/* alloc.c - Zeroed cache-line-aligned allocation for tables sized once at start. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "pt_util.h"

/* x86-64's transparent huge page; blocks of at least two of them are offered to the kernel for it. */
#define HUGE_PAGE ((uintptr_t)2 << 20)

/*
 * The tables allocated here are reached at random (a flow, its bucket, its DPI result): with 4 KiB pages
 * nearly every such access under a flood also misses the TLB. Ask for transparent huge pages on the
 * 2 MiB-aligned part of a big block (a hint: it takes effect when the kernel's THP mode is "madvise" or
 * "always"; the pages are still only populated as they are touched).
 */
static void advise_huge_pages(uint8_t *block, size_t size)
{
#ifdef MADV_HUGEPAGE
	uintptr_t start = ((uintptr_t)block + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
	uintptr_t end = ((uintptr_t)block + size) & ~(HUGE_PAGE - 1);

	if (size >= 2 * HUGE_PAGE && end > start)
		(void)madvise((void *)start, end - start, MADV_HUGEPAGE);
#else
	(void)block;
	(void)size;
#endif
}

/*
 * calloc, then align by hand and keep the block's start just before the aligned pointer. Large blocks
 * come from fresh mmap'd pages that calloc does not need to touch, so a table sized for the worst case
 * costs memory only as it fills (in 2 MiB steps where huge pages are granted).
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
	advise_huge_pages(aligned, size);
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
