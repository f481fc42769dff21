/* SPDX-License-Identifier: BSD-3-Clause */
/* test_json_fuzz.c - Deterministic fuzzing of lib/util's JSON reader against a small reference parser written here. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pt_util.h"

#define DOC_MAX 2048
#define REF_MAX_DEPTH 32
#define REF_MAX_MEMBERS 512

/* ---- the reference: a straightforward recursive-descent reading of RFC 8259 ------------------------------- */

struct ref_member {
	const char *text;                /* the value's raw span */
	size_t len;
	enum pt_json_type type;
	bool key_ok;                     /* the key decodes and fits PT_JSON_KEY_LEN */
	char key[DOC_MAX];
};

struct ref {
	const char *p, *end;
	int depth;
	int n;                           /* top-level members seen */
	struct ref_member *top;          /* filled for the outermost container only */
};

static void ref_ws(struct ref *r)
{
	while (r->p < r->end && strchr(" \t\r\n", *r->p) != NULL && *r->p != '\0')
		r->p++;
}

static int ref_hex4(const char *p)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		char c = p[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

static size_t ref_utf8(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * Decode the string whose opening quote is at text (a validated string). @return the decoded length, or -1 when it
 * holds \u0000 or a lone surrogate.
 */
static int ref_decode(const char *text, char *out)
{
	const char *p = text + 1;
	size_t n = 0;

	while (*p != '"') {
		uint32_t cp;

		if (*p != '\\') {
			out[n++] = *p++;
			continue;
		}
		p++;
		switch (*p) {
		case 'b': cp = 8; break;
		case 'f': cp = 12; break;
		case 'n': cp = 10; break;
		case 'r': cp = 13; break;
		case 't': cp = 9; break;
		case 'u':
			cp = (uint32_t)ref_hex4(p + 1);
			p += 4;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return -1;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				int lo = p[1] == '\\' && p[2] == 'u' ? ref_hex4(p + 3) : -1;

				if (lo < 0xdc00 || lo > 0xdfff)
					return -1;
				cp = 0x10000 + ((cp - 0xd800) << 10) + ((uint32_t)lo - 0xdc00);
				p += 6;
			}
			if (cp == 0)
				return -1;
			break;
		default: cp = (unsigned char)*p; break;
		}
		p++;
		n += ref_utf8(cp, out + n);
	}
	out[n] = '\0';
	return (int)n;
}

static bool ref_string(struct ref *r)
{
	if (r->p >= r->end || *r->p != '"')
		return false;
	for (r->p++; r->p < r->end; r->p++) {
		unsigned char c = (unsigned char)*r->p;

		if (c == '"') {
			r->p++;
			return true;
		}
		if (c < 0x20)
			return false;
		if (c == '\\') {
			if (++r->p >= r->end)
				return false;
			if (*r->p == 'u') {
				if (r->end - r->p < 5 || ref_hex4(r->p + 1) < 0)
					return false;
				r->p += 4;
			} else if (*r->p == '\0' || strchr("\"\\/bfnrt", *r->p) == NULL) {
				return false;
			}
		}
	}
	return false;
}

static bool ref_digits(struct ref *r)
{
	const char *start = r->p;

	while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
		r->p++;
	return r->p > start;
}

static bool ref_number(struct ref *r)
{
	if (r->p < r->end && *r->p == '-')
		r->p++;
	if (r->p < r->end && *r->p == '0')
		r->p++;
	else if (r->p >= r->end || *r->p < '1' || *r->p > '9' || !ref_digits(r))
		return false;
	if (r->p < r->end && *r->p == '.') {
		r->p++;
		if (!ref_digits(r))
			return false;
	}
	if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
		r->p++;
		if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
			r->p++;
		if (!ref_digits(r))
			return false;
	}
	return true;
}

static bool ref_value(struct ref *r, enum pt_json_type *type);

static bool ref_container(struct ref *r)
{
	bool object = *r->p == '{', top = r->depth == 0;
	char close = object ? '}' : ']';

	if (r->depth >= REF_MAX_DEPTH)
		return false;
	r->depth++;
	r->p++;
	ref_ws(r);
	if (r->p < r->end && *r->p == close) {
		r->p++;
		r->depth--;
		return true;
	}
	for (;;) {
		struct ref_member *m = top && r->n < REF_MAX_MEMBERS ? &r->top[r->n] : NULL;
		enum pt_json_type type;
		const char *key = r->p;

		if (object) {
			if (!ref_string(r))
				return false;
			if (m != NULL) {
				int klen = ref_decode(key, m->key);

				m->key_ok = klen >= 0 && klen < PT_JSON_KEY_LEN;
			}
			ref_ws(r);
			if (r->p >= r->end || *r->p != ':')
				return false;
			r->p++;
			ref_ws(r);
		}
		if (m != NULL)
			m->text = r->p;
		if (!ref_value(r, &type))
			return false;
		if (m != NULL) {
			m->len = (size_t)(r->p - m->text);
			m->type = type;
			if (!object)
				m->key_ok = true;
		}
		if (top)
			r->n++;
		ref_ws(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			ref_ws(r);
			continue;
		}
		if (r->p < r->end && *r->p == close) {
			r->p++;
			r->depth--;
			return true;
		}
		return false;
	}
}

static bool ref_literal(struct ref *r, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
		return false;
	r->p += n;
	return true;
}

static bool ref_value(struct ref *r, enum pt_json_type *type)
{
	if (r->p >= r->end)
		return false;
	switch (*r->p) {
	case '{': *type = PT_JSON_OBJECT; return ref_container(r);
	case '[': *type = PT_JSON_ARRAY; return ref_container(r);
	case '"': *type = PT_JSON_STRING; return ref_string(r);
	case 't': *type = PT_JSON_BOOL; return ref_literal(r, "true");
	case 'f': *type = PT_JSON_BOOL; return ref_literal(r, "false");
	case 'n': *type = PT_JSON_NULL; return ref_literal(r, "null");
	default: *type = PT_JSON_NUMBER; return ref_number(r);
	}
}

/* -1: not one JSON object or array; 0: valid; 1: valid but a top-level key cannot be passed. */
static int ref_check(const char *text, size_t len, struct ref_member *top, int *n)
{
	struct ref r = { .p = text, .end = text + len, .top = top };

	ref_ws(&r);
	if (r.p >= r.end || (*r.p != '{' && *r.p != '['))
		return -1;
	if (!ref_container(&r))
		return -1;
	ref_ws(&r);
	if (r.p != r.end)
		return -1;
	*n = r.n;
	for (int i = 0; i < r.n && i < REF_MAX_MEMBERS; i++)
		if (!top[i].key_ok)
			return 1;
	return 0;
}

/* ---- comparing pt_json_read() with the reference --------------------------------------------------------- */

struct walk {
	const char *doc;
	size_t len;
	int level;
	bool object;
	const struct ref_member *want;
	int n;
	bool mismatch;
};

static struct {
	uint64_t docs, valid, invalid, bad_keys, strings, nested;
} counts;

static void check_doc(const char *text, size_t len, int level);

static int compare(void *ctx, const char *key, const struct pt_json_value *v)
{
	struct walk *w = ctx;
	const struct ref_member *m;
	static char out[DOC_MAX + 8], want[DOC_MAX + 8];

	if (w->n >= REF_MAX_MEMBERS) {
		w->n++;
		return 0;
	}
	m = &w->want[w->n++];
	if (v->text != m->text || v->len != m->len || v->type != m->type || v->text < w->doc ||
	    v->text + v->len > w->doc + w->len || (key != NULL) != w->object || (key != NULL && strcmp(key, m->key) != 0))
		w->mismatch = true;
	if (v->type == PT_JSON_STRING) {
		int got = pt_json_string_decode(v, out, sizeof(out)), ref = ref_decode(v->text, want);

		counts.strings++;
		if (ref < 0 ? got != -EINVAL : got != ref || memcmp(out, want, (size_t)ref + 1) != 0)
			w->mismatch = true;
		if (ref >= 0 && (pt_json_string_decode(v, out, (size_t)ref) != -ENOSPC ||
				 pt_json_string_decode(v, out, (size_t)ref + 1) != ref))
			w->mismatch = true;
	} else if (v->type == PT_JSON_OBJECT || v->type == PT_JSON_ARRAY) {
		counts.nested++;
		check_doc(v->text, v->len, w->level + 1);    /* a nested value reads alone, with a fresh depth budget */
	}
	return 0;
}

static struct ref_member *members_at(int level)
{
	static struct ref_member *pool[REF_MAX_DEPTH + 2];

	if (pool[level] == NULL) {
		pool[level] = calloc(REF_MAX_MEMBERS, sizeof(struct ref_member));
		assert_non_null(pool[level]);
	}
	return pool[level];
}

static char *show(const char *text, size_t len)
{
	static char buf[DOC_MAX * 4 + 1];
	size_t o = 0;

	for (size_t i = 0; i < len && o + 5 < sizeof(buf); i++)
		o += (size_t)sprintf(buf + o, (unsigned char)text[i] >= 0x20 && text[i] != '\\' && text[i] < 0x7f ? "%c" : "\\x%02x",
				     (unsigned char)text[i]);
	buf[o] = '\0';
	return buf;
}

static void check_doc(const char *text, size_t len, int level)
{
	/* Level 0 is the document; nested values use one member array per nesting level of this recursion. */
	struct ref_member *want;
	struct walk w = { .doc = text, .len = len, .level = level };
	int n = 0, expect, rc;

	if (level > REF_MAX_DEPTH)
		return;
	want = members_at(level);
	expect = ref_check(text, len, want, &n);
	w.want = want;
	for (size_t i = 0; i < len; i++) {
		if (strchr(" \t\r\n", text[i]) == NULL || text[i] == '\0') {
			w.object = text[i] == '{';
			break;
		}
	}
	counts.docs += level == 0;
	rc = pt_json_read(text, len, compare, &w);
	if (expect < 0) {
		counts.invalid += level == 0;
		if (rc != -EINVAL || w.n != 0)
			fail_msg("malformed '%s': got %d after %d callbacks", show(text, len), rc, w.n);
		return;
	}
	if (expect > 0) {
		counts.bad_keys += level == 0;
		if (rc != -EINVAL)
			fail_msg("bad key in '%s': got %d", show(text, len), rc);
		return;
	}
	counts.valid += level == 0;
	if (rc != 0 || w.n != n || w.mismatch)
		fail_msg("valid '%s': got %d, %d of %d members, mismatch %d", show(text, len), rc, w.n, n, w.mismatch);
}

/* ---- generating documents --------------------------------------------------------------------------------- */

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)((rng_state >> 11) % n);
}

static const char *const seeds[] = {
	"{}", "[]", "[1,2,3]", "{\"a\":1}", "{\"a\":[1,{\"b\":null}],\"c\":\"d\"}",
	"{\"kind\":\"pod\",\"namespace\":\"shop\",\"pod\":\"web-7d4f9-abcde\",\"labels\":{\"app\":\"web\","
	"\"pod-template-hash\":\"7d4f9\"},\"images\":[\"registry.example/web:1.0\"],\"start_time\":\"2026-01-02T03:04:06Z\"}",
	"[\"\\u00e9\\ud83d\\ude00\\n\\t\\\"\\\\\\/\",\"\\u0041\",\"caf\xc3\xa9\"]",
	"{\"k\\u00e9y\":-1.5e+10,\"x\":[true,false,null,0,-0,0.5,1E-3]}",
	"[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]",
	" \t\r\n{ \"a\" : [ 1 , 2 ] , \"b\" : { } } \n",
	"[\"\\ud800\\udc00\",\"\\udbff\\udfff\",{\"\":\"\"}]",
};

static const char *const tokens[] = {
	"{", "}", "[", "]", "\"", ",", ":", " ", "\\", "\\u", "\\ud83d", "\\ude00", "\\u0000", "\\n", "0", "1", "-", ".",
	"e", "E+", "true", "false", "null", "\"k\":", "\x00", "\x1f", "\x7f", "\xc3\xa9", "\t", "0001", "[[[[", "]]]]",
};

static size_t put(char *doc, size_t len, size_t at, const char *s, size_t n)
{
	if (len + n > DOC_MAX)
		return len;
	memmove(doc + at + n, doc + at, len - at);
	memcpy(doc + at, s, n);
	return len + n;
}

static size_t mutate(char *doc, size_t len)
{
	size_t at = len ? rnd((uint32_t)len) : 0, n;
	const char *tok;

	switch (rnd(8)) {
	case 0:              /* overwrite one byte with anything */
		if (len)
			doc[at] = (char)rnd(256);
		return len;
	case 1:              /* delete a short run */
		n = 1 + rnd(4);
		if (at + n > len)
			n = len - at;
		memmove(doc + at, doc + at + n, len - at - n);
		return len - n;
	case 2:              /* truncate */
		return at;
	case 3:              /* duplicate a span */
		n = rnd(16);
		if (at + n > len)
			n = len - at;
		{
			char span[16];

			memcpy(span, doc + at, n);
			return put(doc, len, rnd((uint32_t)len + 1), span, n);
		}
	case 4:              /* swap two bytes */
		if (len) {
			size_t b = rnd((uint32_t)len);
			char c = doc[at];

			doc[at] = doc[b];
			doc[b] = c;
		}
		return len;
	default:             /* insert a token */
		tok = tokens[rnd(PT_ARRAY_SIZE(tokens))];
		n = *tok ? strlen(tok) : 1;
		return put(doc, len, at, tok, n);
	}
}

static void test_fuzz_mutated(void **state)
{
	static char doc[DOC_MAX + 1];

	(void)state;
	rng_state = 0x9e3779b97f4a7c15ULL;
	memset(&counts, 0, sizeof(counts));
	for (int iter = 0; iter < 40000; iter++) {
		const char *seed = seeds[rnd(PT_ARRAY_SIZE(seeds))];
		size_t len = strlen(seed);
		int rounds = 1 + (int)rnd(4);

		memcpy(doc, seed, len);
		for (int i = 0; i < rounds; i++)
			len = mutate(doc, len);
		check_doc(doc, len, 0);
		/* The unmutated seeds are valid. */
		if (iter < (int)PT_ARRAY_SIZE(seeds)) {
			assert_int_equal(ref_check(seeds[iter], strlen(seeds[iter]), members_at(0), &(int){ 0 }), 0);
			check_doc(seeds[iter], strlen(seeds[iter]), 0);
		}
	}
	fprintf(stderr, "# mutated: %lu docs, %lu valid, %lu malformed, %lu bad keys, %lu strings, %lu nested\n",
		(unsigned long)counts.docs, (unsigned long)counts.valid, (unsigned long)counts.invalid,
		(unsigned long)counts.bad_keys, (unsigned long)counts.strings, (unsigned long)counts.nested);
	assert_true(counts.valid > 2000);
	assert_true(counts.invalid > 2000);
}

/* Random documents from a JSON-ish alphabet, starting with a bracket so that they get past the first byte. */
static void test_fuzz_random(void **state)
{
	static const char alphabet[] = "{}[]\"\",:,: 0123-.eE+tfnrulsa\\u\\/bd8e0\t\n";
	static char doc[DOC_MAX + 1];

	(void)state;
	rng_state = 0x243f6a8885a308d3ULL;
	memset(&counts, 0, sizeof(counts));
	for (int iter = 0; iter < 30000; iter++) {
		size_t len = rnd(24);

		for (size_t i = 0; i < len; i++)
			doc[i] = rnd(16) == 0 ? (char)rnd(256) : alphabet[rnd(sizeof(alphabet) - 1)];
		if (len > 0 && rnd(4) != 0)
			doc[0] = rnd(2) ? '{' : '[';
		check_doc(doc, len, 0);
	}
	fprintf(stderr, "# random: %lu docs, %lu valid, %lu malformed\n", (unsigned long)counts.docs,
		(unsigned long)counts.valid, (unsigned long)counts.invalid);
	assert_true(counts.valid > 20);
}

/*
 * Random well-formed documents; about half have a spine of containers 30 to 34 deep (the limit is 32), and some
 * keys are 318 to 320 bytes long (the limit is 319).
 */
static size_t gen_value(char *doc, size_t len, int depth, int spine)
{
	static const char *const scalars[] = { "0", "-1.5e3", "true", "false", "null", "\"s\"", "\"\\u00e9\"",
					       "\"\\ud83d\\ude00\"" };
	int kind, n;

	if (depth <= spine)
		kind = (int)rnd(2);                     /* 0 [, 1 {, else a scalar */
	else if (depth > 40 || len > DOC_MAX - 400)
		kind = 2;
	else
		kind = (int)rnd(depth < 4 ? 3 : 6);
	if (kind >= 2)
		return len + (size_t)sprintf(doc + len, "%s", scalars[rnd(PT_ARRAY_SIZE(scalars))]);
	doc[len++] = kind ? '{' : '[';
	n = (int)rnd(4);
	if (depth < spine && n == 0)
		n = 1;
	for (int i = 0; i < n && len < DOC_MAX - 400; i++) {
		if (i)
			doc[len++] = ',';
		if (kind) {
			size_t klen = rnd(8) == 0 ? PT_JSON_KEY_LEN - 2 + rnd(3) : rnd(4);

			doc[len++] = '"';
			memset(doc + len, 'k', klen);
			len += klen;
			len += (size_t)sprintf(doc + len, "\":");
		}
		len = gen_value(doc, len, depth + 1, i == 0 ? spine : 0);
	}
	doc[len++] = kind ? '}' : ']';
	return len;
}

static void test_fuzz_generated(void **state)
{
	static char doc[DOC_MAX + 512];

	(void)state;
	rng_state = 0xb7e151628aed2a6bULL;
	memset(&counts, 0, sizeof(counts));
	for (int iter = 0; iter < 20000; iter++) {
		int spine = rnd(2) ? 30 + (int)rnd(5) : 1;
		size_t len = gen_value(doc, 0, 1, spine);

		check_doc(doc, len, 0);
	}
	fprintf(stderr, "# generated: %lu docs, %lu valid, %lu too deep, %lu bad keys, %lu nested\n",
		(unsigned long)counts.docs, (unsigned long)counts.valid, (unsigned long)counts.invalid,
		(unsigned long)counts.bad_keys, (unsigned long)counts.nested);
	assert_true(counts.valid > 5000);
	assert_true(counts.invalid > 2000);
	assert_true(counts.bad_keys > 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fuzz_mutated),
		cmocka_unit_test(test_fuzz_random),
		cmocka_unit_test(test_fuzz_generated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
