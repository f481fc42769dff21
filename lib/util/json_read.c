/* SPDX-License-Identifier: BSD-3-Clause */
/* json_read.c - A strict, allocation-free JSON reader: visit an object's members or an array's elements, decode strings. */
#include <errno.h>
#include <string.h>

#include "pt_util.h"

#define JSON_MAX_DEPTH 32

static const char *json_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

static int json_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The end of the string starting at p (on its opening quote), just past the closing quote; NULL if malformed. */
static const char *json_skip_string(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '"')
			return p + 1;
		if (c < 0x20)
			return NULL;
		if (c != '\\')
			continue;
		if (++p >= end)
			return NULL;
		if (*p == 'u') {
			if (end - p < 5)
				return NULL;
			for (int i = 1; i <= 4; i++)
				if (json_hex(p[i]) < 0)
					return NULL;
			p += 4;
		} else if (strchr("\"\\/bfnrt", *p) == NULL || *p == '\0') {
			return NULL;
		}
	}
	return NULL;
}

static const char *json_skip_number(const char *p, const char *end)
{
	const char *digits;

	if (p < end && *p == '-')
		p++;
	if (p < end && *p == '0') {
		p++;
	} else {
		digits = p;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
		if (p == digits)
			return NULL;
	}
	if (p < end && *p == '.') {
		digits = ++p;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
		if (p == digits)
			return NULL;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		digits = p;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
		if (p == digits)
			return NULL;
	}
	return p;
}

static const char *json_skip_literal(const char *p, const char *end, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(end - p) >= n && memcmp(p, word, n) == 0 ? p + n : NULL;
}

static const char *json_skip_value(const char *p, const char *end, int depth, enum pt_json_type *type);

/* Skip an object or array whose opening bracket is at p. */
static const char *json_skip_container(const char *p, const char *end, int depth)
{
	char close = *p == '{' ? '}' : ']';
	bool object = *p == '{';
	enum pt_json_type type;

	if (depth >= JSON_MAX_DEPTH)
		return NULL;
	p = json_ws(p + 1, end);
	if (p < end && *p == close)
		return p + 1;
	for (;;) {
		if (object) {
			if (p >= end || *p != '"' || (p = json_skip_string(p, end)) == NULL)
				return NULL;
			p = json_ws(p, end);
			if (p >= end || *p != ':')
				return NULL;
			p = json_ws(p + 1, end);
		}
		p = json_skip_value(p, end, depth + 1, &type);
		if (p == NULL)
			return NULL;
		p = json_ws(p, end);
		if (p < end && *p == ',') {
			p = json_ws(p + 1, end);
			continue;
		}
		return p < end && *p == close ? p + 1 : NULL;
	}
}

static const char *json_skip_value(const char *p, const char *end, int depth, enum pt_json_type *type)
{
	if (p >= end)
		return NULL;
	switch (*p) {
	case '"': *type = PT_JSON_STRING; return json_skip_string(p, end);
	case '{': *type = PT_JSON_OBJECT; return json_skip_container(p, end, depth);
	case '[': *type = PT_JSON_ARRAY; return json_skip_container(p, end, depth);
	case 't': *type = PT_JSON_BOOL; return json_skip_literal(p, end, "true");
	case 'f': *type = PT_JSON_BOOL; return json_skip_literal(p, end, "false");
	case 'n': *type = PT_JSON_NULL; return json_skip_literal(p, end, "null");
	default: *type = PT_JSON_NUMBER; return json_skip_number(p, end);
	}
}

/* Append code point cp as UTF-8; surrogates and overflow are errors. */
static int json_put_utf8(char *out, size_t cap, size_t *n, uint32_t cp)
{
	char buf[4];
	size_t len;

	if (cp < 0x80) {
		buf[0] = (char)cp;
		len = 1;
	} else if (cp < 0x800) {
		buf[0] = (char)(0xc0 | (cp >> 6));
		buf[1] = (char)(0x80 | (cp & 0x3f));
		len = 2;
	} else if (cp < 0x10000) {
		buf[0] = (char)(0xe0 | (cp >> 12));
		buf[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		buf[2] = (char)(0x80 | (cp & 0x3f));
		len = 3;
	} else {
		buf[0] = (char)(0xf0 | (cp >> 18));
		buf[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		buf[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		buf[3] = (char)(0x80 | (cp & 0x3f));
		len = 4;
	}
	if (*n + len >= cap)
		return -ENOSPC;
	memcpy(out + *n, buf, len);
	*n += len;
	return 0;
}

static uint32_t json_u16(const char *p)
{
	return (uint32_t)(json_hex(p[0]) << 12 | json_hex(p[1]) << 8 | json_hex(p[2]) << 4 | json_hex(p[3]));
}

/* Decode the string at text[0..len) (quotes included, already validated). */
static int json_decode(const char *text, size_t len, char *out, size_t cap)
{
	const char *p = text + 1, *end = text + len - 1;
	size_t n = 0;

	if (cap == 0)
		return -ENOSPC;
	while (p < end) {
		uint32_t cp;

		if (*p != '\\') {
			if (n + 1 >= cap)
				return -ENOSPC;
			out[n++] = *p++;
			continue;
		}
		p++;
		switch (*p) {
		case 'b': cp = '\b'; break;
		case 'f': cp = '\f'; break;
		case 'n': cp = '\n'; break;
		case 'r': cp = '\r'; break;
		case 't': cp = '\t'; break;
		case 'u':
			cp = json_u16(p + 1);
			p += 4;
			if (cp >= 0xd800 && cp < 0xdc00) {
				uint32_t lo;

				if (end - p < 7 || p[1] != '\\' || p[2] != 'u')
					return -EINVAL;
				lo = json_u16(p + 3);
				if (lo < 0xdc00 || lo >= 0xe000)
					return -EINVAL;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				p += 6;
			} else if (cp >= 0xdc00 && cp < 0xe000) {
				return -EINVAL;
			}
			if (cp == 0)
				return -EINVAL;     /* an embedded NUL cannot be a C string */
			break;
		default: cp = (unsigned char)*p; break;   /* \" \\ \/ */
		}
		p++;
		if (json_put_utf8(out, cap, &n, cp) != 0)
			return -ENOSPC;
	}
	out[n] = '\0';
	return (int)n;
}

int pt_json_string_decode(const struct pt_json_value *v, char *out, size_t cap)
{
	if (v == NULL || out == NULL || v->type != PT_JSON_STRING || v->len < 2)
		return -EINVAL;
	return json_decode(v->text, v->len, out, cap);
}

/* Walk the members or elements of the validated container at p (its closing bracket ends at close); call fn for
 * each when fn is not NULL. Without fn, it only checks that every key decodes and fits. */
static int json_walk(const char *p, const char *close, pt_json_member_fn fn, void *ctx)
{
	const char *end = close;
	char key[PT_JSON_KEY_LEN];
	bool object = *p == '{';

	p = json_ws(p + 1, end);
	while (p < close - 1) {
		struct pt_json_value v;

		if (object) {
			const char *key_end = json_skip_string(p, end);

			if (json_decode(p, (size_t)(key_end - p), key, sizeof(key)) < 0)
				return -EINVAL;
			p = json_ws(json_ws(key_end, end) + 1, end);     /* past the ':' */
		}
		v.text = p;
		p = json_skip_value(p, end, 1, &v.type);
		v.len = (size_t)(p - v.text);
		if (fn != NULL) {
			int rc = fn(ctx, object ? key : NULL, &v);

			if (rc < 0)
				return rc;
		}
		p = json_ws(p, end);
		if (*p == ',')
			p = json_ws(p + 1, end);
	}
	return 0;
}

int pt_json_read(const char *text, size_t len, pt_json_member_fn fn, void *ctx)
{
	const char *p, *end = text + len, *close;

	if (text == NULL || fn == NULL)
		return -EINVAL;
	/* Validate everything first, keys included, so that a callback never sees part of a malformed document. */
	p = json_ws(text, end);
	if (p >= end || (*p != '{' && *p != '['))
		return -EINVAL;
	close = json_skip_container(p, end, 0);
	if (close == NULL || json_ws(close, end) != end)
		return -EINVAL;
	if (*p == '{' && json_walk(p, close, NULL, NULL) < 0)
		return -EINVAL;
	return json_walk(p, close, fn, ctx);
}
