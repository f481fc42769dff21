/* SPDX-License-Identifier: BSD-3-Clause */
/* test_sha1.c - SHA-1 against FIPS vectors and sha1sum on random messages; built twice, with and without the CPU's SHA instructions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pt_util.h"

static void to_hex(const uint8_t digest[PT_SHA1_DIGEST_LEN], char hex[41])
{
	for (int i = 0; i < PT_SHA1_DIGEST_LEN; i++)
		sprintf(hex + 2 * i, "%02x", digest[i]);
}

static void sha1_hex(const char *msg, size_t repeat, char hex[41])
{
	struct pt_sha1 ctx;
	uint8_t digest[PT_SHA1_DIGEST_LEN];

	pt_sha1_init(&ctx);
	for (size_t i = 0; i < repeat; i++)
		pt_sha1_update(&ctx, msg, strlen(msg));
	pt_sha1_final(&ctx, digest);
	to_hex(digest, hex);
}

static void test_vectors(void **state)
{
	char hex[41];

	(void)state;
	sha1_hex("abc", 1, hex);
	assert_string_equal(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
	sha1_hex("", 1, hex);
	assert_string_equal(hex, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
	sha1_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1, hex);
	assert_string_equal(hex, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
	sha1_hex("a", 1000000, hex);
	assert_string_equal(hex, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

/* Every length from 0 to 300 bytes (one, two and more blocks, padding on both sides of 56), fed in random pieces,
 * against sha1sum of the same bytes. */
static void test_random_messages(void **state)
{
	uint32_t x = 88172645u;
	uint8_t msg[300];

	(void)state;
	for (size_t len = 0; len <= sizeof(msg); len++) {
		char path[] = "/tmp/podtap-sha1-XXXXXX", cmd[64], want[41], got[41];
		uint8_t digest[PT_SHA1_DIGEST_LEN];
		struct pt_sha1 ctx;
		FILE *f, *p;
		int fd;

		for (size_t i = 0; i < len; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			msg[i] = (uint8_t)x;
		}
		pt_sha1_init(&ctx);
		for (size_t done = 0; done < len;) {
			size_t piece = 1 + (x >> 8) % 70;

			if (piece > len - done)
				piece = len - done;
			pt_sha1_update(&ctx, msg + done, piece);
			done += piece;
			x = x * 1103515245u + 12345u;
		}
		pt_sha1_final(&ctx, digest);
		to_hex(digest, got);

		fd = mkstemp(path);
		assert_true(fd >= 0);
		f = fdopen(fd, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(msg, 1, len, f), len);
		fclose(f);
		snprintf(cmd, sizeof(cmd), "sha1sum %s", path);
		p = popen(cmd, "r");
		assert_non_null(p);
		assert_int_equal(fscanf(p, "%40s", want), 1);
		pclose(p);
		remove(path);
		if (strcmp(got, want) != 0)
			fail_msg("%zu bytes: %s, sha1sum says %s", len, got, want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_random_messages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
