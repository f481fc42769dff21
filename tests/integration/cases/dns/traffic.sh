#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# dns - dig (A, AAAA, TXT, NXDOMAIN over UDP; one A over TCP) against dnsmasq serving a local
# zone at 10.96.0.10 (no upstream); captured on the client veth.
. "$(dirname "$0")/../../lib.sh"
need dig dnsmasq tcpdump ip ethtool

ns_add cli dns
veth cli eth0 dns eth0
addr cli eth0 10.244.1.10/16
addr dns eth0 10.244.0.2/16
nsx cli ip route add 10.96.0.0/16 dev eth0
nsx dns ip addr add 10.96.0.10/32 dev lo
cat >"$OUT/hosts" <<H
10.244.2.20 web.pt.test
fd00:244::20 web.pt.test
H
bg dns dnsmasq --keep-in-foreground --no-daemon --no-resolv --no-hosts --addn-hosts="$OUT/hosts" \
	--listen-address=10.96.0.10 --bind-interfaces --local=/pt.test/ \
	--txt-record=web.pt.test,"podtap test record" --pid-file="$OUT/dnsmasq.pid" --user=root --group=root
wait_udp dns 53
wait_tcp dns 10.96.0.10 53

cap_start cli eth0
D="@10.96.0.10 +tries=1 +time=2"
nsx cli dig $D web.pt.test A +short
nsx cli dig $D web.pt.test AAAA +short
nsx cli dig $D web.pt.test TXT +short
nsx cli dig $D nosuch.pt.test A | grep -q NXDOMAIN
nsx cli dig $D +tcp web.pt.test A +short
cap_stop
