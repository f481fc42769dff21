/* SPDX-License-Identifier: BSD-3-Clause */
/* sha1.c - SHA-1 (FIPS 180-4), needed only for Community ID hashes of finished flows. */
#include <string.h>

#include "pt_util.h"

static uint32_t rol32(uint32_t v, unsigned n)
{
	return (v << n) | (v >> (32 - n));
}

static void sha1_block(uint32_t state[5], const uint8_t block[64])
{
	uint32_t w[80], a, b, c, d, e;

	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)block[4 * i] << 24 | (uint32_t)block[4 * i + 1] << 16 |
		       (uint32_t)block[4 * i + 2] << 8 | block[4 * i + 3];
	for (int i = 16; i < 80; i++)
		w[i] = rol32(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);

	a = state[0]; b = state[1]; c = state[2]; d = state[3]; e = state[4];
	for (int i = 0; i < 80; i++) {
		uint32_t f, k, t;

		if (i < 20) {
			f = (b & c) | (~b & d);
			k = 0x5A827999;
		} else if (i < 40) {
			f = b ^ c ^ d;
			k = 0x6ED9EBA1;
		} else if (i < 60) {
			f = (b & c) | (b & d) | (c & d);
			k = 0x8F1BBCDC;
		} else {
			f = b ^ c ^ d;
			k = 0xCA62C1D6;
		}
		t = rol32(a, 5) + f + e + k + w[i];
		e = d; d = c; c = rol32(b, 30); b = a; a = t;
	}
	state[0] += a; state[1] += b; state[2] += c; state[3] += d; state[4] += e;
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
