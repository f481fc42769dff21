/* SPDX-License-Identifier: BSD-3-Clause */
/* community_id.c - Community ID v1 flow hashes (https://github.com/corelight/community-id-spec). */
#include <string.h>

#include "flow_priv.h"

/* Protocols whose Community ID includes the ports (ICMP's are its type and counterpart or code). */
static bool proto_has_ports(uint8_t proto)
{
	return proto == PT_FLOW_PROTO_ICMP || proto == PT_FLOW_PROTO_TCP || proto == PT_FLOW_PROTO_UDP ||
	       proto == PT_FLOW_PROTO_ICMPV6 || proto == PT_FLOW_PROTO_SCTP;
}

const char *pt_flow_community_id(const struct pt_flow *flow, uint16_t seed, char buf[PT_FLOW_COMMUNITY_ID_LEN])
{
	const struct pt_flow_key *k = &flow->key;
	const size_t alen = k->ip_version == 4 ? 4 : 16;
	uint8_t in[2 + 16 + 16 + 2 + 4];
	uint8_t digest[PT_SHA1_DIGEST_LEN];
	struct pt_sha1 sha;
	unsigned int first = 0; /* the key's side 0 is already the smaller (address, port) endpoint */
	size_t len = 0;

	if (k->proto == PT_FLOW_PROTO_ICMP || k->proto == PT_FLOW_PROTO_ICMPV6) {
		/* One-way ICMP messages are not reordered: the sender (originator) comes first. */
		const unsigned int o = flow->orig_side;
		const int counter = k->port[o] <= UINT8_MAX
			? pt_flow_icmp_counterpart_proto(k->proto, (uint8_t)k->port[o]) : -1;

		if (counter < 0 || k->port[!o] != (uint16_t)counter)
			first = o;
	}

	in[len++] = (uint8_t)(seed >> 8);
	in[len++] = (uint8_t)seed;
	memcpy(in + len, k->addr[first], alen);
	len += alen;
	memcpy(in + len, k->addr[!first], alen);
	len += alen;
	in[len++] = k->proto;
	in[len++] = 0;
	if (proto_has_ports(k->proto)) {
		in[len++] = (uint8_t)(k->port[first] >> 8);
		in[len++] = (uint8_t)k->port[first];
		in[len++] = (uint8_t)(k->port[!first] >> 8);
		in[len++] = (uint8_t)k->port[!first];
	}

	pt_sha1_init(&sha);
	pt_sha1_update(&sha, in, len);
	pt_sha1_final(&sha, digest);
	buf[0] = '1';
	buf[1] = ':';
	if (pt_base64_encode(digest, sizeof(digest), buf + 2, PT_FLOW_COMMUNITY_ID_LEN - 2) < 0)
		buf[0] = '\0'; /* cannot happen: 28 characters fit */
	return buf;
}
