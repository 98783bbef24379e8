#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Part 2, the relay engine: WireGuard-shaped type-4 datagrams (32 and 1420 bytes)
# from gen to sink through mid, where mid (a) routes them (plain IP forwarding),
# (b) relays them with wgrelay on a session learned from a real handshake, or
# (c) DNATs them with nftables. One boot, one line topology: only mid changes.

. /tests/lib/common.sh
. /usr/bin/bench-line.sh

SECONDS_PER_RUN=${1:-5} ROUNDS=${2:-2}
line_setup
line_relay_session 3600
# Rounds alternate the variants, so that drift in a loaded host hits them alike.
for round in $(seq "$ROUNDS"); do for size in 32 1420; do
	pps_run "engine forward $size" "$SINK4" "$SINK_PORT" 0 "$size" "$SECONDS_PER_RUN"
	pps_run "engine relay $size" "$MID_GEN4" "$RELAY_PORT" "$DATA_INDEX" "$size" "$SECONDS_PER_RUN"
	n mid nft -f - <<-EOT
		table ip bench {
			chain pre {
				type nat hook prerouting priority dstnat; policy accept;
				udp dport $DNAT_PORT dnat to $SINK4:$SINK_PORT
			}
		}
	EOT
	pps_run "engine dnat $size" "$MID_GEN4" "$DNAT_PORT" 0 "$size" "$SECONDS_PER_RUN"
	# Conntrack hooks go with the last table that needs them.
	n mid nft delete table ip bench
done; done
echo "RESULT engine relay_counters $(n mid relayctl show relay0 stats | tr -s ' \n' ' ')"
