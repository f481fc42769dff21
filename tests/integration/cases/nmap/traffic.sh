#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# nmap - SYN scan of ports 1-200 and a UDP scan of four ports against a pod with listeners on
# tcp 22, 80, 150 (ncat) and udp 123 (answers every datagram); captured on the scanner's veth.
. "$(dirname "$0")/../../lib.sh"
need nmap ncat tcpdump ip ethtool

ns_add scan srv
veth scan eth0 srv eth0
addr scan eth0 10.244.1.10/16
addr srv eth0 10.244.2.20/16

for p in 22 80 150; do bg srv ncat -l -k --recv-only 10.244.2.20 $p; done
bg srv $PY -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("10.244.2.20", 123))
while True:
    d, a = s.recvfrom(2048); s.sendto(b"pong", a)'
for p in 22 80 150; do wait_tcp srv 10.244.2.20 $p; done
wait_udp srv 123

cap_start scan eth0
nsx scan nmap -n -sS -p 1-200 -T4 --max-retries 1 10.244.2.20 -oN "$OUT/nmap-tcp.txt" >/dev/null
nsx scan nmap -n -sU -p 53,123,161,500 -T4 --max-retries 1 10.244.2.20 -oN "$OUT/nmap-udp.txt" >/dev/null
cap_stop
grep -E "^(22|80|150)/tcp +open" "$OUT/nmap-tcp.txt" | wc -l | grep -qx 3 || die "nmap did not find the 3 open tcp ports"
