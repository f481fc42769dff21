/* SPDX-License-Identifier: BSD-3-Clause */
/* pt_decode.h - Stateless decoding of one captured frame (Ethernet, VLAN, tunnels, IPv4/IPv6, L4) into flat metadata. */
#ifndef PT_DECODE_H
#define PT_DECODE_H

#include <stdbool.h>
#include <stdint.h>

/**
 * Outcome of decoding one frame. PT_DECODE_OK means the packet has a usable innermost IP header
 * (and L4 ports unless it is a non-first fragment). Every other value is a per-reason counter index:
 * the caller counts it and drops the packet. PT_DECODE_NOT_IP is not an error (ARP, LLDP, ...).
 */
enum pt_decode_result {
	PT_DECODE_OK = 0,
	PT_DECODE_NOT_IP,           /* no IP inside (ARP, LLDP, STP, unknown ethertype) */
	PT_DECODE_TRUNC_ETH,        /* shorter than an Ethernet header */
	PT_DECODE_TRUNC_VLAN,       /* 802.1Q/802.1ad tag cut short */
	PT_DECODE_TOO_MANY_VLANS,   /* more than PT_DECODE_MAX_VLANS tags */
	PT_DECODE_TRUNC_IPV4,       /* IPv4 header cut short */
	PT_DECODE_BAD_IPV4_HEADER,  /* version != 4, IHL < 5, or IHL beyond the packet */
	PT_DECODE_BAD_IPV4_LENGTH,  /* total length < IHL or larger than the frame on the wire */
	PT_DECODE_TRUNC_IPV6,       /* IPv6 header cut short */
	PT_DECODE_BAD_IPV6_LENGTH,  /* payload length larger than the frame on the wire */
	PT_DECODE_BAD_IPV6_EXTHDR,  /* extension header cut short, or too many of them */
	PT_DECODE_TRUNC_TCP,        /* TCP header cut short (in a first fragment or whole packet) */
	PT_DECODE_BAD_TCP_HEADER,   /* data offset < 5 or beyond the IP payload */
	PT_DECODE_TRUNC_UDP,        /* UDP header cut short */
	PT_DECODE_BAD_UDP_LENGTH,   /* UDP length < 8 or beyond the IP payload */
	PT_DECODE_TRUNC_ICMP,       /* ICMP/ICMPv6 header (4 bytes) cut short */
	PT_DECODE_TRUNC_SCTP,       /* SCTP common header cut short */
	PT_DECODE_TRUNC_TUNNEL,     /* VXLAN/Geneve/GRE/ERSPAN header cut short */
	PT_DECODE_BAD_TUNNEL,       /* tunnel header with an unsupported version or flags */
	PT_DECODE_TUNNEL_TOO_DEEP,  /* more than PT_DECODE_MAX_TUNNELS nested encapsulations */
	PT_DECODE_BAD_IPV6_HEADER,  /* version != 6 under an IPv6 Ethertype/next header (added last: keeps the values above) */
	PT_DECODE_RESULT_MAX
};

#define PT_DECODE_MAX_VLANS 2
#define PT_DECODE_MAX_TUNNELS 4
#define PT_DECODE_MAX_IPV6_EXTHDRS 8
#define PT_DECODE_MAX_VXLAN_PORTS 4

enum pt_tunnel_type {
	PT_TUNNEL_NONE = 0,
	PT_TUNNEL_VXLAN,
	PT_TUNNEL_GENEVE,
	PT_TUNNEL_GRE,       /* plain GRE (including NVGRE/TEB), key in tunnel_id when present */
	PT_TUNNEL_ERSPAN2,   /* ERSPAN type II (GRE proto 0x88BE), session id in tunnel_id */
	PT_TUNNEL_ERSPAN3,   /* ERSPAN type III (GRE proto 0x22EB), session id in tunnel_id */
	PT_TUNNEL_IPIP,      /* IPv4 or IPv6 carried directly in IPv4 or IPv6 (proto 4 / 41) */
	PT_TUNNEL_TYPE_MAX
};

/** Fragment flags in struct pt_decoded::frag. */
#define PT_DECODE_FRAG_FIRST 0x01  /* offset 0 with more fragments: carries the L4 header */
#define PT_DECODE_FRAG_LATER 0x02  /* offset > 0: no L4 header, ports must come from the first fragment */

/** Decoder settings, fixed at start. */
struct pt_decode_options {
	uint16_t vxlan_ports[PT_DECODE_MAX_VXLAN_PORTS]; /* UDP destination ports decoded as VXLAN */
	uint8_t n_vxlan_ports;
	uint16_t geneve_port;      /* UDP destination port decoded as Geneve; 0 disables */
	bool decapsulate;          /* false: treat tunnels as ordinary UDP/GRE/IP flows */
};

/** Fill @p opt with the defaults: VXLAN 4789 and 8472, Geneve 6081, decapsulation on. */
void pt_decode_options_default(struct pt_decode_options *opt);

/**
 * Flat view of one decoded frame. Addresses of the innermost IP header are what the flow is keyed on;
 * IPv4 addresses occupy the first 4 bytes of the 16 and the rest is zero.
 * Ports are host order. For ICMP/ICMPv6, src_port/dst_port are zero and icmp_type/icmp_code are set.
 */
struct pt_decoded {
	uint8_t ip_version;         /* 4 or 6, innermost IP header */
	uint8_t l4_proto;           /* IANA protocol number after IPv6 extension headers */
	uint8_t tcp_flags;          /* TCP flags byte (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10, ...) */
	uint8_t frag;               /* PT_DECODE_FRAG_* or 0 */
	uint16_t src_port;
	uint16_t dst_port;
	uint8_t icmp_type;
	uint8_t icmp_code;
	uint8_t vlan_count;         /* tags of the innermost tagged Ethernet header, outer tag first */
	uint8_t tunnel_depth;       /* number of encapsulations removed */
	uint16_t vlan_ids[PT_DECODE_MAX_VLANS];
	uint32_t frag_id;           /* IPv4 identification or IPv6 fragment id, when frag != 0 */
	uint32_t tcp_seq;
	uint32_t tcp_ack;
	uint8_t src_addr[16];
	uint8_t dst_addr[16];

	/* The innermost tunnel removed (the one closest to the pods), when tunnel_depth > 0. */
	uint8_t tunnel_type;        /* enum pt_tunnel_type */
	uint8_t tunnel_ip_version;  /* 4 or 6 */
	uint32_t tunnel_id;         /* VXLAN/Geneve VNI, GRE key, ERSPAN session id; 0 if none */
	uint8_t tunnel_src[16];
	uint8_t tunnel_dst[16];

	uint16_t l3_offset;         /* offset of the innermost IP header in the frame */
	uint16_t l4_offset;         /* offset of the L4 header (valid unless PT_DECODE_FRAG_LATER) */
	uint32_t payload_offset;    /* offset of the L4 payload in the frame */
	uint32_t payload_len;       /* L4 payload bytes present in the capture (bounded by IP length) */
};

/**
 * Decode one frame. Never reads outside [data, data + cap_len).
 * A frame cut by the snap length (cap_len < wire_len) decodes as long as its headers were captured;
 * payload_len is then the captured part. A fragmented IP packet is never decapsulated (its later
 * fragments could not be keyed on the inner flow): it is reported as the outer UDP/GRE/IP flow.
 * For a PT_DECODE_FRAG_LATER packet, l4_offset and payload_offset point at the fragment data.
 * See docs/decode.md.
 * @param data     first byte of the Ethernet header.
 * @param cap_len  bytes captured.
 * @param wire_len bytes on the wire (>= cap_len; a smaller value is taken as cap_len); lengths in
 *                 headers are checked against it.
 * @param opt      decoder settings.
 * @param out      filled on PT_DECODE_OK; contents unspecified otherwise.
 * @return PT_DECODE_OK, or the reason the frame cannot be used.
 */
enum pt_decode_result pt_decode_frame(const uint8_t *data, uint32_t cap_len, uint32_t wire_len,
				      const struct pt_decode_options *opt, struct pt_decoded *out);

/** Stable lower-case name of a result for counters, e.g. "trunc_ipv4". */
const char *pt_decode_result_name(enum pt_decode_result result);

/** Stable lower-case name of a tunnel type for records, e.g. "vxlan", "erspan2". */
const char *pt_decode_tunnel_name(enum pt_tunnel_type type);

/* ---- fragments: give non-first fragments the ports of their first fragment ------------------ */

struct pt_frag_table;

/**
 * Create a fixed-size table remembering the ports of recent first fragments.
 * @param entries  number of slots (rounded up to a power of two); older entries are overwritten.
 * @return the table, or NULL on allocation failure or entries == 0.
 */
struct pt_frag_table *pt_frag_table_create(uint32_t entries);

/** Free a table; NULL is a no-op. */
void pt_frag_table_free(struct pt_frag_table *table);

/**
 * For a PT_DECODE_FRAG_FIRST packet, remember its ports under (src, dst, proto, frag_id).
 * For a PT_DECODE_FRAG_LATER packet, copy the remembered ports (and ICMP type/code) into @p pkt.
 * Packets without fragment flags are left alone.
 * IPv6 fragments are matched on (src, dst, frag_id) only (RFC 8200): a later IPv6 fragment reports the
 * next header of its fragment header, which differs from the first fragment's l4_proto when extension
 * headers follow the fragment header, so l4_proto is copied from the first fragment too.
 * @param now_ns   packet time; entries older than 30 s are ignored.
 * @return true when @p pkt now has ports (always for unfragmented and first fragments),
 *         false for a later fragment whose first fragment was not seen (the caller counts it).
 */
bool pt_frag_table_resolve(struct pt_frag_table *table, struct pt_decoded *pkt, uint64_t now_ns);

#endif /* PT_DECODE_H */
