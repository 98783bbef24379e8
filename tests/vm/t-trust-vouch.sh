#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What a peer's own endpoints vouch for, told apart from the guest's speed
# (trust model v2, promise 5; pass 6, G8; pass 7, H4). A CGNAT neighbour's
# flood at the per-address ceiling refuses every initiation from the address
# that the relay does not vouch for. How much of a flood reaches the relay
# depends on the guest's CPU (t-trust-rekey floods for real), so here the debug
# build's "ceiling-shut" knob plays a flood that spends every token: the
# ceiling refuses all it sees, for every address. Then:
#
#  1. the neighbour's initiations (valid mac1 for an offline peer, from ports
#     of home's public address) are all refused: the attack works on what is
#     not vouched for;
#  2. home starts a new handshake from its live binding: vouched for, it
#     completes;
#  3. home's WireGuard moves to another port and back (a phone going from Wi-Fi
#     to LTE and back), its data roaming the session each time; its rekey from
#     its binding is still vouched for. (Pass 8, I1: the roam back was recorded
#     as a roam to the binding itself, whose index entry could hide the
#     binding's. Now a roam back ends the roam. The one run of this step on
#     the code before, 37a1e7c, passed: the hiding was not seen here.)
#  4. home's mapping changes (its WireGuard moves to another port) and its data
#     roams the session; it starts a new handshake from the new port at once,
#     while its binding is still live at the old one. Before (2def5aa), nothing
#     vouched for the new endpoint until the binding followed (60 s after the
#     old endpoint's last datagram): every try was refused, and the handshake
#     never completed within the test's limit. Now the endpoint its data roamed
#     to out of its live binding vouches for it (a budget of its own), and its
#     session there names the laptop as the first guess for the mac1.
#  5. the operator makes home static at its old endpoint: the endpoint its
#     data roamed to no longer vouches (pass 8, I7), so its handshake from
#     there is refused like anyone's.
#
# module: debug
# timeout: 240
# kernels: one

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cgnat.sh"
. "$(dirname "$0")/../lib/relay.sh"

# Pings of a second a handshake may take: the first try, and WireGuard's first
# retry (5 s).
LIMIT=8
cgnat_setup
behind_nat cgnat neighbour 100.65.0
wg_keys home laptop ghost
relay_up home laptop ghost
wg_peers "$RELAY_EP" "$RELAY_EP"
pair_works home laptop
log "home at $(binding_ep home), laptop at $(binding_ep laptop)"

# rehandshake: home's WireGuard forgets the laptop and starts a new handshake
# with it; succeeds if a ping gets through within LIMIT tries of a second.
rehandshake() {
	local i
	n home wg set "${WG_IF[home]}" peer "${WG_PUB[laptop]}" remove
	wg_mesh_peer home laptop "$RELAY_EP"
	for ((i = 0; i < LIMIT; i++)); do
		n home ping -c 1 -W 1 "${WG_ADDR[laptop]}" >/dev/null 2>&1 && return 0
	done
	return 1
}

log "$(debug_ctl vps relay0 ceiling-shut 1)"

step "1. the neighbour's initiations for an offline peer are refused"
rl0=$(relay_stat hs_ratelimited) in0=$(relay_stat hs_initiations)
n neighbour wgr-forge initiation "$VPS4" "$RELAY_PORT" 5 5 "${WG_PUB[ghost]}"
sleep 1
assert_eq 5 $(($(relay_stat hs_ratelimited) - rl0)) "neighbour's initiations refused at the ceiling"
assert_eq "$in0" "$(relay_stat hs_initiations)" "initiations forwarded"

step "2. home's new handshake from its live binding is vouched for"
rl0=$(relay_stat hs_ratelimited)
rehandshake || fail "home's handshake from its live binding did not complete in $LIMIT tries"
log "done; refused at the ceiling meanwhile: $(($(relay_stat hs_ratelimited) - rl0))"

step "3. home's WireGuard moves to another port and back; it rekeys from its binding"
old_ep=$(binding_ep home)
n home wg set "${WG_IF[home]}" listen-port $((WG_PORT + 5))
n home ping -q -c 2 -i 0.3 "${WG_ADDR[laptop]}" >/dev/null || fail "home's pings from the other port were lost"
n home wg set "${WG_IF[home]}" listen-port "$WG_PORT"
n home ping -q -c 2 -i 0.3 "${WG_ADDR[laptop]}" >/dev/null || fail "home's pings back home were lost"
assert_eq "$old_ep" "$(binding_ep home)" "home's binding after the round trip"
rl0=$(relay_stat hs_ratelimited)
rehandshake || fail "home's handshake from its binding after a roam and back did not complete in $LIMIT tries" \
	"(refused at the ceiling meanwhile: $(($(relay_stat hs_ratelimited) - rl0)))"
log "done; refused at the ceiling meanwhile: $(($(relay_stat hs_ratelimited) - rl0))"

step "4. home's mapping changes; it rekeys from the new port before its binding follows"
old_ep=$(binding_ep home)
n home wg set "${WG_IF[home]}" listen-port $((WG_PORT + 7))
n home ping -q -c 3 -i 0.3 "${WG_ADDR[laptop]}" >/dev/null || fail "home's pings after the remap were lost"
log "home's session roamed; its binding: $(binding_line home)"
rl0=$(relay_stat hs_ratelimited)
ok=1
rehandshake || ok=0
log "$( ((ok)) && echo "completed" || echo "no answer in $LIMIT tries");" \
	"refused at the ceiling meanwhile: $(($(relay_stat hs_ratelimited) - rl0)); $(trust_counters)"
# All of it while the binding stayed at the old endpoint: the window H4 is about.
[[ $(binding_ep home) == "$old_ep" ]] || fail "home's binding moved during the test: $(binding_line home)"
((ok)) || fail "home's handshake from its roamed endpoint did not complete in $LIMIT tries"

step "5. the operator makes home static at its old endpoint; its roam no longer vouches"
# Pass 8, I7: a roam recorded before the endpoint was made static stayed
# indexed and vouched for the roamed endpoint; a static peer is where the
# operator says, and its roams are not recorded. First home moves once more,
# so that no session's route starts at the roamed endpoint (a roam of the
# initiator ends its route; a live route vouches by itself). Before (684afd5)
# the handshake from there completed.
n home wg set "${WG_IF[home]}" listen-port $((WG_PORT + 9))
n home ping -q -c 3 -i 0.3 "${WG_ADDR[laptop]}" >/dev/null || fail "home's pings after the second remap were lost"
log "home's session roamed again; its binding: $(binding_line home)"
n vps relayctl set relay0 peer "${WG_PUB[home]}" endpoint "$old_ep"
rl0=$(relay_stat hs_ratelimited)
ok=1
rehandshake || ok=0
log "$( ((ok)) && echo "completed" || echo "no answer in $LIMIT tries");" \
	"refused at the ceiling meanwhile: $(($(relay_stat hs_ratelimited) - rl0))"
((ok == 0)) || fail "home's handshake from its old roam completed after it was made static elsewhere"
(($(relay_stat hs_ratelimited) > rl0)) || fail "no initiation of home's was refused at the ceiling"
