#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# An insider moves another peer's binding by roaming it in its own session (trust
# model v2, DESIGN.md 2.3, attacker (c)). Three peers with kernel WireGuard: home
# (CGNAT) and the laptop (hotel NAT) talk; the insider, a provisioned peer behind a
# NAT of its own, talks to the laptop. The insider knows its own receiver index in
# its session with the laptop (it chose it) and the laptop's counter on it, so it
# sends ONE data message on that index with counter = highest seen + 1 (read from
# /proc/net/wgrelay on the vps), from another source port of its host (wgr-forge
# onedata): to the relay, the laptop has roamed there. Then the insider initiates a
# fresh handshake with the laptop from its own live binding (its WireGuard peer is
# removed and added again).
#
# What must hold: the laptop's live binding never moves (roaming moves only the
# roamer's endpoint in its own session), home and the laptop keep talking, and the
# insider and the laptop find each other again. Trust model v1 rebinds the laptop
# to the insider's other port at once.
#
# timeout: 240
# kernels: one

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cgnat.sh"
. "$(dirname "$0")/../lib/relay.sh"

# The other port is below the range WireGuard's own port is drawn from (32768-60999).
INSIDERNAT4=203.0.113.20 OTHER_PORT=20000
cgnat_setup
ns_add insidernat insider
public insidernat wan0 "$INSIDERNAT4"
behind insidernat 10.9.0.1 10.9.0.0/24 insider eth0 10.9.0.2
WG_ADDR[insider]=172.31.0.3
wg_keys home laptop insider
relay_up home laptop insider

step "the insider talks to the laptop, then home and the laptop talk"
# The insider's session comes first, while no other source is waiting for the
# laptop: its initiation then goes to the laptop alone, and its index is a secret.
wg_up laptop
wg_up insider
wg_mesh_peer insider laptop "$RELAY_EP"
wg_mesh_peer laptop insider "$RELAY_EP"
pair_works insider laptop
wg_up home
wg_mesh_peer home laptop "$RELAY_EP"
wg_mesh_peer laptop home "$RELAY_EP"
pair_works laptop home
laptop0=$(binding_ep laptop)
log "laptop is bound at $laptop0 ($(binding_line laptop))"
assert_match "^$HOTEL4:[0-9]+$" "$laptop0" "laptop's binding"
relay_sessions

step "the insider roams the laptop with one datagram on its own index"
ping_record laptop "${WG_ADDR[home]}" 60 "$TMP/ping"
ping_pid=$BG_PID
# The laptop's data to the insider arrives on the insider's index: fresh traffic
# first, so that the relay has seen its latest counter.
ping_back laptop insider
# The forged roam must happen for the test to mean anything: the laptop's own
# data (a keepalive) between reading its counter and forging may spend that
# counter, so the forge is tried again with a fresh one.
roams0=$(relay_stat roams)
for try in 1 2 3; do
	idx='' counter=''
	read -r idx counter < <(session_of insider laptop) || true
	[[ -n $idx ]] || fail "no confirmed session of the insider with the laptop in /proc/net/wgrelay"
	log "the insider's index $idx, the laptop's counter on it $counter (try $try)"
	n insider wgr-forge onedata "$VPS4" "$RELAY_PORT" "$OTHER_PORT" "$idx" "$((counter + 1))"
	sleep 1
	(($(relay_stat roams) > roams0)) && break
done
(($(relay_stat roams) > roams0)) || fail "the relay took none of the three forged roams"
# The laptop's half of that session (the laptop's index) is now at the insider's NAT.
assert_match "(^| )$INSIDERNAT4:[0-9]+( |$)" \
	"$(relay_sessions | awk -v o="${WG_PUB[laptop]}" -v c="${WG_PUB[insider]}" \
		'$3 == o && $4 == c { print $5 }' | paste -s -d ' ')" \
	"the laptop's endpoints in its sessions with the insider"
after_roam=$(binding_ep laptop)
log "laptop's binding now: $(binding_line laptop); counters: $(trust_counters)"
relay_sessions

step "the insider initiates a new handshake with the laptop from its live binding"
n insider wg set "${WG_IF[insider]}" peer "${WG_PUB[laptop]}" remove
wg_mesh_peer insider laptop "$RELAY_EP"
start=$SECONDS
wait_for 60 n insider ping -c 1 -W 1 "${WG_ADDR[laptop]}"
log "the insider reached the laptop again after $((SECONDS - start)) s"
after_hs=$(binding_ep laptop)
log "laptop's binding now: $(binding_line laptop); counters: $(trust_counters)"
wait "$ping_pid" || true
read -r got gap < <(ping_report "$TMP/ping" 60)
log "laptop -> home: $got of 60 pings answered, at most $gap lost in a row"
show_relay

step "what must hold"
assert_eq "$laptop0" "$after_roam" "laptop's binding after the insider's forged roam"
assert_eq "$laptop0" "$after_hs" "laptop's binding after the insider's handshake"
assert_eq "$laptop0" "$(binding_ep laptop)" "laptop's binding at the end"
((got >= 57)) || { cat "$TMP/ping"; fail "home and the laptop: only $got of 60 pings answered during the attack"; }
ping_ok laptop "${WG_ADDR[home]}" 5
