#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# ssh - a real sshd (throwaway ed25519 host key made now, port 2222) in pod 10.244.2.20, and two ssh
# clients in BatchMode as a user that does not exist: banners and KEXINITs are exchanged, the login
# fails. From 10.244.1.10 the default client (its KEXINIT spans two segments: nDPI 4.2 gives no
# client HASSH, docs/dpi.md); from 10.244.1.11 a client offering one algorithm of each kind (short
# KEXINIT: HASSH). tshark's banners and HASSHes of the capture go to vars.json.
. "$(dirname "$0")/../../lib.sh"
need ssh sshd ssh-keygen tshark tcpdump ip ethtool

ns_add cli srv
veth cli eth0 srv eth0
addr cli eth0 10.244.1.10/16 10.244.1.11/16
addr srv eth0 10.244.2.20/16

rm -f "$OUT/hostkey" "$OUT/hostkey.pub"
ssh-keygen -q -t ed25519 -N '' -C podtap-itest -f "$OUT/hostkey"
cat >"$OUT/sshd_config" <<C
Port 2222
ListenAddress 10.244.2.20
HostKey $OUT/hostkey
PidFile none
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
AuthorizedKeysFile none
C
# sshd wants its privilege-separation directory (the Debian service makes it at start)
[ -d /run/sshd ] || mkdir -p -m 0755 /run/sshd
bg srv /usr/sbin/sshd -D -e -f "$OUT/sshd_config"
wait_tcp srv 10.244.2.20 2222

S="-F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o GlobalKnownHostsFile=/dev/null -o ConnectTimeout=5 -p 2222"
cap_start cli eth0
nsx cli ssh $S -b 10.244.1.10 nosuchuser@10.244.2.20 true 2>"$OUT/ssh1.err" && die "login succeeded?"
grep -q "Permission denied" "$OUT/ssh1.err" || die "ssh 1: $(cat "$OUT/ssh1.err")"
nsx cli ssh $S -b 10.244.1.11 -o KexAlgorithms=curve25519-sha256 -o Ciphers=aes128-ctr -o MACs=hmac-sha2-256 \
	-o HostKeyAlgorithms=ssh-ed25519 -o Compression=no nosuchuser@10.244.2.20 true 2>"$OUT/ssh2.err" && die "login succeeded?"
grep -q "Permission denied" "$OUT/ssh2.err" || die "ssh 2: $(cat "$OUT/ssh2.err")"
cap_stop

# the independent view: tshark reassembles, so it has every banner and HASSH
T() {
	local v
	v="$(tshark -r "$OUT/capture.pcap" -d tcp.port==2222,ssh -Y "$1" -T fields -e "$2" | head -1)"
	[ -n "$v" ] || die "tshark finds no $2 where $1"
	echo "$v"
}
setvar client_banner "$(T 'ssh.protocol && tcp.dstport==2222' ssh.protocol)"
setvar server_banner "$(T 'ssh.protocol && tcp.srcport==2222' ssh.protocol)"
setvar hassh_server "$(T 'ssh.kex.hasshserver' ssh.kex.hasshserver)"
setvar hassh_default "$(T 'ssh.kex.hassh && ip.src==10.244.1.10' ssh.kex.hassh)"
setvar hassh_short "$(T 'ssh.kex.hassh && ip.src==10.244.1.11' ssh.kex.hassh)"
