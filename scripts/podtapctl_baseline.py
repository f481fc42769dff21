# SPDX-License-Identifier: BSD-3-Clause
# podtapctl_baseline.py - `podtapctl baseline show|accept|forget|relearn`: read and edit the per-workload
# communication baselines the sensors learn and share through Redis (docs/redis-schema.md#baselines):
#   HASH   <prefix>baseline:workloads          workload key -> {"first_seen_ns": N, "learning_until_ns": N}
#   HASH   <prefix>baseline:edges:<workload>   edge text -> {"first_seen_ns", "last_seen_ns", "count"[, asn, country]}
#   STREAM <prefix>baseline:changes            one entry per change, in the same MULTI/EXEC as the hash change
# Imported by scripts/podtapctl, which registers the verbs (add_parser), dispatches to COMMANDS and turns a
# Failure into a one-line error. Needs only Debian's python3-redis and podtap_redis.py next to this file.
import argparse
import datetime
import fractions
import ipaddress
import json
import re
import time

import podtap_redis
import redis

PROG = "podtapctl"
WRITER = "podtapctl"           # the stream entries' "sensor" field
EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2
PAGE = 1000                    # XREVRANGE page, HSCAN COUNT, HLEN pipeline batch
SEARCH = 100000                # accept --alert: newest alert entries searched by default
DEFAULT_PERIOD = "24h"         # relearn --learning-period
MAX_TRIES = 100                # WATCH conflicts before a write gives up
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

KEY_LEN, PEER_LEN, APP_LEN, EDGE_LEN = 192, 192, 32, 448  # buffer sizes of lib/baseline (text < size)
DIRECTIONS = ("out", "in")
TRANSPORTS = {"tcp": 6, "udp": 17, "icmp": 1, "icmp6": 58, "sctp": 132}
PEER_KINDS = ("workload", "node", "service", "network", "internal_ip", "domain", "external_ip")
EXTERNAL = ("domain", "external_ip")  # peer kinds whose edges may carry asn and country
EDGE_FORM = "direction|transport|port|app|peer_kind|peer"


class Failure(Exception):
    """A one-line error; code is the exit status (podtapctl prints it as 'podtapctl: <message>')."""

    def __init__(self, message, code=EXIT_FAIL):
        super().__init__(message)
        self.code = code


# ---- keys ---------------------------------------------------------------------------------------------

def workloads_key(prefix):
    return prefix + "baseline:workloads"


def edges_key(prefix, workload):
    return prefix + "baseline:edges:" + workload


def changes_key(prefix):
    return prefix + "baseline:changes"


# ---- validation: workload keys and edge text ------------------------------------------------------------

CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
DECIMAL = re.compile(r"^(0|[1-9][0-9]*)$")
KIND = re.compile(r"^[A-Z][A-Za-z0-9]*$")  # CamelCase, as Kubernetes kinds are
APP = re.compile(r"^[a-z0-9][a-z0-9_.+-]*$")
LABEL = re.compile(r"^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?$")


def show(s):
    """s quoted for a message: repr-like, control characters escaped."""
    return json.dumps(s, ensure_ascii=False)


def check_name(what, s, slash=False):
    """A name inside a key or peer: non-empty, no '|' nor control characters, '/' only when slash."""
    if not s:
        raise ValueError("%s is empty" % what)
    if "|" in s:
        raise ValueError("%s %s contains '|'" % (what, show(s)))
    if CONTROL.search(s):
        raise ValueError("%s %s contains a control character" % (what, show(s)))
    if not slash and "/" in s:
        raise ValueError("%s %s contains '/'" % (what, show(s)))


def check_ip(what, s):
    """s must be an IP address in canonical form (how the sensor writes it)."""
    try:
        canon = str(ipaddress.ip_address(s))
    except ValueError:
        raise ValueError("%s %s is not an IP address" % (what, show(s))) from None
    if canon != s:
        raise ValueError("%s %s is not in canonical form (%s)" % (what, show(s), canon))


def check_workload(key, what="workload key"):
    """Raise ValueError naming what is wrong unless key is a workload key:
    <namespace>/<WorkloadKind>/<name>, node/<name>, service/<namespace>/<name>, net/<name> or ip/<address>."""
    if not key:
        raise ValueError("%s is empty" % what)
    if len(key.encode("utf-8")) >= KEY_LEN:
        raise ValueError("%s is longer than %d bytes" % (what, KEY_LEN - 1))
    parts = key.split("/")
    if len(parts) == 3 and KIND.match(parts[1]):
        check_name("%s %s: namespace" % (what, show(key)), parts[0])
        return check_name("%s %s: name" % (what, show(key)), parts[2])
    head, _, rest = key.partition("/")
    if head == "ip" and rest:
        return check_ip("%s %s: address" % (what, show(key)), rest)
    if head == "net" and rest:
        return check_name("%s %s: network name" % (what, show(key)), rest, slash=True)
    if head == "node" and len(parts) == 2:
        return check_name("%s %s: node name" % (what, show(key)), parts[1])
    if head == "service" and len(parts) == 3:
        check_name("%s %s: namespace" % (what, show(key)), parts[1])
        return check_name("%s %s: service name" % (what, show(key)), parts[2])
    if len(parts) == 3:
        raise ValueError("%s %s: %s is not a workload kind (CamelCase: Deployment, StatefulSet, Pod, ...)"
                         % (what, show(key), show(parts[1])))
    raise ValueError("%s %s is not <namespace>/<WorkloadKind>/<name>, node/<name>, service/<namespace>/<name>, "
                     "net/<name> or ip/<address>" % (what, show(key)))


def check_domain(what, s):
    if s != s.lower():
        raise ValueError("%s %s is not lower-case (%s)" % (what, show(s), s.lower()))
    if len(s) > 253 or not all(LABEL.match(label) for label in s.split(".")):
        raise ValueError("%s %s is not a domain name" % (what, show(s)))


def check_peer(kind, peer):
    what = "peer"
    if len(peer.encode("utf-8")) >= PEER_LEN:
        raise ValueError("peer is longer than %d bytes" % (PEER_LEN - 1))
    if kind == "workload":
        check_workload(peer, "peer")
    elif kind == "node":
        check_name(what, peer)
    elif kind == "service":
        parts = peer.split("/")
        if len(parts) != 2:
            raise ValueError("service peer %s is not <namespace>/<name>" % show(peer))
        check_name("service peer namespace", parts[0])
        check_name("service peer name", parts[1])
    elif kind == "network":
        check_name("network peer", peer, slash=True)
    elif kind in ("internal_ip", "external_ip"):
        check_ip("%s peer" % kind, peer)
    else:  # domain
        check_domain("domain peer", peer)


def parse_edge(text):
    """The members (direction, transport, port, app, peer_kind, peer) of an edge text; ValueError naming what is
    wrong otherwise."""
    if not text:
        raise ValueError("empty edge (want %s)" % EDGE_FORM)
    if len(text.encode("utf-8")) >= EDGE_LEN:
        raise ValueError("edge is longer than %d bytes" % (EDGE_LEN - 1))
    if CONTROL.search(text):
        raise ValueError("edge %s contains a control character" % show(text))
    members = text.split("|")
    if len(members) != 6:
        raise ValueError("edge %s has %d fields, not 6 (%s)" % (show(text), len(members), EDGE_FORM))
    direction, transport, port, app, peer_kind, peer = members
    if direction not in DIRECTIONS:
        raise ValueError("edge %s: direction %s is not out or in" % (show(text), show(direction)))
    if transport not in TRANSPORTS:
        if not DECIMAL.match(transport) or int(transport) > 255:
            raise ValueError("edge %s: transport %s is not tcp, udp, icmp, icmp6, sctp or a protocol number 0-255"
                             % (show(text), show(transport)))
        for name, number in TRANSPORTS.items():
            if int(transport) == number:
                raise ValueError("edge %s: transport %s is written %s" % (show(text), transport, name))
    if not DECIMAL.match(port) or int(port) > 65535:
        raise ValueError("edge %s: port %s is not a decimal number 0-65535" % (show(text), show(port)))
    if transport in ("icmp", "icmp6") and int(port) > 255:
        raise ValueError("edge %s: port %s is not an ICMP type 0-255" % (show(text), port))
    if app:
        if len(app) >= APP_LEN:
            raise ValueError("edge %s: app is longer than %d characters" % (show(text), APP_LEN - 1))
        if app != app.lower() and APP.match(app.lower()):
            raise ValueError("edge %s: app %s is not lower-case (%s)" % (show(text), show(app), app.lower()))
        if not APP.match(app):
            raise ValueError("edge %s: app %s is not an application protocol name (a-z, 0-9, _.+-)"
                             % (show(text), show(app)))
    if peer_kind not in PEER_KINDS:
        raise ValueError("edge %s: peer kind %s is not one of %s"
                         % (show(text), show(peer_kind), ", ".join(PEER_KINDS)))
    if not peer:
        raise ValueError("edge %s: the peer is empty" % show(text))
    try:
        check_peer(peer_kind, peer)
    except ValueError as e:
        raise ValueError("edge %s: %s" % (show(text), e)) from None
    return direction, transport, int(port), app, peer_kind, peer


def arg_workload(text):
    try:
        check_workload(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    return text


def arg_edge(text):
    try:
        parse_edge(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    return text


def arg_nonempty(text):
    if not text:
        raise argparse.ArgumentTypeError("empty")
    return text


def positive_int(text):
    if not DECIMAL.match(text) or int(text) == 0:
        raise argparse.ArgumentTypeError("not a positive integer: %r" % text)
    return int(text)


DURATION = re.compile(r"^([0-9]+(\.[0-9]+)?)([smhd]?)$")
UNIT_S = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def duration_ns(text):
    """Nanoseconds of '90', '90s', '15m', '1.5h', '7d'."""
    m = DURATION.match(text)
    if not m:
        raise argparse.ArgumentTypeError("not a duration (seconds, or a number with s, m, h or d): %r" % text)
    ns = int(fractions.Fraction(m.group(1)) * UNIT_S[m.group(3)] * 10 ** 9)
    if ns >= 2 ** 62:
        raise argparse.ArgumentTypeError("duration too long: %r" % text)
    return ns


# ---- times ----------------------------------------------------------------------------------------------

RFC3339 = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?"
                     r"([Zz]|[+-][0-9]{2}:[0-9]{2})$")
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def rfc3339_ns(text):
    """Integer nanoseconds since the epoch of an RFC 3339 time, or None."""
    m = RFC3339.match(text) if isinstance(text, str) else None
    if not m:
        return None
    try:
        t = datetime.datetime(*(int(m.group(i)) for i in range(1, 7)), tzinfo=datetime.timezone.utc)
    except ValueError:
        return None
    seconds = (t - EPOCH) // datetime.timedelta(seconds=1)
    zone = m.group(8)
    if zone not in ("Z", "z"):
        offset = int(zone[1:3]) * 3600 + int(zone[4:6]) * 60
        seconds -= offset if zone[0] == "+" else -offset
    frac = (m.group(7) or ".")[1:10].ljust(9, "0")
    ns = seconds * 10 ** 9 + int(frac)
    return ns if ns >= 0 else None


def ns_time(ns):
    """RFC 3339 UTC (to the second) of integer nanoseconds, or '?' for a value that is not one."""
    if not isinstance(ns, int) or isinstance(ns, bool) or ns < 0:
        return "?"
    try:
        return (EPOCH + datetime.timedelta(seconds=ns // 10 ** 9)).strftime(TIME_FORMAT)
    except OverflowError:
        return "?"


# ---- stored values --------------------------------------------------------------------------------------

def decode(value):
    return value.decode("utf-8", "backslashreplace") if isinstance(value, bytes) else value


def encode(obj):
    return json.dumps(obj, separators=(",", ":"))


def nat(v):
    """v when it is a non-negative integer (not a bool), else None."""
    return v if isinstance(v, int) and not isinstance(v, bool) and v >= 0 else None


def load_workload(raw):
    """{"first_seen_ns", "learning_until_ns"} of a stored workload value, or None when it is not one."""
    try:
        obj = json.loads(raw)
    except (ValueError, TypeError):
        return None
    if not isinstance(obj, dict) or nat(obj.get("first_seen_ns")) is None or nat(obj.get("learning_until_ns")) is None:
        return None
    return obj


def load_stats(raw):
    """The stats object of a stored edge value, or None when it is not one."""
    try:
        obj = json.loads(raw)
    except (ValueError, TypeError):
        return None
    if not isinstance(obj, dict) or any(nat(obj.get(k)) is None for k in ("first_seen_ns", "last_seen_ns", "count")):
        return None
    return obj


def mode_of(wl, now_ns):
    """("learning", "learning until T") or ("detecting", "detecting since T")."""
    until = wl["learning_until_ns"]
    if now_ns < until:
        return "learning", "learning until " + ns_time(until)
    return "detecting", "detecting since " + ns_time(until)


UNSAFE = re.compile("[\x00-\x20\x7f-\x9f\u2028\u2029]")


def token(s):
    """s with blanks and control characters escaped, so that it stays one word of one line."""
    return UNSAFE.sub(lambda m: "\\x%02x" % ord(m.group()) if ord(m.group()) < 0x100
                      else "\\u%04x" % ord(m.group()), s)


def shorten(s, width=80):
    s = s.encode("unicode_escape").decode("ascii")
    return s if len(s) <= width else s[:width - 3] + "..."


def print_table(header, rows):
    """Columns padded to their widest full row's cells; a shorter row (a note) has its cells but the last padded."""
    widths = [len(h) for h in header]
    for row in rows:
        for i, c in enumerate(row if len(row) == len(header) else row[:-1]):
            widths[i] = max(widths[i], len(c))
    for row in [header] + rows:
        cells = [c.ljust(w) for c, w in zip(row[:-1], widths)] + [row[-1]]
        print("  ".join(cells).rstrip())


# ---- Redis helpers --------------------------------------------------------------------------------------

KEY_TYPES = {"hash": "a hash", "stream": "a stream"}


def check_types(r, wanted):
    """Refuse (WRONGTYPE, one line naming the key) unless each key of wanted {key: type} is absent or of its type.
    With a WATCHing pipeline the TYPEs run at once."""
    for key, want in wanted.items():
        got = decode(r.type(key))
        if got not in ("none", want):
            raise Failure("%s holds a %s, not %s (WRONGTYPE)" % (token(key), got, KEY_TYPES[want]))


def transact(r, watch, types, plan):
    """WATCH watch, check the key types, call plan(pipe) (reads run at once); it returns a list of functions that
    queue the writes (hash change and XADD). Queue them in one MULTI/EXEC; on a WatchError plan again. An
    exception from plan aborts without writing. Returns what plan returned."""
    with r.pipeline(transaction=True) as pipe:
        for _ in range(MAX_TRIES):
            try:
                pipe.watch(*watch)
                check_types(pipe, types)
                writes = plan(pipe)
                if not writes:
                    return writes
                pipe.multi()
                for write in writes:
                    write(pipe)
                pipe.execute()
                return writes
            except redis.WatchError:  # another writer changed a watched key: plan again
                continue
    raise Failure("gave up after %d tries: other writers kept changing the baseline" % MAX_TRIES)


def xadd(pipe, args, op, workload, edge=None, value=None):
    fields = {"op": op, "workload": workload}
    if edge is not None:
        fields["edge"] = edge
    if value is not None:
        fields["value"] = value
    fields["sensor"] = WRITER
    pipe.xadd(changes_key(args.prefix), fields, maxlen=args.stream_maxlen, approximate=True)


# ---- show -----------------------------------------------------------------------------------------------

def all_workloads(r, prefix):
    """[(key, raw value, workload or None, edges)] sorted by key; HLENs pipelined."""
    wkey = workloads_key(prefix)
    check_types(r, {wkey: "hash"})
    rows = [(decode(k), decode(v), load_workload(v)) for k, v in r.hscan_iter(wkey, count=PAGE)]
    rows.sort(key=lambda row: row[0])
    out = []
    for i in range(0, len(rows), PAGE):
        batch = rows[i:i + PAGE]
        pipe = r.pipeline(transaction=False)
        for key, _, _ in batch:
            pipe.hlen(edges_key(prefix, key))
        counts = pipe.execute(raise_on_error=False)
        for (key, raw, wl), n in zip(batch, counts):
            if isinstance(n, redis.ResponseError):
                raise Failure("%s: %s" % (token(edges_key(prefix, key)), str(n).strip().splitlines()[0]))
            out.append((key, raw, wl, n))
    return out


def show_all(r, args):
    now_ns = time.time_ns()
    rows = all_workloads(r, args.prefix)
    if args.json:
        for key, raw, wl, n in rows:
            obj = {"workload": key, "edges": n}
            if wl is None:
                obj.update(mode=None, raw=raw)
            else:
                mode, _ = mode_of(wl, now_ns)
                obj.update(mode=mode, first_seen_ns=wl["first_seen_ns"], learning_until_ns=wl["learning_until_ns"],
                           first_seen=ns_time(wl["first_seen_ns"]), learning_until=ns_time(wl["learning_until_ns"]))
            print(json.dumps(obj, ensure_ascii=False, separators=(",", ":")))
        return EXIT_OK
    table = []
    for key, raw, wl, n in rows:
        mode = mode_of(wl, now_ns)[1] if wl is not None else "unparseable: " + shorten(raw)
        table.append((token(key), mode, str(n)))
    print_table(("WORKLOAD", "MODE", "EDGES"), table)
    return EXIT_OK


def edge_sort_key(edge):
    try:
        d, t, port, app, kind, peer = parse_edge(edge)
    except ValueError:
        return (1, edge)
    return (0, DIRECTIONS.index(d), PEER_KINDS.index(kind), peer, t, port, app)


def show_one(r, args):
    now_ns = time.time_ns()
    wkey, ekey = workloads_key(args.prefix), edges_key(args.prefix, args.workload)
    check_types(r, {wkey: "hash", ekey: "hash"})
    raw = r.hget(wkey, args.workload)
    edges = sorted(((decode(f), decode(v)) for f, v in r.hscan_iter(ekey, count=PAGE)),
                   key=lambda fv: edge_sort_key(fv[0]))
    if raw is None and not edges:
        raise Failure("%s: no baseline (not in %s; see '%s baseline show')" % (token(args.workload), token(wkey), PROG))
    wl = load_workload(raw) if raw is not None else None
    if args.json:
        for edge, value in edges:
            obj = {"workload": args.workload, "edge": edge}
            try:
                d, t, port, app, kind, peer = parse_edge(edge)
                obj.update(direction=d, transport=t, port=port, app=app, peer_kind=kind, peer=peer)
            except ValueError:
                obj["invalid_edge"] = True
            stats = load_stats(value)
            if stats is None:
                obj["raw"] = value
            else:
                obj.update(stats)
                obj.update(first_seen=ns_time(stats["first_seen_ns"]), last_seen=ns_time(stats["last_seen_ns"]))
            print(json.dumps(obj, ensure_ascii=False, separators=(",", ":")))
        return EXIT_OK
    if wl is not None:
        mode = "%s, first seen %s" % (mode_of(wl, now_ns)[1], ns_time(wl["first_seen_ns"]))
    elif raw is not None:
        mode = "unparseable workload value: " + shorten(decode(raw))
    else:
        mode = "not in %s" % token(wkey)
    print("%s: %s; %d edge%s" % (token(args.workload), mode, len(edges), "" if len(edges) == 1 else "s"))
    if not edges:
        return EXIT_OK
    table = []
    for edge, value in edges:
        try:
            d, t, port, app, kind, peer = parse_edge(edge)
        except ValueError:
            table.append(("invalid edge %s: %s" % (shorten(edge), shorten(value)),))
            continue
        stats = load_stats(value)
        if stats is None:
            table.append((d, "%s/%d" % (t, port), token(app) or "-", kind, token(peer),
                          "unparseable: " + shorten(value)))
            continue
        asn, country = nat(stats.get("asn")), stats.get("country")
        geo = ["AS%d" % asn] if asn else []
        geo += [token(country)] if isinstance(country, str) and country else []
        table.append((d, "%s/%d" % (t, port), token(app) or "-", kind, token(peer), ns_time(stats["first_seen_ns"]),
                      ns_time(stats["last_seen_ns"]), str(stats["count"]), "/".join(geo) or "-"))
    print_table(("DIR", "TRANSPORT/PORT", "APP", "PEER_KIND", "PEER", "FIRST_SEEN", "LAST_SEEN", "COUNT", "AS/COUNTRY"),
                table)
    return EXIT_OK


def cmd_show(table, args):
    return show_one(table.r, args) if args.workload is not None else show_all(table.r, args)


# ---- accept ---------------------------------------------------------------------------------------------

def dig(obj, *keys):
    for k in keys:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(k)
    return obj


def id_before(sid):
    """The stream ID just before sid (XREVRANGE's end is inclusive; '(' needs Redis 6.2), or None before 0-1."""
    ms, _, seq = decode(sid).partition("-")
    ms, seq = int(ms), int(seq or 0)
    if seq > 0:
        return "%d-%d" % (ms, seq - 1)
    return "%d-%d" % (ms - 1, 2 ** 64 - 1) if ms > 0 else None


def find_alert(r, prefix, event_id, limit):
    """The alert object with event.id event_id among the newest limit entries of <prefix>alerts, or None."""
    key = podtap_redis.alerts_key(prefix)
    check_types(r, {key: "stream"})
    needle, top, seen = event_id.encode("utf-8"), "+", 0
    while seen < limit:
        page = r.xrevrange(key, top, "-", count=min(PAGE, limit - seen))
        for _, fields in page:
            raw = (fields or {}).get(podtap_redis.ALERT_FIELD.encode())
            if raw is None or needle not in raw:
                continue
            try:
                alert = json.loads(raw.decode("utf-8"))
            except ValueError:  # also UnicodeDecodeError
                continue
            if dig(alert, "event", "id") == event_id:
                return alert
        seen += len(page)
        if len(page) < PAGE or not page:
            break
        top = id_before(page[-1][0])
        if top is None:
            break
    return None


def from_alert(r, args):
    """(workload, edge, stats) of the alert named by --alert."""
    alert = find_alert(r, args.prefix, args.alert, args.search)
    if alert is None:
        raise Failure("alert %s not found among the newest %d entries of %s (see --search)"
                      % (token(args.alert), args.search, token(podtap_redis.alerts_key(args.prefix))))
    rule = dig(alert, "rule", "id")
    rule = token(rule) if isinstance(rule, str) else "?"
    workload, edge = dig(alert, "podtap", "evidence", "baseline_key"), dig(alert, "podtap", "evidence", "edge")
    has_key, has_edge = isinstance(workload, str) and workload != "", isinstance(edge, str) and edge != ""
    if not has_key and not has_edge:
        raise Failure("alert %s (rule %s) is not about a baseline: it has no podtap.evidence.baseline_key and "
                      "podtap.evidence.edge" % (token(args.alert), rule))
    if not has_edge or not has_key:  # e.g. a scan or baseline_full alert names the workload, but no edge
        raise Failure("alert %s (rule %s) is not about a baseline edge: it has no podtap.evidence.%s"
                      % (token(args.alert), rule, "edge" if has_key else "baseline_key"))
    try:
        check_workload(workload)
        d, _, _, _, kind, _ = parse_edge(edge)
    except ValueError as e:
        raise Failure("alert %s (rule %s): bad baseline evidence: %s" % (token(args.alert), rule, e)) from None
    ts = rfc3339_ns(alert.get("@timestamp"))
    if ts is None:
        raise Failure("alert %s (rule %s) has no valid @timestamp" % (token(args.alert), rule))
    stats = {"first_seen_ns": ts, "last_seen_ns": ts, "count": 1}
    if kind in EXTERNAL:  # the peer's AS and country, as the alert saw them
        peer = alert.get("destination" if d == "out" else "source")
        asn, country = nat(dig(peer, "as", "number")), dig(peer, "geo", "country_iso_code")
        if asn:
            stats["asn"] = asn
        if isinstance(country, str) and re.match(r"^[A-Z]{2}$", country):
            stats["country"] = country
    return workload, edge, stats


def cmd_accept(table, args):
    r = table.r
    if args.alert is not None:
        if args.workload is not None:
            raise Failure("give either --alert EVENT_ID or WORKLOAD EDGE, not both (see '%s baseline accept --help')"
                          % PROG, EXIT_USAGE)
        workload, edge, stats = from_alert(r, args)
    else:
        if args.workload is None or args.edge is None:
            raise Failure("give --alert EVENT_ID, or WORKLOAD EDGE (see '%s baseline accept --help')" % PROG,
                          EXIT_USAGE)
        workload, edge = args.workload, args.edge
        ts = time.time_ns()
        stats = {"first_seen_ns": ts, "last_seen_ns": ts, "count": 1}
    wkey, ekey = workloads_key(args.prefix), edges_key(args.prefix, workload)
    value = encode(stats)

    def plan(pipe):
        if pipe.hget(wkey, workload) is None:
            raise Failure("%s: no baseline (not in %s); '%s baseline relearn %s --learning-period 0' starts one"
                          % (token(workload), token(wkey), PROG, token(workload)))
        if load_stats(pipe.hget(ekey, edge)) is not None:
            return []  # already there: keep its values
        return [lambda p: p.hset(ekey, edge, value), lambda p: xadd(p, args, "accept", workload, edge, value)]

    writes = transact(r, (wkey, ekey), {wkey: "hash", ekey: "hash", changes_key(args.prefix): "stream"}, plan)
    if writes:
        print("accepted %s %s" % (token(workload), token(edge)))
    else:
        print("unchanged: %s %s is already in the baseline" % (token(workload), token(edge)))
    return EXIT_OK


# ---- forget ---------------------------------------------------------------------------------------------

def cmd_forget(table, args):
    r = table.r
    if args.all == bool(args.edges):
        raise Failure("give EDGE... or --all (see '%s baseline forget --help')" % PROG, EXIT_USAGE)
    workload = args.workload
    wkey, ekey = workloads_key(args.prefix), edges_key(args.prefix, workload)
    edges = list(dict.fromkeys(args.edges))  # once each, in order
    removed = []

    def plan(pipe):
        if args.all:
            n = pipe.hlen(ekey)
            if n == 0 and pipe.hget(wkey, workload) is None:
                raise Failure("%s: no baseline (not in %s)" % (token(workload), token(wkey)))
            removed[:] = [n]
            return [lambda p: p.delete(ekey), lambda p: xadd(p, args, "forget", workload)]
        present = pipe.hmget(ekey, edges)
        missing = [e for e, v in zip(edges, present) if v is None]
        if missing:
            raise Failure("%s: %s not in its baseline; nothing forgotten"
                          % (token(workload), ", ".join(token(e) for e in missing)))
        removed[:] = edges
        writes = []
        for e in edges:
            writes += [lambda p, e=e: p.hdel(ekey, e), lambda p, e=e: xadd(p, args, "forget", workload, e)]
        return writes

    transact(r, (wkey, ekey), {wkey: "hash", ekey: "hash", changes_key(args.prefix): "stream"}, plan)
    if args.all:
        print("forgot all %d edge%s of %s" % (removed[0], "" if removed[0] == 1 else "s", token(workload)))
    else:
        for e in removed:
            print("forgot %s %s" % (token(workload), token(e)))
    return EXIT_OK


# ---- relearn --------------------------------------------------------------------------------------------

def cmd_relearn(table, args):
    r = table.r
    workload = args.workload
    wkey, ekey = workloads_key(args.prefix), edges_key(args.prefix, workload)
    now_ns = time.time_ns()
    value = encode({"first_seen_ns": now_ns, "learning_until_ns": now_ns + args.learning_period})
    removed = [0]

    def plan(pipe):
        removed[0] = pipe.hlen(ekey)
        return [lambda p: p.delete(ekey), lambda p: p.hset(wkey, workload, value),
                lambda p: xadd(p, args, "relearn", workload, None, value)]

    transact(r, (wkey, ekey), {wkey: "hash", ekey: "hash", changes_key(args.prefix): "stream"}, plan)
    if args.learning_period:
        what = "learning until %s" % ns_time(now_ns + args.learning_period)
    else:
        what = "detecting from now"
    print("relearn %s: %d edge%s forgotten, %s" % (token(workload), removed[0], "" if removed[0] == 1 else "s", what))
    return EXIT_OK


# ---- command line ---------------------------------------------------------------------------------------

EPILOG = """\
keys (docs/redis-schema.md#baselines; <prefix> is --prefix, default podtap:):
  HASH   <prefix>baseline:workloads          workload key -> {"first_seen_ns": N, "learning_until_ns": N}
  HASH   <prefix>baseline:edges:<workload>   edge text -> {"first_seen_ns", "last_seen_ns", "count"[, "asn", "country"]}
  STREAM <prefix>baseline:changes            op learn|accept|forget|relearn, workload, edge, value, sensor

  A workload key is <namespace>/<WorkloadKind>/<name> (shop/Deployment/frontend), node/<name>,
  service/<namespace>/<name>, net/<name> or ip/<address>. An edge is
  direction|transport|port|app|peer_kind|peer, e.g. out|tcp|443|tls|domain|example.com:
    direction  out (the workload originated) or in
    transport  tcp, udp, icmp, icmp6, sctp, or another IP protocol's number
    port       0-65535, the responder's port (ICMP: the type, 0-255)
    app        the lower-case application protocol (tls, http, dns, ...), or empty
    peer_kind  workload, node, service (<namespace>/<name>), network, internal_ip, domain (lower-case) or
               external_ip; IP addresses in canonical form (fd00::a)

  Every write (accept, forget, relearn) goes with its stream entry (sensor "podtapctl") in one MULTI/EXEC;
  the sensors follow the stream and apply it to their baselines.

exit status: 0 done, 1 not found / refused / Redis error, 2 usage error (including a bad workload key or edge).
"""

SHOW_EPILOG = """\
output:
  Without WORKLOAD, one line per workload of <prefix>baseline:workloads, by key: the key, its mode
  ("learning until T" or "detecting since T", against the current time) and its number of edges.
  With WORKLOAD, a summary line, then one line per edge: direction, transport/port, app, peer kind, peer,
  first and last seen (UTC), flow count, AS number/country of an external peer. Times are RFC 3339 UTC.
  --json prints one JSON object a line instead (times as stored, in ns, and as RFC 3339).
  An unknown WORKLOAD is an error (exit 1).

examples:
  podtapctl baseline show
  podtapctl baseline show shop/Deployment/frontend
  podtapctl baseline show shop/Deployment/frontend --json | jq -r 'select(.peer_kind=="domain") | .peer'
"""

ACCEPT_EPILOG = """\
accepting:
  --alert EVENT_ID looks for the alert with that event.id among the newest --search entries of
  STREAM <prefix>alerts (XREVRANGE, newest first) and takes the workload and the edge from its
  podtap.evidence.baseline_key and podtap.evidence.edge (only alerts about a baseline have them; a scan or
  sensor-health alert is refused). The edge is written with first_seen_ns = last_seen_ns = the alert's
  @timestamp, count 1, and the peer's AS number and country from the alert for an external peer.
  WORKLOAD EDGE writes the given edge instead, stamped with the current time.
  An edge already in the baseline keeps its values and nothing is written. The workload must already have a
  baseline (see 'relearn').

examples:
  podtapctl baseline accept --alert 01M8YM7GDMXG21YMVDSPWDT0CV
  podtapctl baseline accept shop/Deployment/frontend 'out|tcp|443|tls|domain|example.com'
  podtapctl baseline accept node/vm-db-1 'in|tcp|5432|postgresql|workload|billing/Deployment/invoices'
"""

FORGET_EPILOG = """\
forgetting:
  EDGE... removes those edges (HDEL, one stream entry op forget per edge); an edge that is not in the
  baseline is an error and nothing is removed. --all removes the whole edges hash (DEL, one stream entry
  without edge). The workload stays in its mode: a detecting workload then alerts on those edges again.

examples:
  podtapctl baseline forget shop/Deployment/frontend 'out|tcp|443|tls|domain|example.com'
  podtapctl baseline forget shop/Deployment/frontend 'out|udp|53|dns|service|kube-system/kube-dns' \\
      'out|tcp|80|http|domain|example.org'
  podtapctl baseline forget shop/Deployment/frontend --all
"""

RELEARN_EPILOG = """\
relearning:
  Deletes the workload's edges and sets its learning window to [now, now + DURATION): the sensors learn its
  edges again until then, and detect after. DURATION is seconds or a number with s, m, h or d (90, 15m,
  1.5h, 7d; default %s); 0 detects at once with an empty baseline (then 'accept' what is allowed).
  A workload not in the table yet gets a baseline.

examples:
  podtapctl baseline relearn shop/Deployment/frontend
  podtapctl baseline relearn node/vm-db-1 --learning-period 7d
""" % DEFAULT_PERIOD


def add_parser(top, common, fmt):
    """Register `baseline show|accept|forget|relearn` on podtapctl's subparsers top (common: the global options)."""
    bl = top.add_parser("baseline", parents=[common], formatter_class=fmt, epilog=EPILOG,
                        help="show, accept, forget or relearn the workloads' communication baselines",
                        description="Show the per-workload communication baselines the sensors learn, accept an "
                        "alert's edge into one, forget edges, or make a workload learn again.")
    verbs = bl.add_subparsers(dest="verb", metavar="VERB", required=True)

    s = verbs.add_parser("show", parents=[common], formatter_class=fmt, epilog=SHOW_EPILOG + "\n" + EPILOG,
                         help="list the workloads, or one workload's edges",
                         description="List every workload with its mode and number of edges, or one workload's "
                         "edges.")
    s.add_argument("workload", nargs="?", type=arg_nonempty, metavar="WORKLOAD", help="a workload key")
    s.add_argument("--json", action="store_true", help="one JSON object a line")

    a = verbs.add_parser("accept", parents=[common], formatter_class=fmt, epilog=ACCEPT_EPILOG + "\n" + EPILOG,
                         help="add an alert's edge (or a given edge) to a workload's baseline",
                         description="Add the edge an alert is about, or the given edge, to a workload's baseline.")
    a.add_argument("workload", nargs="?", type=arg_workload, metavar="WORKLOAD", help="a workload key")
    a.add_argument("edge", nargs="?", type=arg_edge, metavar="EDGE", help="an edge text")
    a.add_argument("--alert", type=arg_nonempty, metavar="EVENT_ID", help="the event.id of a baseline alert")
    a.add_argument("--search", type=positive_int, default=SEARCH, metavar="N",
                   help="look for --alert among the newest N entries of <prefix>alerts (default %d)" % SEARCH)

    f = verbs.add_parser("forget", parents=[common], formatter_class=fmt, epilog=FORGET_EPILOG + "\n" + EPILOG,
                         help="remove edges, or all of them, from a workload's baseline",
                         description="Remove the given edges, or all of them, from a workload's baseline.")
    f.add_argument("workload", type=arg_nonempty, metavar="WORKLOAD", help="a workload key")
    f.add_argument("edges", nargs="*", type=arg_nonempty, metavar="EDGE", help="an edge text (several may be given)")
    f.add_argument("--all", action="store_true", help="remove every edge of WORKLOAD")

    r = verbs.add_parser("relearn", parents=[common], formatter_class=fmt, epilog=RELEARN_EPILOG + "\n" + EPILOG,
                         help="forget a workload's edges and learn them again",
                         description="Forget all of a workload's edges and start a new learning period.")
    r.add_argument("workload", type=arg_workload, metavar="WORKLOAD", help="a workload key")
    r.add_argument("--learning-period", type=duration_ns, default=duration_ns(DEFAULT_PERIOD), metavar="DURATION",
                   help="how long to learn: seconds, or a number with s, m, h or d (default %s)" % DEFAULT_PERIOD)
    return bl


def refusals(command):
    """command with Redis' refusals as one plain line: 'Redis <url>: NOPERM ...' / 'WRONGTYPE ...', without
    redis-py's 'Command # N (...) of pipeline caused error:' and with the NOPERM it strips put back. Connection
    errors are left to podtapctl's main()."""
    def run(table, args):
        try:
            return command(table, args)
        except redis.ResponseError as e:
            lines = str(e).strip().splitlines()
            msg = lines[0] if lines else type(e).__name__
            msg = msg.partition(" of pipeline caused error: ")[2] or msg
            if isinstance(e, redis.exceptions.NoPermissionError) and not msg.startswith("NOPERM"):
                msg = "NOPERM " + msg
            raise Failure("Redis %s: %s" % (podtap_redis.redact_url(args.redis_url), msg)) from None
    return run


COMMANDS = {("baseline", "show"): refusals(cmd_show), ("baseline", "accept"): refusals(cmd_accept),
            ("baseline", "forget"): refusals(cmd_forget), ("baseline", "relearn"): refusals(cmd_relearn)}
