/* SPDX-License-Identifier: BSD-3-Clause */
/* sha1.c - SHA-1 (FIPS 180-4), needed only for Community ID hashes of finished flows. */
#include <string.h>

#if defined(__x86_64__) && !defined(PT_SHA1_PORTABLE_ONLY)
#include <immintrin.h>
#define PT_SHA1_X86_SHA 1
#endif

#include "pt_util.h"

static uint32_t rol32(uint32_t v, unsigned n)
{
	return (v << n) | (v >> (32 - n));
}

static void sha1_block_portable(uint32_t state[5], const uint8_t block[64])
{
	uint32_t w[80], a, b, c, d, e;

	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)block[4 * i] << 24 | (uint32_t)block[4 * i + 1] << 16 |
		       (uint32_t)block[4 * i + 2] << 8 | block[4 * i + 3];
	for (int i = 16; i < 80; i++)
		w[i] = rol32(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);

	a = state[0]; b = state[1]; c = state[2]; d = state[3]; e = state[4];
	/* Four loops of twenty rounds, each with its own function and constant: no branch inside a round. */
#define SHA1_ROUND(i, f, k) do { \
		uint32_t t = rol32(a, 5) + (f) + e + (k) + w[i]; \
		e = d; d = c; c = rol32(b, 30); b = a; a = t; \
	} while (0)
	for (int i = 0; i < 20; i++)
		SHA1_ROUND(i, (b & c) | (~b & d), 0x5A827999u);
	for (int i = 20; i < 40; i++)
		SHA1_ROUND(i, b ^ c ^ d, 0x6ED9EBA1u);
	for (int i = 40; i < 60; i++)
		SHA1_ROUND(i, (b & c) | (b & d) | (c & d), 0x8F1BBCDCu);
	for (int i = 60; i < 80; i++)
		SHA1_ROUND(i, b ^ c ^ d, 0xCA62C1D6u);
#undef SHA1_ROUND
	state[0] += a; state[1] += b; state[2] += c; state[3] += d; state[4] += e;
}

#ifdef PT_SHA1_X86_SHA
/*
 * The same block with the x86 SHA extensions (Intel since Goldmont and Ice Lake, AMD since Zen): four rounds
 * per sha1rnds4, the message schedule by sha1msg1/sha1msg2. Group g does rounds 4g..4g+3 with M[g % 4]; the
 * four message registers rotate, and E alternates between two registers.
 */
#define SHA1_GROUP(g, x, y, z, w, ecur, eoth, func, do_msg1, do_xor, do_msg2) do { \
		ecur = _mm_sha1nexte_epu32(ecur, x); \
		eoth = abcd; \
		if (do_msg2) \
			y = _mm_sha1msg2_epu32(y, x); \
		abcd = _mm_sha1rnds4_epu32(abcd, ecur, func); \
		if (do_msg1) \
			z = _mm_sha1msg1_epu32(z, x); \
		if (do_xor) \
			w = _mm_xor_si128(w, x); \
	} while (0)

__attribute__((target("sha,sse4.1,ssse3")))
static void sha1_block_x86(uint32_t state[5], const uint8_t block[64])
{
	const __m128i bswap = _mm_set_epi64x(0x0001020304050607LL, 0x08090a0b0c0d0e0fLL);
	__m128i abcd = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(const void *)state), 0x1B);
	__m128i e0 = _mm_set_epi32((int)state[4], 0, 0, 0), e1;
	const __m128i abcd_in = abcd, e_in = e0;
	__m128i m0, m1, m2, m3;

	m0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)block), bswap);
	m1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)(block + 16)), bswap);
	m2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)(block + 32)), bswap);
	m3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)(block + 48)), bswap);

	/* Rounds 0-3: E starts as the state's e, added to the first words (no sha1nexte yet). */
	e0 = _mm_add_epi32(e0, m0);
	e1 = abcd;
	abcd = _mm_sha1rnds4_epu32(abcd, e0, 0);
	/* Rounds 4-15: the schedule starts as the words arrive. */
	e1 = _mm_sha1nexte_epu32(e1, m1);
	e0 = abcd;
	abcd = _mm_sha1rnds4_epu32(abcd, e1, 0);
	m0 = _mm_sha1msg1_epu32(m0, m1);
	e0 = _mm_sha1nexte_epu32(e0, m2);
	e1 = abcd;
	abcd = _mm_sha1rnds4_epu32(abcd, e0, 0);
	m1 = _mm_sha1msg1_epu32(m1, m2);
	m0 = _mm_xor_si128(m0, m2);
	SHA1_GROUP(3, m3, m0, m2, m1, e1, e0, 0, 1, 1, 1);
	SHA1_GROUP(4, m0, m1, m3, m2, e0, e1, 0, 1, 1, 1);
	SHA1_GROUP(5, m1, m2, m0, m3, e1, e0, 1, 1, 1, 1);
	SHA1_GROUP(6, m2, m3, m1, m0, e0, e1, 1, 1, 1, 1);
	SHA1_GROUP(7, m3, m0, m2, m1, e1, e0, 1, 1, 1, 1);
	SHA1_GROUP(8, m0, m1, m3, m2, e0, e1, 1, 1, 1, 1);
	SHA1_GROUP(9, m1, m2, m0, m3, e1, e0, 1, 1, 1, 1);
	SHA1_GROUP(10, m2, m3, m1, m0, e0, e1, 2, 1, 1, 1);
	SHA1_GROUP(11, m3, m0, m2, m1, e1, e0, 2, 1, 1, 1);
	SHA1_GROUP(12, m0, m1, m3, m2, e0, e1, 2, 1, 1, 1);
	SHA1_GROUP(13, m1, m2, m0, m3, e1, e0, 2, 1, 1, 1);
	SHA1_GROUP(14, m2, m3, m1, m0, e0, e1, 2, 1, 1, 1);
	SHA1_GROUP(15, m3, m0, m2, m1, e1, e0, 3, 1, 1, 1);
	SHA1_GROUP(16, m0, m1, m3, m2, e0, e1, 3, 1, 1, 1);
	SHA1_GROUP(17, m1, m2, m0, m3, e1, e0, 3, 0, 1, 1);
	SHA1_GROUP(18, m2, m3, m1, m0, e0, e1, 3, 0, 0, 1);
	SHA1_GROUP(19, m3, m0, m2, m1, e1, e0, 3, 0, 0, 0);

	e0 = _mm_sha1nexte_epu32(e0, e_in);
	abcd = _mm_shuffle_epi32(_mm_add_epi32(abcd, abcd_in), 0x1B);
	_mm_storeu_si128((__m128i *)(void *)state, abcd);
	state[4] = (uint32_t)_mm_extract_epi32(e0, 3);
}
#undef SHA1_GROUP
#endif

/* One 64-byte block, with the CPU's SHA instructions where it has them. */
static void sha1_block(uint32_t state[5], const uint8_t block[64])
{
#ifdef PT_SHA1_X86_SHA
	if (__builtin_cpu_supports("sha")) {
		sha1_block_x86(state, block);
		return;
	}
#endif
	sha1_block_portable(state, block);
}

void pt_sha1_init(struct pt_sha1 *ctx)
{
	static const uint32_t initial[5] = { 0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0 };

	memcpy(ctx->state, initial, sizeof(initial));
	ctx->length_bits = 0;
	ctx->block_used = 0;
}

void pt_sha1_update(struct pt_sha1 *ctx, const void *data, size_t len)
{
	const uint8_t *p = data;

	ctx->length_bits += (uint64_t)len * 8;
	while (len > 0) {
		size_t take = 64 - ctx->block_used;

		if (take > len)
			take = len;
		memcpy(ctx->block + ctx->block_used, p, take);
		ctx->block_used += (uint32_t)take;
		p += take;
		len -= take;
		if (ctx->block_used == 64) {
			sha1_block(ctx->state, ctx->block);
			ctx->block_used = 0;
		}
	}
}

void pt_sha1_final(struct pt_sha1 *ctx, uint8_t digest[PT_SHA1_DIGEST_LEN])
{
	uint64_t bits = ctx->length_bits;

	/* 0x80, zeros up to 56 bytes into a block (spilling into a new block if needed), the bit length. */
	ctx->block[ctx->block_used++] = 0x80;
	if (ctx->block_used > 56) {
		memset(ctx->block + ctx->block_used, 0, 64 - ctx->block_used);
		sha1_block(ctx->state, ctx->block);
		ctx->block_used = 0;
	}
	memset(ctx->block + ctx->block_used, 0, 56 - ctx->block_used);
	for (int i = 0; i < 8; i++)
		ctx->block[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
	sha1_block(ctx->state, ctx->block);
	for (int i = 0; i < 5; i++) {
		digest[4 * i] = (uint8_t)(ctx->state[i] >> 24);
		digest[4 * i + 1] = (uint8_t)(ctx->state[i] >> 16);
		digest[4 * i + 2] = (uint8_t)(ctx->state[i] >> 8);
		digest[4 * i + 3] = (uint8_t)ctx->state[i];
	}
}
