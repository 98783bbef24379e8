#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Which address the relay answers from. A VPS often has several; a peer behind a
# NAT only lets in what comes back from the address its mapping points at, so the
# relay sends to each peer from the address that peer reached it at. When that
# address goes away, the relay must still deliver, from another one (the route
# picks it), and not fail every packet. No NAT here, so that the datagrams from
# the new address can be seen arriving: WireGuard follows them (roams).
#
# timeout: 240

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cgnat.sh"
. "$(dirname "$0")/../lib/relay.sh"

VPS4_2=203.0.113.10 HOME_PUB=203.0.113.21 LAPTOP_PUB=203.0.113.22

step "the vps with two addresses; home reaches the relay at $VPS4, laptop at $VPS4_2"
ns_add inet vps home laptop
n inet ip link add br0 type bridge
n inet ip link set br0 up
n inet ip addr add "$INET4/24" dev br0
public vps eth0 "$VPS4"
n vps ip addr add "$VPS4_2/24" dev eth0
public home eth0 "$HOME_PUB"
public laptop eth0 "$LAPTOP_PUB"
relay_up home laptop
wg_peers "$VPS4:$RELAY_PORT" "$VPS4_2:$RELAY_PORT"
wait_for 30 n laptop ping -c 1 -W 1 "${WG_ADDR[home]}"
ping_ok home "${WG_ADDR[laptop]}"
# Had the relay answered laptop from the other address, laptop's WireGuard would
# have moved its endpoint there.
assert_eq "$VPS4_2:$RELAY_PORT" "$(wg_endpoint laptop home)" "laptop's endpoint for home"
assert_eq "$VPS4:$RELAY_PORT" "$(wg_endpoint home laptop)" "home's endpoint for laptop"

step "$VPS4_2 goes away: data for laptop leaves from $VPS4 instead"
n vps ip addr del "$VPS4_2/24" dev eth0
errors=$(relay_stat tx_errors)
ping_ok home "${WG_ADDR[laptop]}" 5
assert_eq "$VPS4:$RELAY_PORT" "$(wg_endpoint laptop home)" "laptop's endpoint for home, after the move"
assert_eq "$errors" "$(relay_stat tx_errors)" "tx_errors"
ping_ok laptop "${WG_ADDR[home]}"
show_relay
