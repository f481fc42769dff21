/* SPDX-License-Identifier: BSD-3-Clause */
/* config_priv.h - The key schema shared by the YAML loader and --set, and the value parsers that apply it. */
#ifndef PT_CONFIG_PRIV_H
#define PT_CONFIG_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pt_config.h"

/** Longest dotted key path we handle, with its NUL; longer paths are unknown keys. */
#define PT_CONFIG_PATH_LEN 128
/** Longest problem text built for one value (without the "file:line: key: " prefix). */
#define PT_CONFIG_PROBLEM_LEN 320

enum pt_config_type {
	PT_CONFIG_T_STRING,     /* char[size]; min..max is the allowed length */
	PT_CONFIG_T_BOOL,       /* bool */
	PT_CONFIG_T_UINT,       /* uint16_t/uint32_t/uint64_t by size; min..max is the value */
	PT_CONFIG_T_DURATION,   /* uint64_t nanoseconds; min..max in ns; zero_ok also allows 0 ("off") */
	PT_CONFIG_T_ENUM,       /* char[size] holding one of values[] */
	PT_CONFIG_T_PORTS,      /* uint16_t[PT_CONFIG_MAX_PORTS] plus a uint32_t count; min..max is the count */
	PT_CONFIG_T_CIDRS,      /* struct pt_config_cidrs; min..max is the count */
};

/** One configuration key: everything the loader, --set, the defaults and the messages need. */
struct pt_config_key {
	const char *path;               /* dotted YAML path, e.g. "flow.timeouts.udp" */
	enum pt_config_type type;
	size_t offset;                  /* offsetof(struct pt_config, field) */
	size_t size;                    /* sizeof the field */
	uint64_t min, max;              /* bounds, see enum pt_config_type */
	bool zero_ok;                   /* durations: 0 is accepted besides min..max */
	const char *const *values;      /* enums: NULL-terminated list of accepted names */
	size_t count_offset;            /* ports: offsetof the uint32_t count */
	const char *def;                /* the default, as text parsed like a --set value */
};

/** The schema: every key, in the order of config/podtap.yaml. */
extern const struct pt_config_key pt_config_schema[];
extern const size_t pt_config_schema_len;

/** The key whose path is exactly @p path, or NULL. */
const struct pt_config_key *pt_config_key_find(const char *path);

/** True when @p path names a section, i.e. some key path starts with "<path>.". */
bool pt_config_is_section(const char *path);

/**
 * The closest key or section to the unknown @p path within edit distance 3 (and less than half its
 * length), or NULL.
 * Used for "(did you mean '...'?)".
 */
const char *pt_config_suggest(const char *path, char *buf, size_t len);

/** Describe what @p key accepts, e.g. "an integer in 1024..67108864". */
void pt_config_key_expect(const struct pt_config_key *key, char *buf, size_t len);

/**
 * Apply the scalar @p text to @p key in @p cfg (lists take a comma separated list, optionally bracketed).
 * @p is_null marks a YAML null (empty, "~", "null"), which strings accept as "" and lists as [].
 * On failure nothing is written to @p cfg and @p problem holds "expected ..., got '...'".
 * @return 0 or -EINVAL.
 */
int pt_config_key_apply(struct pt_config *cfg, const struct pt_config_key *key, const char *text,
			bool is_null, char *problem, size_t len);

/** "expected <what @p key accepts>, got <got>" into @p problem. @return -EINVAL, for the caller to pass on. */
int pt_config_bad_value(const struct pt_config_key *key, const char *got, char *problem, size_t len);

/** Like pt_config_bad_value() with got = '<text>' quoted, and " (<why>)" after it when @p why is not NULL. */
int pt_config_bad_text(const struct pt_config_key *key, const char *text, const char *why, char *problem,
		       size_t len);

/** Parse decimal digits only, without overflow. @return 0 or -EINVAL. */
int pt_config_parse_uint(const char *text, uint64_t *out);

/* Lists (config_list.c): the YAML loader adds the items of a sequence one by one, a comma separated scalar
 * (YAML or --set) goes through pt_config_list_apply(); both end in pt_config_list_store(). */

/** True for the list types (ports, CIDRs), which YAML also accepts as a sequence. */
bool pt_config_key_is_list(const struct pt_config_key *key);

/** A list value being built one item at a time, not yet written to the configuration. */
struct pt_config_list {
	const struct pt_config_key *key;
	size_t n;                       /* items added, counting those beyond the capacity */
	union {
		uint16_t port[PT_CONFIG_MAX_PORTS];
		struct pt_config_cidr cidr[PT_CONFIG_MAX_CIDRS];
	} item;
};

/** Start an empty list for the list key @p key. */
void pt_config_list_init(struct pt_config_list *list, const struct pt_config_key *key);

/**
 * Parse one item and append it. Items beyond the capacity are parsed and counted but not kept, so that
 * pt_config_list_store() reports how many were given.
 * @return 0, or -EINVAL with @p problem set for a malformed item or one already in the list.
 */
int pt_config_list_add(struct pt_config_list *list, const char *text, char *problem, size_t len);

/** Check the item count against the key's bounds and write the list to @p cfg. @return 0 or -EINVAL. */
int pt_config_list_store(struct pt_config *cfg, const struct pt_config_list *list, char *problem, size_t len);

/**
 * Apply a comma separated list, optionally in brackets ("4789, 8472", "[10.0.0.0/8]"); "" and "[]" are the
 * empty list. @return 0, or -EINVAL with @p problem set and @p cfg untouched.
 */
int pt_config_list_apply(struct pt_config *cfg, const struct pt_config_key *key, const char *text,
			 char *problem, size_t len);

/** Copy @p text into @p buf for quoting in a message: at most ~60 characters, non-printables as '?'. */
const char *pt_config_quote(const char *text, char *buf, size_t len);

/** snprintf into @p err when it is non-NULL and non-empty. */
void pt_config_errf(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif /* PT_CONFIG_PRIV_H */
