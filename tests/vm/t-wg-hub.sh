#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Baseline: the usual way around CGNAT, a WireGuard hub on the vps (ip_forward=1)
# with home and laptop as its peers. The laptop pings home through it. With "go",
# the laptop runs wireguard-go instead of the kernel's WireGuard.
#
# variants: kernel go
# timeout: 180
# kernels: one

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cgnat.sh"

impl=${1:-kernel}
cgnat_setup
[[ $impl == kernel ]] || WG_IMPL[laptop]=$impl

step "WireGuard hub on the vps, home and laptop ($impl) as its peers"
wg_hub
wait_for 20 n laptop ping -c 1 -W 1 "${WG_ADDR[home]}"
# A deadline, not a wait per ping: ping waits for every reply (a late last one
# under load would otherwise count as lost); with a deadline it sends more for
# lost ones, so exactly five sent and five answered.
n laptop ping -c 5 -i 0.2 -w 10 "${WG_ADDR[home]}" | tee "$TMP/ping"
assert_match '^5 packets transmitted, 5 received' "$(grep transmitted "$TMP/ping")" \
	"pings from laptop to home through the hub"

step "the hub sees both peers at their NAT boxes' public addresses"
n vps wg show
assert_match "^$CGNAT4:[0-9]+$" "$(wg_endpoint vps home)" "home's endpoint on the hub"
assert_match "^$HOTEL4:[0-9]+$" "$(wg_endpoint vps laptop)" "laptop's endpoint on the hub"

step "a short TCP transfer from laptop to home through the hub"
bg home iperf3 -s -1 -B "${WG_ADDR[home]}" >/dev/null
wait_for 5 listening home tcp 5201
n laptop iperf3 -c "${WG_ADDR[home]}" -t 2 | tee "$TMP/iperf"
assert_match 'receiver' "$(cat "$TMP/iperf")" "iperf3 summary"
