#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# vxlan - two nodes (underlay 198.51.100.1/.2) joined by a kernel VXLAN (VNI 4242, dstport 4789);
# pod A (10.244.1.10, fd00:244::10) on node A and pod B (10.244.2.20, fd00:244::20) on node B sit
# on the overlay. Ping, HTTP and UDP cross it (lib.sh pod_exchange); captured on node A's
# underlay veth, so the capture holds the frames the kernel encapsulated.
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
addr nodea vx0 10.244.1.10/16 fd00:244::10/64
addr nodeb vx0 10.244.2.20/16 fd00:244::20/64

pod_server nodeb
cap_start nodea ul0
pod_exchange nodea
cap_stop
