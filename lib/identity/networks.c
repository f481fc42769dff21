/* SPDX-License-Identifier: BSD-3-Clause */
/* networks.c - Classify addresses by the configured networks (longest prefix match over small lists). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "pt_identity.h"

#define NETWORKS_MAX (4 * PT_CONFIG_MAX_CIDRS)

struct network_entry {
	uint8_t addr[16];
	uint8_t mask[16];
	uint8_t ip_version;
	uint8_t prefix_len;
	uint8_t scope;
};

/* Entries sorted by prefix length, longest first, then by scope, most specific first: the first match wins. */
struct pt_identity_networks {
	uint32_t count;
	struct network_entry entry[NETWORKS_MAX];
};

static int entry_order(const void *a, const void *b)
{
	const struct network_entry *x = a, *y = b;

	if (x->prefix_len != y->prefix_len)
		return (int)y->prefix_len - (int)x->prefix_len;
	return (int)y->scope - (int)x->scope;
}

static void add_list(struct pt_identity_networks *nets, const struct pt_config_cidrs *list, enum pt_identity_scope scope)
{
	for (uint32_t i = 0; i < list->count && nets->count < NETWORKS_MAX; i++) {
		const struct pt_config_cidr *c = &list->net[i];
		struct network_entry *e = &nets->entry[nets->count++];

		memset(e, 0, sizeof(*e));
		e->ip_version = c->ip_version;
		e->prefix_len = c->prefix_len;
		e->scope = (uint8_t)scope;
		for (unsigned bit = 0; bit < c->prefix_len && bit < 128; bit++)
			e->mask[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
		for (int b = 0; b < 16; b++)
			e->addr[b] = c->addr[b] & e->mask[b];
	}
}

struct pt_identity_networks *pt_identity_networks_create(const struct pt_config *cfg)
{
	struct pt_identity_networks *nets = calloc(1, sizeof(*nets));

	if (nets == NULL)
		return NULL;
	add_list(nets, &cfg->networks.cluster, PT_SCOPE_POD);
	add_list(nets, &cfg->networks.service, PT_SCOPE_SERVICE);
	add_list(nets, &cfg->networks.node, PT_SCOPE_NODE);
	add_list(nets, &cfg->networks.internal, PT_SCOPE_INTERNAL);
	qsort(nets->entry, nets->count, sizeof(nets->entry[0]), entry_order);
	return nets;
}

void pt_identity_networks_free(struct pt_identity_networks *nets)
{
	free(nets);
}

enum pt_identity_scope pt_identity_scope_of(const struct pt_identity_networks *nets, uint8_t ip_version,
					    const uint8_t addr[16])
{
	static const uint8_t v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	uint8_t v4[16] = { 0 };

	/* ::ffff:a.b.c.d is a.b.c.d, as lib/geo sees it too. */
	if (ip_version == 6 && memcmp(addr, v4_mapped, sizeof(v4_mapped)) == 0) {
		memcpy(v4, addr + 12, 4);
		addr = v4;
		ip_version = 4;
	}
	for (uint32_t i = 0; i < nets->count; i++) {
		const struct network_entry *e = &nets->entry[i];
		unsigned bytes = (e->prefix_len + 7u) / 8u;
		unsigned b = 0;

		if (e->ip_version != ip_version)
			continue;
		while (b < bytes && (addr[b] & e->mask[b]) == e->addr[b])
			b++;
		if (b == bytes)
			return (enum pt_identity_scope)e->scope;
	}
	return PT_SCOPE_EXTERNAL;
}

enum pt_identity_direction pt_identity_direction_of(enum pt_identity_scope orig, enum pt_identity_scope resp)
{
	bool orig_in = pt_identity_scope_is_internal(orig), resp_in = pt_identity_scope_is_internal(resp);

	if (orig_in)
		return resp_in ? PT_DIRECTION_INTERNAL : PT_DIRECTION_OUTBOUND;
	return resp_in ? PT_DIRECTION_INBOUND : PT_DIRECTION_EXTERNAL;
}

const char *pt_identity_direction_name(enum pt_identity_direction dir)
{
	static const char *const names[] = { "internal", "outbound", "inbound", "external" };

	return (unsigned)dir < sizeof(names) / sizeof(names[0]) ? names[dir] : "unknown";
}

const char *pt_identity_scope_name(enum pt_identity_scope scope)
{
	static const char *const names[PT_SCOPE_MAX] = { "external", "internal", "node", "service", "pod" };

	return (unsigned)scope < PT_SCOPE_MAX ? names[scope] : "unknown";
}
