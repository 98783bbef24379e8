#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Not a test: captures a real WireGuard handshake (kernel WireGuard, two namespaces)
# and prints it as C for tests/unit/mac1_captured.h, with both public keys, so that
# the mac1 unit test checks messages real peers made. Run:
#   tests/vm/run.sh 6.1.0-56-amd64 capture-mac1.sh | sed -n '/^CAPTURE-BEGIN/,/^CAPTURE-END/p'
#
# timeout: 120

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cgnat.sh"

ns_add a b
link a eth0 b eth0
n a ip addr add 192.0.2.1/24 dev eth0
n b ip addr add 192.0.2.2/24 dev eth0
wg_keys home laptop
for pair in "a home 10.9.0.1" "b laptop 10.9.0.2"; do
	set -- $pair
	n "$1" ip link add wg0 type wireguard
	n "$1" wg set wg0 private-key "${WG_KEY[$2]}" listen-port 51820
	n "$1" ip addr add "$3/24" dev wg0
	n "$1" ip link set wg0 up
done
n a wg set wg0 peer "${WG_PUB[laptop]}" allowed-ips 10.9.0.2/32 endpoint 192.0.2.2:51820
n b wg set wg0 peer "${WG_PUB[home]}" allowed-ips 10.9.0.1/32
bg b tcpdump -i eth0 -U -w "$TMP/hs.pcap" udp port 51820
sleep 1
n a ping -c 1 -W 2 10.9.0.2
sleep 1
kill "$BG_PID"; wait "$BG_PID" 2>/dev/null || true

b64hex() { echo "$1" | base64 -d | od -An -v -tx1 | tr -s ' \n' ' '; }
cbytes() { sed 's/^ //; s/ $//; s/\([0-9a-f][0-9a-f]\)/0x\1,/g'; }
echo "CAPTURE-BEGIN"
echo "/* Captured by tests/vm/capture-mac1.sh: kernel WireGuard $(uname -r). */"
echo "static const struct mac1_vector captured_vectors[] = {"
# Each UDP payload: tcpdump -x prints the IP packet; drop IP (20) and UDP (8) headers.
tcpdump -r "$TMP/hs.pcap" -x -nn 2>/dev/null | awk '
	/^[0-9]/ { if (hex != "") print hex; hex = "" ; next }
	{ for (i = 2; i <= NF; i++) hex = hex $i }
	END { if (hex != "") print hex }' | while read -r hex; do
	payload=${hex:56}
	type=${payload:0:2}
	case $type in
	01) who=laptop len=148 what="initiation from home to laptop" ;;
	02) who=home len=92 what="response from laptop to home" ;;
	*) continue ;;
	esac
	echo "	{ /* $what */"
	echo "		.public_key = { $(b64hex "${WG_PUB[$who]}" | cbytes) },"
	echo "		.mac1_key = { 0 }, /* filled in at run time */"
	echo "		.len = $len,"
	echo "		.msg = { $(echo "$payload" | sed 's/\(..\)/0x\1, /g; s/, $//') },"
	echo "	},"
done
echo "};"
echo "CAPTURE-END"
