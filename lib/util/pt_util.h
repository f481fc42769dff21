/* SPDX-License-Identifier: BSD-3-Clause */
/* pt_util.h - Small shared helpers: logging, clocks, SHA1/base64, an SPSC ring, aligned allocation, address text. */
#ifndef PT_UTIL_H
#define PT_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

/**
 * The same clock at the kernel's tick resolution (a few ms): no TSC read, so cheap enough to call once per burst.
 * Never ahead of pt_time_mono_ns().
 */
uint64_t pt_time_mono_coarse_ns(void);

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
 * Its pages are faulted in as it is first used (see pt_spsc_ring_prefault()).
 * @return the ring, or NULL when allocation fails or an argument is zero.
 */
struct pt_spsc_ring *pt_spsc_ring_create(uint32_t capacity, uint32_t elem_size);

/**
 * Fault in all of @p ring's memory now, before any element is pushed: a ring is cycled through whole in
 * normal use, and a producer that must keep up with a NIC should not take the page faults of its first pass.
 * @p ring must not be NULL.
 */
void pt_spsc_ring_prefault(struct pt_spsc_ring *ring);

/** Free a ring; NULL is a no-op. */
void pt_spsc_ring_free(struct pt_spsc_ring *ring);

/** Producer side: pointer to the next free slot, or NULL when the ring is full. Fill it, then commit. */
void *pt_spsc_ring_reserve(struct pt_spsc_ring *ring);

/** Producer side: publish the slot returned by the last pt_spsc_ring_reserve(). */
void pt_spsc_ring_commit(struct pt_spsc_ring *ring);

/** Producer side: number of free slots (a lower bound, since the consumer may free more). */
uint32_t pt_spsc_ring_free_count(const struct pt_spsc_ring *ring);

/** Consumer side: elements waiting now (what the producer committed before this call, at least). */
uint32_t pt_spsc_ring_count(struct pt_spsc_ring *ring);

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

/* ---- one pointer published to readers by RCU ------------------------------ */

/*
 * A value (a database handle, a table) that one publisher thread replaces while reader threads (workers)
 * use it without locks, with DPDK's rte_rcu_qsbr on memory allocated here (no EAL needed):
 *
 *   publisher, at start:  rcu = pt_rcu_create(first, n_readers, free_fn, arg);
 *   reader r, at start:   pt_rcu_reader_online(rcu, r);
 *   reader, per burst:    v = pt_rcu_current(rcu); ... use v ...; pt_rcu_quiescent(rcu, r);
 *   reader r, at stop:    pt_rcu_reader_offline(rcu, r);
 *   publisher:            pt_rcu_publish(rcu, next);   (never waits)  pt_rcu_reclaim(rcu);   (periodically)
 *   publisher, at exit:   after every reader stopped, pt_rcu_free(rcu).
 *
 * A replaced value is freed (free_fn) by a later pt_rcu_reclaim() once every online reader has reported
 * quiescent since the swap. An offline reader does not hold a grace period back.
 */

/** Replaced values that may wait for their grace period at once. */
#define PT_RCU_RETIRED_MAX 8

struct pt_rcu;

/**
 * Publish @p first (may be NULL) for readers numbered 0 .. @p max_readers - 1.
 * @param free_fn frees a replaced value: free_fn(value, free_arg).
 * @return the publication, owning @p first; NULL when @p max_readers is 0 or above RTE_MAX_LCORE, @p free_fn is
 *         NULL, or memory runs out (then @p first still belongs to the caller).
 */
struct pt_rcu *pt_rcu_create(void *first, uint32_t max_readers, void (*free_fn)(void *value, void *arg), void *free_arg);

/** Free the current value, every retired one and the publication. Only after every reader stopped; NULL is a no-op. */
void pt_rcu_free(struct pt_rcu *rcu);

/** Reader side, at start (from the reader's thread). @return 0, or -EINVAL when @p reader >= max_readers. */
int pt_rcu_reader_online(struct pt_rcu *rcu, uint32_t reader);

/** Reader side, at stop: grace periods no longer wait for this reader. */
void pt_rcu_reader_offline(struct pt_rcu *rcu, uint32_t reader);

/** Reader side: the current value, valid until this reader's next pt_rcu_quiescent(). NULL for a NULL @p rcu. */
void *pt_rcu_current(struct pt_rcu *rcu);

/** Publisher side: the current value (the one the publisher itself last published). */
void *pt_rcu_current_publisher(const struct pt_rcu *rcu);

/** Reader side: this reader holds no value any more. NULL @p rcu: no-op. */
void pt_rcu_quiescent(struct pt_rcu *rcu, uint32_t reader);

/**
 * Publisher side: make @p value current and retire the old one (freed by pt_rcu_reclaim() after a grace period).
 * @return 0 (the publication owns @p value), -EBUSY when PT_RCU_RETIRED_MAX values still wait (@p value still
 *         belongs to the caller: reclaim and try again later), -EINVAL for a NULL argument.
 */
int pt_rcu_publish(struct pt_rcu *rcu, void *value);

/** Publisher side: free retired values whose grace period has ended. @return how many still wait. */
unsigned pt_rcu_reclaim(struct pt_rcu *rcu);

/* ---- hashing text keys ----------------------------------------------------- */

#define PT_FNV1A_INIT 14695981039346656037ULL

/** 64-bit FNV-1a of @p len bytes, continuing from @p h (PT_FNV1A_INIT to start): for tables keyed by text. */
static inline uint64_t pt_fnv1a(uint64_t h, const void *data, size_t len)
{
	const uint8_t *p = (const uint8_t *)data;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

/** pt_fnv1a() of a NUL-terminated string. */
static inline uint64_t pt_fnv1a_str(const char *s)
{
	return pt_fnv1a(PT_FNV1A_INIT, s, strlen(s));
}

/* ---- reading JSON -------------------------------------------------------- */

/** Longest object key pt_json_read() passes, with its NUL (a Kubernetes label key is at most 317 bytes). */
#define PT_JSON_KEY_LEN 320

enum pt_json_type { PT_JSON_NULL, PT_JSON_BOOL, PT_JSON_NUMBER, PT_JSON_STRING, PT_JSON_ARRAY, PT_JSON_OBJECT };

/** One value inside a document: its type and its raw text (quotes and brackets included), not copied. */
struct pt_json_value {
	enum pt_json_type type;
	const char *text;
	size_t len;
};

/** Called per member (key decoded) or per array element (key NULL); a negative return stops the walk. */
typedef int (*pt_json_member_fn)(void *ctx, const char *key, const struct pt_json_value *value);

/**
 * Check that text[0..len) is one JSON object or array (RFC 8259, nesting at most 32 deep), then call @p fn for
 * each of its members or elements in order. Nested values are passed raw: read them with another pt_json_read()
 * call. Allocates nothing.
 * @return 0, -EINVAL for malformed JSON, a key longer than PT_JSON_KEY_LEN - 1 bytes, or a NULL argument, or the
 *         callback's negative return.
 */
int pt_json_read(const char *text, size_t len, pt_json_member_fn fn, void *ctx);

/**
 * Decode a string value (escapes, \u surrogate pairs) into @p out as UTF-8 with a NUL.
 * @return the length, -ENOSPC when it does not fit in @p cap, -EINVAL for a value that is not a string or holds
 *         \u0000 or a lone surrogate.
 */
int pt_json_string_decode(const struct pt_json_value *v, char *out, size_t cap);

#endif /* PT_UTIL_H */
