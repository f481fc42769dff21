/* SPDX-License-Identifier: BSD-3-Clause */
/* dns_parse.c - Read the question name and the A/AAAA answers (with TTLs) out of one DNS response message. */
#include <string.h>

#include "pt_dnscache.h"

#define DNS_HEADER_LEN 12
#define DNS_MAX_POINTERS 16
#define DNS_TYPE_A 1
#define DNS_TYPE_AAAA 28
#define DNS_CLASS_IN 1

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * Read the (possibly compressed) name at *off into text (dotted, lowercase, no trailing dot) when text is
 * not NULL, and move *off past it in the message. @return 0, or -1 when malformed.
 */
static int dns_read_name(const uint8_t *msg, uint32_t len, uint32_t *off, char *text, size_t text_len)
{
	uint32_t pos = *off, out = 0, after = 0;
	int pointers = 0;

	for (;;) {
		uint8_t label;

		if (pos >= len)
			return -1;
		label = msg[pos];
		if (label == 0) {
			pos++;
			break;
		}
		if ((label & 0xC0) == 0xC0) {
			if (pos + 1 >= len || ++pointers > DNS_MAX_POINTERS)
				return -1;
			if (after == 0)
				after = pos + 2;
			pos = (uint32_t)((label & 0x3F) << 8 | msg[pos + 1]);
			continue;
		}
		if ((label & 0xC0) != 0 || pos + 1 + label > len)
			return -1;
		if (text != NULL) {
			if (out + label + 2 > text_len)
				return -1;
			if (out > 0)
				text[out++] = '.';
			for (uint32_t i = 0; i < label; i++) {
				uint8_t c = msg[pos + 1 + i];

				text[out++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : (c < 0x21 || c > 0x7E ? '?' : c));
			}
		}
		pos += 1u + label;
	}
	if (text != NULL)
		text[out] = '\0';
	*off = after != 0 ? after : pos;
	return 0;
}

int pt_dns_parse_response(const uint8_t *msg, uint32_t len, pt_dns_answer_fn fn, void *ctx)
{
	char qname[PT_DNSCACHE_NAME_LEN];
	uint32_t off = DNS_HEADER_LEN;
	uint16_t qdcount, ancount;
	int found = 0;

	if (len < DNS_HEADER_LEN || (msg[2] & 0x80) == 0 || (msg[3] & 0x0F) != 0)
		return -1;                         /* not a response, or an error response */
	qdcount = rd16(msg + 4);
	ancount = rd16(msg + 6);
	if (qdcount != 1)
		return -1;                         /* the name to remember is the one question */
	if (dns_read_name(msg, len, &off, qname, sizeof(qname)) != 0 || off + 4 > len || qname[0] == '\0')
		return -1;
	off += 4;                                  /* qtype, qclass */
	for (uint16_t a = 0; a < ancount; a++) {
		uint16_t type, class, rdlen;
		uint32_t ttl;

		if (dns_read_name(msg, len, &off, NULL, 0) != 0 || off + 10 > len)
			return found > 0 ? found : -1;
		type = rd16(msg + off);
		class = rd16(msg + off + 2);
		ttl = (uint32_t)msg[off + 4] << 24 | (uint32_t)msg[off + 5] << 16 | (uint32_t)msg[off + 6] << 8 | msg[off + 7];
		rdlen = rd16(msg + off + 8);
		off += 10;
		if (off + rdlen > len)
			return found > 0 ? found : -1;
		if (class == DNS_CLASS_IN && ((type == DNS_TYPE_A && rdlen == 4) || (type == DNS_TYPE_AAAA && rdlen == 16))) {
			uint8_t addr[16] = { 0 };

			memcpy(addr, msg + off, rdlen);
			fn(ctx, type == DNS_TYPE_A ? 4 : 6, addr, qname, ttl);
			found++;
		}
		off += rdlen;
	}
	return found;
}
