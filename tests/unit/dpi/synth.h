/* SPDX-License-Identifier: BSD-3-Clause */
/* synth.h - Hand-built IPv4/IPv6 TCP and UDP packets for the DPI edge cases no real program sends (garbage, long headers). */
#ifndef PT_DPI_SYNTH_H
#define PT_DPI_SYNTH_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define SYN_TCP 6
#define SYN_UDP 17

/** Endpoints of a synthetic flow: IPv4 in 10.244.0.0/16 and 203.0.113.0/24, or IPv6 documentation prefixes. */
struct syn_flow {
	uint8_t ip_version;
	uint8_t proto;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint32_t seq[2];
};

static inline void syn_flow_v4(struct syn_flow *f, uint8_t proto, uint32_t client_host, uint16_t sport, uint16_t dport)
{
	memset(f, 0, sizeof(*f));
	f->ip_version = 4;
	f->proto = proto;
	f->src[0] = 10, f->src[1] = 244, f->src[2] = (uint8_t)(client_host >> 8), f->src[3] = (uint8_t)client_host;
	f->dst[0] = 203, f->dst[1] = 0, f->dst[2] = 113, f->dst[3] = 10;
	f->sport = sport;
	f->dport = dport;
	f->seq[0] = 1000;
	f->seq[1] = 50000;
}

static inline void syn_flow_v6(struct syn_flow *f, uint8_t proto, uint32_t client_host, uint16_t sport, uint16_t dport)
{
	memset(f, 0, sizeof(*f));
	f->ip_version = 6;
	f->proto = proto;
	f->src[0] = 0xfd, f->src[1] = 0x00, f->src[14] = (uint8_t)(client_host >> 8), f->src[15] = (uint8_t)client_host;
	f->dst[0] = 0x20, f->dst[1] = 0x01, f->dst[2] = 0x0d, f->dst[3] = 0xb8, f->dst[15] = 0x10;
	f->sport = sport;
	f->dport = dport;
	f->seq[0] = 1000;
	f->seq[1] = 50000;
}

static inline void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)(v >> 16)); put16(p + 2, (uint16_t)v); }

/**
 * Build one packet of @p f into @p out (IP header first), from the client when @p reply is false.
 * TCP packets carry ACK|PSH (ACK alone without payload). Checksums are left zero: nDPI does not check them.
 * @return the IP packet length, or 0 when @p cap is too small.
 */
static inline uint32_t syn_packet(struct syn_flow *f, bool reply, const uint8_t *payload, uint32_t len, uint8_t *out,
				  uint32_t cap)
{
	uint32_t l3 = f->ip_version == 4 ? 20 : 40, l4 = f->proto == SYN_TCP ? 20 : 8;
	uint32_t total = l3 + l4 + len;
	const uint8_t *s = reply ? f->dst : f->src, *d = reply ? f->src : f->dst;
	uint8_t *t = out + l3;
	int dir = reply ? 1 : 0;

	if (total > cap || total > 0xffff)
		return 0;
	memset(out, 0, l3 + l4);
	if (f->ip_version == 4) {
		out[0] = 0x45;
		put16(out + 2, (uint16_t)total);
		out[8] = 64;
		out[9] = f->proto;
		memcpy(out + 12, s, 4);
		memcpy(out + 16, d, 4);
	} else {
		out[0] = 0x60;
		put16(out + 4, (uint16_t)(l4 + len));
		out[6] = f->proto;
		out[7] = 64;
		memcpy(out + 8, s, 16);
		memcpy(out + 24, d, 16);
	}
	put16(t, reply ? f->dport : f->sport);
	put16(t + 2, reply ? f->sport : f->dport);
	if (f->proto == SYN_TCP) {
		put32(t + 4, f->seq[dir]);
		put32(t + 8, f->seq[!dir]);
		t[12] = 5 << 4;
		t[13] = len ? 0x18 : 0x10;
		put16(t + 14, 65535);
		f->seq[dir] += len;
	} else {
		put16(t + 4, (uint16_t)(l4 + len));
	}
	if (len)
		memcpy(out + l3 + l4, payload, len);
	return total;
}

/** Small deterministic generator (xorshift64*), so that failures reproduce. */
static inline uint64_t syn_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

#endif /* PT_DPI_SYNTH_H */
