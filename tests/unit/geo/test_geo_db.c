/* SPDX-License-Identifier: BSD-3-Clause */
/* test_geo_db.c - Opening GeoLite2/GeoIP2, ip-location-db and ASN files written at test time; lookups; bad files. */
#include "geo_test.h"
#include "geo_priv.h"

#ifndef GEO_TEST_CONVERTER
#error "GEO_TEST_CONVERTER must name scripts/geoip-asn-to-mmdb"
#endif

static struct geo_test_dir dir;
static char long_org[256];

static const char spec_head[] =
	"file %D/geolite2-country.mmdb GeoLite2-Country\n"
	"203.0.113.0/24 {\"continent\":{\"code\":\"AS\"},\"country\":{\"iso_code\":\"JP\",\"names\":{\"en\":\"Japan\"}},"
	"\"registered_country\":{\"iso_code\":\"JP\"}}\n"
	"198.51.100.0/24 {\"continent\":{\"code\":\"EU\"},\"registered_country\":{\"iso_code\":\"US\"}}\n"
	"192.0.2.0/25 {\"country\":{\"iso_code\":\"fr\"}}\n"
	"192.0.2.128/25 {\"country\":{\"iso_code\":\"XYZ\"}}\n"
	"2001:db8:1::/48 {\"country\":{\"iso_code\":\"DE\"}}\n"
	"file %D/geoip2-city.mmdb GeoIP2-City\n"
	"203.0.113.0/24 {\"city\":{\"geoname_id\":1850147,\"names\":{\"en\":\"Tokyo\"}},\"country\":{\"iso_code\":\"JP\"},"
	"\"location\":{\"latitude\":35.6,\"longitude\":139.7,\"accuracy_radius\":50},\"subdivisions\":[{\"iso_code\":\"13\"}]}\n"
	"2001:db8:1::/48 {\"country\":{\"iso_code\":\"AT\"}}\n"
	"file %D/iplocation-country.mmdb country ipvAll\n"
	"203.0.113.0/24 {\"country_code\":\"NL\"}\n"
	"2001:db8:2::/48 {\"country_code\":\"SE\"}\n"
	"file %D/v4-country.mmdb country ipv4 ipv4\n"
	"203.0.113.0/24 {\"country_code\":\"IT\"}\n"
	"file %D/enterprise.mmdb GeoIP2-Enterprise\n"
	"203.0.113.0/24 {\"country\":{\"iso_code\":\"CA\"},\"traits\":{\"autonomous_system_number\":64510,"
	"\"autonomous_system_organization\":\"Enterprise Org\"}}\n"
	"file %D/no-keys.mmdb Unknown-Type\n"
	"203.0.113.0/24 {\"foo\":\"bar\"}\n"
	"file %D/geolite2-asn.mmdb GeoLite2-ASN\n"
	"203.0.113.0/24 {\"autonomous_system_number\":64500,\"autonomous_system_organization\":\"Example Transit, Inc.\"}\n"
	"198.51.100.0/24 {\"autonomous_system_number\":64502}\n"
	"192.0.2.0/24 {\"autonomous_system_organization\":\"Org Without Number\"}\n"
	"2001:db8::/32 {\"autonomous_system_number\":4200000001,\"autonomous_system_organization\":\"Example IPv6\"}\n";

/* ASN CSV in ip-location-db's format, for the production converter (which leaves reserved networks out). */
static const char asn_csv_v4[] = "1.0.0.0,1.0.0.255,13335,\"Cloudflare, Inc.\"\n"
				 "1.0.1.0,1.0.1.255,13335,\"Cloudflare, Inc.\"\n"
				 "2.26.200.0,2.26.215.255,201907,\"LLC \"\"SPUTNIK\"\"\"\n"
				 "10.0.0.0,10.255.255.255,64512,Private Should Be Dropped\n"
				 "45.70.144.0,45.70.147.255,267568,R. C. F. \xc2\xad TELECOM LTDA\n";
static const char asn_csv_v6[] = "2001:200::,2001:200:1b9:ffff:ffff:ffff:ffff:ffff,2500,WIDE Project\n";

static int setup(void **state)
{
	char spec[16384], csv4[160], csv6[160], out[160], cmd[800];
	size_t used;

	(void)state;
	if (geo_test_dir_make(&dir) != 0)
		return -1;
	/* A 200-byte organisation of two-byte characters, cut to 126 bytes by the 128-byte field. */
	for (int i = 0; i < 100; i++)
		memcpy(long_org + 2 * i, "\xc3\xa9", 2);
	long_org[200] = '\0';
	used = (size_t)snprintf(spec, sizeof(spec), "%s100.64.0.0/10 {\"autonomous_system_number\":64503,"
			       "\"autonomous_system_organization\":\"%s\"}\n", spec_head, long_org);
	/* A bigger ASN file for the corruption tests: 256 networks with their own records. */
	used += (size_t)snprintf(spec + used, sizeof(spec) - used, "file %%D/big-asn.mmdb GeoLite2-ASN\n");
	for (int i = 0; i < 256 && used < sizeof(spec) - 200; i++)
		used += (size_t)snprintf(spec + used, sizeof(spec) - used,
					 "10.%d.0.0/16 {\"autonomous_system_number\":%d,\"autonomous_system_organization\":"
					 "\"Org %d\"}\n", i, 65000 + i, i);
	if (geo_test_write(&dir, spec) != 0)
		return -1;

	geo_test_path(&dir, "asn-ipv4.csv", csv4);
	geo_test_path(&dir, "asn-ipv6.csv", csv6);
	if (geo_test_write_bytes(csv4, asn_csv_v4, strlen(asn_csv_v4)) != 0 ||
	    geo_test_write_bytes(csv6, asn_csv_v6, strlen(asn_csv_v6)) != 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "perl '%s' '%s' '%s' '%s' 2>/dev/null", GEO_TEST_CONVERTER,
		 geo_test_path(&dir, "podtap-asn.mmdb", out), csv4, csv6);
	if (system(cmd) != 0) {
		fprintf(stderr, "# %s failed\n", cmd);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	geo_test_dir_remove(&dir);
	return 0;
}

static struct pt_geo_db *open_files(const char *country, const char *asn)
{
	char c[160] = "", a[160] = "";
	struct pt_geo_db *db;

	if (country[0])
		geo_test_path(&dir, country, c);
	if (asn[0])
		geo_test_path(&dir, asn, a);
	db = pt_geo_db_open(c, a);
	assert_non_null(db);
	return db;
}

static void expect_country(const struct pt_geo_db *db, const char *addr, const char *cc)
{
	struct pt_geo_result res;
	int rc = geo_test_lookup(db, addr, &res);

	if (cc == NULL) {
		assert_int_equal(rc, -ENOENT);
		assert_int_equal(res.flags, 0);
		assert_string_equal(res.country_iso_code, "");
		return;
	}
	assert_int_equal(rc, 0);
	assert_true(res.flags & PT_GEO_F_COUNTRY);
	assert_string_equal(res.country_iso_code, cc);
}

static void test_geolite2_country(void **state)
{
	struct pt_geo_db *db = open_files("geolite2-country.mmdb", "");
	struct pt_geo_result res;

	(void)state;
	assert_true(pt_geo_db_loaded(db, PT_GEO_COUNTRY));
	assert_false(pt_geo_db_loaded(db, PT_GEO_ASN));
	assert_null(pt_geo_db_describe(db, PT_GEO_ASN));
	assert_non_null(strstr(pt_geo_db_describe(db, PT_GEO_COUNTRY), "country database "));
	assert_non_null(strstr(pt_geo_db_describe(db, PT_GEO_COUNTRY), "GeoLite2-Country"));
	assert_int_equal(pt_geo_db_generation(db), 1);

	expect_country(db, "203.0.113.7", "JP");
	assert_int_equal(geo_test_lookup(db, "203.0.113.7", &res), 0);
	assert_int_equal(res.flags, PT_GEO_F_COUNTRY);
	assert_int_equal(res.as_number, 0);
	assert_string_equal(res.as_organization, "");
	expect_country(db, "2001:db8:1::5", "DE");
	expect_country(db, "::ffff:203.0.113.9", "JP");
	expect_country(db, "192.0.2.1", "FR");      /* lower case in the file */
	expect_country(db, "198.51.100.1", NULL);   /* registered_country only: no country */
	expect_country(db, "192.0.2.200", NULL);    /* not a two-letter code */
	expect_country(db, "8.8.8.8", NULL);
	expect_country(db, "2001:db8:3::1", NULL);
	pt_geo_db_free(db);
}

static void test_geoip2_city(void **state)
{
	struct pt_geo_db *db = open_files("geoip2-city.mmdb", "");

	(void)state;
	assert_true(pt_geo_db_loaded(db, PT_GEO_COUNTRY));
	expect_country(db, "203.0.113.200", "JP");
	expect_country(db, "2001:db8:1:ffff::1", "AT");
	pt_geo_db_free(db);
}

static void test_iplocation_country(void **state)
{
	struct pt_geo_db *db = open_files("iplocation-country.mmdb", "");

	(void)state;
	assert_true(pt_geo_db_loaded(db, PT_GEO_COUNTRY));
	expect_country(db, "203.0.113.1", "NL");
	expect_country(db, "2001:db8:2::1", "SE");
	expect_country(db, "2001:db8:1::1", NULL);
	pt_geo_db_free(db);
}

static void test_ipv4_only_database(void **state)
{
	struct pt_geo_db *db = open_files("v4-country.mmdb", "");
	struct pt_geo_result res;

	(void)state;
	expect_country(db, "203.0.113.1", "IT");
	/* An IPv6 address in an IPv4 tree is simply not found, not an error. */
	assert_int_equal(geo_test_lookup(db, "2001:db8::1", &res), -ENOENT);
	expect_country(db, "::ffff:203.0.113.1", "IT");
	pt_geo_db_free(db);
}

static void test_asn(void **state)
{
	struct pt_geo_db *db = open_files("", "geolite2-asn.mmdb");
	struct pt_geo_result res;

	(void)state;
	assert_false(pt_geo_db_loaded(db, PT_GEO_COUNTRY));
	assert_true(pt_geo_db_loaded(db, PT_GEO_ASN));
	assert_non_null(strstr(pt_geo_db_describe(db, PT_GEO_ASN), "ASN database "));

	assert_int_equal(geo_test_lookup(db, "203.0.113.7", &res), 0);
	assert_int_equal(res.flags, PT_GEO_F_AS_NUMBER | PT_GEO_F_AS_ORG);
	assert_int_equal(res.as_number, 64500);
	assert_string_equal(res.as_organization, "Example Transit, Inc.");
	assert_string_equal(res.country_iso_code, "");

	assert_int_equal(geo_test_lookup(db, "198.51.100.9", &res), 0);
	assert_int_equal(res.flags, PT_GEO_F_AS_NUMBER);
	assert_int_equal(res.as_number, 64502);
	assert_string_equal(res.as_organization, "");

	assert_int_equal(geo_test_lookup(db, "192.0.2.9", &res), 0);
	assert_int_equal(res.flags, PT_GEO_F_AS_ORG);
	assert_int_equal(res.as_number, 0);
	assert_string_equal(res.as_organization, "Org Without Number");

	assert_int_equal(geo_test_lookup(db, "2001:db8:ffff::1", &res), 0);
	assert_int_equal(res.as_number, 4200000001u);
	assert_string_equal(res.as_organization, "Example IPv6");

	/* A long name is cut at a character boundary: 126 bytes of two-byte characters, not 127. */
	assert_int_equal(geo_test_lookup(db, "100.64.1.1", &res), 0);
	assert_int_equal(strlen(res.as_organization), 126);
	assert_memory_equal(res.as_organization, long_org, 126);

	assert_int_equal(geo_test_lookup(db, "8.8.8.8", &res), -ENOENT);
	assert_int_equal(res.flags, 0);
	pt_geo_db_free(db);
}

static void test_country_and_asn(void **state)
{
	struct pt_geo_db *db = open_files("iplocation-country.mmdb", "geolite2-asn.mmdb");
	struct pt_geo_result res;

	(void)state;
	assert_int_equal(geo_test_lookup(db, "203.0.113.7", &res), 0);
	assert_int_equal(res.flags, PT_GEO_F_COUNTRY | PT_GEO_F_AS_NUMBER | PT_GEO_F_AS_ORG);
	assert_string_equal(res.country_iso_code, "NL");
	assert_int_equal(res.as_number, 64500);
	/* Only one of the two databases knows this address. */
	assert_int_equal(geo_test_lookup(db, "2001:db8:2::1", &res), 0);
	assert_int_equal(res.flags, PT_GEO_F_COUNTRY | PT_GEO_F_AS_NUMBER | PT_GEO_F_AS_ORG);
	assert_string_equal(res.country_iso_code, "SE");
	assert_int_equal(res.as_number, 4200000001u);
	assert_int_equal(geo_test_lookup(db, "198.51.100.1", &res), 0);
	assert_int_equal(res.flags, PT_GEO_F_AS_NUMBER);
	pt_geo_db_free(db);
}

static void test_enterprise_traits(void **state)
{
	struct pt_geo_db *db = open_files("enterprise.mmdb", "enterprise.mmdb");
	struct pt_geo_result res;

	(void)state;
	assert_int_equal(geo_test_lookup(db, "203.0.113.7", &res), 0);
	assert_string_equal(res.country_iso_code, "CA");
	assert_int_equal(res.as_number, 64510);
	assert_string_equal(res.as_organization, "Enterprise Org");
	pt_geo_db_free(db);
}

static void test_wrong_kind(void **state)
{
	struct pt_geo_db *db = open_files("geolite2-asn.mmdb", "geolite2-country.mmdb");
	struct pt_geo_result res;

	(void)state;
	assert_false(pt_geo_db_loaded(db, PT_GEO_COUNTRY));
	assert_false(pt_geo_db_loaded(db, PT_GEO_ASN));
	assert_non_null(strstr(pt_geo_db_describe(db, PT_GEO_COUNTRY), "no country_code or country.iso_code data"));
	assert_non_null(strstr(pt_geo_db_describe(db, PT_GEO_COUNTRY), "GeoLite2-ASN"));
	assert_non_null(strstr(pt_geo_db_describe(db, PT_GEO_ASN), "no autonomous_system_number data"));
	assert_int_equal(geo_test_lookup(db, "203.0.113.7", &res), -ENOENT);
	pt_geo_db_free(db);

	db = open_files("no-keys.mmdb", "no-keys.mmdb");
	assert_false(pt_geo_db_loaded(db, PT_GEO_COUNTRY));
	assert_false(pt_geo_db_loaded(db, PT_GEO_ASN));
	assert_non_null(strstr(pt_geo_db_describe(db, PT_GEO_COUNTRY), "Unknown-Type"));
	pt_geo_db_free(db);
}

static void test_converted_asn(void **state)
{
	struct pt_geo_db *db = open_files("", "podtap-asn.mmdb");
	struct pt_geo_result res;

	(void)state;
	assert_true(pt_geo_db_loaded(db, PT_GEO_ASN));
	assert_non_null(strstr(pt_geo_db_describe(db, PT_GEO_ASN), "podtap-ASN"));
	assert_int_equal(geo_test_lookup(db, "1.0.0.5", &res), 0);
	assert_int_equal(res.as_number, 13335);
	assert_string_equal(res.as_organization, "Cloudflare, Inc.");
	assert_int_equal(geo_test_lookup(db, "1.0.1.250", &res), 0); /* the merged adjacent row */
	assert_int_equal(res.as_number, 13335);
	assert_int_equal(geo_test_lookup(db, "2.26.215.255", &res), 0);
	assert_int_equal(res.as_number, 201907);
	assert_string_equal(res.as_organization, "LLC \"SPUTNIK\"");
	assert_int_equal(geo_test_lookup(db, "45.70.147.1", &res), 0);
	assert_string_equal(res.as_organization, "R. C. F. \xc2\xad TELECOM LTDA");
	assert_int_equal(geo_test_lookup(db, "2001:200:1b9::1", &res), 0);
	assert_int_equal(res.as_number, 2500);
	assert_string_equal(res.as_organization, "WIDE Project");
	assert_int_equal(geo_test_lookup(db, "2001:200:1ba::1", &res), -ENOENT);
	assert_int_equal(geo_test_lookup(db, "1.0.2.0", &res), -ENOENT);
	assert_int_equal(geo_test_lookup(db, "10.1.2.3", &res), -ENOENT); /* reserved: left out */
	pt_geo_db_free(db);
}

/* A database that cannot be used leaves the handle without it, with a reason, and never crashes a lookup. */
static void expect_unusable(const char *name, const char *reason, int asn)
{
	struct pt_geo_db *db = asn ? open_files("", name) : open_files(name, "");
	enum pt_geo_kind kind = asn ? PT_GEO_ASN : PT_GEO_COUNTRY;
	struct pt_geo_result res;
	const char *line;

	assert_false(pt_geo_db_loaded(db, kind));
	line = pt_geo_db_describe(db, kind);
	assert_non_null(line);
	if (strstr(line, reason) == NULL)
		fail_msg("%s: expected \"%s\" in \"%s\"", name, reason, line);
	assert_null(strchr(line, '\n'));
	assert_int_equal(geo_test_lookup(db, "203.0.113.7", &res), -ENOENT);
	assert_int_equal(res.flags, 0);
	pt_geo_db_free(db);
}

static void test_bad_files(void **state)
{
	char path[160], src[160];
	static uint8_t junk[8192];
	struct stat st;

	(void)state;
	expect_unusable("missing.mmdb", "No such file or directory", 0);
	expect_unusable("missing.mmdb", "No such file or directory", 1);

	assert_int_equal(geo_test_write_bytes(geo_test_path(&dir, "empty.mmdb", path), "", 0), 0);
	expect_unusable("empty.mmdb", "empty file", 0);

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 2654435761u >> 13);
	assert_int_equal(geo_test_write_bytes(geo_test_path(&dir, "garbage.mmdb", path), junk, sizeof(junk)), 0);
	expect_unusable("garbage.mmdb", "not a MaxMind DB file", 1);

	/* Truncated: the metadata at the end is gone. */
	assert_int_equal(stat(geo_test_path(&dir, "geolite2-asn.mmdb", src), &st), 0);
	assert_int_equal(geo_test_copy(src, geo_test_path(&dir, "truncated.mmdb", path)), 0);
	assert_int_equal(truncate(path, st.st_size / 2), 0);
	expect_unusable("truncated.mmdb", "truncated", 1);
	/* Cut inside the metadata. */
	assert_int_equal(geo_test_copy(src, path), 0);
	assert_int_equal(truncate(path, st.st_size - 20), 0);
	expect_unusable("truncated.mmdb", "not a valid MaxMind DB file", 1);

	assert_int_equal(mkdir(geo_test_path(&dir, "a-folder.mmdb", path), 0755), 0);
	expect_unusable("a-folder.mmdb", "not a regular file", 0);
}

/* Overwrite the search tree or the data section with noise (the metadata stays valid): lookups must not crash. */
static void test_corrupt_contents(void **state)
{
	char src[160], path[160];
	struct stat st;
	uint32_t x = 12345;
	int loaded = 0, errors = 0, found = 0, indexed = 0;

	(void)state;
	assert_int_equal(stat(geo_test_path(&dir, "big-asn.mmdb", src), &st), 0);
	for (int variant = 0; variant < 6; variant++) {
		FILE *f;
		long from, len;

		assert_int_equal(geo_test_copy(src, geo_test_path(&dir, "corrupt.mmdb", path)), 0);
		f = fopen(path, "r+b");
		assert_non_null(f);
		/* Variants: the start of the tree, the middle of the file, the data section near the metadata. */
		from = variant % 3 == 0 ? 0 : variant % 3 == 1 ? st.st_size / 3 : st.st_size * 2 / 3;
		len = variant < 3 ? 64 : st.st_size / 4;
		fseek(f, from, SEEK_SET);
		for (long i = 0; i < len; i++) {
			x = x * 1103515245u + 12345u;
			fputc((int)(x >> 16) & 0xff, f);
		}
		fclose(f);

		struct pt_geo_db *db = pt_geo_db_open("", path);
		assert_non_null(db);
		pt_geo_db_wait_index(db);
		assert_non_null(pt_geo_db_describe(db, PT_GEO_ASN));
		loaded += pt_geo_db_loaded(db, PT_GEO_ASN);
		indexed += pt_geo_db_indexed(db);
		if (pt_geo_db_loaded(db, PT_GEO_ASN) && !pt_geo_db_indexed(db))
			assert_non_null(strstr(pt_geo_db_describe_index(db), "not built"));
		for (int i = 0; i < 4000; i++) {
			struct pt_geo_result res;
			uint8_t addr[16] = {0};
			int rc;

			x = x * 1103515245u + 12345u;
			if (i & 1) {
				addr[0] = 10;
				addr[1] = (uint8_t)(x >> 8);
				addr[2] = (uint8_t)(x >> 16);
				addr[3] = (uint8_t)(x >> 24);
				rc = pt_geo_db_lookup(db, 4, addr, &res);
				/* An index built from the noise answers as the trees do; a corrupt tree has none. */
				struct pt_geo_result trees;
				uint8_t bits;
				int rc_trees = geo_db_lookup_trees(db, 4, addr, &trees, &bits);
				if (pt_geo_db_indexed(db)) {
					assert_int_equal(rc, rc_trees);
					assert_int_equal(res.flags, trees.flags);
					assert_int_equal(res.as_number, trees.as_number);
					assert_string_equal(res.as_organization, trees.as_organization);
				}
			} else {
				for (int b = 0; b < 16; b++)
					addr[b] = (uint8_t)(x >> (b % 4 * 8)) ^ (uint8_t)b;
				rc = pt_geo_db_lookup(db, 6, addr, &res);
			}
			assert_true(rc == 0 || rc == -ENOENT || rc == -EIO);
			errors += rc == -EIO;
			found += rc == 0;
			if (res.flags & PT_GEO_F_AS_ORG)
				assert_true(strlen(res.as_organization) < PT_GEO_AS_ORG_LEN);
		}
		pt_geo_db_free(db);
	}
	/* Most variants still open (the metadata is intact), so the lookups above did walk the noise. */
	fprintf(stderr, "# corrupt files: %d of 6 opened (%d with an IPv4 index), %d lookups found something, "
		"%d reported errors\n", loaded, indexed, found, errors);
	assert_true(loaded >= 3);
	assert_true(found > 0);
}

static void test_arguments(void **state)
{
	struct pt_geo_db *db = pt_geo_db_open("", NULL);
	struct pt_geo_result res;
	uint8_t addr[16] = {203, 0, 113, 7};

	(void)state;
	assert_non_null(db);
	assert_false(pt_geo_db_loaded(db, PT_GEO_COUNTRY));
	assert_null(pt_geo_db_describe(db, PT_GEO_COUNTRY));
	assert_null(pt_geo_db_describe(NULL, PT_GEO_COUNTRY));
	assert_int_equal(pt_geo_db_lookup(db, 4, addr, &res), -ENOENT);
	assert_int_equal(pt_geo_db_lookup(db, 5, addr, &res), -EINVAL);
	assert_int_equal(pt_geo_db_lookup(NULL, 4, addr, &res), -EINVAL);
	assert_int_equal(pt_geo_db_lookup(db, 4, addr, NULL), -EINVAL);
	assert_int_equal(pt_geo_db_generation(NULL), 0);
	pt_geo_db_free(db);
	pt_geo_db_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_geolite2_country),
		cmocka_unit_test(test_geoip2_city),
		cmocka_unit_test(test_iplocation_country),
		cmocka_unit_test(test_ipv4_only_database),
		cmocka_unit_test(test_asn),
		cmocka_unit_test(test_country_and_asn),
		cmocka_unit_test(test_enterprise_traits),
		cmocka_unit_test(test_wrong_kind),
		cmocka_unit_test(test_converted_asn),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_corrupt_contents),
		cmocka_unit_test(test_arguments),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
