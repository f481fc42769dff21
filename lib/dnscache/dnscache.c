/* SPDX-License-Identifier: BSD-3-Clause */
/* dnscache.c - A set-associative IP-to-name cache with TTL expiry and bounded memory, owned by one thread. */
#include <stdbool.h>
#include <string.h>

#include "pt_dnscache.h"
#include "pt_util.h"

#define DNSCACHE_WAYS 8

struct dnscache_entry {
	uint64_t expires_ns;      /* 0 = empty */
	uint64_t seen_ns;         /* when the answer giving this name was seen */
	uint8_t addr[16];
	uint8_t ip_version;
	char name[PT_DNSCACHE_NAME_LEN];
};

struct pt_dnscache {
	struct pt_dnscache_config cfg;
	uint32_t set_mask;
	struct pt_dnscache_stats stats;
	struct dnscache_entry *entries;     /* (set_mask + 1) * DNSCACHE_WAYS */
};

static uint32_t dnscache_hash(uint8_t ip_version, const uint8_t addr[16])
{
	uint64_t a, b;

	memcpy(&a, addr, 8);
	memcpy(&b, addr + 8, 8);
	a ^= b * 0x9E3779B97F4A7C15ULL ^ ip_version;
	a *= 0xBF58476D1CE4E5B9ULL;
	return (uint32_t)(a >> 32);
}

struct pt_dnscache *pt_dnscache_create(const struct pt_dnscache_config *cfg)
{
	struct pt_dnscache *c;
	uint32_t sets = 1;

	if (cfg == NULL || cfg->entries == 0)
		return NULL;
	while ((uint64_t)sets * DNSCACHE_WAYS < cfg->entries && sets < (1u << 28))
		sets <<= 1;
	c = pt_zalloc_aligned(sizeof(*c));
	if (c == NULL)
		return NULL;
	c->entries = pt_zalloc_aligned((size_t)sets * DNSCACHE_WAYS * sizeof(struct dnscache_entry));
	if (c->entries == NULL) {
		pt_free_aligned(c);
		return NULL;
	}
	c->cfg = *cfg;
	c->set_mask = sets - 1;
	return c;
}

void pt_dnscache_free(struct pt_dnscache *c)
{
	if (c == NULL)
		return;
	pt_free_aligned(c->entries);
	pt_free_aligned(c);
}

static struct dnscache_entry *dnscache_set(struct pt_dnscache *c, uint8_t ip_version, const uint8_t addr[16])
{
	return &c->entries[(size_t)(dnscache_hash(ip_version, addr) & c->set_mask) * DNSCACHE_WAYS];
}

static bool dnscache_match(const struct dnscache_entry *e, uint8_t ip_version, const uint8_t addr[16])
{
	return e->expires_ns != 0 && e->ip_version == ip_version && memcmp(e->addr, addr, 16) == 0;
}

void pt_dnscache_insert(struct pt_dnscache *c, uint8_t ip_version, const uint8_t addr[16], const char *name,
			uint32_t ttl_s, uint64_t now_ns)
{
	struct dnscache_entry *set = dnscache_set(c, ip_version, addr), *victim = &set[0];
	uint64_t keep = (uint64_t)ttl_s * PT_NS_PER_SEC;
	size_t len = strlen(name);

	if (keep < c->cfg.ttl_floor_ns)
		keep = c->cfg.ttl_floor_ns;
	if (keep > c->cfg.ttl_cap_ns)
		keep = c->cfg.ttl_cap_ns;
	if (keep == 0)
		keep = 1;
	for (int w = 0; w < DNSCACHE_WAYS; w++) {
		if (dnscache_match(&set[w], ip_version, addr)) {
			victim = &set[w];
			c->stats.refreshes++;
			goto store;
		}
		if (set[w].expires_ns < victim->expires_ns)
			victim = &set[w];            /* an empty slot (0) or the one expiring first */
	}
	if (victim->expires_ns > now_ns)
		c->stats.evictions++;
	c->stats.inserts++;
store:
	victim->expires_ns = now_ns + keep;
	victim->seen_ns = now_ns;
	victim->ip_version = ip_version;
	memcpy(victim->addr, addr, 16);
	if (len >= PT_DNSCACHE_NAME_LEN) {
		len = PT_DNSCACHE_NAME_LEN - 1;
		c->stats.names_truncated++;
	}
	memcpy(victim->name, name, len);
	victim->name[len] = '\0';
}

const char *pt_dnscache_lookup(struct pt_dnscache *c, uint8_t ip_version, const uint8_t addr[16], uint64_t at_ns)
{
	struct dnscache_entry *set = dnscache_set(c, ip_version, addr);

	c->stats.lookups++;
	for (int w = 0; w < DNSCACHE_WAYS; w++) {
		if (!dnscache_match(&set[w], ip_version, addr))
			continue;
		if (set[w].expires_ns < at_ns) {
			c->stats.expired++;
			return NULL;
		}
		if (set[w].seen_ns > at_ns)
			return NULL;             /* named only after that time: not what the flow used */
		c->stats.hits++;
		return set[w].name;
	}
	return NULL;
}

void pt_dnscache_stats(const struct pt_dnscache *c, struct pt_dnscache_stats *stats)
{
	*stats = c->stats;
}
