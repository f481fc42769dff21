#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# tls - curl https to openssl s_server (self-signed certificate made now) on an "external"
# host 203.0.113.10, routed through a router namespace; captured on the pod side of the router.
# Two connections name the server shop.pt.test (SNI, through curl --resolve), one of them capped at
# TLS 1.2 so the certificate goes in clear; the third goes by address (no SNI).
. "$(dirname "$0")/../../lib.sh"
need curl openssl tcpdump tshark ip ethtool

ns_add pod rtr ext
veth pod eth0 rtr pod0
veth rtr ext0 ext eth0
addr pod eth0 10.244.1.10/24
addr rtr pod0 10.244.1.1/24
addr rtr ext0 203.0.113.1/24
addr ext eth0 203.0.113.10/24
nsx pod ip route add default via 10.244.1.1
nsx ext ip route add default via 203.0.113.1
nsx rtr sysctl -qw net.ipv4.ip_forward=1

# self-signed, made now, valid 90 days (not "about to expire": nDPI flags under 30); its SHA-1 (openssl's view) is what the record must carry for TLS 1.2
openssl req -x509 -newkey rsa:2048 -nodes -days 90 -subj "/O=Podtap Itest/CN=shop.pt.test" \
	-addext "subjectAltName=DNS:shop.pt.test,IP:203.0.113.10" \
	-keyout "$OUT/key.pem" -out "$OUT/cert.pem" 2>/dev/null
setvar cert_sha1 "$(openssl x509 -in "$OUT/cert.pem" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g' | tr a-f A-F)"
bg ext openssl s_server -accept 203.0.113.10:8443 -cert "$OUT/cert.pem" -key "$OUT/key.pem" -www -quiet
wait_tcp ext 203.0.113.10 8443

cap_start rtr pod0
R="--resolve shop.pt.test:8443:203.0.113.10"
# 1. TLS 1.3 with SNI shop.pt.test; 2. TLS 1.2 with that SNI (certificate in clear); 3. by address: no SNI
nsx pod curl -sS -o /dev/null $R --cacert "$OUT/cert.pem" https://shop.pt.test:8443/
nsx pod curl -sS -o /dev/null $R --cacert "$OUT/cert.pem" --tlsv1.2 --tls-max 1.2 https://shop.pt.test:8443/
nsx pod curl -sS -o /dev/null -k https://203.0.113.10:8443/
cap_stop

# tshark's JA3/JA3S of each connection (TCP streams 0, 1, 2 in the order above)
n=0
for tag in tls13_sni tls12_sni tls13_nosni; do
	setvar "ja3_$tag" "$(tshark -r "$OUT/capture.pcap" -Y "tcp.stream==$n && tls.handshake.type==1" -T fields -e tls.handshake.ja3 | head -1)"
	setvar "ja3s_$tag" "$(tshark -r "$OUT/capture.pcap" -Y "tcp.stream==$n && tls.handshake.type==2" -T fields -e tls.handshake.ja3s | head -1)"
	n=$((n + 1))
done
