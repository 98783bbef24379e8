#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The problem wgrelay solves, shown in the lab: home, behind its router and the
# ISP's CGNAT, can reach out to the vps and get answers, but nothing anyone sends to
# the CGNAT's public address reaches it: not the laptop, not the vps from another
# port, not even to the public port of home's own mapping.
#
# timeout: 120
# kernels: one

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cgnat.sh"

cgnat_setup
udp_sink home 5001
udp_sink vps 6000

step "controls: the Internet works (IPv4 and IPv6), home's listener works"
tries 3 n vps ping -c 1 -W 2 "$CGNAT4"
tries 3 n vps ping -c 1 -W 2 "$HOTEL4"
tries 3 n vps ping -6 -c 1 -W 2 "$INET6"
udp_send homerouter "$HOME4" 5001 from-lan
wait_for 5 grep -q from-lan "$TMP/home.5001"
cat "$TMP/home.5001"

step "outbound works: home reaches the vps, which sees the CGNAT's public address"
udp_send home "$VPS4" 6000 hello-vps 5001
wait_for 5 grep -q hello-vps "$TMP/vps.6000"
cat "$TMP/vps.6000"
src=$(awk '/hello-vps/ { print $1 }' "$TMP/vps.6000")
assert_match "^$CGNAT4:[0-9]+$" "$src" "source of home's datagram as the vps sees it"
mapped=${src#*:}
n cgnat conntrack -L -p udp 2>/dev/null

step "the mapping lets the vps answer from the port home sent to"
udp_send vps "$CGNAT4" "$mapped" reply-from-vps 6000
wait_for 5 grep -q reply-from-vps "$TMP/home.5001"

step "nothing else gets in"
# The laptop can reach the CGNAT box itself ...
tries 3 n laptop ping -c 1 -W 2 "$CGNAT4"
# ... but not home, even on the port of home's open mapping.
udp_send laptop "$CGNAT4" "$mapped" laptop-to-mapped-port
udp_send laptop "$CGNAT4" 5001 laptop-to-5001
udp_send laptop "$CGNAT4" 51820 laptop-to-51820
udp_send vps "$CGNAT4" "$mapped" vps-from-other-port 6001
udp_send vps "$CGNAT4" 51820 vps-to-51820
sleep 2
cat "$TMP/home.5001"
for probe in laptop-to-mapped-port laptop-to-5001 laptop-to-51820 vps-from-other-port vps-to-51820; do
	assert_no_match "$probe" "$(cat "$TMP/home.5001")" "datagrams received by home"
done
assert_eq 2 "$(wc -l <"$TMP/home.5001")" "datagrams received by home"
log "home received only its LAN's datagram and the vps's answer: CGNAT blocks the rest"
