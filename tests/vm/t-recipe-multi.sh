#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Recipe: more relays than one (docs/SCALING.md). WireGuard gives each [Peer] its
# own Endpoint, so pairs can be spread over relays that share nothing. The
# laptop (behind the hotel's NAT) talks to home (behind CGNAT) through relay 1,
# the lab's vps (203.0.113.1), and to home2 (behind the same CGNAT) through
# relay 2, vps2 (203.0.113.11): the laptop is provisioned on both relays, home
# on relay 1 only, home2 on relay 2 only. Both pairs ping at once; each relay
# holds its own pair's sessions and nothing of the other's; then relay 1 dies
# and only its pair is cut: the laptop and home2 go on (failure domains).
#
# kernels: newest
# timeout: 240

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cgnat.sh"
. "$(dirname "$0")/../lib/relay.sh"

VPS2=203.0.113.11
EP1=$VPS4:$RELAY_PORT EP2=$VPS2:$RELAY_PORT
WG_ADDR+=([home2]=172.31.0.3)

# pairs_in NS: "OWNER>COUNTERPART" (names) of the confirmed sessions of NS's relay0.
pairs_in() {
	local name k
	local -A names=()
	for name in laptop home home2; do
		names[${WG_PUB[$name]}]=$name
	done
	n "$1" tail -n +2 /proc/net/wgrelay | awk '$6 == "confirmed" { print $3, $4 }' |
		while read -r k name; do
			echo "${names[$k]:-?}>${names[$name]:-?}"
		done | sort | xargs
}

# tx NS: datagrams NS's relay0 relayed.
tx() { n "$1" cat /sys/class/net/relay0/wgrelay/tx_packets; }

cgnat_setup
ns_add vps2
public vps2 eth0 "$VPS2"
behind_nat cgnat home2 100.65.0
wg_keys laptop home home2

step "relay 1 (vps) serves the laptop and home; relay 2 (vps2) the laptop and home2"
# Each relay's device is relay0, named after its config file, as on two VPSes.
mkdir "$TMP/relay1" "$TMP/relay2"
relay_conf "$TMP/relay1/relay0.conf" laptop home
relay_conf "$TMP/relay2/relay0.conf" laptop home2
n vps relayctl up "$TMP/relay1/relay0.conf"
n vps2 relayctl up "$TMP/relay2/relay0.conf"
n vps relayctl show relay0 peers
n vps2 relayctl show relay0 peers

step "one WireGuard interface on the laptop, an Endpoint per partner"
wg_up laptop
wg_up home
wg_up home2
wg_mesh_peer laptop home "$EP1"
wg_mesh_peer laptop home2 "$EP2"
wg_mesh_peer home laptop "$EP1"
wg_mesh_peer home2 laptop "$EP2"
n laptop wg show "${WG_IF[laptop]}"

step "both pairs connect, and ping at once"
wait_for 40 n laptop ping -c 1 -W 1 "${WG_ADDR[home]}"
wait_for 40 n laptop ping -c 1 -W 1 "${WG_ADDR[home2]}"
tx1=$(tx vps) tx2=$(tx vps2)
# A deadline, so that a late last reply is waited for; with one, ping sends more
# for lost ones: exactly ten sent and ten answered.
bg laptop ping -q -c 10 -i 0.2 -w 15 "${WG_ADDR[home]}" >"$TMP/ping1"
p1=$BG_PID
bg laptop ping -q -c 10 -i 0.2 -w 15 "${WG_ADDR[home2]}" >"$TMP/ping2"
p2=$BG_PID
wait "$p1" || true
wait "$p2" || true
assert_match '^10 packets transmitted, 10 received' "$(grep transmitted "$TMP/ping1")" \
	"the laptop's pings to home (relay 1)"
assert_match '^10 packets transmitted, 10 received' "$(grep transmitted "$TMP/ping2")" \
	"the laptop's pings to home2 (relay 2)"
# Each relay carried its own pair's 20 datagrams (10 pings, 10 replies) at least.
log "relay 1 relayed $(($(tx vps) - tx1)), relay 2 $(($(tx vps2) - tx2)) datagrams"
(($(tx vps) - tx1 >= 20)) || fail "relay 1 relayed $(($(tx vps) - tx1)) datagrams of 20 pings"
(($(tx vps2) - tx2 >= 20)) || fail "relay 2 relayed $(($(tx vps2) - tx2)) datagrams of 20 pings"

step "each relay holds its own pair and nothing of the other"
n vps relayctl show relay0 sessions
n vps2 relayctl show relay0 sessions
assert_eq "home>laptop laptop>home" "$(pairs_in vps)" "sessions on relay 1"
assert_eq "home2>laptop laptop>home2" "$(pairs_in vps2)" "sessions on relay 2"
assert_eq "$EP1" "$(wg_endpoint laptop home)" "the laptop's endpoint for home"
assert_eq "$EP2" "$(wg_endpoint laptop home2)" "the laptop's endpoint for home2"
# One socket on the laptop, one NAT mapping: both relays see it at one address.
n vps relayctl show relay0 | grep -A2 'name: laptop'
n vps2 relayctl show relay0 | grep -A2 'name: laptop'

step "relay 1 dies: the laptop loses home, keeps home2"
n vps ip link del relay0
ping_ok laptop "${WG_ADDR[home2]}" 5
assert_fails n laptop ping -q -c 3 -i 0.2 -W 1 "${WG_ADDR[home]}"
assert_eq "home2>laptop laptop>home2" "$(pairs_in vps2)" "sessions on relay 2"
