#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# malformed - broken frames no real program sends (scapy, make.py), each with one defect and
# an expected decode reason in bad_frames.json, mixed with good flows.
. "$(dirname "$0")/../../lib.sh"
$PY "$(dirname "$0")/make.py" "$OUT/capture.pcap"
