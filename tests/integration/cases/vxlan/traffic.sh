#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# vxlan - two nodes (underlay 198.51.100.1/.2) joined by a kernel VXLAN (VNI 4242, dstport 4789);
# the pods 10.244.1.10 and 10.244.1.20 sit on the overlay. curl, ping and a UDP exchange cross it;
# captured on node A's underlay veth, so the capture holds the encapsulated frames.
. "$(dirname "$0")/../../lib.sh"
need curl ping tcpdump ip ethtool
VNI=${VNI:-4242}
DPORT=${DPORT:-4789}

ns_add nodea nodeb
veth nodea ul0 nodeb ul0
addr nodea ul0 198.51.100.1/24
addr nodeb ul0 198.51.100.2/24
nsx nodea ip link add vx0 type vxlan id $VNI dstport $DPORT local 198.51.100.1 remote 198.51.100.2 dev ul0
nsx nodeb ip link add vx0 type vxlan id $VNI dstport $DPORT local 198.51.100.2 remote 198.51.100.1 dev ul0
for n in nodea nodeb; do offloads_off $n vx0; nsx $n ip link set vx0 up; done
addr nodea vx0 10.244.1.10/24
addr nodeb vx0 10.244.1.20/24

mkdir -p "$OUT/www"; echo "over the overlay" >"$OUT/www/index.html"
bg nodeb $PY -m http.server --bind 10.244.1.20 --directory "$OUT/www" 8080
wait_tcp nodeb 10.244.1.20 8080

cap_start nodea ul0
nsx nodea ping -n -q -c 2 -i 0.05 10.244.1.20
nsx nodea curl -sS -o /dev/null http://10.244.1.20:8080/index.html
nsx nodea $PY -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b"hi", ("10.244.1.20", 7777))'
cap_stop
