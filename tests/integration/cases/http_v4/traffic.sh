#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# http_v4 - curl in a pod namespace fetches from python3 -m http.server in another, over IPv4:
# one keep-alive connection (200, 200, 404) and two separate
# connections (index.html, then mid.txt with Connection: close, by the name www.pt.test
# through curl --resolve); every request with a chosen User-Agent; captured on the client veth.
. "$(dirname "$0")/../../lib.sh"
need curl tcpdump ip ethtool

ns_add cli srv
veth cli eth0 srv eth0
addr cli eth0 10.244.1.10/16
addr srv eth0 10.244.2.20/16

mkdir -p "$OUT/www"
echo "hello from podtap http_v4" >"$OUT/www/index.html"
head -c 60000 /dev/zero | tr '\0' 'x' >"$OUT/www/big.txt"
head -c 20000 /dev/zero | tr '\0' 'z' >"$OUT/www/mid.txt"
bg srv $PY -m http.server --protocol HTTP/1.1 --bind 10.244.2.20 --directory "$OUT/www" 8080
wait_tcp srv 10.244.2.20 8080

cap_start cli eth0
UA="podtap-itest/1.0 (http_v4; +https://podtap.test/ua)"
U=http://10.244.2.20:8080
# keep-alive: three requests on one connection, the 404 last (it closes the connection)
nsx cli curl -sS -A "$UA" -o /dev/null -o /dev/null -o /dev/null "$U/index.html" "$U/big.txt" "$U/missing.html"
# separate connections
nsx cli curl -sS -A "$UA" -o /dev/null "$U/index.html"
nsx cli curl -sS -o /dev/null -A "$UA" -H 'Connection: close' --resolve www.pt.test:8080:10.244.2.20 http://www.pt.test:8080/mid.txt
cap_stop
