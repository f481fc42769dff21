#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# geneve_scapy - Geneve (udp 6081, VNI 5001) between nodes 198.51.100.1 and .2, inner Ethernet.
# Scapy-made outer layers: this kernel has no CONFIG_GENEVE, so real pod traffic (ping, curl, UDP;
# IPv4 and IPv6) is captured between two namespaces and encap.py wraps every frame.
. "$(dirname "$0")/../../lib.sh"
need curl ping tcpdump ip ethtool

pods_traffic 1400
encap geneve 5001
