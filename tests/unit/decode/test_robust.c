/* SPDX-License-Identifier: BSD-3-Clause */
/* test_robust.c - Robustness of pt_decode_frame(): every truncation and random byte flips of every valid sample. */
#include "decode_test.h"

#define FLIPS_PER_SAMPLE 3000

/* xorshift32: a fixed sequence, so a failure reproduces. */
static uint32_t next_rand(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

static void options(struct pt_decode_options *opt, bool decap)
{
	pt_decode_options_default(opt);
	opt->decapsulate = decap;
}

/* Every cut 0..len, with the wire as long as the cut (a short frame) and as the whole frame (a snap length). */
static void test_truncations(void **state)
{
	struct pt_decode_options opt;
	struct pt_decoded d;
	struct pkt p;
	unsigned int i, decap;
	uint32_t cut;

	(void)state;
	for (decap = 0; decap < 2; decap++) {
		options(&opt, decap);
		for (i = 0; i < n_samples; i++) {
			pk_init(&p);
			samples[i].build(&p);
			assert_int_equal(dec_raw(p.b, p.len, p.len, &opt, &d), PT_DECODE_OK);
			for (cut = 0; cut <= p.len; cut++) {
				enum pt_decode_result a = dec_raw(p.b, cut, cut, &opt, &d);
				enum pt_decode_result b = dec_raw(p.b, cut, p.len, &opt, &d);

				assert_true(a < PT_DECODE_RESULT_MAX);
				assert_true(b < PT_DECODE_RESULT_MAX);
			}
		}
	}
}

/* Random bytes of the headers replaced, decoded whole and cut at a random length. */
static void test_random_flips(void **state)
{
	struct pt_decode_options opt;
	struct pt_decoded d;
	struct pkt p, m;
	uint32_t seed = 0x9E3779B9u;
	unsigned int i, n, k, decap;

	(void)state;
	for (i = 0; i < n_samples; i++) {
		pk_init(&p);
		samples[i].build(&p);
		for (n = 0; n < FLIPS_PER_SAMPLE; n++) {
			uint32_t span = p.len < 160 ? p.len : 160, flips = 1 + next_rand(&seed) % 4, cut;

			memcpy(m.b, p.b, p.len);
			m.len = p.len;
			for (k = 0; k < flips; k++)
				m.b[next_rand(&seed) % span] = (uint8_t)next_rand(&seed);
			cut = next_rand(&seed) % (m.len + 1);
			decap = n & 1;
			options(&opt, decap);
			assert_true(dec_raw(m.b, m.len, m.len, &opt, &d) < PT_DECODE_RESULT_MAX);
			assert_true(dec_raw(m.b, cut, m.len, &opt, &d) < PT_DECODE_RESULT_MAX);
			assert_true(dec_raw(m.b, cut, cut, &opt, &d) < PT_DECODE_RESULT_MAX);
		}
	}
}

/* Fully random frames of random lengths, and an all-0xFF frame of maximal header lengths. */
static void test_random_frames(void **state)
{
	struct pt_decode_options opt;
	struct pt_decoded d;
	uint8_t buf[512];
	uint32_t seed = 12345, len, i, n;

	(void)state;
	pt_decode_options_default(&opt);
	for (n = 0; n < 20000; n++) {
		len = next_rand(&seed) % sizeof(buf);
		for (i = 0; i < len; i++)
			buf[i] = (uint8_t)next_rand(&seed);
		/* Steer half of them to IP so that the deeper decoders see noise too. */
		if (len >= 15 && (n & 1)) {
			buf[12] = (n & 2) ? 0x86 : 0x08;
			buf[13] = (n & 2) ? 0xDD : 0x00;
			buf[14] = (uint8_t)((n & 2) ? 0x60 | (buf[14] & 0x0F) : 0x45);
		}
		assert_true(dec_raw(buf, len, len, &opt, &d) < PT_DECODE_RESULT_MAX);
	}
	memset(buf, 0xFF, sizeof(buf));
	assert_true(dec_raw(buf, sizeof(buf), sizeof(buf), &opt, &d) < PT_DECODE_RESULT_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_random_flips),
		cmocka_unit_test(test_random_frames),
	};

	return cmocka_run_group_tests_name("decode_robust", tests, NULL, NULL);
}
