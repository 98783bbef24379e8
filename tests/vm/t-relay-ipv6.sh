#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A laptop on an IPv6-only network reaches a home server behind IPv4 CGNAT: the
# relay takes the laptop's datagrams on its IPv6 socket and sends them on from its
# IPv4 socket, and back.
#
# timeout: 300

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cgnat.sh"
. "$(dirname "$0")/../lib/relay.sh"

LAPTOP6=2001:db8::20
cgnat_setup
ipv6_only laptop6 "$LAPTOP6"
WG_ADDR[laptop6]=172.31.0.6
wg_keys home laptop6

step "the laptop has no IPv4 at all"
assert_fails n laptop6 ping -c 1 -W 1 "$VPS4"
tries 3 n laptop6 ping -6 -c 1 -W 2 "$VPS6"

step "relay up; home points at the relay's IPv4 address, the laptop at its IPv6 one"
relay_up home laptop6
wg_up home
wg_up laptop6
wg_mesh_peer home laptop6 "$RELAY_EP"
wg_mesh_peer laptop6 home "[$VPS6]:$RELAY_PORT"
pair_works laptop6 home
ping_ok laptop6 "${WG_ADDR[home]}" 5
ping_ok home "${WG_ADDR[laptop6]}" 5

step "the relay holds one IPv6 and one IPv4 endpoint"
show_relay
sessions=$(relay_sessions)
assert_match "\\[$LAPTOP6\\]:[0-9]+[[:space:]]+confirmed" "$sessions" "laptop's IPv6 endpoint"
assert_match "$CGNAT4:[0-9]+[[:space:]]+confirmed" "$sessions" "home's IPv4 endpoint"

step "iperf3 across the families"
bg home iperf3 -s -1 -B "${WG_ADDR[home]}"
wait_for 10 listening home tcp 5201
n laptop6 iperf3 -c "${WG_ADDR[home]}" -t 2 -f m | tail -3
assert_eq 0 "$(relay_stat tx_errors)" "tx_errors"
