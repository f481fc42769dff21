#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# qinq_scapy - QinQ: 802.1ad outer tag 300, 802.1Q inner tag 100 on every frame.
# Scapy-made outer layers: this kernel has no CONFIG_VLAN_8021Q (ip link ... type vlan proto 802.1ad), so real pod traffic (ping, curl, UDP;
# IPv4 and IPv6) is captured between two namespaces and encap.py wraps every frame.
. "$(dirname "$0")/../../lib.sh"
need curl ping tcpdump ip ethtool

pods_traffic 1500
encap qinq 300
