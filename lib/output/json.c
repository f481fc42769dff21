/* SPDX-License-Identifier: BSD-3-Clause */
/* json.c - A minimal JSON writer into a caller-supplied buffer, with string escaping. */
#include <errno.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "output_priv.h"

/*
 * Two paths. The fast one checks the room once per member for the longest text the member can take (an escaped
 * byte takes at most 6), then writes without further checks. When that much room is not left, the exact one
 * writes piece by piece, each piece checked: it overflows exactly when the text reaches the capacity, which is
 * what pt_json_finish() reports. Either way the bytes are the same.
 */

/* ---- the exact path ---------------------------------------------------------------------------------------- */

static void json_put(struct pt_json *j, const char *s, size_t n)
{
	char *p = pt_json_room(j, n);

	if (p != NULL) {
		memcpy(p, s, n);
		j->len += n;
	}
}

static void json_putc(struct pt_json *j, char c)
{
	json_put(j, &c, 1);
}

/* Length of the well-formed UTF-8 sequence starting at p (RFC 3629), or 0 if it is not one. Stops at the NUL,
 * which is no continuation byte, so it never reads past the string. */
static size_t utf8_sequence_len(const unsigned char *p)
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

/* True for bytes that go into a JSON string as they are. */
static bool json_plain(unsigned char c)
{
	return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

static const char hex_digits[] = "0123456789abcdef";

/*
 * The escape of the byte at @p p, which is not plain, into @p esc (6 bytes): \" \\ \n \r \t, \u00XX for other
 * control characters, a valid UTF-8 sequence as it is, \ufffd for a byte that starts none.
 * @return the bytes of esc to write, or 0 for a UTF-8 sequence (write its *used bytes of p as they are); in
 *         *used, the input bytes consumed.
 */
static size_t json_escape_one(const unsigned char *p, char esc[6], size_t *used)
{
	*used = 1;
	if (*p >= 0x80) {
		size_t n = utf8_sequence_len(p);

		if (n == 0) {
			memcpy(esc, "\\ufffd", 6);    /* not UTF-8: the replacement character */
			return 6;
		}
		*used = n;
		return 0;
	}
	esc[0] = '\\';
	switch (*p) {
	case '"': esc[1] = '"'; return 2;
	case '\\': esc[1] = '\\'; return 2;
	case '\n': esc[1] = 'n'; return 2;
	case '\r': esc[1] = 'r'; return 2;
	case '\t': esc[1] = 't'; return 2;
	default:
		esc[1] = 'u';
		esc[2] = '0';
		esc[3] = '0';
		esc[4] = hex_digits[*p >> 4];
		esc[5] = hex_digits[*p & 15];
		return 6;
	}
}

static void json_escaped_exact(struct pt_json *j, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	json_putc(j, '"');
	while (*p != '\0') {
		const unsigned char *run = p;
		char esc[6];
		size_t n, used;

		while (json_plain(*p))
			p++;
		if (p > run)
			json_put(j, (const char *)run, (size_t)(p - run));
		if (*p == '\0')
			break;
		n = json_escape_one(p, esc, &used);
		if (n == 0)
			json_put(j, (const char *)p, used);
		else
			json_put(j, esc, n);
		p += used;
	}
	json_putc(j, '"');
}

/* Keys are the caller's literals (ECS names): written as they are, without escaping. */
static void json_key_exact(struct pt_json *j, const char *key, size_t key_len)
{
	if (j->need_comma)
		json_putc(j, ',');
	if (key != NULL) {
		json_putc(j, '"');
		json_put(j, key, key_len);
		json_put(j, "\":", 2);
	}
}

/* ---- the fast path ---------------------------------------------------------------------------------------- */

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define JSON_WORD_SCAN 1
#else
#define JSON_WORD_SCAN 0
#endif

/*
 * Of 8 bytes loaded little-endian, a mask whose lowest set bit is the top bit of the first byte that is not plain
 * (below 0x20, 0x80 or above, '"' or '\\'); 0 when all are plain. The usual has-zero-byte tests: below the first
 * such byte nothing borrows, so no bit is set there; above it a borrow may set bits, and only the lowest is used.
 * ~x may stand for ~(x ^ c) because bytes from 0x80 up are flagged by x itself.
 */
static inline uint64_t json_word_special(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ULL;
	uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');

	return ((((x - ones * 0x20) | (q - ones) | (b - ones)) & ~x) | x) & (ones * 0x80);
}

/* The @p r (1..7) bytes at @p p in the low bytes of a word, zeros above, with loads inside [p, p + r) only. */
static inline uint64_t json_load_short(const unsigned char *p, size_t r)
{
	if (r >= 4) {
		uint32_t a, b;

		memcpy(&a, p, 4);
		memcpy(&b, p + r - 4, 4);                 /* overlaps a: the common bytes are equal, so OR keeps them */
		return a | (uint64_t)b << (8 * (r - 4));
	}
	if (r >= 2) {
		uint16_t a, b;

		memcpy(&a, p, 2);
		memcpy(&b, p + r - 2, 2);
		return a | (uint64_t)b << (8 * (r - 2));
	}
	return p[0];
}

/*
 * Copy the plain bytes from @p p (up to @p end, the end of the string that starts at @p start) to @p o, and
 * return how many there are. Blocks are stored whole and the count stops at the first byte that is not plain:
 * a store covers only input bytes still to come, each of which gives at least one output byte, except the last
 * block of 1..7 bytes, which may store up to 7 bytes past them (the slack in PT_JSON_ESCAPED_MAX). Loads stay
 * inside the string.
 */
static inline size_t json_copy_plain(char *o, const unsigned char *p, const unsigned char *end,
				     const unsigned char *start)
{
	const unsigned char *q = p;
	uint64_t x, m;
	size_t r;

#ifdef __SSE2__
	/* 16 at a time: a signed compare with 0x20 catches both the control characters and the bytes from 0x80. */
	const __m128i space = _mm_set1_epi8(0x20), quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');

	while (end - q >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)q);
		unsigned int bits;

		_mm_storeu_si128((__m128i *)(void *)(o + (q - p)), v);
		bits = (unsigned int)_mm_movemask_epi8(_mm_or_si128(_mm_cmplt_epi8(v, space),
			_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash))));
		if (bits != 0)
			return (size_t)(q - p) + (size_t)__builtin_ctz(bits);
		q += 16;
	}
#endif
	if (!JSON_WORD_SCAN) {
		while (q < end && json_plain(*q))
			o[q - p] = (char)*q, q++;
		return (size_t)(q - p);
	}
	while (end - q >= 8) {
		memcpy(&x, q, 8);
		memcpy(o + (q - p), q, 8);
		m = json_word_special(x);
		if (m != 0)
			return (size_t)(q - p) + ((size_t)__builtin_ctzll(m) >> 3);
		q += 8;
	}
	if (q == end)
		return (size_t)(q - p);
	/* The last 1..7 bytes as one word too: loaded from end - 8 when the string is that long (the bytes before q
	 * are shifted out), else piecewise. The zeros above them would count as not plain: masked off. */
	r = (size_t)(end - q);
	if ((size_t)(end - start) >= 8) {
		memcpy(&x, end - 8, 8);
		x >>= 8 * (8 - r);
	} else {
		x = json_load_short(q, r);
	}
	memcpy(o + (q - p), &x, 8);
	m = json_word_special(x) & ((1ULL << (8 * r)) - 1);
	return (size_t)(q - p) + (m != 0 ? (size_t)__builtin_ctzll(m) >> 3 : r);
}

/*
 * The escapes from the first byte that is not plain, at @p k, to the end: the general loop, out of line, so that
 * pt_json_escape() stays a leaf without saved registers for the usual string that needs none.
 */
static __attribute__((noinline)) size_t json_escape_from(char *out, const char *s, size_t n, size_t k)
{
	const unsigned char *start = (const unsigned char *)s, *p = start + k, *end = start + n;
	char *o = out + k;

	while (p < end) {
		char esc[6];
		size_t len, used;

		len = json_escape_one(p, esc, &used);
		if (len == 0) {
			memcpy(o, p, used);
			o += used;
		} else {
			memcpy(o, esc, 6);                          /* whole: the room is for 6 a byte */
			o += len;
		}
		p += used;
		if (p == end)
			break;
		k = json_copy_plain(o, p, end, start);
		o += k;
		p += k;
	}
	return (size_t)(o - out);
}

size_t pt_json_escape(char *out, const char *s, size_t n)
{
	const unsigned char *start = (const unsigned char *)s;
	size_t k = json_copy_plain(out, start, start + n, start);

	return PT_LIKELY(k == n) ? n : json_escape_from(out, s, n, k);
}

/* Room for @p prefix bytes and "escaped" of an n-byte string: NULL when it is not left (take the exact path). */
static inline char *json_room_escaped(struct pt_json *j, size_t prefix, size_t n)
{
	return PT_LIKELY(j->len + prefix + PT_JSON_ESCAPED_MAX(n) < j->cap) ? j->buf + j->len : NULL;
}

/* "escaped", from @p p, which has room. @return the end. */
static inline char *json_put_escaped(char *p, const char *s, size_t n)
{
	*p++ = '"';
	p += pt_json_escape(p, s, n);
	*p++ = '"';
	return p;
}

/* ---- the calls --------------------------------------------------------------------------------------------- */

/* The length of a member's prefix: [,]["key":]. */
static inline size_t json_prefix_len(size_t comma, const char *key, size_t key_len)
{
	return comma + (key != NULL ? key_len + 3 : 0);
}

/* [,]["key":] from @p p, which has room for json_prefix_len(); keys are the caller's literals, not escaped.
 * @return the end. */
static inline char *json_put_prefix(char *p, size_t comma, const char *key, size_t key_len)
{
	if (comma)
		*p++ = ',';
	if (key != NULL) {
		*p++ = '"';
		memcpy(p, key, key_len);
		p += key_len;
		*p++ = '"';
		*p++ = ':';
	}
	return p;
}

void pt_json_init(struct pt_json *j, char *buf, size_t cap)
{
	j->buf = buf;
	j->cap = cap;
	j->len = 0;
	j->overflow = cap == 0;
	j->need_comma = false;
}

/* [,]["key":]{ or [ */
static void json_open(struct pt_json *j, const char *key, char bracket)
{
	size_t comma = j->need_comma, key_len = key != NULL ? strlen(key) : 0;
	size_t n = json_prefix_len(comma, key, key_len) + 1;
	char *p = pt_json_room(j, n);

	if (p != NULL) {
		p = json_put_prefix(p, comma, key, key_len);
		*p = bracket;
		j->len += n;
	}
	j->need_comma = false;
}

void pt_json_begin_object(struct pt_json *j, const char *key)
{
	json_open(j, key, '{');
}

void pt_json_end_object(struct pt_json *j)
{
	pt_json_close(j, '}');
}

void pt_json_begin_array(struct pt_json *j, const char *key)
{
	json_open(j, key, '[');
}

void pt_json_end_array(struct pt_json *j)
{
	pt_json_close(j, ']');
}

/* [,]"key":"escaped value", or [,]"escaped value" without a key. */
void pt_json_string(struct pt_json *j, const char *key, const char *value)
{
	size_t comma = j->need_comma, key_len = key != NULL ? strlen(key) : 0, n = strlen(value);
	char *p = json_room_escaped(j, json_prefix_len(comma, key, key_len), n), *start = p;

	if (PT_UNLIKELY(p == NULL)) {
		json_key_exact(j, key, key_len);
		json_escaped_exact(j, value);
		j->need_comma = true;
		return;
	}
	p = json_put_prefix(p, comma, key, key_len);
	p = json_put_escaped(p, value, n);
	j->len += (size_t)(p - start);
	j->need_comma = true;
}

void pt_json_key_string_exact(struct pt_json *j, struct pt_json_key key, const char *value)
{
	if (j->need_comma)
		json_putc(j, ',');
	json_put(j, key.text, key.len);
	json_escaped_exact(j, value);
	j->need_comma = true;
}

void pt_json_string_data_key(struct pt_json *j, const char *key, const char *value)
{
	size_t comma = j->need_comma, kn = strlen(key), vn = strlen(value);
	char *p = json_room_escaped(j, comma + PT_JSON_ESCAPED_MAX(kn) + 1, vn), *start = p;

	if (PT_UNLIKELY(p == NULL)) {
		if (comma)
			json_putc(j, ',');
		json_escaped_exact(j, key);
		json_putc(j, ':');
		json_escaped_exact(j, value);
		j->need_comma = true;
		return;
	}
	if (comma)
		*p++ = ',';
	p = json_put_escaped(p, key, kn);
	*p++ = ':';
	p = json_put_escaped(p, value, vn);
	j->len += (size_t)(p - start);
	j->need_comma = true;
}

void pt_json_u64(struct pt_json *j, const char *key, uint64_t value)
{
	size_t comma = j->need_comma, key_len = key != NULL ? strlen(key) : 0;
	size_t digits = pt_output_u64_len(value), n = json_prefix_len(comma, key, key_len) + digits;
	char *p = pt_json_room(j, n);

	if (p != NULL) {
		p = json_put_prefix(p, comma, key, key_len);
		pt_output_u64_text(p, value);
		j->len += n;
	}
	j->need_comma = true;
}

void pt_json_bool(struct pt_json *j, const char *key, bool value)
{
	size_t comma = j->need_comma, key_len = key != NULL ? strlen(key) : 0;
	size_t n = json_prefix_len(comma, key, key_len) + (value ? 4 : 5);
	char *p = pt_json_room(j, n);

	if (p != NULL) {
		p = json_put_prefix(p, comma, key, key_len);
		memcpy(p, value ? "true" : "false", value ? 4 : 5);
		j->len += n;
	}
	j->need_comma = true;
}

int pt_json_finish(struct pt_json *j)
{
	if (j->overflow) {
		if (j->cap > 0)
			j->buf[0] = '\0';
		return -ENOSPC;
	}
	j->buf[j->len] = '\0';
	return (int)j->len;
}
