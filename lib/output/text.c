/* SPDX-License-Identifier: BSD-3-Clause */
/* text.c - Decimal numbers and IP addresses as text by hand, for the JSON writer: no printf, no inet_ntop. */
#include <string.h>

#include "output_priv.h"

/* "00" "01" ... "99": two digits per division by 100 halve the divisions of a digit-at-a-time loop. */
static const char digit_pairs[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

size_t pt_output_u64_text(char *out, uint64_t v)
{
	size_t n = pt_output_u64_len(v);
	char *p = out + n;

	while (v >= 100) {
		uint64_t q = v / 100;

		p -= 2;
		memcpy(p, digit_pairs + 2 * (v - q * 100), 2);
		v = q;
	}
	if (v >= 10) {
		p -= 2;
		memcpy(p, digit_pairs + 2 * v, 2);
	} else {
		*--p = (char)('0' + v);
	}
	return n;
}

/* A byte as decimal, without leading zeros. */
static char *put_u8(char *p, uint8_t v)
{
	if (v >= 100) {
		*p++ = (char)('0' + v / 100);
		v %= 100;
		memcpy(p, digit_pairs + 2 * v, 2);
		return p + 2;
	}
	if (v >= 10) {
		memcpy(p, digit_pairs + 2 * v, 2);
		return p + 2;
	}
	*p++ = (char)('0' + v);
	return p;
}

static char *put_ipv4(char *p, const uint8_t a[4])
{
	p = put_u8(p, a[0]);
	*p++ = '.';
	p = put_u8(p, a[1]);
	*p++ = '.';
	p = put_u8(p, a[2]);
	*p++ = '.';
	return put_u8(p, a[3]);
}

/* A 16-bit group as lowercase hex without leading zeros ("%x"). */
static char *put_hex16(char *p, unsigned int v)
{
	static const char hex[] = "0123456789abcdef";
	/* digits = ceil(significant bits / 4), at least one */
	int digits = v == 0 ? 1 : (32 - __builtin_clz(v) + 3) / 4;

	for (int i = digits - 1; i >= 0; i--)
		p[i] = hex[(v >> (4 * (digits - 1 - i))) & 15];
	return p + digits;
}

size_t pt_output_addr_text(char *out, uint8_t ip_version, const uint8_t addr[16])
{
	unsigned int words[8];
	int best_base = -1, best_len = 0, cur_base = -1, cur_len = 0;
	char *p = out;

	if (ip_version != 6)
		return (size_t)(put_ipv4(out, addr) - out);
	/* glibc's inet_ntop6, step for step, so that the text is the same: the first longest run of zero groups
	 * (two at least) becomes "::"; a run covering the first 6 groups, or the first 5 followed by ffff, is
	 * IPv4-compatible or -mapped and ends in dotted quad. */
	for (int i = 0; i < 8; i++) {
		words[i] = (unsigned int)addr[2 * i] << 8 | addr[2 * i + 1];
		if (words[i] == 0) {
			if (cur_base == -1) {
				cur_base = i;
				cur_len = 1;
			} else {
				cur_len++;
			}
		} else if (cur_base != -1) {
			if (best_base == -1 || cur_len > best_len) {
				best_base = cur_base;
				best_len = cur_len;
			}
			cur_base = -1;
		}
	}
	if (cur_base != -1 && (best_base == -1 || cur_len > best_len)) {
		best_base = cur_base;
		best_len = cur_len;
	}
	if (best_base != -1 && best_len < 2)
		best_base = -1;
	for (int i = 0; i < 8; i++) {
		if (best_base != -1 && i >= best_base && i < best_base + best_len) {
			if (i == best_base)
				*p++ = ':';
			continue;
		}
		if (i != 0)
			*p++ = ':';
		if (i == 6 && best_base == 0 && (best_len == 6 || (best_len == 5 && words[5] == 0xffff))) {
			p = put_ipv4(p, addr + 12);
			return (size_t)(p - out);
		}
		p = put_hex16(p, words[i]);
	}
	if (best_base != -1 && best_base + best_len == 8)
		*p++ = ':';
	return (size_t)(p - out);
}
