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

. /tests/lib/common.sh
. /tests/lib/cgnat.sh
. /tests/lib/relay.sh

T=${1:-5}
read -ra PATHS <<<"${2:-direct relay hub gohub}"
HOME_PORT=51900 LAPTOP_PORT=51901

cgnat_setup
wg_keys home laptop vps
bg home iperf3 -s
wait_for 10 listening home tcp 5201

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
	n "$1" nft insert rule inet filter forward ct status dnat accept
}

measure() { # PATH
	local i spec out rtt
	for ((i = 0; i < 60; i++)); do
		n laptop ping -c 1 -W 1 "${WG_ADDR[home]}" >/dev/null 2>&1 && break
	done
	((i < 60)) || fail "$1: laptop cannot reach home"
	for spec in "1 up" "4 up" "1 down" "4 down"; do
		set -- "$1" $spec
		reverse=()
		[[ $3 == down ]] && reverse=(-R)
		out=$(n laptop iperf3 -c "${WG_ADDR[home]}" -t "$T" -P "$2" "${reverse[@]}" -f m |
			awk '/receiver/ { v = $(NF - 2) } END { print v }')
		echo "RESULT e2e $1 tcp streams=$2 dir=$3 mbit=$out"
	done
	rtt=$(n laptop ping -q -c 20 -i 0.2 "${WG_ADDR[home]}" | awk -F/ '/^rtt|^round-trip/ { print $5 }')
	echo "RESULT e2e $1 ping rtt_ms=$rtt"
}

teardown() {
	local ns
	for ns in home laptop vps; do
		n "$ns" ip link del "${WG_IF[$ns]:-wg0}" 2>/dev/null || true
	done
	if [[ -n ${GO_PID:-} ]]; then
		kill "$GO_PID" 2>/dev/null || true
		wait "$GO_PID" 2>/dev/null || true
		GO_PID=
	fi
	n vps relayctl down relay0 2>/dev/null || true
	for ns in cgnat homerouter hotelnat; do
		n "$ns" nft delete table ip portmap 2>/dev/null || true
		n "$ns" conntrack -F 2>/dev/null || true
	done
	WG_IF=() WG_IMPL=()
}

for path in "${PATHS[@]}"; do
	step "$path"
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
	esac
	measure "$path"
	[[ $path != relay ]] || echo "RESULT e2e relay_counters $(relay_stat tx_packets) $(relay_stat rx_no_session)"
	teardown
done
