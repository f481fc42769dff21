#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# oracle.py - independent flow accounting for a capture, from tshark's dissection alone.
#
# Python 3 standard library plus tshark; it knows nothing of podtap's code. Per frame, tshark
# gives every occurrence of each field (-E occurrence=a) and frame.protocols gives the layer
# order, so the n-th "ip" layer owns the n-th ip.src, and so on. Rules:
#   - the flow's IP header is the innermost one (tunnels: VXLAN, Geneve, GRE, ERSPAN, IP-in-IP),
#     but never one quoted inside an ICMP error: the ICMP message itself is the flow;
#   - key: symmetric 5-tuple on that header; ICMP "ports" as Community ID maps them (echo
#     8<->0 and the other request/reply pairs are one flow; one-way types key by (type, code)
#     and, as Community ID does not reorder them, by direction too);
#   - orientation: the sender of the first packet, except that a TCP SYN+ACK seen first flips it;
#   - non-first fragments belong to the flow of their first fragment, found by
#     (src, dst, proto, IP id) for IPv4 and (src, dst, identification) for IPv6;
#     one with no first fragment seen is "unmatched";
#   - packets and bytes (frame.len, the whole frame on the wire) per direction, and how many of
#     the flow's packets are IP fragments (first or later);
#   - a frame with no IP header, or whose innermost tunnel carries no IP, is "not IP";
#   - the Community ID is tshark's, except for port-less protocols inside UDP tunnels, where
#     tshark mixes the inner addresses with the outer ports (those flows get none).
# Usage: oracle.py CAPTURE [--exclude N,N,...]   prints the result as JSON.

import collections
import decimal
import ipaddress
import json
import subprocess
import sys

TSHARK_OPTS = [
    "-o", "ip.defragment:FALSE",
    "-o", "ipv6.defragment:FALSE",
    "--enable-protocol", "communityid",
    # decode-as for tunnel ports tshark does not know by default (4789 and 6081 it does)
    "-d", "udp.port==8472,vxlan",
]

FIELDS = [
    "frame.number", "frame.time_epoch", "frame.len", "frame.protocols",
    "ip.src", "ip.dst", "ip.proto", "ip.id", "ip.frag_offset", "ip.flags.mf",
    "ipv6.src", "ipv6.dst", "ipv6.nxt",
    "ipv6.hopopts.nxt", "ipv6.routing.nxt", "ipv6.dstopts.nxt",
    "ipv6.fraghdr.nxt", "ipv6.fraghdr.ident", "ipv6.fraghdr.offset", "ipv6.fraghdr.more",
    "tcp.srcport", "tcp.dstport", "tcp.flags",
    "udp.srcport", "udp.dstport",
    "sctp.srcport", "sctp.dstport",
    "icmp.type", "icmp.code", "icmpv6.type", "icmpv6.code",
    "vlan.id", "communityid",
]

# layers that carry another packet: a frame whose innermost one carries no IP is not IP
TUNNEL_LAYERS = {"vxlan", "geneve", "gre", "erspan", "nsh"}
L4 = {"tcp": 6, "udp": 17, "sctp": 132, "icmp": 1, "icmpv6": 58}
PORT_PROTOS = {6: "tcp", 17: "udp", 132: "sctp"}
TRANSPORT = {6: "tcp", 17: "udp", 132: "sctp", 1: "icmp", 58: "ipv6-icmp", 2: "igmp", 47: "gre", 50: "esp", 51: "ah"}
V6_EXT = ("ipv6.hopopts", "ipv6.routing", "ipv6.dstopts")

# Community ID's ICMP request/reply pairs (everything else is one-way: ports = type, code)
ICMP4_PAIRS = {8: 0, 0: 8, 13: 14, 14: 13, 15: 16, 16: 15, 10: 9, 9: 10, 17: 18, 18: 17}
ICMP6_PAIRS = {128: 129, 129: 128, 133: 134, 134: 133, 135: 136, 136: 135,
               130: 131, 131: 130, 144: 145, 145: 144, 146: 147, 147: 146}


def run_tshark(path):
    cmd = ["tshark", "-n", "-r", path] + TSHARK_OPTS + ["-T", "fields", "-E", "separator=/t",
                                                   "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in FIELDS:
        cmd += ["-e", f]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        raise RuntimeError("tshark failed: " + p.stderr.strip()[-500:])
    for line in p.stdout.splitlines():
        vals = line.split("\t")
        vals += [""] * (len(FIELDS) - len(vals))
        yield {f: (v.split(",") if v != "" else []) for f, v in zip(FIELDS, vals)}


def _get(fr, field, idx):
    v = fr.get(field, [])
    return v[idx] if idx < len(v) else None


def _int(s):
    if s is None or s == "":
        return None
    return int(s, 0)


def norm_ip(s):
    return str(ipaddress.ip_address(s))


class Frame:
    """The parts of one frame that flow accounting needs."""

    def __init__(self, fr):
        self.number = int(fr["frame.number"][0])
        self.ts = fr["frame.time_epoch"][0]
        self.len = int(fr["frame.len"][0])
        self.layers = fr["frame.protocols"][0].split(":") if fr["frame.protocols"] else []
        self.vlans = fr["vlan.id"]
        self.cid = fr["communityid"][0] if fr["communityid"] else None
        self.is_ip = False
        self.frag = None        # None | "first" | "later"
        self.frag_key = None
        self.parse(fr)

    def parse(self, fr):
        seen = collections.Counter()
        items = []
        for name in self.layers:
            items.append((name, seen[name]))
            seen[name] += 1
        ipi = None
        for i, (name, _) in enumerate(items):
            if name in ("ip", "ipv6"):
                ipi = i
            elif name in ("icmp", "icmpv6") and ipi is not None:
                break   # an ICMP message: a quoted header after it is not the flow's
        if ipi is None:
            return
        rest = items[ipi + 1:]
        # stop at a quoted header (ICMP errors), if any
        for j, (name, _) in enumerate(rest):
            if name in ("ip", "ipv6"):
                rest = rest[:j]
                break
        if any(name in TUNNEL_LAYERS for name, _ in rest):
            return      # the innermost tunnel carries no IP (ARP, ...): not IP
        self.is_ip = True
        ver, k = items[ipi]
        self.family = "ipv4" if ver == "ip" else "ipv6"
        if ver == "ip":
            self.src = norm_ip(_get(fr, "ip.src", k))
            self.dst = norm_ip(_get(fr, "ip.dst", k))
            self.proto = _int(_get(fr, "ip.proto", k))
            off = _int(_get(fr, "ip.frag_offset", k)) or 0
            mf = _get(fr, "ip.flags.mf", k) in ("1", "True")
            ipid = _get(fr, "ip.id", k)
            if off > 0 or mf:
                self.frag = "later" if off > 0 else "first"
                self.frag_key = (self.src, self.dst, self.proto, ipid)
        else:
            self.src = norm_ip(_get(fr, "ipv6.src", k))
            self.dst = norm_ip(_get(fr, "ipv6.dst", k))
            self.proto = _int(_get(fr, "ipv6.nxt", k))
            for name, n in rest:
                if name in V6_EXT:
                    self.proto = _int(_get(fr, name + ".nxt", n))
                elif name == "ipv6.fraghdr":
                    self.proto = _int(_get(fr, "ipv6.fraghdr.nxt", n))
                    off = _int(_get(fr, "ipv6.fraghdr.offset", n)) or 0
                    more = _get(fr, "ipv6.fraghdr.more", n) in ("1", "True")
                    if off > 0 or more:
                        self.frag = "later" if off > 0 else "first"
                        self.frag_key = (self.src, self.dst, "v6", _get(fr, "ipv6.fraghdr.ident", n))
                    break
        # tshark's Community ID takes the ports of the last port-carrying layer: for a tunnelled
        # protocol without ports (IGMP, ESP, ...) those are the outer UDP ports, so its value is
        # not the inner flow's; leave such flows without one
        if self.proto not in L4.values() and any(name in ("tcp", "udp", "sctp") for name, _ in items[:ipi]):
            self.cid = None
        self.sport = self.dport = None
        self.tcp_flags = None
        self.icmp = None
        self.icmp_oneway = False
        if self.frag == "later":
            return
        l4 = next(((name, n) for name, n in rest if name in L4), None)
        if l4 is None:
            return
        name, n = l4
        if L4[name] != self.proto:
            raise ValueError("frame %d: layer %s but protocol %s" % (self.number, name, self.proto))
        if name in ("tcp", "udp", "sctp"):
            self.sport = _int(_get(fr, name + ".srcport", n))
            self.dport = _int(_get(fr, name + ".dstport", n))
            if name == "tcp":
                self.tcp_flags = _int(_get(fr, "tcp.flags", n))
        else:
            t = _int(_get(fr, name + ".type", n))
            c = _int(_get(fr, name + ".code", n))
            if t is not None:
                self.icmp = (t, c)
                pairs = ICMP4_PAIRS if name == "icmp" else ICMP6_PAIRS
                if t in pairs:
                    self.sport, self.dport = t, pairs[t]
                else:
                    self.sport, self.dport = t, c
                    self.icmp_oneway = True


def analyse(path, exclude=()):
    exclude = set(exclude)
    flows = collections.OrderedDict()
    fragmap = {}
    res = {"capture": path, "frames": 0, "bytes": 0, "not_ip": 0, "excluded": 0,
           "fragments_unmatched": 0, "layers": collections.Counter()}
    for fr in run_tshark(path):
        res["frames"] += 1
        res["bytes"] += int(fr["frame.len"][0])
        for name in set(fr["frame.protocols"][0].split(":") if fr["frame.protocols"] else []):
            res["layers"][name] += 1
        if int(fr["frame.number"][0]) in exclude:
            res["excluded"] += 1
            continue
        f = Frame(fr)
        if not f.is_ip:
            res["not_ip"] += 1
            continue
        if f.frag == "later":
            key = fragmap.get(f.frag_key)
            if key is None:
                res["fragments_unmatched"] += 1
                continue
            fl = flows[key]
            d = "orig" if (f.src, f.dst) == (fl["src"], fl["dst"]) or fl["src"] == fl["dst"] else "resp"
            if (f.src, f.dst) not in ((fl["src"], fl["dst"]), (fl["dst"], fl["src"])):
                raise ValueError("frame %d: fragment addresses differ from its flow" % f.number)
        else:
            a, b = (f.src, f.sport), (f.dst, f.dport)
            if f.icmp_oneway:
                # Community ID does not reorder one-way ICMP messages: each direction is its own flow
                key = (f.proto, "one-way", a, b)
            else:
                key = (f.proto,) + tuple(sorted([a, b], key=lambda x: (x[0], -1 if x[1] is None else x[1])))
            fl = flows.get(key)
            if fl is None:
                orig, resp = a, b
                if f.proto == 6 and f.tcp_flags is not None and f.tcp_flags & 0x12 == 0x12:
                    orig, resp = b, a
                fl = flows[key] = {
                    "proto": f.proto, "family": f.family, "transport": TRANSPORT.get(f.proto),
                    "src": orig[0], "dst": resp[0],
                    "sport": orig[1] if f.proto in PORT_PROTOS else None,
                    "dport": resp[1] if f.proto in PORT_PROTOS else None,
                    "_orig": orig,
                    "orig_packets": 0, "orig_bytes": 0, "resp_packets": 0, "resp_bytes": 0,
                    "first_ts": f.ts, "last_ts": f.ts, "first_frame": f.number,
                    "icmp_type": None, "icmp_code": None,
                    "community_ids": collections.Counter(), "vlans": f.vlans, "frames": [],
                    "fragments": 0,
                }
            d = "orig" if a == fl["_orig"] else "resp"
            if f.icmp and d == "orig" and fl["icmp_type"] is None:
                fl["icmp_type"], fl["icmp_code"] = f.icmp
            if f.cid:
                fl["community_ids"][f.cid] += 1
            if f.frag == "first":
                fragmap[f.frag_key] = key
        fl[d + "_packets"] += 1
        fl[d + "_bytes"] += f.len
        if f.frag:
            fl["fragments"] += 1
        # podtap's event.end is the latest packet time: a live capture can hold packets out of time order.
        if decimal.Decimal(f.ts) > decimal.Decimal(fl["last_ts"]):
            fl["last_ts"] = f.ts
        fl["frames"].append(f.number)
    out = []
    for fl in flows.values():
        del fl["_orig"]
        cids = fl.pop("community_ids")
        fl["community_id"] = cids.most_common(1)[0][0] if cids else None
        fl["community_id_variants"] = sorted(cids)
        fl["packets"] = fl["orig_packets"] + fl["resp_packets"]
        fl["bytes"] = fl["orig_bytes"] + fl["resp_bytes"]
        out.append(fl)
    res["flows"] = out
    res["layers"] = dict(res["layers"])
    return res


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__ if __doc__ else "usage: oracle.py CAPTURE [--exclude N,N]")
        return 2
    exclude = []
    if "--exclude" in argv:
        i = argv.index("--exclude")
        exclude = [int(x) for x in argv[i + 1].split(",") if x]
        del argv[i:i + 2]
    res = analyse(argv[0], exclude)
    for fl in res["flows"]:
        fl.pop("frames")
    json.dump(res, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
