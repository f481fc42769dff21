#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# vxlan_8472 - the vxlan case on the Linux/flannel port 8472 with VNI 1.
VNI=1 DPORT=8472 exec bash "$(dirname "$0")/../vxlan/traffic.sh"
