/* SPDX-License-Identifier: BSD-3-Clause */
/* pt_identity.h - Who is on each side of a flow: today, which configured network an address belongs to. */
#ifndef PT_IDENTITY_H
#define PT_IDENTITY_H

#include <stdint.h>

#include "pt_config.h"

/** Where an address sits, from the configured networks; the most specific list wins. */
enum pt_identity_scope {
	PT_SCOPE_EXTERNAL = 0,   /* in none of the configured networks: the Internet, a partner, ... */
	PT_SCOPE_INTERNAL,       /* networks.internal (RFC 1918, RFC 6598, link-local, loopback, ULA by default) */
	PT_SCOPE_NODE,           /* networks.node */
	PT_SCOPE_SERVICE,        /* networks.service */
	PT_SCOPE_POD,            /* networks.cluster */
	PT_SCOPE_MAX
};

/** ECS network.direction of a flow, from the originator's and the responder's scope. */
enum pt_identity_direction {
	PT_DIRECTION_INTERNAL = 0,   /* both sides internal */
	PT_DIRECTION_OUTBOUND,       /* internal originator, external responder */
	PT_DIRECTION_INBOUND,        /* external originator, internal responder */
	PT_DIRECTION_EXTERNAL,       /* both sides external */
};

struct pt_identity_networks;

/**
 * Build the immutable network table from the configuration's networks.* lists.
 * @return the table, or NULL when out of memory.
 */
struct pt_identity_networks *pt_identity_networks_create(const struct pt_config *cfg);

/** Free a table; NULL is a no-op. */
void pt_identity_networks_free(struct pt_identity_networks *nets);

/**
 * The scope of an address (16 bytes, IPv4 in the first 4). Longest prefix wins; at equal length the more
 * specific list (pod, service, node, internal) does. Safe to call from any thread.
 */
enum pt_identity_scope pt_identity_scope_of(const struct pt_identity_networks *nets, uint8_t ip_version,
					    const uint8_t addr[16]);

/** True for every scope but PT_SCOPE_EXTERNAL. */
static inline int pt_identity_scope_is_internal(enum pt_identity_scope scope)
{
	return scope != PT_SCOPE_EXTERNAL;
}

/** The direction of a flow whose originator and responder have these scopes. */
enum pt_identity_direction pt_identity_direction_of(enum pt_identity_scope orig, enum pt_identity_scope resp);

/** ECS name of a direction: "internal", "outbound", "inbound", "external". */
const char *pt_identity_direction_name(enum pt_identity_direction dir);

/** Name of a scope for records: "external", "internal", "node", "service", "pod". */
const char *pt_identity_scope_name(enum pt_identity_scope scope);

#endif /* PT_IDENTITY_H */
