/* SPDX-License-Identifier: BSD-3-Clause */
/* test_geo_cache.c - The per-worker cache: hits and misses, cached "not found", eviction, generations. */
#include "geo_test.h"

static struct geo_test_dir dir;
static struct pt_geo_db *db;

/*
 * A handle whose IPv4 index is not built (never started here, as before pt_geo_start_index() or when it cannot be
 * built): IPv4 lookups then go through the cache and walk the trees, which is what these tests are about
 * (test_geo_index.c tests the index).
 */
static struct pt_geo_db *unindexed(struct pt_geo_db *h)
{
	assert_false(pt_geo_db_indexed(h));
	return h;
}

static int setup(void **state)
{
	char country[160], asn[160];

	(void)state;
	if (geo_test_dir_make(&dir) != 0)
		return -1;
	if (geo_test_write(&dir, "file %D/country.mmdb GeoLite2-Country\n"
				 "203.0.113.0/24 {\"country\":{\"iso_code\":\"JP\"}}\n"
				 "198.51.100.0/24 {\"country\":{\"iso_code\":\"BR\"}}\n"
				 "2001:db8:1::/48 {\"country\":{\"iso_code\":\"DE\"}}\n"
				 "file %D/asn.mmdb GeoLite2-ASN\n"
				 "203.0.113.0/24 {\"autonomous_system_number\":64500,"
				 "\"autonomous_system_organization\":\"Example Transit\"}\n") != 0)
		return -1;
	db = unindexed(pt_geo_db_open(geo_test_path(&dir, "country.mmdb", country), geo_test_path(&dir, "asn.mmdb", asn)));
	return db != NULL && pt_geo_db_loaded(db, PT_GEO_COUNTRY) && pt_geo_db_loaded(db, PT_GEO_ASN) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	pt_geo_db_free(db);
	geo_test_dir_remove(&dir);
	return 0;
}

static void expect_stats(const struct pt_geo_cache *cache, uint64_t lookups, uint64_t hits, uint64_t misses)
{
	struct pt_geo_cache_stats st;

	pt_geo_cache_stats(cache, &st);
	assert_int_equal(st.lookups, lookups);
	assert_int_equal(st.hits, hits);
	assert_int_equal(st.misses, misses);
	assert_int_equal(st.errors, 0);
}

static void test_create(void **state)
{
	struct pt_geo_cache_stats st;

	(void)state;
	assert_null(pt_geo_cache_create(0));
	assert_null(pt_geo_cache_create((1u << 24) + 1));
	struct pt_geo_cache *cache = pt_geo_cache_create(3);
	assert_non_null(cache);
	expect_stats(cache, 0, 0, 0);
	pt_geo_cache_free(cache);
	pt_geo_cache_free(NULL);
	pt_geo_cache_stats(NULL, &st);
	assert_int_equal(st.lookups, 0);
}

static void test_hits_and_misses(void **state)
{
	struct pt_geo_cache *cache = pt_geo_cache_create(1024);
	struct pt_geo_result res;

	(void)state;
	assert_non_null(cache);
	assert_int_equal(geo_test_cached(cache, db, "203.0.113.7", &res), 0);
	assert_string_equal(res.country_iso_code, "JP");
	assert_int_equal(res.as_number, 64500);
	expect_stats(cache, 1, 0, 1);

	/* The same address again: from the cache, with every field. */
	memset(&res, 0x55, sizeof(res));
	assert_int_equal(geo_test_cached(cache, db, "203.0.113.7", &res), 0);
	assert_int_equal(res.flags, PT_GEO_F_COUNTRY | PT_GEO_F_AS_NUMBER | PT_GEO_F_AS_ORG);
	assert_string_equal(res.country_iso_code, "JP");
	assert_int_equal(res.as_number, 64500);
	assert_string_equal(res.as_organization, "Example Transit");
	expect_stats(cache, 2, 1, 1);

	assert_int_equal(geo_test_cached(cache, db, "2001:db8:1::99", &res), 0);
	assert_string_equal(res.country_iso_code, "DE");
	assert_int_equal(res.flags, PT_GEO_F_COUNTRY);
	assert_int_equal(geo_test_cached(cache, db, "2001:db8:1::99", &res), 0);
	assert_string_equal(res.country_iso_code, "DE");
	expect_stats(cache, 4, 2, 2);

	/* "Not found" is cached too: the database is asked once. */
	assert_int_equal(geo_test_cached(cache, db, "8.8.4.4", &res), -ENOENT);
	assert_int_equal(res.flags, 0);
	assert_int_equal(geo_test_cached(cache, db, "8.8.4.4", &res), -ENOENT);
	assert_int_equal(res.flags, 0);
	assert_string_equal(res.country_iso_code, "");
	expect_stats(cache, 6, 3, 3);

	/* IPv4-mapped IPv6 is the same key as IPv4; garbage after an IPv4 address is not part of the key. */
	assert_int_equal(geo_test_cached(cache, db, "::ffff:203.0.113.7", &res), 0);
	assert_string_equal(res.country_iso_code, "JP");
	uint8_t addr[16] = {203, 0, 113, 7, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8};
	assert_int_equal(pt_geo_cache_lookup(cache, db, 4, addr, &res), 0);
	assert_string_equal(res.country_iso_code, "JP");
	expect_stats(cache, 8, 5, 3);

	/* IPv4 1.2.3.4 and IPv6 ::102:304 are different keys. */
	assert_int_equal(geo_test_cached(cache, db, "1.2.3.4", &res), -ENOENT);
	assert_int_equal(geo_test_cached(cache, db, "::102:304", &res), -ENOENT);
	expect_stats(cache, 10, 5, 5);
	pt_geo_cache_free(cache);
}

static void test_eviction(void **state)
{
	struct pt_geo_cache *cache = pt_geo_cache_create(1);
	struct pt_geo_result res;

	(void)state;
	assert_non_null(cache);
	/* One entry: each new address evicts the previous one. */
	assert_int_equal(geo_test_cached(cache, db, "203.0.113.7", &res), 0);
	assert_int_equal(geo_test_cached(cache, db, "198.51.100.7", &res), 0);
	assert_string_equal(res.country_iso_code, "BR");
	assert_int_equal(geo_test_cached(cache, db, "203.0.113.7", &res), 0);
	assert_string_equal(res.country_iso_code, "JP");
	assert_int_equal(geo_test_cached(cache, db, "203.0.113.7", &res), 0);
	expect_stats(cache, 4, 1, 3);
	pt_geo_cache_free(cache);

	/* A bigger cache holds a small working set: 64 addresses in 4096 entries, looked up 10 times each,
	 * miss about once each (direct-mapped, so a collision or two is allowed). */
	cache = pt_geo_cache_create(4096);
	assert_non_null(cache);
	for (int round = 0; round < 10; round++) {
		for (int i = 0; i < 64; i++) {
			uint8_t addr[16] = {203, 0, 113, (uint8_t)i};
			assert_int_equal(pt_geo_cache_lookup(cache, db, 4, addr, &res), 0);
			assert_string_equal(res.country_iso_code, "JP");
		}
	}
	struct pt_geo_cache_stats st;
	pt_geo_cache_stats(cache, &st);
	assert_int_equal(st.lookups, 640);
	assert_true(st.misses >= 64 && st.misses <= 64 + 20);
	assert_int_equal(st.hits + st.misses, 640);

	/* More addresses than entries: every lookup still answers correctly. */
	pt_geo_cache_free(cache);
	cache = pt_geo_cache_create(16);
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 256; i++) {
			uint8_t addr[16] = {(uint8_t)(i & 1 ? 203 : 198), (uint8_t)(i & 1 ? 0 : 51), (uint8_t)(i & 1 ? 113 : 100),
					    (uint8_t)i};
			assert_int_equal(pt_geo_cache_lookup(cache, db, 4, addr, &res), 0);
			assert_string_equal(res.country_iso_code, i & 1 ? "JP" : "BR");
		}
	}
	pt_geo_cache_stats(cache, &st);
	assert_true(st.misses > 256);
	pt_geo_cache_free(cache);
}

static uint64_t network_hits(const struct pt_geo_cache *cache)
{
	struct pt_geo_cache_stats st;

	pt_geo_cache_stats(cache, &st);
	return st.network_hits;
}

/*
 * A result that holds for a whole /16 is found by every address of the /16 (a flood of new sources), but a /16
 * that the databases split must never be answered from one of its addresses.
 */
static void test_network_entries(void **state)
{
	struct geo_test_dir d;
	struct pt_geo_db *big;
	struct pt_geo_cache *cache = pt_geo_cache_create(1024);
	struct pt_geo_result res;
	char country[160], asn[160];

	(void)state;
	assert_non_null(cache);
	assert_int_equal(geo_test_dir_make(&d), 0);
	assert_int_equal(geo_test_write(&d, "file %D/country.mmdb GeoLite2-Country\n"
					   "20.0.0.0/8 {\"country\":{\"iso_code\":\"US\"}}\n"
					   "30.1.0.0/24 {\"country\":{\"iso_code\":\"FR\"}}\n"
					   "30.1.1.0/24 {\"country\":{\"iso_code\":\"IT\"}}\n"
					   "file %D/asn.mmdb GeoLite2-ASN\n"
					   "20.0.0.0/12 {\"autonomous_system_number\":64501}\n"
					   "20.16.0.0/16 {\"autonomous_system_number\":64502}\n"
					   "20.17.0.0/17 {\"autonomous_system_number\":64503}\n"), 0);
	big = unindexed(pt_geo_db_open(geo_test_path(&d, "country.mmdb", country), geo_test_path(&d, "asn.mmdb", asn)));
	assert_non_null(big);

	/* 20.5/16 is inside a /8 and a /12: the first address fills the /16's entry, the next ones find it. */
	assert_int_equal(geo_test_cached(cache, big, "20.5.0.1", &res), 0);
	assert_int_equal(network_hits(cache), 0);
	for (int i = 2; i < 50; i++) {
		uint8_t addr[16] = {20, 5, (uint8_t)(i * 5), (uint8_t)i};

		assert_int_equal(pt_geo_cache_lookup(cache, big, 4, addr, &res), 0);
		assert_string_equal(res.country_iso_code, "US");
		assert_int_equal(res.as_number, 64501);
	}
	assert_int_equal(network_hits(cache), 48);
	/* A /16 network in one database is still a whole /16. */
	assert_int_equal(geo_test_cached(cache, big, "20.16.1.1", &res), 0);
	assert_int_equal(geo_test_cached(cache, big, "20.16.200.9", &res), 0);
	assert_int_equal(res.as_number, 64502);
	assert_int_equal(network_hits(cache), 49);
	/* 20.17/16 is split by the ASN database (a /17 and nothing): no network entry, each half answers for itself. */
	assert_int_equal(geo_test_cached(cache, big, "20.17.1.1", &res), 0);
	assert_int_equal(res.as_number, 64503);
	assert_int_equal(geo_test_cached(cache, big, "20.17.200.1", &res), 0);
	assert_int_equal(res.flags, PT_GEO_F_COUNTRY);
	assert_int_equal(res.as_number, 0);
	assert_string_equal(res.country_iso_code, "US");
	assert_int_equal(network_hits(cache), 49);
	/* 30.1/16 is split into /24s of different countries; the empty rest of it is its own answer. */
	assert_int_equal(geo_test_cached(cache, big, "30.1.0.7", &res), 0);
	assert_string_equal(res.country_iso_code, "FR");
	assert_int_equal(geo_test_cached(cache, big, "30.1.1.7", &res), 0);
	assert_string_equal(res.country_iso_code, "IT");
	assert_int_equal(geo_test_cached(cache, big, "30.1.9.7", &res), -ENOENT);
	assert_int_equal(geo_test_cached(cache, big, "30.1.0.8", &res), 0);
	assert_string_equal(res.country_iso_code, "FR");
	assert_int_equal(network_hits(cache), 49);
	/* A new handle generation does not reuse network entries either. */
	struct pt_geo_db *asn_only = unindexed(pt_geo_db_open("", asn));
	struct pt_geo_published *pub = pt_geo_published_create(big, 1);

	assert_non_null(asn_only);
	assert_non_null(pub);
	assert_int_equal(pt_geo_publish(pub, asn_only), 0);
	assert_int_equal(geo_test_cached(cache, pt_geo_current(pub), "20.5.0.9", &res), 0);
	assert_int_equal(res.flags, PT_GEO_F_AS_NUMBER);
	assert_int_equal(network_hits(cache), 49);
	pt_geo_published_free(pub);
	pt_geo_cache_free(cache);
	geo_test_dir_remove(&d);
}

/* An entry is only used for the handle generation that filled it. */
static void test_generation(void **state)
{
	struct pt_geo_cache *cache = pt_geo_cache_create(64);
	struct pt_geo_db *db2 = pt_geo_db_open("", "");
	struct pt_geo_published *pub;
	struct pt_geo_result res;
	char asn[160], country[160];

	(void)state;
	assert_non_null(cache);
	assert_non_null(db2);
	pub = pt_geo_published_create(db2, 1);
	assert_non_null(pub);
	/* A handle without databases finds nothing and does not touch the cache. */
	assert_int_equal(geo_test_cached(cache, pt_geo_current(pub), "203.0.113.7", &res), -ENOENT);
	assert_int_equal(geo_test_cached(cache, NULL, "203.0.113.7", &res), -ENOENT);
	expect_stats(cache, 2, 0, 0);

	/* Generation 2: ASN only. */
	struct pt_geo_db *next = unindexed(pt_geo_db_open("", geo_test_path(&dir, "asn.mmdb", asn)));
	assert_int_equal(pt_geo_publish(pub, next), 0);
	const struct pt_geo_db *cur = pt_geo_current(pub);
	assert_int_equal(pt_geo_db_generation(cur), 2);
	assert_int_equal(geo_test_cached(cache, cur, "203.0.113.7", &res), 0);
	assert_int_equal(res.flags, PT_GEO_F_AS_NUMBER | PT_GEO_F_AS_ORG);
	assert_int_equal(geo_test_cached(cache, cur, "203.0.113.7", &res), 0);
	expect_stats(cache, 4, 1, 1);

	/* Generation 3: country and ASN; the cached generation-2 answer is not reused. */
	next = unindexed(pt_geo_db_open(geo_test_path(&dir, "country.mmdb", country), asn));
	assert_int_equal(pt_geo_publish(pub, next), 0);
	cur = pt_geo_current(pub);
	assert_int_equal(pt_geo_db_generation(cur), 3);
	assert_int_equal(geo_test_cached(cache, cur, "203.0.113.7", &res), 0);
	assert_int_equal(res.flags, PT_GEO_F_COUNTRY | PT_GEO_F_AS_NUMBER | PT_GEO_F_AS_ORG);
	assert_string_equal(res.country_iso_code, "JP");
	expect_stats(cache, 5, 1, 2);

	assert_int_equal(geo_test_cached(cache, NULL, "203.0.113.7", &res), -ENOENT);
	assert_int_equal(pt_geo_cache_lookup(cache, cur, 7, (const uint8_t[16]){0}, &res), -EINVAL);
	assert_int_equal(pt_geo_cache_lookup(NULL, cur, 4, (const uint8_t[16]){0}, &res), -EINVAL);
	pt_geo_published_free(pub);
	pt_geo_cache_free(cache);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create),
		cmocka_unit_test(test_hits_and_misses),
		cmocka_unit_test(test_eviction),
		cmocka_unit_test(test_generation),
		cmocka_unit_test(test_network_entries),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
