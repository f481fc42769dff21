# SPDX-License-Identifier: BSD-3-Clause
# bench_common - what both halves of scripts/bench share: paths, running a command under /usr/bin/time, podtap's
# counters, the machine, and the check of podtap's classification against ndpiReader's on the same capture.
import collections
import csv
import json
import os
import platform
import re
import struct
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PODTAP = os.path.join(ROOT, "build", "app", "podtap", "podtap")
BENCH_IDENTITY = os.path.join(ROOT, "build", "tests", "bench", "bench_identity")
TIME = "/usr/bin/time"
# Big enough that no flow of the mix is refused a DPI state or result (peak alive is ~60k).
FULL_DPI = ["--set", "dpi.max_flows=131072"]
NO_GEO = ["--set", "geo.country_db=", "--set", "geo.asn_db="]


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def machine():
    m = {"nproc": os.cpu_count(), "kernel": platform.release()}
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for k in ("Model name", "Vendor ID", "CPU family", "Model", "Hypervisor vendor", "L2 cache",
                  "L3 cache", "Thread(s) per core", "Core(s) per socket"):
            mm = re.search(r"^%s:\s*(.+)$" % re.escape(k), out, re.M)
            if mm:
                m[k.lower().replace(" ", "_").replace("(s)", "s")] = mm.group(1).strip()
    except OSError:
        pass
    m["tsc_mhz"] = tsc_mhz()
    try:
        m["mem_total_kb"] = int(re.search(r"MemTotal:\s+(\d+)", open("/proc/meminfo").read()).group(1))
    except (OSError, AttributeError):
        pass
    return m


def tsc_mhz():
    """The TSC frequency: the kernel's "tsc: Detected/Refined" line if readable, else cpu MHz."""
    try:
        out = subprocess.run(["dmesg"], capture_output=True, text=True, timeout=5).stdout
        found = re.findall(r"tsc: (?:Refined TSC clocksource calibration|Detected) ([\d.]+) MHz", out)
        if found:
            return float(found[-1])
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        return float(re.search(r"cpu MHz\s*:\s*([\d.]+)", open("/proc/cpuinfo").read()).group(1))
    except (OSError, AttributeError):
        return None


def git_rev():
    try:
        rev = subprocess.run(["git", "-C", ROOT, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True).stdout.strip() != ""
        return {"commit": rev, "dirty": dirty}
    except OSError:
        return {}


def timed(cmd, tmp):
    """Run cmd under /usr/bin/time; returns wall/user/sys seconds and peak RSS in KiB."""
    tf = os.path.join(tmp, "time.out")
    with open(os.path.join(tmp, "cmd.out"), "wb") as out, open(os.path.join(tmp, "cmd.err"), "wb") as err:
        r = subprocess.run([TIME, "-f", "%e %U %S %M", "-o", tf] + cmd, stdout=out, stderr=err)
    if r.returncode != 0:
        sys.stderr.write(open(os.path.join(tmp, "cmd.err"), errors="replace").read()[-2000:])
        raise SystemExit("bench: command failed (%d): %s" % (r.returncode, " ".join(cmd)))
    e, u, s, m = open(tf).read().split()[-4:]
    return {"wall_s": float(e), "user_s": float(u), "sys_s": float(s), "cpu_s": float(u) + float(s),
            "max_rss_kb": int(m)}


def podtap_stats(path):
    lines = [l for l in open(path) if l.strip()]
    return json.loads(lines[-1])["podtap"]["stats"]


def ndpi_summary(path):
    text = open(path, errors="replace").read()
    out = {}
    for key, pat in (("packets", r"IP packets:\s+(\d+)"), ("flows", r"Unique flows:\s+(\d+)"),
                     ("peak_memory", r"Peak Memory:\s+([\d.]+ \w+)"),
                     ("guessed_flows", r"Guessed flow protos:\s+(\d+)")):
        mm = re.search(pat, text)
        if mm:
            out[key] = int(mm.group(1)) if mm.group(1).isdigit() else mm.group(1)
    return out


def pcap_packets(path):
    """Packets in a classic pcap file (the net_pcap runs size their mbuf pool by it)."""
    n = 0
    with open(path, "rb") as f:
        f.seek(24)
        while True:
            h = f.read(16)
            if len(h) < 16:
                return n
            f.seek(struct.unpack("<IIII", h)[2], 1)
            n += 1


def proto_agree(p, n):
    """Same nDPI name, ignoring case, or the same master protocol (TLS.Google and TLS)."""
    p, n = p.lower(), n.lower()
    return p == n or p.split(".")[0] == n.split(".")[0]


def ndpi_agreement(flows_path, capture, tmp):
    """podtap's application protocol against ndpiReader's (-C CSV) per TCP/UDP flow, matched by 5-tuple."""
    csvp = os.path.join(tmp, "ndpi.csv")
    subprocess.run(["ndpiReader", "-q", "-v", "2", "-i", capture, "-C", csvp], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    nd = {}
    with open(csvp, newline="") as f:
        for row in csv.DictReader(f):
            proto = int(row["protocol"])
            if proto in (6, 17):
                key = (proto,) + tuple(sorted([(row["src_ip"], int(row["src_port"])), (row["dst_ip"], int(row["dst_port"]))]))
                nd.setdefault(key, row["ndpi_proto"])
    tally = collections.Counter()
    differ = collections.Counter()
    with open(flows_path) as f:
        for line in f:
            r = json.loads(line)
            net = r.get("network", {})
            if net.get("iana_number") not in ("6", "17") or r.get("event", {}).get("action") != "flow_end":
                continue
            s, d = r["source"], r["destination"]
            key = (int(net["iana_number"]),) + tuple(sorted([(s["ip"], s.get("port", 0)), (d["ip"], d.get("port", 0))]))
            tally["podtap_flows"] += 1
            if key not in nd:
                continue
            tally["matched"] += 1
            dpi = r.get("podtap", {}).get("dpi")
            if not dpi or "protocol" not in dpi:
                continue
            tally["both_classified"] += 1
            if proto_agree(dpi["protocol"], nd[key]):
                tally["agree"] += 1
            else:
                differ["%s vs %s" % (dpi["protocol"], nd[key])] += 1
    out = dict(tally)
    out["ndpi_flows"] = len(nd)
    out["agreement"] = tally["agree"] / tally["both_classified"] if tally["both_classified"] else None
    out["differences"] = differ.most_common(10)
    return out
