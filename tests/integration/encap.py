#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# encap.py - wraps a capture of real traffic in VLAN tags or a tunnel, with scapy, for the
# encapsulations this machine's kernel cannot make (no 8021q, geneve, ip_gre, ipip, sit, ip6_tunnel).
#
# The inner frames are untouched copies of what real programs sent between two pod namespaces;
# only the outer layers are built here, the way the Linux driver for that tunnel builds them
# (outer DF, TTL 64, per-direction IP ids, GRE sequence numbers, ip6tnl's encapsulation-limit
# option, ERSPAN always from the mirroring switch to the collector).
# Usage: encap.py MODE INNER.pcap OUT.pcap --a-mac MAC [--id N]
#   MODE: vlan qinq geneve gre gretap erspan1 erspan2 ipip sit ip6tnl
#   --a-mac: MAC of pod A (frames from it leave node A); --id: VLAN id / VNI / key / session id.
# Run with Debian's /usr/bin/python3 (python3-scapy).

import argparse
import ipaddress
import zlib

from scapy.all import Ether, IP, IPv6, UDP, GRE, Dot1Q, Dot1AD, Raw, rdpcap, wrpcap  # noqa: F401
from scapy.contrib.geneve import GENEVE
from scapy.contrib.erspan import ERSPAN_II, ERSPAN_III
from scapy.layers.inet6 import IPv6ExtHdrDestOpt, HBHOptUnknown, PadN

NODE_MAC = {"a": "02:00:c6:33:64:01", "b": "02:00:c6:33:64:02"}
NODE_V4 = {"a": "198.51.100.1", "b": "198.51.100.2"}
NODE_V6 = {"a": "2001:db8:100::1", "b": "2001:db8:100::2"}


def is_global6(a):
    ip = ipaddress.ip_address(a)
    return not (ip.is_link_local or ip.is_multicast)


class Encap:
    def __init__(self, mode, a_mac, ident):
        self.mode = mode
        self.a_mac = a_mac.lower()
        self.id = ident
        self.ipid = {"a": 0x1000, "b": 0x5000}
        self.seq = {"a": 0, "b": 0}

    def side(self, pkt):
        return "a" if pkt[Ether].src.lower() == self.a_mac else "b"

    def outer4(self, s, proto, payload):
        d = "b" if s == "a" else "a"
        self.ipid[s] = (self.ipid[s] + 1) & 0xFFFF
        return (Ether(src=NODE_MAC[s], dst=NODE_MAC[d]) /
                IP(src=NODE_V4[s], dst=NODE_V4[d], ttl=64, flags="DF", id=self.ipid[s], proto=proto) /
                payload)

    def outer6(self, s, inner_nh, payload):
        d = "b" if s == "a" else "a"
        # Linux ip6tnl adds a Tunnel Encapsulation Limit option (RFC 2473), limit 4
        dopt = IPv6ExtHdrDestOpt(nh=inner_nh, options=[HBHOptUnknown(otype=4, optlen=1, optdata=b"\x04"),
                                                        PadN(optlen=1, optdata=b"\x00")])
        return (Ether(src=NODE_MAC[s], dst=NODE_MAC[d], type=0x86DD) /
                IPv6(src=NODE_V6[s], dst=NODE_V6[d], hlim=64, nh=60) / dopt / payload)

    def udp_sport(self, inner):
        # like the kernel: a hash of the inner flow picks the outer source port
        b = bytes(inner)
        h = zlib.crc32(b[12:14] + b[26:38]) if len(b) > 38 else zlib.crc32(b)
        return 32768 + h % (61000 - 32768)

    def wrap(self, pkt):
        """Returns the encapsulated frame, or None when this tunnel would not carry the frame."""
        s = self.side(pkt)
        raw = bytes(pkt)
        m = self.mode
        if m == "vlan":
            return Ether(raw[:12] + b"\x81\x00" + (self.id & 0xFFF).to_bytes(2, "big") + raw[12:])
        if m == "qinq":
            inner_tag = b"\x81\x00" + (100).to_bytes(2, "big")
            outer_tag = b"\x88\xa8" + (self.id & 0xFFF).to_bytes(2, "big")
            return Ether(raw[:12] + outer_tag + inner_tag + raw[12:])
        if m == "geneve":
            return self.outer4(s, 17, UDP(sport=self.udp_sport(pkt), dport=6081, chksum=0) /
                               GENEVE(proto=0x6558, vni=self.id) / Raw(raw))
        if m == "gretap":
            return self.outer4(s, 47, GRE(key_present=1, key=self.id, proto=0x6558) / Raw(raw))
        if m in ("erspan1", "erspan2"):
            # the mirroring switch (node A) always sends to the collector (node B)
            self.seq["a"] += 1
            if m == "erspan1":
                hdr = GRE(seqnum_present=1, sequence_number=self.seq["a"], proto=0x88BE) / \
                    ERSPAN_II(ver=1, vlan=0, cos=0, en=3, t=0, session_id=self.id, index=123)
            else:
                ts = int(float(pkt.time) * 10000) & 0xFFFFFFFF   # 100 µs granularity
                hdr = GRE(seqnum_present=1, sequence_number=self.seq["a"], proto=0x22EB) / \
                    ERSPAN_III(ver=2, vlan=0, cos=0, bso=0, t=0, session_id=self.id, timestamp=ts,
                               sgt_other=0, p=0, ft=0, hw=7, d=0, gra=0, o=0)
            return self.outer4("a", 47, hdr / Raw(raw))
        # layer-3 tunnels carry only IP: no ARP, and no link-local/multicast IPv6 (ND, MLD)
        et = pkt[Ether].type
        l3 = raw[14:]
        if et == 0x0800:
            if m not in ("gre", "ipip", "ip6tnl"):
                return None
            proto = 4
        elif et == 0x86DD:
            if m not in ("gre", "sit", "ip6tnl") or not (is_global6(pkt[IPv6].src) and is_global6(pkt[IPv6].dst)):
                return None
            proto = 41
        else:
            return None
        if m == "gre":
            return self.outer4(s, 47, GRE(key_present=1, key=self.id, proto=et) / Raw(l3))
        if m in ("ipip", "sit"):
            return self.outer4(s, proto, Raw(l3))
        if m == "ip6tnl":
            return self.outer6(s, proto, Raw(l3))
        raise ValueError("unknown mode " + m)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["vlan", "qinq", "geneve", "gre", "gretap", "erspan1", "erspan2",
                                     "ipip", "sit", "ip6tnl"])
    ap.add_argument("inner")
    ap.add_argument("out")
    ap.add_argument("--a-mac", required=True)
    ap.add_argument("--id", type=int, default=0)
    a = ap.parse_args()
    e = Encap(a.mode, a.a_mac, a.id)
    out = []
    for pkt in rdpcap(a.inner):
        w = e.wrap(pkt)
        if w is None:
            continue
        w.time = pkt.time
        out.append(w)
    if not out:
        raise SystemExit("no frames to encapsulate")
    wrpcap(a.out, out)
    print("%s: %d frames" % (a.out, len(out)))


if __name__ == "__main__":
    main()
