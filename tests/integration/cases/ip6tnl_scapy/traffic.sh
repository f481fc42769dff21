#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# ip6tnl_scapy - IPv4 in IPv6 and IPv6 in IPv6 between nodes 2001:db8:100::1 and ::2, with the encapsulation-limit option.
# Scapy-made outer layers: this kernel has no CONFIG_IPV6_TUNNEL (ip link ... type ip6tnl mode any), so real pod traffic (ping, curl, UDP;
# IPv4 and IPv6) is captured between two namespaces and encap.py wraps every frame.
. "$(dirname "$0")/../../lib.sh"
need curl ping tcpdump ip ethtool

pods_traffic 1400
encap ip6tnl 0
