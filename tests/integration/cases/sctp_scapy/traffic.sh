#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# sctp_scapy - SCTP associations crafted with scapy (make.py): this kernel has no CONFIG_IP_SCTP,
# so neither ncat --sctp nor a python SCTP socket can make a real one here.
. "$(dirname "$0")/../../lib.sh"
ns_add sctpchk
if nsx sctpchk $PY -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_SCTP)' 2>/dev/null; then
	log "note: this kernel has SCTP sockets; the case still uses the crafted capture"
fi
$PY "$(dirname "$0")/make.py" "$OUT/capture.pcap"
