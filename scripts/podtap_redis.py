# SPDX-License-Identifier: BSD-3-Clause
# podtap_redis.py - What every writer of podtap's Redis workload table shares: the connection, the identity
# encoding, and the transactional hash + change-stream write; and where podtap's alerts are. Imported by
# scripts/podtap-k8s-sync and scripts/podtapctl (each puts its own directory first on sys.path). The schema is in
# docs/redis-schema.md, the alert JSON in docs/alert.schema.json.
# Needs only Debian's python3-redis.
import json
import os
import urllib.parse

import redis

DEFAULT_URL = "redis://127.0.0.1:6379/0"
DEFAULT_PREFIX = "podtap:"
DEFAULT_STREAM_MAXLEN = 100000
HASHES = ("workloads", "networks")  # hash name (without the prefix) -> stream address field below
ADDRESS_FIELD = {"workloads": "ip", "networks": "cidr"}
ALERTS = "alerts"     # STREAM <prefix>alerts (and the PUBLISH channel of the same name), written by podtap
ALERT_FIELD = "alert"  # the one field of each stream entry: the alert JSON


def env_url():
    """The Redis URL from env REDIS_URL, else the local default."""
    return os.environ.get("REDIS_URL", DEFAULT_URL)


def env_password():
    return os.environ.get("REDIS_PASSWORD")


def env_user():
    return os.environ.get("REDIS_USER")


def env_prefix():
    return os.environ.get("PODTAP_PREFIX", DEFAULT_PREFIX)


def alerts_key(prefix):
    """The alert stream (and channel) under prefix."""
    return prefix + ALERTS


def connect(url, password=None, username=None, **kwargs):
    """A client for redis://[[user]:password@]host[:port][/db] or unix:///path[?db=N]. Credentials in the URL
    win over password/username (REDIS_PASSWORD, REDIS_USER). Connects lazily, at the first command.
    Raises ValueError for a malformed URL."""
    return redis.Redis.from_url(url, password=password, username=username, **kwargs)


def redact_url(url):
    """The URL with any password replaced by ***, for messages."""
    try:
        parts = urllib.parse.urlsplit(url)
        if parts.password is None:
            return url
        user = parts.username or ""
        host = parts.netloc.rpartition("@")[2]
        return urllib.parse.urlunsplit(parts._replace(netloc="%s:***@%s" % (user, host)))
    except ValueError:
        return url


def encode(ident):
    """The stored form of an identity: compact JSON with sorted keys."""
    return json.dumps(ident, sort_keys=True, separators=(",", ":"))


def source_of(value):
    """The source field of a stored identity (bytes or str), or None when it is not a JSON object."""
    try:
        ident = json.loads(value)
    except (ValueError, TypeError):
        return None
    return ident.get("source") if isinstance(ident, dict) else None


class Table:
    """The two hashes and the change stream under one prefix.

    Every hash write goes with its XADD in the same MULTI/EXEC (queue), and transact() plans the writes
    while WATCHing both hashes, so a concurrent writer makes it plan again instead of overwriting blindly."""

    def __init__(self, r, prefix, maxlen=DEFAULT_STREAM_MAXLEN):
        self.r, self.maxlen = r, maxlen
        self.hashes = {h: prefix + h for h in HASHES}
        self.stream = prefix + "workloads:changes"

    def queue(self, pipe, op, hname, field, value):
        """Queue one change: HSET (op "set", value the new identity JSON) or HDEL (op "del", value the removed
        identity JSON), and its stream entry."""
        if op == "set":
            pipe.hset(self.hashes[hname], field, value)
        else:
            pipe.hdel(self.hashes[hname], field)
        pipe.xadd(self.stream, {"op": op, ADDRESS_FIELD[hname]: field, "identity": value},
                  maxlen=self.maxlen, approximate=True)

    def transact(self, plan):
        """Call plan(pipe) with both hashes WATCHed (pipe runs reads at once); it returns a list of
        (op, hname, field, value). Queue them all in one MULTI/EXEC; on a WatchError plan again.
        Return the ops written; none sends no MULTI/EXEC. An exception from plan aborts without writing."""
        with self.r.pipeline(transaction=True) as pipe:
            while True:
                try:
                    pipe.watch(*self.hashes.values())
                    ops = plan(pipe)
                    if not ops:
                        return ops  # leaving the block UNWATCHes
                    pipe.multi()
                    for op, hname, field, value in ops:
                        self.queue(pipe, op, hname, field, value)
                    pipe.execute()
                    return ops
                except redis.WatchError:  # another writer changed a hash: plan again
                    continue
