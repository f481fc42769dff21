/* SPDX-License-Identifier: BSD-3-Clause */
/* capture.c - Source-independent entry points that dispatch through the capture vtable. */
#include <errno.h>

#include "capture_priv.h"

uint32_t pt_capture_queue_count(const struct pt_capture *cap)
{
	return cap->n_queues;
}

struct pt_capture_queue *pt_capture_get_queue(struct pt_capture *cap, uint32_t index)
{
	return index < cap->n_queues ? cap->queues[index] : NULL;
}

int pt_capture_stats(struct pt_capture *cap, struct pt_capture_stats *stats)
{
	return cap->ops->stats(cap, stats);
}

void pt_capture_close(struct pt_capture *cap)
{
	if (cap != NULL)
		cap->ops->close(cap);
}

const char *pt_capture_describe(const struct pt_capture *cap)
{
	return cap->description;
}
