#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A talking pair's next handshake is known before any limit (pass 5, F1 and F2;
# trust model v2, promises 1 and 5). Home and the laptop talk, then make no
# handshake for 40 s: longer than the relay remembered a handshake source (30 s),
# shorter than WireGuard's rekey interval (120 s), as every rekey is. A
# neighbour behind the same CGNAT address as home then sends initiations with a
# valid mac1 (for a provisioned peer that is offline) from 64 ports, each at the per-port limit (20 a second): 1,280 a
# second against the relay's per-address ceiling of 160. Home's WireGuard then
# starts a new handshake from the same endpoint.
#
# Before, the relay had forgotten who sits at home's endpoint: the initiation
# found no hint, so it was not vouched for by the pair's live session and paid
# the address ceiling like the neighbour's junk: about one try in eight got
# through, and home's handshake took several WireGuard retries or failed. Now a
# confirmed session holds both its endpoints' sources (their owner and partner)
# for a session timeout: home's initiation is found by one mac1 check, vouched by
# the live session, and passes at once. The test counts, at the relay, home's
# initiations that reach it and those it sends on to the laptop: every one must
# go on, however many the flood makes a busy guest lose on the way (home's own
# count is logged). Refused at 7 tries in 8, a first try passes 1 time in 8.
#
# Variant "remap" (pass 6, G8 and G9): home's NAT mapping changes instead of the
# quiet 40 s (its WireGuard moves to another port, so its datagrams leave the
# CGNAT from a new one). Its data roams the pair, and its binding follows once the
# old endpoint is stale (60 s). The relay has never seen a handshake from the new
# endpoint: no source, so no hint there. Before, home's initiation was then not
# vouched for and paid the ceiling as the neighbour's junk does (as after any
# eviction of the source, or with more partners than its four hints). Now the
# live binding at the endpoint vouches for it, and home's partner in its
# session there, the laptop, is the first guess for its mac1.
#
# The window before the binding follows a remap (pass 7, H4) is t-trust-vouch's
# step 4: a flood here is only as strong as the guest's CPU lets it be.
#
# variants: quiet remap
# cpu: heavy
# timeout: 300
# kernels: one

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cgnat.sh"
. "$(dirname "$0")/../lib/relay.sh"

variant=${1:-quiet}
QUIET=40 LIMIT=20 FLOODS=4
cgnat_setup
behind_nat cgnat neighbour 100.65.0
wg_keys home laptop ghost
# ghost: provisioned, never online. The neighbour's junk names it, so that only
# the relay's refusals, not the laptop's WireGuard working through the junk,
# decide how soon home's handshake completes.
relay_up home laptop ghost
wg_peers "$RELAY_EP" "$RELAY_EP"
pair_works home laptop
log "home at $(binding_ep home), laptop at $(binding_ep laptop)"

if [[ $variant == remap ]]; then
	old_ep=$(binding_ep home)
	step "home's mapping changes: its WireGuard moves to another port; it keeps pinging"
	n home wg set "${WG_IF[home]}" listen-port $((WG_PORT + 7))
	bg home ping -q -i 1 -c 150 "${WG_ADDR[laptop]}"
	pinger=$BG_PID
	# Stale 60 s after home's last datagram from the old endpoint, then it
	# follows the roam, and is live again with home's next datagram from there.
	moved() { [[ $(binding_ep home) != "$old_ep" ]] && binding_line home | grep -q live; }
	wait_for 100 moved
	kill "$pinger"
	log "home's binding moved: $old_ep -> $(binding_line home)"
else
	step "the pair talks for $QUIET s without a handshake"
	sleep "$QUIET"
fi

step "the neighbour sends $((FLOODS * 320)) initiations a second from $((FLOODS * 16)) ports"
for ((i = 0; i < FLOODS; i++)); do
	bg neighbour wgr-forge mix "$VPS4" "$RELAY_PORT" 60 1280 "${WG_PUB[ghost]}" 16
done
# The flood is over the ceiling before home starts: the relay is refusing it.
# (How far over depends on the CPU the neighbour's guest gets: a count in a
# fixed time is no measure of it.)
rl_flood=$(relay_stat hs_ratelimited)
wait_for 30 eval '(($(relay_stat hs_ratelimited) - rl_flood > 500))'
rl0=$(relay_stat hs_ratelimited)

step "home starts a new handshake from the same endpoint"
count_initiations home
count_relay_initiations "$(binding_ep home)" "$(binding_ep laptop)"
n home wg set "${WG_IF[home]}" peer "${WG_PUB[laptop]}" remove
wg_mesh_peer home laptop "$RELAY_EP"
read -r tries t < <(handshake_tries home laptop "$LIMIT")
read -r arrived sent_on < <(relay_initiations)
said=$(handshake_said "$tries" "$t" "$LIMIT")
log "home -> laptop: $said; $arrived reached the relay, $sent_on went on to the laptop;" \
	"hs_ratelimited +$(($(relay_stat hs_ratelimited) - rl0));" \
	"cookies from targets $(relay_stat hs_cookies), sent $(relay_stat cookies_sent);" \
	"initiations forwarded $(relay_stat hs_initiations), with no route $(relay_stat hs_no_route);" \
	"$(trust_counters)"
# The neighbour's flood was still over the ceiling while home handshook.
(($(relay_stat hs_ratelimited) - rl0 > 50)) ||
	fail "the flood was not over the ceiling while home handshook"
# The relay refused none of home's tries: each one that reached it went on to the
# laptop. (Counted at the relay, not at home: when the flood saturates the guest's
# CPU, a datagram can be lost on its way to the relay or back, and home then
# retries for reasons that are not the relay's; a handshake that passes at once
# can also take 2-4 s to complete here, and a loaded host stretches that.)
[[ $t =~ ^[0-9]+$ ]] || fail "home's handshake: $said"
[[ $arrived =~ ^[0-9]+$ && $sent_on =~ ^[0-9]+$ ]] ||
	fail "no count of home's initiations at the relay: '$arrived' '$sent_on'"
((arrived >= 1 && sent_on >= arrived)) ||
	fail "the relay sent $sent_on of home's $arrived initiations on to the laptop ($said)"
