#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A spoofer answers for a static endpoint (trust model v2, DESIGN.md 2.3, attacker
# (b): "no live binding ever moves"). A server with a public address is provisioned
# with a static endpoint (as in t-relay-trust.sh); the laptop talks to it and to
# home through the relay. An attacker at 203.0.113.66 that can forge source
# addresses (raw sockets) but not receive at them (wgr-forge spoofstage) initiates
# to the server from its own socket A, sends the response itself "from" the
# server's static endpoint, naming the laptop (then home) as initiator, and sends
# the first data from A: to trust model v1 a handshake answered at a static
# endpoint, so a trusted proof that the laptop is at A. It does this every 5 s for
# SECONDS (default 60), while the laptop pings the server and home.
#
# What must hold: static endpoints pin their own peer only. The laptop's and home's
# live bindings do not move, the server's stays its static endpoint, and the pings
# keep being answered. Trust model v1 moves the laptop's binding to the attacker.
#
# Usage: t-trust-static-spoof.sh [SECONDS]
#
# timeout: 240
# kernels: one

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cgnat.sh"
. "$(dirname "$0")/../lib/relay.sh"

SECS=${1:-60}
SERVER4=203.0.113.10 ATTACKER4=203.0.113.66
cgnat_setup
ns_add server attacker
public server eth0 "$SERVER4"
public attacker eth0 "$ATTACKER4"
WG_ADDR[server]=172.31.0.7
wg_keys home laptop server
RELAY_PEER_EXTRA[server]="Endpoint = $SERVER4:$WG_PORT"
relay_up home laptop server

step "the laptop talks to the public server and to home through the relay"
wg_up server "$WG_PORT"
wg_up laptop
wg_up home
wg_mesh_peer laptop server "$RELAY_EP"
wg_peer server laptop "${WG_ADDR[laptop]}/32"
wg_mesh_peer home laptop "$RELAY_EP"
wg_mesh_peer laptop home "$RELAY_EP"
pair_works laptop server
pair_works laptop home
wait_for 30 eval '[[ $(binding_ep home) != "(none)" && $(binding_ep laptop) != "(none)" ]]'
declare -A before=()
for p in laptop home server; do
	before[$p]=$(binding_ep "$p")
	log "$p: ${before[$p]} ($(binding_line "$p"))"
done

step "a spoofer answers for the server's static endpoint, naming the laptop, then home ($SECS s)"
ping_record laptop "${WG_ADDR[server]}" "$SECS" "$TMP/ping-server"
ping1=$BG_PID
ping_record laptop "${WG_ADDR[home]}" "$SECS" "$TMP/ping-home"
ping2=$BG_PID
half=$((SECS / 2))
n attacker wgr-forge spoofstage "$VPS4" "$RELAY_PORT" "$SERVER4" "$WG_PORT" \
	"${WG_PUB[server]}" "${WG_PUB[laptop]}" "$half"
after_laptop=$(binding_ep laptop)
log "laptop's binding after the first half: $(binding_line laptop)"
n attacker wgr-forge spoofstage "$VPS4" "$RELAY_PORT" "$SERVER4" "$WG_PORT" \
	"${WG_PUB[server]}" "${WG_PUB[home]}" "$((SECS - half))"
after_home=$(binding_ep home)
log "home's binding after the second half: $(binding_line home)"
wait "$ping1" || true
wait "$ping2" || true
log "counters: $(trust_counters)"
n vps relayctl show relay0 | grep -E 'name:|binding:'

step "what must hold"
assert_eq "${before[laptop]}" "$after_laptop" "laptop's binding after spoofed answers naming it"
assert_eq "${before[home]}" "$after_home" "home's binding after spoofed answers naming it"
for p in laptop home server; do
	assert_eq "${before[$p]}" "$(binding_ep "$p")" "$p's binding at the end"
done
for f in server home; do
	read -r got gap < <(ping_report "$TMP/ping-$f" "$SECS")
	log "laptop -> $f: $got of $SECS pings answered, at most $gap lost in a row"
	((got * 100 >= SECS * 95)) || fail "laptop -> $f: only $got of $SECS pings answered"
done
