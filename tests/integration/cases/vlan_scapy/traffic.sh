#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# vlan_scapy - 802.1Q tag 100 on every frame, as a trunk port would carry it.
# Scapy-made outer layers: this kernel has no CONFIG_VLAN_8021Q (ip link ... type vlan), so real pod traffic (ping, curl, UDP;
# IPv4 and IPv6) is captured between two namespaces and encap.py wraps every frame.
. "$(dirname "$0")/../../lib.sh"
need curl ping tcpdump ip ethtool

pods_traffic 1500
encap vlan 100
