#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# ipip_scapy - IPv4 in IPv4 (protocol 4) between nodes 198.51.100.1 and .2.
# Scapy-made outer layers: this kernel has no CONFIG_NET_IPIP (ip link ... type ipip), so real pod traffic (ping, curl, UDP;
# IPv4 and IPv6) is captured between two namespaces and encap.py wraps every frame.
. "$(dirname "$0")/../../lib.sh"
need curl ping tcpdump ip ethtool

pods_traffic 1400
encap ipip 0
