#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Part 1, end to end: stock WireGuard from laptop (behind the hotel's NAT) to home
# (behind CGNAT and its router), iperf3 TCP with 1 and 4 streams both ways, and ping
# RTT, over four paths in one boot of the CGNAT lab:
#   direct  port forwarding faked on both sides: nft DNAT on cgnat and homerouter
#           for home's WireGuard port, on hotelnat for the laptop's
#   relay   wgrelay on the vps
#   hub     the kernel's WireGuard on the vps, decrypting and re-encrypting
#   gohub   wireguard-go on the vps, the same
#
# e2e.sh [SECONDS [ROUNDS [PATHS]]]: first a short warm-up pass over every path
# (WARM seconds of iperf3 one stream up and four down, a second of ping), reported as
# round 0 and left out of the tables, so that no measured path is the first to run
# its code in this boot (TCG translates code on first use; a precaution, no first-run
# penalty showed in the runs described in bench/notes.md). Then ROUNDS rounds, the
# paths in the given order in odd rounds and reversed in even ones, so that drift in
# the host's load hits them alike (bench/notes.md).

. /tests/lib/common.sh
. /tests/lib/cgnat.sh
. /tests/lib/relay.sh

T=${1:-5} ROUNDS=${2:-2}
read -ra PATHS <<<"${3:-direct relay hub gohub}"
WARM=2
HOME_PORT=51900 LAPTOP_PORT=51901

cgnat_setup
wg_keys home laptop vps
bg home iperf3 -s
wait_for 10 listening home tcp 5201
# The NAT boxes accept what a port forward lets in. Added once, for every path: it
# matches nothing but the direct path's DNATed flows.
for ns in cgnat homerouter hotelnat; do
	n "$ns" nft insert rule inet filter forward ct status dnat accept
done

# forward NS PORT TO: fake a port forward of UDP PORT on NS's wan0 to TO.
forward() {
	n "$1" nft -f - <<-EOT
		table ip portmap {
			chain pre {
				type nat hook prerouting priority dstnat; policy accept;
				iifname "wan0" udp dport $2 dnat to $3
			}
		}
	EOT
}

# measure PATH SECONDS ROUND: one RESULT line per figure. Throughput is the
# receiver's, retransmissions (retr) the sender's. Round 0, the warm-up, is shorter.
measure() {
	local path=$1 secs=$2 round=$3 i spec streams dir reverse out mbit retr rtt
	local specs=("1 up" "4 up" "1 down" "4 down") pings=20
	((round > 0)) || specs=("1 up" "4 down") pings=5
	for ((i = 0; i < 60; i++)); do
		n laptop ping -c 1 -W 1 "${WG_ADDR[home]}" >/dev/null 2>&1 && break
	done
	((i < 60)) || fail "$path: laptop cannot reach home"
	for spec in "${specs[@]}"; do
		read -r streams dir <<<"$spec"
		reverse=()
		[[ $dir == down ]] && reverse=(-R)
		out=$(n laptop iperf3 -c "${WG_ADDR[home]}" -t "$secs" -P "$streams" "${reverse[@]}" -f m |
			awk '/receiver/ { v = $(NF - 2) } /sender/ { r = $(NF - 1) } END { print v, r }')
		read -r mbit retr <<<"$out"
		echo "RESULT e2e $path tcp streams=$streams dir=$dir mbit=$mbit retr=$retr round=$round"
	done
	rtt=$(n laptop ping -q -c "$pings" -i 0.2 "${WG_ADDR[home]}" | awk -F/ '/^rtt|^round-trip/ { print $5 }')
	echo "RESULT e2e $path ping rtt_ms=$rtt round=$round"
}

# direct_check: do the faked port forwards clash with the masquerade mappings? If a
# NAT box remapped a WireGuard port, the other end would roam to the new port and
# conntrack would show it. Prints the UDP mappings and clash counters of each NAT
# box, and warns unless each end still sees the other at the forwarded port.
direct_check() {
	local ns ep
	for ns in cgnat homerouter hotelnat; do
		log "$ns: conntrack"
		n "$ns" conntrack -L -p udp 2>/dev/null | sed 's/^/    /'
		n "$ns" conntrack -S 2>/dev/null | sed 's/^/    /'
	done
	ep="$(wg_endpoint home laptop) $(wg_endpoint laptop home)"
	log "direct: home sees laptop at, laptop sees home at: $ep"
	[[ $ep == "$HOTEL4:$LAPTOP_PORT $CGNAT4:$HOME_PORT" ]] ||
		echo "WARNING: direct: endpoints roamed away from the forwarded ports: $ep"
}

teardown() {
	local ns
	for ns in home laptop vps; do
		n "$ns" ip link del "${WG_IF[$ns]:-wg0}" 2>/dev/null || true
	done
	if [[ -n ${GO_PID:-} ]]; then
		kill "$GO_PID" 2>/dev/null || true
		wait "$GO_PID" 2>/dev/null || true
		rm -f /var/run/wireguard/wg-vps.sock
		GO_PID=
	fi
	n vps relayctl down relay0 2>/dev/null || true
	for ns in cgnat homerouter hotelnat; do
		n "$ns" nft delete table ip portmap 2>/dev/null || true
		n "$ns" conntrack -F 2>/dev/null || true
	done
	WG_IF=() WG_IMPL=()
}

# run PATH SECONDS ROUND: set PATH up, measure it, tear it down.
run() {
	local path=$1
	step "round $3: $path"
	log "$path: setting up"
	case $path in
	direct)
		forward cgnat "$HOME_PORT" "$HOMEROUTER_WAN4"
		forward homerouter "$HOME_PORT" "$HOME4"
		forward hotelnat "$LAPTOP_PORT" "$LAPTOP4"
		wg_up home "$HOME_PORT"
		wg_up laptop "$LAPTOP_PORT"
		wg_peer home laptop "${WG_ADDR[laptop]}/32" "$HOTEL4:$LAPTOP_PORT"
		wg_peer laptop home "${WG_ADDR[home]}/32" "$CGNAT4:$HOME_PORT"
		;;
	relay)
		relay_up home laptop
		wg_peers "$RELAY_EP" "$RELAY_EP"
		;;
	hub)
		wg_hub
		;;
	gohub)
		WG_IMPL[vps]=go
		wg_hub
		# Only the vps runs wireguard-go: the last process wg_hub started is it.
		GO_PID=$BG_PID
		;;
	*)
		fail "unknown path $path"
		;;
	esac
	measure "$path" "$2" "$3"
	[[ $path != direct ]] || direct_check
	[[ $path != relay ]] ||
		echo "RESULT e2e relay_counters $(relay_stat tx_packets) $(relay_stat rx_no_session) round=$3"
	teardown
	log "$path: done"
}

for path in "${PATHS[@]}"; do
	run "$path" "$WARM" 0
done
for ((round = 1; round <= ROUNDS; round++)); do
	order=("${PATHS[@]}")
	if ((round % 2 == 0)); then
		order=()
		for ((i = ${#PATHS[@]} - 1; i >= 0; i--)); do
			order+=("${PATHS[i]}")
		done
	fi
	for path in "${order[@]}"; do
		run "$path" "$T" "$round"
	done
done
