/* SPDX-License-Identifier: BSD-3-Clause */
/* addr.c - Text form of the 16-byte addresses used in flow keys. */
#include <arpa/inet.h>
#include <sys/socket.h>

#include "pt_util.h"

const char *pt_addr_format(uint8_t ip_version, const uint8_t addr[16], char buf[PT_ADDR_TEXT_LEN])
{
	if (inet_ntop(ip_version == 6 ? AF_INET6 : AF_INET, addr, buf, PT_ADDR_TEXT_LEN) == NULL)
		buf[0] = '\0';
	return buf;
}
