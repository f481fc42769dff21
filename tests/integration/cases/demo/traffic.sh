#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# demo - the committed fixture tests/data/demo.pcap (made by tests/data/make-demo-capture.sh):
# no traffic is made here, the case checks podtap on the capture everyone else uses.
. "$(dirname "$0")/../../lib.sh"
cp "$PT_ITEST_DIR/../data/demo.pcap" "$OUT/capture.pcap"
