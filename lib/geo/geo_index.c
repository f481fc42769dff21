/* SPDX-License-Identifier: BSD-3-Clause */
/* geo_index.c - A flat IPv4 index of a handle's two databases, built off the data path: one short search instead of two tree walks. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "geo_priv.h"

/*
 * The index cuts the IPv4 space into ranges over which both databases give one answer each, in address order,
 * and keeps each distinct (country answer, ASN answer) pair once. A lookup reads the range index of the
 * address's /16, searches the few ranges that start inside that /16, and copies the answer: three or four
 * memory reads where the trees took two walks of up to 32 nodes and a decode of each data record.
 */
#define GEO_INDEX_SLOTS 65536u     /* one per IPv4 /16 */
#define GEO_INDEX_MAX_RANGES (1u << 26)
#ifndef GEO_BY_OFFSET_MAX
/* Data sections up to this size find a record's answer in an array of 4 bytes per byte of the section (the
 * default databases: 3 MB); larger ones (a City database used for the country, 40+ MB) in a map instead, which
 * grows with the records met rather than the bytes. The unit tests build the map path with 0. */
#define GEO_BY_OFFSET_MAX (16u << 20)
#endif

/* An answer: what one database's data record gives, or the pair of both databases' answers. */
struct geo_index_answer {
	uint32_t as_number;
	uint32_t org_offset;   /* into orgs */
	uint8_t flags;         /* PT_GEO_F_* */
	uint8_t org_len;       /* without the NUL; below PT_GEO_AS_ORG_LEN */
	uint8_t error;         /* a database reported an error decoding the record */
	char country[2];
};

struct geo_index_range {
	uint32_t start;        /* first address */
	uint32_t answer;       /* into answers */
};

struct geo_index {
	uint32_t first[GEO_INDEX_SLOTS];    /* the range holding a.b.0.0, for each a.b */
	struct geo_index_range *ranges;
	uint32_t n_ranges;
	struct geo_index_answer *answers;
	uint32_t n_answers;
	char *orgs;
	size_t orgs_len;
};

/* ---- growing arrays and a 64-bit to 32-bit map, for the build ---------------------------------------------- */

static int geo_grow(void **array, uint32_t *cap, uint32_t need, size_t elem)
{
	void *p;
	uint32_t n;

	if (need <= *cap)
		return 0;
	if (need > GEO_INDEX_MAX_RANGES)
		return -E2BIG;
	n = *cap ? *cap : 1024;
	while (n < need)
		n *= 2;
	p = realloc(*array, (size_t)n * elem);
	if (p == NULL)
		return -ENOMEM;
	*array = p;
	*cap = n;
	return 0;
}

/* Open addressing, keys stored + 1 so that 0 marks an empty slot; a key and its value share a cache line. */
struct geo_map_slot {
	uint64_t key;
	uint32_t value;
};

struct geo_map {
	struct geo_map_slot *slots;
	uint32_t mask;
	uint32_t used;
};

/* MurmurHash3's 64-bit finalizer: data offsets are small and regular, and every bit must reach the low ones. */
static uint32_t geo_map_hash(uint64_t key)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdULL;
	key ^= key >> 33;
	key *= 0xc4ceb9fe1a85ec53ULL;
	key ^= key >> 33;
	return (uint32_t)key;
}

static int geo_map_init(struct geo_map *m, uint32_t slots)
{
	m->slots = calloc(slots, sizeof(m->slots[0]));
	m->mask = slots - 1;
	m->used = 0;
	return m->slots != NULL ? 0 : -ENOMEM;
}

static void geo_map_free(struct geo_map *m)
{
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

/* The slot of @p key: where it is, or the empty slot where it would go. */
static struct geo_map_slot *geo_map_find(const struct geo_map *m, uint64_t key)
{
	uint32_t i = geo_map_hash(key) & m->mask;

	while (m->slots[i].key != 0 && m->slots[i].key != key + 1)
		i = (i + 1) & m->mask;
	return &m->slots[i];
}

static int geo_map_put(struct geo_map *m, uint64_t key, uint32_t value)
{
	struct geo_map_slot *slot;

	if ((m->used + 1) * 2 > m->mask + 1) {
		struct geo_map bigger;

		if (geo_map_init(&bigger, (m->mask + 1) * 2) != 0) {
			geo_map_free(&bigger);
			return -ENOMEM;
		}
		for (uint32_t i = 0; i <= m->mask; i++)
			if (m->slots[i].key != 0)
				*geo_map_find(&bigger, m->slots[i].key - 1) = m->slots[i];
		bigger.used = m->used;
		geo_map_free(m);
		*m = bigger;
	}
	slot = geo_map_find(m, key);
	m->used += slot->key == 0;
	slot->key = key + 1;
	slot->value = value;
	return 0;
}

static bool geo_map_get(const struct geo_map *m, uint64_t key, uint32_t *value)
{
	const struct geo_map_slot *slot = geo_map_find(m, key);

	if (slot->key == 0)
		return false;
	*value = slot->value;
	return true;
}

/* ---- the build ------------------------------------------------------------------------------------------------ */

/* One database's ranges (or the merged ones) and the answers they refer to; answer 0 is "nothing". */
struct geo_build {
	struct geo_index_range *ranges;
	uint32_t n_ranges, cap_ranges;
	struct geo_index_answer *answers;
	uint32_t n_answers, cap_answers;
	struct geo_map by_key;      /* (merged) answer pair -> answer */
	uint32_t *by_offset;        /* (one database) data record's offset -> answer + 1, 0: not met yet */
	uint32_t n_by_offset;       /* the data section's size (0 with by_record) */
	struct geo_map by_record;   /* (one database whose data section is over GEO_BY_OFFSET_MAX) offset -> answer */
	char **orgs;                /* the index's string pool, shared by all three builds */
	size_t *orgs_len, *orgs_cap;
};

/*
 * Room for @p max_ranges ranges and answers, allocated once: growing them by realloc would remap memory while
 * the workers run (a reload), and every remap takes the process's memory-map lock, which their page faults wait
 * for. (calloc's large blocks are fresh pages, touched only as they fill.) The map starts at @p map_slots and
 * grows: a sparse one would miss the cache at every lookup.
 */
static int geo_build_init(struct geo_build *b, char **orgs, size_t *orgs_len, size_t *orgs_cap, uint32_t max_ranges,
			  uint32_t map_slots)
{
	memset(b, 0, sizeof(*b));
	b->orgs = orgs;
	b->orgs_len = orgs_len;
	b->orgs_cap = orgs_cap;
	if (geo_map_init(&b->by_key, map_slots) != 0)
		return -ENOMEM;
	if (geo_grow((void **)&b->ranges, &b->cap_ranges, max_ranges, sizeof(b->ranges[0])) != 0 ||
	    geo_grow((void **)&b->answers, &b->cap_answers, max_ranges + 1, sizeof(b->answers[0])) != 0)
		return max_ranges >= GEO_INDEX_MAX_RANGES ? -E2BIG : -ENOMEM;      /* the answers need one more */
	memset(&b->answers[0], 0, sizeof(b->answers[0]));
	b->n_answers = 1;
	return 0;
}

/* Slots for a map of about @p entries: a power of two, at least twice as many (the pairs are about as many as
 * the ASN database's answers: each AS is mostly in one country). */
static uint32_t geo_map_slots_for(uint32_t entries)
{
	uint32_t n = 1024;

	while (n < 2 * (uint64_t)entries && n < (1u << 26))
		n *= 2;
	return n;
}

static void geo_build_free(struct geo_build *b)
{
	free(b->ranges);
	free(b->answers);
	geo_map_free(&b->by_key);
	geo_map_free(&b->by_record);
	free(b->by_offset);
}

/* Append a range; one that gives the same answer as the range before it only extends it. */
static int geo_build_range(struct geo_build *b, uint32_t start, uint32_t answer)
{
	if (b->n_ranges > 0 && b->ranges[b->n_ranges - 1].answer == answer)
		return 0;
	if (geo_grow((void **)&b->ranges, &b->cap_ranges, b->n_ranges + 1, sizeof(b->ranges[0])) != 0)
		return -ENOMEM;
	b->ranges[b->n_ranges].start = start;
	b->ranges[b->n_ranges].answer = answer;
	b->n_ranges++;
	return 0;
}

static int geo_build_answer(struct geo_build *b, const struct geo_index_answer *a, uint32_t *id)
{
	if (geo_grow((void **)&b->answers, &b->cap_answers, b->n_answers + 1, sizeof(b->answers[0])) != 0)
		return -ENOMEM;
	b->answers[b->n_answers] = *a;
	*id = b->n_answers++;
	return 0;
}

static int geo_build_org(struct geo_build *b, const char *org, size_t len, uint32_t *offset)
{
	if (*b->orgs_len + len > UINT32_MAX)
		return -E2BIG;
	if (*b->orgs_len + len > *b->orgs_cap) {
		size_t cap = *b->orgs_cap ? *b->orgs_cap : 65536;
		char *p;

		while (cap < *b->orgs_len + len)
			cap *= 2;
		p = realloc(*b->orgs, cap);
		if (p == NULL)
			return -ENOMEM;
		*b->orgs = p;
		*b->orgs_cap = cap;
	}
	memcpy(*b->orgs + *b->orgs_len, org, len);
	*offset = (uint32_t)*b->orgs_len;
	*b->orgs_len += len;
	return 0;
}

/* The answer of a data record, decoded once per record however many networks point at it. */
static int geo_build_record(struct geo_build *b, const struct geo_source *src, enum pt_geo_kind kind,
			    MMDB_entry_s *entry, uint32_t *id)
{
	struct pt_geo_result res;
	struct geo_index_answer a;
	int rc;

	/* Every record has its slot, by offset: records are laid out about in address order, so this is local. */
	if (entry->offset < b->n_by_offset && b->by_offset[entry->offset] != 0) {
		*id = b->by_offset[entry->offset] - 1;
		return 0;
	}
	if (b->by_record.slots != NULL && geo_map_get(&b->by_record, entry->offset, id))
		return 0;
	memset(&res, 0, sizeof(res));
	rc = geo_fill(src, kind, entry, &res);
	memset(&a, 0, sizeof(a));
	a.flags = res.flags;
	a.error = rc < 0;
	a.as_number = res.as_number;
	memcpy(a.country, res.country_iso_code, 2);
	if (res.flags & PT_GEO_F_AS_ORG) {
		a.org_len = (uint8_t)strlen(res.as_organization);
		if (geo_build_org(b, res.as_organization, a.org_len, &a.org_offset) != 0)
			return -ENOMEM;
	}
	if (geo_build_answer(b, &a, id) != 0)
		return -ENOMEM;
	if (entry->offset < b->n_by_offset)
		b->by_offset[entry->offset] = *id + 1;
	else if (b->by_record.slots != NULL && geo_map_put(&b->by_record, entry->offset, *id) != 0)
		return -ENOMEM;
	return 0;
}

/* A record of the search tree, waiting to be visited: a node, or a leaf covering @p start/@p depth. */
struct geo_walk_item {
	uint32_t record;     /* a node number, or (a leaf) the record's value */
	uint32_t offset;     /* a data record's offset in the data section */
	uint32_t start;
	uint8_t type;
	uint8_t depth;
};

/* The node (or leaf) where the IPv4 space starts: the root of an IPv4 tree, ::/96 of an IPv6 tree. */
static int geo_walk_ipv4_root(const MMDB_s *mmdb, struct geo_walk_item *root)
{
	memset(root, 0, sizeof(*root));
	root->type = MMDB_RECORD_TYPE_SEARCH_NODE;
	if (mmdb->metadata.ip_version != 6)
		return 0;
	for (int bit = 0; bit < 96; bit++) {
		MMDB_search_node_s node;

		if (MMDB_read_node(mmdb, (uint32_t)root->record, &node) != MMDB_SUCCESS)
			return -EBADMSG;
		root->record = (uint32_t)node.left_record;
		root->type = node.left_record_type;
		root->offset = node.left_record_entry.offset;
		if (root->type != MMDB_RECORD_TYPE_SEARCH_NODE)
			break;
	}
	return 0;
}

/*
 * Walk the IPv4 part of one database's tree in address order, appending a range for each leaf. A tree that
 * is deeper than 32 bits, points outside the file or reaches a node twice (a valid tree visits each node once;
 * noise can make a cycle that would take 2^32 steps) fails the build (-EBADMSG): its lookups keep the tree
 * walk, which reports such errors one address at a time.
 */
static int geo_walk(struct geo_build *b, const struct geo_source *src, enum pt_geo_kind kind, const bool *cancel)
{
	struct geo_walk_item stack[2 * 34];
	uint32_t depth = 0, visits = 0;

	if (src == NULL)
		return geo_build_range(b, 0, 0);
	if (geo_walk_ipv4_root(&src->mmdb, &stack[0]) != 0)
		return -EBADMSG;
	depth = 1;
	while (depth > 0) {
		struct geo_walk_item it = stack[--depth];
		MMDB_search_node_s node;
		MMDB_entry_s entry;
		uint32_t answer = 0;

		if ((visits & 4095) == 0 && __atomic_load_n(cancel, __ATOMIC_RELAXED))
			return -ECANCELED;
		switch (it.type) {
		case MMDB_RECORD_TYPE_SEARCH_NODE:
			if (it.depth >= 32 || ++visits > src->mmdb.metadata.node_count ||
			    MMDB_read_node(&src->mmdb, (uint32_t)it.record, &node) != MMDB_SUCCESS)
				return -EBADMSG;
			/* Right first on the stack, so that the left half is visited first. */
			stack[depth++] = (struct geo_walk_item){ (uint32_t)node.right_record, node.right_record_entry.offset,
				it.start | (1u << (31 - it.depth)), node.right_record_type, (uint8_t)(it.depth + 1) };
			stack[depth++] = (struct geo_walk_item){ (uint32_t)node.left_record, node.left_record_entry.offset,
				it.start, node.left_record_type, (uint8_t)(it.depth + 1) };
			continue;
		case MMDB_RECORD_TYPE_EMPTY:
			break;
		case MMDB_RECORD_TYPE_DATA:
			entry = (MMDB_entry_s){ .mmdb = &src->mmdb, .offset = it.offset };
			if (geo_build_record(b, src, kind, &entry, &answer) != 0)
				return -ENOMEM;
			break;
		default:
			return -EBADMSG;
		}
		if (geo_build_range(b, it.start, answer) != 0)
			return -ENOMEM;
	}
	return 0;
}

/* The answer for a country answer and an ASN answer together, made once per distinct pair. */
/* The pair an ASN answer was last met with: most ASes are in one country, so this answers most lookups. */
struct geo_pair_memo {
	uint32_t country_plus1;   /* 0: none yet */
	uint32_t pair;
};

static int geo_build_pair(struct geo_build *m, const struct geo_build *country, uint32_t c,
			  const struct geo_build *asn, uint32_t a, struct geo_pair_memo *memo, uint32_t *id)
{
	const struct geo_index_answer *ca = &country->answers[c], *aa = &asn->answers[a];
	struct geo_index_answer both;
	uint64_t key = (uint64_t)c << 32 | a;

	if (memo[a].country_plus1 == c + 1) {
		*id = memo[a].pair;
		return 0;
	}
	if (geo_map_get(&m->by_key, key, id))
		goto remember;
	both = *aa;
	both.flags = (uint8_t)(ca->flags | aa->flags);
	both.error = ca->error | aa->error;
	memcpy(both.country, ca->country, 2);
	if (geo_build_answer(m, &both, id) != 0 || geo_map_put(&m->by_key, key, *id) != 0)
		return -ENOMEM;
remember:
	memo[a].country_plus1 = c + 1;
	memo[a].pair = *id;
	return 0;
}

/* Cut the two databases' ranges where either changes its answer. */
static int geo_merge(struct geo_build *m, const struct geo_build *country, const struct geo_build *asn)
{
	struct geo_pair_memo *memo = calloc(asn->n_answers, sizeof(*memo));
	uint32_t i = 0, j = 0;
	uint64_t pos = 0;
	int rc = -ENOMEM;

	if (memo == NULL || geo_map_put(&m->by_key, 0, 0) != 0)   /* nothing and nothing: answer 0 */
		goto done;
	while (pos <= UINT32_MAX) {
		uint64_t next_c = i + 1 < country->n_ranges ? country->ranges[i + 1].start : 1ull << 32;
		uint64_t next_a = j + 1 < asn->n_ranges ? asn->ranges[j + 1].start : 1ull << 32;
		uint32_t id;

		if (geo_build_pair(m, country, country->ranges[i].answer, asn, asn->ranges[j].answer, memo, &id) != 0 ||
		    geo_build_range(m, (uint32_t)pos, id) != 0)
			goto done;
		pos = next_c < next_a ? next_c : next_a;
		if (pos == next_c)
			i++;
		if (pos == next_a)
			j++;
	}
	rc = 0;
done:
	free(memo);
	return rc;
}

void geo_index_free(struct geo_index *ix)
{
	if (ix == NULL)
		return;
	free(ix->ranges);
	free(ix->answers);
	free(ix->orgs);
	free(ix);
}

static uint64_t geo_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int geo_index_build(const struct geo_slot slot[GEO_KINDS], struct geo_index **out, char *info, size_t info_len,
		    const bool *cancel)
{
	struct geo_build one[GEO_KINDS], merged;
	struct geo_index *ix = NULL;
	char *orgs = NULL;
	size_t orgs_len = 0, orgs_cap = 0;
	uint64_t t0 = geo_mono_ms();
	int rc = -ENOMEM;

	*out = NULL;
	info[0] = '\0';
	if (slot[PT_GEO_COUNTRY].src == NULL && slot[PT_GEO_ASN].src == NULL)
		return 0;
	memset(one, 0, sizeof(one));
	memset(&merged, 0, sizeof(merged));
	/* Bounds known up front: a tree of N nodes has at most N + 1 leaves, and the organisations of distinct
	 * records are strings of the data section, so they fit in its size. */
	for (int k = 0; k < GEO_KINDS; k++)
		if (slot[k].src != NULL)
			orgs_cap += slot[k].src->mmdb.data_section_size;
	orgs = malloc(orgs_cap + 1);
	if (orgs == NULL)
		goto done;
	for (int k = 0; k < GEO_KINDS; k++) {
		uint32_t nodes = slot[k].src != NULL ? slot[k].src->mmdb.metadata.node_count : 0;

		rc = geo_build_init(&one[k], &orgs, &orgs_len, &orgs_cap, nodes + 2, 1024);
		if (rc == 0 && slot[k].src != NULL && slot[k].src->mmdb.data_section_size <= GEO_BY_OFFSET_MAX) {
			one[k].n_by_offset = slot[k].src->mmdb.data_section_size;
			one[k].by_offset = calloc((size_t)one[k].n_by_offset + 1, sizeof(uint32_t));
			if (one[k].by_offset == NULL)
				rc = -ENOMEM;
		} else if (rc == 0 && slot[k].src != NULL) {
			rc = geo_map_init(&one[k].by_record, 1u << 16);
		}
		if (rc == 0)
			rc = geo_walk(&one[k], slot[k].src, (enum pt_geo_kind)k, cancel);
		if (rc != 0)
			goto done;
	}
	rc = geo_build_init(&merged, &orgs, &orgs_len, &orgs_cap, one[0].n_ranges + one[1].n_ranges,
			    geo_map_slots_for(one[PT_GEO_ASN].n_answers));
	if (rc == 0)
		rc = geo_merge(&merged, &one[PT_GEO_COUNTRY], &one[PT_GEO_ASN]);
	if (rc != 0)
		goto done;
	ix = calloc(1, sizeof(*ix));
	if (ix == NULL) {
		rc = -ENOMEM;
		goto done;
	}
	for (uint32_t s = 0, r = 0; s < GEO_INDEX_SLOTS; s++) {
		uint32_t addr = s << 16;

		while (r + 1 < merged.n_ranges && merged.ranges[r + 1].start <= addr)
			r++;
		ix->first[s] = r;
	}
	ix->ranges = merged.ranges;
	ix->n_ranges = merged.n_ranges;
	ix->answers = merged.answers;
	ix->n_answers = merged.n_answers;
	ix->orgs = orgs;
	ix->orgs_len = orgs_len;
	merged.ranges = NULL;
	merged.answers = NULL;
	orgs = NULL;
	snprintf(info, info_len, "IPv4 index: %u ranges, %u distinct answers, %.1f MiB, built in %llu ms", ix->n_ranges,
		 ix->n_answers, (double)(sizeof(*ix) + (size_t)ix->n_ranges * sizeof(ix->ranges[0]) +
		 (size_t)ix->n_answers * sizeof(ix->answers[0]) + ix->orgs_len) / (1024.0 * 1024.0),
		 (unsigned long long)(geo_mono_ms() - t0));
	*out = ix;
	rc = 0;
done:
	if (rc != 0)
		snprintf(info, info_len, "IPv4 index: not built (%s); IPv4 lookups walk the databases' trees",
			 rc == -EBADMSG ? "a search tree is corrupt" : rc == -E2BIG ? "too many ranges" :
			 rc == -ECANCELED ? "the handle was freed first" : strerror(-rc));
	for (int k = 0; k < GEO_KINDS; k++)
		geo_build_free(&one[k]);
	geo_build_free(&merged);
	free(orgs);
	return rc;
}

int geo_index_lookup(const struct geo_index *ix, const uint8_t addr4[4], struct pt_geo_result *res,
		     uint8_t *prefix_bits)
{
	uint32_t addr = (uint32_t)addr4[0] << 24 | (uint32_t)addr4[1] << 16 | (uint32_t)addr4[2] << 8 | addr4[3];
	uint32_t s = addr >> 16;
	uint32_t lo = ix->first[s], hi = s + 1 < GEO_INDEX_SLOTS ? ix->first[s + 1] : ix->n_ranges - 1;
	const struct geo_index_answer *a;
	uint64_t start, end;

	/* The last range starting at or before addr: ranges[lo] holds a.b.0.0, ranges[hi] the next /16's start. */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo + 1) / 2;

		if (ix->ranges[mid].start <= addr)
			lo = mid;
		else
			hi = mid - 1;
	}
	a = &ix->answers[ix->ranges[lo].answer];
	start = ix->ranges[lo].start;
	end = lo + 1 < ix->n_ranges ? ix->ranges[lo + 1].start : 1ull << 32;

	/* The biggest aligned network around addr inside the range. */
	uint8_t bits = 0;
	while (bits < 32) {
		uint64_t size = 1ull << (32 - bits);
		uint64_t net = addr & ~(size - 1);

		if (net >= start && net + size <= end)
			break;
		bits++;
	}
	*prefix_bits = a->error ? 32 : bits;   /* an error is not a property of the network */

	res->flags = a->flags;
	res->as_number = a->as_number;
	memcpy(res->country_iso_code, a->country, 2);
	res->country_iso_code[a->flags & PT_GEO_F_COUNTRY ? 2 : 0] = '\0';
	if (a->org_len > 0)   /* without any organisation the pool is NULL */
		memcpy(res->as_organization, ix->orgs + a->org_offset, a->org_len);
	res->as_organization[a->org_len] = '\0';
	if (a->flags != 0)
		return 0;
	return a->error ? -EIO : -ENOENT;
}
