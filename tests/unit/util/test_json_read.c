/* SPDX-License-Identifier: BSD-3-Clause */
/* test_json_read.c - Unit tests for lib/util's JSON reader: member order, raw spans, malformed input, string decoding. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pt_util.h"

#define MAX_SEEN 16

/* What the callback saw, member by member. */
struct seen {
	int n;
	int stop_at;                     /* return stop_rc at this member (1-based); 0: never */
	int stop_rc;
	bool has_key[MAX_SEEN];
	char key[MAX_SEEN][PT_JSON_KEY_LEN];
	enum pt_json_type type[MAX_SEEN];
	const char *text[MAX_SEEN];
	char raw[MAX_SEEN][256];
};

static int record(void *ctx, const char *key, const struct pt_json_value *v)
{
	struct seen *s = ctx;
	int i = s->n++;

	if (i < MAX_SEEN) {
		s->has_key[i] = key != NULL;
		if (key != NULL)
			snprintf(s->key[i], sizeof(s->key[i]), "%s", key);
		s->type[i] = v->type;
		s->text[i] = v->text;
		snprintf(s->raw[i], sizeof(s->raw[i]), "%.*s", (int)v->len, v->text);
	}
	if (s->stop_at != 0 && s->n == s->stop_at)
		return s->stop_rc;
	return 0;
}

static int read_doc(const char *doc, struct seen *s)
{
	memset(s, 0, sizeof(*s));
	return pt_json_read(doc, strlen(doc), record, s);
}

static void assert_member(const struct seen *s, int i, const char *key, enum pt_json_type type, const char *raw)
{
	if (key == NULL) {
		assert_false(s->has_key[i]);
	} else {
		assert_true(s->has_key[i]);
		assert_string_equal(s->key[i], key);
	}
	assert_int_equal(s->type[i], type);
	assert_string_equal(s->raw[i], raw);
}

static void test_read_object_in_order(void **state)
{
	const char *doc = "{\"a\":1,\"b\":\"x\\ny\",\"c\":true,\"d\":false,\"e\":null,\"f\":[1,[2]],"
			  "\"g\":{\"h\":-1.5e+3},\"k\\u00e9y\":0,\"q\\\"\\\\\":\"\",\"\":-0}";
	struct seen s;

	(void)state;
	assert_int_equal(read_doc(doc, &s), 0);
	assert_int_equal(s.n, 10);
	assert_member(&s, 0, "a", PT_JSON_NUMBER, "1");
	assert_member(&s, 1, "b", PT_JSON_STRING, "\"x\\ny\"");
	assert_member(&s, 2, "c", PT_JSON_BOOL, "true");
	assert_member(&s, 3, "d", PT_JSON_BOOL, "false");
	assert_member(&s, 4, "e", PT_JSON_NULL, "null");
	assert_member(&s, 5, "f", PT_JSON_ARRAY, "[1,[2]]");
	assert_member(&s, 6, "g", PT_JSON_OBJECT, "{\"h\":-1.5e+3}");
	assert_member(&s, 7, "k\xc3\xa9y", PT_JSON_NUMBER, "0");     /* keys arrive decoded */
	assert_member(&s, 8, "q\"\\", PT_JSON_STRING, "\"\"");
	assert_member(&s, 9, "", PT_JSON_NUMBER, "-0");
	/* Values point into the document: nothing is copied. */
	assert_ptr_equal(s.text[0], strstr(doc, "1,"));
	assert_ptr_equal(s.text[6], strstr(doc, "{\"h\""));
}

static void test_read_array_in_order(void **state)
{
	struct seen s;

	(void)state;
	assert_int_equal(read_doc("[1,\"two\",[3],{\"four\":4},null,true,false,-0.5E-2,1e05,\"\\ud83d\\ude00\"]", &s), 0);
	assert_int_equal(s.n, 10);
	assert_member(&s, 0, NULL, PT_JSON_NUMBER, "1");
	assert_member(&s, 1, NULL, PT_JSON_STRING, "\"two\"");
	assert_member(&s, 2, NULL, PT_JSON_ARRAY, "[3]");
	assert_member(&s, 3, NULL, PT_JSON_OBJECT, "{\"four\":4}");
	assert_member(&s, 4, NULL, PT_JSON_NULL, "null");
	assert_member(&s, 5, NULL, PT_JSON_BOOL, "true");
	assert_member(&s, 6, NULL, PT_JSON_BOOL, "false");
	assert_member(&s, 7, NULL, PT_JSON_NUMBER, "-0.5E-2");
	assert_member(&s, 8, NULL, PT_JSON_NUMBER, "1e05");
	assert_member(&s, 9, NULL, PT_JSON_STRING, "\"\\ud83d\\ude00\"");
}

static void test_read_numbers_and_literals(void **state)
{
	static const char *const good[] = { "0", "-0", "10", "1.0", "1e5", "1E+5", "1e-5", "-1.25e10", "0.000",
					    "123456789012345678901234567890", "0e0", "-0.0E-0" };
	char doc[64];
	struct seen s;

	(void)state;
	for (size_t i = 0; i < PT_ARRAY_SIZE(good); i++) {
		snprintf(doc, sizeof(doc), "[%s]", good[i]);
		assert_int_equal(read_doc(doc, &s), 0);
		assert_int_equal(s.n, 1);
		assert_member(&s, 0, NULL, PT_JSON_NUMBER, good[i]);
	}
}

static void test_read_nested_raw(void **state)
{
	const char *doc = "{\"outer\":{\"mid\":[{\"inner\":\"deep\"},2],\"x\":{}}}";
	struct seen s1, s2, s3, s4;

	(void)state;
	assert_int_equal(read_doc(doc, &s1), 0);
	assert_int_equal(s1.n, 1);
	assert_member(&s1, 0, "outer", PT_JSON_OBJECT, "{\"mid\":[{\"inner\":\"deep\"},2],\"x\":{}}");
	assert_int_equal(read_doc(s1.raw[0], &s2), 0);
	assert_int_equal(s2.n, 2);
	assert_member(&s2, 0, "mid", PT_JSON_ARRAY, "[{\"inner\":\"deep\"},2]");
	assert_member(&s2, 1, "x", PT_JSON_OBJECT, "{}");
	assert_int_equal(read_doc(s2.raw[0], &s3), 0);
	assert_int_equal(s3.n, 2);
	assert_member(&s3, 0, NULL, PT_JSON_OBJECT, "{\"inner\":\"deep\"}");
	assert_member(&s3, 1, NULL, PT_JSON_NUMBER, "2");
	assert_int_equal(read_doc(s3.raw[0], &s4), 0);
	assert_int_equal(s4.n, 1);
	assert_member(&s4, 0, "inner", PT_JSON_STRING, "\"deep\"");
	assert_int_equal(read_doc("{}", &s4), 0);
	assert_int_equal(s4.n, 0);
}

static void test_read_whitespace(void **state)
{
	const char *doc = " \t\r\n{ \"a\" \n:\t[ 1 , 2 ] ,\r\n\"b\"  :  \"s p\"  } \n\t\r ";
	struct seen s;

	(void)state;
	assert_int_equal(read_doc(doc, &s), 0);
	assert_int_equal(s.n, 2);
	assert_member(&s, 0, "a", PT_JSON_ARRAY, "[ 1 , 2 ]");
	assert_member(&s, 1, "b", PT_JSON_STRING, "\"s p\"");
	assert_int_equal(read_doc("[ ]", &s), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(read_doc(" { } ", &s), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(read_doc("[\n1\n]", &s), 0);
	assert_int_equal(s.n, 1);
	assert_member(&s, 0, NULL, PT_JSON_NUMBER, "1");
}

static void test_read_malformed(void **state)
{
	static const char *const bad[] = {
		/* empty, a top-level scalar */
		"", " ", "\n\t", "1", "-1", "\"a\"", "null", "true", "false",
		/* truncated */
		"{", "[", "{\"a\"", "{\"a\":", "{\"a\":1", "[1,", "[1,2", "{\"a\":{\"b\":1}", "[\"abc", "[\"\\", "[\"\\u00",
		"[\"\\u00e9", "[tru", "[nul", "[fals", "[-", "{\"a\":[1,{\"b\":[", "[1e+",
		/* trailing garbage */
		"{}x", "{}{}", "[] []", "[1]]", "{\"a\":1}}", "[1],", "[]\n,", "[]//", "{} null",
		/* brackets */
		"}", "]", "{]", "[}", "[1}", "{\"a\":1]",
		/* numbers */
		"[01]", "[-01]", "[00]", "[-]", "[1.]", "[1.e5]", "[1e]", "[1E]", "[1e+]", "[1e-]", "[.5]", "[-.5]", "[+1]",
		"[0x10]", "[Infinity]", "[-Infinity]", "[NaN]", "[1..2]", "[1e5.5]", "[--1]", "[1-]", "[0-1]",
		/* literals */
		"[True]", "[NULL]", "[nulll]", "[truex]", "[falsey]", "[t]", "[undefined]",
		/* strings: bad escapes, control characters, single quotes */
		"[\"\\x\"]", "[\"\\a\"]", "[\"\\0\"]", "[\"\\U00e9\"]", "[\"\\u12\"]", "[\"\\u12g4\"]", "[\"\\u 123\"]",
		"[\"\\\"]", "[\"a\tb\"]", "[\"a\nb\"]", "[\"a\rb\"]", "[\"\x01\"]", "[\"\x1f\"]", "['a']", "[\"a\" \"b\"]",
		"[\"\\'\"]",
		/* object syntax: unquoted keys, missing colon or comma, trailing comma */
		"{a:1}", "{'a':1}", "{1:2}", "{null:1}", "{\"a\" 1}", "{\"a\"}", "{\"a\":}", "{\"a\"::1}", "{\"a\":1:2}",
		"{\"a\":1 \"b\":2}", "{\"a\":1,}", "{\"a\":1,,\"b\":2}", "{,}", "{,\"a\":1}", "{\"a\",\"b\"}", "{\"a\":1,\"b\"}",
		/* array syntax */
		"[1,]", "[,]", "[,1]", "[1 2]", "[1,,2]", "[\"a\":1]", "[1;2]",
		/* whitespace JSON does not know, comments */
		"\v[]", "\f[]", "[\v1]", "[\xc2\xa0 1]", "[/*c*/1]", "#\n[]",
	};
	struct seen s;

	(void)state;
	for (size_t i = 0; i < PT_ARRAY_SIZE(bad); i++) {
		int rc = read_doc(bad[i], &s);

		if (rc != -EINVAL || s.n != 0)
			fail_msg("'%s': got %d with %d callbacks, want -EINVAL and none", bad[i], rc, s.n);
	}
}

/* A NUL byte anywhere inside the given length is malformed: inside a string it is a control character. */
static void test_read_nul_inside(void **state)
{
	static const struct {
		const char *doc;
		size_t len;
	} bad[] = {
		{ "[\"a\0b\"]", 7 }, { "[1,\0 2]", 7 }, { "{\"a\0\":1}", 8 }, { "[\0]", 3 }, { "\0[]", 3 }, { "[]\0", 3 },
		{ "{\"a\":\0}", 7 }, { "[1\0]", 4 }, { "[tr\0e]", 6 },
	};
	struct seen s;

	(void)state;
	for (size_t i = 0; i < PT_ARRAY_SIZE(bad); i++) {
		memset(&s, 0, sizeof(s));
		assert_int_equal(pt_json_read(bad[i].doc, bad[i].len, record, &s), -EINVAL);
		assert_int_equal(s.n, 0);
	}
	/* The length, not a NUL, ends the text: a prefix of a longer buffer reads fine. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(pt_json_read("[1]garbage", 3, record, &s), 0);
	assert_int_equal(s.n, 1);
	memset(&s, 0, sizeof(s));
	assert_int_equal(pt_json_read("[1,2]", 4, record, &s), -EINVAL);
	assert_int_equal(s.n, 0);
}

static void nest(char *buf, int depth, const char *open, const char *inner, const char *close)
{
	char *p = buf;

	for (int i = 0; i < depth; i++)
		p = stpcpy(p, open);
	p = stpcpy(p, inner);
	for (int i = 0; i < depth; i++)
		p = stpcpy(p, close);
}

static void test_read_depth(void **state)
{
	static char buf[200000];
	struct seen s;

	(void)state;
	nest(buf, 32, "[", "", "]");
	assert_int_equal(read_doc(buf, &s), 0);
	assert_int_equal(s.n, 1);
	nest(buf, 33, "[", "", "]");
	assert_int_equal(read_doc(buf, &s), -EINVAL);
	assert_int_equal(s.n, 0);
	nest(buf, 31, "{\"a\":", "{}", "}");
	assert_int_equal(read_doc(buf, &s), 0);
	nest(buf, 32, "{\"a\":", "{}", "}");
	assert_int_equal(read_doc(buf, &s), -EINVAL);
	nest(buf, 16, "[{\"k\":", "1", "}]");      /* mixed, 32 deep */
	assert_int_equal(read_doc(buf, &s), 0);
	nest(buf, 16, "[{\"k\":", "[]", "}]");     /* 33 deep */
	assert_int_equal(read_doc(buf, &s), -EINVAL);
	assert_int_equal(s.n, 0);
	/* Far deeper than the limit: refused without recursing that far. */
	nest(buf, 90000, "[", "", "]");
	assert_int_equal(read_doc(buf, &s), -EINVAL);
	nest(buf, 100000, "[", "", "");
	assert_int_equal(read_doc(buf, &s), -EINVAL);
}

static void test_read_callback_stops(void **state)
{
	struct seen s;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.stop_at = 2;
	s.stop_rc = -42;
	assert_int_equal(pt_json_read("{\"a\":1,\"b\":2,\"c\":3}", 19, record, &s), -42);
	assert_int_equal(s.n, 2);
	memset(&s, 0, sizeof(s));
	s.stop_at = 1;
	s.stop_rc = -ENOMEM;
	assert_int_equal(pt_json_read("[1,2,3]", 7, record, &s), -ENOMEM);
	assert_int_equal(s.n, 1);
	/* A positive return does not stop the walk. */
	memset(&s, 0, sizeof(s));
	s.stop_at = 1;
	s.stop_rc = 7;
	assert_int_equal(pt_json_read("[1,2,3]", 7, record, &s), 0);
	assert_int_equal(s.n, 3);
}

static int calls;

static int count_calls(void *ctx, const char *key, const struct pt_json_value *v)
{
	(void)key;
	(void)v;
	assert_null(ctx);
	calls++;
	return 0;
}

static void test_read_null_args(void **state)
{
	struct seen s;

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(pt_json_read(NULL, 2, record, &s), -EINVAL);
	assert_int_equal(pt_json_read(NULL, 0, record, &s), -EINVAL);
	assert_int_equal(pt_json_read("[]", 2, NULL, &s), -EINVAL);
	/* The context is only passed through. */
	assert_int_equal(pt_json_read("[1,2]", 5, count_calls, NULL), 0);
	assert_int_equal(calls, 2);
	assert_int_equal(pt_json_read("[]", 0, record, &s), -EINVAL);
}

/* A key of n bytes, written with @p unit repeated (each unit decodes to @p unit_bytes bytes). */
static void long_key_doc(char *doc, const char *unit, int repeat, const char *tail)
{
	strcpy(doc, "{\"");
	for (int i = 0; i < repeat; i++)
		strcat(doc, unit);
	strcat(doc, tail);
	strcat(doc, "\":1}");
}

static void test_read_key_length(void **state)
{
	static char doc[8192];
	static struct seen s;

	(void)state;
	long_key_doc(doc, "k", PT_JSON_KEY_LEN - 1, "");                      /* 319 bytes: the longest */
	assert_int_equal(read_doc(doc, &s), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(strlen(s.key[0]), PT_JSON_KEY_LEN - 1);
	long_key_doc(doc, "k", PT_JSON_KEY_LEN, "");                          /* 320 bytes */
	assert_int_equal(read_doc(doc, &s), -EINVAL);
	assert_int_equal(s.n, 0);
	long_key_doc(doc, "\\u00e9", (PT_JSON_KEY_LEN - 1) / 2, "k");         /* 159 x 2 bytes + 1 = 319 */
	assert_int_equal(read_doc(doc, &s), 0);
	assert_int_equal(strlen(s.key[0]), PT_JSON_KEY_LEN - 1);
	long_key_doc(doc, "\\u00e9", PT_JSON_KEY_LEN / 2, "");                /* 320 decoded */
	assert_int_equal(read_doc(doc, &s), -EINVAL);
	long_key_doc(doc, "\\u0041", 300, "");                                /* 1800 escaped, 300 decoded */
	assert_int_equal(read_doc(doc, &s), 0);
	assert_int_equal(strlen(s.key[0]), 300);
	/* A long value is fine: only keys are limited. */
	memset(doc, 'v', 5000);
	memcpy(doc, "[\"", 2);
	strcpy(doc + 4998, "\"]");
	assert_int_equal(read_doc(doc, &s), 0);
	assert_int_equal(s.n, 1);
}

/*
 * json_read.c validates the whole document before the first callback ("so that a callback never sees part of a
 * malformed document"), but a key that cannot be passed (too long, \u0000, a lone surrogate) is only found
 * while walking: the members before it have been handed to the callback when -EINVAL comes back.
 */
static void test_read_bad_key_no_partial_walk(void **state)
{
	static char doc[1024];
	static struct seen s;

	(void)state;
	strcpy(doc, "{\"first\":1,\"");
	memset(doc + strlen(doc), 'k', PT_JSON_KEY_LEN);
	strcpy(doc + strlen("{\"first\":1,\"") + PT_JSON_KEY_LEN, "\":2}");
	assert_int_equal(read_doc(doc, &s), -EINVAL);
	if (s.n != 0)
		fail_msg("overlong second key: -EINVAL after %d callback(s) (member \"%s\" was already passed)", s.n,
			 s.key[0]);
	assert_int_equal(read_doc("{\"first\":1,\"nul\\u0000\":2}", &s), -EINVAL);
	assert_int_equal(s.n, 0);
	assert_int_equal(read_doc("{\"first\":1,\"\\ud800\":2}", &s), -EINVAL);
	assert_int_equal(s.n, 0);
}

/* ---- pt_json_string_decode ---------------------------------------------------------------------------------- */

static struct pt_json_value str(const char *raw)
{
	return (struct pt_json_value){ .type = PT_JSON_STRING, .text = raw, .len = strlen(raw) };
}

static void expect_decode(const char *raw, const char *want)
{
	struct pt_json_value v = str(raw);
	char out[256];
	size_t n = strlen(want);

	memset(out, 0x55, sizeof(out));
	if (pt_json_string_decode(&v, out, sizeof(out)) != (int)n || memcmp(out, want, n + 1) != 0)
		fail_msg("decoding %s", raw);
	/* Exact fit: n bytes and the NUL; one byte less does not fit. */
	assert_int_equal(pt_json_string_decode(&v, out, n + 1), (int)n);
	assert_memory_equal(out, want, n + 1);
	assert_int_equal(pt_json_string_decode(&v, out, n), -ENOSPC);
}

static void test_decode_escapes(void **state)
{
	(void)state;
	expect_decode("\"\"", "");
	expect_decode("\"plain\"", "plain");
	expect_decode("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\b\f\n\r\t");
	expect_decode("\"a\\u0041b\"", "aAb");
	expect_decode("\"\\u00e9\"", "\xc3\xa9");
	expect_decode("\"\\u00E9t\\u00C9\"", "\xc3\xa9t\xc3\x89");
	expect_decode("\"\\u007f\\u0080\"", "\x7f\xc2\x80");
	expect_decode("\"\\u07ff\\u0800\"", "\xdf\xbf\xe0\xa0\x80");
	expect_decode("\"\\u20ac\"", "\xe2\x82\xac");
	expect_decode("\"\\uffff\"", "\xef\xbf\xbf");
	expect_decode("\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80");
	expect_decode("\"x\\uD83D\\uDE00y\"", "x\xf0\x9f\x98\x80y");
	expect_decode("\"\\ud800\\udc00\"", "\xf0\x90\x80\x80");
	expect_decode("\"\\udbff\\udfff\"", "\xf4\x8f\xbf\xbf");
	expect_decode("\"\\u0001\"", "\x01");
	expect_decode("\"raw \xc3\xa9 \xf0\x9f\x98\x80\"", "raw \xc3\xa9 \xf0\x9f\x98\x80");   /* UTF-8 passes as is */
}

static void test_decode_from_read(void **state)
{
	const char *doc = "[\"caf\\u00e9\",\"tab\\there\",\"\\ud83d\\ude00!\"]";
	struct seen s;
	struct pt_json_value v;
	char out[32];

	(void)state;
	assert_int_equal(read_doc(doc, &s), 0);
	assert_int_equal(s.n, 3);
	v = str(s.raw[0]);
	assert_int_equal(pt_json_string_decode(&v, out, sizeof(out)), 5);
	assert_string_equal(out, "caf\xc3\xa9");
	v = str(s.raw[1]);
	assert_int_equal(pt_json_string_decode(&v, out, sizeof(out)), 8);
	assert_string_equal(out, "tab\there");
	v = str(s.raw[2]);
	assert_int_equal(pt_json_string_decode(&v, out, sizeof(out)), 5);
	assert_string_equal(out, "\xf0\x9f\x98\x80!");
}

static void test_decode_invalid(void **state)
{
	static const char *const bad[] = {
		"\"\\u0000\"", "\"a\\u0000b\"", "\"\\ud83d\"", "\"\\ud83dx\"", "\"\\ud83d\\u0041\"", "\"\\ud83d\\ud83d\"",
		"\"\\ude00\"", "\"\\ude00\\ud83d\"", "\"\\udfff\"", "\"\\ud83d\\n\"", "\"x\\ud83d\\\\ude00\"",
	};
	struct pt_json_value v;
	struct seen s;
	char out[64], doc[64];

	(void)state;
	for (size_t i = 0; i < PT_ARRAY_SIZE(bad); i++) {
		/* Well-formed JSON (a reader accepts it)... */
		snprintf(doc, sizeof(doc), "[%s]", bad[i]);
		assert_int_equal(read_doc(doc, &s), 0);
		/* ...that cannot become a C string in UTF-8. */
		v = str(bad[i]);
		if (pt_json_string_decode(&v, out, sizeof(out)) != -EINVAL)
			fail_msg("%s decoded", bad[i]);
	}
	/* Not a string, or no room at all. */
	v = (struct pt_json_value){ .type = PT_JSON_NUMBER, .text = "12", .len = 2 };
	assert_int_equal(pt_json_string_decode(&v, out, sizeof(out)), -EINVAL);
	v = (struct pt_json_value){ .type = PT_JSON_ARRAY, .text = "[\"a\"]", .len = 5 };
	assert_int_equal(pt_json_string_decode(&v, out, sizeof(out)), -EINVAL);
	v = (struct pt_json_value){ .type = PT_JSON_STRING, .text = "\"", .len = 1 };
	assert_int_equal(pt_json_string_decode(&v, out, sizeof(out)), -EINVAL);
	v = str("\"a\"");
	assert_int_equal(pt_json_string_decode(NULL, out, sizeof(out)), -EINVAL);
	assert_int_equal(pt_json_string_decode(&v, NULL, sizeof(out)), -EINVAL);
	assert_int_equal(pt_json_string_decode(&v, out, 0), -ENOSPC);
	v = str("\"\"");
	assert_int_equal(pt_json_string_decode(&v, out, 0), -ENOSPC);
	assert_int_equal(pt_json_string_decode(&v, out, 1), 0);
	assert_string_equal(out, "");
}

/* A multi-byte character is never split: it fits whole or the result is -ENOSPC. */
static void test_decode_no_space(void **state)
{
	struct pt_json_value v = str("\"ab\\ud83d\\ude00\"");
	char out[16];

	(void)state;
	for (size_t cap = 0; cap < 7; cap++)
		assert_int_equal(pt_json_string_decode(&v, out, cap), -ENOSPC);
	assert_int_equal(pt_json_string_decode(&v, out, 7), 6);
	v = str("\"\\u20ac\\u20ac\"");
	assert_int_equal(pt_json_string_decode(&v, out, 6), -ENOSPC);
	assert_int_equal(pt_json_string_decode(&v, out, 7), 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_object_in_order),
		cmocka_unit_test(test_read_array_in_order),
		cmocka_unit_test(test_read_numbers_and_literals),
		cmocka_unit_test(test_read_nested_raw),
		cmocka_unit_test(test_read_whitespace),
		cmocka_unit_test(test_read_malformed),
		cmocka_unit_test(test_read_nul_inside),
		cmocka_unit_test(test_read_depth),
		cmocka_unit_test(test_read_callback_stops),
		cmocka_unit_test(test_read_null_args),
		cmocka_unit_test(test_read_key_length),
		cmocka_unit_test(test_read_bad_key_no_partial_walk),
		cmocka_unit_test(test_decode_escapes),
		cmocka_unit_test(test_decode_from_read),
		cmocka_unit_test(test_decode_invalid),
		cmocka_unit_test(test_decode_no_space),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
