/* SPDX-License-Identifier: BSD-3-Clause */
/* test_geo_index.c - The flat IPv4 index gives every address the answer the search trees give, on random databases. */
#include "geo_test.h"
#include "geo_priv.h"
#include "pt_util.h"

static struct geo_test_dir dir;
static uint32_t rng = 2463534242u;

static uint32_t next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

/* The networks written into the databases, to test their edges. */
static uint32_t edges[4096];
static unsigned n_edges;

static void note_network(uint32_t start, unsigned bits)
{
	uint32_t last = start | (bits == 0 ? UINT32_MAX : (uint32_t)((1ull << (32 - bits)) - 1));

	if (n_edges + 2 <= PT_ARRAY_SIZE(edges)) {
		edges[n_edges++] = start;
		edges[n_edges++] = last;
	}
}

/* One random network line: clustered in a few /8s so that networks nest and overlap (a later one wins). */
static int random_network(char *buf, size_t len, uint32_t *start, unsigned *bits)
{
	static const uint8_t firsts[] = {20, 45, 81, 130, 185, 203};
	uint32_t r = next_random();

	*bits = 8 + next_random() % 23;
	*start = ((uint32_t)firsts[r % sizeof(firsts)] << 24 | (next_random() & 0xffffff)) &
		 (uint32_t)(~0ull << (32 - *bits));
	note_network(*start, *bits);
	return snprintf(buf, len, "%u.%u.%u.%u/%u ", *start >> 24, (*start >> 16) & 255, (*start >> 8) & 255,
			*start & 255, *bits);
}

/*
 * Write a random country database and a random ASN database: codes in both cases and some that are not
 * countries, AS numbers with and without organisations, organisations that are UTF-8, long, or alone.
 */
static void write_random_databases(const char *country_header, const char *asn_header, unsigned networks)
{
	static const char *const codes[] = {"JP", "de", "US", "FR", "BR", "1X", "AU", "CN", "ZA", "ca"};
	static const char *const orgs[] = {"Example Transit", "Soci\\u00e9t\\u00e9 G\\u00e9n\\u00e9rale \\u65e5\\u672c",
		"A very long organisation name that goes on and on, well past the one hundred and twenty-seven bytes "
		"that podtap keeps of it, to be cut", "", "X"};
	size_t cap = 256 + (size_t)networks * 400, used = 0;
	char *spec = malloc(cap);
	uint32_t start;
	unsigned bits;

	assert_non_null(spec);
	used += (size_t)snprintf(spec + used, cap - used, "file %%D/country.mmdb %s\n", country_header);
	for (unsigned i = 0; i < networks; i++) {
		used += (size_t)random_network(spec + used, cap - used, &start, &bits);
		used += (size_t)snprintf(spec + used, cap - used, "{\"country\":{\"iso_code\":\"%s\"}}\n",
					 codes[next_random() % PT_ARRAY_SIZE(codes)]);
	}
	used += (size_t)snprintf(spec + used, cap - used, "file %%D/asn.mmdb %s\n", asn_header);
	for (unsigned i = 0; i < networks; i++) {
		uint32_t kind = next_random() % 4;

		used += (size_t)random_network(spec + used, cap - used, &start, &bits);
		if (kind == 0)
			used += (size_t)snprintf(spec + used, cap - used, "{\"autonomous_system_number\":%u}\n",
						 1 + next_random() % 400000);
		else if (kind == 1)
			used += (size_t)snprintf(spec + used, cap - used, "{\"autonomous_system_organization\":\"%s\"}\n",
						 orgs[next_random() % PT_ARRAY_SIZE(orgs)]);
		else
			used += (size_t)snprintf(spec + used, cap - used, "{\"autonomous_system_number\":%u,"
						 "\"autonomous_system_organization\":\"%s\"}\n", 1 + next_random() % 400000,
						 orgs[next_random() % PT_ARRAY_SIZE(orgs)]);
	}
	assert_true(used < cap);
	assert_int_equal(geo_test_write(&dir, spec), 0);
	free(spec);
}

static void expect_same_result(const struct pt_geo_result *a, int rc_a, const struct pt_geo_result *b, int rc_b,
			       uint32_t addr)
{
	if (rc_a != rc_b || a->flags != b->flags || a->as_number != b->as_number ||
	    strcmp(a->country_iso_code, b->country_iso_code) != 0 || strcmp(a->as_organization, b->as_organization) != 0)
		fail_msg("%u.%u.%u.%u: index rc %d flags %u %s AS%u '%s', trees rc %d flags %u %s AS%u '%s'", addr >> 24,
			 (addr >> 16) & 255, (addr >> 8) & 255, addr & 255, rc_a, a->flags, a->country_iso_code,
			 a->as_number, a->as_organization, rc_b, b->flags, b->country_iso_code, b->as_number,
			 b->as_organization);
}

static void put_addr(uint32_t addr, uint8_t out[16])
{
	memset(out, 0, 16);
	out[0] = (uint8_t)(addr >> 24);
	out[1] = (uint8_t)(addr >> 16);
	out[2] = (uint8_t)(addr >> 8);
	out[3] = (uint8_t)addr;
}

/*
 * The index's answer for @p addr equals the trees', its network is no smaller than the trees' one (ranges merge
 * networks, never split them), and the trees give the same answer at both ends of that network.
 */
static void check_address(const struct pt_geo_db *db, uint32_t addr)
{
	struct pt_geo_result ri, rt, re;
	uint8_t a[16], bits_i, bits_t, bits_e;
	int rc_i, rc_t;

	put_addr(addr, a);
	rc_i = pt_geo_db_lookup_prefix(db, 4, a, &ri, &bits_i);
	rc_t = geo_db_lookup_trees(db, 4, a, &rt, &bits_t);
	expect_same_result(&ri, rc_i, &rt, rc_t, addr);
	assert_true(bits_i <= bits_t);

	uint32_t mask = bits_i == 0 ? 0 : (uint32_t)(~0ull << (32 - bits_i));
	uint32_t ends[2] = {addr & mask, addr | ~mask};
	for (int e = 0; e < 2; e++) {
		put_addr(ends[e], a);
		expect_same_result(&ri, rc_i, &re, geo_db_lookup_trees(db, 4, a, &re, &bits_e), ends[e]);
	}

	/* ::ffff:a.b.c.d is the same address. */
	uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	put_addr(addr, a);
	memcpy(mapped + 12, a, 4);
	expect_same_result(&ri, rc_i, &re, pt_geo_db_lookup(db, 6, mapped, &re), addr);
}

static void check_database(struct pt_geo_db *db, unsigned random_addresses)
{
	pt_geo_db_wait_index(db);
	assert_false(pt_geo_db_index_pending(db));
	assert_true(pt_geo_db_indexed(db));
	assert_non_null(strstr(pt_geo_db_describe_index(db), "IPv4 index: "));
	for (unsigned i = 0; i < n_edges; i++) {
		check_address(db, edges[i]);
		check_address(db, edges[i] - 1);
		check_address(db, edges[i] + 1);
	}
	check_address(db, 0);
	check_address(db, UINT32_MAX);
	for (unsigned i = 0; i < random_addresses; i++) {
		uint32_t r = next_random();

		/* Half anywhere, half in the /8s the networks are in. */
		check_address(db, i & 1 ? r : (uint32_t)(edges[r % n_edges] & 0xff000000u) | (next_random() & 0xffffff));
	}
}

static int setup(void **state)
{
	(void)state;
	return geo_test_dir_make(&dir);
}

static int teardown(void **state)
{
	(void)state;
	geo_test_dir_remove(&dir);
	return 0;
}

static struct pt_geo_db *open_both(void)
{
	char country[160], asn[160];

	return pt_geo_db_open(geo_test_path(&dir, "country.mmdb", country), geo_test_path(&dir, "asn.mmdb", asn));
}

/* Both databases with IPv6 trees (IPv4 under ::/96), as GeoLite2 and ip-location-db ship them. */
static void test_random_ipv6_trees(void **state)
{
	(void)state;
	n_edges = 0;
	write_random_databases("GeoLite2-Country", "GeoLite2-ASN", 600);
	struct pt_geo_db *db = open_both();
	assert_non_null(db);
	assert_true(pt_geo_db_loaded(db, PT_GEO_COUNTRY) && pt_geo_db_loaded(db, PT_GEO_ASN));
	check_database(db, 100000);
	pt_geo_db_free(db);
}

/* An IPv4-only tree beside an IPv6 one. */
static void test_random_ipv4_tree(void **state)
{
	(void)state;
	n_edges = 0;
	write_random_databases("GeoLite2-Country ipv4", "GeoLite2-ASN", 400);
	struct pt_geo_db *db = open_both();
	assert_non_null(db);
	assert_true(pt_geo_db_loaded(db, PT_GEO_COUNTRY) && pt_geo_db_loaded(db, PT_GEO_ASN));
	check_database(db, 50000);
	pt_geo_db_free(db);
}

/* One database alone: the other side of every answer is "nothing". */
static void test_one_database(void **state)
{
	char path[160];

	(void)state;
	n_edges = 0;
	write_random_databases("GeoLite2-Country", "GeoLite2-ASN ipv4", 300);
	for (int k = 0; k < 2; k++) {
		struct pt_geo_db *db = k == 0 ? pt_geo_db_open(geo_test_path(&dir, "country.mmdb", path), "") :
						pt_geo_db_open("", geo_test_path(&dir, "asn.mmdb", path));
		assert_non_null(db);
		check_database(db, 30000);
		pt_geo_db_free(db);
	}
	/* Without any database there is no index and nothing to say about one. */
	struct pt_geo_db *none = pt_geo_db_open("", "");
	assert_non_null(none);
	assert_false(pt_geo_db_index_pending(none));
	assert_false(pt_geo_db_indexed(none));
	assert_null(pt_geo_db_describe_index(none));
	pt_geo_db_free(none);
}

/* The whole IPv4 space inside one network of an IPv6 tree (a leaf above ::/96), and a tree without IPv4 data. */
static void test_degenerate_trees(void **state)
{
	struct pt_geo_result res;
	char country[160], asn[160];
	uint8_t bits;

	(void)state;
	assert_int_equal(geo_test_write(&dir, "file %D/country.mmdb GeoLite2-Country\n"
					     "::/64 {\"country\":{\"iso_code\":\"NZ\"}}\n"
					     "file %D/asn.mmdb GeoLite2-ASN\n"
					     "2001:db8::/32 {\"autonomous_system_number\":64510}\n"), 0);
	struct pt_geo_db *db = pt_geo_db_open(geo_test_path(&dir, "country.mmdb", country),
					      geo_test_path(&dir, "asn.mmdb", asn));
	assert_non_null(db);
	n_edges = 0;
	note_network(0, 0);
	check_database(db, 1000);
	assert_int_equal(pt_geo_db_lookup_prefix(db, 4, (const uint8_t[16]){8, 8, 8, 8}, &res, &bits), 0);
	assert_string_equal(res.country_iso_code, "NZ");
	assert_int_equal(res.flags, PT_GEO_F_COUNTRY);
	assert_int_equal(bits, 0);
	/* IPv6 still walks the trees. */
	uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	assert_int_equal(pt_geo_db_lookup(db, 6, v6, &res), 0);
	assert_int_equal(res.as_number, 64510);
	pt_geo_db_free(db);
}

/* With an index, IPv4 skips the cache (counted as indexed) and IPv6 still uses it. */
static void test_cache_uses_index(void **state)
{
	struct pt_geo_cache *cache = pt_geo_cache_create(1024);
	struct pt_geo_cache_stats st;
	struct pt_geo_result res;
	char country[160], asn[160];

	(void)state;
	assert_non_null(cache);
	assert_int_equal(geo_test_write(&dir, "file %D/country.mmdb GeoLite2-Country\n"
					     "203.0.113.0/24 {\"country\":{\"iso_code\":\"JP\"}}\n"
					     "2001:db8:1::/48 {\"country\":{\"iso_code\":\"DE\"}}\n"
					     "file %D/asn.mmdb GeoLite2-ASN\n"
					     "203.0.113.0/24 {\"autonomous_system_number\":64500,"
					     "\"autonomous_system_organization\":\"Example Transit\"}\n"), 0);
	struct pt_geo_db *db = pt_geo_db_open(geo_test_path(&dir, "country.mmdb", country),
					      geo_test_path(&dir, "asn.mmdb", asn));
	assert_non_null(db);
	pt_geo_db_wait_index(db);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(geo_test_cached(cache, db, "203.0.113.7", &res), 0);
		assert_string_equal(res.country_iso_code, "JP");
		assert_string_equal(res.as_organization, "Example Transit");
		assert_int_equal(geo_test_cached(cache, db, "::ffff:203.0.113.9", &res), 0);
		assert_int_equal(res.as_number, 64500);
		assert_int_equal(geo_test_cached(cache, db, "8.8.8.8", &res), -ENOENT);
		assert_int_equal(geo_test_cached(cache, db, "2001:db8:1::5", &res), 0);
		assert_string_equal(res.country_iso_code, "DE");
	}
	pt_geo_cache_stats(cache, &st);
	assert_int_equal(st.lookups, 12);
	assert_int_equal(st.indexed, 9);
	assert_int_equal(st.misses, 1);
	assert_int_equal(st.hits, 2);
	pt_geo_cache_free(cache);
	pt_geo_db_free(db);
}

/* pt_geo_start_index() starts the current handle's build; a reload builds the new handle's by itself. */
static void test_published_start(void **state)
{
	(void)state;
	n_edges = 0;
	write_random_databases("GeoLite2-Country", "GeoLite2-ASN", 100);
	struct pt_geo_db *db = open_both();
	assert_non_null(db);
	struct pt_geo_published *pub = pt_geo_published_create(db, 1);
	assert_non_null(pub);
	assert_true(pt_geo_db_index_pending(db));
	pt_geo_start_index(pub);
	pt_geo_db_wait_index(db);
	assert_true(pt_geo_db_indexed(pt_geo_current(pub)));
	pt_geo_published_free(pub);
	pt_geo_start_index(NULL);
}

/* A handle freed while its index is still being built stops the builder and frees everything (ASan checks). */
static void test_free_while_building(void **state)
{
	(void)state;
	n_edges = 0;
	write_random_databases("GeoLite2-Country", "GeoLite2-ASN", 2000);
	for (int i = 0; i < 20; i++) {
		struct pt_geo_db *db = open_both();

		assert_non_null(db);
		pt_geo_db_start_index(db);
		pt_geo_db_free(db);
	}
	/* Started on a thread, then waited for; a handle never started has no index and frees as well. */
	struct pt_geo_db *db = open_both();
	assert_non_null(db);
	assert_true(pt_geo_db_index_pending(db));
	pt_geo_db_start_index(db);
	pt_geo_db_start_index(db);   /* once */
	pt_geo_db_wait_index(db);
	assert_true(pt_geo_db_indexed(db));
	pt_geo_db_wait_index(db);   /* twice is fine */
	pt_geo_db_free(db);
	db = open_both();
	assert_non_null(db);
	assert_false(pt_geo_db_indexed(db));
	pt_geo_db_free(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_ipv6_trees),
		cmocka_unit_test(test_random_ipv4_tree),
		cmocka_unit_test(test_one_database),
		cmocka_unit_test(test_degenerate_trees),
		cmocka_unit_test(test_cache_uses_index),
		cmocka_unit_test(test_published_start),
		cmocka_unit_test(test_free_while_building),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
