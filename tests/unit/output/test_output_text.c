/* SPDX-License-Identifier: BSD-3-Clause */
/* test_output_text.c - lib/output's hand-written text against libc and a reference writer: numbers, addresses, escaping. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "output_priv.h"

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* ---- numbers ------------------------------------------------------------------------------------------------ */

static void check_u64(uint64_t v)
{
	char want[32], got[32];
	int n = snprintf(want, sizeof(want), "%" PRIu64, v);

	memset(got, 'x', sizeof(got));
	assert_int_equal(pt_output_u64_len(v), (size_t)n);
	assert_int_equal(pt_output_u64_text(got, v), (size_t)n);
	assert_int_equal(got[n], 'x');            /* no NUL, nothing past the digits */
	got[n] = '\0';
	assert_string_equal(got, want);
}

static void test_u64_text(void **state)
{
	uint64_t p = 1;

	(void)state;
	check_u64(0);
	check_u64(UINT64_MAX);
	check_u64(UINT64_MAX - 1);
	for (int i = 0; i < 20; i++, p *= 10) {   /* every length boundary */
		check_u64(p);
		check_u64(p - 1);
		check_u64(p + 1);
		if (i < 19) {
			check_u64(p * 10 - 1);
			check_u64(p * 9);
		}
	}
	for (int b = 0; b < 64; b++) {            /* every bit length, at its ends */
		check_u64(1ULL << b);
		check_u64((1ULL << b) - 1);
		check_u64((1ULL << b) | ((1ULL << b) - 1));
	}
	for (int i = 0; i < 200000; i++)
		check_u64(rng() >> (rng() % 64));
	for (uint64_t v = 0; v < 100000; v++)
		check_u64(v);
}

/* ---- addresses ---------------------------------------------------------------------------------------------- */

static void check_addr(uint8_t ip_version, const uint8_t addr[16])
{
	char want[INET6_ADDRSTRLEN], got[PT_OUTPUT_ADDR_TEXT_MAX + 8], util[PT_ADDR_TEXT_LEN];
	size_t n;

	assert_non_null(inet_ntop(ip_version == 6 ? AF_INET6 : AF_INET, addr, want, sizeof(want)));
	memset(got, 'x', sizeof(got));
	n = pt_output_addr_text(got, ip_version, addr);
	assert_true(n <= PT_OUTPUT_ADDR_TEXT_MAX);
	assert_int_equal(got[n], 'x');
	got[n] = '\0';
	assert_string_equal(got, want);
	assert_string_equal(got, pt_addr_format(ip_version, addr, util));
}

static void words_to_addr(const uint16_t w[8], uint8_t addr[16])
{
	for (int i = 0; i < 8; i++) {
		addr[2 * i] = (uint8_t)(w[i] >> 8);
		addr[2 * i + 1] = (uint8_t)w[i];
	}
}

static void test_addr_text_edges(void **state)
{
	static const uint16_t cases[][8] = {
		{ 0, 0, 0, 0, 0, 0, 0, 0 },                  /* :: */
		{ 0, 0, 0, 0, 0, 0, 0, 1 },                  /* ::1 */
		{ 0, 0, 0, 0, 0, 0, 0, 2 },
		{ 0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304 },   /* ::ffff:1.2.3.4 */
		{ 0, 0, 0, 0, 0, 0xffff, 0, 0 },             /* ::ffff:0.0.0.0 */
		{ 0, 0, 0, 0, 0, 0, 0x0102, 0x0304 },        /* ::1.2.3.4 */
		{ 0, 0, 0, 0, 0, 0, 0x0100, 0 },
		{ 0, 0, 0, 0, 0, 0xfffe, 0x0102, 0x0304 },   /* not mapped */
		{ 0, 0, 0, 0, 1, 0xffff, 0x0102, 0x0304 },
		{ 0x2001, 0xdb8, 0, 0, 0, 0, 0, 1 },         /* 2001:db8::1 */
		{ 0x2001, 0xdb8, 0, 0, 1, 0, 0, 1 },         /* first of two equal runs */
		{ 0x2001, 0xdb8, 0, 1, 0, 0, 0, 1 },         /* the longer run */
		{ 0x2001, 0, 0xdb8, 0, 1, 0, 1, 0 },         /* single zeros stay */
		{ 0xfe80, 0, 0, 0, 0, 0, 0, 0 },             /* trailing run */
		{ 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff },
		{ 1, 0x10, 0x100, 0x1000, 0xabcd, 0xf, 0xf0, 0xf00 },
	};
	uint8_t addr[16];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		words_to_addr(cases[i], addr);
		check_addr(6, addr);
	}
	memset(addr, 0, sizeof(addr));
	check_addr(4, addr);                                 /* 0.0.0.0 */
	memset(addr, 0xff, sizeof(addr));
	check_addr(4, addr);                                 /* 255.255.255.255 */
	memcpy(addr, (uint8_t[]){ 9, 10, 99, 100 }, 4);
	check_addr(4, addr);
	/* Anything but 6 is IPv4, as pt_addr_format() has it. */
	assert_int_equal(pt_output_addr_text((char[PT_OUTPUT_ADDR_TEXT_MAX]){ 0 }, 0, addr), strlen("9.10.99.100"));
}

static void test_addr_text_random(void **state)
{
	uint16_t w[8];
	uint8_t addr[16];

	(void)state;
	/* Every pattern of zero and non-zero groups, with values of every hex width: every zero run and tie. */
	for (unsigned int pattern = 0; pattern < 256; pattern++) {
		for (int rep = 0; rep < 64; rep++) {
			for (int i = 0; i < 8; i++) {
				uint64_t x = rng();

				w[i] = (pattern >> i) & 1 ? (uint16_t)((x % 0xffff + 1) >> (x >> 32) % 16) : 0;
				if ((pattern >> i) & 1 && w[i] == 0)
					w[i] = 1;
			}
			words_to_addr(w, addr);
			check_addr(6, addr);
		}
		w[0] = w[1] = w[2] = w[3] = w[4] = 0;
		w[5] = 0xffff;
		w[6] = (uint16_t)rng();
		w[7] = (uint16_t)rng();
		words_to_addr(w, addr);
		check_addr(6, addr);
	}
	for (int i = 0; i < 100000; i++) {
		uint64_t a = rng(), b = rng();

		for (int k = 0; k < 8; k++) {
			addr[k] = (uint8_t)(a >> (8 * k));
			addr[8 + k] = (uint8_t)(b >> (8 * k));
		}
		check_addr(6, addr);
		check_addr(4, addr);
	}
}

/* ---- the writer against a reference: the code it replaced, piece by piece --------------------------------- */

struct ref_json {
	char *buf;
	size_t cap, len;
	bool overflow, need_comma;
};

static void ref_put(struct ref_json *j, const char *s, size_t n)
{
	if (j->overflow || j->len + n >= j->cap) {
		j->overflow = true;
		return;
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
}

static void ref_putc(struct ref_json *j, char c)
{
	ref_put(j, &c, 1);
}

static size_t ref_utf8_len(const unsigned char *p)
{
	size_t n;
	uint32_t cp;

	if (p[0] < 0xC2 || p[0] > 0xF4)
		return 0;
	n = p[0] < 0xE0 ? 2 : p[0] < 0xF0 ? 3 : 4;
	cp = p[0] & (0x7F >> n);
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3F);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
		return 0;
	return n;
}

static void ref_escaped(struct ref_json *j, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;

	ref_putc(j, '"');
	while (*p != '\0') {
		if (*p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\') {
			ref_putc(j, (char)*p++);
			continue;
		}
		if (*p >= 0x80) {
			size_t n = ref_utf8_len(p);

			if (n == 0) {
				ref_put(j, "\\ufffd", 6);
				p++;
			} else {
				ref_put(j, (const char *)p, n);
				p += n;
			}
			continue;
		}
		switch (*p) {
		case '"': ref_put(j, "\\\"", 2); break;
		case '\\': ref_put(j, "\\\\", 2); break;
		case '\n': ref_put(j, "\\n", 2); break;
		case '\r': ref_put(j, "\\r", 2); break;
		case '\t': ref_put(j, "\\t", 2); break;
		default: {
			char esc[6] = { '\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15] };

			ref_put(j, esc, 6);
		}
		}
		p++;
	}
	ref_putc(j, '"');
}

static void ref_key(struct ref_json *j, const char *key)
{
	if (j->need_comma)
		ref_putc(j, ',');
	if (key != NULL) {
		ref_putc(j, '"');
		ref_put(j, key, strlen(key));
		ref_put(j, "\":", 2);
	}
}

static int ref_finish(struct ref_json *j)
{
	if (j->overflow) {
		if (j->cap > 0)
			j->buf[0] = '\0';
		return -ENOSPC;
	}
	j->buf[j->len] = '\0';
	return (int)j->len;
}

/* Random text: plain runs of every length, and every kind of byte the escaper treats apart. */
static void rand_text(char *out, size_t max)
{
	static const char *const pieces[] = {
		"\"", "\\", "\n", "\r", "\t", "\x01", "\x1f", "\x7f", " ", "~", "\xc3\xa9", "\xe2\x82\xac",
		"\xf0\x9f\x98\x80", "\x80", "\xbf", "\xc0\xaf", "\xc1\x81", "\xed\xa0\x80", "\xed\x9f\xbf", "\xe2\x82",
		"\xf4\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xff", "\xc2", "\xe0\xa0", "\xf0\x90\x80",
		"\xe0\x9f\xbf", "\xf0\x8f\xbf\xbf",
	};
	size_t len = (size_t)(rng() % (max + 1)), n = 0;
	unsigned int density = (unsigned int)(rng() % 4);   /* 0: all plain; 3: mostly special */

	while (n < len) {
		uint64_t x = rng();

		if (x % 4 >= density) {
			out[n++] = (char)(0x20 + x / 4 % 95);
		} else {
			const char *p = pieces[x / 4 % (sizeof(pieces) / sizeof(pieces[0]))];
			size_t l = strlen(p);

			if (n + l > len)
				break;
			memcpy(out + n, p, l);
			n += l;
		}
	}
	out[n] = '\0';
}

static void test_escape_against_reference(void **state)
{
	/* The string at every offset from an 8-byte boundary, and canaries after the room the escape may use. */
	static char storage[512 + 16];
	char out[6 * 512 + 8 + 32], want[6 * 512 + 64];

	(void)state;
	for (int i = 0; i < 200000; i++) {
		char *s = storage + rng() % 16;
		struct ref_json r = { .buf = want, .cap = sizeof(want) };
		size_t n, len, room;

		rand_text(s, i % 8 == 0 ? 500 : 40);
		n = strlen(s);
		room = PT_JSON_ESCAPED_MAX(n) - 2;
		memset(out, 0x5a, sizeof(out));
		len = pt_json_escape(out, s, n);
		for (size_t k = room; k < sizeof(out); k++)
			assert_int_equal(out[k], 0x5a);
		ref_escaped(&r, s);
		assert_int_equal(ref_finish(&r), (int)len + 2);
		assert_memory_equal(out, want + 1, len);
	}
}

/* One step of a document, applied to the writer under test (through the public or the keyed calls) and the reference. */
static void step(struct pt_json *j, struct ref_json *r, uint64_t op, const char *text, const char *text2,
		 uint64_t num, bool keyed)
{
	switch (op) {
	case 0:
		if (keyed)
			pt_json_key_begin_object(j, PT_JSON_KEY("obj"));
		else
			pt_json_begin_object(j, "obj");
		ref_key(r, "obj");
		ref_putc(r, '{');
		r->need_comma = false;
		break;
	case 1:
		pt_json_begin_array(j, NULL);
		ref_key(r, NULL);
		ref_putc(r, '[');
		r->need_comma = false;
		break;
	case 2:
		if (keyed)
			pt_json_close(j, '}');
		else
			pt_json_end_object(j);
		ref_putc(r, '}');
		r->need_comma = true;
		break;
	case 3:
		if (keyed)
			pt_json_key_string(j, PT_JSON_KEY("a_key"), text);
		else
			pt_json_string(j, "a_key", text);
		ref_key(r, "a_key");
		ref_escaped(r, text);
		r->need_comma = true;
		break;
	case 4:
		pt_json_string(j, NULL, text);
		ref_key(r, NULL);
		ref_escaped(r, text);
		r->need_comma = true;
		break;
	case 5:
		pt_json_string_data_key(j, text, text2);
		if (r->need_comma)
			ref_putc(r, ',');
		ref_escaped(r, text);
		ref_putc(r, ':');
		ref_escaped(r, text2);
		r->need_comma = true;
		break;
	case 6: {
		char digits[24];

		if (keyed)
			pt_json_key_u64(j, PT_JSON_KEY("n"), num);
		else
			pt_json_u64(j, "n", num);
		snprintf(digits, sizeof(digits), "%" PRIu64, num);
		ref_key(r, "n");
		ref_put(r, digits, strlen(digits));
		r->need_comma = true;
		break;
	}
	case 7:
		pt_json_bool(j, "b", num & 1);
		ref_key(r, "b");
		ref_put(r, num & 1 ? "true" : "false", num & 1 ? 4 : 5);
		r->need_comma = true;
		break;
	case 8: {
		char digits[24];

		pt_json_key_u64_string(j, PT_JSON_KEY("id"), num);
		snprintf(digits, sizeof(digits), "%" PRIu64, num);
		ref_key(r, "id");
		ref_escaped(r, digits);
		r->need_comma = true;
		break;
	}
	case 9: {
		uint8_t addr[16];
		char a[INET6_ADDRSTRLEN];

		for (int k = 0; k < 16; k++)
			addr[k] = k < 10 && num % 3 == 0 ? 0 : (uint8_t)(num >> (k % 8 * 8));
		pt_json_key_addr(j, PT_JSON_KEY("ip"), num % 2 ? 6 : 4, addr);
		inet_ntop(num % 2 ? AF_INET6 : AF_INET, addr, a, sizeof(a));
		ref_key(r, "ip");
		ref_escaped(r, a);
		r->need_comma = true;
		break;
	}
	default:
		PT_JSON_RAW(j, "\"raw\":[1,2]", true);
		if (r->need_comma)
			ref_putc(r, ',');
		ref_put(r, "\"raw\":[1,2]", 11);
		r->need_comma = true;
		break;
	}
}

/* Write the document into @p cap bytes with both writers; they must agree. @return the reference's result. */
static int write_both(size_t cap, const uint64_t *ops, char (*texts)[2][200], const uint64_t *nums, int steps,
		      bool keyed)
{
	static char buf[65536], want[65536];
	struct pt_json j;
	struct ref_json r = { .buf = want, .cap = cap, .overflow = cap == 0 };
	int got, exp;

	assert_true(cap <= sizeof(buf));
	pt_json_init(&j, buf, cap);
	for (int i = 0; i < steps; i++)
		step(&j, &r, ops[i], texts[i][0], texts[i][1], nums[i], keyed);
	got = pt_json_finish(&j);
	exp = ref_finish(&r);
	assert_int_equal(got, exp);
	if (cap > 0)
		assert_string_equal(buf, want);
	return exp;
}

/*
 * Random documents, written into capacities from 0 up to beyond their length: the result and the bytes must be
 * the reference's, so overflow is reported exactly where it used to be. Every small capacity and every one near
 * the length are tried, and a sample of those between.
 */
static void test_writer_against_reference(void **state)
{
	enum { STEPS = 24 };
	static char texts[STEPS][2][200];
	uint64_t ops[STEPS], nums[STEPS];

	(void)state;
	for (int doc = 0; doc < 300; doc++) {
		bool keyed = doc % 2;
		int full;

		for (int i = 0; i < STEPS; i++) {
			ops[i] = rng() % 11;
			nums[i] = rng() >> (rng() % 64);
			rand_text(texts[i][0], 60);
			rand_text(texts[i][1], 150);
		}
		full = write_both(65536, ops, texts, nums, STEPS, keyed);
		assert_true(full > 0);
		for (size_t cap = 0; cap < 48; cap++)
			write_both(cap, ops, texts, nums, STEPS, keyed);
		for (size_t cap = (size_t)full > 80 ? (size_t)full - 80 : 0; cap <= (size_t)full + 80; cap++)
			write_both(cap, ops, texts, nums, STEPS, keyed);
		for (int k = 0; k < 64; k++)
			write_both((size_t)(rng() % ((uint64_t)full + 1)), ops, texts, nums, STEPS, keyed);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u64_text),
		cmocka_unit_test(test_addr_text_edges),
		cmocka_unit_test(test_addr_text_random),
		cmocka_unit_test(test_escape_against_reference),
		cmocka_unit_test(test_writer_against_reference),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
