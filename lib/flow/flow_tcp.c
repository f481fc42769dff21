/* SPDX-License-Identifier: BSD-3-Clause */
/* flow_tcp.c - TCP observation bits, Zeek-style history and conn_state, and timeout classes. */
#include <string.h>

#include "flow_priv.h"

/* Zeek's per-endpoint TCP states (TCP_ENDPOINT_*), derived here from the observation bits. */
enum tcp_endpoint_state { EP_INACTIVE, EP_SYN_SENT, EP_SYN_ACK_SENT, EP_PARTIAL, EP_ESTABLISHED, EP_CLOSED, EP_RESET };

static const char *const conn_state_names[PT_CONN_STATE_MAX] = {
	[PT_CONN_S0] = "S0", [PT_CONN_S1] = "S1", [PT_CONN_SF] = "SF", [PT_CONN_REJ] = "REJ",
	[PT_CONN_S2] = "S2", [PT_CONN_S3] = "S3", [PT_CONN_RSTO] = "RSTO", [PT_CONN_RSTR] = "RSTR",
	[PT_CONN_RSTOS0] = "RSTOS0", [PT_CONN_RSTRH] = "RSTRH", [PT_CONN_SH] = "SH", [PT_CONN_SHR] = "SHR",
	[PT_CONN_OTH] = "OTH",
};

static const char *const timeout_class_names[PT_FLOW_TIMEOUT_CLASS_MAX] = {
	[PT_FLOW_TIMEOUT_TCP_OPENING] = "tcp_opening", [PT_FLOW_TIMEOUT_TCP_ESTABLISHED] = "tcp_established",
	[PT_FLOW_TIMEOUT_TCP_CLOSED] = "tcp_closed", [PT_FLOW_TIMEOUT_UDP] = "udp",
	[PT_FLOW_TIMEOUT_ICMP] = "icmp", [PT_FLOW_TIMEOUT_OTHER] = "other",
};

const char *pt_flow_conn_state_name(enum pt_conn_state state)
{
	return (unsigned int)state < PT_CONN_STATE_MAX ? conn_state_names[state] : "unknown";
}

const char *pt_flow_timeout_class_name(enum pt_flow_timeout_class cls)
{
	return (unsigned int)cls < PT_FLOW_TIMEOUT_CLASS_MAX ? timeout_class_names[cls] : "unknown";
}

enum pt_flow_timeout_class pt_flow_proto_class(uint8_t proto)
{
	switch (proto) {
	case PT_FLOW_PROTO_TCP: return PT_FLOW_TIMEOUT_TCP_OPENING;
	case PT_FLOW_PROTO_UDP: return PT_FLOW_TIMEOUT_UDP;
	case PT_FLOW_PROTO_ICMP:
	case PT_FLOW_PROTO_ICMPV6: return PT_FLOW_TIMEOUT_ICMP;
	default: return PT_FLOW_TIMEOUT_OTHER;
	}
}

/* True if any byte of @p word is @p c (the classic SWAR zero-byte test on word ^ c...c). */
static inline bool word_has_byte(uint64_t word, uint8_t c)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	uint64_t x = word ^ (ones * c);

	return ((x - ones) & ~x & highs) != 0;
}

/* Append @p c the first time it happens, while there is room (Zeek's CheckHistory). Called for every TCP packet:
 * the common case, a letter already there, is two word tests. */
static void history_add(struct pt_flow *f, char c)
{
	uint64_t w[2];
	size_t len;

	_Static_assert(sizeof(f->history) == sizeof(w), "history is tested as two 64-bit words");
	memcpy(w, f->history, sizeof(w));
	if (word_has_byte(w[0], (uint8_t)c) || word_has_byte(w[1], (uint8_t)c))
		return;
	len = strnlen(f->history, sizeof(f->history));
	if (len < sizeof(f->history) - 1) {
		f->history[len] = c;
		f->history[len + 1] = '\0';
	}
}

enum pt_flow_timeout_class pt_flow_tcp_class(const struct pt_flow *f)
{
	const uint8_t o = f->tcp_seen[0], r = f->tcp_seen[1];

	if (((o & PT_FLOW_TCP_FIN) && (r & PT_FLOW_TCP_FIN)) || ((o | r) & PT_FLOW_TCP_RST))
		return PT_FLOW_TIMEOUT_TCP_CLOSED;
	if (f->timeout_class == PT_FLOW_TIMEOUT_TCP_ESTABLISHED)
		return PT_FLOW_TIMEOUT_TCP_ESTABLISHED;
	/* handshake completed: the originator acknowledged the responder's SYN+ACK */
	if ((r & PT_FLOW_TCP_SYNACK) && (o & PT_FLOW_TCP_ACK))
		return PT_FLOW_TIMEOUT_TCP_ESTABLISHED;
	/* midstream: acknowledgements or data without any SYN seen */
	if (!((o | r) & (PT_FLOW_TCP_SYN | PT_FLOW_TCP_SYNACK)) && ((o | r) & (PT_FLOW_TCP_ACK | PT_FLOW_TCP_DATA)))
		return PT_FLOW_TIMEOUT_TCP_ESTABLISHED;
	return PT_FLOW_TIMEOUT_TCP_OPENING;
}

void pt_flow_tcp_observe(struct pt_flow *f, unsigned int dir, uint8_t flags, uint32_t payload_len)
{
	const bool syn = flags & PT_TCP_FLAG_SYN, ack = flags & PT_TCP_FLAG_ACK;
	const bool fin = flags & PT_TCP_FLAG_FIN, rst = flags & PT_TCP_FLAG_RST;
	const int control = syn + fin + rst;
	uint8_t bits = 0;
	char letter = 0;

	if (syn)
		bits |= ack ? PT_FLOW_TCP_SYNACK : PT_FLOW_TCP_SYN;
	else if (ack)
		bits |= PT_FLOW_TCP_ACK;
	if (payload_len > 0)
		bits |= PT_FLOW_TCP_DATA;
	if (fin)
		bits |= PT_FLOW_TCP_FIN;
	if (rst)
		bits |= PT_FLOW_TCP_RST;
	f->tcp_seen[dir] |= bits;

	/* One letter per packet, as Zeek's update_history(): control flags first, then data, then pure ACK. */
	if (control > 1)
		letter = (fin && rst) ? 'I' : 'Q';
	else if (syn)
		letter = ack ? 'H' : 'S';
	else if (fin)
		letter = 'F';
	else if (rst)
		letter = 'R';
	else if (payload_len > 0)
		letter = 'D';
	else if (ack)
		letter = 'A';
	if (letter)
		history_add(f, dir ? (char)(letter - 'A' + 'a') : letter);

	f->timeout_class = (uint8_t)pt_flow_tcp_class(f);
}

static enum tcp_endpoint_state endpoint_state(uint8_t self, uint8_t peer, bool is_orig)
{
	if ((self & PT_FLOW_TCP_FIN) && (peer & PT_FLOW_TCP_FIN))
		return EP_CLOSED;        /* a RST after the FIN exchange does not undo the close (Zeek) */
	if (self & PT_FLOW_TCP_RST)
		return EP_RESET;
	if (self & PT_FLOW_TCP_FIN)
		return EP_CLOSED;
	if (is_orig) {
		if (self & PT_FLOW_TCP_SYN)
			return (peer & (PT_FLOW_TCP_SYN | PT_FLOW_TCP_SYNACK)) ? EP_ESTABLISHED : EP_SYN_SENT;
		if (self & PT_FLOW_TCP_SYNACK)
			return EP_SYN_ACK_SENT;
		if ((self & PT_FLOW_TCP_ACK) && (peer & PT_FLOW_TCP_SYNACK))
			return EP_ESTABLISHED;   /* missed the SYN, but acknowledges the SYN+ACK */
		return (self & (PT_FLOW_TCP_ACK | PT_FLOW_TCP_DATA)) ? EP_PARTIAL : EP_INACTIVE;
	}
	if (self & (PT_FLOW_TCP_SYN | PT_FLOW_TCP_SYNACK))
		return EP_ESTABLISHED;
	if (self & PT_FLOW_TCP_DATA)
		return EP_PARTIAL;
	if (self & PT_FLOW_TCP_ACK)      /* a bare ACK of the SYN before any SYN+ACK does not count */
		return (peer & PT_FLOW_TCP_SYN) ? EP_INACTIVE : EP_PARTIAL;
	return EP_INACTIVE;
}

/* Zeek's RSTOS0 test on the history: /^\^?S[^HAFGIQ]*R/ */
static bool history_syn_then_rst(const char *h)
{
	if (*h == '^')
		h++;
	if (*h != 'S')
		return false;
	for (h++; *h != '\0'; h++) {
		if (*h == 'R')
			return true;
		if (strchr("HAFGIQ", *h) != NULL)
			return false;
	}
	return false;
}

static enum pt_conn_state tcp_conn_state(const struct pt_flow *f)
{
	const uint8_t o = f->tcp_seen[0], r = f->tcp_seen[1];
	const enum tcp_endpoint_state os = endpoint_state(o, r, true);
	const enum tcp_endpoint_state rs = endpoint_state(r, o, false);
	const bool o_inactive = os == EP_INACTIVE || os == EP_PARTIAL;
	const bool r_inactive = rs == EP_INACTIVE || rs == EP_PARTIAL;

	/* The order below is Zeek's conn_state() in base/protocols/conn/main.zeek. */
	if (rs == EP_RESET) {
		if (os == EP_SYN_SENT || os == EP_SYN_ACK_SENT ||
		    (os == EP_RESET && !((o | r) & PT_FLOW_TCP_DATA)))
			return PT_CONN_REJ;
		return o_inactive ? PT_CONN_RSTRH : PT_CONN_RSTR;
	}
	if (os == EP_RESET) {
		if (r_inactive)
			return history_syn_then_rst(f->history) ? PT_CONN_RSTOS0 : PT_CONN_OTH;
		return PT_CONN_RSTO;
	}
	if (rs == EP_CLOSED && os == EP_CLOSED)
		return PT_CONN_SF;
	if (os == EP_CLOSED)
		return r_inactive ? PT_CONN_SH : PT_CONN_S2;
	if (rs == EP_CLOSED)
		return o_inactive ? PT_CONN_SHR : PT_CONN_S3;
	if (os == EP_SYN_SENT && rs == EP_INACTIVE)
		return PT_CONN_S0;
	if (os == EP_ESTABLISHED && rs == EP_ESTABLISHED)
		return PT_CONN_S1;
	return PT_CONN_OTH;
}

enum pt_conn_state pt_flow_conn_state(const struct pt_flow *flow)
{
	if (flow->key.proto == PT_FLOW_PROTO_TCP)
		return tcp_conn_state(flow);
	if (flow->packets[0] > 0)
		return flow->packets[1] > 0 ? PT_CONN_SF : PT_CONN_S0;
	return flow->packets[1] > 0 ? PT_CONN_SHR : PT_CONN_OTH;
}
