#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# icmp - ping over IPv4 and IPv6, ping -s 3000 (fragmented at MTU 1500, both families),
# and an ICMP port unreachable for UDP to a closed port; captured on the client veth.
. "$(dirname "$0")/../../lib.sh"
need ping tcpdump ip ethtool

ns_add cli srv
veth cli eth0 srv eth0
addr cli eth0 10.244.1.10/16 fd00:244::10/64
addr srv eth0 10.244.2.20/16 fd00:244::20/64

cap_start cli eth0
nsx cli ping -n -q -c 3 -i 0.05 10.244.2.20
nsx cli ping -n -q -c 3 -i 0.05 fd00:244::20
nsx srv ping -n -q -c 2 -i 0.05 -s 3000 10.244.1.10
nsx srv ping -n -q -c 2 -i 0.05 -s 3000 fd00:244::10
# UDP to a closed port: the server answers ICMP port unreachable
nsx cli $PY -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("10.244.1.10", 40000)); s.sendto(b"knock", ("10.244.2.20", 9))'
cap_stop
