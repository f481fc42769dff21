#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# tls - curl https to openssl s_server (self-signed certificate made now) on an "external"
# host 203.0.113.10, routed through a router namespace; captured on the pod side of the router.
. "$(dirname "$0")/../../lib.sh"
need curl openssl tcpdump ip ethtool

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

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=ext.example" \
	-addext "subjectAltName=IP:203.0.113.10" \
	-keyout "$OUT/key.pem" -out "$OUT/cert.pem" 2>/dev/null
bg ext openssl s_server -accept 203.0.113.10:8443 -cert "$OUT/cert.pem" -key "$OUT/key.pem" -www -quiet
wait_tcp ext 203.0.113.10 8443

cap_start rtr pod0
nsx pod curl -sS -o /dev/null --cacert "$OUT/cert.pem" https://203.0.113.10:8443/
nsx pod curl -sS -o /dev/null --cacert "$OUT/cert.pem" --tlsv1.2 --tls-max 1.2 https://203.0.113.10:8443/
nsx pod curl -sS -o /dev/null -k https://203.0.113.10:8443/
cap_stop
