#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Squat, then corroborate (trust model v2, DESIGN.md 2.3, promises 1 and 2). Home
# and the laptop talk through the relay; G and G2 are provisioned peers that are
# offline. An off-path attacker at 203.0.113.66 (wgr-forge squat) first squats G:
# it stages a handshake naming G as initiator (bait home, target G2) from its socket
# A, so that the relay has G at A, and keeps that binding alive with data. Then,
# from A, G's squatted endpoint, it initiates to home (a member of the talking
# pair) as G, and its other socket answers the copy in home's name and A confirms:
# a handshake between "G" and "home" that the relay saw complete. It keeps at both
# for SECONDS (default 100), answering every initiation copy it receives with
# forged responses, while the laptop pings home once a second.
#
# What must hold: a squatted binding vouches for nothing: home's and the laptop's
# live bindings do not move, at least 95% of the pings are answered, and no more
# than 10 consecutive ones are lost. Trust model v1 moves home's binding to the
# attacker.
#
# Usage: t-trust-squat.sh [SECONDS]
#
# timeout: 360
# kernels: one

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cgnat.sh"
. "$(dirname "$0")/../lib/relay.sh"

SECS=${1:-100}
ATTACKER4=203.0.113.66
cgnat_setup
ns_add attacker
public attacker eth0 "$ATTACKER4"
wg_keys home laptop g g2
relay_up home laptop g g2
wg_peers "$RELAY_EP" "$RELAY_EP"
pair_works laptop home
wait_for 30 eval '[[ $(binding_ep home) != "(none)" && $(binding_ep laptop) != "(none)" ]]'
home0=$(binding_ep home) laptop0=$(binding_ep laptop)
log "home is bound at $home0, laptop at $laptop0, G at $(binding_ep g)"

step "the attacker squats G, then corroborates with home from G's squatted endpoint ($SECS s)"
ping_record laptop "${WG_ADDR[home]}" "$SECS" "$TMP/ping"
ping_pid=$BG_PID
bg attacker wgr-forge squat "$VPS4" "$RELAY_PORT" "$SECS" \
	"${WG_PUB[home]}" "${WG_PUB[g2]}" "${WG_PUB[g]}" "${WG_PUB[laptop]}" "${WG_PUB[home]}"
squat=$BG_PID

BOUND=([home]=$home0 [laptop]=$laptop0)
watch_bindings "$SECS" home laptop
g_at=$(binding_ep g)
log "G is bound at $g_at ($(binding_line g))"
# The squat needs a discovery copy, which trust model v2 sends only to sources
# that put the relay's mac2 on their initiations: without relay cookies (or with
# cookies wgr-forge cannot open), nothing is squatted and nothing corroborated.
[[ $g_at == "$ATTACKER4":* ]] ||
	log "NOTE: the attacker did not squat G: the corroboration step was not exercised"
wait "$squat" || true
wait "$ping_pid" || true
read -r got gap < <(ping_report "$TMP/ping" "$SECS")
log "pings answered: $got of $SECS; longest run of lost pings: $gap"
log "counters: $(trust_counters)"
n vps relayctl show relay0 | grep -E 'name:|binding:'

step "what must hold"
((${#MOVED[@]} == 0)) || fail "${MOVED[0]}"
assert_eq "$home0" "$(binding_ep home)" "home's binding"
assert_eq "$laptop0" "$(binding_ep laptop)" "laptop's binding"
((got * 100 >= SECS * 95)) || fail "only $got of $SECS pings were answered (at least 95% must be)"
((gap <= 10)) || fail "$gap consecutive pings were lost (at most 10 may be)"
