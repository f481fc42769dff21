/* SPDX-License-Identifier: BSD-3-Clause */
/* test_util.c - Unit tests for lib/util: base64 against RFC vectors, SPSC ring order, bounds and prefault, time and address text. */
#include <errno.h>
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

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

/* Pages of [base, base + len) resident in memory, by mincore(). */
static size_t resident_pages(const uint8_t *base, size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), n = 0;
	uintptr_t start = (uintptr_t)base & ~(uintptr_t)(page - 1);
	size_t pages = ((uintptr_t)base + len - start + page - 1) / page;
	unsigned char *vec = calloc(pages, 1);

	assert_non_null(vec);
	assert_int_equal(mincore((void *)start, pages * page, vec), 0);
	for (size_t i = 0; i < pages; i++)
		n += vec[i] & 1;
	free(vec);
	return n;
}

static void test_spsc_ring_prefault(void **state)
{
	/* 4096 slots of 2 KiB: 8 MiB, from pages nobody touched yet */
	const size_t slots = 4096, elem = 2048, len = slots * elem, page = (size_t)sysconf(_SC_PAGESIZE);
	struct pt_spsc_ring *ring = pt_spsc_ring_create(slots, elem);
	uint8_t *base;

	(void)state;
	assert_non_null(ring);
	base = pt_spsc_ring_reserve(ring);  /* the first slot: the start of the ring's memory */
	assert_non_null(base);
	assert_true(resident_pages(base, len) < len / page / 2);
	pt_spsc_ring_prefault(ring);
	assert_true(resident_pages(base, len) >= len / page);
	/* and it is still an empty ring that works */
	assert_int_equal(pt_spsc_ring_free_count(ring), slots);
	memset(pt_spsc_ring_reserve(ring), 0x5a, elem);
	pt_spsc_ring_commit(ring);
	assert_int_equal(((const uint8_t *)pt_spsc_ring_peek(ring))[elem - 1], 0x5a);
	pt_spsc_ring_release(ring);
	pt_spsc_ring_free(ring);
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
		cmocka_unit_test(test_spsc_ring_prefault),
		cmocka_unit_test(test_rfc3339),
		cmocka_unit_test(test_addr_format),
	};

	mallopt(M_PERTURB, 0); /* meson test sets MALLOC_PERTURB_, and calloc then writes every page it returns */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
