# SPDX-License-Identifier: BSD-3-Clause
# bench_replay - the DPDK half of scripts/bench: podtap's worker lcores on replayed captures (issue 7).
#
# Every run is podtap in DPDK mode (EAL with --no-huge) with a real redis-server holding a workload table, so
# that a new flow costs what it costs in production (workload and GeoIP lookups, the detections on the control
# side). The capture is either preloaded in memory and handed to the workers (--replay: no file I/O and no
# PMD per-packet work, so what is measured is podtap's worker) or read through net_pcap with infinite_rx
# (the DPDK path with a PMD that allocates and copies every packet). Each worker counts the TSC cycles of its
# busy polls (podtap.stats.workers), so packets/s and cycles/packet are per worker core, independent of the
# time podtap spends starting and stopping.
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import time

import bench_common as bc

# (name, file, description, packets to replay (full, quick), extra podtap arguments)
WORKLOADS = [
    ("a_mix", "mix.pcap", "(a) realistic mix, full DPI, one pass", None, bc.FULL_DPI),
    ("b_long", "long.pcap", "(b) 256 long TCP flows, many packets each", (20_000_000, 400_000), []),
    # A sensor sized for floods: at 1.2M records/s the default 16384-record ring is 14 ms of records, less than
    # the control side sometimes stalls on this shared VM; 65536 is 55 ms.
    ("c_synflood", "synflood.pcap", "(c) SYN flood from random sources, 262144-flow table",
     (3_000_000, 60_000), ["--set", "flow.record_ring_size=65536"]),
    ("d_flows1m", "flows1m.pcap", "(d) 1M concurrent established flows", (3_000_000, 60_000),
     ["--set", "flow.max_flows=1048576"]),
]
# The replay rates for the loss runs: each workload's target (issue 7), or 4x ndpiReader for the mix. The million
# flows have no rate target; their first pass is a million new flows, so they are offered 1.5 M packets/s.
LOSS_RATES = {"b_long": 10_000_000, "c_synflood": 1_000_000, "d_flows1m": 1_500_000}
LOSS_DESCRIPTORS = 4096       # what a SPAN sensor's NIC ring is set to (ixgbe/i40e allow 4096)
BIG_DESCRIPTORS = 16384       # the most podtap takes (mlx5-class NICs allow it): what a ring that long absorbs
SMALL_MBUF = ["--set", "capture.mbuf_size=256"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def identity(kind, ns, name, node, **extra):
    d = {"kind": kind, "namespace": ns, "pod": "", "pod_uid": "", "workload_kind": "", "workload": "", "node": node,
         "service_account": "", "labels": {}, "images": [], "start_time": "2026-01-01T00:00:00Z",
         "source": "podtapctl"}
    d.update(extra)
    if kind == "pod":
        d.update(pod=name + "-0", workload_kind="Deployment", workload=name, service_account=name,
                 labels={"app": name}, images=["registry.example/%s:1.0" % name])
    return json.dumps(d, sort_keys=True, separators=(",", ":"))


class Redis:
    """A redis-server on a free loopback port, with the workload table every workload's pods need."""

    def __init__(self, tmp, quick):
        self.port = free_port()
        self.url = "redis://127.0.0.1:%d" % self.port
        self.proc = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
                                      "--appendonly", "no", "--dir", tmp],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            if subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True).returncode == 0:
                break
            time.sleep(0.05)
        else:
            raise SystemExit("bench: redis-server did not start")
        self.fill(quick)

    def fill(self, quick):
        lines = []

        def hset(key, field, value):
            lines.append("HSET %s %s %s" % (key, field, json.dumps(value)))
        # The mix's pods (one per copy of the base capture), the long flows' pods, the flood's target.
        for k in range(2000 if not quick else 200):
            hset("podtap:workloads", "10.%d.%d.10" % (128 + (k >> 8) % 128, k % 256), identity("pod", "shop", "web%d" % (k % 50), "node-%d" % (k % 16)))
        for i in range(200):
            hset("podtap:workloads", "10.244.1.%d" % (10 + i), identity("pod", "shop", "client%d" % (i % 8), "node-1"))
        for i in range(2):
            hset("podtap:workloads", "10.244.2.%d" % (10 + i), identity("pod", "data", "iperf", "node-2"))
        for i in range(256):
            hset("podtap:workloads", "10.96.0.%d" % i, identity("service", "shop", "", "", workload_kind="Service",
                                                             workload="svc%d" % i))
        # The million-flow clients: node pod networks, as the publisher writes them.
        for n in range(16):
            hset("podtap:networks", "10.%d.0.0/16" % (128 + n), identity("node", "", "", "node-%d" % n))
        hset("podtap:networks", "10.96.0.0/12", identity("service", "", "", "", workload_kind="Service",
                                                      workload="service-range"))
        r = subprocess.run(["redis-cli", "-p", str(self.port)], input="\n".join(lines) + "\n", text=True,
                           capture_output=True)
        if r.returncode != 0:
            raise SystemExit("bench: cannot fill the workload table: " + r.stderr[-300:])

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def eal(workers, mem_mb, vdev=None):
    """EAL arguments: one worker on the second core, or N workers spread over the cores (sharing the main's)."""
    ncpu = os.cpu_count() or 1
    if workers == 1:
        cores = ["-l", "0,%d" % (1 % ncpu)]
    else:
        cores = ["--lcores", ",".join(["0@0"] + ["%d@%d" % (w + 1, (w + 1) % ncpu) for w in range(workers)])]
    args = cores + ["--no-huge", "-m", str(mem_mb), "--no-pci", "--file-prefix", "ptbench%d" % os.getpid(),
                    "--log-level", "lib.eal:error", "--no-shconf", "--no-telemetry"]
    if vdev:
        args += ["--vdev", vdev]
    return args


def run(redis, tmp, capture, count, extra, workers=1, rate=None, vdev=False, flows_path=None, mem_mb=1024,
        prefix=(), descriptors=LOSS_DESCRIPTORS):
    """One podtap run; returns the stats of its workers, its losses and its peak memory."""
    stats = os.path.join(tmp, "replay-stats.json")
    if os.path.exists(stats):
        os.unlink(stats)
    cmd = [bc.PODTAP, "--redis", redis.url, "--stats", stats, "--set", "sensor.name=bench",
           "--set", "alerts.spool_dir=" + os.path.join(tmp, "spool"), "--set", "networks.cluster=10.128.0.0/9",
           "--set", "networks.service=10.96.0.0/12"] + extra
    if flows_path:
        cmd += ["--flows", flows_path]
    if count:
        cmd += ["--count", str(count)]
    if vdev:
        cmd += ["--set", "capture.mbufs=%d" % (bc.pcap_packets(capture) + 65535)] + SMALL_MBUF
        cmd += ["--"] + eal(workers, mem_mb, "net_pcap0,rx_pcap=%s,infinite_rx=1" % capture)
    else:
        cmd += ["--replay", capture] + (["--loop", "1"] if not count else [])
        if rate:
            cmd += ["--replay-rate", str(rate), "--set", "capture.rx_descriptors=%d" % descriptors]
        cmd += ["--"] + eal(workers, mem_mb)
    r = bc.timed(list(prefix) + cmd, tmp)
    st = bc.podtap_stats(stats)
    hz = st["tsc_hz"]
    ws = st["workers"]
    pk = sum(w["packets"] for w in ws)
    busy = [w["cycles_busy"] for w in ws]
    r.update({
        "command": cmd, "tsc_hz": hz, "packets": pk, "workers": ws,
        "flows_created": st["flows"]["created"],
        "cycles_per_packet": [w["cycles_busy"] / w["packets"] if w["packets"] else None for w in ws],
        "rx_cycles_per_packet": [w["cycles_rx"] / w["packets"] if w["packets"] else None for w in ws],
        "pps_per_worker": [w["packets"] * hz / w["cycles_busy"] if w["cycles_busy"] else None for w in ws],
        "new_flows_per_s_per_worker": [w["flows_created"] * hz / w["cycles_busy"] if w["cycles_busy"] else None
                                       for w in ws],
        # All workers are busy for the whole replay (it is pulled as fast as they go), so the slowest one's
        # busy time is the replay's length.
        "pps_total": pk * hz / max(busy) if max(busy) else None,
        "lost": st["capture"]["imissed"] + st["capture"]["rx_nombuf"] + st["capture"]["sw_dropped"],
        "imissed": st["capture"]["imissed"], "records_dropped": st["flows"]["records_dropped"],
        "evicted": st["flows"]["ended"]["evicted"], "dpi": st["dpi"], "geo_cache": st["geo_cache"],
        "identity_found": st.get("identity", {}).get("found"),
        "preempted": [w.get("preempted", 0) for w in ws],
        "poll_gap_max_us": [w.get("poll_gap_max_cycles", 0) * 1e6 / hz if hz else None for w in ws],
    })
    return r


def med(runs, key, idx=0):
    vals = [r[key][idx] if isinstance(r[key], list) else r[key] for r in runs]
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def bench_replay(a, tmp, capdir, wldir, ndpi_pps):
    """Every replay measurement of the run; returns a dict for the results JSON."""
    redis = Redis(tmp, a.quick)
    out = {"workloads": {}, "loss": {}, "scaling": {}, "memory": {}, "redis": "local redis-server, %s" % redis.url}
    try:
        files = {n: os.path.join(capdir if f == "mix.pcap" else wldir, f) for n, f, _, _, _ in WORKLOADS}
        for rep in range(a.reps):
            for name, _, desc, counts, extra in WORKLOADS:
                count = None if counts is None else counts[1 if a.quick else 0]
                flows = os.path.join(tmp, "mix-flows.json") if name == "a_mix" and rep == 0 else None
                r = run(redis, tmp, files[name], count, extra, flows_path=flows, mem_mb=512)
                out["workloads"].setdefault(name, {"description": desc, "runs": []})["runs"].append(r)
                bc.log("rep %d/%d replay %-11s %6.0f cycles/pkt  %5.2f Mpps/worker  %7.0f k new flows/s  rss %d MiB"
                       % (rep + 1, a.reps, name, r["cycles_per_packet"][0], r["pps_per_worker"][0] / 1e6,
                          r["new_flows_per_s_per_worker"][0] / 1e3, r["max_rss_kb"] // 1024))
            r = run(redis, tmp, files["b_long"], WORKLOADS[1][3][1 if a.quick else 0] // 2, [], vdev=True)
            out["workloads"].setdefault("b_long_net_pcap", {
                "description": "(b) through DPDK's net_pcap, infinite_rx (the PMD copies every packet)",
                "runs": []})["runs"].append(r)
            bc.log("rep %d/%d net_pcap b_long %6.0f cycles/pkt (%0.f of them in the PMD)"
                   % (rep + 1, a.reps, r["cycles_per_packet"][0], r["rx_cycles_per_packet"][0]))
        for name, w in out["workloads"].items():
            w["median"] = {k: med(w["runs"], k) for k in ("cycles_per_packet", "rx_cycles_per_packet", "pps_per_worker",
                                                          "new_flows_per_s_per_worker", "max_rss_kb", "lost",
                                                          "records_dropped", "packets", "flows_created", "evicted")}
        out["agreement"] = bc.ndpi_agreement(os.path.join(tmp, "mix-flows.json"), files["a_mix"], tmp)

        # Loss at the replay rate: each workload offered at its target rate, the worker given a NIC-sized ring.
        # The mix also at 3/4 of the capacity this run measured: its target rate may leave no headroom at all.
        rates = dict(LOSS_RATES)
        if ndpi_pps:
            rates["a_mix"] = int(4 * ndpi_pps)
        loss_runs = [(w[0], w[0], rates[w[0]]) for w in WORKLOADS]
        mix_capacity = out["workloads"]["a_mix"]["median"]["pps_per_worker"]
        if mix_capacity:
            loss_runs.insert(1, ("a_mix_75pct", "a_mix", int(0.75 * mix_capacity)))
        # Then again with the longest ring podtap takes: what is lost to stalls of a few milliseconds (waves of
        # handshakes in the mix, the OS preempting the worker) is absorbed there; what is lost above capacity is not.
        out["loss_big_ring"] = {}
        for descriptors, dest in ((LOSS_DESCRIPTORS, out["loss"]), (BIG_DESCRIPTORS, out["loss_big_ring"])):
            for key, name, rate in loss_runs:
                counts, extra = dict((w[0], (w[3], w[4])) for w in WORKLOADS)[name]
                count = None if counts is None else counts[1 if a.quick else 0] // (1 if a.quick else 2)
                r = run(redis, tmp, files[name], count, extra, rate=rate, mem_mb=512, descriptors=descriptors)
                r["rate_pps"] = rate
                r["rx_descriptors"] = descriptors
                dest[key] = r
                bc.log("loss %-11s at %5.2f Mpps, %5d descriptors: %d of %d packets lost, %d records dropped, worker "
                       "preempted %d times" % (key, rate / 1e6, descriptors, r["lost"], r["packets"] + r["lost"],
                                               r["records_dropped"], r["preempted"][0]))

        # Overload: the mix offered at 1.25x the capacity this run measured, with DPI shedding (the default,
        # dpi.shed_backlog_percent 50) and without: nDPI's cost is per flow, so without shedding the loss feeds itself.
        out["overload"] = {}
        if mix_capacity:
            rate = int(1.25 * mix_capacity)
            for key, pct in (("shed", 50), ("no_shed", 0)):
                r = run(redis, tmp, files["a_mix"], None,
                        bc.FULL_DPI + ["--set", "dpi.shed_backlog_percent=%d" % pct], rate=rate, mem_mb=512)
                r["rate_pps"] = rate
                r["shed_backlog_percent"] = pct
                out["overload"][key] = r
                bc.log("overload %-8s at %5.2f Mpps: %d of %d packets lost, %d flows shed, %d classified"
                       % (key, rate / 1e6, r["lost"], r["packets"] + r["lost"], r["dpi"]["flows_shed"],
                          r["dpi"]["flows_classified"]))

        # Bytes per flow: the million-flow table against a 65536-flow one, the same traffic.
        mem = {}
        for flows in (65536, 1048576):
            r = run(redis, tmp, files["d_flows1m"], WORKLOADS[3][3][1 if a.quick else 0],
                    ["--set", "flow.max_flows=%d" % flows], mem_mb=512)
            mem[flows] = r
        out["memory"] = {
            "rss_kb": {str(k): v["max_rss_kb"] for k, v in mem.items()},
            "flows_alive_at_end": {str(k): v["flows_created"] - v["evicted"] for k, v in mem.items()},
            "bytes_per_flow": (mem[1048576]["max_rss_kb"] - mem[65536]["max_rss_kb"]) * 1024 / (1048576 - 65536),
        }
        bc.log("memory: %.0f bytes per flow (peak RSS %d MiB with 1M flows, %d MiB with 64k)"
               % (out["memory"]["bytes_per_flow"], mem[1048576]["max_rss_kb"] // 1024, mem[65536]["max_rss_kb"] // 1024))

        # Scaling: one worker against two (the second shares a core with the main lcore on a 2-core machine).
        for name in ("b_long", "c_synflood"):
            counts = dict((w[0], w[3]) for w in WORKLOADS)[name]
            one = run(redis, tmp, files[name], counts[1 if a.quick else 0], [], workers=1, mem_mb=512)
            two = run(redis, tmp, files[name], counts[1 if a.quick else 0], [], workers=2, mem_mb=512)
            out["scaling"][name] = {"1": one, "2": two,
                                    "speedup": two["pps_total"] / one["pps_total"] if one["pps_total"] else None}
            bc.log("scaling %-11s 1 worker %.2f Mpps, 2 workers %.2f Mpps" % (name, one["pps_total"] / 1e6,
                                                                                two["pps_total"] / 1e6))
        if not a.no_profile and shutil.which("perf"):
            out["profile"] = {name: perf_worker(redis, tmp, files[name], dict((w[0], w) for w in WORKLOADS)[name])
                              for name in ("b_long", "c_synflood")}
    finally:
        redis.stop()
        shutil.rmtree("/var/run/dpdk/ptbench%d" % os.getpid(), ignore_errors=True)
    return out


def perf_worker(redis, tmp, capture, workload):
    """The top symbols of the worker thread (perf record -e cpu-clock) on one workload: where its cycles go."""
    data = os.path.join(tmp, "perf-replay.data")
    cmd = ["perf", "record", "-q", "-e", "cpu-clock", "-F", "4000", "-o", data, "--"]
    try:
        run(redis, tmp, capture, workload[3][0] // 2, workload[4], mem_mb=512, prefix=cmd)
    except SystemExit as e:
        bc.log("perf record failed, no worker profile: %s" % e)
        return None
    rep = subprocess.run(["perf", "report", "-i", data, "--stdio", "--no-children", "--comm", "rte-worker-1",
                          "--sort", "dso,symbol", "--percent-limit", "1"], capture_output=True, text=True).stdout
    rows = []
    for line in rep.splitlines():
        mm = re.match(r"\s*([\d.]+)%\s+(.*\S)\s*$", line)
        if mm:
            rows.append([float(mm.group(1)), re.sub(r"(\s+-)+$", "", re.sub(r"\s+", " ", mm.group(2)))])
    return {"command": cmd, "worker_symbols": rows[:20]}


TARGETS = {
    "a_mix": "pps >= 4x ndpiReader's",
    "b_long": "<= 230 cycles/packet at 2.3 GHz (10 Mpps)",
    "c_synflood": ">= 1M new flows/s",
    "d_flows1m": "<= 256 bytes/flow outside DPI",
}


def report(rep, ndpi_pps, mhz):
    """The replay tables, under the -r one."""
    print()
    print("DPDK worker lcores on replayed captures (podtap --replay: preloaded, no file I/O; identity from a local")
    print("redis-server, GeoIP on, detections on; per worker core, from its own TSC counts; median of the runs)")
    hdr = "%-16s %9s %8s %7s %10s %8s %9s %9s  %s" % ("workload", "Mpps/core", "cyc/pkt", "rx cyc", "kflows/s",
                                                      "RSS MiB", "lost", "rec.drop", "target")
    print(hdr)
    print("-" * (len(hdr) + 20))
    for name, w in rep["workloads"].items():
        m = w["median"]
        verdict = ""
        if name == "a_mix" and ndpi_pps:
            verdict = "%.1fx ndpiReader (target 4x)" % (m["pps_per_worker"] / ndpi_pps)
        elif name == "b_long" and mhz:
            verdict = "%.0f cycles at 2.3 GHz = %.1f Mpps (target 10)" % (
                m["cycles_per_packet"], 2300e6 / m["cycles_per_packet"] / 1e6)
        elif name == "c_synflood":
            verdict = "%.2fM new flows/s (target 1M)" % (m["new_flows_per_s_per_worker"] / 1e6)
        elif name == "d_flows1m" and rep.get("memory"):
            verdict = "%.0f bytes/flow (target 256)" % rep["memory"]["bytes_per_flow"]
        print("%-16s %9.2f %8.0f %7.0f %10.0f %8.0f %9d %9d  %s" % (
            name, m["pps_per_worker"] / 1e6, m["cycles_per_packet"], m["rx_cycles_per_packet"],
            m["new_flows_per_s_per_worker"] / 1e3, m["max_rss_kb"] / 1024, m["lost"], m["records_dropped"], verdict))
    ag = rep.get("agreement") or {}
    if ag.get("agreement") is not None:
        print("application protocol agreement with ndpiReader on the mix: %.2f%% of %d flows both classified "
              "(%d podtap flows, %d matched)%s" % (
                  100 * ag["agreement"], ag["both_classified"], ag["podtap_flows"], ag["matched"],
                  "; differences: " + ", ".join("%s x%d" % (k, n) for k, n in ag["differences"][:4])
                  if ag["differences"] else ""))
    for loss_key, descriptors in (("loss", LOSS_DESCRIPTORS), ("loss_big_ring", BIG_DESCRIPTORS)):
        if not rep.get(loss_key):
            continue
        print("packets lost at the replay rate (%d RX descriptors):" % descriptors)
        for name, r in rep[loss_key].items():
            offered = r["packets"] + r["lost"]
            print("  %-12s %6.2f Mpps offered: %d of %d lost (%.4f%%), %d records dropped, %d flows shed, "
                  "%.0f cycles/pkt, preempted %d times, longest gap between polls %.0f us" % (
                      name, r["rate_pps"] / 1e6, r["lost"], offered, 100.0 * r["lost"] / max(offered, 1),
                      r["records_dropped"], r["dpi"]["flows_shed"], r["cycles_per_packet"][0], r["preempted"][0],
                      r["poll_gap_max_us"][0] or 0))
    if rep.get("overload"):
        print("overload: the mix at 1.25x the capacity measured above, %d RX descriptors:" % LOSS_DESCRIPTORS)
        for key, r in rep["overload"].items():
            offered = r["packets"] + r["lost"]
            print("  %-28s %5.2f Mpps offered: %.2f%% lost, %d of %d flows shed, %d classified, %.0f cycles/pkt" % (
                "DPI shedding at %d%% backlog" % r["shed_backlog_percent"] if r["shed_backlog_percent"]
                else "no DPI shedding", r["rate_pps"] / 1e6, 100.0 * r["lost"] / max(offered, 1),
                r["dpi"]["flows_shed"], r["flows_created"], r["dpi"]["flows_classified"], r["cycles_per_packet"][0]))
    if rep.get("memory"):
        m = rep["memory"]
        print("memory: %.0f bytes per flow (peak RSS %s KiB with flow.max_flows 1048576 and 65536, flows alive %s)" % (
            m["bytes_per_flow"], m["rss_kb"]["1048576"], m["flows_alive_at_end"]["1048576"]))
    for name, s in rep.get("scaling", {}).items():
        print("scaling %-11s 1 worker %.2f Mpps, 2 workers %.2f Mpps (x%.2f; the second worker shares a core with "
              "the main lcore)" % (name, s["1"]["pps_total"] / 1e6, s["2"]["pps_total"] / 1e6, s["speedup"] or 0))
    for name, p in (rep.get("profile") or {}).items():
        if p:
            print("worker profile, %s (perf cpu-clock, rte-worker-1): %s" % (
                name, ", ".join("%.0f%% %s" % (pct, sym.split()[-1]) for pct, sym in p["worker_symbols"][:8])))
