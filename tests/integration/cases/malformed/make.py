#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# make.py - a capture of broken frames, each with exactly one defect, mixed with good ones.
# Writes OUT.pcap and, beside it, bad_frames.json: {frame number: expected decode reason},
# which the runner gives the oracle (those frames make no flow) and checks against expect.json.
# Usage: make.py OUT.pcap
import json
import os
import struct
import sys

from scapy.all import Ether, IP, IPv6, TCP, UDP, ICMP, Raw, Padding
from scapy.layers.inet6 import ICMPv6EchoRequest, ICMPv6EchoReply, IPv6ExtHdrHopByHop
from scapy.layers.dns import DNS, DNSQR, DNSRR
from scapy.layers.l2 import ARP
from scapy.layers.vxlan import VXLAN

MA, MB = "02:00:0a:f4:01:0a", "02:00:0a:f4:02:14"
A4, B4 = "10.244.1.10", "10.244.2.20"
A6, B6 = "fd00:244::10", "fd00:244::20"
N1, N2 = "198.51.100.1", "198.51.100.2"
T0 = 1767225600.0

frames = []     # (bytes, reason or None)


def good(p):
    frames.append((bytes(p), None))


def bad(reason, b):
    frames.append((bytes(b), reason))


def eth(src=MA, dst=MB, etype=0x0800):
    return Ether(src=src, dst=dst, type=etype)


def ip4(payload, proto, src=A4, dst=B4, **kw):
    return bytes(IP(src=src, dst=dst, proto=proto, **kw) / Raw(payload))


def ip6(payload, nh, src=A6, dst=B6):
    return bytes(IPv6(src=src, dst=dst, nh=nh) / Raw(payload))


E4 = bytes(eth())
E6 = bytes(eth(etype=0x86DD))

# --- good: a TCP handshake + data + FIN close (the last ACK padded to 60 bytes) ---
good(eth() / IP(src=A4, dst=B4) / TCP(sport=40001, dport=80, flags="S", seq=100))
good(eth(MB, MA) / IP(src=B4, dst=A4) / TCP(sport=80, dport=40001, flags="SA", seq=500, ack=101))
good(eth() / IP(src=A4, dst=B4) / TCP(sport=40001, dport=80, flags="A", seq=101, ack=501))

# --- the broken ones ---
bad("trunc_eth", bytes(eth())[:10])                                   # 10 bytes of Ethernet
bad("trunc_eth", bytes(eth())[:13])                                   # no room for the EtherType
bad("trunc_vlan", bytes(eth(etype=0x8100)) + b"\x00\x64")             # VLAN tag cut after the TCI
tags = b"".join(struct.pack("!HH", 0x8100, 100 + i) for i in range(5))
bad("too_many_vlans", bytes(Ether(src=MA, dst=MB, type=0x88A8))[:12] + b"\x88\xa8\x01\x2c" + tags +
    b"\x08\x00" + bytes(IP(src=A4, dst=B4) / UDP(sport=40010, dport=53)))   # six tags
bad("trunc_ipv4", E4 + bytes(IP(src=A4, dst=B4) / UDP())[:12])       # 12 bytes of IPv4 header
hdr = bytearray(bytes(IP(src=A4, dst=B4, proto=17) / UDP(sport=40011, dport=53)))
hdr[0] = 0x43                                                          # IHL 3 (< 5)
bad("bad_ipv4_header", E4 + bytes(hdr))
bad("bad_ipv4_length", E4 + bytes(IP(src=A4, dst=B4, len=1000) / UDP(sport=40012, dport=53) / Raw(b"q" * 20)))
bad("trunc_ipv6", E6 + ip6(b"", 59)[:30])                              # 30 bytes of IPv6 header
bad("bad_ipv6_length", E6 + bytes(IPv6(src=A6, dst=B6, plen=600) / UDP(sport=40013, dport=53) / Raw(b"q" * 20)))
# hop-by-hop header claiming 8*(1+20) bytes in a 24-byte payload
bad("bad_ipv6_exthdr", E6 + ip6(bytes([17, 20]) + b"\x01\x04\x00\x00\x00\x00" + b"\x00" * 16, 0))
bad("trunc_tcp", E4 + ip4(bytes(TCP(sport=40014, dport=80))[:10], 6))
t = bytearray(bytes(TCP(sport=40015, dport=80, flags="S")))
t[12] = 0x30                                                           # data offset 3 (< 5)
bad("bad_tcp_header", E4 + ip4(bytes(t), 6))
bad("trunc_udp", E4 + ip4(b"\x9c\x50\x00", 17))                        # 3 bytes of UDP
bad("bad_udp_length", E4 + ip4(bytes(UDP(sport=40016, dport=53, len=200)) + b"q" * 12, 17))
bad("bad_udp_length", E6 + ip6(bytes(UDP(sport=40017, dport=53, len=4)) + b"q" * 12, 17))  # length < 8
bad("trunc_icmp", E4 + ip4(b"\x08\x00\xf7", 1))                        # 3 bytes of ICMP
bad("trunc_icmp", E6 + ip6(b"\x80\x00\x7f", 58))                       # 3 bytes of ICMPv6
bad("trunc_sctp", E4 + ip4(b"\x13\x88\x8e\x3c\x00\x00", 132))          # 6 bytes of SCTP
vx = bytes(UDP(sport=40100, dport=4789) / Raw(b"\x08\x00\x00"))       # 3 bytes of VXLAN header
bad("trunc_tunnel", eth() / IP(src=N1, dst=N2, proto=17) / Raw(vx))
gen = bytes(UDP(sport=40101, dport=6081) / Raw(b"\x40\x00\x65\x58\x00\x13\x89\x00" +
                                               bytes(eth() / IP(src=A4, dst=B4) / UDP(sport=1, dport=2))))
bad("bad_tunnel", eth() / IP(src=N1, dst=N2, proto=17) / Raw(gen))               # Geneve version 1
inner = IP(src=A4, dst=B4) / UDP(sport=40102, dport=7777) / Raw(b"deep")
for i in range(10):                                                    # VXLAN in VXLAN, 10 deep
    inner = IP(src=N1, dst=N2) / UDP(sport=40200 + i, dport=4789) / VXLAN(vni=100 + i) / \
        Ether(src=MA, dst=MB) / inner
bad("tunnel_too_deep", eth() / inner)

# --- good again: DNS over UDP, ICMPv6 echo, an IPv4 packet with options, ARP, LLDP (not IP) ---
good(eth() / IP(src=A4, dst="10.96.0.10") / UDP(sport=40020, dport=53) / DNS(id=7, rd=1, qd=DNSQR(qname="web.pt.test")))
good(eth(MB, MA) / IP(src="10.96.0.10", dst=A4) / UDP(sport=53, dport=40020) /
     DNS(id=7, qr=1, aa=1, rd=1, ra=1, qd=DNSQR(qname="web.pt.test"), an=DNSRR(rrname="web.pt.test", rdata=B4)))
good(eth(etype=0x86DD) / IPv6(src=A6, dst=B6) / ICMPv6EchoRequest(id=9, seq=1, data=b"ping"))
good(eth(MB, MA, 0x86DD) / IPv6(src=B6, dst=A6) / ICMPv6EchoReply(id=9, seq=1, data=b"ping"))
good(eth(etype=0x86DD) / IPv6(src=A6, dst=B6) / IPv6ExtHdrHopByHop() / UDP(sport=40021, dport=7777) / Raw(b"hbh"))
good(eth() / IP(src=A4, dst=B4, options=[b"\x94\x04\x00\x00"]) / ICMP(type=8, id=3, seq=1) / Raw(b"ra"))
good(eth(MB, MA) / IP(src=B4, dst=A4) / ICMP(type=0, id=3, seq=1) / Raw(b"ra") / Padding(b"\x00" * 10))
good(Ether(src=MA, dst="ff:ff:ff:ff:ff:ff") / ARP(psrc=A4, pdst=B4, hwsrc=MA))
good(Ether(src=MA, dst="01:80:c2:00:00:0e", type=0x88CC) / Raw(b"\x02\x07\x04" + bytes.fromhex("02000af4010a") + b"\x00\x00"))
# a non-first IPv4 fragment whose first fragment never came: fragments_unmatched, not a decode error
good(eth() / IP(src=A4, dst=B4, proto=17, id=4242, frag=185, flags=0) / Raw(b"z" * 40))
# the TCP connection from the start closes cleanly
good(eth() / IP(src=A4, dst=B4) / TCP(sport=40001, dport=80, flags="PA", seq=101, ack=501) / Raw(b"GET / HTTP/1.0\r\n\r\n"))
good(eth(MB, MA) / IP(src=B4, dst=A4) / TCP(sport=80, dport=40001, flags="FA", seq=501, ack=119))
good(eth() / IP(src=A4, dst=B4) / TCP(sport=40001, dport=80, flags="FA", seq=119, ack=502))
good(eth(MB, MA) / IP(src=B4, dst=A4) / TCP(sport=80, dport=40001, flags="A", seq=502, ack=120) / Padding(b"\x00" * 6))

out = sys.argv[1]
with open(out, "wb") as f:      # exactly these bytes, whatever scapy would make of them
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    for i, (b, _) in enumerate(frames):
        us = int(round(T0 * 1e6)) + i * 1000
        f.write(struct.pack("<IIII", us // 1000000, us % 1000000, len(b), len(b)) + b)
with open(os.path.join(os.path.dirname(out), "bad_frames.json"), "w") as f:
    json.dump({str(i + 1): r for i, (_, r) in enumerate(frames) if r}, f, indent=1)
