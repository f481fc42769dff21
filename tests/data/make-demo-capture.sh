#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# make-demo-capture.sh - regenerates tests/data/demo.pcap: a small, realistic mix seen from node A.
#
# Two "nodes" joined by a kernel VXLAN (VNI 1, udp 8472, underlay 198.51.100.1/.2) bridge one pod
# network 10.244.0.0/16; node A also routes to an "external" network 203.0.113.0/24.
#   pod 10.244.1.10 (node A): dig A/AAAA against dnsmasq at 10.96.0.10 (node B), curl http to the
#   web pod 10.244.2.20:8080 (node B), curl https to 203.0.113.10:443 (openssl s_server), ping
#   both, and nmap -sS -p 20-30 of 10.244.2.20.
# The capture merges node A's underlay (VXLAN) and its external uplink, as a sensor on those two
# mirror ports would see them. Needs root and tests/integration/packages.txt.
# Usage: tests/data/make-demo-capture.sh [OUT.pcap]   (default: tests/data/demo.pcap)
HERE="$(cd "$(dirname "$0")" && pwd)"
DEST="$(realpath -m "${1:-$HERE/demo.pcap}")"
OUT="$(mktemp -d /tmp/podtap-demo.XXXXXX)"
export OUT
. "$HERE/../integration/lib.sh"
need curl dig dnsmasq nmap openssl ping tcpdump mergecap ip ethtool
demo_cleanup() {
	local rc=$?
	rm -rf "$OUT"
	(exit $rc)
	pt_cleanup
}
trap demo_cleanup EXIT

ns_add nodea nodeb pod web dns ext
# underlay and VXLAN between the nodes; a bridge on each node holds its pods and the VXLAN
veth nodea ul0 nodeb ul0
addr nodea ul0 198.51.100.1/24
addr nodeb ul0 198.51.100.2/24
for n in nodea nodeb; do
	self=$([ $n = nodea ] && echo 198.51.100.1 || echo 198.51.100.2)
	peer=$([ $n = nodea ] && echo 198.51.100.2 || echo 198.51.100.1)
	nsx $n ip link add vx0 type vxlan id 1 dstport 8472 local $self remote $peer dev ul0
	nsx $n ip link add br0 type bridge
	nsx $n ip link set vx0 master br0
	offloads_off $n vx0
	nsx $n ip link set vx0 up
	nsx $n ip link set br0 up
done
veth pod eth0 nodea p0
veth web eth0 nodeb p0
veth dns eth0 nodeb p1
nsx nodea ip link set p0 master br0
nsx nodeb ip link set p0 master br0
nsx nodeb ip link set p1 master br0
for n in pod web dns; do nsx $n ip link set eth0 mtu 1450; done
addr nodea br0 10.244.1.1/16
addr pod eth0 10.244.1.10/16
addr web eth0 10.244.2.20/16
addr dns eth0 10.244.2.53/16
nsx dns ip addr add 10.96.0.10/32 dev lo
nsx pod ip route add 10.96.0.0/16 dev eth0
nsx pod ip route add default via 10.244.1.1
nsx web ip route add default via 10.244.1.1
# the external network behind node A
veth nodea ext0 ext eth0
addr nodea ext0 203.0.113.1/24
addr ext eth0 203.0.113.10/24
nsx ext ip route add 10.244.0.0/16 via 203.0.113.1
nsx nodea sysctl -qw net.ipv4.ip_forward=1

# servers
mkdir -p "$OUT/www"
echo "<html><body>web pod</body></html>" >"$OUT/www/index.html"
bg web $PY -m http.server --bind 10.244.2.20 --directory "$OUT/www" 8080
bg web ncat -l -k --recv-only 10.244.2.20 22
cat >"$OUT/hosts" <<H
10.244.2.20 web.default.svc.cluster.local
203.0.113.10 api.example.com
H
bg dns dnsmasq --keep-in-foreground --no-resolv --no-hosts --addn-hosts="$OUT/hosts" \
	--local=/cluster.local/ --local=/example.com/ --listen-address=10.96.0.10 --bind-interfaces \
	--pid-file="$OUT/dnsmasq.pid" --user=root --group=root
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=api.example.com" \
	-addext "subjectAltName=DNS:api.example.com" -keyout "$OUT/key.pem" -out "$OUT/cert.pem" 2>/dev/null
bg ext openssl s_server -accept 203.0.113.10:443 -cert "$OUT/cert.pem" -key "$OUT/key.pem" -www -quiet
wait_tcp web 10.244.2.20 8080
wait_tcp web 10.244.2.20 22
wait_tcp dns 10.96.0.10 53
wait_tcp ext 203.0.113.10 443

cap_start nodea ul0 "$OUT/underlay.pcap"
PT_CAP_UL=$PT_CAP_PID
cp "$OUT/tcpdump.err" "$OUT/tcpdump-ul.err"
cap_start nodea ext0 "$OUT/uplink.pcap"
D="@10.96.0.10 +tries=1 +time=2 +short"
nsx pod dig $D web.default.svc.cluster.local A
nsx pod curl -sS -o /dev/null http://10.244.2.20:8080/index.html
nsx pod dig $D api.example.com A
nsx pod dig $D api.example.com AAAA
nsx pod curl -sS -o /dev/null --cacert "$OUT/cert.pem" --resolve api.example.com:443:203.0.113.10 https://api.example.com/
nsx pod ping -n -q -c 2 -i 0.2 10.244.2.20 >/dev/null
nsx pod ping -n -q -c 2 -i 0.2 203.0.113.10 >/dev/null
nsx pod nmap -n -sS -p 20-30 -T4 10.244.2.20 >/dev/null
cap_stop
PT_CAP_PID=$PT_CAP_UL
cap_stop
mergecap -F pcap -w "$DEST" "$OUT/underlay.pcap" "$OUT/uplink.pcap"
echo "$DEST: $(stat -c %s "$DEST") bytes, $(tshark -r "$DEST" 2>/dev/null | wc -l) frames" >&2
