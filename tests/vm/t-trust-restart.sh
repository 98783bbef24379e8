#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Double squat after a relay restart (trust model v2, promise 2; attack A4 of
# docs/trust/1-first-draft.md). Home and the laptop talk through the relay; the
# relay forgets everything it learned (relayctl flush all, as a restart without
# saved state does). Before the peers are back, an attacker stages a handshake
# that puts the laptop at one of its sockets and home at the other, and keeps
# both squatted bindings live (wgr-forge hold). Then each side sends traffic:
# its initiations go to the squatter at its partner's binding. Discovery on
# failure must end it: after two forwarded initiations that went unanswered, a
# peer's third one (with the relay's mac2) is also copied to discovery
# candidates, and its partner, initiating too, is one. Trust model v1 kept such a
# pair apart for as long as the attacker kept at it.
#
# Variant "self": the attacker, a discovery candidate too, answers every copy it
# gets with forged responses whose sender index is the initiation's own (pass 6,
# G1). With "a live receiver index has one initiator endpoint" alone, that made
# the index the real response needs look taken, and every handshake that went
# through discovery failed; the oldest initiation in flight now holds its index.
#
# variants: hold self
# timeout: 240
# kernels: one

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cgnat.sh"
. "$(dirname "$0")/../lib/relay.sh"

mode=hold
[[ ${1:-hold} == self ]] && mode=holdself
ATTACKER4=203.0.113.66
cgnat_setup
ns_add attacker
public attacker eth0 "$ATTACKER4"
wg_keys home laptop ghost
relay_up home laptop ghost
wg_peers "$RELAY_EP" "$RELAY_EP"
pair_works laptop home

step "the relay forgets everything; the attacker squats both peers at once"
n vps relayctl flush relay0 all
bg attacker wgr-forge "$mode" "$VPS4" "$RELAY_PORT" 150 \
	"${WG_PUB[ghost]}" "${WG_PUB[home]}" "${WG_PUB[laptop]}" >"$TMP/hold"
wait_for 30 eval '[[ $(binding_ep home) == $ATTACKER4:* && $(binding_ep laptop) == $ATTACKER4:* ]]'
log "home's binding: $(binding_line home); laptop's: $(binding_line laptop)"

step "both sides send traffic; they must find each other past the squatter"
start=$SECONDS
ping_record laptop "${WG_ADDR[home]}" 90 "$TMP/ping-laptop"
ping_record home "${WG_ADDR[laptop]}" 90 "$TMP/ping-home"
wait_for 80 n laptop ping -c 1 -W 1 "${WG_ADDR[home]}"
took=$((SECONDS - start))
log "the pair reconnected $took s after it started sending, past both squatted bindings"
n vps relayctl show relay0
n vps relayctl show relay0 stats | grep -E 'discovery_fwd|cookies_sent|hs_mac2|bindings_kept|confirms'
assert_stat_ge discovery_fwd 1
# WireGuard starts a handshake 15 s after its data goes unanswered, retries every
# 5 s; the third try is the one discovery on failure copies: about 26 s.
((took <= 45)) || fail "the pair took $took s to reconnect"
ping_ok home "${WG_ADDR[laptop]}" 3
