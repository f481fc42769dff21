/* SPDX-License-Identifier: BSD-3-Clause */
/* pt_util.h - Small shared helpers: logging, clocks, SHA1/base64, an SPSC ring, aligned allocation, address text. */
#ifndef PT_UTIL_H
#define PT_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PT_LIKELY(x) __builtin_expect(!!(x), 1)
#define PT_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define PT_CACHE_LINE 64
#define PT_CACHE_ALIGNED __attribute__((aligned(PT_CACHE_LINE)))
#define PT_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define PT_NS_PER_SEC 1000000000ULL

/* ---- logging ---------------------------------------------------------- */

enum pt_log_level { PT_LOG_ERR = 0, PT_LOG_WARN, PT_LOG_INFO, PT_LOG_DEBUG };

/** Set the most verbose level that pt_log() prints (default PT_LOG_INFO). */
void pt_log_set_level(enum pt_log_level level);

/**
 * Parse a level name ("error", "warn", "info", "debug").
 * @return 0, or -EINVAL for an unknown name.
 */
int pt_log_level_parse(const char *name, enum pt_log_level *level);

/** Print one line "podtap: <level>: <message>" to stderr. Never call per packet. */
void pt_log(enum pt_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- clocks ----------------------------------------------------------- */

/** Monotonic clock in nanoseconds. */
uint64_t pt_time_mono_ns(void);

/** Wall clock (CLOCK_REALTIME) in nanoseconds since the epoch. */
uint64_t pt_time_wall_ns(void);

/**
 * Format @p ns since the epoch as RFC 3339 UTC with microseconds, e.g. "2026-12-03T18:35:01.123456Z".
 * @return the number of characters written (27, excluding the NUL), -ENOSPC if @p len < 28, or -EINVAL
 *         after the year 9999.
 */
int pt_time_format_rfc3339(uint64_t ns, char *buf, size_t len);

/* ---- SHA1 and base64 (for Community ID) -------------------------------- */

#define PT_SHA1_DIGEST_LEN 20

struct pt_sha1 {
	uint32_t state[5];
	uint64_t length_bits;
	uint8_t block[64];
	uint32_t block_used;
};

void pt_sha1_init(struct pt_sha1 *ctx);
void pt_sha1_update(struct pt_sha1 *ctx, const void *data, size_t len);
void pt_sha1_final(struct pt_sha1 *ctx, uint8_t digest[PT_SHA1_DIGEST_LEN]);

/**
 * Standard base64 (RFC 4648, with padding) of @p len bytes into @p out.
 * @return characters written (excluding the NUL), or -ENOSPC when @p out_len < 4*ceil(len/3)+1.
 */
int pt_base64_encode(const uint8_t *in, size_t len, char *out, size_t out_len);

/* ---- single-producer single-consumer ring of fixed-size elements -------- */

struct pt_spsc_ring;

/**
 * Create a ring holding up to @p capacity elements (rounded up to a power of two) of @p elem_size bytes.
 * @return the ring, or NULL when allocation fails or an argument is zero.
 */
struct pt_spsc_ring *pt_spsc_ring_create(uint32_t capacity, uint32_t elem_size);

/** Free a ring; NULL is a no-op. */
void pt_spsc_ring_free(struct pt_spsc_ring *ring);

/** Producer side: pointer to the next free slot, or NULL when the ring is full. Fill it, then commit. */
void *pt_spsc_ring_reserve(struct pt_spsc_ring *ring);

/** Producer side: publish the slot returned by the last pt_spsc_ring_reserve(). */
void pt_spsc_ring_commit(struct pt_spsc_ring *ring);

/** Producer side: number of free slots (a lower bound, since the consumer may free more). */
uint32_t pt_spsc_ring_free_count(const struct pt_spsc_ring *ring);

/** Consumer side: pointer to the oldest element, or NULL when empty. Read it, then release. */
const void *pt_spsc_ring_peek(struct pt_spsc_ring *ring);

/** Consumer side: drop the element returned by the last pt_spsc_ring_peek(). */
void pt_spsc_ring_release(struct pt_spsc_ring *ring);

/* ---- allocation --------------------------------------------------------- */

/** Zeroed, cache-line aligned memory, for tables allocated once at start. NULL on failure. */
void *pt_zalloc_aligned(size_t size);

/** Free memory from pt_zalloc_aligned(); NULL is a no-op. */
void pt_free_aligned(void *ptr);

/* ---- addresses ---------------------------------------------------------- */

/** Longest text pt_addr_format() writes, with its NUL. */
#define PT_ADDR_TEXT_LEN 46

/**
 * Format an address held in 16 bytes (IPv4 in the first 4) as text.
 * @param ip_version 4 or 6.
 * @return @p buf.
 */
const char *pt_addr_format(uint8_t ip_version, const uint8_t addr[16], char buf[PT_ADDR_TEXT_LEN]);

#endif /* PT_UTIL_H */
