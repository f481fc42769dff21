/* SPDX-License-Identifier: BSD-3-Clause */
/* capture.c - Source-independent entry points that dispatch through the capture vtable. */
#include <errno.h>

#include <rte_thash.h>

#include "capture_priv.h"

void pt_capture_spread_key(uint8_t key_be[PT_CAPTURE_SPREAD_KEY_LEN])
{
	static const uint8_t key_pattern[2] = { 0x6d, 0x5a };
	uint8_t key[PT_CAPTURE_SPREAD_KEY_LEN];

	for (int i = 0; i < PT_CAPTURE_SPREAD_KEY_LEN; i++)
		key[i] = key_pattern[i % 2];
	rte_convert_rss_key((const uint32_t *)key, (uint32_t *)key_be, PT_CAPTURE_SPREAD_KEY_LEN);
}

uint32_t pt_capture_spread_hash(const uint8_t key_be[PT_CAPTURE_SPREAD_KEY_LEN], const uint8_t *p, uint32_t len)
{
	uint32_t off = 12, tuple[8];
	uint16_t type;

	for (int tags = 0;; tags++) {
		if (off + 2 > len)
			return 0;
		type = (uint16_t)(p[off] << 8 | p[off + 1]);
		if ((type != 0x8100 && type != 0x88A8) || tags == 2)
			break;
		off += 4;
	}
	off += 2;
	if (type == 0x0800 && off + 20 <= len) {
		tuple[0] = (uint32_t)p[off + 12] << 24 | p[off + 13] << 16 | p[off + 14] << 8 | p[off + 15];
		tuple[1] = (uint32_t)p[off + 16] << 24 | p[off + 17] << 16 | p[off + 18] << 8 | p[off + 19];
		return rte_softrss_be(tuple, 2, key_be);
	}
	if (type == 0x86DD && off + 40 <= len) {
		for (int i = 0; i < 8; i++) {
			const uint8_t *w = p + off + 8 + 4 * i;

			tuple[i] = (uint32_t)w[0] << 24 | w[1] << 16 | w[2] << 8 | w[3];
		}
		return rte_softrss_be(tuple, 8, key_be);
	}
	return 0;
}

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
