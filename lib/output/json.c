/* SPDX-License-Identifier: BSD-3-Clause */
/* json.c - A minimal JSON writer into a caller-supplied buffer, with string escaping. */
#include <errno.h>
#include <string.h>

#include "pt_output.h"

static void json_put(struct pt_json *j, const char *s, size_t n)
{
	if (j->overflow || j->len + n >= j->cap) {
		j->overflow = true;
		return;
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
}

static void json_putc(struct pt_json *j, char c)
{
	json_put(j, &c, 1);
}

/* Length of the well-formed UTF-8 sequence starting at p (RFC 3629), or 0 if it is not one. */
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

static void json_escaped(struct pt_json *j, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;

	json_putc(j, '"');
	while (*p != '\0') {
		const unsigned char *run = p;

		while (json_plain(*p))
			p++;
		if (p > run)
			json_put(j, (const char *)run, (size_t)(p - run));
		if (*p == '\0')
			break;
		if (*p >= 0x80) {
			size_t n = utf8_sequence_len(p);

			if (n == 0) {
				json_put(j, "\\ufffd", 6);   /* not UTF-8: the replacement character */
				p++;
			} else {
				json_put(j, (const char *)p, n);
				p += n;
			}
			continue;
		}
		switch (*p) {
		case '"': json_put(j, "\\\"", 2); break;
		case '\\': json_put(j, "\\\\", 2); break;
		case '\n': json_put(j, "\\n", 2); break;
		case '\r': json_put(j, "\\r", 2); break;
		case '\t': json_put(j, "\\t", 2); break;
		default: {
			char esc[6] = { '\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15] };

			json_put(j, esc, 6);
		}
		}
		p++;
	}
	json_putc(j, '"');
}

/* Keys are the caller's literals (ECS names): written as they are, without escaping. */
static void json_key(struct pt_json *j, const char *key)
{
	if (j->need_comma)
		json_putc(j, ',');
	if (key != NULL) {
		json_putc(j, '"');
		json_put(j, key, strlen(key));
		json_put(j, "\":", 2);
	}
}

void pt_json_init(struct pt_json *j, char *buf, size_t cap)
{
	j->buf = buf;
	j->cap = cap;
	j->len = 0;
	j->overflow = cap == 0;
	j->need_comma = false;
}

void pt_json_begin_object(struct pt_json *j, const char *key)
{
	json_key(j, key);
	json_putc(j, '{');
	j->need_comma = false;
}

void pt_json_end_object(struct pt_json *j)
{
	json_putc(j, '}');
	j->need_comma = true;
}

void pt_json_begin_array(struct pt_json *j, const char *key)
{
	json_key(j, key);
	json_putc(j, '[');
	j->need_comma = false;
}

void pt_json_end_array(struct pt_json *j)
{
	json_putc(j, ']');
	j->need_comma = true;
}

void pt_json_string(struct pt_json *j, const char *key, const char *value)
{
	json_key(j, key);
	json_escaped(j, value);
	j->need_comma = true;
}

void pt_json_string_data_key(struct pt_json *j, const char *key, const char *value)
{
	if (j->need_comma)
		json_putc(j, ',');
	json_escaped(j, key);
	json_putc(j, ':');
	json_escaped(j, value);
	j->need_comma = true;
}

void pt_json_u64(struct pt_json *j, const char *key, uint64_t value)
{
	char digits[20];
	int n = 0;

	do {
		digits[sizeof(digits) - 1 - n++] = (char)('0' + value % 10);
		value /= 10;
	} while (value != 0);
	json_key(j, key);
	json_put(j, digits + sizeof(digits) - n, (size_t)n);
	j->need_comma = true;
}

void pt_json_bool(struct pt_json *j, const char *key, bool value)
{
	json_key(j, key);
	if (value)
		json_put(j, "true", 4);
	else
		json_put(j, "false", 5);
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
