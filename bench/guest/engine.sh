#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Part 2, the relay engine: WireGuard-shaped type-4 datagrams (32 and 1420 bytes)
# from gen to sink through mid, where mid (a) routes them (plain IP forwarding),
# (b) relays them with wgrelay on a session learned from a real handshake, its
# fast path off (the socket path) and on, or (c) DNATs them with nftables. One boot, one line topology: only mid changes.
# Then two flows at once on two vCPUs, forwarded and on the fast path (scaling),
# and forwarding and the relay in turn inside one run (interleaved).

. /tests/lib/common.sh
. /usr/bin/bench-line.sh

SECONDS_PER_RUN=${1:-5} ROUNDS=${2:-2} WHAT=${3:-all}
[[ $WHAT == all || $WHAT == alt ]] || fail "engine: all or alt, not '$WHAT'"
line_setup
line_relay_session 3600

# relay_run PATH SIZE: wgrelay with its fast path on ("fast") or off ("relay":
# every datagram through the relay's socket, as before the fast path).
relay_run() {
	mid_fast_path "$([[ $1 == fast ]] && echo on || echo off)"
	pps_run "engine $1 $2" "$MID_GEN4" "$RELAY_PORT" "$DATA_INDEX" "$2" "$SECONDS_PER_RUN"
}

forward_run() {
	mid_fast_path off
	pps_run "engine forward $1" "$SINK4" "$SINK_PORT" 0 "$1" "$SECONDS_PER_RUN"
}

dnat_run() {
	mid_fast_path off
	n mid nft -f - <<-EOT
		table ip bench {
			chain pre {
				type nat hook prerouting priority dstnat; policy accept;
				udp dport $DNAT_PORT dnat to $SINK4:$SINK_PORT
			}
		}
	EOT
	pps_run "engine dnat $1" "$MID_GEN4" "$DNAT_PORT" 0 "$1" "$SECONDS_PER_RUN"
	# Conntrack hooks go with the last table that needs them.
	n mid nft delete table ip bench
}

if [[ $WHAT == all ]]; then
	# Rounds alternate the variants and their order, so that drift in a loaded host
	# hits them alike.
	for round in $(seq "$ROUNDS"); do for size in 32 1420; do
		if ((round % 2)); then
			forward_run "$size"
			relay_run relay "$size"
			relay_run fast "$size"
			dnat_run "$size"
		else
			dnat_run "$size"
			relay_run fast "$size"
			relay_run relay "$size"
			forward_run "$size"
		fi
	done; done
	# Scaling: two flows at once, one per vCPU (two sessions, two sinks), 32 B,
	# routed and on the fast path, alternating; the table sets their sum beside
	# one flow's median from the rounds above. Both variants meet the same limit
	# (two vCPUs, each also running a sink), so what tells is the fast path's gain
	# against forwarding's: a lock or a cache line the flows share would show there.
	for round in $(seq "$ROUNDS"); do
		for v in $( ((round % 2)) && echo forward fast || echo fast forward); do
			if [[ $v == forward ]]; then
				mid_fast_path off
				pps_run2 "scale forward 32" "$SINK4" "$SINK_PORT" 0 "$SINK2_PORT" 0 32 "$SECONDS_PER_RUN"
			else
				mid_fast_path on
				pps_run2 "scale fast 32" "$MID_GEN4" "$RELAY_PORT" "$DATA_INDEX" \
					"$RELAY_PORT" "$DATA_INDEX2" 32 "$SECONDS_PER_RUN"
			fi
		done
	done
fi

# Interleaved: forwarding and the relay in slices of half a second inside one
# run, the fast path on (its hook then sees the forwarded datagrams too, and lets
# them by: what a VPS running the relay pays for its other traffic) or off; and
# forwarding against itself, which should read 1.00x (the method's own bias).
# Which flow goes first alternates with the rounds.
for round in $(seq "$ROUNDS"); do for size in 32 1420; do
	first=$( ((round % 2)) && echo a || echo b)
	for v in $( ((round % 2)) && echo fast relay same || echo same relay fast); do
		mid_fast_path "$([[ $v == fast ]] && echo on || echo off)"
		alt_run "alt $v" "$size" $((2 * SECONDS_PER_RUN)) 500 "$first" \
			"$([[ $v == same ]] && echo same || echo relay)"
	done
done; done
echo "RESULT engine relay_counters $(n mid relayctl show relay0 stats | tr -s ' \n' ' ')"
