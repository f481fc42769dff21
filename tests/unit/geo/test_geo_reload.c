/* SPDX-License-Identifier: BSD-3-Clause */
/* test_geo_reload.c - Reload of replaced files, bad replacements reported once, grace periods, a reader racing reloads. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "geo_priv.h"
#include "geo_test.h"

static struct geo_test_dir dir;
static char country_a[160], country_b[160], asn_a[160], garbage[160];

static int setup(void **state)
{
	static const char junk[] = "this is not a MaxMind DB file, whatever its name says\n";

	(void)state;
	if (geo_test_dir_make(&dir) != 0)
		return -1;
	if (geo_test_write(&dir, "file %D/country-a.mmdb GeoLite2-Country\n"
				 "203.0.113.0/24 {\"country\":{\"iso_code\":\"JP\"}}\n"
				 "2001:db8:1::/48 {\"country\":{\"iso_code\":\"DE\"}}\n"
				 "file %D/country-b.mmdb country ipvAll\n"
				 "203.0.113.0/24 {\"country_code\":\"KR\"}\n"
				 "2001:db8:1::/48 {\"country_code\":\"FR\"}\n"
				 "198.51.100.0/24 {\"country_code\":\"BR\"}\n"
				 "file %D/asn-a.mmdb GeoLite2-ASN\n"
				 "203.0.113.0/24 {\"autonomous_system_number\":64500,"
				 "\"autonomous_system_organization\":\"Example Transit\"}\n") != 0)
		return -1;
	geo_test_path(&dir, "country-a.mmdb", country_a);
	geo_test_path(&dir, "country-b.mmdb", country_b);
	geo_test_path(&dir, "asn-a.mmdb", asn_a);
	geo_test_path(&dir, "garbage.mmdb", garbage);
	return geo_test_write_bytes(garbage, junk, sizeof(junk) - 1);
}

static int teardown(void **state)
{
	(void)state;
	geo_test_dir_remove(&dir);
	return 0;
}

/* Fresh live copies of country A and ASN A under per-test names, and a publication on them for @p workers. */
static struct pt_geo_published *start(const char *tag, char country[160], char asn[160], uint32_t workers)
{
	char name[64];
	struct pt_geo_published *pub;
	struct pt_geo_db *db;

	snprintf(name, sizeof(name), "%s-country.mmdb", tag);
	geo_test_path(&dir, name, country);
	snprintf(name, sizeof(name), "%s-asn.mmdb", tag);
	geo_test_path(&dir, name, asn);
	assert_int_equal(geo_test_replace(country_a, country, 1000), 0);
	assert_int_equal(geo_test_replace(asn_a, asn, 1000), 0);
	db = pt_geo_db_open(country, asn);
	assert_non_null(db);
	assert_true(pt_geo_db_loaded(db, PT_GEO_COUNTRY));
	assert_true(pt_geo_db_loaded(db, PT_GEO_ASN));
	pub = pt_geo_published_create(db, workers);
	assert_non_null(pub);
	return pub;
}

static const char *country_of(const struct pt_geo_db *db, const char *addr)
{
	static __thread struct pt_geo_result res;

	if (geo_test_lookup(db, addr, &res) != 0 || !(res.flags & PT_GEO_F_COUNTRY))
		return "";
	return res.country_iso_code;
}

static void test_reload_on_replace(void **state)
{
	char country[160], asn[160], msg[1024];
	struct pt_geo_published *pub = start("replace", country, asn, 2);
	const struct pt_geo_db *old, *cur;

	(void)state;
	assert_int_equal(pt_geo_worker_online(pub, 0), 0);
	assert_int_equal(pt_geo_reload_check(pub, msg, sizeof(msg)), 0);
	assert_string_equal(msg, "");

	old = pt_geo_current(pub);
	assert_int_equal(pt_geo_db_generation(old), 1);
	assert_string_equal(country_of(old, "203.0.113.7"), "JP");

	/* An updater writes a new file with other data (another layout, too) and renames it over the old. */
	assert_int_equal(geo_test_replace(country_b, country, 2000), 0);
	assert_int_equal(pt_geo_reload_check(pub, msg, sizeof(msg)), 1);
	assert_non_null(strstr(msg, "geo generation 2"));
	assert_non_null(strstr(msg, "reloaded country database"));
	assert_null(strstr(msg, "ASN"));
	cur = pt_geo_current(pub);
	assert_int_equal(pt_geo_db_generation(cur), 2);
	assert_string_equal(country_of(cur, "203.0.113.7"), "KR");
	assert_string_equal(country_of(cur, "2001:db8:1::1"), "FR");
	assert_string_equal(country_of(cur, "198.51.100.1"), "BR");
	/* The unchanged ASN database is shared, not reopened. */
	assert_ptr_equal(cur->slot[PT_GEO_ASN].src, old->slot[PT_GEO_ASN].src);
	assert_ptr_not_equal(cur->slot[PT_GEO_COUNTRY].src, old->slot[PT_GEO_COUNTRY].src);

	/* The worker has not passed a quiescent state: the old handle is still whole. */
	assert_string_equal(country_of(old, "203.0.113.7"), "JP");
	assert_int_equal(pt_geo_reclaim(pub), 1);
	pt_geo_quiescent(pub, 0);
	assert_int_equal(pt_geo_reclaim(pub), 0);

	/* Unchanged: nothing is reopened, the generation stays. */
	assert_int_equal(pt_geo_reload_check(pub, msg, sizeof(msg)), 0);
	assert_string_equal(msg, "");
	assert_ptr_equal(pt_geo_current(pub), cur);

	/* The ASN file replaced: the country database is shared this time. */
	assert_int_equal(geo_test_replace(asn_a, asn, 3000), 0);
	assert_int_equal(pt_geo_reload_check(pub, msg, sizeof(msg)), 1);
	assert_non_null(strstr(msg, "reloaded ASN database"));
	assert_null(strstr(msg, "country database"));
	old = cur;
	cur = pt_geo_current(pub);
	assert_int_equal(pt_geo_db_generation(cur), 3);
	assert_ptr_equal(cur->slot[PT_GEO_COUNTRY].src, old->slot[PT_GEO_COUNTRY].src);

	/* Both at once. */
	assert_int_equal(geo_test_replace(country_a, country, 4000), 0);
	assert_int_equal(geo_test_replace(asn_a, asn, 4000), 0);
	assert_int_equal(pt_geo_reload_check(pub, msg, sizeof(msg)), 1);
	assert_non_null(strstr(msg, "reloaded country database"));
	assert_non_null(strstr(msg, "reloaded ASN database"));
	assert_string_equal(country_of(pt_geo_current(pub), "203.0.113.7"), "JP");
	pt_geo_worker_offline(pub, 0);
	pt_geo_published_free(pub);
}

static void test_bad_replacement(void **state)
{
	char country[160], asn[160], msg[1024], trunc[160];
	struct pt_geo_published *pub = start("bad", country, asn, 1);
	struct stat st;

	(void)state;
	assert_int_equal(pt_geo_worker_online(pub, 0), 0);

	/* Garbage renamed over the file: reported once, the loaded database stays. */
	assert_int_equal(geo_test_replace(garbage, country, 2000), 0);
	assert_int_equal(pt_geo_reload_check(pub, msg, sizeof(msg)), -EBADMSG);
	assert_non_null(strstr(msg, country));
	assert_non_null(strstr(msg, "not a MaxMind DB file"));
	assert_non_null(strstr(msg, "keeping the database loaded before"));
	assert_null(strchr(msg, '\n'));
	assert_int_equal(pt_geo_db_generation(pt_geo_current(pub)), 1);
	assert_string_equal(country_of(pt_geo_current(pub), "203.0.113.7"), "JP");
	assert_int_equal(pt_geo_reload_check(pub, msg, sizeof(msg)), 0);
	assert_string_equal(msg, "");

	/* A truncated copy: a new state, reported once more. */
	geo_test_path(&dir, "bad-truncated.mmdb", trunc);
	assert_int_equal(stat(country_b, &st), 0);
	assert_int_equal(geo_test_copy(country_b, trunc), 0);
	assert_int_equal(truncate(trunc, st.st_size / 2), 0);
	assert_int_equal(geo_test_replace(trunc, country, 3000), 0);
	assert_int_equal(pt_geo_reload_check(pub, msg, sizeof(msg)), -EBADMSG);
	assert_int_equal(pt_geo_reload_check(pub, msg, sizeof(msg)), 0);

	/* Removed: reported once, still the loaded database. */
	assert_int_equal(unlink(country), 0);
	assert_int_equal(pt_geo_reload_check(pub, msg, sizeof(msg)), -ENOENT);
	assert_non_null(strstr(msg, "No such file or directory"));
	assert_int_equal(pt_geo_reload_check(pub, msg, sizeof(msg)), 0);
	assert_string_equal(country_of(pt_geo_current(pub), "203.0.113.7"), "JP");

	/* An ASN file in the country slot. */
	assert_int_equal(geo_test_replace(asn_a, country, 4000), 0);
	assert_int_equal(pt_geo_reload_check(pub, msg, sizeof(msg)), -ENODATA);
	assert_non_null(strstr(msg, "no country_code or country.iso_code data"));

	/* Fixed: published. */
	assert_int_equal(geo_test_replace(country_b, country, 5000), 0);
	assert_int_equal(pt_geo_reload_check(pub, msg, sizeof(msg)), 1);
	assert_int_equal(pt_geo_db_generation(pt_geo_current(pub)), 2);
	assert_string_equal(country_of(pt_geo_current(pub), "203.0.113.7"), "KR");

	/* One good and one bad at the same time: the good one is published and the line says both. */
	assert_int_equal(geo_test_replace(country_a, country, 6000), 0);
	assert_int_equal(geo_test_replace(garbage, asn, 6000), 0);
	assert_int_equal(pt_geo_reload_check(pub, msg, sizeof(msg)), 1);
	assert_non_null(strstr(msg, "reloaded country database"));
	assert_non_null(strstr(msg, "ASN database"));
	assert_non_null(strstr(msg, "keeping the database loaded before"));
	assert_true(pt_geo_db_loaded(pt_geo_current(pub), PT_GEO_ASN));
	pt_geo_quiescent(pub, 0);
	pt_geo_published_free(pub);
}

/* A database missing at start is loaded when it appears; without a worker online, nothing waits. */
static void test_missing_at_start(void **state)
{
	char country[160], msg[1024];
	struct pt_geo_published *pub;
	struct pt_geo_db *db;
	struct pt_geo_result res;

	(void)state;
	geo_test_path(&dir, "late-country.mmdb", country);
	db = pt_geo_db_open(country, "");
	assert_non_null(db);
	assert_false(pt_geo_db_loaded(db, PT_GEO_COUNTRY));
	assert_non_null(strstr(pt_geo_db_describe(db, PT_GEO_COUNTRY), "No such file or directory"));
	pub = pt_geo_published_create(db, 1);
	assert_non_null(pub);
	assert_int_equal(pt_geo_reload_check(pub, msg, sizeof(msg)), 0);
	assert_int_equal(geo_test_lookup(pt_geo_current(pub), "203.0.113.7", &res), -ENOENT);

	assert_int_equal(geo_test_replace(garbage, country, 1000), 0);
	assert_int_equal(pt_geo_reload_check(pub, msg, sizeof(msg)), -EBADMSG);
	assert_non_null(strstr(msg, "still not loaded"));

	assert_int_equal(geo_test_replace(country_a, country, 2000), 0);
	assert_int_equal(pt_geo_reload_check(pub, msg, sizeof(msg)), 1);
	assert_true(pt_geo_db_loaded(pt_geo_current(pub), PT_GEO_COUNTRY));
	assert_string_equal(country_of(pt_geo_current(pub), "203.0.113.7"), "JP");
	assert_int_equal(pt_geo_reclaim(pub), 0);
	pt_geo_published_free(pub);
}

/* A file rewritten in place (cp over it) cannot fault a handle that still uses the old contents. */
static void test_in_place_overwrite(void **state)
{
	char country[160], asn[160], msg[1024];
	struct pt_geo_published *pub = start("inplace", country, asn, 1);
	const struct pt_geo_db *db = pt_geo_current(pub);
	static uint8_t zeros[64];

	(void)state;
	assert_int_equal(geo_test_write_bytes(country, zeros, sizeof(zeros)), 0);
	assert_string_equal(country_of(db, "203.0.113.7"), "JP");
	assert_string_equal(country_of(db, "2001:db8:1::1"), "DE");
	assert_int_equal(pt_geo_reload_check(pub, msg, sizeof(msg)), -EBADMSG);
	assert_int_equal(geo_test_copy(country_b, country), 0);
	assert_int_equal(pt_geo_reload_check(pub, msg, sizeof(msg)), 1);
	assert_string_equal(country_of(pt_geo_current(pub), "203.0.113.7"), "KR");
	pt_geo_published_free(pub);
}

/* A worker that never passes a quiescent state holds back reclamation, and at most 8 handles wait. */
static void test_busy_and_offline(void **state)
{
	char country[160], asn[160], msg[1024];
	struct pt_geo_published *pub = start("busy", country, asn, 2);
	int published = 0;

	(void)state;
	assert_int_equal(pt_geo_worker_online(pub, 2), -EINVAL);
	assert_int_equal(pt_geo_worker_online(pub, 0), 0);
	assert_int_equal(pt_geo_worker_online(pub, 1), 0);
	for (int i = 1; i <= 9; i++) {
		assert_int_equal(geo_test_replace(i & 1 ? country_b : country_a, country, 1000 + i), 0);
		int rc = pt_geo_reload_check(pub, msg, sizeof(msg));
		if (i <= 8) {
			assert_int_equal(rc, 1);
			published++;
		} else {
			assert_int_equal(rc, -EBUSY);
			assert_non_null(strstr(msg, "still wait for workers"));
		}
	}
	assert_int_equal(pt_geo_db_generation(pt_geo_current(pub)), 1 + published);
	assert_int_equal(pt_geo_reclaim(pub), 8);

	/* Worker 0 passes; worker 1 goes offline instead: neither holds anything back now. */
	pt_geo_quiescent(pub, 0);
	assert_int_equal(pt_geo_reclaim(pub), 8);
	pt_geo_worker_offline(pub, 1);
	assert_int_equal(pt_geo_reclaim(pub), 0);

	/* The busy file was not marked bad: it is published at the next check. */
	assert_int_equal(pt_geo_reload_check(pub, msg, sizeof(msg)), 1);
	assert_string_equal(country_of(pt_geo_current(pub), "203.0.113.7"), "KR");
	assert_int_equal(pt_geo_publish(pub, NULL), -EINVAL);
	pt_geo_worker_offline(pub, 0);
	pt_geo_published_free(pub);
	pt_geo_published_free(NULL);
	assert_null(pt_geo_published_create(NULL, 1));
}

/* The libpcap mode: one thread is the worker and the control side, taking turns. */
static void test_single_thread(void **state)
{
	char country[160], asn[160], msg[1024];
	struct pt_geo_published *pub = start("single", country, asn, 1);
	struct pt_geo_cache *cache = pt_geo_cache_create(256);
	struct pt_geo_result res;

	(void)state;
	assert_int_equal(pt_geo_worker_online(pub, 0), 0);
	for (int burst = 0; burst < 20; burst++) {
		const struct pt_geo_db *db = pt_geo_current(pub);
		assert_int_equal(geo_test_cached(cache, db, "203.0.113.7", &res), 0);
		assert_string_equal(res.country_iso_code, pt_geo_db_generation(db) & 1 ? "JP" : "KR");
		pt_geo_quiescent(pub, 0);
		/* control turn */
		if (burst % 4 == 0)
			assert_int_equal(geo_test_replace(burst % 8 ? country_a : country_b, country, 1000 + burst), 0);
		int rc = pt_geo_reload_check(pub, msg, sizeof(msg));
		assert_int_equal(rc, burst % 4 == 0 ? 1 : 0);
		assert_true(pt_geo_reclaim(pub) <= 1);
	}
	pt_geo_worker_offline(pub, 0);
	assert_int_equal(pt_geo_reclaim(pub), 0);
	pt_geo_cache_free(cache);
	pt_geo_published_free(pub);
}

/* ---- a reader looking up in a loop while the control side reloads many times (run under ASan) ---------- */

struct race {
	struct pt_geo_published *pub;
	atomic_bool stop;
	atomic_ulong bursts;
	atomic_ulong lookups;
	atomic_ulong wrong;
	atomic_ulong generations_seen;
};

static void *race_reader(void *arg)
{
	struct race *r = arg;
	struct pt_geo_cache *cache = pt_geo_cache_create(64);
	uint64_t last_gen = 0;

	if (cache == NULL || pt_geo_worker_online(r->pub, 0) != 0) {
		atomic_fetch_add(&r->wrong, 1);
		pt_geo_cache_free(cache);
		return NULL;
	}
	while (!atomic_load(&r->stop)) {
		const struct pt_geo_db *db = pt_geo_current(r->pub);
		uint64_t gen = pt_geo_db_generation(db);
		/* Generation 1 is file A, and reloads alternate B, A, B...: odd is A. */
		const char *want4 = gen & 1 ? "JP" : "KR", *want6 = gen & 1 ? "DE" : "FR";

		if (gen != last_gen) {
			atomic_fetch_add(&r->generations_seen, 1);
			last_gen = gen;
		}
		for (int i = 0; i < 16; i++) {
			struct pt_geo_result res;

			/* Every fourth burst is slow, holding its handle across several reloads. */
			if (i == 8 && atomic_load(&r->bursts) % 4 == 0)
				usleep(3000);
			uint8_t a4[16] = {203, 0, 113, (uint8_t)i}, a6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1};

			a6[15] = (uint8_t)i;

			if (pt_geo_cache_lookup(cache, db, 4, a4, &res) != 0 || strcmp(res.country_iso_code, want4) != 0 ||
			    res.as_number != 64500 || strcmp(res.as_organization, "Example Transit") != 0)
				atomic_fetch_add(&r->wrong, 1);
			if (pt_geo_db_lookup(db, 6, a6, &res) != 0 || strcmp(res.country_iso_code, want6) != 0)
				atomic_fetch_add(&r->wrong, 1);
			atomic_fetch_add(&r->lookups, 2);
		}
		pt_geo_quiescent(r->pub, 0);
		atomic_fetch_add(&r->bursts, 1);
	}
	pt_geo_worker_offline(r->pub, 0);
	pt_geo_cache_free(cache);
	return NULL;
}

static void test_reader_races_reloads(void **state)
{
	enum { RELOADS = 200 };
	char country[160], asn[160], msg[1024];
	struct race r = {.pub = start("race", country, asn, 1)};
	pthread_t reader;
	int reloads = 0, busy = 0;

	(void)state;
	assert_int_equal(pthread_create(&reader, NULL, race_reader, &r), 0);
	while (atomic_load(&r.bursts) == 0)
		sched_yield();
	for (int i = 1; i <= RELOADS; i++) {
		assert_int_equal(geo_test_replace(i & 1 ? country_b : country_a, country, 10000 + i), 0);
		/* Also replace the (unchanged) ASN file now and then, so shared and fresh sources both get freed. */
		if (i % 7 == 0)
			assert_int_equal(geo_test_replace(asn_a, asn, 10000 + i), 0);
		for (;;) {
			int rc = pt_geo_reload_check(r.pub, msg, sizeof(msg));
			if (rc == 1)
				break;
			if (rc != -EBUSY)
				fail_msg("reload %d: %d %s", i, rc, msg);
			busy++;
			sched_yield();
		}
		reloads++;
		/* Let the reader see a generation now and then. */
		if (i % 10 == 0) {
			unsigned long seen = atomic_load(&r.bursts);
			while (atomic_load(&r.bursts) < seen + 2)
				sched_yield();
		}
	}
	atomic_store(&r.stop, true);
	assert_int_equal(pthread_join(reader, NULL), 0);
	assert_int_equal(pt_geo_reclaim(r.pub), 0);
	fprintf(stderr, "# %d reloads (%d busy retries), reader: %lu bursts, %lu lookups, %lu generations seen\n",
		reloads, busy, atomic_load(&r.bursts), atomic_load(&r.lookups), atomic_load(&r.generations_seen));
	assert_int_equal(reloads, RELOADS);
	assert_int_equal(pt_geo_db_generation(pt_geo_current(r.pub)), 1 + RELOADS);
	assert_int_equal(atomic_load(&r.wrong), 0);
	assert_true(atomic_load(&r.generations_seen) >= RELOADS / 10);
	pt_geo_published_free(r.pub);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reload_on_replace),
		cmocka_unit_test(test_bad_replacement),
		cmocka_unit_test(test_missing_at_start),
		cmocka_unit_test(test_in_place_overwrite),
		cmocka_unit_test(test_busy_and_offline),
		cmocka_unit_test(test_single_thread),
		cmocka_unit_test(test_reader_races_reloads),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
