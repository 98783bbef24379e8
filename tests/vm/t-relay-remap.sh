#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The CGNAT forgets home's mapping in the middle of a transfer (its conntrack table
# is flushed, and it maps ports at random, as large CGNATs do): home's next datagram
# leaves from a new public port. The relay sees a fresh counter on a confirmed
# session from the new endpoint, moves home there in that session, and traffic
# resumes without a new handshake. Prints how long it took. Home's binding is live
# at the old endpoint until nothing has come from there for a minute (trust model
# v2: a live binding never moves); then it follows home's roam.
#
# timeout: 300

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cgnat.sh"
. "$(dirname "$0")/../lib/relay.sh"

cgnat_setup
n cgnat nft flush chain ip nat postrouting
n cgnat nft add rule ip nat postrouting oifname wan0 ip saddr 100.64.0.0/10 masquerade random
wg_keys home laptop
relay_up home laptop
wg_peers "$RELAY_EP" "$RELAY_EP"
pair_works laptop home

home_ep() { n vps relayctl show relay0 | awk '/name: home/ { f = 1 } f && /binding:/ && !ep { ep = $2 } END { print ep }'; }
before=$(home_ep)
log "home is at $before"
assert_match "^$CGNAT4:[0-9]+$" "$before" "home's binding"
handshakes=$(n laptop wg show "${WG_IF[laptop]}" latest-handshakes | awk '{ print $2 }')

step "a transfer runs; the CGNAT drops every mapping halfway through"
bg home iperf3 -s -1 -B "${WG_ADDR[home]}"
wait_for 10 listening home tcp 5201
# Home sends (a download from the home server), so its first datagram after the
# remap comes at once; with home silent, WireGuard's own rekey recovers in ~15 s.
bg laptop iperf3 -c "${WG_ADDR[home]}" -R -t 40 -f m
iperf=$BG_PID
sleep 3
n cgnat conntrack -F
start=${EPOCHREALTIME/./}
wait_for 90 n laptop ping -c 1 -W 1 "${WG_ADDR[home]}"
took=$(((${EPOCHREALTIME/./} - start) / 1000))
log "traffic resumed $took ms after the CGNAT lost its mapping"

n vps relayctl show relay0 stats
n vps relayctl show relay0 sessions
session_ep=$(relay_sessions | awk -v k="${WG_PUB[home]}" '$3 == k && $6 == "confirmed" { print $5; exit }')
log "home's sessions reach it at $session_ep"
assert_ne "$before" "$session_ep" "home's endpoint in its session after the remap"
assert_match "^$CGNAT4:[0-9]+$" "$session_ep" "home's new endpoint"
assert_stat_ge roams 1
assert_match "a live session reaches it elsewhere" "$(n vps relayctl show relay0)" \
	"relayctl show, home's binding before it follows"
assert_eq "$handshakes" "$(n laptop wg show "${WG_IF[laptop]}" latest-handshakes | awk '{ print $2 }')" \
	"laptop's last handshake (the session survived the move)"
wait "$iperf" || fail "the iperf3 transfer across the remap failed"

step "home's binding goes stale at the old endpoint and follows the roam"
wait_for 90 eval '[[ $(home_ep) == "$session_ep" ]]'
log "home's binding is now at $(home_ep)"
assert_stat_ge bindings_followed 1
show_relay
