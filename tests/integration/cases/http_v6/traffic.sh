#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# http_v6 - curl fetches from python3 -m http.server over IPv6 (fd00:244::/64): one keep-alive
# connection (200, 200, 404) and two separate
# connections (index.html, then mid.txt with Connection: close, by the name www.pt.test
# through curl --resolve); every request with a chosen User-Agent; captured on the client veth.
. "$(dirname "$0")/../../lib.sh"
need curl tcpdump ip ethtool

ns_add cli srv
veth cli eth0 srv eth0
addr cli eth0 fd00:244::10/64
addr srv eth0 fd00:244::20/64

mkdir -p "$OUT/www"
echo "hello from podtap http_v6" >"$OUT/www/index.html"
head -c 60000 /dev/zero | tr '\0' 'y' >"$OUT/www/big.txt"
head -c 20000 /dev/zero | tr '\0' 'w' >"$OUT/www/mid.txt"
bg srv $PY -m http.server --protocol HTTP/1.1 --bind fd00:244::20 --directory "$OUT/www" 8080
wait_tcp srv fd00:244::20 8080

cap_start cli eth0
UA="podtap-itest/1.0 (http_v6; +https://podtap.test/ua)"
U='http://[fd00:244::20]:8080'
nsx cli curl -sS -A "$UA" -g -o /dev/null -o /dev/null -o /dev/null "$U/index.html" "$U/big.txt" "$U/missing.html"
nsx cli curl -sS -A "$UA" -g -o /dev/null "$U/index.html"
nsx cli curl -sS -o /dev/null -A "$UA" -H 'Connection: close' --resolve "www.pt.test:8080:[fd00:244::20]" http://www.pt.test:8080/mid.txt
cap_stop
