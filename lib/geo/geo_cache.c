/* SPDX-License-Identifier: BSD-3-Clause */
/* geo_cache.c - Per-worker cache of lookups the IPv4 index does not answer, by address and by /16 (/32) network, per generation. */
#include <errno.h>
#include <string.h>

#include "geo_priv.h"
#include "pt_util.h"

#define GEO_CACHE_MAX_ENTRIES (1u << 24)

struct geo_cache_entry {
	uint8_t addr[16];    /* the address, or the network's prefix (the rest zero) */
	uint64_t generation; /* 0: empty */
	uint8_t ip_version;
	struct pt_geo_result result;
};

/* Network entries hold a result that is the same for every address of an IPv4 /16 or an IPv6 /32. */
#define GEO_NET_BITS_V4 16
#define GEO_NET_BITS_V6 32
_Static_assert(sizeof(struct geo_cache_entry) == 168, "pt_geo.h documents the entry size");

struct pt_geo_cache {
	uint32_t mask;
	uint64_t lookups;
	uint64_t hits;
	uint64_t misses;
	uint64_t errors;
	uint64_t network_hits;
	uint64_t indexed;
	struct geo_cache_entry *entries;
	struct geo_cache_entry *networks;   /* PT_GEO_CACHE_NETWORKS */
} PT_CACHE_ALIGNED;

struct pt_geo_cache *pt_geo_cache_create(uint32_t entries)
{
	struct pt_geo_cache *cache;
	uint32_t n = 1;

	if (entries == 0 || entries > GEO_CACHE_MAX_ENTRIES)
		return NULL;
	while (n < entries)
		n <<= 1;
	cache = pt_zalloc_aligned(sizeof(*cache));
	if (cache == NULL)
		return NULL;
	cache->entries = pt_zalloc_aligned((size_t)n * sizeof(cache->entries[0]));
	cache->networks = pt_zalloc_aligned((size_t)PT_GEO_CACHE_NETWORKS * sizeof(cache->networks[0]));
	if (cache->entries == NULL || cache->networks == NULL) {
		pt_geo_cache_free(cache);
		return NULL;
	}
	cache->mask = n - 1;
	return cache;
}

void pt_geo_cache_free(struct pt_geo_cache *cache)
{
	if (cache == NULL)
		return;
	pt_free_aligned(cache->networks);
	pt_free_aligned(cache->entries);
	pt_free_aligned(cache);
}

/* The key: IPv4-mapped IPv6 folds to IPv4, and an IPv4 address keeps only its 4 bytes. */
static uint8_t geo_cache_key(uint8_t ip_version, const uint8_t addr[16], uint8_t key[16])
{
	static const uint8_t v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	memset(key, 0, 16);
	if (ip_version == 6 && memcmp(addr, v4_mapped, sizeof(v4_mapped)) != 0) {
		memcpy(key, addr, 16);
		return 6;
	}
	memcpy(key, ip_version == 6 ? addr + 12 : addr, 4);
	return 4;
}

static uint32_t geo_cache_hash(uint8_t ip_version, const uint8_t key[16])
{
	uint64_t a, b, h;

	memcpy(&a, key, 8);
	memcpy(&b, key + 8, 8);
	h = (a ^ ip_version) * 0x9e3779b97f4a7c15ULL;
	h ^= (b + (h >> 29)) * 0xc2b2ae3d27d4eb4fULL;
	h ^= h >> 32;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 29;
	return (uint32_t)h;
}

/* The network an address is cached under: its first 16 (IPv4) or 32 (IPv6) bits, the rest zero. */
static void geo_network_key(uint8_t version, const uint8_t key[16], uint8_t net[16])
{
	memset(net, 0, 16);
	memcpy(net, key, (version == 4 ? GEO_NET_BITS_V4 : GEO_NET_BITS_V6) / 8);
}

/* An IPv4 /16 has a slot of its own; an IPv6 /32 hashes into the same table. */
static uint32_t geo_network_slot(uint8_t version, const uint8_t net[16])
{
	if (version == 4)
		return ((uint32_t)net[0] << 8 | net[1]) & (PT_GEO_CACHE_NETWORKS - 1);
	return geo_cache_hash(version, net) & (PT_GEO_CACHE_NETWORKS - 1);
}

static bool geo_entry_matches(const struct geo_cache_entry *e, const struct pt_geo_db *db, uint8_t version,
			      const uint8_t key[16])
{
	return e->generation == db->generation && e->ip_version == version && memcmp(e->addr, key, 16) == 0;
}

static void geo_entry_fill(struct geo_cache_entry *e, const struct pt_geo_db *db, uint8_t version,
			   const uint8_t key[16], const struct pt_geo_result *res)
{
	memcpy(e->addr, key, 16);
	e->ip_version = version;
	e->generation = db->generation;
	e->result = *res;
}

int pt_geo_cache_lookup(struct pt_geo_cache *cache, const struct pt_geo_db *db, uint8_t ip_version,
			const uint8_t addr[16], struct pt_geo_result *res)
{
	struct geo_cache_entry *e, *n;
	uint8_t key[16], net[16], version, bits;
	int rc;

	if (cache == NULL || res == NULL || addr == NULL || (ip_version != 4 && ip_version != 6)) {
		if (res != NULL)
			memset(res, 0, sizeof(*res));
		return -EINVAL;
	}
	cache->lookups++;
	if (db == NULL || (db->slot[PT_GEO_COUNTRY].src == NULL && db->slot[PT_GEO_ASN].src == NULL)) {
		res->flags = 0;
		res->as_number = 0;
		res->country_iso_code[0] = '\0';
		res->as_organization[0] = '\0';
		return -ENOENT;
	}

	version = geo_cache_key(ip_version, addr, key);
	/* The handle's IPv4 index answers in about what a cache probe costs: nothing to keep here. */
	const struct geo_index *ix = version == 4 ? geo_db_index(db) : NULL;
	if (ix != NULL) {
		cache->indexed++;
		rc = geo_index_lookup(ix, key, res, &bits);
		if (rc == -EIO)
			cache->errors++;
		return rc;
	}
	e = &cache->entries[geo_cache_hash(version, key) & cache->mask];
	geo_network_key(version, key, net);
	n = &cache->networks[geo_network_slot(version, net)];
	/* Both entries are likely misses in a big cache: ask for both before looking at either. */
	__builtin_prefetch(e);
	__builtin_prefetch(n);
	if (geo_entry_matches(e, db, version, key)) {
		cache->hits++;
		*res = e->result;
		return res->flags != 0 ? 0 : -ENOENT;
	}
	if (geo_entry_matches(n, db, version, net)) {
		cache->hits++;
		cache->network_hits++;
		*res = n->result;
		return res->flags != 0 ? 0 : -ENOENT;
	}

	cache->misses++;
	rc = pt_geo_db_lookup_prefix(db, version, key, res, &bits);
	if (rc == -EIO)
		cache->errors++;
	/* A result for the whole /16 (/32) goes to its network entry, where every other address of it finds it. */
	if (bits <= (version == 4 ? GEO_NET_BITS_V4 : GEO_NET_BITS_V6))
		geo_entry_fill(n, db, version, net, res);
	else
		geo_entry_fill(e, db, version, key, res);
	return rc;
}

void pt_geo_cache_stats(const struct pt_geo_cache *cache, struct pt_geo_cache_stats *stats)
{
	if (stats == NULL)
		return;
	if (cache == NULL) {
		memset(stats, 0, sizeof(*stats));
		return;
	}
	stats->lookups = cache->lookups;
	stats->hits = cache->hits;
	stats->network_hits = cache->network_hits;
	stats->misses = cache->misses;
	stats->errors = cache->errors;
	stats->indexed = cache->indexed;
}
