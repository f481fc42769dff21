#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# udp_frag - 4000-byte UDP datagrams over IPv4 and IPv6 (MTU 1500): only the first fragment
# carries the ports; the echo server sends them back. Captured on the client veth.
. "$(dirname "$0")/../../lib.sh"
need tcpdump ip ethtool

ns_add cli srv
veth cli eth0 srv eth0
addr cli eth0 10.244.1.10/16 fd00:244::10/64
addr srv eth0 10.244.2.20/16 fd00:244::20/64

cat >"$OUT/echo.py" <<'PY'
import socket, sys, select
socks = []
for fam, a in ((socket.AF_INET, "10.244.2.20"), (socket.AF_INET6, "fd00:244::20")):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((a, 7007))
    socks.append(s)
while True:
    for s in select.select(socks, [], [])[0]:
        data, peer = s.recvfrom(65535)
        s.sendto(data, peer)
PY
cat >"$OUT/client.py" <<'PY'
import socket, sys
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.settimeout(2)
for i in range(3):
    s.sendto(bytes([65 + i]) * 4000, (sys.argv[1], 7007))
    assert len(s.recv(65535)) == 4000
s.sendto(b"small", (sys.argv[1], 7007))
assert s.recv(65535) == b"small"
PY
bg srv $PY "$OUT/echo.py"
wait_udp srv 7007

cap_start cli eth0
nsx cli $PY "$OUT/client.py" 10.244.2.20
nsx cli $PY "$OUT/client.py" fd00:244::20
cap_stop
