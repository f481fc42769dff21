/* SPDX-License-Identifier: BSD-3-Clause */
/* output_priv.h - lib/output's own fast paths: JSON members with precomputed keys, and numbers and addresses as text. */
#ifndef OUTPUT_PRIV_H
#define OUTPUT_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pt_output.h"
#include "pt_util.h"

/*
 * The public pt_json_* calls take keys as C strings, and so pay a strlen and several small copies per member.
 * The flow record formatter writes some 80 members per record, nearly all with literal keys: these variants take
 * the key already written out as JSON ("name": with its quotes and colon) with its length, from PT_JSON_KEY(), and
 * inline into the formatter, so that a member is one room check and a few stores.
 *
 * They write exactly what the public calls would, and overflow exactly as they do: the writer overflows when
 * what it was given to write reaches the capacity (one byte is kept for the NUL), wherever that happens. Once it
 * has overflowed, len is set to cap so that every later room check fails too (json.c does the same).
 */

/** A member name as written: "name": with its quotes and colon, and that text's length. */
struct pt_json_key {
	const char *text;
	size_t len;
};

/** The pt_json_key of a literal member name (the concatenation refuses anything but a literal). */
#define PT_JSON_KEY(name) ((struct pt_json_key){ "\"" name "\":", sizeof(name) + 2 })

/** Where @p n more bytes go, or NULL (and the writer overflowed) when they do not fit. */
static inline char *pt_json_room(struct pt_json *j, size_t n)
{
	if (PT_UNLIKELY(j->len + n >= j->cap)) {
		j->overflow = true;
		j->len = j->cap;
		return NULL;
	}
	return j->buf + j->len;
}

/* Open an object or array member: [,]"key":{ */
static inline void pt_json_key_open(struct pt_json *j, struct pt_json_key key, char bracket)
{
	size_t comma = j->need_comma, n = comma + key.len + 1;
	char *p = pt_json_room(j, n);

	if (p != NULL) {
		p[0] = ',';                           /* overwritten by the key when no comma is due */
		memcpy(p + comma, key.text, key.len);
		p[n - 1] = bracket;
		j->len += n;
	}
	j->need_comma = false;
}

static inline void pt_json_key_begin_object(struct pt_json *j, struct pt_json_key key)
{
	pt_json_key_open(j, key, '{');
}

static inline void pt_json_key_begin_array(struct pt_json *j, struct pt_json_key key)
{
	pt_json_key_open(j, key, '[');
}

/** Close an object or array: pt_json_end_object() and pt_json_end_array(), inlined. */
static inline void pt_json_close(struct pt_json *j, char bracket)
{
	char *p = pt_json_room(j, 1);

	if (p != NULL) {
		*p = bracket;
		j->len++;
	}
	j->need_comma = true;
}

/** Characters of the decimal text of @p v (1..20). */
static inline size_t pt_output_u64_len(uint64_t v)
{
	static const uint64_t pow10[20] = {
		1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL, 100000000ULL,
		1000000000ULL, 10000000000ULL, 100000000000ULL, 1000000000000ULL, 10000000000000ULL,
		100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL, 100000000000000000ULL,
		1000000000000000000ULL, 10000000000000000000ULL,
	};
	/* floor(log10(v)) from the bit length (1233 / 4096 ~ log10(2)), corrected by one comparison. */
	unsigned int t = (unsigned int)(64 - __builtin_clzll(v | 1)) * 1233 >> 12;

	return v < 10 ? 1 : t - (v < pow10[t]) + 1;
}

/**
 * Write the decimal text of @p v into @p out: exactly pt_output_u64_len(v) characters, no NUL.
 * @return that length.
 */
size_t pt_output_u64_text(char *out, uint64_t v);

/** Longest text pt_output_addr_text() writes ("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255"). */
#define PT_OUTPUT_ADDR_TEXT_MAX 45

/**
 * Write an address as pt_addr_format() does (IPv4 dotted quad unless @p ip_version is 6; IPv6 as glibc's
 * inet_ntop: the first longest run of two or more zero groups as "::", lowercase hex, "::a.b.c.d" and
 * "::ffff:a.b.c.d" for compatible and mapped IPv4), without a NUL, at most PT_OUTPUT_ADDR_TEXT_MAX characters.
 * @return the length.
 */
size_t pt_output_addr_text(char *out, uint8_t ip_version, const uint8_t addr[16]);

/** [,]"key":N */
static inline void pt_json_key_u64(struct pt_json *j, struct pt_json_key key, uint64_t value)
{
	size_t comma = j->need_comma, digits = pt_output_u64_len(value), n = comma + key.len + digits;
	char *p = pt_json_room(j, n);

	if (p != NULL) {
		p[0] = ',';
		memcpy(p + comma, key.text, key.len);
		pt_output_u64_text(p + comma + key.len, value);
		j->len += n;
	}
	j->need_comma = true;
}

/** [,]"key":"text" for text known to need no escaping (digits, addresses, times written here): copied as it is. */
static inline void pt_json_key_text(struct pt_json *j, struct pt_json_key key, const char *text, size_t len)
{
	size_t comma = j->need_comma, n = comma + key.len + len + 2;
	char *p = pt_json_room(j, n);

	if (p != NULL) {
		p[0] = ',';
		memcpy(p + comma, key.text, key.len);
		p += comma + key.len;
		p[0] = '"';
		memcpy(p + 1, text, len);
		p[len + 1] = '"';
		j->len += n;
	}
	j->need_comma = true;
}

/*
 * The most an escaped n-byte string takes with its quotes: 6 bytes a byte (\u00XX, \ufffd), and 8 of slack for
 * pt_json_escape()'s word stores, which may write up to 7 bytes past the end of the text.
 */
#define PT_JSON_ESCAPED_MAX(n) (6 * (size_t)(n) + 2 + 8)

/**
 * Escape the @p n bytes of the NUL-terminated @p s (strlen(s) == n) as pt_json_string() does, without quotes,
 * into @p out, which has room for PT_JSON_ESCAPED_MAX(n) - 2 bytes. @return the bytes of text written.
 */
size_t pt_json_escape(char *out, const char *s, size_t n);

/** pt_json_key_string() piece by piece, each piece checked: for when the room for the longest text is not left. */
void pt_json_key_string_exact(struct pt_json *j, struct pt_json_key key, const char *value);

/** [,]"key":"value", the value escaped as pt_json_string() does. */
static inline void pt_json_key_string(struct pt_json *j, struct pt_json_key key, const char *value)
{
	size_t comma = j->need_comma, n = strlen(value);
	char *p;

	if (PT_UNLIKELY(j->len + comma + key.len + PT_JSON_ESCAPED_MAX(n) >= j->cap)) {
		pt_json_key_string_exact(j, key, value);
		return;
	}
	p = j->buf + j->len;
	p[0] = ',';
	memcpy(p + comma, key.text, key.len);
	p += comma + key.len;
	p[0] = '"';
	n = pt_json_escape(p + 1, value, n);
	p[n + 1] = '"';
	j->len += comma + key.len + n + 2;
	j->need_comma = true;
}

/** [,]"key":"N": a number written as a string (network.iana_number, vlan.id). */
static inline void pt_json_key_u64_string(struct pt_json *j, struct pt_json_key key, uint64_t value)
{
	char text[20];

	pt_json_key_text(j, key, text, pt_output_u64_text(text, value));
}

/** [,]"key":"address" (see pt_output_addr_text). */
static inline void pt_json_key_addr(struct pt_json *j, struct pt_json_key key, uint8_t ip_version,
				    const uint8_t addr[16])
{
	char text[PT_OUTPUT_ADDR_TEXT_MAX];

	pt_json_key_text(j, key, text, pt_output_addr_text(text, ip_version, addr));
}

/**
 * Bytes (text without a NUL) copied as they are, after a comma if one is due: members or parts of members that
 * are constant. @p need_comma_after is whether the text ends a value.
 */
static inline void pt_json_raw(struct pt_json *j, const char *text, size_t len, bool need_comma_after)
{
	size_t comma = j->need_comma, n = comma + len;
	char *p = pt_json_room(j, n);

	if (p != NULL) {
		p[0] = ',';
		memcpy(p + comma, text, len);
		j->len += n;
	}
	j->need_comma = need_comma_after;
}

/** pt_json_raw() of a literal. */
#define PT_JSON_RAW(j, literal, need_comma_after) pt_json_raw((j), (literal), sizeof(literal) - 1, (need_comma_after))

#endif /* OUTPUT_PRIV_H */
