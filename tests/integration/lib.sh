# SPDX-License-Identifier: BSD-3-Clause
# lib.sh - helpers sourced by every cases/<name>/traffic.sh: namespaces, veths, capture, cleanup.
#
# A traffic script is run by tests/integration/run (or by hand) as root with:
#   OUT        directory to write capture.pcap (and scratch files) into
#   PT_PREFIX  short unique prefix for the namespaces it creates (default: pt<pid>)
# Everything it creates lives inside namespaces named "$PT_PREFIX-<name>"; the EXIT
# trap kills the processes it started and deletes those namespaces, even on failure.
# Only addresses assigned here are used: 10.244.0.0/16 (pods), TEST-NETs (external
# hosts and node underlays), fd00::/8 and 2001:db8::/32.

set -euo pipefail

: "${OUT:?OUT must name the output directory}"
PT_PREFIX="${PT_PREFIX:-pt$$}"
PT_ITEST_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# Debian's interpreter: scapy comes from python3-scapy, not pip.
PY=/usr/bin/python3
mkdir -p "$OUT"
rm -f "$OUT/capture.pcap" "$OUT/vars.json"

PT_NS=()        # namespaces created (full names)
PT_BG=()        # pids of background programs
PT_CAP_PID=""   # tcpdump pid

log() { echo "[$(date +%T.%3N)] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

need() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || die "missing tool: $t (see tests/integration/packages.txt)"
	done
}

ns() { echo "$PT_PREFIX-$1"; }

# ns_add NAME...: a fresh namespace with lo up, no DAD delays and no ICMP rate limits.
ns_add() {
	local n full
	for n in "$@"; do
		full="$(ns "$n")"
		ip netns add "$full"
		PT_NS+=("$full")
		ip -n "$full" link set lo up
		ip netns exec "$full" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
			net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0 \
			net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0 \
			net.ipv6.conf.default.router_solicitations=0 net.ipv6.conf.all.router_solicitations=0 >/dev/null
	done
}

# nsx NAME CMD...: run CMD inside namespace NAME.
nsx() { local n="$1"; shift; ip netns exec "$(ns "$n")" "$@"; }

# offloads_off NS IF: no TSO/GSO/GRO super-packets or partial checksums in captures.
offloads_off() {
	ip netns exec "$(ns "$1")" ethtool -K "$2" tso off gso off gro off tx off rx off >/dev/null 2>&1 || \
		ip netns exec "$(ns "$1")" ethtool -K "$2" tso off gso off gro off >/dev/null 2>&1 || true
}

# veth NS1 IF1 NS2 IF2: a veth pair between two namespaces, offloads off, both up.
veth() {
	ip -n "$(ns "$1")" link add "$2" type veth peer name "$4" netns "$(ns "$3")"
	offloads_off "$1" "$2"
	offloads_off "$3" "$4"
	ip -n "$(ns "$1")" link set "$2" up
	ip -n "$(ns "$3")" link set "$4" up
}

# addr NS IF CIDR...: assign addresses (IPv6 without DAD).
addr() {
	local n="$1" i="$2" a
	shift 2
	for a in "$@"; do
		case "$a" in
		*:*) ip -n "$(ns "$n")" addr add "$a" dev "$i" nodad ;;
		*) ip -n "$(ns "$n")" addr add "$a" dev "$i" ;;
		esac
	done
}

# bg NS CMD...: start CMD in the background inside NS; its output goes to $OUT/bg.log.
bg() {
	local n="$1"
	shift
	ip netns exec "$(ns "$n")" "$@" >>"$OUT/bg.log" 2>&1 &
	PT_BG+=($!)
}

# wait_tcp NS ADDR PORT: wait (max 5 s) until something listens on ADDR:PORT.
wait_tcp() {
	local i
	for i in $(seq 1 100); do
		if ip netns exec "$(ns "$1")" ss -Hltn "sport = :$3" 2>/dev/null | grep -q .; then return 0; fi
		sleep 0.05
	done
	die "nothing listens on $2 port $3 in $1"
}

# wait_udp NS PORT: wait (max 5 s) until a UDP socket is bound to PORT.
wait_udp() {
	local i
	for i in $(seq 1 100); do
		if ip netns exec "$(ns "$1")" ss -Hlun "sport = :$2" 2>/dev/null | grep -q .; then return 0; fi
		sleep 0.05
	done
	die "nothing bound to udp port $2 in $1"
}

# cap_start NS IF [FILE]: tcpdump on IF inside NS into FILE (default $OUT/capture.pcap);
# returns once tcpdump has said it is listening.
cap_start() {
	local n="$1" i="$2" f="${3:-$OUT/capture.pcap}" k
	rm -f "$OUT/tcpdump.err"
	ip netns exec "$(ns "$n")" tcpdump -n -i "$i" -U --immediate-mode -s 0 -Z root -w "$f" 2>"$OUT/tcpdump.err" &
	PT_CAP_PID=$!
	for k in $(seq 1 200); do
		grep -q "listening on" "$OUT/tcpdump.err" 2>/dev/null && { sleep 0.05; return 0; }
		kill -0 "$PT_CAP_PID" 2>/dev/null || die "tcpdump failed: $(cat "$OUT/tcpdump.err")"
		sleep 0.025
	done
	die "tcpdump did not start"
}

# cap_stop: let the last packets arrive, then stop tcpdump and wait for it.
cap_stop() {
	[ -n "$PT_CAP_PID" ] || return 0
	sleep 0.3
	kill -INT "$PT_CAP_PID" 2>/dev/null || true
	wait "$PT_CAP_PID" 2>/dev/null || true
	PT_CAP_PID=""
	grep -E "packets (captured|dropped by kernel)" "$OUT/tcpdump.err" >&2 || true
	if grep -qE "^[1-9][0-9]* packets dropped by kernel" "$OUT/tcpdump.err"; then die "tcpdump dropped packets"; fi
}

# stop_bg: end the background programs (by pid), politely first.
stop_bg() {
	local p
	for p in "${PT_BG[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${PT_BG[@]}"; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	PT_BG=()
}

pt_cleanup() {
	local rc=$? n p
	set +e
	if [ -n "$PT_CAP_PID" ]; then kill -INT "$PT_CAP_PID" 2>/dev/null; wait "$PT_CAP_PID" 2>/dev/null; fi
	stop_bg
	# Anything else still running inside our namespaces was started by this script.
	for n in "${PT_NS[@]}"; do
		for p in $(ip netns pids "$n" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
	done
	for n in "${PT_NS[@]}"; do ip netns del "$n" 2>/dev/null; done
	exit $rc
}
trap pt_cleanup EXIT
trap 'exit 130' INT TERM

# pod_server NS: python3 http.server on port 8080 (all addresses) in NS, serving $OUT/www.
pod_server() {
	mkdir -p "$OUT/www"
	echo "pod b says hello" >"$OUT/www/index.html"
	bg "$1" $PY -m http.server --bind :: --directory "$OUT/www" 8080
	wait_tcp "$1" :: 8080
}

# pod_exchange NS: from pod A in NS to pod B (10.244.2.20, fd00:244::20): ping, an HTTP fetch
# and a UDP datagram to a closed port (B answers ICMP port unreachable) over IPv4, then ping
# and an HTTP fetch over IPv6.
pod_exchange() {
	nsx "$1" ping -n -q -c 2 -i 0.05 10.244.2.20 >/dev/null
	nsx "$1" curl -sS -o /dev/null http://10.244.2.20:8080/index.html
	nsx "$1" $PY -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b"x" * 100, ("10.244.2.20", 7777))'
	nsx "$1" ping -n -q -c 2 -i 0.05 fd00:244::20 >/dev/null
	nsx "$1" curl -sS -g -o /dev/null 'http://[fd00:244::20]:8080/index.html'
}

# pods_traffic [MTU]: two dual-stack pods (A 10.244.1.10 / fd00:244::10, B 10.244.2.20 /
# fd00:244::20) on one veth run pod_exchange, captured on A's veth into $OUT/inner.pcap;
# A's MAC goes to $OUT/a.mac. Used by the cases that wrap real traffic with encap.py.
pods_traffic() {
	local mtu="${1:-1400}"
	ns_add poda podb
	veth poda eth0 podb eth0
	nsx poda ip link set eth0 mtu "$mtu"
	nsx podb ip link set eth0 mtu "$mtu"
	addr poda eth0 10.244.1.10/16 fd00:244::10/64
	addr podb eth0 10.244.2.20/16 fd00:244::20/64
	nsx poda cat /sys/class/net/eth0/address >"$OUT/a.mac"
	pod_server podb
	cap_start poda eth0 "$OUT/inner.pcap"
	pod_exchange poda
	cap_stop
	stop_bg
}

# encap MODE ID: wrap $OUT/inner.pcap into $OUT/capture.pcap with encap.py.
encap() {
	$PY "$PT_ITEST_DIR/encap.py" "$1" "$OUT/inner.pcap" "$OUT/capture.pcap" --a-mac "$(cat "$OUT/a.mac")" --id "$2" >&2
}

# setvar NAME VALUE: record a value only the traffic knows (a generated certificate's SHA-1,
# tshark's JA3 of a handshake) in $OUT/vars.json; expect.json refers to it as {"$var": "NAME"}.
setvar() {
	$PY - "$OUT/vars.json" "$1" "$2" <<'PYEOF'
import json, os, sys
path, name, value = sys.argv[1:4]
d = json.load(open(path)) if os.path.exists(path) else {}
d[name] = value
json.dump(d, open(path, "w"), indent=1, sort_keys=True)
PYEOF
}
