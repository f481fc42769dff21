#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# make.py - scapy-crafted SCTP (this kernel has no CONFIG_IP_SCTP, so no real association):
#   1. IPv4 10.244.1.10:5000 -> 10.244.2.20:36412: INIT, INIT-ACK, COOKIE-ECHO, COOKIE-ACK,
#      2 DATA/SACK exchanges, SHUTDOWN, SHUTDOWN-ACK, SHUTDOWN-COMPLETE (11 packets)
#   2. IPv6 fd00:244::10:5001 -> fd00:244::20:38412: INIT, INIT-ACK, COOKIE-ECHO, COOKIE-ACK,
#      one DATA, then ABORT from the client (6 packets)
#   3. IPv4 INIT to a closed port 9899, answered by ABORT with the T bit (2 packets)
# Usage: make.py OUT.pcap
import sys
from scapy.all import Ether, IP, IPv6, wrpcap
from scapy.layers.sctp import (SCTP, SCTPChunkInit, SCTPChunkInitAck, SCTPChunkCookieEcho,
                               SCTPChunkCookieAck, SCTPChunkData, SCTPChunkSACK, SCTPChunkShutdown,
                               SCTPChunkShutdownAck, SCTPChunkShutdownComplete, SCTPChunkAbort,
                               SCTPChunkParamStateCookie)

MA, MB = "02:00:0a:f4:01:0a", "02:00:0a:f4:02:14"
T0 = 1767225600.0   # fixed timestamps keep the capture reproducible
pkts = []


def add(l3, sctp):
    a_side = l3.src in ("10.244.1.10", "fd00:244::10")
    p = Ether(src=MA if a_side else MB, dst=MB if a_side else MA) / l3 / sctp
    p.time = T0 + len(pkts) * 0.001
    pkts.append(p)


def association(ipa, ipb, ip, sport, dport, abort):
    ta, tb = 0x1111 + sport, 0x2222 + dport
    A = lambda: ip(src=ipa, dst=ipb)   # noqa: E731
    B = lambda: ip(src=ipb, dst=ipa)   # noqa: E731
    cookie = SCTPChunkParamStateCookie(cookie=b"C" * 32)
    add(A(), SCTP(sport=sport, dport=dport, tag=0) / SCTPChunkInit(init_tag=ta, a_rwnd=106496, n_out_streams=10, n_in_streams=10, init_tsn=1000))
    add(B(), SCTP(sport=dport, dport=sport, tag=ta) / SCTPChunkInitAck(init_tag=tb, a_rwnd=106496, n_out_streams=10, n_in_streams=10, init_tsn=5000, params=[cookie]))
    add(A(), SCTP(sport=sport, dport=dport, tag=tb) / SCTPChunkCookieEcho(cookie=b"C" * 32))
    add(B(), SCTP(sport=dport, dport=sport, tag=ta) / SCTPChunkCookieAck())
    add(A(), SCTP(sport=sport, dport=dport, tag=tb) / SCTPChunkData(tsn=1000, stream_id=0, stream_seq=0, proto_id=18, beginning=1, ending=1, data=b"S1SetupRequest.."))
    if abort:
        add(A(), SCTP(sport=sport, dport=dport, tag=tb) / SCTPChunkAbort())
        return
    add(B(), SCTP(sport=dport, dport=sport, tag=ta) / SCTPChunkSACK(cumul_tsn_ack=1000, a_rwnd=106496))
    add(B(), SCTP(sport=dport, dport=sport, tag=ta) / SCTPChunkData(tsn=5000, stream_id=0, stream_seq=0, proto_id=18, beginning=1, ending=1, data=b"S1SetupResponse."))
    add(A(), SCTP(sport=sport, dport=dport, tag=tb) / SCTPChunkSACK(cumul_tsn_ack=5000, a_rwnd=106496))
    add(A(), SCTP(sport=sport, dport=dport, tag=tb) / SCTPChunkShutdown())
    add(B(), SCTP(sport=dport, dport=sport, tag=ta) / SCTPChunkShutdownAck())
    add(A(), SCTP(sport=sport, dport=dport, tag=tb) / SCTPChunkShutdownComplete())


association("10.244.1.10", "10.244.2.20", IP, 5000, 36412, False)
association("fd00:244::10", "fd00:244::20", IPv6, 5001, 38412, True)
add(IP(src="10.244.1.10", dst="10.244.2.20"), SCTP(sport=5002, dport=9899, tag=0) / SCTPChunkInit(init_tag=0x3333, a_rwnd=106496, n_out_streams=10, n_in_streams=10, init_tsn=77))
add(IP(src="10.244.2.20", dst="10.244.1.10"), SCTP(sport=9899, dport=5002, tag=0x3333) / SCTPChunkAbort(TCB=1))
wrpcap(sys.argv[1], pkts)
