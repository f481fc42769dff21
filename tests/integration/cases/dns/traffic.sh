#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# dns - dig (A, AAAA, TXT, NXDOMAIN over UDP; one A over TCP) against dnsmasq serving a local
# zone at 10.96.0.10 (no upstream); then HTTP to the A and AAAA addresses the answers gave
# web.pt.test and to one address no answer named; captured on the client veth.
. "$(dirname "$0")/../../lib.sh"
need dig dnsmasq tcpdump ip ethtool

ns_add cli dns
veth cli eth0 dns eth0
addr cli eth0 10.244.1.10/16 fd00:244::10/64
# 10.244.2.20 and fd00:244::20 are the addresses the zone gives web.pt.test: a web server answers there
addr dns eth0 10.244.0.2/16 10.244.2.20/16 fd00:244::20/64
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
mkdir -p "$OUT/www"
echo "web.pt.test" >"$OUT/www/index.html"
bg dns $PY -m http.server --bind :: --directory "$OUT/www" 8080
wait_tcp dns :: 8080

cap_start cli eth0
D="@10.96.0.10 +tries=1 +time=2"
nsx cli dig $D web.pt.test A +short
nsx cli dig $D web.pt.test AAAA +short
nsx cli dig $D web.pt.test TXT +short
nsx cli dig $D nosuch.pt.test A | grep -q NXDOMAIN
nsx cli dig $D +tcp web.pt.test A +short
# later connections to the addresses the answers named (destination.domain from podtap's DNS cache),
# and one to an address no answer named
UA="podtap-itest/1.0 (dns case)"
nsx cli curl -sS -o /dev/null -A "$UA" --resolve web.pt.test:8080:10.244.2.20 http://web.pt.test:8080/
nsx cli curl -sS -g -o /dev/null -A "$UA" 'http://[fd00:244::20]:8080/'
nsx cli curl -sS -o /dev/null -A "$UA" http://10.244.0.2:8080/
cap_stop
