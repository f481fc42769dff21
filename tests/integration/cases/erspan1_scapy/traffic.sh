#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# erspan1_scapy - ERSPAN type II (GRE 0x88be, session 10) from a mirroring switch 198.51.100.1 to a collector .2.
# Scapy-made outer layers: this kernel has no CONFIG_NET_IPGRE (ip link ... type erspan erspan_ver 1), so real pod traffic (ping, curl, UDP;
# IPv4 and IPv6) is captured between two namespaces and encap.py wraps every frame.
. "$(dirname "$0")/../../lib.sh"
need curl ping tcpdump ip ethtool

pods_traffic 1400
encap erspan1 10
