#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# gre_scapy - layer-3 GRE with key 1234 between nodes 198.51.100.1 and .2, inner IPv4 and IPv6.
# Scapy-made outer layers: this kernel has no CONFIG_NET_IPGRE (ip link ... type gre), so real pod traffic (ping, curl, UDP;
# IPv4 and IPv6) is captured between two namespaces and encap.py wraps every frame.
. "$(dirname "$0")/../../lib.sh"
need curl ping tcpdump ip ethtool

pods_traffic 1400
encap gre 1234
