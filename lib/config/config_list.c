/* SPDX-License-Identifier: BSD-3-Clause */
/* config_list.c - List values (ports, CIDRs): one add/store path over per-type item parsers, and the comma form. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "config_priv.h"

/* Longest list item we try to parse; anything longer is no port or CIDR (and is quoted cut short). */
#define ITEM_LEN 128
/* Longest item as shown in "... twice": an IPv6 address with its prefix length. */
#define SHOWN_LEN (INET6_ADDRSTRLEN + 8)

/* What differs between list types; everything else (duplicates, counts, the comma form) is shared. */
struct list_type {
	enum pt_config_type type;
	const char *noun;               /* "5 <noun>" in count errors */
	size_t item_size;               /* items are compared with memcmp, so parsers zero their padding */
	size_t capacity;                /* items a struct pt_config_list keeps */
	int (*parse)(const struct pt_config_key *key, const char *text, void *item, char *problem, size_t len);
	void (*format)(const void *item, char *buf, size_t len);
	void (*store)(struct pt_config *cfg, const struct pt_config_key *key, const void *items, size_t n);
};

static int port_parse(const struct pt_config_key *key, const char *text, void *item, char *problem, size_t len)
{
	uint64_t v;
	uint16_t port;

	if (pt_config_parse_uint(text, &v) != 0 || v < 1 || v > 65535)
		return pt_config_bad_text(key, text, NULL, problem, len);
	port = (uint16_t)v;
	memcpy(item, &port, sizeof(port));
	return 0;
}

static void port_format(const void *item, char *buf, size_t len)
{
	uint16_t port;

	memcpy(&port, item, sizeof(port));
	snprintf(buf, len, "%u", port);
}

/* The field is a uint16_t array, its count a separate uint32_t at key->count_offset. */
static void ports_store(struct pt_config *cfg, const struct pt_config_key *key, const void *items, size_t n)
{
	uint32_t count = (uint32_t)n;

	memset((char *)cfg + key->offset, 0, key->size);
	memcpy((char *)cfg + key->offset, items, n * sizeof(uint16_t));
	memcpy((char *)cfg + key->count_offset, &count, sizeof(count));
}

static void cidr_format(const void *item, char *buf, size_t len)
{
	const struct pt_config_cidr *c = item;
	char addr[INET6_ADDRSTRLEN];

	if (inet_ntop(c->ip_version == 4 ? AF_INET : AF_INET6, c->addr, addr, sizeof(addr)) == NULL)
		snprintf(addr, sizeof(addr), "?");
	snprintf(buf, len, "%s/%u", addr, c->prefix_len);
}

/* "10.0.0.0/8", "fd00::/8", or a bare address meaning /32 or /128; the host bits must be clear. */
static int cidr_parse(const struct pt_config_key *key, const char *text, void *item, char *problem, size_t len)
{
	const char *slash = strchr(text, '/');
	size_t alen = slash != NULL ? (size_t)(slash - text) : strlen(text);
	char addr[INET6_ADDRSTRLEN], why[SHOWN_LEN + 48];
	struct pt_config_cidr c;
	bool host_bits = false;
	unsigned int max;
	uint64_t plen;

	memset(&c, 0, sizeof(c));
	if (text[0] == '\0')
		return pt_config_bad_text(key, text, NULL, problem, len);
	if (alen == 0 || alen >= sizeof(addr))
		return pt_config_bad_text(key, text, "not an IPv4 or IPv6 address", problem, len);
	memcpy(addr, text, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, c.addr) == 1)
		c.ip_version = 4, max = 32;
	else if (inet_pton(AF_INET6, addr, c.addr) == 1)
		c.ip_version = 6, max = 128;
	else
		return pt_config_bad_text(key, text, "not an IPv4 or IPv6 address", problem, len);
	if (slash == NULL) {
		plen = max;
	} else if (pt_config_parse_uint(slash + 1, &plen) != 0 || plen > max) {
		snprintf(why, sizeof(why), "an IPv%u prefix length is 0..%u", c.ip_version, max);
		return pt_config_bad_text(key, text, why, problem, len);
	}
	c.prefix_len = (uint8_t)plen;
	for (unsigned int bit = c.prefix_len; bit < max; bit++) {
		uint8_t mask = (uint8_t)(0x80 >> (bit % 8));

		host_bits |= (c.addr[bit / 8] & mask) != 0;
		c.addr[bit / 8] &= (uint8_t)~mask;
	}
	if (host_bits) {
		char fixed[SHOWN_LEN];

		cidr_format(&c, fixed, sizeof(fixed));
		snprintf(why, sizeof(why), "host bits set; did you mean %s?", fixed);
		return pt_config_bad_text(key, text, why, problem, len);
	}
	memcpy(item, &c, sizeof(c));
	return 0;
}

/* The field is a whole struct pt_config_cidrs, count included. */
static void cidrs_store(struct pt_config *cfg, const struct pt_config_key *key, const void *items, size_t n)
{
	struct pt_config_cidrs *dst = (struct pt_config_cidrs *)((char *)cfg + key->offset);

	memset(dst, 0, sizeof(*dst));
	dst->count = (uint32_t)n;
	memcpy(dst->net, items, n * sizeof(dst->net[0]));
}

static const struct list_type list_types[] = {
	{ PT_CONFIG_T_PORTS, "ports", sizeof(uint16_t), PT_CONFIG_MAX_PORTS, port_parse, port_format, ports_store },
	{ PT_CONFIG_T_CIDRS, "CIDRs", sizeof(struct pt_config_cidr), PT_CONFIG_MAX_CIDRS, cidr_parse, cidr_format,
	  cidrs_store },
};

static const struct list_type *list_type_of(const struct pt_config_key *key)
{
	for (size_t i = 0; i < sizeof(list_types) / sizeof(list_types[0]); i++)
		if (list_types[i].type == key->type)
			return &list_types[i];
	return NULL;
}

bool pt_config_key_is_list(const struct pt_config_key *key)
{
	return list_type_of(key) != NULL;
}

void pt_config_list_init(struct pt_config_list *list, const struct pt_config_key *key)
{
	memset(list, 0, sizeof(*list));
	list->key = key;
}

int pt_config_list_add(struct pt_config_list *list, const char *text, char *problem, size_t len)
{
	const struct list_type *t = list_type_of(list->key);
	unsigned char *items = (unsigned char *)&list->item;
	union { uint16_t port; struct pt_config_cidr cidr; } item;
	char shown[SHOWN_LEN], got[SHOWN_LEN + 8];
	size_t kept = list->n < t->capacity ? list->n : t->capacity;

	memset(&item, 0, sizeof(item));
	if (t->parse(list->key, text, &item, problem, len) != 0)
		return -EINVAL;
	for (size_t i = 0; i < kept; i++) {
		if (memcmp(items + i * t->item_size, &item, t->item_size) == 0) {
			t->format(&item, shown, sizeof(shown));
			snprintf(got, sizeof(got), "%s twice", shown);
			return pt_config_bad_value(list->key, got, problem, len);
		}
	}
	if (list->n < t->capacity)
		memcpy(items + list->n * t->item_size, &item, t->item_size);
	list->n++;
	return 0;
}

int pt_config_list_store(struct pt_config *cfg, const struct pt_config_list *list, char *problem, size_t len)
{
	const struct list_type *t = list_type_of(list->key);
	char got[48];

	if (list->n < list->key->min || list->n > list->key->max || list->n > t->capacity) {
		snprintf(got, sizeof(got), list->n == 0 ? "an empty list" : "%zu %s", list->n, t->noun);
		return pt_config_bad_value(list->key, got, problem, len);
	}
	t->store(cfg, list->key, &list->item, list->n);
	return 0;
}

int pt_config_list_apply(struct pt_config *cfg, const struct pt_config_key *key, const char *text,
			 char *problem, size_t len)
{
	struct pt_config_list list;
	char item[ITEM_LEN];
	size_t tlen = strlen(text);
	const char *p = text, *end = text + tlen;

	pt_config_list_init(&list, key);
	if (tlen >= 2 && text[0] == '[' && text[tlen - 1] == ']')
		p++, end--;
	while (p < end && *p == ' ')
		p++;
	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p)), *stop = comma ? comma : end;
		size_t ilen;

		while (p < stop && *p == ' ')
			p++;
		ilen = (size_t)(stop - p);
		while (ilen > 0 && p[ilen - 1] == ' ')
			ilen--;
		if (ilen == 0) /* "1,,2" or ",1" */
			return pt_config_bad_text(key, text, NULL, problem, len);
		if (ilen >= sizeof(item)) { /* too long to be any item: show its start */
			memcpy(item, p, sizeof(item) - 1);
			item[sizeof(item) - 1] = '\0';
			return pt_config_bad_text(key, item, NULL, problem, len);
		}
		memcpy(item, p, ilen);
		item[ilen] = '\0';
		if (pt_config_list_add(&list, item, problem, len) != 0)
			return -EINVAL;
		p = comma ? comma + 1 : end;
		if (comma && p == end) /* trailing comma */
			return pt_config_bad_text(key, text, NULL, problem, len);
	}
	return pt_config_list_store(cfg, &list, problem, len);
}
