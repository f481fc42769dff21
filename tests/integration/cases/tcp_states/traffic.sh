#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# tcp_states - connections that end in different Zeek states, each on its own server port:
#   7001 refused (no listener: REJ)           7002 client aborts with RST after data (RSTO)
#   7003 server aborts with RST after data (RSTR)   7004 dropped by nftables (S0)
#   7005 normal exchange and FIN close (SF)
. "$(dirname "$0")/../../lib.sh"
need tcpdump ip ethtool nft

ns_add cli srv
veth cli eth0 srv eth0
addr cli eth0 10.244.1.10/16
addr srv eth0 10.244.2.20/16
nsx srv nft -f - <<'NFT'
table inet pt_drop {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp dport 7004 drop
	}
}
NFT

cat >"$OUT/server.py" <<'PY'
import socket, struct, threading
def serve(port, abort):
    ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("10.244.2.20", port)); ls.listen(8)
    while True:
        c, _ = ls.accept()
        data = c.recv(4096)
        c.sendall(b"reply:" + data)
        if abort:
            c.recv(4096)  # wait for the client's next line, then abort
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            c.close()
        else:
            while c.recv(4096):
                pass
            c.close()
for port, abort in ((7002, False), (7003, True), (7005, False)):
    threading.Thread(target=serve, args=(port, abort)).start()
PY
cat >"$OUT/client.py" <<'PY'
import socket, struct, sys, time
A = "10.244.2.20"
def conn(port, timeout=2):
    s = socket.socket(); s.settimeout(timeout); s.connect((A, port)); return s
# REJ
try:
    conn(7001); sys.exit("7001 should be refused")
except ConnectionRefusedError:
    pass
# RSTO: the client aborts after data
s = conn(7002); s.sendall(b"hello 7002\n"); s.recv(100)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)); s.close()
# RSTR: the server aborts after data
s = conn(7003); s.sendall(b"hello 7003\n"); s.recv(100); s.sendall(b"more\n")
try:
    while s.recv(100):
        pass
except ConnectionResetError:
    pass
s.close()
# S0: the SYN is dropped (one retransmission after 1 s)
try:
    conn(7004, timeout=1.5); sys.exit("7004 should time out")
except (socket.timeout, TimeoutError):
    pass
# SF
s = conn(7005); s.sendall(b"hello 7005\n"); s.recv(100); s.shutdown(socket.SHUT_WR)
while s.recv(100):
    pass
s.close()
PY
bg srv $PY "$OUT/server.py"
wait_tcp srv 10.244.2.20 7005

cap_start cli eth0
nsx cli $PY "$OUT/client.py"
cap_stop
