/* SPDX-License-Identifier: BSD-3-Clause */
/* test_util.c - Unit tests for lib/util: base64 against RFC vectors, SPSC ring order and bounds, time and address text. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pt_util.h"

static void test_base64_vectors(void **state)
{
	static const struct { const char *in, *out; } v[] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	char out[16];

	(void)state;
	for (size_t i = 0; i < PT_ARRAY_SIZE(v); i++) {
		int n = pt_base64_encode((const uint8_t *)v[i].in, strlen(v[i].in), out, sizeof(out));

		assert_int_equal(n, (int)strlen(v[i].out));
		assert_string_equal(out, v[i].out);
	}
	assert_int_equal(pt_base64_encode((const uint8_t *)"foobar", 6, out, 8), -ENOSPC);
}

static void test_spsc_ring_order_and_full(void **state)
{
	struct pt_spsc_ring *ring = pt_spsc_ring_create(5, sizeof(uint64_t));
	uint64_t next_in = 0, next_out = 0;

	(void)state;
	assert_non_null(ring);
	assert_int_equal(pt_spsc_ring_free_count(ring), 8);
	for (int round = 0; round < 1000; round++) {
		uint64_t *slot;
		const uint64_t *item;
		int pushes = round % 11;

		for (int i = 0; i < pushes; i++) {
			slot = pt_spsc_ring_reserve(ring);
			if (slot == NULL) {
				assert_int_equal(next_in - next_out, 8);
				break;
			}
			*slot = next_in++;
			pt_spsc_ring_commit(ring);
		}
		for (int i = 0; i < round % 7; i++) {
			item = pt_spsc_ring_peek(ring);
			if (item == NULL) {
				assert_int_equal(next_in, next_out);
				break;
			}
			assert_int_equal(*item, next_out++);
			pt_spsc_ring_release(ring);
		}
		assert_int_equal(pt_spsc_ring_free_count(ring), 8 - (next_in - next_out));
	}
	pt_spsc_ring_free(ring);
	pt_spsc_ring_free(NULL);
	assert_null(pt_spsc_ring_create(0, 8));
}

static void test_rfc3339(void **state)
{
	char buf[40];

	(void)state;
	assert_int_equal(pt_time_format_rfc3339(1764786901123456789ULL, buf, sizeof(buf)), 27);
	assert_string_equal(buf, "2025-12-03T18:35:01.123456Z");
	assert_int_equal(pt_time_format_rfc3339(0, buf, 10), -ENOSPC);
}

static void test_addr_format(void **state)
{
	uint8_t v4[16] = { 10, 244, 1, 2 }, v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	char buf[PT_ADDR_TEXT_LEN];

	(void)state;
	assert_string_equal(pt_addr_format(4, v4, buf), "10.244.1.2");
	assert_string_equal(pt_addr_format(4, (uint8_t[16]){ 0, 9, 100, 255 }, buf), "0.9.100.255");
	assert_string_equal(pt_addr_format(4, (uint8_t[16]){ 203, 0, 113, 10 }, buf), "203.0.113.10");
	assert_string_equal(pt_addr_format(6, v6, buf), "2001:db8::1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64_vectors),
		cmocka_unit_test(test_spsc_ring_order_and_full),
		cmocka_unit_test(test_rfc3339),
		cmocka_unit_test(test_addr_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
