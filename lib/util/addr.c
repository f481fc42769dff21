/* SPDX-License-Identifier: BSD-3-Clause */
/* addr.c - Text form of the 16-byte addresses used in flow keys. */
#include <arpa/inet.h>
#include <sys/socket.h>

#include "pt_util.h"

const char *pt_addr_format(uint8_t ip_version, const uint8_t addr[16], char buf[PT_ADDR_TEXT_LEN])
{
	char *p = buf;

	if (ip_version == 6) {
		if (inet_ntop(AF_INET6, addr, buf, PT_ADDR_TEXT_LEN) == NULL)
			buf[0] = '\0';
		return buf;
	}
	/* IPv4 by hand: inet_ntop goes through sprintf, and this runs for every flow record. */
	for (int i = 0; i < 4; i++) {
		uint8_t v = addr[i];

		if (v >= 100)
			*p++ = (char)('0' + v / 100);
		if (v >= 10)
			*p++ = (char)('0' + v / 10 % 10);
		*p++ = (char)('0' + v % 10);
		*p++ = i < 3 ? '.' : '\0';
	}
	return buf;
}
