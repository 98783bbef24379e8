#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Part 4, handshake routing: initiations per second the relay routes with 1, 100,
# 1,000 and 10,000 provisioned peers. The target peer has a static endpoint (sink),
# so each routed initiation costs: rate limit, the source's record, the mac1 search,
# the handshake record and the send. Two cases per size:
#   cached  every source endpoint has initiated to the target before: its "recent
#           targets" hint is tried first and matches (1 mac1), whatever the size;
#   scan    every initiation comes from an endpoint the relay has not seen, and the
#           target is the last peer in the list: a full scan (N mac1).
# The sources are 512 addresses (10.99.x.x, sent raw from gen), so that WireGuard's
# per-address limit (20/s, bursts of 5) caps the rate at about 10,000/s.

. /tests/lib/common.sh
. /usr/bin/bench-line.sh

SECONDS_PER_RUN=${1:-5}
read -ra SIZES <<<"${2:-1 100 1000 10000}"
N_SRC=512

line_setup
n mid modprobe wgrelay
# Routed initiations land on sink's port and are dropped there silently.
n sink nft add table inet f
n sink nft add chain inet f in '{ type filter hook input priority 0; policy accept; }'
n sink nft add rule inet f in udp dport "$SINK_PORT" drop
wgr-load keys 10000 >"$TMP/keys"
target=$(head -1 "$TMP/keys")
relay_stat() { n mid cat "/sys/class/net/relay0/wgrelay/$1"; }

# conf N: the target first (with its endpoint), then N-1 other peers.
conf() {
	printf '[Relay]\nListenPort = %s\n\n[Peer]\nPublicKey = %s\nEndpoint = %s\n' \
		"$RELAY_PORT" "$target" "$SINK4:$SINK_PORT"
	awk -v m="$1" 'NR > 1 && NR <= m { print "\n[Peer]\nPublicKey = " $1 }' "$TMP/keys"
}

run() { # LABEL MODE
	local before limited out
	before=$(relay_stat hs_initiations) limited=$(relay_stat hs_ratelimited)
	out=$(n gen taskset -c 0 wgr-load init "$MID_GEN4" "$RELAY_PORT" "$target" \
		"$SECONDS_PER_RUN" "$SRC_BASE" "$N_SRC" "$2")
	sleep 1
	secs=$(awk '{ print $4 }' <<<"$out")
	echo "RESULT $1 routed_per_s=$(awk -v a="$before" -v b="$(relay_stat hs_initiations)" -v s="$secs" 'BEGIN { printf "%.0f", (b - a) / s }') sent_per_s=$(awk '{ print $6 }' <<<"$out") ratelimited=$(($(relay_stat hs_ratelimited) - limited))"
}

n mid ip link add relay0 type wgrelay
for size in "${SIZES[@]}"; do
	conf "$size" >"$TMP/relay0.conf"
	start=$(date +%s.%N)
	n mid relayctl setconf relay0 "$TMP/relay0.conf"
	log "provisioned $size peers in $(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }') s"
	n mid ip link set relay0 up
	# Warm the sources' hints: the target is first, so this costs one mac1 each.
	n gen wgr-load init "$MID_GEN4" "$RELAY_PORT" "$target" 1 "$SRC_BASE" "$N_SRC" same >/dev/null
	sleep 1
	run "handshake cached peers=$size" same
	# The target goes to the end of the list: a scan finds it last.
	n mid relayctl set relay0 peer "$target" remove
	n mid relayctl set relay0 peer "$target" endpoint "$SINK4:$SINK_PORT"
	run "handshake scan peers=$size" fresh
	n mid ip link set relay0 down
done
