/* SPDX-License-Identifier: BSD-3-Clause */
/* config.c - Defaults, --set overrides, and the value parsers that apply text to a schema key. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "config_priv.h"

#define QUOTE_LEN 72
#define SEC 1000000000ULL
#define VALUE_LEN 1024

void pt_config_errf(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

const char *pt_config_quote(const char *text, char *buf, size_t len)
{
	size_t i = 0, max = len > 64 ? 60 : (len > 4 ? len - 4 : 0);

	for (; text[i] != '\0' && i < max; i++) {
		unsigned char c = (unsigned char)text[i];

		buf[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	if (text[i] != '\0' && len >= 4)
		memcpy(buf + i, "...", 3), i += 3;
	if (len > 0)
		buf[i < len ? i : len - 1] = '\0';
	return buf;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A duration for messages, in the largest unit that divides it exactly ("24h", "7d", "1s", "0s"); days
 * only above one day, as "24h" reads better than "1d". */
static void format_duration(uint64_t ns, char *buf, size_t len)
{
	static const struct { uint64_t ns; const char *unit; } units[] = {
		{ 86400 * SEC, "d" }, { 3600 * SEC, "h" }, { 60 * SEC, "m" }, { SEC, "s" }, { 1000000, "ms" },
	};

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (ns != 0 && ns % units[i].ns == 0 && (i != 0 || ns > units[0].ns)) {
			snprintf(buf, len, "%llu%s", (unsigned long long)(ns / units[i].ns), units[i].unit);
			return;
		}
	}
	snprintf(buf, len, ns == 0 ? "0s" : "%llu ns", (unsigned long long)ns);
}

int pt_config_parse_duration(const char *text, uint64_t *ns)
{
	static const struct { const char *suffix; uint64_t ns; } units[] = {
		{ "", SEC }, { "ms", 1000000 }, { "s", SEC }, { "m", 60 * SEC },
		{ "h", 3600 * SEC }, { "d", 86400 * SEC },
	};
	unsigned __int128 whole = 0, frac = 0, scale = 1, total;
	const char *p = text;

	if (text == NULL || ns == NULL || !is_digit(*p))
		return -EINVAL;
	for (; is_digit(*p); p++) {
		whole = whole * 10 + (unsigned)(*p - '0');
		if (whole > UINT64_MAX)
			return -EINVAL;
	}
	if (*p == '.') {
		if (!is_digit(*++p))
			return -EINVAL;
		for (; is_digit(*p); p++) {
			if (scale < 1000000000000000000ULL) { /* digits past 1e-18 cannot matter */
				frac = frac * 10 + (unsigned)(*p - '0');
				scale *= 10;
			}
		}
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(p, units[i].suffix) != 0)
			continue;
		total = whole * units[i].ns + frac * units[i].ns / scale;
		if (total > UINT64_MAX)
			return -EINVAL;
		*ns = (uint64_t)total;
		return 0;
	}
	return -EINVAL;
}

int pt_config_parse_uint(const char *text, uint64_t *out)
{
	uint64_t v = 0;

	if (!is_digit(*text))
		return -EINVAL;
	for (; is_digit(*text); text++) {
		if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, (uint64_t)(*text - '0'), &v))
			return -EINVAL;
	}
	if (*text != '\0')
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_bool(const char *text, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on" }, *const no[] = { "false", "no", "off" };

	for (size_t i = 0; i < 3; i++) {
		if (strcasecmp(text, yes[i]) == 0 || strcasecmp(text, no[i]) == 0) {
			*out = strcasecmp(text, yes[i]) == 0;
			return 0;
		}
	}
	return -EINVAL;
}

void pt_config_key_expect(const struct pt_config_key *key, char *buf, size_t len)
{
	char lo[32], hi[32];
	size_t used;

	switch (key->type) {
	case PT_CONFIG_T_STRING:
		if (key->min == 0)
			snprintf(buf, len, "a string of at most %llu characters", (unsigned long long)key->max);
		else
			snprintf(buf, len, "a string of %llu..%llu characters", (unsigned long long)key->min,
				 (unsigned long long)key->max);
		break;
	case PT_CONFIG_T_BOOL:
		snprintf(buf, len, "a boolean (true/false, yes/no, on/off)");
		break;
	case PT_CONFIG_T_UINT:
		snprintf(buf, len, "an integer in %llu..%llu", (unsigned long long)key->min,
			 (unsigned long long)key->max);
		break;
	case PT_CONFIG_T_DURATION:
		format_duration(key->min, lo, sizeof(lo));
		format_duration(key->max, hi, sizeof(hi));
		snprintf(buf, len, "%sa duration in %s..%s", key->zero_ok ? "0 or " : "", lo, hi);
		break;
	case PT_CONFIG_T_ENUM:
		snprintf(buf, len, "one of");
		for (size_t i = 0; key->values[i] != NULL; i++) {
			used = strlen(buf);
			snprintf(buf + used, len - used, "%s %s", i ? "," : "", key->values[i]);
		}
		break;
	case PT_CONFIG_T_PORTS:
		snprintf(buf, len, "a list of %llu..%llu distinct ports, each in 1..65535",
			 (unsigned long long)key->min, (unsigned long long)key->max);
		break;
	case PT_CONFIG_T_CIDRS:
		if (key->min == 0)
			snprintf(buf, len, "a list of up to %llu CIDRs such as 10.244.0.0/16", (unsigned long long)key->max);
		else
			snprintf(buf, len, "a list of %llu..%llu CIDRs such as 10.244.0.0/16",
				 (unsigned long long)key->min, (unsigned long long)key->max);
		break;
	}
}

int pt_config_bad_value(const struct pt_config_key *key, const char *got, char *problem, size_t len)
{
	char expect[128];

	pt_config_key_expect(key, expect, sizeof(expect));
	pt_config_errf(problem, len, "expected %s, got %s", expect, got);
	return -EINVAL;
}

int pt_config_bad_text(const struct pt_config_key *key, const char *text, const char *why, char *problem,
		       size_t len)
{
	char q[QUOTE_LEN], got[QUOTE_LEN + 128];

	snprintf(got, sizeof(got), "'%s'%s%s%s", pt_config_quote(text, q, sizeof(q)), why ? " (" : "",
		 why ? why : "", why ? ")" : "");
	return pt_config_bad_value(key, got, problem, len);
}

static int bad_text(const struct pt_config_key *key, const char *text, char *problem, size_t len)
{
	return pt_config_bad_text(key, text, NULL, problem, len);
}

int pt_config_key_apply(struct pt_config *cfg, const struct pt_config_key *key, const char *text,
			bool is_null, char *problem, size_t len)
{
	char *field = (char *)cfg + key->offset;
	size_t tlen = strlen(text);
	uint64_t v = 0;
	bool b;
	char got[48];

	if (is_null && key->type != PT_CONFIG_T_STRING && !pt_config_key_is_list(key))
		return bad_text(key, text, problem, len);
	switch (key->type) {
	case PT_CONFIG_T_STRING:
		if (is_null)
			tlen = 0;
		if (tlen < key->min || tlen > key->max || tlen >= key->size) {
			snprintf(got, sizeof(got), tlen == 0 ? "an empty string" : "%zu characters", tlen);
			return pt_config_bad_value(key, got, problem, len);
		}
		memset(field, 0, key->size);
		memcpy(field, text, tlen);
		return 0;
	case PT_CONFIG_T_BOOL:
		if (parse_bool(text, &b) != 0)
			return bad_text(key, text, problem, len);
		memcpy(field, &b, sizeof(b));
		return 0;
	case PT_CONFIG_T_UINT:
	case PT_CONFIG_T_DURATION:
		if (key->type == PT_CONFIG_T_UINT ? pt_config_parse_uint(text, &v) != 0 :
		    pt_config_parse_duration(text, &v) != 0)
			return bad_text(key, text, problem, len);
		if ((v < key->min || v > key->max) && !(v == 0 && key->zero_ok))
			return bad_text(key, text, problem, len);
		if (key->size == sizeof(uint16_t))
			*(uint16_t *)field = (uint16_t)v;
		else if (key->size == sizeof(uint32_t))
			*(uint32_t *)field = (uint32_t)v;
		else
			*(uint64_t *)field = v;
		return 0;
	case PT_CONFIG_T_ENUM:
		for (size_t i = 0; key->values[i] != NULL; i++) {
			if (strcasecmp(text, key->values[i]) == 0) {
				memset(field, 0, key->size);
				snprintf(field, key->size, "%s", key->values[i]);
				return 0;
			}
		}
		return bad_text(key, text, problem, len);
	case PT_CONFIG_T_PORTS:
	case PT_CONFIG_T_CIDRS:
		return pt_config_list_apply(cfg, key, is_null ? "" : text, problem, len);
	}
	return -EINVAL;
}

void pt_config_default(struct pt_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < pt_config_schema_len; i++)
		(void)pt_config_key_apply(cfg, &pt_config_schema[i], pt_config_schema[i].def, false, NULL, 0);
}

/* [start, start+len) without surrounding blanks, copied into buf; false when it does not fit. */
static bool trimmed_copy(const char *start, size_t len, char *buf, size_t size)
{
	while (len > 0 && (*start == ' ' || *start == '\t'))
		start++, len--;
	while (len > 0 && (start[len - 1] == ' ' || start[len - 1] == '\t'))
		len--;
	if (len >= size)
		return false;
	memcpy(buf, start, len);
	buf[len] = '\0';
	return true;
}

int pt_config_set(struct pt_config *cfg, const char *assignment, char *err, size_t err_len)
{
	char what[QUOTE_LEN], path[PT_CONFIG_PATH_LEN], q[QUOTE_LEN], hint[PT_CONFIG_PATH_LEN];
	char value[VALUE_LEN], problem[PT_CONFIG_PROBLEM_LEN], got[48];
	const struct pt_config_key *key;
	const char *eq;

	if (cfg == NULL || assignment == NULL) {
		pt_config_errf(err, err_len, "--set: expected KEY=VALUE");
		return -EINVAL;
	}
	pt_config_quote(assignment, what, sizeof(what));
	eq = strchr(assignment, '=');
	if (eq == NULL) {
		pt_config_errf(err, err_len, "--set %s: expected KEY=VALUE", what);
		return -EINVAL;
	}
	if (!trimmed_copy(assignment, (size_t)(eq - assignment), path, sizeof(path))) {
		/* Too long to be any key. */
		pt_config_errf(err, err_len, "--set %s: unknown key '%s'", what, pt_config_quote(assignment, q, sizeof(q)));
		return -EINVAL;
	}
	if (path[0] == '\0') {
		pt_config_errf(err, err_len, "--set %s: expected KEY=VALUE", what);
		return -EINVAL;
	}
	key = pt_config_key_find(path);
	if (key == NULL) {
		pt_config_quote(path, q, sizeof(q));
		if (pt_config_is_section(path))
			pt_config_errf(err, err_len, "--set %s: '%s' is a section, not a key; set one of its keys",
				       what, q);
		else if (pt_config_suggest(path, hint, sizeof(hint)) != NULL)
			pt_config_errf(err, err_len, "--set %s: unknown key '%s' (did you mean '%s'?)", what, q, hint);
		else
			pt_config_errf(err, err_len, "--set %s: unknown key '%s'", what, q);
		return -EINVAL;
	}
	if (!trimmed_copy(eq + 1, strlen(eq + 1), value, sizeof(value))) {
		/* Longer than any field or list can be. */
		snprintf(got, sizeof(got), "%zu characters", strlen(eq + 1));
		pt_config_bad_value(key, got, problem, sizeof(problem));
	} else if (pt_config_key_apply(cfg, key, value, false, problem, sizeof(problem)) == 0) {
		return 0;
	}
	pt_config_errf(err, err_len, "--set %s: %s", what, problem);
	return -EINVAL;
}
