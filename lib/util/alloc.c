/* SPDX-License-Identifier: BSD-3-Clause */
/* alloc.c - Zeroed cache-line-aligned allocation for tables sized once at start. */
#include <stdlib.h>
#include <string.h>

#include "pt_util.h"

void *pt_zalloc_aligned(size_t size)
{
	void *ptr = NULL;

	if (size == 0)
		size = PT_CACHE_LINE;
	if (posix_memalign(&ptr, PT_CACHE_LINE, size) != 0)
		return NULL;
	memset(ptr, 0, size);
	return ptr;
}

void pt_free_aligned(void *ptr)
{
	free(ptr);
}
