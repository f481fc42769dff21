/* SPDX-License-Identifier: BSD-3-Clause */
/* test_ulid.c - Unit tests for lib/alert's ULIDs: the alphabet, the time prefix, order within one generator, uniqueness. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pt_alert.h"

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* A time in December 2025, in milliseconds. */
#define TS_MS 1764786900123ULL

/* The value of the first 10 characters: 2 zero bits then the 48-bit time. */
static uint64_t decode_time(const char *id)
{
	uint64_t v = 0;

	for (int i = 0; i < 10; i++) {
		const char *p = strchr(crockford, id[i]);

		assert_non_null(p);
		v = v * 32 + (uint64_t)(p - crockford);
	}
	return v;
}

static void test_ulid_is_26_crockford_characters(void **state)
{
	struct pt_ulid_gen g = { 0 };
	char id[PT_ULID_LEN];

	(void)state;
	for (int n = 0; n < 1000; n++) {
		assert_ptr_equal(pt_ulid_make(&g, TS_MS + (uint64_t)n / 3, id), id);
		assert_int_equal(strlen(id), 26);
		assert_int_equal(strspn(id, crockford), 26);
		assert_null(strpbrk(id, "ILOUilou"));
		assert_true(id[0] <= '7');                 /* the first character holds only 3 bits */
	}
}

static void test_ulid_time_prefix_encodes_ts_ms(void **state)
{
	const uint64_t times[] = { 1, 1000, TS_MS, (1ULL << 48) - 1 };
	char id[PT_ULID_LEN];

	(void)state;
	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		struct pt_ulid_gen g = { 0 };

		pt_ulid_make(&g, times[i], id);
		assert_int_equal(decode_time(id), times[i]);
	}
	/* The example of the ULID specification: 1469918176385 ms is "01ARYZ6S41". */
	{
		struct pt_ulid_gen g = { 0 };

		assert_memory_equal(pt_ulid_make(&g, 1469918176385ULL, id), "01ARYZ6S41", 10);
	}
}

static void test_ulid_increases_within_one_millisecond(void **state)
{
	struct pt_ulid_gen g = { 0 };
	char prev[PT_ULID_LEN], id[PT_ULID_LEN];

	(void)state;
	pt_ulid_make(&g, TS_MS, prev);
	for (int n = 0; n < 10000; n++) {
		pt_ulid_make(&g, TS_MS, id);
		assert_true(strcmp(id, prev) > 0);
		assert_int_equal(decode_time(id), TS_MS);
		memcpy(prev, id, sizeof(id));
	}
}

static void test_ulid_increases_when_the_clock_goes_back(void **state)
{
	struct pt_ulid_gen g = { 0 };
	char prev[PT_ULID_LEN], id[PT_ULID_LEN];

	(void)state;
	pt_ulid_make(&g, TS_MS, prev);
	pt_ulid_make(&g, TS_MS - 5000, id);             /* five seconds back */
	assert_true(strcmp(id, prev) > 0);
	assert_int_equal(decode_time(id), TS_MS);       /* keeps the latest time seen */
	memcpy(prev, id, sizeof(id));
	pt_ulid_make(&g, TS_MS + 1, id);               /* forward again */
	assert_true(strcmp(id, prev) > 0);
	assert_int_equal(decode_time(id), TS_MS + 1);
	memcpy(prev, id, sizeof(id));
	pt_ulid_make(&g, TS_MS + 2, id);
	assert_true(strcmp(id, prev) > 0);
}

static void test_ulid_two_generators_differ(void **state)
{
	struct pt_ulid_gen a = { 0 }, b = { 0 };
	char ida[PT_ULID_LEN], idb[PT_ULID_LEN];

	(void)state;
	for (int n = 0; n < 100; n++) {
		pt_ulid_make(&a, TS_MS, ida);
		pt_ulid_make(&b, TS_MS, idb);
		assert_memory_equal(ida, idb, 10);         /* same time... */
		assert_string_not_equal(ida + 10, idb + 10);    /* ...different random part */
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ulid_is_26_crockford_characters),
		cmocka_unit_test(test_ulid_time_prefix_encodes_ts_ms),
		cmocka_unit_test(test_ulid_increases_within_one_millisecond),
		cmocka_unit_test(test_ulid_increases_when_the_clock_goes_back),
		cmocka_unit_test(test_ulid_two_generators_differ),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
