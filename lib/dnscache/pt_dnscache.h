/* SPDX-License-Identifier: BSD-3-Clause */
/* pt_dnscache.h - The sensor's bounded IP-to-name cache, learnt from observed DNS answers and honouring TTLs. */
#ifndef PT_DNSCACHE_H
#define PT_DNSCACHE_H

#include <stdint.h>

/** Longest name kept, with its NUL (a DNS name has at most 253 characters). */
#define PT_DNSCACHE_NAME_LEN 254

struct pt_dnscache_config {
	uint32_t entries;        /* capacity, rounded up to a multiple of the set size; all memory at create */
	uint64_t ttl_floor_ns;   /* an answer is kept at least this long, whatever its TTL */
	uint64_t ttl_cap_ns;     /* and at most this long */
};

struct pt_dnscache_stats {
	uint64_t inserts;        /* answers remembered */
	uint64_t refreshes;      /* answers for an address already cached (name and expiry replaced) */
	uint64_t evictions;      /* unexpired entries pushed out by newer answers: the cache is too small */
	uint64_t lookups;
	uint64_t hits;
	uint64_t expired;        /* lookups that found the address, but its answer had expired */
	uint64_t names_truncated;
};

struct pt_dnscache;

/**
 * Create a cache. It is owned by one thread (the control side): no locking inside.
 * @return the cache, or NULL for entries == 0 or no memory.
 */
struct pt_dnscache *pt_dnscache_create(const struct pt_dnscache_config *cfg);

/** Free a cache; NULL is a no-op. */
void pt_dnscache_free(struct pt_dnscache *cache);

/**
 * Remember that @p name resolved to @p addr (16 bytes, IPv4 in the first 4) in an answer seen at packet
 * time @p now_ns with TTL @p ttl_s. The entry expires at now + clamp(ttl, floor, cap). A newer answer for
 * the same address replaces the name. When the address's set is full the entry expiring first goes.
 */
void pt_dnscache_insert(struct pt_dnscache *cache, uint8_t ip_version, const uint8_t addr[16], const char *name,
			uint32_t ttl_s, uint64_t now_ns);

/**
 * The name @p addr had at packet time @p at_ns, or NULL when no answer seen at or before @p at_ns and still
 * unexpired then named it (a newer answer replaces the name; a flow that started before it gets none).
 * The pointer is valid until the next insert.
 */
const char *pt_dnscache_lookup(struct pt_dnscache *cache, uint8_t ip_version, const uint8_t addr[16], uint64_t at_ns);

/** Copy the counters. */
void pt_dnscache_stats(const struct pt_dnscache *cache, struct pt_dnscache_stats *stats);

/* ---- reading DNS responses ---------------------------------------------------------------------- */

/** Called once per A/AAAA answer: the address, the question's name (lowercase, dotted) and the TTL. */
typedef void (*pt_dns_answer_fn)(void *ctx, uint8_t ip_version, const uint8_t addr[16], const char *name,
				 uint32_t ttl_s);

/**
 * Parse one DNS message (the UDP payload, or a TCP message without its length prefix). Only successful
 * responses (QR set, RCODE 0) with exactly one question are read; CNAME chains are followed implicitly: every
 * A/AAAA answer is reported under the question's name, which is what the client asked for.
 * Never reads outside [msg, msg + len).
 * @return the number of answers reported, or -1 for a message that is not such a response or is malformed
 *         before its first A/AAAA answer.
 */
int pt_dns_parse_response(const uint8_t *msg, uint32_t len, pt_dns_answer_fn fn, void *ctx);

#endif /* PT_DNSCACHE_H */
